"""Small HTML tables for ``%oraudio_config`` and ``%oraudio_models``; every value is escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

_STYLE = "border-collapse:collapse;font-size:90%"
_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid rgba(128,128,128,.3)"


def html_table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None) -> str:
    """An escaped HTML table."""
    head = "".join(f'<th style="{_CELL}">{html.escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{html.escape(str(v))}</td>' for v in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="oraudio-table" style="{_STYLE}">{cap}<thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table>"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The same table as aligned plain text (for terminals and the notebook's text/plain)."""
    cells = [list(headers)] + [[str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def bundle(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str | None = None
           ) -> dict[str, str]:
    """A MIME bundle with the table as HTML and as text."""
    text = text_table(headers, rows)
    if caption:
        text = f"{caption}\n{text}"
    return {"text/html": html_table(headers, rows, caption), "text/plain": text}


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
            str(model.get("context_length") or ""),
            _per_million(pricing.get("prompt")),
        ])
    return rows


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
