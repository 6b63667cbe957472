"""Items, answer scales and the checking of answers, shared by the decision aid and the
caregiver check-in.

An item is one question as ithaca asks it, with what its wording rests on. A scale is a
short list of labelled whole-number answers (0 = the first label). Answers arrive as a
mapping of item id to value; checking refuses, in words, a missing answer, an answer off
the scale and an answer to a question that was not asked, so a total is never computed
from a half-answered form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.sources import Provenance


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    provenance: Provenance
    name: str = ""  # the instrument's own name for the item, where it has one (SURE)


@dataclass(frozen=True, slots=True)
class Scale:
    labels: tuple[str, ...]
    provenance: Provenance

    @property
    def highest(self) -> int:
        return len(self.labels) - 1

    def label(self, score: int) -> str:
        return self.labels[score]


class AnswersIncomplete(ClinicalError, ValueError):
    """Some questions of an instrument were left unanswered."""

    def __init__(self, instrument: str, missing: Iterable[str]) -> None:
        super().__init__(instrument)
        self.instrument = instrument
        self.missing = tuple(missing)

    def __str__(self) -> str:
        listed = "; ".join(f"'{text}'" for text in self.missing)
        count = "a question" if len(self.missing) == 1 else f"{len(self.missing)} questions"
        return (
            f"the {self.instrument} cannot be scored: {count} not answered ({listed}); "
            "answer every question, or leave the whole section blank"
        )


class AnswerOffScale(ClinicalError, ValueError):
    def __init__(self, instrument: str, item: str, given: object, highest: int) -> None:
        super().__init__(item)
        self.instrument = instrument
        self.item = item
        self.given = given
        self.highest = highest

    def __str__(self) -> str:
        return (
            f"the answer {self.given!r} to '{self.item}' ({self.instrument}) is not on the "
            f"scale: a whole number from 0 to {self.highest} is expected"
        )


class UnknownQuestion(ClinicalError, LookupError):
    def __init__(self, instrument: str, ids: Iterable[str]) -> None:
        super().__init__(instrument)
        self.instrument = instrument
        self.ids = tuple(ids)

    def __str__(self) -> str:
        return f"the {self.instrument} has no question {', '.join(repr(i) for i in self.ids)}"


def _check_ids(instrument: str, items: tuple[Item, ...], answers: Mapping[str, object]) -> None:
    unknown = sorted(set(answers) - {item.id for item in items})
    if unknown:
        raise UnknownQuestion(instrument, unknown)
    missing = [item.text for item in items if answers.get(item.id) is None]
    if missing:
        raise AnswersIncomplete(instrument, missing)


def check_ratings(
    instrument: str, items: tuple[Item, ...], scale: Scale, answers: Mapping[str, int | None]
) -> dict[str, int]:
    """Every item answered with a whole number on the scale, in the items' order."""
    _check_ids(instrument, items, answers)
    checked: dict[str, int] = {}
    for item in items:
        score = answers[item.id]
        # bool is an int in Python: a tick box must never pass as the score 1.
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= scale.highest:
            raise AnswerOffScale(instrument, item.text, score, scale.highest)
        checked[item.id] = score
    return checked


def check_yes_no(
    instrument: str, items: tuple[Item, ...], answers: Mapping[str, bool | None]
) -> dict[str, bool]:
    """Every item answered yes (True) or no (False), in the items' order."""
    _check_ids(instrument, items, answers)
    checked: dict[str, bool] = {}
    for item in items:
        answer = answers[item.id]
        if not isinstance(answer, bool):
            raise AnswerOffScale(instrument, item.text, answer, 1)
        checked[item.id] = answer
    return checked


def is_blank(answers: Mapping[str, object]) -> bool:
    """Nothing answered at all: the section was not asked this time."""
    return all(value is None for value in answers.values())
