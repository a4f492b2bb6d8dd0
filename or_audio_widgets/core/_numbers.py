"""Numbers a server sends, checked before they are used or shown: finite, and in range.

Python's ``json`` reads ``Infinity``, ``NaN`` and ``1e999`` (which are not JSON) as floats that crash the
formatting of a cost or poison a sum. Every JSON document from a server is read with :func:`loads`, which
turns them into ``None`` (nothing known), and a cost is taken only when :func:`server_cost` accepts it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

# Costs are in dollars; one call costing more than this is a server's nonsense, not a price.
_MOST_A_CALL_COSTS = 1e6


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def loads(document: str | bytes | bytearray) -> Any:
    """``json.loads`` for what a server sends: a non-finite number (``Infinity``, ``NaN``, ``1e999``) is
    read as None."""
    return json.loads(document, parse_constant=lambda _name: None, parse_float=_finite_float)


def finite_number(value: object, low: float = -math.inf, high: float = math.inf) -> float | None:
    """``value`` as a float when it is a number (not a bool), finite and within ``[low, high]``; else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else None


def server_cost(usage: Mapping[str, Any] | None) -> float | None:
    """The ``cost`` of a usage object, when it is a plausible price in dollars (0 to a million)."""
    return None if usage is None else finite_number(usage.get("cost"), 0.0, _MOST_A_CALL_COSTS)
