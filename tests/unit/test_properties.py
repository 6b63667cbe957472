"""Properties of the clinical core that must hold for every input, not just worked examples."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ithaca.clinical.checks import ProgramCheck, check_program
from ithaca.clinical.errors import RefillExceedsReservoir
from ithaca.clinical.factors import Route
from ithaca.clinical.findings import Severity
from ithaca.clinical.opioids import OpioidDose, find_factor, oral_morphine_equivalent
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.programs import PatientBolus
from ithaca.clinical.quantities import (
    QUANTITY_CLASSES,
    Concentration,
    Dimension,
    DoseRate,
    Unit,
    Volume,
)
from ithaca.clinical.refills import expected_residual, plan_refill, reconcile
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.trajectory import MAX_PLAUSIBLE_DAYS, reservoir_trajectory
from tests.strategies import (
    PUMP_ID,
    catalogue,
    continuous_morphine_programs,
    dates,
    exactly_in,
    fill_volumes,
    flow_rates,
    magnitudes,
    morphine_concentration_mg,
    morphine_concentrations,
    morphine_daily_doses,
    morphine_dose_mg,
    morphine_program,
    overfill_volumes,
    patient_boluses,
    pump,
    quantities,
    reservoir_volume,
    scaled_magnitudes,
    units_of,
    volumes,
)

# Two cores: modest example counts, and no per-example deadline (the first example of a
# test pays for warming caches, which is not what a deadline is meant to catch).
FEW = settings(max_examples=40, deadline=None)
SOME = settings(max_examples=80, deadline=None)

PUMPS_WITH_A_KNOWN_RESERVOIR = [
    pump_id for pump_id, model in catalogue().pumps.items() if isinstance(model.reservoir, Sourced)
]


# ----------------------------------------------------------------------------- units


UNIT_PAIRS = [
    (unit, other)
    for dimension in Dimension
    for unit in units_of(dimension)
    for other in units_of(dimension)
    if other is not unit
]


@pytest.mark.parametrize(
    ("unit", "other"), UNIT_PAIRS, ids=[f"{a.name}-to-{b.name}".lower() for a, b in UNIT_PAIRS]
)
@FEW
@given(data=st.data())
@example(data=None)  # the plain case first: 4 of the unit (4 mcg/day, 4 mL/day...)
def test_a_unit_round_trip_is_exact(unit: Unit, other: Unit, data: st.DataObject | None) -> None:
    dimension = unit.dimension
    if data is None:
        q = QUANTITY_CLASSES[dimension](Decimal(4), unit)
    else:
        q = data.draw(quantities(dimension, units=[unit]), label="q")
    there = q.to(other)
    back = there.to(q.unit)
    assert back.unit is q.unit
    assert back == q, f"{q} -> {there} -> {back}"
    assert back.magnitude == q.magnitude, f"{q} -> {there} -> {back}"


@SOME
@given(data=st.data())
def test_a_quantity_formatted_by_ithaca_parses_back_to_itself(data: st.DataObject) -> None:
    dimension = data.draw(st.sampled_from(list(Dimension)), label="dimension")
    kind = QUANTITY_CLASSES[dimension]
    unit = data.draw(st.sampled_from(units_of(dimension)), label="unit")
    magnitude = data.draw(
        st.one_of(magnitudes("0", "100000", 6), scaled_magnitudes()), label="magnitude"
    )
    q = kind(magnitude, unit)
    # Formatting is also applied to what ithaca computes: conversions and roundings.
    shown = data.draw(
        st.sampled_from(
            [q, *(q.to(u) for u in units_of(dimension)), q.rounded(4), q.rounded(0, down=True)]
        ),
        label="formatted quantity",
    )
    # A repeating decimal (1/6 mcg/h) cannot be printed exactly; its exact value is kept
    # beside the printed one. The property is about everything that can be printed exactly.
    assume(shown.exact is None)
    text = str(shown)
    assert "e" not in text.split(" ")[0].lower(), text
    parsed = parse_quantity(text, kind, bound=Bound.NON_NEGATIVE)
    assert parsed.unit is shown.unit
    assert parsed == shown
    assert parsed.magnitude == shown.magnitude


# ----------------------------------------------------------------------------- mg and mcg


@SOME
@given(
    dose_mg=morphine_dose_mg(),
    dose_unit=st.sampled_from([Unit.MG_PER_DAY, Unit.MCG_PER_DAY]),
    strength_mg=morphine_concentration_mg(),
    strength_unit=st.sampled_from([Unit.MG_PER_ML, Unit.MCG_PER_ML]),
    current_mg=st.none() | morphine_dose_mg(),
    current_unit=st.sampled_from([Unit.MG_PER_DAY, Unit.MCG_PER_DAY]),
    fill=fill_volumes(),
    filled_on=dates(),
)
def test_mg_and_mcg_inputs_give_the_same_verdict_flow_rate_and_refill_dates(
    dose_mg: Decimal,
    dose_unit: Unit,
    strength_mg: Decimal,
    strength_unit: Unit,
    current_mg: Decimal | None,
    current_unit: Unit,
    fill: Volume,
    filled_on: date,
) -> None:
    def dose(mg: Decimal, unit: Unit) -> DoseRate:
        return DoseRate(mg * 1000 / unit.factor, unit)  # D mg/day or D×1000 mcg/day

    def strength(mg: Decimal, unit: Unit) -> Concentration:
        return Concentration(mg * 1000 / unit.factor, unit)  # C mg/mL or C×1000 mcg/mL

    in_mg = morphine_program(dose(dose_mg, Unit.MG_PER_DAY), strength(strength_mg, Unit.MG_PER_ML))
    as_given = morphine_program(dose(dose_mg, dose_unit), strength(strength_mg, strength_unit))

    assert as_given.steps[0].flow == in_mg.steps[0].flow
    assert as_given.steps[0].flow.unit is in_mg.steps[0].flow.unit
    assert as_given.steps[0].flow.magnitude == in_mg.steps[0].flow.magnitude

    current_mg_map = {} if current_mg is None else {"morphine": dose(current_mg, Unit.MG_PER_DAY)}
    current_given = {} if current_mg is None else {"morphine": dose(current_mg, current_unit)}
    check_mg = check_program(in_mg, catalogue(), current_mg_map, days_since_last_increase=7)
    check_given = check_program(as_given, catalogue(), current_given, days_since_last_increase=7)
    assert check_given.verdict is check_mg.verdict

    # The only finding the unit itself may add is the mg/mcg mix-up warning.
    def codes(check: ProgramCheck) -> list[tuple[str, Severity]]:
        return [(f.code, f.severity) for f in check.findings if f.code != "unusual_unit"]

    assert codes(check_given) == codes(check_mg)
    for given_dose, mg_dose in zip(check_given.per_drug, check_mg.per_drug, strict=True):
        assert given_dose.max_daily_dose == mg_dose.max_daily_dose
        assert given_dose.max_daily_volume == mg_dose.max_daily_volume

    plan_mg = plan_refill(in_mg, fill, filled_on, catalogue())
    plan_given = plan_refill(as_given, fill, filled_on, catalogue())
    assert plan_given.empty_date == plan_mg.empty_date
    assert plan_given.low_reservoir_alarm_date == plan_mg.low_reservoir_alarm_date
    assert plan_given.stability_limit_date == plan_mg.stability_limit_date
    assert plan_given.next_refill_due == plan_mg.next_refill_due
    assert plan_given.limiting_factor == plan_mg.limiting_factor


# ----------------------------------------------------------------------------- OME

# (opioid, route, table): each factor is "per" a unit; methadone in CDC 2016 is tiered.
OME_CASES = [
    ("oxycodone", Route.ORAL, "cdc-2022"),
    ("fentanyl", Route.TRANSDERMAL, "cdc-2022"),
    ("morphine", Route.PARENTERAL, "cdc-2022"),
    ("methadone", Route.ORAL, "cdc-2016"),
]
DOSE_UNITS = units_of(Dimension.DOSE_RATE)


def _per_unit(opioid: str, route: Route, table_id: str) -> Unit:
    cat = catalogue()
    return find_factor(opioid, route, cat.factors.tables[table_id], cat).per


@st.composite
def _ome_case_and_dose(draw: st.DrawFn) -> tuple[str, Route, str, Decimal]:
    """An opioid and a daily dose as a number in its factor's own unit, tier bounds included."""
    opioid, route, table_id = draw(st.sampled_from(OME_CASES))
    amount = draw(
        st.one_of(
            magnitudes("0.001", "1000", 3),
            st.sampled_from([Decimal(20), Decimal(40), Decimal(60)]),
        )
    )
    assume(amount > 0)
    return opioid, route, table_id, amount


