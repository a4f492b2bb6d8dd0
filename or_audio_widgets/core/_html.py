"""Static HTML for a reply: escaped words, a native audio player, a waveform, usage and a download link.

No <script> and no <style> block, so the output looks and plays the same in JupyterLab, Notebook 7,
nbviewer and exported HTML, and cannot restyle the page around it. Everything that came from a model or
a server is escaped with ``html.escape(..., quote=True)``.

Written to survive JupyterLab's sanitizer, which renders the outputs of an untrusted notebook (one opened
by someone else): it keeps ``<audio src>`` whatever the scheme, and ``<img src>``, but drops ``<source src>``,
``<svg>``, ``data:`` links and every ``style`` value it does not recognise, CSS variables included. So the
audio is the ``src`` of the ``<audio>`` element itself, the waveform is an ``<img>`` of an SVG, and colours
are JupyterLab's theme variables with light fallbacks (the sanitizer drops them and the text inherits the
theme's colour). Two things tell the cases apart without a script: a box styled ``display:none`` then
``display:var(--unset, inline)`` shows only where the variable survived (trusted), and a line inside a
``<template>`` (never shown by a browser, and dropped with its text kept by the sanitizer) shows only where
the sanitizer ran, saying how to trust the notebook.

The download link holds no second copy of inline audio: on click it takes the player's own ``src``.
"""

from __future__ import annotations

import base64
import html
import math
import re
import sys
from typing import TYPE_CHECKING, Any

from ..errors import AudioInputError, FFmpegNotFoundError
from ._follow import follow_along_html
from ._formats import format_for_mime, is_playable, mime_type, suffix_for
from ._wav import pcm_to_wav

if TYPE_CHECKING:
    from ._reply import AudioReply

WAVEFORM_POINTS = 240  # bars in the waveform; a few hundred at most keeps the SVG small
_SAMPLES_PER_BAR = 600  # samples looked at per bar: enough to find peaks, cheap for hours of audio
WAVEFORM_COLOUR = "#4a78c2"  # a mid blue: at least 3:1 against white and against JupyterLab's dark #111
# JupyterLab's theme variables; VS Code's next; light fallbacks for pages that define neither.
MUTED = ("color:var(--jp-ui-font-color2, var(--vscode-descriptionForeground, #616161));"
         "font-size:12px")
ERROR = "color:var(--jp-error-color1, var(--vscode-errorForeground, #b00020));font-weight:bold"
_BOX = "font-family:var(--jp-ui-font-family, sans-serif);font-size:13px;line-height:1.4;max-width:48em"
# Shown only where the CSS variable survived: a trusted notebook.
ONLY_TRUSTED = "display:none;display:var(--or-audio-unset, inline)"
UNTRUSTED_NOTE = ("This notebook is not trusted here, so its download link is off (the player still plays): "
                  "File &gt; Trust Notebook turns it on.")
NO_PLAYER = ("This page does not play audio kept in a notebook: open the notebook in JupyterLab or "
             "Notebook 7 to play it.")
# what reading a reply's compressed audio raises when it cannot be decoded or encoded here (no ffmpeg)
_UNDECODABLE = (FFmpegNotFoundError, AudioInputError)
# the click handler of an inline reply's link: it downloads what the player plays, so the notebook holds
# the audio once
_TAKE_PLAYER_SRC = "this.href=this.closest('.or-audio-reply').querySelector('audio').src"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def format_cost(cost: float) -> str:
    """A cost in dollars as people write it: ``$0.0000507``, ``$0.00334``, ``$1.25``, never ``5.07e-05``."""
    if not math.isfinite(cost):  # a reply built by hand; a server's is checked where it is read
        return "unknown"
    if cost == 0:
        return "$0"
    digits = max(2, 2 - math.floor(math.log10(abs(cost))))  # three significant figures, at least cents
    text = f"{cost:.{digits}f}"
    if "." in text and abs(cost) < 1:
        text = text.rstrip("0").rstrip(".")
    return f"${text}"


def render_reply(reply: AudioReply, *, audio_src: str | None = None, autoplay: bool = False,
                 notice: str | None = None, download: bool = True, mime_type: str | None = None,
                 filename: str | None = None, stopped: bool = False) -> str:
    """The HTML of one reply.

    ``audio_src`` is a URL, path or data URI for the audio (default: a data URI of the reply's own
    audio); ``mime_type`` is the MIME type of the audio at ``audio_src`` when it is not the reply's own
    format (say a compressed MP3 copy; it needs ``audio_src``); ``download=False`` leaves out the download
    link; ``filename`` names the downloaded file (without suffix: the suffix is that of the audio played;
    default: the reply's id); ``autoplay`` starts playing when shown (never loops); ``notice`` adds a line
    such as "offline emulator"; ``stopped`` says calmly that the person stopped an incomplete reply
    (in place of the error line).
    """
    if mime_type is not None and audio_src is None:
        raise ValueError("mime_type describes the audio at audio_src; give audio_src too")
    parts = [f'<div class="or-audio-reply" style="{_BOX}">']
    if notice:
        parts.append(f'<div style="{MUTED}">{_e(notice)}</div>')
    if stopped and not reply.complete:
        kept = "what arrived is kept" if reply.words or len(reply.pcm) else "nothing had arrived"
        parts.append(f'<div class="or-audio-stopped" style="{MUTED}">Stopped at your request; {kept}.</div>')
    elif not reply.complete:
        reason = reply.error or "the stream did not finish"
        parts.append(f'<div style="{ERROR}">incomplete: {_e(reason)}</div>')
    reasoning = getattr(reply, "reasoning", "")  # a reply unpickled from an older version has none
    if reasoning:  # the model's thinking, not its answer: there, but folded away
        parts.append(f'<details><summary style="{MUTED}">reasoning</summary>'
                     f'<div style="white-space:pre-wrap;{MUTED}">{_e(reasoning)}</div></details>')
    song = _song(reply)
    # a transcript's timed segments (a spoken reply's sentences, timed as they arrived), or a song's
    # timed lyrics, follow the player
    timed = song.lines if song is not None else getattr(reply, "segments", ())  # an older reply: none
    follow = follow_along_html(timed, title="lyrics" if song is not None else "transcript")
    if reply.transcript and not follow:  # else its timed lines, under the player, hold the same words
        parts.append(f'<div style="white-space:pre-wrap">{_e(reply.transcript)}</div>')
    if reply.text and reply.text != reply.transcript and song is None:
        parts.append(f'<div style="white-space:pre-wrap">{_e(reply.text)}</div>')
    if song is not None and song.instrumental:
        parts.append(f'<div style="{MUTED}">♪ instrumental (no lyrics)</div>')
    pcm = _pcm(reply)  # once: a compressed reply that cannot be decoded would run ffmpeg again
    parts.extend(_audio_parts(reply, pcm, audio_src, autoplay, download, mime_type, filename))
    if follow:
        parts.append(follow)
    facts = _facts(reply, pcm)
    if facts:
        parts.append(f'<div style="{MUTED}">{" · ".join(_e(f) for f in facts)}</div>')
    parts.append("</div>")
    return "\n".join(parts)


