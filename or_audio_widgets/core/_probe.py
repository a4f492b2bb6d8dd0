"""What is inside an audio input (duration, rate, channels) and conversions between formats.

WAV is read from its header, so a large WAV file is never decoded. Everything else is decoded once by
ffmpeg into ``framecrc`` lines (one short line per packet, so memory stays flat however long the audio)
whose durations add up to the exact number of samples. ffmpeg is found through :mod:`._ffmpeg`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import AudioFormatError, AudioInputError
from ._ffmpeg import encode, raw_input_args, run_ffmpeg
from ._formats import ACCEPTED_FORMATS, RAW_FORMATS, encoder_of
from ._wav import Reader, WavInfo, is_placeholder_size, read_wav_info, wav_header

# wav_header and Reader are re-exported from _wav: the inputs modules reach WAV through this module
__all__ = ["AudioInfo", "Media", "Reader", "convert", "ffmpeg_info", "plain_wav", "wav_header", "wav_info"]


@dataclass(frozen=True)
class AudioInfo:
    """Duration in seconds, rate in Hz, channel count; for WAV also where the samples are."""

    duration: float
    sample_rate: int
    channels: int
    codec: str | None = None
    data_offset: int | None = None
    data_size: int | None = None
    needs_header: bool = False  # a WAV whose sizes are placeholders: send it with a rebuilt header


def wav_info(read: Reader, total: int, name: str) -> AudioInfo:
    """Parse a RIFF/WAVE header; :class:`AudioInputError` when it is malformed or the data is cut short."""
    try:
        info = read_wav_info(read, total)
    except AudioFormatError as exc:  # the shared parser's reason, naming the source
        raise AudioInputError(f"{name} is {exc}.") from None
    if info is None:
        raise AudioInputError(
            f"{name} is a WAV file with no audio data chunk (empty or truncated). Re-export or re-record it."
        )
    return _data_info(info, total, name)


def _data_info(info: WavInfo, total: int, name: str) -> AudioInfo:
    rate, block_align, tag = info.sample_rate, info.block_align, info.audio_format
    size, present = info.data_size, total - info.data_offset
    needs_header = is_placeholder_size(size) and present > 0
    if needs_header:
        size = present - present % block_align
    elif size > present:
        raise AudioInputError(
            f"{name} is truncated: its header promises {size / (block_align * rate):.3f} s of audio but only "
            f"{present / (block_align * rate):.3f} s are in the file. Re-export or re-record it, or trim it "
            f"to what is there (ffmpeg -i in.wav out.wav rewrites the header)."
        )
    codec = f"pcm_{info.bits}" if tag == 1 else ("float" if tag == 3 else f"wave-tag-{tag:#06x}")
    return AudioInfo(size / (block_align * rate), rate, info.channels, codec, info.data_offset, size,
                     needs_header)


def plain_wav(info: AudioInfo) -> bool:
    """True when the WAV's samples are integer PCM or float, which every provider reads."""
    return info.codec is not None and (info.codec.startswith("pcm_") or info.codec == "float")


@dataclass
class Media:
    """Content to hand to ffmpeg: a file on disk, or bytes (with the sniffed format, for the pipe choice)."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    format: str | None = None
    raw_rate: int | None = None  # for headerless pcm16/pcm24 input
    rate_consumed: bool = False  # sample_rate= gave a bare array's rate, so it asks for no resampling


def ffmpeg_info(media: Media) -> AudioInfo:
    """Decode ``media`` once with ffmpeg and count its samples; AudioInputError when it cannot be decoded."""
    # framecrc: one short line per packet, whatever the length of the audio
    args = ["-vn", "-map", "0:a:0", *encoder_of("pcm16").codec_args(), "-f", "framecrc", "pipe:1"]
    with _named_source(media) as source:
        text = run_ffmpeg([*source, *args], purpose=f"reading {media.name}", name=media.name)
    lines = text.decode("ascii", "replace").splitlines()
    rate, timebase, ticks, size = 0, Fraction(1), 0, 0
    for line in lines:
        if line.startswith("#tb 0:"):
            timebase = Fraction(line.split(":", 1)[1].strip())
        elif line.startswith("#sample_rate 0:"):
            rate = int(line.split(":", 1)[1])
        elif line and not line.startswith("#"):
            fields = line.split(",")
            ticks += int(fields[3])
            size += int(fields[4])
    seconds = float(ticks * timebase)
    if not rate or not size:
        raise AudioInputError(
            f"{media.name} holds no audio that ffmpeg can decode (empty, corrupt or not audio). "
            "Check the file plays, or re-export it as WAV or MP3."
        )
    channels = max(1, round(size / 2 / (seconds * rate)))
    return AudioInfo(seconds, rate, channels)


def convert(media: Media, target: str, *, sample_rate: int | None, channels: int | None) -> bytes:
    """Encode ``media`` as ``target`` (one of the API's input formats) through ffmpeg."""
    if target not in ACCEPTED_FORMATS:
        choices = ", ".join(sorted(ACCEPTED_FORMATS))
        raise AudioFormatError(f"cannot produce {target!r} audio; choose one of {choices}.")
    with _named_source(media) as source:
        return encode(source, target, sample_rate=sample_rate, channels=channels,
                      purpose=f"converting {media.name} to {target}", name=media.name)


@contextlib.contextmanager
def _named_source(media: Media) -> Iterator[list[str]]:
    """ffmpeg input options for ``media``; an error from ffmpeg inside names the source, not a temporary
    file."""
    before = raw_input_args(media.format, media.raw_rate or 0) if media.format in RAW_FORMATS else []
    if media.path is not None:
        yield [*before, "-i", f"file:{os.fspath(media.path)}"]
        return
    # Bytes go through a temporary file, not a pipe: MP4 keeps its index ("moov") wherever the writer
    # put it, often at the end, and MP3's gapless trimming needs the length; both need ffmpeg to seek.
    with tempfile.TemporaryDirectory(prefix="or-audio-") as tmp:
        path = Path(tmp) / "input"
        path.write_bytes(media.data or b"")
        try:
            yield [*before, "-i", f"file:{path}"]
        except AudioInputError as exc:  # in ffmpeg's words, but naming the source
            raise AudioInputError(str(exc).replace(f"file:{path}", media.name)) from None
