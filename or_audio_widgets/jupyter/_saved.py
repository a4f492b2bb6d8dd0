"""The record a cell keeps: static HTML from :func:`_html.render_reply`, and where its audio lives.

Embed policy (``--embed``):

- ``auto`` (default): when ffmpeg is present, every reply of a second or more is inlined as a compressed
  copy (MP3 at 48 kbit/s mono, about 1/8 of the WAV, and it plays in every browser); shorter replies, or
  all of them without ffmpeg, are inlined as they are when at most ``embed_limit`` bytes (2 MB, about 40
  seconds of 24 kHz WAV). What is still over the limit is written to ``oraudio-files/`` next to the
  notebook and linked.
- ``inline``: always a data URI of the audio as it is (lossless WAV stays WAV).
- ``file``: always written next to the notebook (or to ``--save PATH`` when given) and linked.
- ``none``: no audio in the notebook at all (transcript, waveform and usage only).

The notebook never holds the same audio twice: the ``<audio>`` element is the only copy, and the download
link takes the player's source when clicked.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..core._formats import is_playable, mime_type, suffix_for
from ..core._html import MUTED
from ..core._wav import pcm_to_wav

EMBED_POLICIES = ("auto", "inline", "file", "none")
DEFAULT_EMBED_LIMIT = 2_000_000
FILES_DIR = "oraudio-files"
COMPRESSED_BITRATE = 48_000  # bits per second, mono
COMPRESS_FROM_SECONDS = 1.0  # shorter replies are a few kB as WAV: not worth an ffmpeg run


@dataclass(frozen=True)
class Placement:
    """Where the player's audio is: a data URI, a relative file path, or nowhere."""

    how: str  # "inline", "compressed", "file" or "none"
    src: str | None
    mime: str | None
    embedded_bytes: int  # audio bytes written into the notebook (0 for file or none)
    path: Path | None = None


def playable_audio(reply: Any) -> tuple[bytes, str, str]:
    """(audio bytes, MIME type, file suffix) a browser can play: raw pcm16 is wrapped as WAV."""
    fmt = str(reply.format)
    if is_playable(fmt):
        return bytes(reply.audio), str(reply.mime_type), suffix_for(fmt)
    return pcm_to_wav(reply.pcm, reply.sample_rate, reply.channels), mime_type("wav"), "wav"


def compress(reply: Any) -> bytes | None:
    """An MP3 copy of the reply's PCM for inlining, or None when there is no ffmpeg."""
    from ..core._ffmpeg import find_ffmpeg
    from ..core._transcode import encode_pcm

    if find_ffmpeg() is None or not reply.pcm:
        return None
    return encode_pcm(reply.pcm, "mp3", reply.sample_rate, reply.channels, mono=True,
                      bitrate=COMPRESSED_BITRATE)


def place_audio(
    reply: Any, *, embed: str, limit: int = DEFAULT_EMBED_LIMIT, save_path: Path | None = None,
    directory: Path | None = None,
) -> Placement:
    """Apply the embed policy to ``reply``; writes a file when the policy says so."""
    if embed == "none" or not len(reply.pcm):
        return Placement("none", None, None, 0)
    data, mime, suffix = playable_audio(reply)
    if embed == "auto":
        # an MP3 reply is kept as it came: encoding it again would only lose quality
        wanted = mime != mime_type("mp3") and (reply.duration >= COMPRESS_FROM_SECONDS or len(data) > limit)
        small = compress(reply) if wanted else None
        if small is not None and len(small) < len(data) and len(small) <= limit:
            mp3 = mime_type("mp3")
            return Placement("compressed", data_uri(small, mp3), mp3, len(small))
    if embed == "inline" or (embed == "auto" and len(data) <= limit):
        return Placement("inline", data_uri(data, mime), mime, len(data))
    if save_path is not None and _servable(save_path) and is_playable(save_path.suffix.lstrip(".").lower()):
        return Placement("file", _relative_src(save_path), mime, 0, save_path)
    path = (directory or Path.cwd()) / FILES_DIR / f"{_stem(reply)}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Placement("file", _relative_src(path), mime, 0, path)


def data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,...``"""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _servable(path: Path) -> bool:
    """Whether Jupyter can serve ``path`` to the page: it is under the kernel's (the notebook's) folder."""
    try:
        return not os.path.relpath(path.resolve(), Path.cwd().resolve()).startswith("..")
    except ValueError:
        return False


def _relative_src(path: Path) -> str:
    """A URL relative to the kernel's directory (where the notebook usually is), else absolute."""
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:  # another drive on Windows
        return path.resolve().as_uri()
    if rel.startswith(".."):
        return path.resolve().as_uri()
    return "/".join(quote(part) for part in Path(rel).parts)


def _stem(reply: Any) -> str:
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", str(reply.id or "")).strip("-")[:60]
    return ident or time.strftime("reply-%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def saved_bundle(reply: Any, placement: Placement, *, autoplay: bool = False, notice: str | None = None,
                 name: str | None = None, stopped: bool = False) -> dict[str, str]:
    """The MIME bundle a cell keeps: :func:`_html.render_reply`'s HTML with the audio where ``placement``
    put it, and a short text form. ``name`` names the downloaded file (no suffix; default: the reply's id);
    ``stopped``: the person stopped the reply, which is said as a calm note, not as an error.

    With ``none`` the player is dropped and a line says where the audio is.
    """
    from ..core._html import render_reply

    page = render_reply(reply, audio_src=placement.src, mime_type=placement.mime, autoplay=autoplay,
                        notice=notice, filename=name, download=placement.how != "none", stopped=stopped)
    lines = page.split("\n")
    if placement.how == "none" and len(reply.pcm):
        lines = [ln for ln in lines if not ln.startswith("<audio")]
        lines.insert(-1, f'<div style="{MUTED}">audio not embedded (--embed none); '
                         "it is in the reply object (_oraudio)</div>")
    if placement.how == "compressed":
        lines.insert(-1, f'<div style="{MUTED}">kept in the notebook as a compressed MP3; the '
                         "full-quality audio is in the reply object (_oraudio), or use --embed inline</div>")
    return {"text/html": "\n".join(lines), "text/plain": _plain(reply, notice, stopped)}


def _plain(reply: Any, notice: str | None, stopped: bool = False) -> str:
    words = reply.words if len(reply.words) <= 300 else reply.words[:297] + "..."
    facts = [f"{reply.duration:.1f} s {reply.format}" if len(reply.pcm) else "text reply"]
    if stopped and not reply.complete:
        facts.append("stopped; what arrived is kept")
    elif not reply.complete:
        facts.append(f"incomplete: {reply.error or 'the stream did not finish'}")
    if notice:
        facts.append(notice)
    return f"{words}\n[{'; '.join(facts)}]"
