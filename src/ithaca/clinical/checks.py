"""Checking a pump program against the drug library, the pump and clinic policy.

The verdict is blocked if any hard limit is crossed, needs_override if any soft limit is
(a written reason and a second person), else ok. Every finding names its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.catalogue import Catalogue, LibraryIdentity
from ithaca.clinical.drugs import Drug, DrugLimit, LimitKind
from ithaca.clinical.findings import Finding, Severity, Verdict, verdict_of
from ithaca.clinical.programs import DrugDailyDose, Program
from ithaca.clinical.pumps import PumpKind
from ithaca.clinical.quantities import (
    Concentration,
    DoseRate,
    FlowRate,
    Mass,
    Quantity,
    format_decimal,
)
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Enforcement

ENFORCEMENT_WORDS = {
    Enforcement.HARD: "hard limit: blocks",
    Enforcement.SOFT: "soft limit: needs a reason and a second person",
    Enforcement.ADVISORY: "advisory",
}


@dataclass(frozen=True, slots=True)
class ProgramCheck:
    program: Program
    per_drug: tuple[DrugDailyDose, ...]
    findings: tuple[Finding, ...]
    verdict: Verdict
    library: LibraryIdentity


def check_program(
    program: Program,
    catalogue: Catalogue,
    current_daily_doses: Mapping[str, DoseRate] | None = None,
    days_since_last_increase: int | None = None,
) -> ProgramCheck:
    """current_daily_doses: each drug's basal daily dose now (absent for a first program)."""
    current = dict(current_daily_doses or {})
    per_drug = program.per_drug()
    findings: list[Finding] = []
    for item in per_drug:
        findings += concentration_findings(item.drug, item.concentration)
        findings += daily_dose_findings(
            item.drug, item.max_daily_dose, with_boluses=program.bolus is not None
        )
        basal = program.basal_daily_dose(item.drug.id)
        findings += titration_findings(
            item.drug, basal, current.get(item.drug.id), days_since_last_increase
        )
        findings += dose_change_findings(item.drug, basal, current.get(item.drug.id), catalogue)
        findings += _pump_label_findings(program, item.drug)
        findings += _contraindication_findings(item.drug)
    findings += _entered_unit_findings(program)
    findings += rate_findings(program)
    findings += _bolus_findings(program)
    return ProgramCheck(
        program, per_drug, tuple(findings), verdict_of(findings), catalogue.identity
    )


def _limit_finding(code: str, drug: Drug, limit: DrugLimit, message: str) -> Finding:
    words = ENFORCEMENT_WORDS[limit.enforcement]
    note = f" {limit.provenance.note}" if limit.provenance.note else ""
    return Finding(
        code=code,
        severity=Severity.for_limit(limit.enforcement),
        message=f"{message} ({words}).{note}",
        provenance=limit.provenance,
        drug=drug.id,
    )


def concentration_findings(drug: Drug, concentration: Concentration) -> list[Finding]:
    shown = concentration.to(drug.concentration_unit)
    findings = [
        _limit_finding(
            "concentration_above_limit",
            drug,
            limit,
            f"{drug.id} concentration {shown} is above {limit.threshold()}",
        )
        for limit in drug.limits_of(LimitKind.MAX_CONCENTRATION)
        if limit.concentration is not None and concentration > limit.concentration
    ]
    if drug.labelled_concentrations and not drug.is_labelled_strength(concentration):
        strengths = ", ".join(str(c) for c in drug.labelled_concentrations)
        findings.append(
            Finding(
                "not_a_labelled_strength",
                Severity.INFO,
                f"{drug.id} {shown} is not a labelled strength ({strengths}): a diluted or compounded product.",
                drug.labelled_provenance,
                drug.id,
            )
        )
    findings += unit_findings(drug, concentration)
    return findings


def daily_dose_findings(
    drug: Drug, daily_dose: DoseRate, *, with_boluses: bool = False
) -> list[Finding]:
    shown = daily_dose.to(drug.dose_rate_unit)
    basis = " (with every allowed bolus)" if with_boluses else ""
    findings = [
        _limit_finding(
            "daily_dose_above_limit",
            drug,
            limit,
            f"{drug.id} daily dose {shown}{basis} is above {limit.threshold()}",
        )
        for limit in drug.limits_of(LimitKind.MAX_DAILY_DOSE)
        if limit.dose is not None and daily_dose > limit.dose
    ]
    if not drug.limits_of(LimitKind.MAX_DAILY_DOSE):
        findings.append(
            Finding(
                "no_daily_dose_limit",
                Severity.WARNING,
                f"The library has no sourced daily dose limit for {drug.id}: the clinic must set one.",
                None,
                drug.id,
            )
        )
    return findings


