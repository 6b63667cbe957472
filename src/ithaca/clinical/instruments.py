"""Scoring an outcome instrument from a small structured spec, never from its item text.

A licensed instrument (BPI, Zarit, EQ-5D) may not be shipped with its wording, but its
scoring rule is a handful of numbers: how many items, the range of each answer, how the
total is made (sum, mean, a sum prorated over the answered items, or no total), how many
items must be answered, and any subscales over some of the items. A site registers that
spec with its licence; ithaca stores the numeric answers and scores them here.

Answers are whole numbers, one per item in order, None for an item left blank. A scale
that does not have its minimum number of answers is refused, in words: a score is never
made from too few answers. Mean and prorated scores are rounded to 2 decimal places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from fractions import Fraction

from ithaca.clinical.errors import ClinicalError

MOST_ITEMS = 200
PLACES = Decimal("0.01")


class Scoring(Enum):
    SUM = "sum"
    MEAN = "mean"
    PRORATED_SUM = "prorated_sum"  # sum of the answered items × items ÷ answered
    NONE = "none"  # no total: the instrument is scored by its subscales only


class InstrumentSpecInvalid(ClinicalError, ValueError):
    def __init__(self, where: str, reason: str) -> None:
        super().__init__(where)
        self.where, self.reason = where, reason

    def __str__(self) -> str:
        return f"scoring spec, {self.where}: {self.reason}"


class ResponsesInvalid(ClinicalError, ValueError):
    def __init__(self, instrument: str, reason: str) -> None:
        super().__init__(instrument)
        self.instrument, self.reason = instrument, reason

    def __str__(self) -> str:
        return f"the {self.instrument} answers cannot be scored: {self.reason}"


class TooFewAnswered(ClinicalError, ValueError):
    def __init__(self, instrument: str, scale: str, answered: int, minimum: int) -> None:
        super().__init__(instrument)
        self.instrument, self.scale = instrument, scale
        self.answered, self.minimum = answered, minimum

    def __str__(self) -> str:
        return (
            f"the {self.instrument} {self.scale} cannot be scored: {self.answered} of its items "
            f"answered, and its scoring rule needs at least {self.minimum}"
        )


@dataclass(frozen=True, slots=True)
class Scale:
    id: str
    items: tuple[int, ...]  # item numbers, from 1
    scoring: Scoring
    minimum_answered: int


@dataclass(frozen=True, slots=True)
class ScoringSpec:
    items: int
    item_min: int
    item_max: int
    scales: tuple[Scale, ...]  # the total (id "total") first, if the spec has one


@dataclass(frozen=True, slots=True)
class InstrumentResult:
    scores: dict[str, Decimal]  # scale id -> score
    answered: int


def read_spec(raw: Mapping[str, object]) -> ScoringSpec:
    items = _whole(raw, "items", 1, MOST_ITEMS)
    low = _whole(raw, "item_min", -1000, 1000)
    high = _whole(raw, "item_max", low + 1, 1000)
    scales: list[Scale] = []
    scoring = _scoring(raw, "spec")
    if scoring is not Scoring.NONE:
        everything = tuple(range(1, items + 1))
        scales.append(Scale("total", everything, scoring, _minimum(raw, "spec", items)))
    subscales = raw.get("subscales", [])
    if not isinstance(subscales, list):
        raise InstrumentSpecInvalid("subscales", "a list of subscales is expected")
    for i, sub in enumerate(subscales):
        scales.append(_subscale(sub, f"subscales[{i}]", items))
    if not scales:
        raise InstrumentSpecInvalid("scoring", "with no total, at least one subscale is needed")
    ids = [s.id for s in scales]
    if len(set(ids)) != len(ids):
        raise InstrumentSpecInvalid("subscales", "each scale needs its own id ('total' is taken)")
    return ScoringSpec(items, low, high, tuple(scales))


def _whole(raw: Mapping[str, object], key: str, lowest: int, highest: int) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise InstrumentSpecInvalid(key, f"a whole number from {lowest} to {highest} is expected")
    return value


def _scoring(raw: Mapping[str, object], where: str) -> Scoring:
    try:
        return Scoring(str(raw.get("scoring")))
    except ValueError:
        known = ", ".join(s.value for s in Scoring)
        raise InstrumentSpecInvalid(f"{where}.scoring", f"one of {known} is expected") from None


def _minimum(raw: Mapping[str, object], where: str, items: int) -> int:
    value = raw.get("minimum_answered", items)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= items:
        raise InstrumentSpecInvalid(
            f"{where}.minimum_answered", f"a whole number from 1 to {items} (the items scored)"
        )
    return value


def _subscale(sub: object, where: str, items: int) -> Scale:
    if not isinstance(sub, Mapping):
        raise InstrumentSpecInvalid(where, "a table with id, items, scoring is expected")
    scale_id = sub.get("id")
    if not isinstance(scale_id, str) or not scale_id.strip():
        raise InstrumentSpecInvalid(f"{where}.id", "a short name is expected")
    numbers = sub.get("items")
    if (
        not isinstance(numbers, list)
        or not numbers
        or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= items for n in numbers
        )
        or len(set(numbers)) != len(numbers)
    ):
        raise InstrumentSpecInvalid(f"{where}.items", f"distinct item numbers from 1 to {items}")
    scoring = _scoring(sub, where)
    if scoring is Scoring.NONE:
        raise InstrumentSpecInvalid(
            f"{where}.scoring", "a subscale is scored: sum, mean or prorated_sum"
        )
    scored = tuple(int(n) for n in numbers)
    return Scale(scale_id.strip(), scored, scoring, _minimum(sub, where, len(scored)))


def score_instrument(
    instrument: str, spec: ScoringSpec, responses: Sequence[int | None]
) -> InstrumentResult:
    if len(responses) != spec.items:
        raise ResponsesInvalid(instrument, f"{len(responses)} answers given for {spec.items} items")
    for number, answer in enumerate(responses, start=1):
        if answer is None:
            continue
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise ResponsesInvalid(instrument, f"item {number} is not a whole number")
        if not spec.item_min <= answer <= spec.item_max:
            raise ResponsesInvalid(
                instrument,
                f"item {number} is {answer}, outside {spec.item_min} to {spec.item_max}",
            )
    scores = {scale.id: _score(instrument, scale, responses) for scale in spec.scales}
    return InstrumentResult(scores, sum(1 for r in responses if r is not None))


def _score(instrument: str, scale: Scale, responses: Sequence[int | None]) -> Decimal:
    answers = [r for n in scale.items if (r := responses[n - 1]) is not None]
    if len(answers) < scale.minimum_answered:
        raise TooFewAnswered(instrument, scale.id, len(answers), scale.minimum_answered)
    total = sum(answers)
    if scale.scoring is Scoring.SUM:
        return Decimal(total)
    if scale.scoring is Scoring.MEAN:
        return _rounded(Fraction(total, len(answers)))
    return _rounded(Fraction(total * len(scale.items), len(answers)))


def _rounded(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(PLACES, rounding=ROUND_HALF_EVEN)
