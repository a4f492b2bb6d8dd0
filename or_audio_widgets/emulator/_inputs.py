"""Decoding the ``input_audio`` parts of a request and describing what arrived."""

from __future__ import annotations

import base64
import binascii
import math
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..core._ffmpeg import run_ffmpeg
from ..core._formats import FORMATS, INPUT_FORMATS, RAW_SAMPLE_RATE, encoder_of
from ..core._wav import to_pcm16, wav_to_pcm16
from ..errors import AudioFormatError, AudioInputError, FFmpegNotFoundError
from ._speech import pcm16_samples


class InputAudioError(ValueError):
    """An audio part the emulator cannot use; the message names the part, as a 400 body does."""

    def __init__(self, message: str, where: str, audio_format: str | None) -> None:
        super().__init__(message)
        self.where = where
        self.audio_format = audio_format


@dataclass(frozen=True)
class AudioPart:
    """One ``input_audio`` content part and where it sits in the request."""

    where: str
    data: object
    format: object


@dataclass(frozen=True)
class Heard:
    """What one decoded part contained."""

    format: str
    duration: float
    sample_rate: int
    channels: int
    loudness: float
    pcm: bytes = field(default=b"", repr=False, compare=False)  # the samples, interleaved, at sample_rate

    def line(self, index: int) -> str:
        """The reply line for this part (a fixed format that tests and scripts parse)."""
        return (
            f"audio {index}: format={self.format} duration={self.duration:.3f}s rate={self.sample_rate} "
            f"channels={self.channels} loudness={self.loudness:.1f}dBFS"
        )


def find_audio_parts(messages: list[Any]) -> list[AudioPart]:
    """Every ``input_audio`` part, in order, with its position for error messages."""
    parts = []
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "input_audio":
                body = part.get("input_audio")
                body = body if isinstance(body, dict) else {}
                parts.append(AudioPart(f"messages[{i}].content[{j}]", body.get("data"), body.get("format")))
    return parts


def describe(part: AudioPart) -> Heard:
    """Decode one part; :class:`InputAudioError` for a bad format, bad base64 or undecodable audio."""
    fmt = part.format
    if not isinstance(fmt, str) or fmt.lower() not in INPUT_FORMATS:
        raise InputAudioError(
            f"Invalid audio format {fmt!r} in {part.where}.input_audio.format. "
            f"Supported formats: {', '.join(INPUT_FORMATS)}.",
            part.where,
            None,
        )
    fmt = fmt.lower()
    raw = _b64(part, fmt)
    width = FORMATS[fmt].sample_width
    if width:
        if len(raw) % width:
            raise _bad(part, fmt, f"{len(raw)} bytes is not a whole number of {width}-byte samples")
        pcm = raw if width == 2 else to_pcm16(raw, 3)
        return Heard(fmt, len(pcm) / 2 / RAW_SAMPLE_RATE, RAW_SAMPLE_RATE, 1, loudness(pcm), pcm)
    rate, channels, pcm = _decode(part, fmt, raw)
    frames = len(pcm) // (2 * channels)
    if frames == 0:
        raise _bad(part, fmt, "it decodes to no audio samples")
    return Heard(fmt, frames / rate, rate, channels, loudness(pcm), pcm)


def _b64(part: AudioPart, fmt: str) -> bytes:
    if not isinstance(part.data, str) or not part.data:
        raise _bad(part, fmt, "input_audio.data must be a non-empty base64 string")
    if part.data.startswith(("http://", "https://", "data:")):
        raise _bad(part, fmt, "input_audio.data must be base64-encoded audio, not a URL")
    try:
        raw = base64.b64decode("".join(part.data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _bad(part, fmt, "input_audio.data is not valid base64") from None
    if not raw:
        raise _bad(part, fmt, "input_audio.data is empty")
    return raw


def _bad(part: AudioPart, fmt: str, why: str) -> InputAudioError:
    return InputAudioError(f"Invalid audio data in {part.where}: {why}.", part.where, fmt)


def _decode(part: AudioPart, fmt: str, raw: bytes) -> tuple[int, int, bytes]:
    # ffmpeg reads from a file, not a pipe: m4a/mp4 keep their index at the end and need seeking.
    fd, path = tempfile.mkstemp(prefix="or-audio-emulator-", suffix=f".{fmt}")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        # No -ar/-ac: ffmpeg keeps the source's rate and channels and writes them in the WAV header.
        args = ["-i", path, "-vn", "-map", "0:a:0", *encoder_of("wav").args(), "pipe:1"]
        wav = run_ffmpeg(args, purpose=f"decoding {part.where}", name=part.where)
    except FFmpegNotFoundError:
        if fmt != "wav":
            raise _bad(
                part, fmt, f"the emulator needs ffmpeg to decode {fmt}, and none is installed"
            ) from None
        wav = raw  # integer-PCM WAV is read here without ffmpeg
    except AudioInputError as exc:
        raise _bad(part, fmt, f"the {fmt} data could not be decoded ({exc})") from None
    finally:
        os.unlink(path)
    try:  # ffmpeg writing to a pipe leaves placeholder sizes: the samples run to the end
        info, pcm = wav_to_pcm16(wav)
    except AudioFormatError as exc:
        raise _bad(part, fmt, f"the {fmt} data could not be decoded ({exc})") from None
    return info.sample_rate, info.channels, pcm


def loudness(pcm: bytes) -> float:
    """RMS level of pcm16 in dBFS (``-inf`` for digital silence)."""
    count = len(pcm) // 2
    if count == 0:
        return -math.inf
    try:
        import numpy as np
    except ImportError:
        power = sum(s * s for s in pcm16_samples(pcm)) / count
    else:
        values = np.frombuffer(pcm[: count * 2], dtype="<i2").astype(np.float64)
        power = float(np.dot(values, values)) / count
    if power <= 0:
        return -math.inf
    return 10 * math.log10(power / 32768.0**2)
