"""Finding and running ffmpeg: the system's on PATH first, else the one in the ``imageio-ffmpeg`` wheel.

:func:`encode` is the package's one way of writing audio with ffmpeg, in the codec and muxer the format
registry (``_formats``) gives. pydub needs ``ffprobe`` to decode anything but WAV, and the wheel ships no
ffprobe, so code that decodes audio calls :func:`decode_to_pcm` here, which needs ffmpeg alone.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import AudioInputError, FFmpegNotFoundError
from ._formats import FORMATS, encoder_of


@functools.lru_cache(maxsize=1)
def find_ffmpeg() -> str | None:
    """Path of an ffmpeg executable, or None when there is none."""
    override = os.environ.get("OR_AUDIO_FFMPEG")
    if override:
        return override
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:
        return None


@functools.lru_cache(maxsize=1)
def find_ffprobe() -> str | None:
    """Path of an ffprobe executable, or None (the imageio-ffmpeg wheel has none)."""
    return shutil.which("ffprobe")


def require_ffmpeg(purpose: str = "this conversion") -> str:
    """The ffmpeg path, or :class:`FFmpegNotFoundError` saying how to install it."""
    path = find_ffmpeg()
    if path is None:
        raise FFmpegNotFoundError("ffmpeg", purpose)
    return path


def run_ffmpeg(args: list[str], data: bytes | None = None, *, purpose: str, name: str = "audio",
               error: Callable[[str], Exception] | None = None) -> bytes:
    """Run ``ffmpeg -nostdin -v error <args>`` feeding ``data`` on stdin; return stdout.

    A failure raises ``error(ffmpeg's last lines)`` when given, else :class:`AudioInputError` naming
    ``name`` and quoting those lines.
    """
    exe = require_ffmpeg(purpose)
    proc = subprocess.run(
        [exe, "-nostdin", "-hide_banner", "-v", "error", *args],
        input=data,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        detail = " | ".join(tail) or f"exit status {proc.returncode}"
        if error is not None:
            raise error(detail)
        raise AudioInputError(
            f"ffmpeg could not decode {name} ({detail}). Check that it is a complete, valid audio file."
        )
    return proc.stdout


def decode_to_pcm(
    data: bytes,
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
    name: str = "audio",
    input_format: str | None = None,
) -> bytes:
    """Decode any audio ffmpeg reads to signed 16-bit little-endian PCM.

    ``sample_rate`` and ``channels`` resample and remix when given; otherwise ffmpeg keeps the source's.
    """
    args = []
    if input_format:
        args += ["-f", input_format]
    args += ["-i", "pipe:0", "-vn", *layout_args(sample_rate, channels)]
    args += [*encoder_of("pcm16").args(), "pipe:1"]
    return run_ffmpeg(args, data, purpose=f"decoding {name}", name=name)


def layout_args(sample_rate: int | None, channels: int | None) -> list[str]:
    """ffmpeg options that resample to ``sample_rate`` and remix to ``channels`` (each when given)."""
    rate = ["-ar", str(sample_rate)] if sample_rate else []
    return [*rate, *(["-ac", str(channels)] if channels else [])]


def raw_input_args(fmt: str, sample_rate: int, channels: int = 1) -> list[str]:
    """ffmpeg input options that describe headerless ``fmt`` samples (pcm16 or pcm24)."""
    return ["-f", encoder_of(fmt).muxer, "-ar", str(sample_rate), "-ac", str(channels)]


def encode(
    source: list[str],
    fmt: str,
    *,
    data: bytes | None = None,
    sample_rate: int | None = None,
    channels: int | None = None,
    bitrate: int | None = None,
    purpose: str,
    name: str = "audio",
    error: Callable[[str], Exception] | None = None,
) -> bytes:
    """Write the first audio stream of ``source`` (input options ending in ``-i ...``; ``data`` is fed on
    stdin for ``-i pipe:0``) as ``fmt``, resampled and remixed when ``sample_rate``/``channels`` are given.

    The output goes through a file, not a pipe: the m4a and aiff muxers seek back to write their sizes,
    and mp3's header that lets players trim the encoder's padding is written the same way.
    """
    encoder = encoder_of(fmt)
    args = [*source, "-vn", "-map", "0:a:0", *layout_args(sample_rate, channels),
            *encoder.args(channels, bitrate)]
    with tempfile.TemporaryDirectory(prefix="or-audio-") as tmp:
        out = Path(tmp) / f"out{FORMATS[fmt].suffix}"
        run_ffmpeg([*args, "-y", f"file:{out}"], data, purpose=purpose, name=name, error=error)
        return out.read_bytes()

