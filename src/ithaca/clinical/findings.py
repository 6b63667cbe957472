"""Findings and verdicts: an over-limit result is a value with reasons, not an exception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from ithaca.clinical.sources import Enforcement, Provenance


class Severity(Enum):
    INFO = "info"
    WARNING = "warning"
    SOFT = "soft"  # needs an override: a written reason and a second person
    HARD = "hard"  # blocks

    @classmethod
    def for_limit(cls, enforcement: Enforcement) -> Severity:
        return {
            Enforcement.HARD: cls.HARD,
            Enforcement.SOFT: cls.SOFT,
            Enforcement.ADVISORY: cls.WARNING,
        }[enforcement]


class Verdict(Enum):
    OK = "ok"
    NEEDS_OVERRIDE = "needs_override"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    provenance: Provenance | None = None
    drug: str | None = None


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    severities = {f.severity for f in findings}
    if Severity.HARD in severities:
        return Verdict.BLOCKED
    if Severity.SOFT in severities:
        return Verdict.NEEDS_OVERRIDE
    return Verdict.OK
