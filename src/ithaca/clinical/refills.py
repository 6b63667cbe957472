"""Refills: the expected residual, reconciling what was withdrawn, and the next due date.

expected residual = last fill − (daily volume × days) − bolus volume, floored at zero
(a pump cannot hold less than nothing; reaching zero means it ran dry).
The next refill is due on the earliest of: the low-reservoir alarm, the empty date, the
drug's stability limit and the clinic's maximum interval; that one is named.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from ithaca.clinical.catalogue import Catalogue, LibraryIdentity
from ithaca.clinical.drugs import FillKind, StabilityRule
from ithaca.clinical.errors import (
    DatesOutOfOrder,
    QuantityOutOfRange,
    RefillExceedsReservoir,
    ReservoirSizeUnknown,
)
from ithaca.clinical.findings import Finding, Severity
from ithaca.clinical.policy import BolusScenario, ClinicPolicy
from ithaca.clinical.programs import Program
from ithaca.clinical.pumps import PumpKind, PumpModel
from ithaca.clinical.quantities import (
    FlowRate,
    Unit,
    Volume,
    days_to_move,
    format_decimal,
    round_to,
    to_decimal,
    volume_moved,
)
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance, Unknown
from ithaca.clinical.trajectory import MAX_PLAUSIBLE_DAYS


@dataclass(frozen=True, slots=True)
class ExpectedResidual:
    volume: Volume
    delivered: Volume
    days: int
    daily_volume: FlowRate
    scenario: BolusScenario
    ran_dry: bool
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reconciliation:
    expected: Volume
    measured: Volume
    discrepancy: Volume  # expected − measured: positive means less was left than expected
    percent: Decimal | None  # of the expected volume; None when nothing was expected
    flagged: bool
    reasons: tuple[str, ...]
    threshold_percent: Sourced[Decimal]
    threshold_volume: Sourced[Volume] | None


@dataclass(frozen=True, slots=True)
class DueCandidate:
    factor: str  # low_reservoir_alarm | empty | stability | clinic_max_interval
    on: date
    reason: str
    provenance: Provenance | None


@dataclass(frozen=True, slots=True)
class RefillPlan:
    fill_volume: Volume
    filled_on: date
    daily_volume: FlowRate
    scenario: BolusScenario
    empty_date: date
    low_reservoir_alarm_date: date | None
    stability_limit_date: date | None
    clinic_max_interval_date: date | None
    next_refill_due: date
    limiting_factor: str
    candidates: tuple[DueCandidate, ...]
    findings: tuple[Finding, ...]
    steps: tuple[str, ...]
    library: LibraryIdentity


def whole_days_after(start: date, days: Fraction) -> date:
    """The calendar date on which a fractional number of days after `start` falls."""
    return start + timedelta(days=math.floor(days))


# Order matters only for ties: the alarm is named before the empty date it precedes.
_TIE_ORDER = {"low_reservoir_alarm": 0, "stability": 1, "clinic_max_interval": 2, "empty": 3}


def earliest_due(candidates: Iterable[DueCandidate]) -> DueCandidate:
    """The next refill due: the earliest candidate date, named as the limiting factor."""
    return min(candidates, key=lambda c: (c.on, _TIE_ORDER[c.factor]))


def expected_residual(
    program: Program,
    last_fill: Volume,
    filled_on: date,
    on: date,
    scenario: BolusScenario,
    typical_boluses_per_day: Decimal | None = None,
) -> ExpectedResidual:
    if on < filled_on:
        raise DatesOutOfOrder(str(filled_on), str(on), "the refill cannot be before the last fill")
    days = (on - filled_on).days
    daily = program.daily_volume(scenario, typical_boluses_per_day)
    delivered = volume_moved(daily, days)
    remaining = last_fill - delivered
    ran_dry = remaining.magnitude <= 0
    volume = remaining if not ran_dry else Volume(Decimal(0), Unit.ML)
    basis = f" ({scenario.words})" if program.bolus else ""
    steps = (
        f"daily volume{basis} = {daily.rounded(4)}",
        f"delivered over {days} days = {daily.rounded(4)} × {days} = {delivered.rounded(3)}",
        f"expected residual = {last_fill} − {delivered.rounded(3)} = {volume.rounded(3)}"
        + (" (the pump would have run dry)" if ran_dry else ""),
    )
    return ExpectedResidual(volume, delivered, days, daily, scenario, ran_dry, steps)


def reconcile(
    expected: Volume, measured: Volume, policy: ClinicPolicy, pump: PumpModel | None = None
) -> Reconciliation:
    if measured.magnitude < 0 or expected.magnitude < 0:
        raise QuantityOutOfRange(
            "a residual volume", f"{expected} / {measured}", "it cannot be negative"
        )
    discrepancy = (expected - measured).to(Unit.ML)
    # Compare the exact percentage with the threshold; round only what is shown, so that
    # 20.04% is flagged against a 20% threshold rather than displayed as 20.0% and passed.
    exact_percent = (
        abs(discrepancy.canonical_value) / expected.canonical_value * 100
        if expected.is_positive()
        else None
    )
    percent = round_to(to_decimal(exact_percent), 1) if exact_percent is not None else None
    threshold = policy.residual_discrepancy_percent
    reasons: list[str] = []
    if exact_percent is not None and percent is not None and exact_percent > threshold.value:
        reasons.append(
            f"the measured residual differs from the expected by {format_decimal(percent)}%, "
            f"more than {format_decimal(threshold.value)}% ({threshold.provenance.describe()})"
        )
    if percent is None and discrepancy.magnitude != 0:
        reasons.append("nothing was expected to remain, yet a residual was measured")
    volume_threshold: Sourced[Volume] | None = None
    if pump is not None and isinstance(pump.refill_discrepancy_alarm, Sourced):
        volume_threshold = pump.refill_discrepancy_alarm
        if abs(discrepancy.canonical_value) > volume_threshold.value.canonical_value:
            reasons.append(
                f"the discrepancy of {abs(discrepancy.magnitude)} mL is above "
                f"{volume_threshold.value} for the {pump.name} ({volume_threshold.provenance.describe()})"
            )
    return Reconciliation(
        expected,
        measured,
        discrepancy,
        percent,
        bool(reasons),
        tuple(reasons),
        threshold,
        volume_threshold,
    )


def reservoir_of(pump: PumpModel, entered: Volume | None) -> Volume:
    """The reservoir volume: the catalogue's, or the one entered for an unknown device."""
    if isinstance(pump.reservoir, Sourced):
        return pump.reservoir.value
    if entered is None:
        raise ReservoirSizeUnknown(pump.name)
    return entered


