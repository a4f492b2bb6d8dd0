"""Small HTML tables for ``%oraudio_config`` and ``%oraudio_models``; every value is escaped."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence
from typing import Any

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


def model_rows(models: Iterable[dict[str, Any]]) -> list[list[str]]:
    """Rows of (id, name, input modalities, output modalities, context, price per 1M prompt tokens)."""
    rows = []
    for model in models:
        arch = model.get("architecture") or {}
        pricing = model.get("pricing") or {}
        rows.append([
            str(model.get("id", "")),
            str(model.get("name", "")),
            ", ".join(map(str, arch.get("input_modalities") or [])),
            ", ".join(map(str, arch.get("output_modalities") or [])),
            _thousands(model.get("context_length")),
            _per_million(pricing.get("prompt")),
        ])
    return rows


def _thousands(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else ""


def _per_million(price: object) -> str:
    try:
        value = float(str(price))
    except ValueError:
        return ""
    return f"${value * 1_000_000:.2f}"


def audio_model_entries(client: Any, *, want_in: bool, want_out: bool) -> list[dict[str, Any]]:
    """Models with audio in, out, both (both flags), or either (no flag), sorted by id."""
    if want_in or want_out:
        models = client.models(input_modality="audio" if want_in else None,
                               output_modality="audio" if want_out else None)
    else:
        seen: dict[str, dict[str, Any]] = {}
        for model in [*client.models(input_modality="audio"), *client.models(output_modality="audio")]:
            seen.setdefault(str(model.get("id")), model)
        models = list(seen.values())
    return sorted(models, key=lambda m: str(m.get("id", "")))
