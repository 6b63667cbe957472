"""Eligibility for intrathecal drug delivery: small pure rules and the assessment they make.

Each rule reads the inputs and returns one finding: pass, caution or fail, with its reason
and what it rests on. Every rule is evaluated, even after a failure, so the team sees all
that must be done. An input that was not recorded (None) is never a silent pass: it is a
caution asking for it. The rules and their numbers come from eligibility.toml, which needs
local clinical sign-off; no number is written in this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from ithaca.clinical.anticoagulation import HoldRule, HoldRules, plan_hold

# The inputs and the rule set live in their own modules; they are named here too, since
# callers know the assessment by this module's name.
from ithaca.clinical.eligibility_inputs import EligibilityInputs as EligibilityInputs
from ithaca.clinical.eligibility_rules import COUNT_UNIT as COUNT_UNIT
from ithaca.clinical.eligibility_rules import CountThreshold as CountThreshold
from ithaca.clinical.eligibility_rules import EligibilityRules as EligibilityRules
from ithaca.clinical.eligibility_rules import LifeExpectancyRules as LifeExpectancyRules
from ithaca.clinical.eligibility_rules import read_eligibility_rules as read_eligibility_rules
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Enforcement, Provenance, Unknown

ZICONOTIDE = "ziconotide"


class Outcome(Enum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    CAUTION = "caution"
    FAIL = "fail"


class SuggestedSystem(Enum):
    IMPLANTED = "implanted"
    EXTERNAL_TUNNELLED = "external_tunnelled"
    TEMPORARY_PERCUTANEOUS = "temporary_percutaneous"

    @property
    def words(self) -> str:
        return {
            "implanted": "a fully implanted pump",
            "external_tunnelled": "an external pump with a tunnelled catheter",
            "temporary_percutaneous": "a temporary percutaneous catheter",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Action:
    """Something to do before the implant, with the date it is due by when one is known."""

    text: str
    due: date | None = None

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "due": self.due.isoformat() if self.due else None}


@dataclass(frozen=True, slots=True)
class RuleFinding:
    rule: str
    outcome: Outcome
    reason: str
    provenance: Provenance | None = None
    actions: tuple[Action, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "provenance": provenance_dict(self.provenance),
            "actions": [action.to_dict() for action in self.actions],
        }


def provenance_dict(provenance: Provenance | None) -> dict[str, object] | None:
    if provenance is None:
        return None
    return {
        "source": provenance.source.id,
        "citation": provenance.source.short(),
        "confidence": provenance.confidence.value,
        "note": provenance.note,
        "verified_by": provenance.verified_by,
        "verified_on": provenance.verified_on,
    }


def not_recorded(what: str, also: str = "") -> str:
    return f"not recorded: record {what} before deciding{also}"


def life_expectancy_rule(
    months: int | None, rules: LifeExpectancyRules
) -> tuple[RuleFinding, SuggestedSystem | None]:
    """The suggested system; exactly on a boundary, the external system, with a caution."""
    rule = "life-expectancy"
    implanted, external, temporary = (
        rules.implanted_above,
        rules.external_below,
        rules.temporary_below,
    )
    if months is None:
        reason = not_recorded(
            "the expected survival in months",
            ": it chooses between an implanted pump, an external system and a temporary catheter",
        )
        return RuleFinding(rule, Outcome.CAUTION, reason, implanted.provenance), None
    said = f"expected survival {months} months"
    if months > implanted.value:
        system = SuggestedSystem.IMPLANTED
        reason = f"{said} is more than {implanted.value}: {system.words}"
        return RuleFinding(rule, Outcome.PASS, reason, implanted.provenance), system
    system = SuggestedSystem.EXTERNAL_TUNNELLED
    if months >= external.value:
        reason = (
            f"{said} is on the boundary (an implanted pump above {implanted.value} months, "
            f"an external system below {external.value}): ithaca suggests {system.words}; "
            "decide with the team"
        )
        return RuleFinding(rule, Outcome.CAUTION, reason, external.provenance), system
    if months > temporary.value:
        reason = f"{said} is less than {external.value}: {system.words}"
        return RuleFinding(rule, Outcome.PASS, reason, external.provenance), system
    if months == temporary.value:
        reason = (
            f"{said} is on the boundary (a temporary catheter below {temporary.value} month(s)): "
            f"ithaca suggests {system.words}; decide with the team"
        )
        return RuleFinding(rule, Outcome.CAUTION, reason, temporary.provenance), system
    system = SuggestedSystem.TEMPORARY_PERCUTANEOUS
    reason = f"{said} is less than {temporary.value}: {system.words}"
    return RuleFinding(rule, Outcome.PASS, reason, temporary.provenance), system


def active_infection_rule(infection: bool | None, basis: Provenance) -> RuleFinding:
    rule = "active-infection"
    if infection is None:
        return RuleFinding(
            rule, Outcome.CAUTION, not_recorded("whether there is an active infection"), basis
        )
    if infection:
        reason = "active infection is a device contraindication: treat the infection first"
        action = Action("Treat the active infection before the implant")
        return RuleFinding(rule, Outcome.FAIL, reason, basis, (action,))
    return RuleFinding(rule, Outcome.PASS, "no active infection", basis)


def anticoagulant_rules(
    drug_ids: tuple[str, ...] | None, start: datetime | None, holds: HoldRules
) -> tuple[RuleFinding, ...]:
    """One finding per drug: its hold, with dates when the implant start is set."""
    basis = holds.procedure_risk.provenance
    if drug_ids is None:
        reason = not_recorded("the anticoagulants and antiplatelets taken (or none)")
        return (RuleFinding("anticoagulants", Outcome.CAUTION, reason, basis),)
    if not drug_ids:
        reason = "no anticoagulant, antiplatelet or NSAID is taken"
        return (RuleFinding("anticoagulants", Outcome.PASS, reason, basis),)
    return tuple(hold_finding(holds.rule(drug_id), start) for drug_id in drug_ids)


def hold_finding(rule: HoldRule, start: datetime | None) -> RuleFinding:
    """Always a caution: a hold is something to do, and a U hold is only advice."""
    plan = plan_hold(rule, start)
    action = Action(plan.action(), plan.due)
    return RuleFinding(
        f"anticoagulant-hold:{rule.id}", Outcome.CAUTION, plan.explain(), rule.provenance, (action,)
    )


def count_rule(rule: str, count: Decimal | None, threshold: CountThreshold) -> RuleFinding:
    """A blood count against the clinic's threshold; with none set, the count is reviewed."""
    limit = threshold.limit
    provenance = limit.provenance if isinstance(limit, Sourced) else None
    if count is None:
        return RuleFinding(rule, Outcome.CAUTION, not_recorded(f"the {threshold.what}"), provenance)
    said = f"{threshold.what} {count} ×{COUNT_UNIT}"
    if isinstance(limit, Unknown):
        reason = f"{said}: caution: no clinic threshold set; review the count. {limit.note} {threshold.note}"
        action = Action(
            f"Review the {threshold.what} ({count} ×{COUNT_UNIT}) with the implanting team"
        )
        return RuleFinding(rule, Outcome.CAUTION, reason.rstrip(), None, (action,))
    if count >= limit.value:
        reason = f"{said} is at or above the clinic threshold of {limit.value} ×{COUNT_UNIT}"
        return RuleFinding(rule, Outcome.PASS, reason, provenance)
    outcome = Outcome.FAIL if threshold.enforcement is Enforcement.HARD else Outcome.CAUTION
    reason = f"{said} is below the clinic threshold of {limit.value} ×{COUNT_UNIT}: review before the implant"
    action = Action(f"Review the {threshold.what} ({count} ×{COUNT_UNIT}) before the implant")
    return RuleFinding(rule, outcome, reason, provenance, (action,))


