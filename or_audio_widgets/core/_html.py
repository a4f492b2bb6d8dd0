"""Static HTML for a reply: escaped words, a native audio player, a waveform, usage and a download link.

No JavaScript and no <style> block, so the output looks and plays the same in JupyterLab, Notebook 7,
nbviewer and exported HTML, and cannot restyle the page around it. Everything that came from a model or
a server is escaped with ``html.escape(..., quote=True)``.
"""

from __future__ import annotations

import base64
import html
import re
import sys
from typing import TYPE_CHECKING, Any

from ..errors import AudioInputError, FFmpegNotFoundError
from ._formats import format_for_mime, is_playable, mime_type, suffix_for
from ._wav import pcm_to_wav

if TYPE_CHECKING:
    from ._reply import AudioReply

WAVEFORM_POINTS = 240  # bars in the waveform; a few hundred at most keeps the SVG small
_SAMPLES_PER_BAR = 600  # samples looked at per bar: enough to find peaks, cheap for hours of audio
# Above this, the data URI is not repeated in a download link (it would double the notebook's size);
# the player's own menu and AudioReply.save() remain.
INLINE_DOWNLOAD_LIMIT = 4_000_000
_BOX = "font-family:sans-serif;font-size:13px;line-height:1.4;max-width:48em"
_MUTED = "color:#666;font-size:12px"
# what reading a reply's compressed audio raises when it cannot be decoded or encoded here (no ffmpeg)
_UNDECODABLE = (FFmpegNotFoundError, AudioInputError)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_reply(reply: AudioReply, *, audio_src: str | None = None, autoplay: bool = False,
                 notice: str | None = None, download: bool = True, mime_type: str | None = None) -> str:
    """The HTML of one reply.

    ``audio_src`` is a URL, path or data URI for the audio (default: a data URI of the reply's own
    audio); ``mime_type`` is the MIME type of the audio at ``audio_src`` when it is not the reply's own
    format (say a compressed MP3 copy; it needs ``audio_src``); ``download=False`` leaves out the download
    link (when ``audio_src`` is a data URI, the link would hold the audio a second time); ``autoplay``
    starts playing when shown (never loops); ``notice`` adds a line such as "offline emulator".
    """
    if mime_type is not None and audio_src is None:
        raise ValueError("mime_type describes the audio at audio_src; give audio_src too")
    parts = [f'<div class="or-audio-reply" style="{_BOX}">']
    if notice:
        parts.append(f'<div style="{_MUTED}">{_e(notice)}</div>')
    if not reply.complete:
        reason = reply.error or "the stream did not finish"
        parts.append(f'<div style="color:#b00020;font-weight:bold">incomplete: {_e(reason)}</div>')
    reasoning = getattr(reply, "reasoning", "")  # a reply unpickled from an older version has none
    if reasoning:  # the model's thinking, not its answer: there, but folded away
        parts.append(f'<details><summary style="{_MUTED}">reasoning</summary>'
                     f'<div style="white-space:pre-wrap;{_MUTED}">{_e(reasoning)}</div></details>')
    if reply.transcript:
        parts.append(f'<div style="white-space:pre-wrap">{_e(reply.transcript)}</div>')
    if reply.text and reply.text != reply.transcript:
        parts.append(f'<div style="white-space:pre-wrap">{_e(reply.text)}</div>')
    pcm = _pcm(reply)  # once: a compressed reply that cannot be decoded would run ffmpeg again
    parts.extend(_audio_parts(reply, pcm, audio_src, autoplay, download, mime_type))
    facts = _facts(reply, pcm)
    if facts:
        parts.append(f'<div style="{_MUTED}">{" · ".join(_e(f) for f in facts)}</div>')
    parts.append("</div>")
    return "\n".join(parts)


