"""Fault injection, chosen per request by the ``X-Emulator-Fault`` header.

Syntax: one or more faults separated by commas, each a name with optional ``;key=value`` parameters::

    X-Emulator-Fault: 503;times=2
    X-Emulator-Fault: 429;retry-after=0.1
    X-Emulator-Fault: stall;seconds=5;keepalive=0.5
    X-Emulator-Fault: crlf, padded-base64

Status faults (``429``, ``502``, ``503`` and any other 4xx/5xx code, or ``html`` for an HTML 502 page)
answer before streaming; ``empty`` answers 200 with an empty event stream.
With ``times=N`` only the first N requests carrying that exact header value fail;
the next one succeeds and the count starts again, so each retry test sees the same sequence.
``EmulatorHandle.clear_requests()`` resets the counts; any extra parameter (``503;times=1;id=my-test``)
gives a test a counter of its own.

Stream faults: ``midstream-error`` and ``choice-error`` (after ``after=2`` audio or text deltas, then
``[DONE]``), ``drop`` (connection closed after ``after=2`` deltas), ``stall`` (after ``after=1`` delta,
``seconds=30`` of silence, or of keep-alive comments every ``keepalive`` seconds, then the rest),
``malformed-json`` (one extra truncated event), ``padded-base64``, ``crlf``, ``bom``, ``empty``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

STREAM_FAULTS = frozenset(
    {
        "midstream-error",
        "choice-error",
        "drop",
        "stall",
        "malformed-json",
        "padded-base64",
        "crlf",
        "bom",
        "empty",
    }
)
OTHER_FAULTS = frozenset({"html"})


class FaultSyntaxError(ValueError):
    """The fault header names an unknown fault or carries a bad parameter."""


@dataclass(frozen=True)
class Fault:
    """One requested fault and its parameters."""

    name: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int | None:
        """The HTTP status for a status fault (``429``, ``503``, ...), else None."""
        return int(self.name) if self.name.isdigit() else None

    def number(self, key: str, default: float) -> float:
        """A numeric parameter; :class:`FaultSyntaxError` when it is not a finite number >= 0."""
        raw = self.params.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise FaultSyntaxError(f"fault {self.name!r}: {key}={raw!r} is not a number") from None
        if not value >= 0 or value == float("inf"):
            raise FaultSyntaxError(f"fault {self.name!r}: {key}={raw!r} must be a finite number >= 0")
        return value


def parse_faults(header: str | None) -> tuple[Fault, ...]:
    """Parse the header; an empty or absent header means no fault."""
    if not header or not header.strip():
        return ()
    faults = []
    for item in header.split(","):
        name, *pairs = (part.strip() for part in item.split(";"))
        name = name.lower()
        if not name:
            continue
        is_status = name.isdigit() and len(name) == 3 and name[0] in "45"
        if not (is_status or name in STREAM_FAULTS or name in OTHER_FAULTS):
            known = ", ".join(sorted(STREAM_FAULTS | OTHER_FAULTS))
            raise FaultSyntaxError(f"unknown fault {name!r}; use a 4xx/5xx status or one of: {known}")
        params = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise FaultSyntaxError(f"fault {name!r}: parameter {pair!r} is not key=value")
            params[key.strip().lower()] = value.strip()
        faults.append(Fault(name, params))
    return tuple(faults)


class FaultCounter:
    """Per-header counters for ``times=N`` faults, shared by the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}

    def should_fail(self, header: str, fault: Fault) -> bool:
        """Whether this request fails; counts it when the fault has ``times``."""
        if "times" not in fault.params:
            return True
        times = int(fault.number("times", 1))
        with self._lock:
            seen = self._seen.get(header, 0)
            if seen < times:
                self._seen[header] = seen + 1
                return True
            self._seen.pop(header, None)  # this one succeeds; the next request starts a new cycle
            return False

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._seen.clear()