def _entered_unit_findings(program: Program) -> list[Finding]:
    """The doses as typed: a flow rate no longer knows whether it came from mg or mcg."""
    drug = program.primary.drug
    entered: list[Quantity] = [q for q in (program.prescribed,) if q is not None]
    if program.bolus is not None:
        entered.append(program.bolus.dose)
    return [finding for quantity in entered for finding in unit_findings(drug, quantity)]


def unit_findings(drug: Drug, quantity: Quantity) -> list[Finding]:
    """A dose or strength typed in another mass unit than the drug's is a mg/mcg trap."""
    if isinstance(quantity, Concentration):
        usual = drug.concentration_unit
    elif isinstance(quantity, Mass):
        usual = drug.dose_unit
    else:
        usual = drug.dose_rate_unit
    entered_mass = quantity.unit.symbol.split("/")[0]
    usual_mass = usual.symbol.split("/")[0]
    if entered_mass == usual_mass:
        return []
    return [
        Finding(
            "unusual_unit",
            Severity.WARNING,
            f"{drug.id} is prescribed in {usual_mass}, but {quantity} was entered "
            f"(= {quantity.to(usual)}): check for a mg/mcg mix-up.",
            None,
            drug.id,
        )
    ]


def titration_findings(
    drug: Drug,
    new: DoseRate,
    current: DoseRate | None,
    days_since_last_increase: int | None,
) -> list[Finding]:
    shown = new.to(drug.dose_rate_unit)
    if current is None:
        return [
            _limit_finding(
                "start_dose_above_limit",
                drug,
                limit,
                f"{drug.id} starting dose {shown} is above {limit.threshold()}",
            )
            for limit in drug.limits_of(LimitKind.MAX_START_DOSE)
            if limit.dose is not None and new > limit.dose
        ]
    if new <= current:
        return []
    step = (new - current).to(drug.dose_rate_unit)
    findings = [
        _limit_finding(
            "titration_step_above_limit",
            drug,
            limit,
            f"{drug.id} increase of {step} (from {current.to(drug.dose_rate_unit)} to {shown}) "
            f"is above the step of {limit.threshold()}",
        )
        for limit in drug.limits_of(LimitKind.MAX_TITRATION_STEP)
        if limit.dose is not None and step > limit.dose
    ]
    for limit in drug.limits_of(LimitKind.MIN_DAYS_BETWEEN_INCREASES):
        if limit.days is None:
            continue
        if days_since_last_increase is None:
            findings.append(
                Finding(
                    "increase_interval_not_checked",
                    Severity.INFO,
                    f"Days since the last {drug.id} increase were not given: "
                    f"the rule of at least {limit.days} days between increases was not checked.",
                    limit.provenance,
                    drug.id,
                )
            )
        elif days_since_last_increase < limit.days:
            findings.append(
                _limit_finding(
                    "increase_too_soon",
                    drug,
                    limit,
                    f"{drug.id} was last raised {days_since_last_increase} days ago; "
                    f"increases should be at least {limit.days} days apart",
                )
            )
    return findings


def dose_change_findings(
    drug: Drug, new: DoseRate, current: DoseRate | None, catalogue: Catalogue
) -> list[Finding]:
    """The ten-fold error guard: a change by the policy's ratio or more, up or down."""
    if current is None or not current.is_positive():
        return []
    guard = catalogue.policy.max_dose_change_ratio
    ratio = new.ratio_to(current)
    if guard.value > ratio > 1 / guard.value:
        return []
    direction = "rise" if ratio > 1 else "fall"
    severity = Severity.for_limit(catalogue.policy.max_dose_change_enforcement)
    return [
        Finding(
            "dose_change_beyond_guard",
            severity,
            f"{drug.id} daily dose would {direction} from {current.to(drug.dose_rate_unit)} to "
            f"{new.to(drug.dose_rate_unit)} (× {format_decimal(ratio.quantize(Decimal('0.01')))}); "
            f"the guard is × {format_decimal(guard.value)}: check for a decimal-point error. "
            f"{guard.provenance.note}",
            guard.provenance,
            drug.id,
        )
    ]