def plan_refill(
    program: Program,
    fill_volume: Volume,
    filled_on: date,
    catalogue: Catalogue,
    *,
    fill_kind: FillKind = FillKind.REFILL,
    low_alarm: Volume | None = None,
    scenario: BolusScenario | None = None,
    typical_boluses_per_day: Decimal | None = None,
    reservoir: Volume | None = None,
    stability_days_override: int | None = None,
) -> RefillPlan:
    pump = program.pump
    capacity = reservoir_of(pump, reservoir)
    if not fill_volume.is_positive():
        raise QuantityOutOfRange("a fill volume", str(fill_volume), "it must be above zero")
    if fill_volume > capacity:
        raise RefillExceedsReservoir(str(fill_volume), str(capacity), pump.name)
    chosen = scenario or catalogue.policy.bolus_planning.value
    daily = program.daily_volume(chosen, typical_boluses_per_day)
    findings: list[Finding] = []
    basis = f" ({chosen.words})" if program.bolus else ""
    steps = [f"daily volume{basis} = {daily.rounded(4)}"]
    candidates: list[DueCandidate] = []

    days_to_empty = days_to_move(fill_volume, daily)
    if days_to_empty > MAX_PLAUSIBLE_DAYS:
        raise QuantityOutOfRange(
            "a daily volume",
            str(daily.rounded(6)),
            f"{fill_volume} would last more than ten years; check the dose and the concentration",
        )
    empty = whole_days_after(filled_on, days_to_empty)
    steps.append(
        f"days to empty = {fill_volume} ÷ {daily.rounded(4)} = {format_decimal(round_to(to_decimal(days_to_empty), 2))}"
    )
    candidates.append(DueCandidate("empty", empty, "the reservoir would be empty", None))

    alarm_date = None
    alarm_volume, alarm_provenance = _alarm_volume(pump, low_alarm)
    if alarm_volume is None:
        why = (
            pump.low_reservoir_alarm.note
            if isinstance(pump.low_reservoir_alarm, Unknown)
            else "The catalogue has no alarm volume for it."
        )
        findings.append(
            Finding(
                "low_alarm_volume_unknown",
                Severity.INFO,
                f"No low-reservoir alarm date for the {pump.name}: {why}",
            )
        )
    elif alarm_volume >= fill_volume:
        findings.append(
            Finding(
                "alarm_at_fill",
                Severity.WARNING,
                f"The low-reservoir alarm volume ({alarm_volume}) is not below the fill ({fill_volume}).",
            )
        )
        alarm_date = filled_on
    else:
        days_to_alarm = days_to_move(fill_volume - alarm_volume, daily)
        alarm_date = whole_days_after(filled_on, days_to_alarm)
        steps.append(
            f"days to the {alarm_volume} alarm = ({fill_volume} − {alarm_volume}) ÷ {daily.rounded(4)} "
            f"= {format_decimal(round_to(to_decimal(days_to_alarm), 2))}"
        )
    if alarm_date is not None:
        candidates.append(
            DueCandidate(
                "low_reservoir_alarm",
                alarm_date,
                f"the reservoir reaches {alarm_volume}",
                alarm_provenance,
            )
        )

    stability_date, stability_findings, stability_candidate = _stability(
        program, filled_on, fill_kind, stability_days_override
    )
    findings += stability_findings
    if stability_candidate is not None:
        candidates.append(stability_candidate)

    clinic_date = None
    interval = catalogue.policy.max_refill_interval_days
    if isinstance(interval, Sourced):
        clinic_date = filled_on + timedelta(days=interval.value)
        candidates.append(
            DueCandidate(
                "clinic_max_interval",
                clinic_date,
                f"the clinic's maximum interval of {interval.value} days",
                interval.provenance,
            )
        )
    else:
        findings.append(
            Finding(
                "clinic_interval_unset",
                Severity.INFO,
                f"The clinic has not set a maximum refill interval: {interval.note}",
            )
        )

    due = earliest_due(candidates)
    if due.factor == "empty":
        findings.append(
            Finding(
                "refill_due_when_empty",
                Severity.WARNING,
                f"The refill falls due on {due.on}, the day the pump would run dry: no "
                "low-reservoir alarm date, drug stability limit or clinic maximum interval "
                "comes earlier. Set the low-reservoir alarm volume programmed on the pump, or a "
                "clinic maximum refill interval, so the refill is due before the reservoir is empty.",
            )
        )
    steps.append(
        f"next refill due = earliest of {', '.join(f'{c.factor} {c.on}' for c in candidates)} = {due.on}"
    )
    return RefillPlan(
        fill_volume=fill_volume,
        filled_on=filled_on,
        daily_volume=daily,
        scenario=chosen,
        empty_date=empty,
        low_reservoir_alarm_date=alarm_date,
        stability_limit_date=stability_date,
        clinic_max_interval_date=clinic_date,
        next_refill_due=due.on,
        limiting_factor=due.factor,
        candidates=tuple(candidates),
        findings=tuple(findings),
        steps=tuple(steps),
        library=catalogue.identity,
    )


