"""Turning PCM into the audio format a person asked for, through pydub and ffmpeg only when needed.

WAV and raw pcm16 need no ffmpeg. Compressed formats (mp3, flac, opus, ogg, aac) go through pydub, which
is imported lazily (it is slow to import and warns on some Pythons) and pointed at the ffmpeg that
``_ffmpeg.find_ffmpeg`` finds, so the imageio-ffmpeg wheel works too.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePath
from typing import Any

from ..errors import AudioFormatError, FFmpegNotFoundError
from . import _ffmpeg
from ._wav import pcm_to_wav

MIME_TYPES: dict[str, str] = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "opus": "audio/ogg",  # Ogg Opus, what browsers play
    "ogg": "audio/ogg",
    "aac": "audio/aac",
    "pcm16": "audio/L16",
    "pcm24": "audio/L24",
}
PCM_FORMATS = frozenset({"pcm16", "pcm24"})
COMPRESSED_FORMATS = frozenset({"mp3", "flac", "opus", "ogg", "aac"})
# format -> (ffmpeg muxer, encoder); None lets ffmpeg choose its default encoder
_PYDUB_EXPORT: dict[str, tuple[str, str | None]] = {
    "mp3": ("mp3", "libmp3lame"),
    "flac": ("flac", None),
    "opus": ("opus", "libopus"),
    "ogg": ("ogg", "libopus"),
    "aac": ("adts", "aac"),
}
_SUFFIXES: dict[str, str] = {
    ".wav": "wav", ".wave": "wav", ".mp3": "mp3", ".flac": "flac", ".opus": "opus", ".ogg": "ogg",
    ".oga": "ogg", ".aac": "aac", ".pcm": "pcm16", ".raw": "pcm16", ".pcm16": "pcm16",
}  # fmt: skip


def mime_type(fmt: str) -> str:
    """The MIME type of an audio format name (``application/octet-stream`` when unknown)."""
    return MIME_TYPES.get(fmt.lower(), "application/octet-stream")


def format_from_suffix(path: str | PurePath) -> str:
    """The audio format a file name asks for, from its suffix; :class:`AudioFormatError` if unknown."""
    suffix = PurePath(path).suffix.lower()
    fmt = _SUFFIXES.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(_SUFFIXES))
        what = suffix or "no suffix"
        raise AudioFormatError(f"cannot tell the audio format from {what!r}; use one of {known}")
    return fmt


def import_pydub() -> Any:
    """Import pydub quietly: the one place the package imports it (no ffmpeg needed for this)."""
    with warnings.catch_warnings():
        # pydub warns when ffmpeg is not on PATH (load_pydub points it at one) and imports the deprecated
        # audioop on Python 3.11/3.12; neither concerns the person using this package.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import pydub
    return pydub


def load_pydub() -> Any:
    """Import pydub on demand, with its converter pointed at our ffmpeg; FFmpegNotFoundError if none."""
    converter = _ffmpeg.find_ffmpeg()
    if converter is None:
        raise FFmpegNotFoundError("ffmpeg", "converting audio with pydub")
    pydub = import_pydub()
    pydub.AudioSegment.converter = converter
    return pydub


def to_segment(pcm: bytes | bytearray | memoryview, sample_rate: int = 24000, channels: int = 1) -> Any:
    """A pydub ``AudioSegment`` of pcm16 samples (needs no ffmpeg to build)."""
    usable = len(pcm) - len(pcm) % (2 * channels)
    segment_class = import_pydub().AudioSegment
    return segment_class(data=bytes(memoryview(pcm)[:usable]), sample_width=2, frame_rate=sample_rate,
                         channels=channels)


def encode_pcm(pcm: bytes | bytearray | memoryview, fmt: str, sample_rate: int = 24000, channels: int = 1
               ) -> bytes:
    """pcm16 samples in ``fmt``: wav and pcm16 directly, compressed formats through pydub and ffmpeg."""
    fmt = fmt.lower()
    if fmt == "wav":
        return pcm_to_wav(pcm, sample_rate, channels)
    if fmt == "pcm16":
        return bytes(pcm)
    if fmt not in _PYDUB_EXPORT:
        choices = ", ".join(["wav", "pcm16", *_PYDUB_EXPORT])
        raise AudioFormatError(f"cannot encode audio as {fmt!r}; choose {choices}")
    pydub = load_pydub()
    segment = to_segment(pcm, sample_rate, channels)
    muxer, codec = _PYDUB_EXPORT[fmt]
    out = io.BytesIO()
    try:
        segment.export(out, format=muxer, codec=codec)
    except pydub.exceptions.CouldntEncodeError as exc:
        last = str(exc).strip().splitlines()[-1:] or ["no output"]
        raise AudioFormatError(f"ffmpeg could not encode {fmt} ({last[0]}); is its encoder installed?"
                               ) from None
    return out.getvalue()


def decode_to_pcm16(data: bytes | bytearray | memoryview, fmt: str, sample_rate: int = 24000,
                    channels: int = 1) -> bytes:
    """Compressed audio (mp3, flac, ...) to pcm16 at the given rate and channels, through ffmpeg."""
    return _ffmpeg.decode_to_pcm(bytes(data), sample_rate=sample_rate, channels=channels,
                                 name=f"{fmt} audio")