def _pump_rate_severity(limit: Sourced[FlowRate]) -> tuple[Severity, str]:
    """A pump rate limit blocks, unless it rests on an unconfirmed value nobody verified."""
    if limit.provenance.unconfirmed_and_unverified:
        return (
            Severity.SOFT,
            "soft limit: an unconfirmed [U] value that no one at the clinic has verified; "
            "needs a reason and a second person",
        )
    return Severity.HARD, "hard limit: blocks"


def rate_findings(program: Program) -> list[Finding]:
    pump = program.pump
    findings: list[Finding] = []
    for step in program.steps:
        label = "the rate" if len(program.steps) == 1 else f"the step from {step.start_text}"
        if isinstance(pump.min_rate, Sourced) and step.flow < pump.min_rate.value:
            severity, words = _pump_rate_severity(pump.min_rate)
            findings.append(
                Finding(
                    "rate_below_pump_minimum",
                    severity,
                    f"{label} of {step.flow.rounded(4)} is below the {pump.name} minimum of "
                    f"{pump.min_rate.value}: the pump cannot deliver it ({words}). "
                    "Use a weaker concentration.",
                    pump.min_rate.provenance,
                )
            )
        if isinstance(pump.max_rate, Sourced) and step.flow > pump.max_rate.value:
            severity, words = _pump_rate_severity(pump.max_rate)
            findings.append(
                Finding(
                    "rate_above_pump_maximum",
                    severity,
                    f"{label} of {step.flow.rounded(4)} is above the {pump.name} maximum of "
                    f"{pump.max_rate.value} ({words}).",
                    pump.max_rate.provenance,
                )
            )
    for bound, known in (("minimum", pump.min_rate), ("maximum", pump.max_rate)):
        if not isinstance(known, Sourced):
            findings.append(
                Finding(
                    f"pump_{bound}_rate_unknown",
                    Severity.INFO,
                    f"The catalogue does not know the {pump.name} {bound} rate ({known.note}); "
                    "it was not checked.",
                )
            )
    if pump.kind is PumpKind.CONSTANT_FLOW:
        findings.append(
            Finding(
                "constant_flow_pump",
                Severity.INFO,
                "A constant-flow pump runs at its fixed rate: the dose changes only by changing "
                "the concentration at refill.",
            )
        )
    return findings


def _pump_label_findings(program: Program, drug: Drug) -> list[Finding]:
    pump = program.pump
    if not pump.labelled_drugs or drug.id in pump.labelled_drugs:
        return []
    return [
        Finding(
            "off_label_in_pump",
            Severity.WARNING,
            f"{drug.id} is not labelled for the {pump.name} (labelled: {', '.join(pump.labelled_drugs)}).",
            pump.labelled_provenance,
            drug.id,
        )
    ]


def _contraindication_findings(drug: Drug) -> list[Finding]:
    return [
        Finding(
            "contraindication_to_confirm",
            Severity.WARNING,
            f"{drug.id} is contraindicated with: {c.text}. Confirm the patient has none.",
            c.provenance,
            drug.id,
        )
        for c in drug.contraindications
    ]


def _bolus_findings(program: Program) -> list[Finding]:
    bolus = program.bolus
    if bolus is None:
        return []
    findings: list[Finding] = []
    if bolus.max_by_lockout < bolus.max_per_day:
        findings.append(
            Finding(
                "bolus_lockout_limits_count",
                Severity.INFO,
                f"A {bolus.lockout_minutes}-minute lockout allows at most {bolus.max_by_lockout} "
                f"boluses a day, fewer than the {bolus.max_per_day} set; doses assume {bolus.max_by_lockout}.",
            )
        )
    device = program.pump.patient_bolus
    if not device.limits_known:
        detail = f" ({device.limits})" if device.limits else ""
        findings.append(
            Finding(
                "bolus_device_limits_unknown",
                Severity.INFO,
                f"The {device.device or 'bolus device'} limits are not in the catalogue{detail}; "
                "check the settings against its manual.",
                device.provenance,
            )
        )
    return findings
