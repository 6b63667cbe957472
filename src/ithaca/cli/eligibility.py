"""`ithaca check eligibility`: the eligibility assessment for intrathecal drug delivery,
and the eligibility rules as `library show` lists them.

Every option is optional: an option left out is "not recorded", which the core turns into
a caution asking for it, never a silent pass. yes/no/unknown answers are read strictly.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from ithaca.cli import holds as holds_cli
from ithaca.cli import render
from ithaca.cli.values import UsageError, named
from ithaca.clinical.anticoagulation import CONVENTION_TEXT, count_of
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.eligibility import (
    COUNT_UNIT,
    Assessment,
    CountThreshold,
    EligibilityInputs,
    EligibilityRules,
    Outcome,
    assess,
)
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.parsing import parse_number
from ithaca.clinical.sourced import Sourced

Output = tuple[dict[str, Any], list[str], int]
EXIT_FAIL = 1
NONE = "none"

# yes/no/unknown options and what they ask; each maps to the EligibilityInputs field of
# the same name, except --epidural-disease (epidural_disease_at_catheter_level)
YES_NO_OPTIONS = {
    "--active-infection": "an active infection now",
    "--csf-flow-obstruction": "CSF flow obstruction on imaging",
    "--epidural-disease": "epidural disease at the planned catheter level on imaging",
    "--psychosis-history": "a history of psychosis",
    "--can-attend-refills": "the patient can attend refills",
    "--has-transport": "the patient has transport to refills",
    "--caregiver-available": "a caregiver is available",
    "--can-respond-to-alarms": "the patient can respond to alarms",
}
YES_NO = {"yes": True, "no": False, "unknown": None}

OUTCOME_LABEL = {Outcome.PASS: "PASS", Outcome.CAUTION: "CAUTION", Outcome.FAIL: "FAIL"}


def add_eligibility_command(commands: Any) -> None:
    cmd = commands.add_parser(
        "eligibility",
        help="assess eligibility for intrathecal drug delivery: every finding with its source",
    )
    cmd.add_argument(
        "--life-expectancy-months", metavar="N", help="expected survival, whole months"
    )
    cmd.add_argument(
        "--anticoagulant",
        action="append",
        metavar="ID",
        help="a hold-table id (see `ithaca calc holds --list`); repeat per drug; "
        "'none' records that none is taken",
    )
    cmd.add_argument(
        "--procedure",
        metavar="YYYY-MM-DDTHH:MM",
        help="planned implant start, local time (a date alone only if no hold is in hours)",
    )
    cmd.add_argument("--platelets", metavar="COUNT", help=f"platelet count, ×{COUNT_UNIT}")
    cmd.add_argument("--neutrophils", metavar="COUNT", help=f"neutrophil count, ×{COUNT_UNIT}")
    cmd.add_argument(
        "--imaging-reviewed", action="store_true", help="spine imaging has been reviewed"
    )
    cmd.add_argument(
        "--planned-drug",
        action="append",
        metavar="ID",
        help="a planned intrathecal drug (library id); repeat per drug; 'none' records that none is planned",
    )
    cmd.add_argument("--travel-minutes", metavar="N", help="travel time to the refill clinic")
    for option, words in YES_NO_OPTIONS.items():
        cmd.add_argument(option, metavar="yes|no|unknown", help=f"{words}: yes, no or unknown")
    cmd.set_defaults(run=run_eligibility)


# --- reading the options ---


def yes_no(text: str | None, option: str) -> bool | None:
    if text is None:
        return None
    key = text.strip().lower()
    if key not in YES_NO:
        raise UsageError(option, f"'{text}' is not an answer; use yes, no or unknown")
    return YES_NO[key]


def _number(text: str, option: str) -> Decimal:
    if text.strip().startswith("-"):
        raise UsageError(option, f"'{text}' cannot be negative")
    try:
        return parse_number(text, "value")
    except ClinicalError as exc:
        raise named(option, exc) from None


def whole(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    value = _number(text, option)
    if value != value.to_integral_value():
        raise UsageError(option, f"'{text}' must be a whole number")
    return int(value)


def count(text: str | None, option: str) -> Decimal | None:
    return None if text is None else _number(text, option)


def ids(texts: list[str] | None, option: str) -> list[str] | None:
    """None when the option is left out; [] for 'none' (recorded as none taken)."""
    if texts is None:
        return None
    cleaned = [t.strip().lower() for t in texts]
    if NONE in cleaned:
        if len(cleaned) > 1:
            raise UsageError(option, "'none' cannot be given with drugs")
        return []
    return cleaned


def build_inputs(ns: argparse.Namespace, catalogue: Catalogue) -> tuple[EligibilityInputs, bool]:
    """The inputs and whether the start has a time of day."""
    anticoagulants = ids(ns.anticoagulant, "--anticoagulant")
    rules = (
        holds_cli.hold_rules_for(anticoagulants, catalogue.eligibility.holds, "--anticoagulant")
        if anticoagulants
        else []
    )
    start, has_time = None, True
    if ns.procedure is not None:
        start, has_time = holds_cli.procedure_start(ns.procedure)
        holds_cli.require_time_for_hour_holds(rules, has_time, "--procedure")
    planned = ids(ns.planned_drug, "--planned-drug")
    for drug_id in planned or []:
        try:
            catalogue.drug(drug_id)
        except ClinicalError as exc:
            raise named("--planned-drug", exc) from None

    def answer(option: str) -> bool | None:
        return yes_no(getattr(ns, option[2:].replace("-", "_")), option)

    inputs = EligibilityInputs(
        life_expectancy_months=whole(ns.life_expectancy_months, "--life-expectancy-months"),
        active_infection=answer("--active-infection"),
        anticoagulants=None if anticoagulants is None else tuple(r.id for r in rules),
        planned_implant_start=start,
        platelets=count(ns.platelets, "--platelets"),
        neutrophils=count(ns.neutrophils, "--neutrophils"),
        csf_flow_obstruction=answer("--csf-flow-obstruction"),
        epidural_disease_at_catheter_level=answer("--epidural-disease"),
        imaging_reviewed=ns.imaging_reviewed,
        planned_drugs=None if planned is None else tuple(planned),
        psychosis_history=answer("--psychosis-history"),
        can_attend_refills=answer("--can-attend-refills"),
        travel_minutes=whole(ns.travel_minutes, "--travel-minutes"),
        has_transport=answer("--has-transport"),
        caregiver_available=answer("--caregiver-available"),
        can_respond_to_alarms=answer("--can-respond-to-alarms"),
    )
    return inputs, has_time


# --- the command ---


def run_eligibility(ns: argparse.Namespace, catalogue: Catalogue) -> Output:
    inputs, has_time = build_inputs(ns, catalogue)
    result = assess(inputs, catalogue.eligibility, on=holds_cli.clinic_today())
    start = inputs.planned_implant_start
    about = render.about(catalogue.identity)
    doc: dict[str, Any] = {"check": "eligibility", **result.to_dict()}
    if start is not None:
        # a date alone is not a midnight start: show what was given
        doc["inputs"]["planned_implant_start"] = holds_cli.iso_start(start, has_time)
    doc["library_signoff"] = about.pop("signoff")
    doc.update(about)
    code = EXIT_FAIL if result.outcome is Outcome.FAIL else 0
    return doc, assessment_lines(result, has_time) + render.footer(catalogue.identity), code


def assessment_lines(result: Assessment, has_time: bool) -> list[str]:
    start = result.inputs.planned_implant_start
    system = result.suggested_system
    lines = [
        f"Eligibility for intrathecal drug delivery: {OUTCOME_LABEL[result.outcome]}",
        "Suggested system: "
        + (system.words if system else "none yet (record the expected survival)"),
        "Planned implant start: "
        + (holds_cli.when(start, has_time) + " (local time)" if start else "not recorded"),
        "",
        "Findings:",
    ]
    for finding in result.findings:
        lines.append(f"  [{OUTCOME_LABEL[finding.outcome]}] {finding.rule}: {finding.reason}")
        source = (
            finding.provenance.describe() if finding.provenance else "none: no clinic value is set"
        )
        lines.append(f"      source: {source}")
    lines += ["", "Before the implant:"]
    lines += [
        f"  {action.due.isoformat() if action.due else 'no date   '}  {action.text}"
        for action in result.before_implant
    ] or ["  nothing listed"]
    if result.outcome is Outcome.FAIL:
        lines += ["", "FAIL: a finding rules the implant out as things stand; see the findings."]
    elif result.outcome is Outcome.CAUTION:
        lines += ["", "CAUTION: review each caution with the team before deciding."]
    lines += ["", f"Rules: {result.rules_name} {result.rules_version}. {result.signoff}"]
    return lines


# --- the eligibility rules, as `library show` lists them ---


def _threshold_json(threshold: CountThreshold) -> dict[str, Any]:
    limit = threshold.limit
    if not isinstance(limit, Sourced):
        return {"known": False, "note": limit.note, "comment": threshold.note or None}
    return {
        "known": True,
        "value": render.number(limit.value),
        "unit": COUNT_UNIT,
        "enforcement": threshold.enforcement.value,
        "source": render.provenance_json(limit.provenance),
        "comment": threshold.note or None,
    }


def _threshold_text(threshold: CountThreshold) -> str:
    limit = threshold.limit
    if not isinstance(limit, Sourced):
        return f"  {threshold.what}: not set: {limit.note}"
    return (
        f"  {threshold.what}: at least {render.number(limit.value)} ×{COUNT_UNIT} "
        f"[{threshold.enforcement.value}] {limit.provenance.describe()}"
    )


def _months_json(value: Sourced[int]) -> dict[str, Any]:
    return {"value": value.value, "source": render.provenance_json(value.provenance)}


def rules_json(rules: EligibilityRules) -> dict[str, Any]:
    life = rules.life_expectancy
    holds = rules.holds
    bases = {
        "active_infection": rules.active_infection,
        "ziconotide_psychosis": rules.ziconotide_psychosis,
        "imaging_review": rules.imaging_review,
        "csf_flow_obstruction": rules.csf_flow_obstruction,
        "epidural_disease": rules.epidural_disease,
        "refill_and_alarm_access": rules.refill_and_alarm_access,
    }
    return {
        "name": rules.name,
        "version": rules.version,
        "signoff": rules.signoff,
        "life_expectancy_months": {
            "implanted_above": _months_json(life.implanted_above),
            "external_tunnelled_below": _months_json(life.external_below),
            "temporary_percutaneous_below": _months_json(life.temporary_below),
        },
        "platelets": _threshold_json(rules.platelets),
        "neutrophils": _threshold_json(rules.neutrophils),
        "bases": {key: render.provenance_json(p) for key, p in bases.items()},
        "procedure_risk": {
            "value": holds.procedure_risk.value,
            "source": render.provenance_json(holds.procedure_risk.provenance),
        },
        "hold_convention": {
            "text": CONVENTION_TEXT,
            "source": render.provenance_json(holds.convention),
        },
        "holds": {rule.id: holds_cli.rule_json(rule) for rule in holds.drugs.values()},
    }


def rules_text(rules: EligibilityRules) -> list[str]:
    life = rules.life_expectancy
    implanted, external, temporary = (
        life.implanted_above,
        life.external_below,
        life.temporary_below,
    )
    return [
        f"Eligibility rules: {rules.describe()}",
        "  life expectancy (whole months; on a boundary, the external system with a caution):",
        f"    implanted pump above {implanted.value} months {implanted.provenance.describe()}",
        f"    external tunnelled system below {external.value} months {external.provenance.describe()}",
        f"    temporary percutaneous catheter below {count_of(temporary.value, 'months')} "
        f"{temporary.provenance.describe()}",
        _threshold_text(rules.platelets),
        _threshold_text(rules.neutrophils),
        f"  active infection: {rules.active_infection.describe()}",
        f"  ziconotide with psychosis: {rules.ziconotide_psychosis.describe()}",
        f"  imaging review: {rules.imaging_review.describe()}",
        f"  CSF flow obstruction: a review, never a refusal "
        f"{rules.csf_flow_obstruction.describe()}",
        f"  epidural disease at the catheter level: a review, never a refusal "
        f"{rules.epidural_disease.describe()}",
        f"  refills and alarms: {rules.refill_and_alarm_access.describe()}",
        f"  sign-off: {rules.signoff}",
        "",
        f"Anticoagulant and antiplatelet holds ({len(rules.hold_rules)} drugs; "
        "`ithaca calc holds --list` for the notes):",
        *["  " + line for line in holds_cli.header_lines(rules.holds)],
        *["  " + line for line in holds_cli.table_lines(rules.holds)],
    ]
