"""Checking option values before any network call: numbers must be finite and in range.

A NaN timeout never expires, an infinite deadline is no deadline, and a NaN temperature makes the request
body invalid JSON: each is refused here with an :class:`OptionError` that names the option.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import OptionError


def check_options(**values: float | int | None) -> None:
    """Refuse a timeout, deadline or retry count that is not a finite number > 0 (retries: >= 0)."""
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise OptionError(f"{name} must be a finite number, not {value!r}")
        if name == "max_retries":
            if value < 0 or value != int(value):
                raise OptionError(f"max_retries must be a whole number >= 0, not {value!r}")
        elif value <= 0:
            raise OptionError(f"{name} must be more than 0 seconds, not {value!r}")


def check_finite(params: Mapping[str, Any], where: str = "") -> None:
    """Refuse NaN or infinite numbers anywhere in request parameters (JSON cannot carry them)."""
    for name, value in params.items():
        path = f"{where}{name}"
        if isinstance(value, float) and not math.isfinite(value):
            raise OptionError(f"{path} must be a finite number, not {value!r}")
        if isinstance(value, Mapping):
            check_finite(value, f"{path}.")
        elif isinstance(value, (list, tuple)):
            check_finite({f"[{i}]": item for i, item in enumerate(value)}, path)
