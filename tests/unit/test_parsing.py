"""Reading a typed quantity against the closed list of units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ithaca.clinical.errors import (
    ClinicalError,
    MalformedQuantity,
    QuantityOutOfRange,
    UnknownUnit,
    WrongQuantityKind,
)
from ithaca.clinical.parsing import Bound, parse_number, parse_positive_number, parse_quantity
from ithaca.clinical.quantities import Concentration, DoseRate, FlowRate, Mass, Unit, Volume


@pytest.mark.parametrize(
    ("text", "kind", "magnitude", "unit"),
    [
        ("80mg/day", DoseRate, "80", Unit.MG_PER_DAY),
        ("80 mg/day", DoseRate, "80", Unit.MG_PER_DAY),
        ("  80 mg/day  ", DoseRate, "80", Unit.MG_PER_DAY),
        ("2 mg/d", DoseRate, "2", Unit.MG_PER_DAY),
        ("2 mg/24h", DoseRate, "2", Unit.MG_PER_DAY),
        ("2 MG/DAY", DoseRate, "2", Unit.MG_PER_DAY),
        ("500 mcg/day", DoseRate, "500", Unit.MCG_PER_DAY),
        ("500 µg/day", DoseRate, "500", Unit.MCG_PER_DAY),  # micro sign U+00B5
        ("500 μg/day", DoseRate, "500", Unit.MCG_PER_DAY),  # Greek mu U+03BC
        ("500 ug/d", DoseRate, "500", Unit.MCG_PER_DAY),
        ("25mcg/h", DoseRate, "25", Unit.MCG_PER_HOUR),
        ("25 mcg/hr", DoseRate, "25", Unit.MCG_PER_HOUR),
        ("25 ug/hr", DoseRate, "25", Unit.MCG_PER_HOUR),
        ("1 mg/hr", DoseRate, "1", Unit.MG_PER_HOUR),
        ("10mg/mL", Concentration, "10", Unit.MG_PER_ML),
        ("10 mg/ml", Concentration, "10", Unit.MG_PER_ML),
        ("25 mcg/mL", Concentration, "25", Unit.MCG_PER_ML),
        ("25 ug/mL", Concentration, "25", Unit.MCG_PER_ML),
        ("20mL", Volume, "20", Unit.ML),
        ("20 millilitres", Volume, "20", Unit.ML),
        ("10 µL", Volume, "10", Unit.MICROLITRE),
        ("10 uL", Volume, "10", Unit.MICROLITRE),
        ("0.5mL/day", FlowRate, "0.5", Unit.ML_PER_DAY),
        ("0.5 mL/d", FlowRate, "0.5", Unit.ML_PER_DAY),
        ("2 µL/h", FlowRate, "2", Unit.MICROLITRE_PER_HOUR),
        ("2 uL/hr", FlowRate, "2", Unit.MICROLITRE_PER_HOUR),
        ("0.1 mL/h", FlowRate, "0.1", Unit.ML_PER_HOUR),
        ("2 mg", Mass, "2", Unit.MG),
        ("500 micrograms", Mass, "500", Unit.MCG),
        ("0.5 mg", Mass, "0.5", Unit.MG),
    ],
)
def test_listed_spellings_are_accepted(text, kind, magnitude, unit):
    quantity = parse_quantity(text, kind)
    assert isinstance(quantity, kind)
    assert quantity.magnitude == Decimal(magnitude)
    assert quantity.unit is unit


def test_the_parsed_magnitude_is_an_exact_decimal():
    # "0.1" stays 0.1, not the float 0.1000000000000000055511151231257827
    dose = parse_quantity("0.1 mg/day", DoseRate)
    assert dose.magnitude == Decimal("0.1")
    assert isinstance(dose.magnitude, Decimal)


@pytest.mark.parametrize("text", ["2 mgs", "2mgs", "2 m g", "2 grams", "2 g", "2 mcg/hour"])
def test_unlisted_unit_spellings_are_refused_not_guessed(text):
    kind = DoseRate if "/" in text else Mass
    with pytest.raises(UnknownUnit):
        parse_quantity(text, kind)


def test_a_unit_with_an_inner_space_and_no_number_is_refused():
    with pytest.raises(MalformedQuantity):
        parse_quantity("m g", Mass)


def test_mgs_a_day_is_refused_with_the_list_of_accepted_units():
    with pytest.raises(UnknownUnit) as raised:
        parse_quantity("2 mgs/day", DoseRate)
    assert raised.value.known == ("mcg/day", "mg/day", "mcg/h", "mg/h")
    assert "mg/day" in str(raised.value)


def test_a_number_without_a_leading_zero_is_refused():
    # ".5mg" is read as "5mg" by a tired eye
    with pytest.raises(MalformedQuantity) as raised:
        parse_quantity(".5mg", Mass)
    assert "leading zero" in str(raised.value)


def test_exponent_notation_is_refused():
    with pytest.raises((MalformedQuantity, UnknownUnit)):
        parse_quantity("1e3mg", Mass)
    with pytest.raises(MalformedQuantity):
        parse_number("1e3")


@pytest.mark.parametrize("text", ["1,000mg", "2,5 mg", "1.2.3 mg", "2. mg"])
def test_separators_and_stray_points_are_refused(text):
    with pytest.raises(MalformedQuantity):
        parse_quantity(text, Mass)


@pytest.mark.parametrize("text", ["-5mg", "0mg", "0 mg", "0.0 mg", "-0 mg"])
def test_zero_and_negative_doses_are_out_of_range(text):
    with pytest.raises(QuantityOutOfRange):
        parse_quantity(text, Mass)


def test_zero_is_accepted_where_zero_or_more_is_asked():
    assert parse_quantity("0 mL", Volume, bound=Bound.NON_NEGATIVE).magnitude == 0
    with pytest.raises(QuantityOutOfRange):
        parse_quantity("-1 mL", Volume, bound=Bound.NON_NEGATIVE)


@pytest.mark.parametrize("text", ["2", "2 ", "  12  "])
def test_a_missing_unit_is_refused(text):
    with pytest.raises(MalformedQuantity) as raised:
        parse_quantity(text, DoseRate)
    assert "unit is missing" in str(raised.value)


@pytest.mark.parametrize("text", ["", "   ", "mg/day", "two mg/day"])
def test_text_without_a_number_is_refused(text):
    with pytest.raises(MalformedQuantity):
        parse_quantity(text, DoseRate)


def test_a_concentration_given_where_a_daily_dose_is_expected_is_the_wrong_kind():
    with pytest.raises(WrongQuantityKind) as raised:
        parse_quantity("10mg/mL", DoseRate)
    assert raised.value.given == "concentration"
    assert raised.value.expected == "daily dose"


def test_a_daily_dose_given_where_a_flow_rate_is_expected_is_the_wrong_kind():
    with pytest.raises(WrongQuantityKind):
        parse_quantity("2 mg/day", FlowRate)


@pytest.mark.parametrize(
    ("text", "kind", "names"),
    [
        ("2 mgs/day", DoseRate, "mgs/day"),
        ("10mg/mL", DoseRate, "10mg/mL"),
        (".5mg", Mass, ".5"),
        ("-5mg", Mass, "-5mg"),
        ("2", DoseRate, "'2'"),
    ],
)
def test_a_refusal_reads_as_a_sentence_a_clinician_can_act_on(text, kind, names):
    with pytest.raises(ClinicalError) as raised:
        parse_quantity(text, kind)
    message = str(raised.value)
    # a sentence in words, not a class name or a repr
    assert len(message.split()) >= 6
    assert "Error" not in message
    assert "<" not in message
    assert "None" not in message
    assert "Decimal(" not in message
    # it quotes what was typed
    assert names in message


def test_the_wrong_kind_message_gives_an_example_of_what_is_wanted():
    with pytest.raises(WrongQuantityKind) as raised:
        parse_quantity("10mg/mL", DoseRate)
    message = str(raised.value)
    assert message == (
        "'10mg/mL' is a concentration, but a daily dose is expected here "
        "(for example 2mg/day, 500mcg/day or 25mcg/h)"
    )


def test_a_positive_number_rule_refuses_zero():
    assert parse_positive_number("1.5", "a ratio") == Decimal("1.5")
    with pytest.raises(QuantityOutOfRange):
        parse_positive_number("0", "a ratio")