def _alarm_volume(
    pump: PumpModel, entered: Volume | None
) -> tuple[Volume | None, Provenance | None]:
    if entered is not None:
        return entered, None
    if isinstance(pump.low_reservoir_alarm, Sourced):
        return pump.low_reservoir_alarm.value, pump.low_reservoir_alarm.provenance
    return None, None


def _stability(
    program: Program, filled_on: date, fill_kind: FillKind, override_days: int | None
) -> tuple[date | None, list[Finding], DueCandidate | None]:
    if override_days is not None and override_days <= 0:
        raise QuantityOutOfRange(
            "a stability interval", f"{override_days} days", "it must be at least one day"
        )
    findings: list[Finding] = []
    rule: StabilityRule | None = None
    item = program.primary
    if program.pump.kind is PumpKind.EXTERNAL:
        # The library's rules describe drug kept in an implanted reservoir at body
        # temperature; a cassette or bag outside the body is another question.
        if override_days is None:
            findings.append(
                Finding(
                    "external_pump_stability_unset",
                    Severity.WARNING,
                    "The library's stability rules describe implanted pumps and are not applied "
                    f"to the {program.pump.name}: the pharmacist must give the in-use stability "
                    "of the cassette or bag (--stability-days).",
                    None,
                    item.drug.id,
                )
            )
    elif len(program.reservoir) > 1:
        if override_days is None:
            findings.append(
                Finding(
                    "admixture_stability_unknown",
                    Severity.WARNING,
                    "The stability of an admixture is product-specific and not in the library: "
                    "the pharmacist must set the refill interval (sterile compounding standards, PACC 2024 CP6).",
                )
            )
    else:
        rule = item.drug.stability_for(item.concentration, fill_kind)
        if rule is None and override_days is None:
            findings.append(
                Finding(
                    "stability_unknown",
                    Severity.WARNING,
                    f"The library has no stability rule for {item.drug.id} {item.concentration} "
                    f"({fill_kind.words}): the pharmacist must set the refill interval.",
                    None,
                    item.drug.id,
                )
            )
    if override_days is not None:
        on = filled_on + timedelta(days=override_days)
        reason = f"the pharmacist's stability interval of {override_days} days"
        if rule is not None and rule.max_days != override_days:
            findings.append(_override_finding(item.drug.id, override_days, rule))
        return on, findings, DueCandidate("stability", on, reason, None)
    if rule is None:
        return None, findings, None
    on = filled_on + timedelta(days=rule.max_days)
    reason = f"{item.drug.id} stability ({rule.describe()})"
    return on, findings, DueCandidate("stability", on, reason, rule.provenance)


def _override_finding(drug_id: str, override_days: int, rule: StabilityRule) -> Finding:
    """The pharmacist's interval differs from the library's rule for this very fill."""
    source = f"{rule.provenance.source.citation} [{rule.provenance.confidence.value}]"
    message = (
        f"The pharmacist's {override_days} days replaces the library's {rule.max_days} days "
        f"for {drug_id} ({rule.describe()}; {source})."
    )
    if override_days > rule.max_days:
        return Finding(
            "stability_override",
            Severity.SOFT,
            message + " It is longer than the library allows: record a reason, and a second "
            "person must check it.",
            rule.provenance,
            drug_id,
        )
    return Finding("stability_override", Severity.WARNING, message, rule.provenance, drug_id)
