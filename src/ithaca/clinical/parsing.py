"""Reading a quantity typed by a person ("80mg/day", "10 mg/mL") against the closed list.

Only exact spellings listed here are accepted: "mgs" and "m g" are refused with the
list of what is accepted, never guessed. Safe-writing rules from medication practice are
enforced: a leading zero is required (".5 mg" is read as "5 mg" by a tired eye).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar

from ithaca.clinical.errors import (
    MalformedQuantity,
    QuantityOutOfRange,
    UnknownUnit,
    WrongQuantityKind,
)
from ithaca.clinical.quantities import QUANTITY_CLASSES, Dimension, Quantity, Unit

Q = TypeVar("Q", bound=Quantity)

# Every accepted spelling, folded to lower case. "u" for micro is accepted because a
# keyboard seldom has "µ"; both the micro sign (U+00B5) and Greek mu (U+03BC) are.
_SPELLINGS: dict[str, Unit] = {}


def _register(unit: Unit, *spellings: str) -> None:
    for spelling in (unit.symbol, *spellings):
        _SPELLINGS[spelling.lower()] = unit


_register(Unit.MCG, "µg", "μg", "ug", "microgram", "micrograms")
_register(Unit.MG, "milligram", "milligrams")
_register(Unit.ML, "millilitre", "milliliter", "millilitres", "milliliters")
_register(Unit.MICROLITRE, "μL", "uL", "microlitre", "microliter")
_register(Unit.MCG_PER_ML, "µg/mL", "μg/mL", "ug/mL")
_register(Unit.MG_PER_ML)
_register(Unit.MCG_PER_DAY, "mcg/d", "mcg/24h", "µg/day", "μg/day", "ug/day", "µg/d", "ug/d")
_register(Unit.MG_PER_DAY, "mg/d", "mg/24h")
_register(Unit.MCG_PER_HOUR, "mcg/hr", "µg/h", "μg/h", "ug/h", "ug/hr")
_register(Unit.MG_PER_HOUR, "mg/hr")
_register(Unit.ML_PER_DAY, "mL/d", "mL/24h")
_register(Unit.ML_PER_HOUR, "mL/hr")
_register(Unit.MICROLITRE_PER_HOUR, "μL/h", "uL/h", "uL/hr")

_EXAMPLES: dict[Dimension, str] = {
    Dimension.MASS: "2mg or 500mcg",
    Dimension.VOLUME: "20mL",
    Dimension.CONCENTRATION: "10mg/mL or 25mcg/mL",
    Dimension.DOSE_RATE: "2mg/day, 500mcg/day or 25mcg/h",
    Dimension.FLOW_RATE: "0.5mL/day",
}

_KIND_NAMES: dict[Dimension, str] = {
    Dimension.MASS: "mass (an amount of drug)",
    Dimension.VOLUME: "volume",
    Dimension.CONCENTRATION: "concentration",
    Dimension.DOSE_RATE: "daily dose",
    Dimension.FLOW_RATE: "flow rate",
}

_NUMBER_THEN_UNIT = re.compile(r"^\s*(?P<sign>[-+]?)(?P<number>[0-9.,]+)\s?(?P<unit>\S.*?)?\s*$")
_PLAIN_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


class Bound(Enum):
    POSITIVE = "above zero"
    NON_NEGATIVE = "zero or more"


def known_spellings(dimension: Dimension) -> list[str]:
    return [u.symbol for u in Unit if u.dimension is dimension]


def parse_unit(text: str, kind: type[Q]) -> Unit:
    unit = _SPELLINGS.get(text.strip().lower())
    if unit is None:
        raise UnknownUnit(text, _KIND_NAMES[kind.DIMENSION], known_spellings(kind.DIMENSION))
    if unit.dimension is not kind.DIMENSION:
        raise WrongQuantityKind(
            text,
            _KIND_NAMES[unit.dimension],
            _KIND_NAMES[kind.DIMENSION],
            _EXAMPLES[kind.DIMENSION],
        )
    return unit


def parse_number(text: str, what: str = "number") -> Decimal:
    """A plain decimal number with a leading zero; no exponent, no thousands separator."""
    stripped = text.strip()
    if stripped.startswith("."):
        raise MalformedQuantity(text, "write a leading zero before the decimal point", "0.5")
    if not _PLAIN_NUMBER.match(stripped):
        raise MalformedQuantity(text, f"the {what} must be a plain decimal number", "0.5 or 12")
    try:
        return Decimal(stripped)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already rules it out
        raise MalformedQuantity(text, "not a number", "12") from exc


def parse_quantity(text: str, kind: type[Q], *, bound: Bound = Bound.POSITIVE) -> Q:
    """Read "80mg/day" as a DoseRate, refusing every other unit, kind or form."""
    example = _EXAMPLES[kind.DIMENSION]
    match = _NUMBER_THEN_UNIT.match(text)
    if match is None:
        raise MalformedQuantity(text, "a number followed by a unit is expected", example)
    unit_text = match.group("unit")
    if not unit_text:
        raise MalformedQuantity(text, "the unit is missing", example)
    try:
        unit = parse_unit(unit_text, kind)
    except WrongQuantityKind as exc:
        raise WrongQuantityKind(text.strip(), exc.given, exc.expected, exc.example) from None
    magnitude = parse_number(match.group("number"))
    if match.group("sign") == "-":
        magnitude = -magnitude
    _check_bound(text, magnitude, bound, _KIND_NAMES[kind.DIMENSION])
    quantity = QUANTITY_CLASSES[kind.DIMENSION](magnitude, unit)
    assert isinstance(quantity, kind)  # noqa: S101 - the table maps each dimension to its class
    return quantity


def _check_bound(text: str, magnitude: Decimal, bound: Bound, what: str) -> None:
    if bound is Bound.POSITIVE and magnitude <= 0:
        raise QuantityOutOfRange(f"a {what}", text.strip(), "it must be above zero")
    if bound is Bound.NON_NEGATIVE and magnitude < 0:
        raise QuantityOutOfRange(f"a {what}", text.strip(), "it cannot be negative")


def parse_positive_number(text: str, what: str) -> Decimal:
    if text.strip().startswith("-"):
        raise QuantityOutOfRange(what, text.strip(), "it must be above zero")
    value = parse_number(text, what)
    if value <= 0:
        raise QuantityOutOfRange(what, text.strip(), "it must be above zero")
    return value
