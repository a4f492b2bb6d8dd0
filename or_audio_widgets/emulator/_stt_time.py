"""Time on the transcription endpoint, as the live service behaves: its upstream budget, its pace, and
``verbose_json`` answers with segments and words timed by the recogniser.

Measured on the live service (Sept 2026, see the design notes): upstream providers stop at 60 s per
request, so a request carrying more audio than a provider transcribes in 60 s fails, after those 60 s;
``response_format`` is ``json`` or ``verbose_json`` (segments and words, OpenAI-compatible providers
only; others answer 400), with ``timestamp_granularities[]`` word and/or segment. ASSUMED (no capture of
the refusal's body): the failure is OpenRouter's 408 timeout error. The speed of each provider is an
assumption too (``_assumptions.TRANSCRIBE_SPEED``); ``X-Emulator-Upstream-Budget`` (seconds of audio)
sets the budget for one request, and ``X-Emulator-Upstream-Speed`` (times the speed of speech) makes the
emulator take the time a provider would, so that a benchmark of concurrent requests measures something
real.
"""

from __future__ import annotations

from typing import Any

from ._assumptions import UPSTREAM_TIMEOUT, listed_seconds
from ._request import APIFailure, Headers, header_number

VERBOSE_MODELS = ("openai/whisper-1", "openai/gpt-4o-mini-transcribe")  # OpenAI-compatible providers
TIMEOUT_MESSAGE = ("Upstream provider timed out after {limit:.0f} s transcribing {seconds:.0f} s of audio; "
                   "send shorter audio (split it at pauses)")
_SEGMENT_GAP = 0.3  # seconds of silence between words that start a new segment
_SEGMENT_WORDS = 16  # words in a segment at most


def budget(model: str, headers: Headers) -> float:
    """Seconds of audio one request may carry before the provider runs out of time."""
    told = header_number(headers, "X-Emulator-Upstream-Budget", 0.1, 1e6)
    return told if told is not None else listed_seconds(model)


def processing_seconds(model: str, seconds: float, headers: Headers, realtime: float) -> float:
    """How long the answer is held back: the provider's time at ``X-Emulator-Upstream-Speed`` (0 when
    not asked), or, for audio over the budget, the 60 s it waits before failing (at the server's pace;
    none at full speed)."""
    if seconds > budget(model, headers):
        return UPSTREAM_TIMEOUT / realtime if realtime else 0.0
    speed = header_number(headers, "X-Emulator-Upstream-Speed", 0.01, 1e6)
    return seconds / speed if speed else 0.0


def over_budget(model: str, seconds: float, headers: Headers) -> APIFailure | None:
    """The failure of a request whose audio does not fit the budget, or None."""
    limit = budget(model, headers)
    if seconds <= limit:
        return None
    return APIFailure(408, TIMEOUT_MESSAGE.format(limit=UPSTREAM_TIMEOUT, seconds=seconds))


def check_format(body: dict[str, Any], model: str) -> str:
    """``response_format`` ("json" or "verbose_json"); 400 for another, or verbose_json where the
    provider has no times."""
    fmt = body.get("response_format") or "json"
    if fmt not in ("json", "verbose_json"):
        raise APIFailure(400, f"Invalid response_format {fmt!r}; supported: json, verbose_json.")
    if fmt == "verbose_json" and model not in VERBOSE_MODELS:
        raise APIFailure(400, f"response_format 'verbose_json' is not supported by {model}'s provider; "
                              "use json")
    return str(fmt)


def granularities(body: dict[str, Any]) -> tuple[str, ...]:
    """``timestamp_granularities`` (JSON list, or multipart's repeated ``timestamp_granularities[]``)."""
    raw = body.get("timestamp_granularities", body.get("timestamp_granularities[]", ["segment"]))
    values = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)
    for value in values:
        if value not in ("word", "segment"):
            raise APIFailure(400, f"Invalid timestamp_granularities value {value!r}; use word or segment.")
    return tuple(str(v) for v in values)


def verbose(text: str, seconds: float, words: list[tuple[str, float, float]],
            wanted: tuple[str, ...]) -> dict[str, Any]:
    """The extra fields of a ``verbose_json`` answer: duration, and segments and/or words with times."""
    out: dict[str, Any] = {"task": "transcribe", "language": "english", "duration": round(seconds, 3)}
    if "word" in wanted:
        out["words"] = [{"word": w, "start": round(s, 2), "end": round(e, 2)} for w, s, e in words]
    if "segment" in wanted:
        out["segments"] = _segments(text, seconds, words)
    return out


def _segments(text: str, seconds: float, words: list[tuple[str, float, float]]) -> list[dict[str, Any]]:
    if not words:  # nothing timed (unclear audio, or no recogniser): one segment over the whole take
        return [{"id": 0, "start": 0.0, "end": round(seconds, 2), "text": text}]
    groups: list[list[tuple[str, float, float]]] = [[words[0]]]
    for word in words[1:]:
        if word[1] - groups[-1][-1][2] > _SEGMENT_GAP or len(groups[-1]) >= _SEGMENT_WORDS:
            groups.append([])
        groups[-1].append(word)
    return [{"id": i, "start": round(g[0][1], 2), "end": round(g[-1][2], 2),
             "text": " ".join(w for w, _, _ in g)} for i, g in enumerate(groups)]
