"""Refills: the next due date, the expected residual and reconciliation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ithaca.clinical.catalogue import build_catalogue
from ithaca.clinical.drugs import FillKind
from ithaca.clinical.errors import (
    DatesOutOfOrder,
    QuantityOutOfRange,
    RefillExceedsReservoir,
    ReservoirSizeUnknown,
)
from ithaca.clinical.findings import Severity
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.programs import PatientBolus, ReservoirDrug, at_fixed_rate, continuous
from ithaca.clinical.quantities import Unit, Volume
from ithaca.clinical.refills import expected_residual, plan_refill, reconcile
from ithaca.datafiles import base_documents

FILLED = date(2026, 1, 5)

CLINIC_MAX_60_DAYS = b"""\
[clinic]
name = "Test Clinic"
version = "1"
approved_by = "Dr A. Tester"
approved_on = "2026-01-01"

[policy.max_refill_interval_days]
value = 60
source = "ithaca-policy"
confidence = "U"
note = "Test Clinic sees every pump patient at least every 60 days."
"""


def program_of(catalogue, q, pump, drug, strength, dose, bolus=None):
    return continuous(
        catalogue.pump(pump), [ReservoirDrug(catalogue.drug(drug), q(strength))], q(dose), bolus
    )


def codes(plan):
    return {f.code: f for f in plan.findings}


# --- the issue's example -----------------------------------------------------------------


@pytest.fixture
def issue_program(catalogue, q):
    # SynchroMed II 40 mL, morphine 10 mg/mL at 2 mg/day
    return program_of(catalogue, q, "synchromed-ii-40", "morphine", "10 mg/mL", "2 mg/day")


def test_the_issues_morphine_refill_is_due_when_stability_runs_out(catalogue, q, issue_program):
    # daily volume 2 mg/day ÷ 10 mg/mL = 0.2 mL/day
    # empty after 40 mL ÷ 0.2 mL/day = 200 days: 2026-01-05 + 200 = 2026-07-24
    # stability 90 days [S]: 2026-01-05 + 90 = 2026-04-05
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue)
    assert plan.daily_volume == q("0.2 mL/day")
    assert plan.empty_date == date(2026, 7, 24)
    assert plan.stability_limit_date == date(2026, 4, 5)
    assert plan.next_refill_due == date(2026, 4, 5)
    assert plan.limiting_factor == "stability"
    stability = next(c for c in plan.candidates if c.factor == "stability")
    assert stability.provenance is not None
    assert stability.provenance.confidence.value == "S"


def test_an_unknown_low_reservoir_alarm_is_left_unknown_and_said_so(catalogue, q, issue_program):
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue)
    assert plan.low_reservoir_alarm_date is None
    finding = codes(plan)["low_alarm_volume_unknown"]
    assert finding.severity is Severity.INFO
    assert not any(c.factor == "low_reservoir_alarm" for c in plan.candidates)


def test_an_entered_low_alarm_volume_gives_the_alarm_date(catalogue, q, issue_program):
    # (40 − 2) mL ÷ 0.2 mL/day = 190 days: 2026-01-05 + 190 = 2026-07-14
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue, low_alarm=q("2 mL"))
    assert plan.low_reservoir_alarm_date == date(2026, 7, 14)
    assert "low_alarm_volume_unknown" not in codes(plan)
    assert plan.limiting_factor == "stability"  # 2026-04-05 still comes first


def test_the_unset_clinic_interval_is_said_so(catalogue, q, issue_program):
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue)
    assert plan.clinic_max_interval_date is None
    assert codes(plan)["clinic_interval_unset"].severity is Severity.INFO


def test_the_prometra_uses_its_catalogued_three_millilitre_alarm(catalogue, q):
    # Prometra II 20 mL, 3.0 mL alarm [C]; morphine 10 mg/mL at 2 mg/day = 0.2 mL/day
    # (20 − 3) ÷ 0.2 = 85 days: 2026-01-05 + 85 = 2026-03-31, before stability 2026-04-05
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "2 mg/day")
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue)
    assert plan.low_reservoir_alarm_date == date(2026, 3, 31)
    assert plan.next_refill_due == date(2026, 3, 31)
    assert plan.limiting_factor == "low_reservoir_alarm"
    alarm = next(c for c in plan.candidates if c.factor == "low_reservoir_alarm")
    assert alarm.provenance is not None
    assert alarm.provenance.source.id == "prometra-ptc-guide"


def test_an_alarm_date_on_a_fractional_day_falls_on_the_earlier_date(catalogue, q):
    # 0.3 mL/day (3 mg/day at 10 mg/mL); (20 − 3) ÷ 0.3 = 56.67 days -> day 56:
    # 2026-01-05 + 56 = 2026-03-02 (never the later date)
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "3 mg/day")
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue)
    assert plan.low_reservoir_alarm_date == date(2026, 3, 2)
    # empty: 20 ÷ 0.3 = 66.67 days -> 2026-01-05 + 66 = 2026-03-12
    assert plan.empty_date == date(2026, 3, 12)


def test_a_clinic_maximum_interval_can_be_the_limiting_factor(q):
    # clinic file sets 60 days: 2026-01-05 + 60 = 2026-03-06, before stability on 2026-04-05
    catalogue = build_catalogue(base_documents(), CLINIC_MAX_60_DAYS)
    program = program_of(catalogue, q, "synchromed-ii-40", "morphine", "10 mg/mL", "2 mg/day")
    plan = plan_refill(program, q("40 mL"), FILLED, catalogue)
    assert plan.clinic_max_interval_date == date(2026, 3, 6)
    assert plan.next_refill_due == date(2026, 3, 6)
    assert plan.limiting_factor == "clinic_max_interval"


def test_a_fill_larger_than_the_reservoir_is_refused(catalogue, q, issue_program):
    with pytest.raises(RefillExceedsReservoir) as raised:
        plan_refill(issue_program, q("41 mL"), FILLED, catalogue)
    assert "41 mL" in str(raised.value)
    assert "40 mL" in str(raised.value)


def test_a_fill_of_exactly_the_reservoir_is_accepted(catalogue, q, issue_program):
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue)
    assert plan.fill_volume == q("40 mL")


def test_a_zero_fill_is_refused(catalogue, q, issue_program):
    with pytest.raises(QuantityOutOfRange):
        plan_refill(issue_program, q("0 mL"), FILLED, catalogue)


def test_an_external_pump_needs_its_reservoir_entered(catalogue, q):
    program = program_of(catalogue, q, "external-tunnelled", "morphine", "10 mg/mL", "2 mg/day")
    with pytest.raises(ReservoirSizeUnknown):
        plan_refill(program, q("40 mL"), FILLED, catalogue)


def test_an_external_pump_with_its_reservoir_entered_is_planned(catalogue, q):
    # 100 mL ÷ 0.2 mL/day = 500 days to empty: 2026-01-05 + 500 = 2027-05-20. The
    # library's 90-day morphine stability describes implanted pumps and is not applied.
    program = program_of(catalogue, q, "external-tunnelled", "morphine", "10 mg/mL", "2 mg/day")
    plan = plan_refill(program, q("100 mL"), FILLED, catalogue, reservoir=q("100 mL"))
    assert plan.empty_date == date(2027, 5, 20)
    assert plan.limiting_factor == "empty"
    with pytest.raises(RefillExceedsReservoir):
        plan_refill(program, q("101 mL"), FILLED, catalogue, reservoir=q("100 mL"))


def test_a_ziconotide_first_fill_at_25_mcg_per_ml_is_due_in_14_days(catalogue, q):
    # Prialt label: 25 mcg/mL initial fill 14 days: 2026-01-05 + 14 = 2026-01-19
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "1.2 mcg/day")
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue, fill_kind=FillKind.INITIAL)
    assert plan.stability_limit_date == date(2026, 1, 19)
    assert plan.next_refill_due == date(2026, 1, 19)
    assert plan.limiting_factor == "stability"


def test_a_ziconotide_refill_at_25_mcg_per_ml_lasts_84_days(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "1.2 mcg/day")
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue, fill_kind=FillKind.REFILL)
    # 2026-01-05 + 84 = 2026-03-30
    assert plan.stability_limit_date == date(2026, 3, 30)


def test_a_ziconotide_first_fill_at_100_mcg_per_ml_has_no_stability_and_warns(catalogue, q):
    program = program_of(
        catalogue, q, "synchromed-ii-20", "ziconotide", "100 mcg/mL", "2.4 mcg/day"
    )
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue, fill_kind=FillKind.INITIAL)
    assert plan.stability_limit_date is None
    assert codes(plan)["stability_unknown"].severity is Severity.WARNING


def test_an_admixture_has_no_stability_date_and_warns(catalogue, q):
    program = continuous(
        catalogue.pump("synchromed-ii-40"),
        [
            ReservoirDrug(catalogue.drug("morphine"), q("10 mg/mL")),
            ReservoirDrug(catalogue.drug("bupivacaine"), q("15 mg/mL")),
        ],
        q("2 mg/day"),
    )
    plan = plan_refill(program, q("40 mL"), FILLED, catalogue)
    assert plan.stability_limit_date is None
    assert codes(plan)["admixture_stability_unknown"].severity is Severity.WARNING
    assert not any(c.factor == "stability" for c in plan.candidates)


def test_a_pharmacists_stability_interval_is_used_when_given(catalogue, q, issue_program):
    # 28 days: 2026-01-05 + 28 = 2026-02-02
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue, stability_days_override=28)
    assert plan.stability_limit_date == date(2026, 2, 2)
    assert plan.limiting_factor == "stability"
    with pytest.raises(QuantityOutOfRange):
        plan_refill(issue_program, q("40 mL"), FILLED, catalogue, stability_days_override=0)


def test_refill_planning_counts_every_allowed_bolus_by_default(catalogue, q):
    # policy default 'maximum': basal 0.2 mL/day + 4 × (0.5 mg ÷ 10 mg/mL = 0.05 mL) = 0.4
    bolus = PatientBolus(q("0.5 mg"), lockout_minutes=60, max_per_day=4)
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "2 mg/day", bolus)
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue)
    assert plan.scenario is BolusScenario.MAXIMUM
    assert plan.daily_volume == q("0.4 mL/day")
    # (20 − 3) ÷ 0.4 = 42.5 days -> day 42: 2026-01-05 + 42 = 2026-02-16
    assert plan.low_reservoir_alarm_date == date(2026, 2, 16)


def test_an_alarm_volume_at_or_above_the_fill_warns_and_is_due_at_once(catalogue, q):
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "2 mg/day")
    plan = plan_refill(program, q("3 mL"), FILLED, catalogue)
    assert plan.low_reservoir_alarm_date == FILLED
    assert codes(plan)["alarm_at_fill"].severity is Severity.WARNING


# --- expected residual ---------------------------------------------------------------------


@pytest.fixture
def half_ml_a_day(catalogue, q):
    # 5 mg/day ÷ 10 mg/mL = 0.5 mL/day
    return program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "5 mg/day")


def test_the_expected_residual_is_fill_less_what_was_delivered(q, half_ml_a_day):
    # 20 mL − 0.5 mL/day × 28 days = 20 − 14 = 6 mL
    result = expected_residual(
        half_ml_a_day, q("20 mL"), FILLED, date(2026, 2, 2), BolusScenario.NONE
    )
    assert result.days == 28
    assert result.delivered == q("14 mL")
    assert result.volume == q("6 mL")
    assert result.ran_dry is False


def test_the_expected_residual_is_never_negative(q, half_ml_a_day):
    # 0.5 × 60 = 30 mL delivered from 20 mL: the pump ran dry; the residual is 0, not −10
    result = expected_residual(
        half_ml_a_day, q("20 mL"), FILLED, date(2026, 3, 6), BolusScenario.NONE
    )
    assert result.volume == q("0 mL")
    assert result.volume.magnitude >= 0
    assert result.ran_dry is True
    assert "run dry" in result.steps[-1]


def test_reaching_exactly_zero_counts_as_running_dry(q, half_ml_a_day):
    # 0.5 × 40 = 20 mL: exactly empty
    result = expected_residual(
        half_ml_a_day, q("20 mL"), FILLED, date(2026, 2, 14), BolusScenario.NONE
    )
    assert result.volume == q("0 mL")
    assert result.ran_dry is True


def test_on_the_fill_day_the_residual_is_the_fill(q, half_ml_a_day):
    result = expected_residual(half_ml_a_day, q("20 mL"), FILLED, FILLED, BolusScenario.NONE)
    assert result.volume == q("20 mL")
    assert result.days == 0


@pytest.mark.parametrize(
    ("scenario", "typical", "residual"),
    [
        # basal 0.2 mL/day; bolus 0.5 mg ÷ 10 mg/mL = 0.05 mL; 4 allowed; over 10 days:
        (BolusScenario.NONE, None, "18 mL"),  # 20 − 0.2 × 10 = 18
        (BolusScenario.TYPICAL, Decimal(2), "17 mL"),  # 20 − (0.2 + 2 × 0.05) × 10 = 17
        (BolusScenario.MAXIMUM, None, "16 mL"),  # 20 − (0.2 + 4 × 0.05) × 10 = 16
    ],
)
def test_the_expected_residual_counts_boluses_by_scenario(
    catalogue, q, scenario, typical, residual
):
    bolus = PatientBolus(q("0.5 mg"), lockout_minutes=60, max_per_day=4)
    program = program_of(
        catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "2 mg/day", bolus
    )
    result = expected_residual(program, q("20 mL"), FILLED, date(2026, 1, 15), scenario, typical)
    assert result.volume == q(residual)
    assert result.scenario is scenario


def test_a_residual_date_before_the_fill_is_refused(q, half_ml_a_day):
    with pytest.raises(DatesOutOfOrder):
        expected_residual(half_ml_a_day, q("20 mL"), FILLED, date(2026, 1, 4), BolusScenario.NONE)


# --- reconciliation ------------------------------------------------------------------------


def test_a_quarter_less_than_expected_is_flagged(catalogue, q):
    # expected 12, measured 9: 12 − 9 = 3 mL; 3 ÷ 12 = 25.0% > 20%
    result = reconcile(q("12 mL"), q("9 mL"), catalogue.policy)
    assert result.discrepancy == q("3 mL")
    assert result.percent == Decimal("25.0")
    assert result.flagged is True
    assert "25%" in result.reasons[0]
    assert result.threshold_percent.value == Decimal(20)


def test_ten_percent_less_than_expected_is_not_flagged_by_percent(catalogue, q):
    # expected 10, measured 9: 1 mL; 1 ÷ 10 = 10% <= 20%
    result = reconcile(q("10 mL"), q("9 mL"), catalogue.policy)
    assert result.percent == Decimal("10.0")
    assert result.flagged is False
    assert result.reasons == ()


def test_more_left_than_expected_is_flagged_too(catalogue, q):
    # expected 10, measured 13: −3 mL; 3 ÷ 10 = 30% (under-delivery is a fault too)
    result = reconcile(q("10 mL"), q("13 mL"), catalogue.policy)
    assert result.discrepancy == Volume(Decimal(-3), Unit.ML)
    assert result.percent == Decimal("30.0")
    assert result.flagged is True


def test_a_one_millilitre_discrepancy_is_not_above_the_synchromed_20_alarm(catalogue, q):
    # SynchroMed II 20 mL alarms above 1 mL [S]; 10 − 9 = 1 mL is not above it
    pump = catalogue.pump("synchromed-ii-20")
    result = reconcile(q("10 mL"), q("9 mL"), catalogue.policy, pump)
    assert result.flagged is False
    assert result.threshold_volume is not None
    assert result.threshold_volume.value == q("1 mL")


def test_a_one_and_a_half_millilitre_discrepancy_is_above_the_synchromed_20_alarm(catalogue, q):
    # 10 − 8.5 = 1.5 mL > 1 mL; 1.5 ÷ 10 = 15% is under the 20% rule, but the pump rule flags it
    pump = catalogue.pump("synchromed-ii-20")
    result = reconcile(q("10 mL"), q("8.5 mL"), catalogue.policy, pump)
    assert result.percent == Decimal("15.0")
    assert result.flagged is True
    assert len(result.reasons) == 1
    assert "1.5 mL" in result.reasons[0]


def test_a_residual_when_none_was_expected_is_flagged(catalogue, q):
    result = reconcile(q("0 mL"), q("2 mL"), catalogue.policy)
    assert result.percent is None
    assert result.flagged is True
    assert "nothing was expected" in result.reasons[0]


def test_nothing_expected_and_nothing_found_is_not_flagged(catalogue, q):
    result = reconcile(q("0 mL"), q("0 mL"), catalogue.policy)
    assert result.percent is None
    assert result.flagged is False


def test_a_clinic_threshold_changes_what_is_flagged(q):
    clinic = b"""\
