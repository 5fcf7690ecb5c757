"""Durations for --max-age, --ttl and previews.ttl."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slipway.durations import DurationError, parse_duration


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        (" 1d ", timedelta(days=1)),
    ],
)
def test_a_duration_is_a_number_and_a_unit(text, value):
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "7", "-1d", "1.5h", "7 days", "1w", "d"])
def test_anything_else_is_an_error_that_says_what_is_allowed(text):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)

    assert str(caught.value) == (
        f"'{text}' is not a duration (allowed: a whole number followed by m, h or d, "
        "such as 30m, 12h, 7d)"
    )


@pytest.mark.parametrize("text", ["0m", "0h", "000d"])
def test_a_zero_duration_is_an_error_that_asks_for_more_than_zero(text):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)

    assert str(caught.value) == (
        f"'{text}' is zero (allowed: a duration more than zero, such as 30m, 12h, 7d)"
    )
