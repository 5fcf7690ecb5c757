"""Durations as people write them on a command line or in deploy.yaml: 30m, 12h, 7d."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"m": "minutes", "h": "hours", "d": "days"}
ALLOWED = "a whole number followed by m, h or d, such as 30m, 12h, 7d"

_DURATION = re.compile(r"^([0-9]{1,6})([mhd])$")


class DurationError(ValueError):
    """Text that is not a duration; says what is allowed."""


def parse_duration(text: str) -> timedelta:
    """`7d` -> 7 days; raise DurationError for anything else."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise DurationError(f"'{text}' is not a duration (allowed: {ALLOWED})")
    amount, unit = match.groups()
    if int(amount) == 0:
        raise DurationError(
            f"'{text}' is zero (allowed: a duration more than zero, such as 30m, 12h, "
            "7d)"
        )
    return timedelta(**{UNITS[unit]: int(amount)})