def imaging_review_rule(reviewed: bool, basis: Provenance) -> RuleFinding:
    rule = "imaging-review"
    if reviewed:
        return RuleFinding(rule, Outcome.PASS, "spine imaging has been reviewed", basis)
    reason = "spine imaging has not been reviewed: review it before deciding"
    return RuleFinding(rule, Outcome.CAUTION, reason, basis, (Action("Review the spine imaging"),))


def imaging_finding_rule(
    rule: str, what: str, present: bool | None, basis: Provenance
) -> RuleFinding:
    """CSF flow obstruction or epidural disease: a review, never a refusal (no source grades them)."""
    process = " (an ithaca process rule, not a guideline)"
    if present is None:
        return RuleFinding(
            rule, Outcome.CAUTION, not_recorded(f"whether imaging shows {what}"), basis
        )
    if not present:
        return RuleFinding(rule, Outcome.PASS, f"no {what} on imaging", basis)
    reason = (
        f"{what} on imaging: review with the implanting team: "
        f"the catheter level or route may need changing{process}"
    )
    action = Action(f"Review the {what} with the implanting team (catheter level or route)")
    return RuleFinding(rule, Outcome.CAUTION, reason, basis, (action,))


def ziconotide_psychosis_rule(
    planned: tuple[str, ...] | None, psychosis: bool | None, basis: Provenance
) -> RuleFinding:
    rule = "ziconotide-psychosis"
    if planned is None:
        reason = not_recorded(
            "the planned intrathecal drugs", " (ziconotide is contraindicated with psychosis)"
        )
        return RuleFinding(rule, Outcome.CAUTION, reason, basis)
    if ZICONOTIDE not in planned:
        return RuleFinding(rule, Outcome.PASS, "ziconotide is not planned", basis)
    if psychosis is None:
        reason = not_recorded("whether there is a history of psychosis", ": ziconotide is planned")
        return RuleFinding(rule, Outcome.CAUTION, reason, basis)
    if psychosis:
        reason = "ziconotide is contraindicated with a history of psychosis: plan another drug"
        action = Action("Plan an intrathecal drug other than ziconotide")
        return RuleFinding(rule, Outcome.FAIL, reason, basis, (action,))
    return RuleFinding(rule, Outcome.PASS, "ziconotide is planned; no history of psychosis", basis)