@SOME
@given(case=_ome_case_and_dose(), data=st.data())
def test_the_ome_total_does_not_depend_on_the_unit_the_dose_is_given_in(
    case: tuple[str, Route, str, Decimal], data: st.DataObject
) -> None:
    opioid, route, table_id, amount = case
    per = _per_unit(opioid, route, table_id)
    canonical = amount * per.factor
    # Every unit the same dose can be written in exactly (oxycodone: mg/day and mcg/day;
    # fentanyl: mcg/h, mg/h, mcg/day and mg/day).
    exact_units = [u for u in DOSE_UNITS if exactly_in(canonical, u) is not None]
    unit = data.draw(st.sampled_from(exact_units), label="unit given")
    magnitude = exactly_in(canonical, unit)
    assert magnitude is not None

    reference = oral_morphine_equivalent(
        [OpioidDose(opioid, route, DoseRate(amount, per))], catalogue(), table_id
    )
    given_in = oral_morphine_equivalent(
        [OpioidDose(opioid, route, DoseRate(magnitude, unit))], catalogue(), table_id
    )
    assert given_in.total == reference.total
    assert given_in.total.unit is reference.total.unit is Unit.MG_PER_DAY
    assert given_in.total.magnitude == reference.total.magnitude
    assert given_in.items[0].factor == reference.items[0].factor


