"""The referral prompt: does this patient's pain meet the screen for an IDDS referral?

The default screen is the Smith 2002 trial's entry criteria, labelled as such: pain at or
above 5/10 despite 200 mg/day oral morphine equivalent or more, or side effects that stop
the dose being raised. It is a prompt for the team to consider referral, never a gate:
a patient who does not meet it may still be referred, and one who does may not need it.

Every input is shown with the result; an input that is missing is named, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ithaca.clinical.pathway_rules import ScreeningRules
from ithaca.clinical.quantities import DoseRate, Unit, format_decimal
from ithaca.clinical.sources import Provenance


class ScreenOutcome(Enum):
    MET = "met"
    NOT_MET = "not_met"
    INCOMPLETE = "incomplete"  # a missing input could change the answer

    @property
    def label(self) -> str:
        return {
            "met": "Meets the referral screen",
            "not_met": "Does not meet the referral screen",
            "incomplete": "Cannot tell yet: an input is missing",
        }[self.value]


@dataclass(frozen=True, slots=True)
class ScreeningInputs:
    pain_score: int | None  # the latest 0-10 score
    pain_recorded_on: str | None  # ISO date of that score, shown beside it
    ome: DoseRate | None  # current systemic oral morphine equivalent
    dose_limiting_side_effects: bool | None  # None: never assessed


@dataclass(frozen=True, slots=True)
class ScreenReason:
    met: bool | None  # None: cannot be judged for want of an input
    text: str
    provenance: Provenance | None


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    outcome: ScreenOutcome
    reasons: tuple[ScreenReason, ...]
    inputs: ScreeningInputs
    rule: str  # the rule in words, with its thresholds

    @property
    def met(self) -> bool:
        return self.outcome is ScreenOutcome.MET


def screen(inputs: ScreeningInputs, rules: ScreeningRules) -> ScreeningResult:
    """Pain >= threshold and OME >= threshold, or dose-limiting side effects."""
    pain_limit = rules.pain_threshold.value
    ome_limit = rules.ome_threshold.value
    pain = _pain_reason(inputs, pain_limit, rules)
    ome = _ome_reason(inputs, ome_limit, rules)
    effects = _side_effect_reason(inputs, rules)
    pain_and_ome = _both(pain.met, ome.met)
    outcome = _either(pain_and_ome, effects.met)
    rule = (
        f"pain {pain_limit}/10 or more despite {_mg(ome_limit)} oral morphine equivalent "
        "or more, or side effects that stop the dose being raised (Smith 2002 trial entry "
        "criteria; a prompt to consider referral, not a gate)"
    )
    return ScreeningResult(outcome, (pain, ome, effects), inputs, rule)


def _pain_reason(inputs: ScreeningInputs, limit: int, rules: ScreeningRules) -> ScreenReason:
    source = rules.pain_threshold.provenance
    if inputs.pain_score is None:
        return ScreenReason(None, "No pain score recorded: record one.", source)
    when = f" on {inputs.pain_recorded_on}" if inputs.pain_recorded_on else ""
    met = inputs.pain_score >= limit
    relation = "at or above" if met else "below"
    return ScreenReason(
        met, f"Latest pain score {inputs.pain_score}/10{when}, {relation} {limit}/10.", source
    )


def _ome_reason(inputs: ScreeningInputs, limit: DoseRate, rules: ScreeningRules) -> ScreenReason:
    source = rules.ome_threshold.provenance
    if inputs.ome is None:
        return ScreenReason(
            None, "No systemic opioid regimen recorded: record it to compute the OME.", source
        )
    met = not inputs.ome < limit
    relation = "at or above" if met else "below"
    return ScreenReason(
        met,
        f"Oral morphine equivalent {_mg(inputs.ome)}, {relation} {_mg(limit)}.",
        source,
    )


def _side_effect_reason(inputs: ScreeningInputs, rules: ScreeningRules) -> ScreenReason:
    source = rules.side_effects
    if inputs.dose_limiting_side_effects is None:
        return ScreenReason(
            None, "Side effects not assessed: record whether they limit the dose.", source
        )
    if inputs.dose_limiting_side_effects:
        return ScreenReason(True, "Side effects stop the opioid dose being raised.", source)
    return ScreenReason(False, "Side effects do not limit the opioid dose.", source)


def _both(a: bool | None, b: bool | None) -> bool | None:
    """Three-valued AND: False wins, then unknown, then True."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _either(a: bool | None, b: bool | None) -> ScreenOutcome:
    """Three-valued OR, as an outcome: True wins, then unknown, then False."""
    if a is True or b is True:
        return ScreenOutcome.MET
    if a is None or b is None:
        return ScreenOutcome.INCOMPLETE
    return ScreenOutcome.NOT_MET


def _mg(dose: DoseRate) -> str:
    return f"{format_decimal(dose.to(Unit.MG_PER_DAY).rounded(1).magnitude)} mg/day"
