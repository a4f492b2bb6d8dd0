"""Finding and running ffmpeg: the system's on PATH first, else the one in the ``imageio-ffmpeg`` wheel.

pydub needs ``ffprobe`` to decode anything but WAV, and the wheel ships no ffprobe, so code that decodes
audio calls :func:`decode_to_pcm` here, which needs ffmpeg alone.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from ..errors import AudioInputError, FFmpegNotFoundError


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


def run_ffmpeg(args: list[str], data: bytes | None = None, *, purpose: str, name: str = "audio") -> bytes:
    """Run ``ffmpeg -nostdin -v error <args>`` feeding ``data`` on stdin; return stdout.

    A failure raises :class:`AudioInputError` naming ``name`` and quoting ffmpeg's last lines.
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
    args += ["-i", "pipe:0", "-vn"]
    if sample_rate:
        args += ["-ar", str(sample_rate)]
    if channels:
        args += ["-ac", str(channels)]
    args += ["-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"]
    return run_ffmpeg(args, data, purpose=f"decoding {name}", name=name)
