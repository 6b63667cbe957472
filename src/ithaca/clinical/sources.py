"""Where every clinical number comes from, and how sure we are of it.

Confidence marks are those of the project's clinical reference: C confirmed in retrieved
text, S seen only in a secondary copy, U unconfirmed. Enforcement says what a limit does
when crossed, as in an infusion pump's drug library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Confidence(Enum):
    CONFIRMED = "C"
    SECONDARY = "S"
    UNCONFIRMED = "U"

    @property
    def label(self) -> str:
        return {"C": "confirmed", "S": "secondary", "U": "unconfirmed"}[self.value]


class Enforcement(Enum):
    HARD = "hard"  # blocks: the program cannot be signed
    SOFT = "soft"  # needs a documented reason and a second person
    ADVISORY = "advisory"  # shown to the clinician, asks nothing


@dataclass(frozen=True, slots=True)
class Source:
    """One cited document."""

    id: str
    citation: str
    year: int | None  # None where the reference itself does not state a year
    url: str | None = None
    reference_section: str | None = None

    def short(self) -> str:
        year = str(self.year) if self.year is not None else "year not stated"
        return f"{self.citation} ({year})"


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a value rests on: a source, a confidence mark, and local verification."""

    source: Source
    confidence: Confidence
    note: str = ""
    verified_by: str | None = None
    verified_on: str | None = None

    @property
    def unconfirmed_and_unverified(self) -> bool:
        """A U value nobody at the clinic has checked: never a hard limit."""
        return self.confidence is Confidence.UNCONFIRMED and self.verified_by is None

    def describe(self) -> str:
        text = f"{self.source.short()} [{self.confidence.value}]"
        if self.verified_by:
            text += f", verified locally by {self.verified_by} on {self.verified_on}"
        return text


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the reference does not give. Recorded as unknown, never guessed."""

    note: str

    def __str__(self) -> str:
        return f"unknown ({self.note})"