def _song(reply: AudioReply) -> Any:
    """The reply's lyrics when its text reads as a song's (timed lines, or instrumental), else None."""
    lyrics = getattr(reply, "lyrics", None)  # an unpickled older reply has none
    return lyrics if lyrics is not None and (lyrics.timed or lyrics.instrumental) else None


def _audio_parts(reply: AudioReply, pcm: memoryview | bytes, audio_src: str | None, autoplay: bool,
                 download: bool, mime_type: str | None, filename: str | None) -> list[str]:
    if audio_src is None and not pcm:
        return []
    if audio_src is None:
        data, mime, ext = _playable(reply, pcm)
        # base64 and a known MIME type hold no character HTML needs escaped: skip copying megabytes
        src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    elif mime_type is not None:
        src = _e(audio_src)
        placed = format_for_mime(mime_type)  # a copy placed elsewhere, say an MP3: its own suffix
        ext = suffix_for(placed.name if placed is not None else reply.format)
    else:
        src, ext = _e(audio_src), suffix_for(reply.format)
    auto = " autoplay" if autoplay else ""
    out = [f'<audio controls preload="metadata"{auto} src="{src}" '
           f'style="width:100%;max-width:32em">{NO_PLAYER}</audio>']
    if pcm:
        out.append(waveform_img(pcm, reply.channels))
    if download:
        out.extend(download_link(src, f"{safe_name(filename or reply.id or 'reply')}.{ext}"))
    return out


def download_link(src: str, name: str) -> list[str]:
    """The one download affordance: a link saving the audio at ``src`` (already escaped) as ``name``.

    For a data URI the link takes the player's ``src`` when clicked, so the audio is not stored twice;
    a sanitizer (an untrusted notebook) drops that handler, so there the link hides and a line says how
    to bring it back. A file link works everywhere.
    """
    label = f"download {_e(name)}"
    if not src.startswith("data:"):
        return [f'<div><a download="{_e(name)}" href="{src}">{label}</a></div>']
    # href: a fragment, which JupyterLab leaves alone (a relative path it would open as a document)
    return [f'<div style="{ONLY_TRUSTED}"><a class="or-audio-download" download="{_e(name)}" '
            f'href="#or-audio-download" onclick="{_TAKE_PLAYER_SRC}">{label}</a></div>',
            f'<template><div class="or-audio-untrusted" style="{MUTED}">{UNTRUSTED_NOTE}</div></template>']


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


def safe_name(name: str) -> str:
    """``name`` as a file name that every system takes: letters, digits, ``._-``; at most 80 characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "reply"


def waveform_img(pcm: bytes | bytearray | memoryview, channels: int = 1) -> str:
    """The waveform as an ``<img>`` of :func:`waveform_svg`: sanitizers that drop ``<svg>`` keep it."""
    svg = waveform_svg(pcm, channels)
    if not svg:
        return ""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("ascii")).decode("ascii")
    return (f'<img alt="waveform" src="{uri}" width="480" height="40" '
            'style="display:block;width:100%;max-width:32em;height:40px">')


def waveform_svg(pcm: bytes | bytearray | memoryview, channels: int = 1,
                 points: int = WAVEFORM_POINTS) -> str:
    """An SVG of the peaks of pcm16 audio: one bar per slice, scaled to the loudest slice."""
    peaks = waveform_peaks(pcm, channels, points)
    if not peaks:
        return ""
    top = max(peaks) or 1
    bars = []
    for i, peak in enumerate(peaks):
        half = max(0.5, 20 * peak / top)
        bars.append(f"M{i}.5 {20 - half:.1f}V{20 + half:.1f}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="waveform" '
        f'viewBox="0 0 {len(peaks)} 40" preserveAspectRatio="none" width="100%" height="40">'
        f'<path d="{"".join(bars)}" stroke="{WAVEFORM_COLOUR}" stroke-width="0.8" fill="none"/></svg>'
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
        facts.append(f"cost: {format_cost(reply.cost)}")
    if reply.model:
        facts.append(reply.model)
    return facts