def refill_access_rule(inputs: EligibilityInputs, basis: Provenance) -> RuleFinding:
    """Refill attendance and transport; the travel time is shown, never thresholded."""
    problems: list[str] = []
    actions: list[Action] = []
    if inputs.can_attend_refills is None:
        problems.append(not_recorded("whether the patient can attend refills"))
    elif not inputs.can_attend_refills:
        problems.append("the patient cannot attend refills")
        actions.append(
            Action("Arrange how refills will happen (transport, a nearer clinic or home visits)")
        )
    if inputs.has_transport is None:
        problems.append(not_recorded("whether the patient has transport to refills"))
    elif not inputs.has_transport:
        problems.append("no transport to refills")
        actions.append(Action("Arrange transport to refill appointments"))
    if inputs.travel_minutes is None:
        problems.append(not_recorded("the travel time to the refill clinic"))
    travel = (
        f"travel time {inputs.travel_minutes} minutes (shown; the reference gives no limit)"
        if inputs.travel_minutes is not None
        else ""
    )
    if problems:
        reason = "; ".join([*problems, travel] if travel else problems)
        return RuleFinding("refill-access", Outcome.CAUTION, reason, basis, tuple(actions))
    reason = "the patient can attend refills and has transport; " + travel
    return RuleFinding("refill-access", Outcome.PASS, reason, basis)


def alarm_response_rule(
    can_respond: bool | None, caregiver: bool | None, basis: Provenance
) -> RuleFinding:
    rule = "alarm-response"
    if can_respond is None:
        reason = not_recorded("whether the patient can respond to pump alarms")
        return RuleFinding(rule, Outcome.CAUTION, reason, basis)
    if can_respond:
        return RuleFinding(rule, Outcome.PASS, "the patient can respond to pump alarms", basis)
    teach = "the drug, withdrawal signs and alarm sounds"
    if caregiver is None:
        reason = not_recorded(
            "whether a caregiver is available", ": the patient cannot respond to alarms"
        )
        return RuleFinding(rule, Outcome.CAUTION, reason, basis)
    if caregiver:
        reason = (
            f"the patient cannot respond to alarms; a caregiver is available and must know {teach}"
        )
        action = Action(f"Teach the caregiver {teach}")
        return RuleFinding(rule, Outcome.PASS, reason, basis, (action,))
    reason = (
        f"the patient cannot respond to alarms and has no caregiver: arrange one who knows {teach}"
    )
    action = Action(f"Arrange a caregiver who knows {teach}")
    return RuleFinding(rule, Outcome.CAUTION, reason, basis, (action,))


# --- the assessment ---