@SOME
@given(
    case=st.sampled_from(OME_CASES),
    unit=st.sampled_from(DOSE_UNITS),
    magnitude=magnitudes("0.001", "1000", 3),
)
@example(case=OME_CASES[1], unit=Unit.MCG_PER_DAY, magnitude=Decimal(7))
@example(case=OME_CASES[1], unit=Unit.MCG_PER_HOUR, magnitude=Decimal(25))
@example(case=OME_CASES[0], unit=Unit.MCG_PER_DAY, magnitude=Decimal(30000))
def test_the_ome_of_a_dose_is_exactly_its_amount_times_the_factor_in_any_unit(
    case: tuple[str, Route, str], unit: Unit, magnitude: Decimal
) -> None:
    """7 mcg/day of transdermal fentanyl is 7/24 mcg/h × 2.4 = 0.7 mg/day OME, exactly."""
    assume(magnitude > 0)
    opioid, route, table_id = case
    cat = catalogue()
    factor = find_factor(opioid, route, cat.factors.tables[table_id], cat)
    dose = DoseRate(magnitude, unit)
    exact = (
        Fraction(dose.canonical) / Fraction(factor.per.factor) * Fraction(factor.factor_for(dose))
    )
    assume(exactly_in(Decimal(exact.numerator) / Decimal(exact.denominator), Unit.MCG) is not None)
    result = oral_morphine_equivalent([OpioidDose(opioid, route, dose)], cat, table_id)
    assert Fraction(result.total.magnitude) == exact, f"{dose} gave {result.total}"


# ----------------------------------------------------------------------------- reservoir


@st.composite
def _scenarios(draw: st.DrawFn, bolus: PatientBolus | None) -> tuple[BolusScenario, Decimal | None]:
    scenario = draw(st.sampled_from(list(BolusScenario)))
    typical = None
    if scenario is BolusScenario.TYPICAL:
        most = bolus.effective_max_per_day if bolus is not None else 0
        typical = draw(magnitudes(0, most, 1))
    return scenario, typical


@SOME
@given(
    program=continuous_morphine_programs(boluses=st.none() | patient_boluses()),
    last_fill=fill_volumes(),
    filled_on=dates(),
    days=st.integers(min_value=0, max_value=3650),
    more_days=st.integers(min_value=0, max_value=3650),
    data=st.data(),
)
def test_a_reservoir_never_goes_negative(
    program, last_fill, filled_on, days, more_days, data: st.DataObject
) -> None:
    scenario, typical = data.draw(_scenarios(program.bolus), label="scenario")
    on = filled_on + timedelta(days=days)
    later = on + timedelta(days=more_days)
    now = expected_residual(program, last_fill, filled_on, on, scenario, typical)
    then = expected_residual(program, last_fill, filled_on, later, scenario, typical)

    zero = Volume(Decimal(0), Unit.ML)
    assert now.volume >= zero
    assert now.volume.magnitude >= 0
    assert now.volume <= last_fill
    assert now.ran_dry == (now.volume == zero)
    assert zero <= then.volume <= now.volume


@SOME
@given(
    fill=fill_volumes(smallest="0.01"),
    filled_on=dates(),
    daily=flow_rates(),
    until=st.none() | st.integers(min_value=-5, max_value=4000),
)
def test_every_trajectory_point_is_non_negative_and_the_trajectory_never_rises(
    fill, filled_on, daily, until
) -> None:
    last_day = None if until is None else filled_on + timedelta(days=until)
    points = reservoir_trajectory(fill, filled_on, daily, last_day)
    zero = Volume(Decimal(0), Unit.ML)

    assert all(point.volume >= zero for point in points)
    assert all(point.volume.magnitude >= 0 for point in points)
    assert all(a.volume >= b.volume for a, b in pairwise(points))
    assert all(b.on - a.on == timedelta(days=1) for a, b in pairwise(points))
    if last_day is not None and last_day < filled_on:
        assert points == ()
        return
    assert points[0].on == filled_on
    assert points[0].volume == fill
    if last_day is not None:
        assert points[-1].on <= last_day
    if len(points) < MAX_PLAUSIBLE_DAYS and (last_day is None or points[-1].on < last_day):
        assert points[-1].volume == zero  # it stopped because it ran empty


