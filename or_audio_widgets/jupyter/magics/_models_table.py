"""``%oraudio_models``'s table of the kinds of audio model: what each serves, its voices, its price.

It reads the client's catalogue (``client.catalogue()``), the one reading of the model list that routing,
the voices check and AudioChat's model picker use too."""

from __future__ import annotations

from typing import Any

_ORDER = ("chat (audio in and out)", "chat (audio out)", "chat (audio in)", "speech", "transcription",
          "music")


HEADERS = ["id", "kind", "price", "per", "voices"]
NUMERIC, NOWRAP = (2,), (0, 1, 3)  # columns of HEADERS: figures on the right; what never wraps


def kind_rows(catalogue: Any, surfaces: tuple[str, ...] = ()) -> list[list[str]]:
    """Rows of HEADERS (id, kind, price, its unit, voices) for every audio model of ``catalogue`` (or those
    serving one of ``surfaces``), grouped by kind. The price and its unit are two columns, so the figures
    line up."""
    entries = [e for e in catalogue.entries() if e.surfaces and (not surfaces or e.surfaces & set(surfaces))]
    entries.sort(key=lambda e: (_ORDER.index(e.kind) if e.kind in _ORDER else len(_ORDER), e.id))
    return [[e.id, _kind_label(e.kind), *price_parts(e.kind, e.pricing), _voices(e.voices)] for e in entries]


def _kind_label(kind: str) -> str:
    return {"speech": "speech (say, --say)", "transcription": "transcription (transcribe, --transcribe)",
            "music": "music (compose, -m)"}.get(kind, kind)


def _voices(voices: tuple[str, ...]) -> str:
    return ", ".join(voices[:8]) + (f", … ({len(voices)})" if len(voices) > 8 else "")


def price_parts(kind: str, pricing: dict[str, str]) -> tuple[str, str]:
    """The price as the list gives it, and its unit: per 1M characters (speech), per minute
    (transcription) or per 1M input tokens; ("", "") when the list gives none."""
    prompt, audio = _number(pricing.get("prompt")), _number(pricing.get("audio"))
    request = _number(pricing.get("request"))
    if kind == "music" and request:  # priced per request: a clip or a song
        return f"${request:.2f}", "request"
    if kind == "speech" and prompt:
        return f"${prompt * 1e6:.2f}", "1M characters"
    if kind == "transcription" and audio:
        return f"${audio * 60:.4f}", "minute"
    if prompt:
        return f"${prompt * 1e6:.2f}", "1M input tokens"
    return "", ""


def price_text(kind: str, pricing: dict[str, str]) -> str:
    """The price in words, e.g. "$0.0060 / minute"."""
    price, unit = price_parts(kind, pricing)
    return f"{price} / {unit}" if price else ""


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0
