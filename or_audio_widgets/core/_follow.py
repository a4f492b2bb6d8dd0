"""A transcript (or a song's lyrics) that follows the audio: timed lines under a saved player.

Static HTML with no ``<script>``, as the rest of the saved output (see ``_html``). The lines sit in an
open ``<details>``: a browser fires its ``toggle`` event once when it is shown open, and that inline
handler (kept where the notebook is trusted, dropped by a sanitizer) ties the lines to the nearest
``<audio>`` of the same output: the line being played is marked, and a click on a line plays from
there. Where scripts do not run (an untrusted notebook, nbconvert's HTML) the same markup is a plain
list of timed lines. The handlers live on elements of the output itself, so they go when it goes.
Every text is escaped; times are written only when finite.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

from ._timed import clock

__all__ = ["follow_along_html"]

_BOX = ("max-height:16em;overflow-y:auto;margin:4px 0;padding:0;list-style:none;"
        "font-size:13px;line-height:1.5")
_TIME = "color:var(--jp-ui-font-color2, #616161);font-variant-numeric:tabular-nums;margin-right:.6em"
_MARK = "var(--jp-brand-color3, #c8dcf5)"
# Installed once per player (the flag on the element): marks the line whose span holds the playing time.
_TIE = ("var o=this.closest('.or-audio-reply')||this.parentElement,a=o&&o.querySelector('audio');"
        "if(!a||a.orAudioFollow)return;a.orAudioFollow=1;var d=this;"
        "a.addEventListener('timeupdate',function(){var t=a.currentTime;"
        "d.querySelectorAll('li[data-start]').forEach(function(l){"
        "var on=t>=+l.dataset.start&&t<+l.dataset.end;l.style.background=on?'" + _MARK + "':'';"
        "if(on)l.setAttribute('aria-current','true');else l.removeAttribute('aria-current')})})")
_SEEK = ("var o=this.closest('.or-audio-reply')||this.closest('details').parentElement,"
         "a=o&&o.querySelector('audio');if(a){a.currentTime=+this.dataset.start;a.play()}")


def follow_along_html(lines: Iterable[Any], *, title: str = "transcript") -> str:
    """The timed lines as HTML to place inside a reply's output next to its ``<audio>``.

    ``lines`` are ``(start, end, text)`` tuples or objects with ``start``, ``end`` and ``text`` (a
    transcript's :class:`Segment`, a song's ``LyricLine``); an untimed line is shown without a time and
    is not clickable. "" when there is no line with words.
    """
    items = []
    for line in lines:
        start, end, text = line if isinstance(line, tuple) else (getattr(line, "start", None),
                                                               getattr(line, "end", None),
                                                               getattr(line, "text", ""))
        words = html.escape(str(text or "").strip(), quote=True)
        if not words:
            continue
        timed = all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t)
                    for t in (start, end)) and 0 <= start <= end
        if timed:
            items.append(f'<li data-start="{start:.3f}" data-end="{end:.3f}" onclick="{_SEEK}" '
                         f'style="cursor:pointer;padding:0 .3em"><span style="{_TIME}">{clock(start)}</span>'
                         f"{words}</li>")
        else:
            items.append(f'<li style="padding:0 .3em">{words}</li>')
    if not items:
        return ""
    return (f'<details class="or-audio-follow" open ontoggle="{_TIE}"><summary style="{_TIME}">'
            f'{html.escape(title)}</summary><ol style="{_BOX}">{"".join(items)}</ol></details>')