[clinic]
name = "Strict Clinic"
version = "1"
approved_by = "Dr A"
approved_on = "2026-01-01"

[policy.residual_discrepancy_percent]
value = "5"
source = "ithaca-policy"
confidence = "U"
"""
    catalogue = build_catalogue(base_documents(), clinic)
    # 10% > 5%
    assert reconcile(q("10 mL"), q("9 mL"), catalogue.policy).flagged is True


def test_a_negative_residual_is_refused(catalogue):
    with pytest.raises(QuantityOutOfRange):
        reconcile(Volume(Decimal(10), Unit.ML), Volume(Decimal(-1), Unit.ML), catalogue.policy)


def test_a_discrepancy_just_above_the_threshold_is_flagged_though_it_displays_as_20_percent(
    catalogue, q
):
    # 10 mL expected, 7.996 mL measured: 2.004 ÷ 10 = 20.04%, shown as 20.0%, above 20%.
    result = reconcile(q("10 mL"), q("7.996 mL"), catalogue.policy)
    assert result.percent == Decimal("20.0")
    assert result.flagged


def test_a_discrepancy_of_exactly_the_threshold_is_not_flagged(catalogue, q):
    # 10 mL expected, 8 mL measured: exactly 20%, not above it.
    assert not reconcile(q("10 mL"), q("8 mL"), catalogue.policy).flagged


def test_a_fill_that_would_last_more_than_ten_years_is_refused_as_a_typing_error(catalogue, q):
    # 0.0001 mg/day at 25 mg/mL = 0.000004 mL/day; 20 mL would last 5,000,000 days.
    program = continuous(
        catalogue.pump("synchromed-ii-20"),
        [ReservoirDrug(catalogue.drug("morphine"), q("25 mg/mL"))],
        q("0.0001 mg/day"),
    )
    with pytest.raises(QuantityOutOfRange, match="more than ten years"):
        plan_refill(program, q("20 mL"), date(2026, 1, 5), catalogue)


# --- the pharmacist's stability interval against the library's rule ----------------------


@pytest.fixture
def ziconotide_first_fill(catalogue, q):
    # Prialt label [C]: 25 mcg/mL first fill 14 days
    return program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "1.2 mcg/day")


def test_a_shorter_pharmacist_interval_warns_naming_both_intervals(
    catalogue, q, ziconotide_first_fill
):
    plan = plan_refill(
        ziconotide_first_fill,
        q("20 mL"),
        FILLED,
        catalogue,
        fill_kind=FillKind.INITIAL,
        stability_days_override=10,
    )
    finding = codes(plan)["stability_override"]
    assert finding.severity is Severity.WARNING
    assert "pharmacist's 10 days replaces the library's 14 days" in finding.message
    assert "PRIALT" in finding.message
    assert "[C]" in finding.message
    assert plan.stability_limit_date == date(2026, 1, 15)  # 2026-01-05 + 10


def test_a_longer_pharmacist_interval_than_the_library_needs_an_override(
    catalogue, q, ziconotide_first_fill
):
    plan = plan_refill(
        ziconotide_first_fill,
        q("20 mL"),
        FILLED,
        catalogue,
        fill_kind=FillKind.INITIAL,
        stability_days_override=30,
    )
    finding = codes(plan)["stability_override"]
    assert finding.severity is Severity.SOFT
    assert "pharmacist's 30 days replaces the library's 14 days" in finding.message
    assert finding.provenance is not None
    assert finding.provenance.source.id == "prialt-label"
    assert plan.stability_limit_date == date(2026, 2, 4)  # 2026-01-05 + 30


def test_a_pharmacist_interval_equal_to_the_library_rule_raises_nothing(
    catalogue, q, ziconotide_first_fill
):
    plan = plan_refill(
        ziconotide_first_fill,
        q("20 mL"),
        FILLED,
        catalogue,
        fill_kind=FillKind.INITIAL,
        stability_days_override=14,
    )
    assert "stability_override" not in codes(plan)


def test_a_pharmacist_interval_where_the_library_has_no_rule_raises_no_override_finding(
    catalogue, q
):
    program = program_of(catalogue, q, "synchromed-ii-40", "hydromorphone", "10 mg/mL", "1 mg/day")
    plan = plan_refill(program, q("40 mL"), FILLED, catalogue, stability_days_override=60)
    assert not {"stability_override", "stability_unknown"} & codes(plan).keys()


def test_the_stability_unknown_message_names_the_kind_of_fill(catalogue, q):
    program = program_of(
        catalogue, q, "synchromed-ii-20", "ziconotide", "100 mcg/mL", "2.4 mcg/day"
    )
    first = plan_refill(program, q("20 mL"), FILLED, catalogue, fill_kind=FillKind.INITIAL)
    message = codes(first)["stability_unknown"].message
    assert "(first fill)" in message
    assert "refill fill" not in message
    assert "initial fill" not in message


def test_a_diluted_ziconotide_first_fill_has_no_stability_date_and_warns(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "50 mcg/mL", "1.2 mcg/day")
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue, fill_kind=FillKind.INITIAL)
    assert plan.stability_limit_date is None
    assert codes(plan)["stability_unknown"].severity is Severity.WARNING
    refill = plan_refill(program, q("20 mL"), FILLED, catalogue, fill_kind=FillKind.REFILL)
    assert refill.stability_limit_date == date(2026, 2, 14)  # 2026-01-05 + 40


# --- a refill due on the day the pump runs dry ---------------------------------------------


def test_a_refill_due_on_the_empty_date_warns(catalogue, q):
    # hydromorphone has no stability rule, the SynchroMed alarm volume is unknown and the
    # clinic sets no interval: 10 mg/day ÷ 10 mg/mL = 1 mL/day; 40 mL lasts 40 days
    program = program_of(catalogue, q, "synchromed-ii-40", "hydromorphone", "10 mg/mL", "10 mg/day")
    plan = plan_refill(program, q("40 mL"), FILLED, catalogue)
    assert plan.limiting_factor == "empty"
    assert plan.next_refill_due == date(2026, 2, 14)  # 2026-01-05 + 40
    finding = codes(plan)["refill_due_when_empty"]
    assert finding.severity is Severity.WARNING
    assert "run dry" in finding.message
    assert "2026-02-14" in finding.message
    assert "low-reservoir alarm" in finding.message
    assert "maximum refill interval" in finding.message


def test_a_refill_due_before_the_empty_date_does_not_warn_of_it(catalogue, q, issue_program):
    plan = plan_refill(issue_program, q("40 mL"), FILLED, catalogue)
    assert plan.limiting_factor == "stability"
    assert "refill_due_when_empty" not in codes(plan)


def test_an_external_pump_does_not_take_the_implanted_pump_stability_rule(catalogue, q):
    program = program_of(catalogue, q, "external-tunnelled", "morphine", "10 mg/mL", "2 mg/day")
    plan = plan_refill(program, q("100 mL"), FILLED, catalogue, reservoir=q("100 mL"))
    assert plan.stability_limit_date is None
    finding = codes(plan)["external_pump_stability_unset"]
    assert finding.severity is Severity.WARNING
    assert "--stability-days" in finding.message
    assert "refill_due_when_empty" in codes(plan)


def test_an_external_pump_uses_the_pharmacists_interval_without_comparing_library_rules(
    catalogue, q
):
    program = program_of(catalogue, q, "external-tunnelled", "morphine", "10 mg/mL", "2 mg/day")
    plan = plan_refill(
        program, q("100 mL"), FILLED, catalogue, reservoir=q("100 mL"), stability_days_override=7
    )
    assert plan.stability_limit_date == date(2026, 1, 12)  # 2026-01-05 + 7
    assert plan.limiting_factor == "stability"
    found = codes(plan).keys()
    assert not {"external_pump_stability_unset", "stability_override"} & found


# --- the low-reservoir alarm note ---------------------------------------------------------


def test_a_pump_without_an_alarm_says_why_in_its_own_words(catalogue, q):
    program = at_fixed_rate(
        catalogue.pump("isomed-20"),
        [ReservoirDrug(catalogue.drug("morphine"), q("10 mg/mL"))],
        q("0.5 mL/day"),
    )
    plan = plan_refill(program, q("20 mL"), FILLED, catalogue)
    message = codes(plan)["low_alarm_volume_unknown"].message
    assert "A constant-flow pump has no programmable alarm." in message
    assert "enter the volume programmed" not in message
