"""Audio files the tests make with Debian's ffmpeg (shared by test_sniff, test_emulator_inputs and the
test_inputs files)."""

from __future__ import annotations

import subprocess
from pathlib import Path

# name -> (suffix, ffmpeg output arguments)
RECIPES: dict[str, tuple[str, list[str]]] = {
    "wav": (".wav", ["-c:a", "pcm_s16le"]),
    "wav24": (".wav", ["-c:a", "pcm_s24le"]),
    "wav-float": (".wav", ["-c:a", "pcm_f32le"]),
    "wav-mulaw": (".wav", ["-c:a", "pcm_mulaw"]),
    "mp3": (".mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
    "mp3-noid3": (".mp3", ["-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "0", "-id3v2_version", "0"]),
    "flac": (".flac", ["-c:a", "flac"]),
    "ogg": (".ogg", ["-c:a", "libvorbis"]),
    "ogg-opus": (".opus", ["-c:a", "libopus"]),
    "aiff": (".aiff", ["-c:a", "pcm_s16be"]),
    "aac": (".aac", ["-c:a", "aac", "-f", "adts"]),
    "m4a": (".m4a", ["-c:a", "aac"]),
    "webm": (".webm", ["-c:a", "libopus", "-f", "webm"]),
    "mkv": (".mka", ["-c:a", "flac", "-f", "matroska"]),
    "wma": (".wma", ["-c:a", "wmav2"]),
    "caf": (".caf", ["-c:a", "pcm_s16le"]),
    "au": (".au", ["-c:a", "pcm_s16be"]),
}


def make_audio(folder: Path, kind: str, *, seconds: float = 1.0, rate: int = 16000, channels: int = 1,
               name: str | None = None) -> Path:
    """A sine tone of ``seconds`` at ``rate`` Hz in the format ``kind`` (a key of RECIPES)."""
    suffix, args = RECIPES[kind]
    out = folder / f"{name or kind}-{rate}-{channels}-{seconds:g}{suffix}"
    if not out.exists():
        source = f"sine=frequency=440:sample_rate={rate}:duration={seconds}"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-ac", str(channels),
             *args, str(out)],
            check=True,
        )
    return out


def make_video(folder: Path, seconds: float = 1.0) -> Path:
    """An mp4 with a video track and an AAC audio track."""
    out = folder / "video.mp4"
    if not out.exists():
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
             f"testsrc=size=64x48:rate=5:duration={seconds}", "-f", "lavfi", "-i",
             f"sine=frequency=330:sample_rate=22050:duration={seconds}", "-c:v", "mpeg4", "-c:a", "aac",
             "-shortest", str(out)],
            check=True,
        )
    return out


def make_recorder_webm(seconds: float = 2.0) -> bytes:
    """WebM/Opus shaped like a browser MediaRecorder's: written live to a pipe, so the segment and
    cluster sizes are unknown and no duration is stored."""
    source = f"sine=frequency=300:sample_rate=48000:duration={seconds}"
    return subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", source, "-c:a", "libopus", "-f", "webm",
         "-live", "1", "pipe:1"],
        check=True, capture_output=True,
    ).stdout
