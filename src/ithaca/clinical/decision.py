"""The shared decision: the SURE screen, what matters most to the patient and family, the
caregiver's readiness, and what these suggest about why a decision is waiting.

Nothing here recommends an option. The SURE total flags decisional conflict (Légaré 2010:
a total of 3 or less of 4); the values are summarised in order of importance, never added
up; the readiness rule is the clinic's (an ithaca-policy default until set). A conflict, a
low readiness or a concern someone named suggests a delay reason, as a value: the caller
decides whether the patient is at a stage where a delay is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from ithaca.clinical.answers import Item, check_ratings, check_yes_no, is_blank
from ithaca.clinical.decision_rules import (
    DecisionAidRules,
    ReadinessRules,
    SureRules,
    ValuesRules,
)
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.pathway import DelayReason
from ithaca.clinical.sourced import Sourced

R = TypeVar("R")


class SessionInvalid(ClinicalError, ValueError):
    """A decision-aid session that cannot be recorded as given; `section` names the part."""

    def __init__(self, section: str, reason: str) -> None:
        super().__init__(section)
        self.section = section
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True, slots=True)
class SureResult:
    answers: dict[str, bool]
    score: int
    conflict: bool
    threshold: Sourced[int]  # conflict at or below this total

    @property
    def out_of(self) -> int:
        return len(self.answers)


def score_sure(rules: SureRules, answers: Mapping[str, bool | None]) -> SureResult:
    """Yes scores 1; a total at or below the threshold (3 of 4) is decisional conflict."""
    checked = check_yes_no("SURE test", rules.items, answers)
    score = sum(1 for yes in checked.values() if yes)
    threshold = rules.conflict_at_or_below
    return SureResult(checked, score, score <= threshold.value, threshold)


@dataclass(frozen=True, slots=True)
class ValueGroup:
    score: int
    label: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class ValuesSummary:
    ratings: dict[str, int]
    ordered: tuple[ValueGroup, ...]  # most important first; no total, no recommendation


def summarise_values(rules: ValuesRules, answers: Mapping[str, int | None]) -> ValuesSummary:
    ratings = check_ratings("values questions", rules.items, rules.scale, answers)
    groups = [
        ValueGroup(
            score,
            rules.scale.label(score),
            tuple(item for item in rules.items if ratings[item.id] == score),
        )
        for score in range(rules.scale.highest, -1, -1)
    ]
    return ValuesSummary(ratings, tuple(group for group in groups if group.items))


@dataclass(frozen=True, slots=True)
class ReadinessResult:
    answers: dict[str, int]
    total: int
    out_of: int
    low: bool
    reasons: tuple[str, ...]  # why it is low, in words, each naming the clinic rule


def check_readiness(rules: ReadinessRules, answers: Mapping[str, int | None]) -> ReadinessResult:
    checked = check_ratings("caregiver readiness check", rules.items, rules.scale, answers)
    total = sum(checked.values())
    item_rule, total_rule = rules.low_if_any_item_at_or_below, rules.low_if_total_at_or_below
    reasons: list[str] = []
    low_items = [item for item in rules.items if checked[item.id] <= item_rule.value]
    if low_items:
        label = rules.scale.label(item_rule.value)
        reasons.append(
            f"answered '{label}' or lower to: " + "; ".join(f"'{item.text}'" for item in low_items)
        )
    if total <= total_rule.value:
        reasons.append(f"total {total} of {rules.highest_total}, at or below {total_rule.value}")
    return ReadinessResult(checked, total, rules.highest_total, bool(reasons), tuple(reasons))


class RaisedBy(Enum):
    PATIENT = "patient"
    CAREGIVER = "caregiver"

    @property
    def label(self) -> str:
        return {"patient": "The patient", "caregiver": "The family"}[self.value]


@dataclass(frozen=True, slots=True)
class Concern:
    raised_by: RaisedBy
    text: str


@dataclass(frozen=True, slots=True)
class DelaySignal:
    reason: DelayReason
    because: str


def delay_signals(
    sure: SureResult | None, readiness: ReadinessResult | None, concerns: Sequence[Concern]
) -> tuple[DelaySignal, ...]:
    """What the session suggests about why a decision is waiting; empty when nothing does.

    Conflict on the SURE and a concern the patient named suggest the patient is undecided;
    a low readiness and a concern the family named suggest caregiver concerns.
    """
    signals: list[DelaySignal] = []
    if sure is not None and sure.conflict:
        signals.append(
            DelaySignal(
                DelayReason.PATIENT_UNDECIDED,
                f"SURE {sure.score} of {sure.out_of}: decisional conflict "
                f"({sure.threshold.value} or less, {sure.threshold.provenance.describe()})",
            )
        )
    if readiness is not None and readiness.low:
        signals.append(
            DelaySignal(
                DelayReason.CAREGIVER_CONCERNS,
                "caregiver readiness low under clinic policy: " + "; ".join(readiness.reasons),
            )
        )
    for concern in concerns:
        reason = (
            DelayReason.PATIENT_UNDECIDED
            if concern.raised_by is RaisedBy.PATIENT
            else DelayReason.CAREGIVER_CONCERNS
        )
        signals.append(
            DelaySignal(reason, f"{concern.raised_by.label} named a concern: {concern.text}")
        )
    return tuple(signals)


def delay_notes(signals: Sequence[DelaySignal]) -> dict[DelayReason, str]:
    """One note per reason, joining everything that suggested it, in the order found."""
    notes: dict[DelayReason, list[str]] = {}
    for signal in signals:
        notes.setdefault(signal.reason, []).append(signal.because)
    return {reason: "Decision aid: " + " | ".join(parts) + "." for reason, parts in notes.items()}


@dataclass(frozen=True, slots=True)
class Presence:
    patient: bool
    caregivers: tuple[str, ...]  # names, as given


@dataclass(frozen=True, slots=True)
class SessionAnswers:
    values: Mapping[str, int | None]
    sure: Mapping[str, bool | None]
    readiness: Mapping[str, int | None]
    patient_concern: str = ""
    caregiver_concern: str = ""


@dataclass(frozen=True, slots=True)
class SessionResult:
    values: ValuesSummary | None  # None: not discussed this time
    sure: SureResult | None  # None: the patient did not take part
    readiness: ReadinessResult | None  # None: no caregiver took part
    concerns: tuple[Concern, ...]
    signals: tuple[DelaySignal, ...]


def assess_session(
    rules: DecisionAidRules, presence: Presence, answers: SessionAnswers
) -> SessionResult:
    """Score what was answered; refuse, naming the section, what cannot be recorded.

    The SURE is the patient's own screen, answered only when they take part; the readiness
    check is the caregiver's, answered only when one takes part. The values may be left
    blank (not discussed), but never half answered.
    """
    caregivers = tuple(name for name in (" ".join(n.split()) for n in presence.caregivers) if name)
    if not presence.patient and not caregivers:
        raise SessionInvalid("present", "say who took part: the patient, a caregiver, or both")
    sure = _section(
        "sure",
        answers.sure,
        presence.patient,
        "the SURE test is the patient's own answer: it is asked only when the patient takes part",
        lambda: score_sure(rules.sure, answers.sure),
    )
    readiness = _section(
        "readiness",
        answers.readiness,
        bool(caregivers),
        "the readiness check is the caregiver's: name the caregiver who took part, or leave it blank",
        lambda: check_readiness(rules.readiness, answers.readiness),
    )
    values = (
        None
        if is_blank(answers.values)
        else _scored("values", lambda: summarise_values(rules.values, answers.values))
    )
    concerns = tuple(
        Concern(raised_by, cleaned)
        for raised_by, text in (
            (RaisedBy.PATIENT, answers.patient_concern),
            (RaisedBy.CAREGIVER, answers.caregiver_concern),
        )
        if (cleaned := " ".join(text.split()))
    )
    return SessionResult(
        values, sure, readiness, concerns, delay_signals(sure, readiness, concerns)
    )


def _scored(section: str, score: Callable[[], R]) -> R:
    try:
        return score()
    except SessionInvalid:
        raise
    except ClinicalError as exc:
        raise SessionInvalid(section, str(exc)) from exc


def _section(
    section: str, answers: Mapping[str, object], asked: bool, not_asked: str, score: Callable[[], R]
) -> R | None:
    if not asked:
        if not is_blank(answers):
            raise SessionInvalid(section, not_asked)
        return None
    return _scored(section, score)
