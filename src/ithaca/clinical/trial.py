"""The intrathecal trial: how long to observe, and whether it succeeded.

Two sources disagree on observation after a single-shot opioid trial: PACC 2017 asks for
at least 6 hours, the Infumorph label for at least 24 hours after the first intrathecal
morphine dose. Both are shown; for morphine the longer one is the one the label requires.
Success is judged against the clinic's criterion (ithaca ships the commonly cited 50% fall,
marked unconfirmed); the judgement is shown to the clinician, never enforced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from ithaca.clinical.checks import daily_dose_findings
from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import TrialNotJudgeable
from ithaca.clinical.findings import Finding
from ithaca.clinical.pathway_rules import TrialRules
from ithaca.clinical.quantities import DoseRate, Mass, Unit, format_decimal, round_to
from ithaca.clinical.sources import Provenance


class TrialKind(Enum):
    SINGLE_SHOT = "single_shot"
    CATHETER = "catheter"

    @property
    def label(self) -> str:
        return {"single_shot": "Single-shot injection", "catheter": "Catheter (continuous)"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Guidance:
    text: str
    provenance: Provenance


def observation_guidance(kind: TrialKind, drug_id: str, rules: TrialRules) -> tuple[Guidance, ...]:
    """What the sources say about watching the patient after this trial."""
    if kind is TrialKind.CATHETER:
        return (
            Guidance(
                "Catheter trials should be done as inpatients (PACC 2024, non-cancer; the "
                "cancer position was not retrieved).",
                rules.catheter_inpatient,
            ),
        )
    single = rules.single_shot_observation_hours
    guidance = [
        Guidance(
            f"Observe for at least {single.value} hours after a single-shot intrathecal "
            "opioid trial; an outpatient needs a responsible adult afterwards.",
            single.provenance,
        )
    ]
    if drug_id.strip().lower() == "morphine":
        first = rules.first_morphine_dose_observation_hours
        guidance.append(
            Guidance(
                f"For morphine, the label asks for at least {first.value} hours in a fully "
                "equipped setting after the first intrathecal dose: the longer period applies.",
                first.provenance,
            )
        )
    return tuple(guidance)


def required_observation_hours(kind: TrialKind, drug_id: str, rules: TrialRules) -> int | None:
    """The longest observation the sources ask for; None for a catheter trial (inpatient)."""
    if kind is TrialKind.CATHETER:
        return None
    hours = rules.single_shot_observation_hours.value
    if drug_id.strip().lower() == "morphine":
        hours = max(hours, rules.first_morphine_dose_observation_hours.value)
    return hours


@dataclass(frozen=True, slots=True)
class TrialJudgement:
    pain_before: int
    pain_after: int
    reduction_percent: Decimal  # rounded to one decimal, for display
    criterion_percent: Decimal
    success: bool
    formula: str
    provenance: Provenance


def judge_trial(pain_before: int, pain_after: int, rules: TrialRules) -> TrialJudgement:
    """Success when the pain fell by at least the clinic's criterion, in percent."""
    for name, score in (("before", pain_before), ("after", pain_after)):
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise TrialNotJudgeable(f"the pain score {name} the trial must be a whole number 0-10")
    if pain_before == 0:
        raise TrialNotJudgeable("a pain score of 0 before the trial leaves nothing to reduce")
    criterion = rules.success_percent.value
    # Compare exactly (fall * 100 >= criterion * before) so 50.0% is never read as 49.99%.
    fall = pain_before - pain_after
    success = Decimal(fall * 100) >= criterion * pain_before
    reduction = round_to(Decimal(fall * 100) / Decimal(pain_before), 1)
    formula = (
        f"({pain_before} - {pain_after}) / {pain_before} x 100 = {format_decimal(reduction)}% "
        f"{'>=' if success else '<'} {format_decimal(criterion)}%"
    )
    return TrialJudgement(
        pain_before,
        pain_after,
        reduction,
        criterion,
        success,
        formula,
        rules.success_percent.provenance,
    )


def trial_dose_findings(drug: Drug, dose: Mass | DoseRate) -> list[Finding]:
    """The trial dose against the drug's daily-dose limits, so a thousandfold slip typed in
    the right unit ("100 mg" for 100 mcg) is caught as well as one in the wrong unit.

    A catheter trial is a daily dose and is checked as one. A single shot puts its whole
    amount into one day, so it is checked as that day's dose: a single injection above
    the daily limit is above it. The findings carry the limits' own enforcement (hard
    blocks, soft needs a written reason); a library without a daily limit says so."""
    if isinstance(dose, Mass):
        as_day = DoseRate.from_fraction(dose.canonical_value, Unit.MCG_PER_DAY)
        findings = daily_dose_findings(drug, as_day)
        return [
            Finding(
                f.code,
                f.severity,
                f.message.replace("daily dose", "single trial dose (its whole day's dose)", 1),
                f.provenance,
                f.drug,
            )
            if f.code == "daily_dose_above_limit"
            else f
            for f in findings
        ]
    return daily_dose_findings(drug, dose)
