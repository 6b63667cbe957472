"""Exact quantities: conversions, refusals, formatting and rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ithaca.clinical.errors import UnitMismatch
from ithaca.clinical.quantities import (
    Concentration,
    DoseRate,
    FlowRate,
    Mass,
    Unit,
    Volume,
    days_to_move,
    dose_rate_of,
    flow_for,
    format_decimal,
    mass_in,
    round_to,
    volume_for,
)


def test_two_milligrams_a_day_is_exactly_two_thousand_micrograms_a_day():
    # 2 mg/day × 1000 mcg/mg = 2000 mcg/day
    two_mg = DoseRate(Decimal(2), Unit.MG_PER_DAY)
    assert two_mg == DoseRate(Decimal(2000), Unit.MCG_PER_DAY)
    assert two_mg.to(Unit.MCG_PER_DAY).magnitude == Decimal(2000)
    assert two_mg.canonical == Decimal(2000)


def test_twenty_five_micrograms_an_hour_is_six_hundred_micrograms_a_day():
    # 25 mcg/h × 24 h/day = 600 mcg/day
    patch = DoseRate(Decimal(25), Unit.MCG_PER_HOUR)
    assert patch == DoseRate(Decimal(600), Unit.MCG_PER_DAY)
    assert patch.to(Unit.MCG_PER_DAY).magnitude == Decimal(600)
    # and back: 600 mcg/day ÷ 24 = 25 mcg/h, with no binary drift
    assert DoseRate(Decimal(600), Unit.MCG_PER_DAY).to(Unit.MCG_PER_HOUR).magnitude == Decimal(25)


def test_a_milligram_an_hour_is_twenty_four_milligrams_a_day():
    # 1 mg/h × 24 = 24 mg/day = 24000 mcg/day
    assert DoseRate(Decimal(1), Unit.MG_PER_HOUR) == DoseRate(Decimal(24), Unit.MG_PER_DAY)


def test_microlitres_an_hour_convert_exactly_to_millilitres_a_day():
    # 2 µL/h × 24 h = 48 µL/day = 0.048 mL/day: the SynchroMed II minimum rate
    assert FlowRate(Decimal(2), Unit.MICROLITRE_PER_HOUR) == FlowRate(
        Decimal("0.048"), Unit.ML_PER_DAY
    )
    # 0.5 mL/day ÷ 0.024 = 20.8333... µL/h; the round trip back is exact at 0.5 mL/day
    half = FlowRate(Decimal("0.5"), Unit.ML_PER_DAY)
    assert FlowRate(Decimal(1), Unit.ML_PER_HOUR) == FlowRate(Decimal(24), Unit.ML_PER_DAY)
    assert half.to(Unit.MICROLITRE_PER_HOUR).rounded(4).magnitude == Decimal("20.8333")


def test_microlitres_convert_exactly_to_millilitres():
    # 500 µL × 0.001 mL/µL = 0.5 mL
    assert Volume(Decimal(500), Unit.MICROLITRE) == Volume(Decimal("0.5"), Unit.ML)


def test_point_one_plus_point_two_is_exactly_point_three():
    # the reason for Decimal: in floats 0.1 + 0.2 != 0.3
    total = Volume(Decimal("0.1"), Unit.ML) + Volume(Decimal("0.2"), Unit.ML)
    assert total == Volume(Decimal("0.3"), Unit.ML)


def test_adding_keeps_the_left_hand_unit():
    # 1 mg + 500 mcg = 1.5 mg
    total = Mass(Decimal(1), Unit.MG) + Mass(Decimal(500), Unit.MCG)
    assert total.unit is Unit.MG
    assert total.magnitude == Decimal("1.5")


def test_equal_quantities_in_different_units_hash_alike():
    a = Concentration(Decimal(10), Unit.MG_PER_ML)
    b = Concentration(Decimal(10000), Unit.MCG_PER_ML)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_a_float_magnitude_is_refused():
    with pytest.raises(TypeError, match="Decimal"):
        DoseRate(2.0, Unit.MG_PER_DAY)  # type: ignore[arg-type]


def test_a_float_is_refused_by_the_of_constructor_too():
    # Decimal(0.1) would silently become 0.1000000000000000055511151231257827...
    with pytest.raises(TypeError):
        DoseRate.of(0.1, Unit.MG_PER_DAY)  # type: ignore[arg-type]


def test_multiplying_a_dose_by_a_float_is_refused():
    dose = DoseRate(Decimal(2), Unit.MG_PER_DAY)
    with pytest.raises(TypeError):
        _ = dose * 1.5  # type: ignore[operator]


def test_multiplying_by_a_decimal_or_an_int_is_exact():
    # 2 mg/day × 1.5 = 3 mg/day; 3 × 2 mg/day = 6 mg/day
    dose = DoseRate(Decimal(2), Unit.MG_PER_DAY)
    assert dose * Decimal("1.5") == DoseRate(Decimal(3), Unit.MG_PER_DAY)
    assert 3 * dose == DoseRate(Decimal(6), Unit.MG_PER_DAY)


def test_a_non_finite_magnitude_is_refused():
    with pytest.raises(ValueError, match="finite"):
        Volume(Decimal("Infinity"), Unit.ML)
    with pytest.raises(ValueError, match="finite"):
        Volume(Decimal("NaN"), Unit.ML)


def test_adding_milligrams_to_millilitres_is_refused():
    with pytest.raises(UnitMismatch) as raised:
        _ = Mass(Decimal(2), Unit.MG) + Volume(Decimal(1), Unit.ML)
    assert "different things" in str(raised.value)


def test_subtracting_a_concentration_from_a_volume_is_refused():
    with pytest.raises(UnitMismatch):
        _ = Volume(Decimal(20), Unit.ML) - Concentration(Decimal(10), Unit.MG_PER_ML)


def test_comparing_a_daily_dose_with_a_flow_rate_is_refused():
    with pytest.raises(UnitMismatch):
        _ = DoseRate(Decimal(2), Unit.MG_PER_DAY) < FlowRate(Decimal(2), Unit.ML_PER_DAY)


def test_a_daily_dose_is_never_equal_to_a_flow_rate_of_the_same_number():
    assert DoseRate(Decimal(2), Unit.MG_PER_DAY) != FlowRate(Decimal(2), Unit.ML_PER_DAY)


def test_converting_a_mass_to_a_volume_unit_is_refused():
    with pytest.raises(UnitMismatch):
        Mass(Decimal(2), Unit.MG).to(Unit.ML)


def test_a_quantity_cannot_be_made_with_a_unit_of_another_dimension():
    with pytest.raises(UnitMismatch):
        Volume(Decimal(2), Unit.MG)


def test_flow_is_dose_divided_by_concentration():
    # 2 mg/day ÷ 10 mg/mL = 0.2 mL/day
    flow = flow_for(
        DoseRate(Decimal(2), Unit.MG_PER_DAY), Concentration(Decimal(10), Unit.MG_PER_ML)
    )
    assert flow == FlowRate(Decimal("0.2"), Unit.ML_PER_DAY)


def test_dose_is_concentration_times_flow():
    # 25 mcg/mL × 0.048 mL/day = 1.2 mcg/day
    dose = dose_rate_of(
        Concentration(Decimal(25), Unit.MCG_PER_ML), FlowRate(Decimal("0.048"), Unit.ML_PER_DAY)
    )
    assert dose == DoseRate(Decimal("1.2"), Unit.MCG_PER_DAY)


def test_mass_and_volume_follow_from_concentration():
    # 10 mg/mL × 20 mL = 200 mg; 200 mg ÷ 10 mg/mL = 20 mL
    conc = Concentration(Decimal(10), Unit.MG_PER_ML)
    assert mass_in(conc, Volume(Decimal(20), Unit.ML)) == Mass(Decimal(200), Unit.MG)
    assert volume_for(Mass(Decimal(200), Unit.MG), conc) == Volume(Decimal(20), Unit.ML)


def test_days_to_move_a_volume_is_volume_divided_by_flow():
    # 40 mL ÷ 0.2 mL/day = 200 days
    days = days_to_move(Volume(Decimal(40), Unit.ML), FlowRate(Decimal("0.2"), Unit.ML_PER_DAY))
    assert days == Decimal(200)


def test_a_zero_concentration_cannot_deliver_a_dose():
    with pytest.raises(ValueError, match="above zero"):
        flow_for(DoseRate(Decimal(2), Unit.MG_PER_DAY), Concentration(Decimal(0), Unit.MG_PER_ML))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("8E+1"), "80"),
        (Decimal("1E+3"), "1000"),
        (Decimal("2.50"), "2.5"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("0.048"), "0.048"),
        (Decimal("-0"), "0"),
        (Decimal("0E-5"), "0"),
    ],
)
def test_formatting_never_prints_exponent_notation(value, shown):
    text = format_decimal(value)
    assert text == shown
    assert "E" not in text.upper()


def test_a_quantity_prints_plainly_with_its_unit():
    assert str(DoseRate(Decimal("8E+1"), Unit.MG_PER_DAY)) == "80 mg/day"
    assert str(FlowRate(Decimal("0.20"), Unit.ML_PER_DAY)) == "0.2 mL/day"
    assert str(Volume(Decimal(500), Unit.MICROLITRE)) == "500 µL"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        # 0.3339 to three places, downward: 0.333, never 0.334
        (Decimal("0.3339"), 3, Decimal("0.333")),
        # 2.9999 to whole units, downward: 2, never 3
        (Decimal("2.9999"), 0, Decimal(2)),
        # 333.3333... mcg/day down to 1 mcg/day: 333
        (Decimal(1000) / Decimal(3), 0, Decimal(333)),
        # already exact: unchanged
        (Decimal("2.4"), 3, Decimal("2.400")),
    ],
)
def test_rounding_down_never_rounds_a_dose_up(value, places, expected):
    result = round_to(value, places, down=True)
    assert result == expected
    assert result <= value


def test_rounding_without_down_rounds_to_nearest():
    # 0.3339 to three places: nearest is 0.334
    assert round_to(Decimal("0.3339"), 3) == Decimal("0.334")


def test_a_rounded_quantity_keeps_its_unit_and_rounds_down_when_asked():
    dose = DoseRate(Decimal("0.99999"), Unit.MG_PER_DAY)
    assert dose.rounded(2, down=True) == DoseRate(Decimal("0.99"), Unit.MG_PER_DAY)
    assert dose.rounded(2, down=True).unit is Unit.MG_PER_DAY
