"""Turning pcm16 into the audio format a person asked for, and back.

WAV and raw pcm16 need no ffmpeg. Compressed formats go through ``_ffmpeg.encode``, the package's one
encode path, in the codec the format registry (``_formats``) names. pydub is imported lazily (it is slow to
import and warns on some Pythons), only for ``AudioReply.to_segment()`` and for reading ``AudioSegment``
sources; it is pointed at the ffmpeg that ``_ffmpeg.find_ffmpeg`` finds, so the imageio-ffmpeg wheel works.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import AudioFormatError
from . import _ffmpeg
from ._formats import REPLY_FORMATS, encoder_of
from ._wav import pcm_to_wav, wav_to_pcm16


def import_pydub() -> Any:
    """Import pydub quietly: the one place the package imports it (no ffmpeg needed for this).

    Its converter is pointed at the package's ffmpeg when there is one, so a segment's ``export`` works
    with the imageio-ffmpeg wheel too.
    """
    with warnings.catch_warnings():
        # pydub warns when ffmpeg is not on PATH (we point it at one) and imports the deprecated
        # audioop on Python 3.11/3.12; neither concerns the person using this package.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import pydub
    converter = _ffmpeg.find_ffmpeg()
    if converter is not None:
        pydub.AudioSegment.converter = converter
    return pydub


def to_segment(pcm: bytes | bytearray | memoryview, sample_rate: int = 24000, channels: int = 1) -> Any:
    """A pydub ``AudioSegment`` of pcm16 samples (needs no ffmpeg to build)."""
    usable = len(pcm) - len(pcm) % (2 * channels)
    segment_class = import_pydub().AudioSegment
    return segment_class(data=bytes(memoryview(pcm)[:usable]), sample_width=2, frame_rate=sample_rate,
                         channels=channels)


def encode_pcm(pcm: bytes | bytearray | memoryview, fmt: str, sample_rate: int = 24000, channels: int = 1,
               *, mono: bool = False, bitrate: int | None = None) -> bytes:
    """pcm16 samples in ``fmt``: wav and pcm16 directly, compressed formats through ffmpeg.

    ``mono`` downmixes a compressed copy; ``bitrate`` (bits per second) overrides the format's own.
    """
    fmt = fmt.lower()
    if fmt == "wav":
        return pcm_to_wav(pcm, sample_rate, channels)
    if fmt == "pcm16":
        return bytes(pcm)
    if fmt not in REPLY_FORMATS:
        raise AudioFormatError(f"cannot encode audio as {fmt!r}; choose {', '.join(sorted(REPLY_FORMATS))}")

    def failed(detail: str) -> AudioFormatError:
        return AudioFormatError(f"ffmpeg could not encode {fmt} ({detail}); is its encoder installed?")

    source = [*_ffmpeg.raw_input_args("pcm16", sample_rate, channels), "-i", "pipe:0"]
    return _ffmpeg.encode(source, fmt, data=bytes(pcm), channels=1 if mono else channels, bitrate=bitrate,
                          purpose=f"encoding audio as {fmt}", name=f"{fmt} audio", error=failed)


def decode_native(data: bytes | bytearray | memoryview, fmt: str) -> tuple[bytes, int, int]:
    """Compressed audio to pcm16 at its own rate and channel count: ``(pcm, sample_rate, channels)``.

    ffmpeg writes a WAV to its pipe (it cannot seek back there, so the sizes are placeholders, which
    ``wav_to_pcm16`` reads as "to the end"); its header says the rate and channels.
    """
    args = ["-i", "pipe:0", "-vn", "-map", "0:a:0", *encoder_of("wav").codec_args(), "-f", "wav", "pipe:1"]
    wav = _ffmpeg.run_ffmpeg(args, bytes(data), purpose=f"decoding {fmt} audio", name=f"{fmt} audio")
    info, pcm = wav_to_pcm16(wav)
    return pcm, info.sample_rate, info.channels
