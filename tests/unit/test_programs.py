"""Pump programs: continuous, admixture, flexible steps and patient bolus."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ithaca.clinical.errors import InvalidProgram
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.programs import (
    PatientBolus,
    ReservoirDrug,
    at_fixed_rate,
    continuous,
    flexible,
)
from ithaca.clinical.pumps import ProgramMode
from ithaca.clinical.quantities import DoseRate, FlowRate, Unit, Volume


@pytest.fixture
def morphine_10(catalogue, q):
    return ReservoirDrug(catalogue.drug("morphine"), q("10 mg/mL"))


@pytest.fixture
def sm20(catalogue):
    return catalogue.pump("synchromed-ii-20")


def test_a_continuous_flow_is_dose_divided_by_concentration(sm20, morphine_10, q):
    # 2 mg/day ÷ 10 mg/mL = 0.2 mL/day
    program = continuous(sm20, [morphine_10], q("2 mg/day"))
    assert program.mode is ProgramMode.SIMPLE_CONTINUOUS
    assert len(program.steps) == 1
    assert program.steps[0].start_minute == 0
    assert program.steps[0].flow == q("0.2 mL/day")
    assert program.basal_daily_volume() == q("0.2 mL/day")
    assert program.basal_daily_dose("morphine") == q("2 mg/day")


def test_a_continuous_dose_in_micrograms_gives_the_same_flow(sm20, morphine_10, q):
    # 2000 mcg/day = 2 mg/day; ÷ 10 mg/mL = 0.2 mL/day
    program = continuous(sm20, [morphine_10], q("2000 mcg/day"))
    assert program.basal_daily_volume() == q("0.2 mL/day")


def test_an_admixture_delivers_each_drug_at_its_own_concentration(catalogue, sm20, morphine_10, q):
    # flow = 2 mg/day ÷ 10 mg/mL = 0.2 mL/day; bupivacaine = 15 mg/mL × 0.2 mL/day = 3 mg/day
    bupi = ReservoirDrug(catalogue.drug("bupivacaine"), q("15 mg/mL"))
    program = continuous(sm20, [morphine_10, bupi], q("2 mg/day"))
    assert program.primary is morphine_10
    assert program.basal_daily_dose("bupivacaine") == q("3 mg/day")
    doses = {d.drug.id: d for d in program.per_drug()}
    assert doses["morphine"].min_daily_dose == q("2 mg/day")
    assert doses["bupivacaine"].min_daily_dose == q("3 mg/day")
    assert doses["bupivacaine"].min_daily_dose.unit is Unit.MG_PER_DAY


def test_an_admixture_reports_a_microgram_drug_in_micrograms(catalogue, sm20, morphine_10, q):
    # clonidine 500 mcg/mL × 0.2 mL/day = 100 mcg/day
    clon = ReservoirDrug(catalogue.drug("clonidine"), q("500 mcg/mL"))
    program = continuous(sm20, [morphine_10, clon], q("2 mg/day"))
    dose = program.basal_daily_dose("clonidine")
    assert dose == q("100 mcg/day")
    assert dose.unit is Unit.MCG_PER_DAY


def test_asking_for_a_drug_not_in_the_reservoir_is_refused(sm20, morphine_10, q):
    program = continuous(sm20, [morphine_10], q("2 mg/day"))
    with pytest.raises(InvalidProgram):
        program.basal_daily_dose("ziconotide")


def test_a_drug_listed_twice_is_refused(sm20, morphine_10, q):
    with pytest.raises(InvalidProgram):
        continuous(sm20, [morphine_10, morphine_10], q("2 mg/day"))


def test_an_empty_reservoir_is_refused(sm20, q):
    with pytest.raises(InvalidProgram):
        continuous(sm20, [], q("2 mg/day"))


def test_a_flexible_schedule_sums_each_step_over_its_share_of_the_day(sm20, morphine_10, q):
    # at 10 mg/mL:  00:00-08:00 1 mg/day = 0.1 mL/day for 480 min
    #               08:00-20:00 3 mg/day = 0.3 mL/day for 720 min
    #               20:00-24:00 1 mg/day = 0.1 mL/day for 240 min
    # volume = (0.1 × 480 + 0.3 × 720 + 0.1 × 240) ÷ 1440 = (48 + 216 + 24) ÷ 1440
    #        = 288 ÷ 1440 = 0.2 mL/day; dose = 0.2 × 10 = 2 mg/day
    program = flexible(
        sm20,
        [morphine_10],
        [(0, q("1 mg/day")), (8 * 60, q("3 mg/day")), (20 * 60, q("1 mg/day"))],
    )
    assert program.mode is ProgramMode.FLEXIBLE
    assert program.step_durations() == (480, 720, 240)
    assert [s.flow for s in program.steps] == [q("0.1 mL/day"), q("0.3 mL/day"), q("0.1 mL/day")]
    assert [s.start_text for s in program.steps] == ["00:00", "08:00", "20:00"]
    assert program.basal_daily_volume() == q("0.2 mL/day")
    assert program.basal_daily_dose("morphine") == q("2 mg/day")


def test_a_flexible_schedule_with_uneven_steps(sm20, morphine_10, q):
    # 00:00-06:00 2 mg/day = 0.2 mL/day for 360 min; 06:00-24:00 4 mg/day = 0.4 mL/day
    # for 1080 min: (0.2 × 360 + 0.4 × 1080) ÷ 1440 = (72 + 432) ÷ 1440 = 504 ÷ 1440
    # = 0.35 mL/day = 3.5 mg/day
    program = flexible(sm20, [morphine_10], [(0, q("2 mg/day")), (360, q("4 mg/day"))])
    assert program.basal_daily_volume() == q("0.35 mL/day")
    assert program.basal_daily_dose("morphine") == q("3.5 mg/day")


def test_a_flexible_schedule_must_start_at_midnight(sm20, morphine_10, q):
    with pytest.raises(InvalidProgram, match="00:00"):
        flexible(sm20, [morphine_10], [(60, q("1 mg/day")), (600, q("2 mg/day"))])


def test_flexible_steps_must_be_in_order(sm20, morphine_10, q):
    with pytest.raises(InvalidProgram):
        flexible(
            sm20,
            [morphine_10],
            [(0, q("1 mg/day")), (600, q("2 mg/day")), (480, q("3 mg/day"))],
        )


def test_flexible_steps_must_not_repeat_a_start_time(sm20, morphine_10, q):
    with pytest.raises(InvalidProgram):
        flexible(
            sm20,
            [morphine_10],
            [(0, q("1 mg/day")), (480, q("2 mg/day")), (480, q("3 mg/day"))],
        )


def test_a_flexible_step_cannot_start_at_or_after_midnight_next_day(sm20, morphine_10, q):
    with pytest.raises(InvalidProgram):
        flexible(sm20, [morphine_10], [(0, q("1 mg/day")), (1440, q("2 mg/day"))])


def test_a_flexible_schedule_needs_a_step(sm20, morphine_10):
    with pytest.raises(InvalidProgram):
        flexible(sm20, [morphine_10], [])


def test_a_flexible_schedule_on_an_external_pump_is_refused(catalogue, morphine_10, q):
    with pytest.raises(InvalidProgram, match="flexible"):
        flexible(
            catalogue.pump("external-tunnelled"),
            [morphine_10],
            [(0, q("1 mg/day")), (480, q("2 mg/day"))],
        )


def test_a_flexible_schedule_on_a_constant_flow_pump_is_refused(catalogue, morphine_10, q):
    with pytest.raises(InvalidProgram):
        flexible(catalogue.pump("isomed-20"), [morphine_10], [(0, q("1 mg/day"))])


def test_patient_boluses_give_a_minimum_and_a_maximum_daily_dose(sm20, morphine_10, q):
    # basal 2 mg/day = 0.2 mL/day; bolus 0.1 mg = 0.1 ÷ 10 = 0.01 mL; 4 a day allowed,
    # lockout 60 min allows 24, so 4 count.
    # minimum = basal = 2 mg/day, 0.2 mL/day
    # maximum = 2 + 4 × 0.1 = 2.4 mg/day; 0.2 + 4 × 0.01 = 0.24 mL/day
    bolus = PatientBolus(q("0.1 mg"), lockout_minutes=60, max_per_day=4)
    program = continuous(sm20, [morphine_10], q("2 mg/day"), bolus)
    assert program.mode is ProgramMode.PATIENT_BOLUS
    assert program.bolus_volume() == q("0.01 mL")
    (dose,) = program.per_drug()
    assert dose.min_daily_dose == q("2 mg/day")
    assert dose.max_daily_dose == q("2.4 mg/day")
    assert dose.min_daily_volume == q("0.2 mL/day")
    assert dose.max_daily_volume == q("0.24 mL/day")


def test_a_lockout_limits_the_number_of_boluses_a_day(sm20, morphine_10, q):
    # 1440 min ÷ 240 min lockout = 6 boluses (00:00, 04:00, ... 20:00), fewer than the 10 set
    # maximum = 2 + 6 × 0.1 = 2.6 mg/day
    bolus = PatientBolus(q("0.1 mg"), lockout_minutes=240, max_per_day=10)
    assert bolus.max_by_lockout == 6
    assert bolus.effective_max_per_day == 6
    program = continuous(sm20, [morphine_10], q("2 mg/day"), bolus)
    (dose,) = program.per_drug()
    assert dose.max_daily_dose == q("2.6 mg/day")
    assert program.boluses_per_day(BolusScenario.MAXIMUM) == 6


@pytest.mark.parametrize(
    ("lockout", "most"),
    [
        (60, 24),  # 1440 ÷ 60 = 24
        (180, 8),  # 1440 ÷ 180 = 8
        (500, 3),  # 00:00, 08:20, 16:40 -> ceil(2.88) = 3
        (1440, 1),  # one a day
        (2000, 1),  # a lockout longer than a day still allows the first
    ],
)
def test_the_lockout_count_includes_the_first_bolus_of_the_day(q, lockout, most):
    assert PatientBolus(q("0.1 mg"), lockout, 100).max_by_lockout == most


def test_bolus_scenarios_count_none_typical_or_every_allowed_bolus(sm20, morphine_10, q):
    # basal 0.2 mL/day; bolus 0.5 mg = 0.05 mL; 4 allowed
    # none: 0.2; typical 2/day: 0.2 + 2 × 0.05 = 0.3; maximum: 0.2 + 4 × 0.05 = 0.4 mL/day
    bolus = PatientBolus(q("0.5 mg"), lockout_minutes=60, max_per_day=4)
    program = continuous(sm20, [morphine_10], q("2 mg/day"), bolus)
    assert program.daily_volume(BolusScenario.NONE) == q("0.2 mL/day")
    assert program.daily_volume(BolusScenario.TYPICAL, Decimal(2)) == q("0.3 mL/day")
    assert program.daily_volume(BolusScenario.MAXIMUM) == q("0.4 mL/day")


def test_a_typical_projection_needs_the_typical_count(sm20, morphine_10, q):
    bolus = PatientBolus(q("0.5 mg"), lockout_minutes=60, max_per_day=4)
    program = continuous(sm20, [morphine_10], q("2 mg/day"), bolus)
    with pytest.raises(InvalidProgram):
        program.daily_volume(BolusScenario.TYPICAL)
    with pytest.raises(InvalidProgram):
        program.daily_volume(BolusScenario.TYPICAL, Decimal(5))  # more than the 4 allowed


def test_a_program_without_boluses_has_no_bolus_volume(sm20, morphine_10, q):
    program = continuous(sm20, [morphine_10], q("2 mg/day"))
    assert program.bolus_volume() == Volume(Decimal(0), Unit.ML)
    assert program.daily_volume(BolusScenario.MAXIMUM) == q("0.2 mL/day")


def test_a_bolus_on_a_constant_flow_pump_is_refused(catalogue, morphine_10, q):
    bolus = PatientBolus(q("0.1 mg"), lockout_minutes=60, max_per_day=4)
    with pytest.raises(InvalidProgram, match="no patient bolus"):
        continuous(catalogue.pump("isomed-20"), [morphine_10], q("2 mg/day"), bolus)


@pytest.mark.parametrize(("lockout", "per_day"), [(0, 4), (60, 0), (-5, 4)])
def test_a_bolus_needs_a_positive_lockout_and_count(sm20, morphine_10, q, lockout, per_day):
    bolus = PatientBolus(q("0.1 mg"), lockout_minutes=lockout, max_per_day=per_day)
    with pytest.raises(InvalidProgram):
        continuous(sm20, [morphine_10], q("2 mg/day"), bolus)


def test_a_constant_flow_pump_delivers_concentration_times_its_fixed_rate(catalogue, q):
    # 1 mL/day × 10 mg/mL = 10 mg/day
    morphine = ReservoirDrug(catalogue.drug("morphine"), q("10 mg/mL"))
    program = at_fixed_rate(catalogue.pump("isomed-20"), [morphine], q("1 mL/day"))
    assert program.basal_daily_dose("morphine") == q("10 mg/day")


def test_a_zero_rate_is_refused(catalogue, q):
    morphine = ReservoirDrug(catalogue.drug("morphine"), q("10 mg/mL"))
    with pytest.raises(InvalidProgram):
        at_fixed_rate(
            catalogue.pump("isomed-20"), [morphine], FlowRate(Decimal(0), Unit.ML_PER_DAY)
        )


def test_a_zero_dose_step_is_refused(sm20, morphine_10):
    with pytest.raises(InvalidProgram):
        continuous(sm20, [morphine_10], DoseRate(Decimal(0), Unit.MG_PER_DAY))
