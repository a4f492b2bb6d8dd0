"""Backoff and Retry-After parsing: pure functions, checked value by value."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from or_audio_widgets.client._retry import backoff, is_retryable_status, parse_retry_after, retry_delay
from or_audio_widgets.core._defaults import BACKOFF_BASE, BACKOFF_MAX, RETRY_AFTER_CAP

NOW = 1_800_000_000.0  # a fixed "now" for HTTP dates


def http_date(offset: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + offset, tz=timezone.utc), usegmt=True)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("1", 1.0), ("0.1", 0.1), (" 2 ", 2.0), ("7.5", 7.5),
     ("99999", RETRY_AFTER_CAP), ("1e3", RETRY_AFTER_CAP)],
)
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "header", [None, "", "   ", "0", "0.0", "-1", "-0.5", "inf", "-inf", "Infinity", "nan", "NaN", "1e400",
               "soon", "12 seconds", "0x10", "Wed, 32 Foo 2015 99:99:99 GMT", "Wed, 21 Oct 2015 07:28:00"],
)
def test_unusable_retry_after_falls_back(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None


def test_retry_after_as_http_date() -> None:
    assert parse_retry_after(http_date(5), now=NOW) == pytest.approx(5.0)
    assert parse_retry_after(http_date(3600), now=NOW) == RETRY_AFTER_CAP
    assert parse_retry_after(http_date(-5), now=NOW) is None  # already past
    assert parse_retry_after(http_date(0), now=NOW) is None


def test_cap_is_adjustable() -> None:
    assert parse_retry_after("30", now=NOW, cap=3.0) == 3.0


def test_backoff_grows_and_is_capped() -> None:
    low = [backoff(n, rand=lambda: 0.0) for n in range(8)]
    high = [backoff(n, rand=lambda: 1.0) for n in range(8)]
    assert high[0] == pytest.approx(BACKOFF_BASE)
    assert low[0] == pytest.approx(BACKOFF_BASE / 2)
    assert high == sorted(high)
    assert max(high) == pytest.approx(BACKOFF_MAX)
    assert backoff(-3, rand=lambda: 1.0) == pytest.approx(BACKOFF_BASE)


@given(st.integers(min_value=0, max_value=60), st.floats(min_value=0.0, max_value=1.0))
def test_backoff_stays_within_jitter_bounds(attempt: int, draw: float) -> None:
    step = min(BACKOFF_MAX, BACKOFF_BASE * 2**attempt)
    assert step / 2 <= backoff(attempt, rand=lambda: draw) <= step


@given(st.text(max_size=40))
def test_any_header_text_gives_none_or_a_capped_positive_delay(header: str) -> None:
    seconds = parse_retry_after(header, now=NOW)
    assert seconds is None or (math.isfinite(seconds) and 0 < seconds <= RETRY_AFTER_CAP)


def test_retry_delay_prefers_retry_after_else_backoff() -> None:
    assert retry_delay(3, "0.1", now=NOW) == pytest.approx(0.1)
    assert retry_delay(0, "garbage", now=NOW, rand=lambda: 1.0) == pytest.approx(BACKOFF_BASE)
    assert retry_delay(1, None, now=NOW, rand=lambda: 1.0) == pytest.approx(BACKOFF_BASE * 2)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 402, 403, 404, 413, 422])
def test_statuses_that_a_retry_cannot_fix(status: int) -> None:
    assert not is_retryable_status(status)
