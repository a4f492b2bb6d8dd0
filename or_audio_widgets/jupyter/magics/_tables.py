"""Small HTML tables for ``%oraudio_config`` and ``%oraudio_models``; every value is escaped."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence

_STYLE = "border-collapse:collapse;font-size:90%"
_CELL = "padding:2px 8px;text-align:left;vertical-align:top;border-bottom:1px solid rgba(128,128,128,.3)"
# Ids and prices never break across lines (an id cut at its "/" reads as two); prices line up on the right
# in figures of one width, so $0.60 sits under $15.00.
_NOWRAP = ";white-space:nowrap"
_NUMERIC = ";text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap"


def _style(column: int, numeric: Collection[int], nowrap: Collection[int]) -> str:
    return _CELL + (_NUMERIC if column in numeric else _NOWRAP if column in nowrap else "")


def html_table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None, *,
               numeric: Collection[int] = (), nowrap: Collection[int] = ()) -> str:
    """An escaped HTML table; columns in ``numeric`` are right-aligned figures, those in ``nowrap`` (and
    ``numeric``) never wrap."""
    head = "".join(f'<th style="{_style(i, numeric, nowrap)}">{html.escape(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td style="{_style(i, numeric, nowrap)}">{html.escape(str(v))}</td>'
                         for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    cap = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="oraudio-table" style="{_STYLE}">{cap}<thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table>"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
               numeric: Collection[int] = ()) -> str:
    """The same table as aligned plain text (for terminals and the notebook's text/plain)."""
    cells = [list(headers)] + [[str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ("  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                       for i, (c, w) in enumerate(zip(row, widths, strict=True))) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def bundle(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str | None = None, *,
           numeric: Collection[int] = (), nowrap: Collection[int] = ()) -> dict[str, str]:
    """A MIME bundle with the table as HTML and as text."""
    text = text_table(headers, rows, numeric)
    if caption:
        text = f"{caption}\n{text}"
    return {"text/html": html_table(headers, rows, caption, numeric=numeric, nowrap=nowrap),
            "text/plain": text}