def _audio_parts(reply: AudioReply, pcm: memoryview | bytes, audio_src: str | None, autoplay: bool,
                 download: bool, mime_type: str | None) -> list[str]:
    if audio_src is None and not pcm:
        return []
    if audio_src is None:
        data, mime, ext = _playable(reply, pcm)
        # base64 and a known MIME type hold no character HTML needs escaped: skip copying megabytes
        src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        link = len(data) <= INLINE_DOWNLOAD_LIMIT
    elif mime_type is not None:
        src, mime, link = _e(audio_src), mime_type, True
        placed = format_for_mime(mime_type)  # a copy placed elsewhere, say an MP3: its own suffix
        ext = suffix_for(placed.name if placed is not None else reply.format)
    else:
        src, mime, ext, link = _e(audio_src), reply.mime_type, suffix_for(reply.format), True
    auto = " autoplay" if autoplay else ""
    out = [
        f'<audio controls preload="metadata"{auto} style="width:100%;max-width:32em">'
        f'<source src="{src}" type="{_e(mime)}">'
        "Your browser cannot play this audio.</audio>"
    ]
    if pcm:
        out.append(waveform_svg(pcm, reply.channels))
    filename = f"{_safe_name(reply.id or 'reply')}.{ext}"
    if download and link:
        out.append(f'<div><a download="{_e(filename)}" href="{src}">download {_e(filename)}</a></div>')
    elif download:
        out.append(f'<div style="{_MUTED}">save it with reply.save({_e(repr(filename))})</div>')
    return out


def _pcm(reply: AudioReply) -> memoryview | bytes:
    try:
        return reply.pcm
    except _UNDECODABLE:
        return b""


def _playable(reply: AudioReply, pcm: memoryview | bytes) -> tuple[bytes, str, str]:
    """Bytes a browser can play, with their MIME type and file extension: the reply's own audio when the
    format is one browsers play (and can be produced here), else a WAV of the samples."""
    if is_playable(reply.format):
        try:
            return reply.audio, reply.mime_type, suffix_for(reply.format)
        except _UNDECODABLE:
            pass
    return pcm_to_wav(pcm, reply.sample_rate, reply.channels), mime_type("wav"), "wav"


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "reply"


def waveform_svg(pcm: bytes | bytearray | memoryview, channels: int = 1,
                 points: int = WAVEFORM_POINTS) -> str:
    """An inline SVG of the peaks of pcm16 audio: one bar per slice, scaled to the loudest slice."""
    peaks = waveform_peaks(pcm, channels, points)
    if not peaks:
        return ""
    top = max(peaks) or 1
    bars = []
    for i, peak in enumerate(peaks):
        half = max(0.5, 20 * peak / top)
        bars.append(f"M{i}.5 {20 - half:.1f}V{20 + half:.1f}")
    return (
        f'<svg role="img" aria-label="waveform" viewBox="0 0 {len(peaks)} 40" preserveAspectRatio="none" '
        f'width="100%" height="40" style="display:block;max-width:32em">'
        f'<path d="{"".join(bars)}" stroke="#4a78c2" stroke-width="0.8" fill="none"/></svg>'
    )


def waveform_peaks(pcm: bytes | bytearray | memoryview, channels: int = 1,
                   points: int = WAVEFORM_POINTS) -> list[int]:
    """Peak absolute sample value of up to ``points`` equal slices of pcm16 audio, from a subsample of
    each slice so that the cost does not grow with the length of the audio."""
    view = memoryview(pcm).cast("B")
    view = view[: len(view) - len(view) % 2].cast("h")
    if sys.byteorder == "big":  # pcm16 is little-endian; a big-endian host reads swapped samples
        view = memoryview(_swapped(view))
    total = len(view)
    if total == 0:
        return []
    bars = min(points, total)
    peaks = []
    for i in range(bars):
        start, stop = i * total // bars, (i + 1) * total // bars
        step = max(1, (stop - start) // _SAMPLES_PER_BAR) * channels
        chunk = view[start:stop:step]
        peaks.append(max(max(chunk), -min(chunk)) if len(chunk) else 0)
    return peaks


def _swapped(view: memoryview) -> Any:
    import array

    samples = array.array("h", view.tobytes())
    samples.byteswap()
    return samples


def _facts(reply: AudioReply, pcm: memoryview | bytes) -> list[str]:
    facts = []
    seconds = reply.duration if pcm else 0.0
    if seconds:
        facts.append(f"{int(seconds // 60)}:{seconds % 60:04.1f}")
    usage = reply.usage or {}
    tokens = [f"{usage[k]} {label}" for k, label in
              (("prompt_tokens", "in"), ("completion_tokens", "out"), ("total_tokens", "total"))
              if isinstance(usage.get(k), int)]
    if tokens:
        facts.append("tokens: " + ", ".join(tokens))
    if reply.cost is not None:
        facts.append(f"cost: ${reply.cost:.6g}")
    if reply.model:
        facts.append(reply.model)
    return facts
