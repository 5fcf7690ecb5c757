"""Findings: what a check reports about a resource, and how severe it is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding matters; `--fail-on` compares in the order note < warning
    < error."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Finding:
    """One problem one tool found in one stack, on a resource or the stack itself."""

    tool: str
    rule: str
    severity: Severity
    stack: str
    logical_id: str | None
    path: str | None
    message: str

    @property
    def sort_key(self) -> tuple:
        return (
            -self.severity.rank,
            self.tool,
            self.rule,
            self.stack,
            self.path or "",
            self.logical_id or "",
            self.message,
        )


@dataclass(frozen=True)
class Acknowledgement:
    """A cdk-nag finding accepted on purpose, with the reason given for it."""

    rule: str
    stack: str
    logical_id: str | None
    path: str | None
    message: str
    reason: str

    @property
    def sort_key(self) -> tuple:
        return (self.rule, self.stack, self.path or "", self.logical_id or "")


def at_or_above(findings: list[Finding], threshold: Severity) -> list[Finding]:
    """The findings that are at least as severe as `threshold`."""
    return [f for f in findings if f.severity.rank >= threshold.rank]