# ----------------------------------------------------------------------------- refill dates


@SOME
@given(
    doses=st.lists(morphine_daily_doses(), min_size=2, max_size=2).map(sorted),
    strength=morphine_concentrations(),
    fill=fill_volumes(),
    filled_on=dates(),
    low_alarm=st.none() | volumes(low="0", high="40", places=3),
)
def test_a_higher_rate_never_moves_the_empty_date_or_the_next_refill_later(
    doses: list[DoseRate], strength, fill, filled_on, low_alarm
) -> None:
    lower, higher = doses
    slow = plan_refill(
        morphine_program(lower, strength), fill, filled_on, catalogue(), low_alarm=low_alarm
    )
    fast = plan_refill(
        morphine_program(higher, strength), fill, filled_on, catalogue(), low_alarm=low_alarm
    )

    assert fast.daily_volume >= slow.daily_volume
    assert fast.empty_date <= slow.empty_date
    assert fast.next_refill_due <= slow.next_refill_due
    if slow.low_reservoir_alarm_date is not None:
        assert fast.low_reservoir_alarm_date is not None
        assert fast.low_reservoir_alarm_date <= slow.low_reservoir_alarm_date


@pytest.mark.parametrize("pump_id", PUMPS_WITH_A_KNOWN_RESERVOIR)
@FEW
@given(
    data=st.data(),
    dose=morphine_daily_doses(),
    strength=morphine_concentrations(),
    filled_on=dates(),
)
def test_a_fill_above_the_reservoir_is_refused(
    pump_id: str, data: st.DataObject, dose, strength, filled_on
) -> None:
    fill = data.draw(overfill_volumes(reservoir_volume(pump_id)), label="fill")
    program = morphine_program(dose, strength, pump_id=pump_id)
    with pytest.raises(RefillExceedsReservoir):
        plan_refill(program, fill, filled_on, catalogue())


@pytest.mark.parametrize("pump_id", PUMPS_WITH_A_KNOWN_RESERVOIR)
@FEW
@given(
    data=st.data(),
    dose=morphine_daily_doses(),
    strength=morphine_concentrations(),
    filled_on=dates(),
)
def test_a_fill_up_to_the_reservoir_is_never_refused_as_too_large(
    pump_id: str, data: st.DataObject, dose, strength, filled_on
) -> None:
    fill = data.draw(fill_volumes(reservoir_volume(pump_id)), label="fill")
    program = morphine_program(dose, strength, pump_id=pump_id)
    plan = plan_refill(program, fill, filled_on, catalogue())  # must not raise
    assert plan.fill_volume == fill
    assert fill <= reservoir_volume(pump_id)


# ----------------------------------------------------------------------------- reconcile


@SOME
@given(
    expected=volumes(high="45"),
    measured=volumes(high="45"),
    pump_id=st.none() | st.sampled_from(PUMPS_WITH_A_KNOWN_RESERVOIR),
)
def test_reconcile_is_symmetric_in_magnitude_and_flags_every_discrepancy_above_threshold(
    expected: Volume, measured: Volume, pump_id: str | None
) -> None:
    policy = catalogue().policy
    model = None if pump_id is None else pump(pump_id)
    forward = reconcile(expected, measured, policy, model)
    backward = reconcile(measured, expected, policy, model)

    difference = expected.canonical - measured.canonical
    assert forward.discrepancy.unit is Unit.ML
    assert forward.discrepancy.canonical == difference  # expected − measured, signed
    assert abs(forward.discrepancy.canonical) == abs(difference)
    assert abs(backward.discrepancy.canonical) == abs(forward.discrepancy.canonical)
    assert backward.discrepancy == -forward.discrepancy

    threshold = policy.residual_discrepancy_percent.value
    if forward.percent is None:
        assert not expected.is_positive()
    else:
        assert forward.percent >= 0
        if forward.percent > threshold:
            assert forward.flagged
        elif model is None:
            assert not forward.flagged
    alarm = None if model is None else model.refill_discrepancy_alarm
    if isinstance(alarm, Sourced) and abs(difference) > alarm.value.canonical:
        assert forward.flagged
        assert backward.flagged


def test_strategies_cover_the_default_pump() -> None:
    """The shared strategies are about the SynchroMed II 40 mL; its reservoir is 40 mL."""
    assert PUMP_ID in PUMPS_WITH_A_KNOWN_RESERVOIR
    assert reservoir_volume() == Volume(Decimal(40), Unit.ML)
    assert isinstance(pump().reservoir, Sourced)
