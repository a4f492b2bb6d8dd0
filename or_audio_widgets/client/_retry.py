"""When to retry a request and how long to wait: pure functions, no I/O."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from ..core._defaults import BACKOFF_BASE, BACKOFF_MAX, RETRY_AFTER_CAP

# 408 timeout, 409 conflict (a lock held upstream), 429 rate limit and every 5xx are worth another try.
RETRYABLE_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP status before the stream started is worth retrying."""
    return status in RETRYABLE_STATUSES or 500 <= status <= 599


def backoff(
    attempt: int,
    *,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_MAX,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): exponential, capped, with jitter.

    "Equal jitter": a uniform draw between half and all of the exponential step, so that clients that
    failed together do not retry together, and none retries at once.
    """
    step = min(cap, base * (2 ** max(0, attempt)))
    return step * (0.5 + 0.5 * rand())


def parse_retry_after(
    value: str | None, *, now: float | None = None, cap: float = RETRY_AFTER_CAP
) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date), capped at ``cap``.

    None when the header is absent or unusable: empty, garbage, zero, negative, infinite, NaN, or a date
    already past. The caller then falls back to its own backoff (RFC 9110 section 10.2.3).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    seconds = _parse_seconds(text)
    if seconds is None:
        seconds = _parse_date(text, time.time() if now is None else now)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return None
    return min(seconds, cap)


def _parse_seconds(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _parse_date(text: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less date is not one
        return None
    return when.timestamp() - now


def retry_delay(
    attempt: int,
    retry_after: str | None,
    *,
    now: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait before retry ``attempt``: the server's Retry-After when usable, else backoff."""
    asked = parse_retry_after(retry_after, now=now)
    return asked if asked is not None else backoff(attempt, rand=rand)


def delay_before_retry(
    retries: int, max_retries: int, retry_after: str | None, deadline: float | None
) -> float | None:
    """The wait before the next try of a call already retried ``retries`` times; None when no retry is
    left, or when the wait would end past ``deadline`` (a ``time.monotonic()`` value)."""
    if retries >= max_retries:
        return None
    delay = retry_delay(retries, retry_after)
    if deadline is not None and time.monotonic() + delay >= deadline:
        return None
    return delay