@dataclass(frozen=True, slots=True)
class Assessment:
    inputs: EligibilityInputs
    findings: tuple[RuleFinding, ...]
    outcome: Outcome
    suggested_system: SuggestedSystem | None
    before_implant: tuple[Action, ...]
    rules_name: str
    rules_version: str
    signoff: str

    def finding(self, rule: str) -> RuleFinding:
        for finding in self.findings:
            if finding.rule == rule:
                return finding
        raise KeyError(rule)

    def to_dict(self) -> dict[str, object]:
        return {
            "rules": {"name": self.rules_name, "version": self.rules_version},
            "signoff": self.signoff,
            "outcome": self.outcome.value,
            "suggested_system": self.suggested_system.value if self.suggested_system else None,
            "findings": [finding.to_dict() for finding in self.findings],
            "before_implant": [action.to_dict() for action in self.before_implant],
            "inputs": self.inputs.to_dict(),
        }


def assess(
    inputs: EligibilityInputs, rules: EligibilityRules, on: date | None = None
) -> Assessment:
    """Evaluate every rule (never stopping at a failure) and combine the findings.

    `on` is the clinic's today, passed in by the caller (the core has no clock): with it,
    a planned implant already past, or a last-dose day already gone, is a caution."""
    life, system = life_expectancy_rule(inputs.life_expectancy_months, rules.life_expectancy)
    findings = (
        life,
        active_infection_rule(inputs.active_infection, rules.active_infection),
        *anticoagulant_rules(inputs.anticoagulants, inputs.planned_implant_start, rules.holds),
        count_rule("platelets", inputs.platelets, rules.platelets),
        count_rule("neutrophils", inputs.neutrophils, rules.neutrophils),
        imaging_review_rule(inputs.imaging_reviewed, rules.imaging_review),
        imaging_finding_rule(
            "csf-flow-obstruction",
            "CSF flow obstruction",
            inputs.csf_flow_obstruction,
            rules.csf_flow_obstruction,
        ),
        imaging_finding_rule(
            "epidural-disease",
            "epidural disease at the catheter level",
            inputs.epidural_disease_at_catheter_level,
            rules.epidural_disease,
        ),
        ziconotide_psychosis_rule(
            inputs.planned_drugs, inputs.psychosis_history, rules.ziconotide_psychosis
        ),
        refill_access_rule(inputs, rules.refill_and_alarm_access),
        alarm_response_rule(
            inputs.can_respond_to_alarms, inputs.caregiver_available, rules.refill_and_alarm_access
        ),
    )
    if on is not None:
        findings = (*findings, *timing_rule(findings, inputs.planned_implant_start, on, rules))
    return Assessment(
        inputs=inputs,
        findings=findings,
        outcome=overall(findings),
        suggested_system=system,
        before_implant=ordered_actions(findings),
        rules_name=rules.name,
        rules_version=rules.version,
        signoff=rules.signoff,
    )


def timing_rule(
    findings: Iterable[RuleFinding], start: datetime | None, on: date, rules: EligibilityRules
) -> tuple[RuleFinding, ...]:
    """A caution when the plan cannot be kept as dated: the implant or a last dose is past."""
    late = [
        action
        for finding in findings
        for action in finding.actions
        if action.due is not None and action.due < on
    ]
    if start is not None and start.date() < on:
        reason = (
            f"the planned implant start {start:%Y-%m-%d} is before today ({on.isoformat()}): "
            "record the new date"
        )
    elif late:
        reason = (
            "a last-dose day has already passed ("
            + "; ".join(f"{a.text}" for a in late)
            + f"; today is {on.isoformat()}): the holds cannot be kept for this date; "
            "re-plan the implant date"
        )
    else:
        return ()
    return (RuleFinding("timing", Outcome.CAUTION, reason, rules.holds.convention),)


def overall(findings: Iterable[RuleFinding]) -> Outcome:
    outcomes = {finding.outcome for finding in findings}
    if Outcome.FAIL in outcomes:
        return Outcome.FAIL
    if Outcome.CAUTION in outcomes:
        return Outcome.CAUTION
    return Outcome.PASS


def ordered_actions(findings: Iterable[RuleFinding]) -> tuple[Action, ...]:
    """Dated actions first, earliest first; then the undated ones in rule order."""
    actions = [action for finding in findings for action in finding.actions]
    dated = sorted((a for a in actions if a.due is not None), key=_due)
    return (*dated, *(a for a in actions if a.due is None))


def _due(action: Action) -> date:
    return action.due or date.min
