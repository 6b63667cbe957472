"""Dose, volume, concentration and rate as exact values with units from a closed list.

Why not floats: 0.1 + 0.2 != 0.3, and a dose that drifts by a rounding error is a wrong
dose. Why not a general unit library: a closed list of a dozen units, each with an exact
Decimal factor to the canonical unit of its dimension, cannot parse "m g" as gram-metre
and cannot add a concentration to a volume. Each dimension is its own class, so a
function that wants a daily dose cannot be handed a concentration.

Canonical units (what storage columns are named after): mass in mcg, volume in mL,
concentration in mcg/mL, dose rate in mcg/day, flow rate in mL/day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from enum import Enum
from fractions import Fraction
from functools import total_ordering
from typing import ClassVar, Self

from ithaca.clinical.errors import UnitMismatch


class Dimension(Enum):
    MASS = "mass"
    VOLUME = "volume"
    CONCENTRATION = "concentration"
    DOSE_RATE = "daily dose"
    FLOW_RATE = "flow rate"


class Unit(Enum):
    """The closed list. The value is (symbol, dimension, exact factor to canonical)."""

    MCG = ("mcg", Dimension.MASS, Decimal(1))
    MG = ("mg", Dimension.MASS, Decimal(1000))
    ML = ("mL", Dimension.VOLUME, Decimal(1))
    MICROLITRE = ("µL", Dimension.VOLUME, Decimal("0.001"))
    MCG_PER_ML = ("mcg/mL", Dimension.CONCENTRATION, Decimal(1))
    MG_PER_ML = ("mg/mL", Dimension.CONCENTRATION, Decimal(1000))
    MCG_PER_DAY = ("mcg/day", Dimension.DOSE_RATE, Decimal(1))
    MG_PER_DAY = ("mg/day", Dimension.DOSE_RATE, Decimal(1000))
    MCG_PER_HOUR = ("mcg/h", Dimension.DOSE_RATE, Decimal(24))
    MG_PER_HOUR = ("mg/h", Dimension.DOSE_RATE, Decimal(24000))
    ML_PER_DAY = ("mL/day", Dimension.FLOW_RATE, Decimal(1))
    ML_PER_HOUR = ("mL/h", Dimension.FLOW_RATE, Decimal(24))
    MICROLITRE_PER_HOUR = ("µL/h", Dimension.FLOW_RATE, Decimal("0.024"))

    @property
    def symbol(self) -> str:
        return self.value[0]

    @property
    def dimension(self) -> Dimension:
        return self.value[1]

    @property
    def factor(self) -> Decimal:
        return self.value[2]


def format_decimal(value: Decimal) -> str:
    """Plain positional notation: Decimal('8E+1') prints as '80', never as '8E+1'."""
    normal = value.normalize()
    text = format(normal, "f")
    return "0" if text in ("-0", "0") else text


def round_to(value: Decimal, places: int, *, down: bool = False) -> Decimal:
    """Round to a number of decimal places; down=True never rounds a dose up."""
    exponent = Decimal(1).scaleb(-places)
    with localcontext() as context:
        # Room for every digit of the value before the point plus the places after it,
        # so quantize never fails on a large magnitude.
        context.prec = max(context.prec, value.adjusted() + places + 2)
        return value.quantize(exponent, rounding=ROUND_DOWN if down else ROUND_HALF_EVEN)


def to_decimal(value: Fraction) -> Decimal:
    """A rational as a Decimal: exact when it has a finite decimal form, else 28 digits."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _is_finite_decimal(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Quantity:
    """A Decimal magnitude with a unit of this class's dimension. Compare by value.

    A conversion between daily and hourly units divides by 24, which has no finite
    decimal form (4 mcg/day = 1/6 mcg/h). The magnitude shown is then a 28-digit Decimal,
    and `exact` keeps the rational value, so converting back gives exactly 4 mcg/day and
    two quantities compare equal exactly when they are equal.
    """

    magnitude: Decimal
    unit: Unit
    exact: Fraction | None = field(default=None, repr=False)

    DIMENSION: ClassVar[Dimension]
    CANONICAL: ClassVar[Unit]

    def __post_init__(self) -> None:
        if not isinstance(self.magnitude, Decimal):
            # A float here would carry binary rounding into a dose; refuse it at the door.
            raise TypeError(
                f"{type(self).__name__} needs a Decimal magnitude, "
                f"not {type(self.magnitude).__name__}"
            )
        if not self.magnitude.is_finite():
            raise ValueError(f"{type(self).__name__} must be a finite number")
        if self.unit.dimension is not self.DIMENSION:
            raise UnitMismatch(self.unit.symbol, self.DIMENSION.value, "make a quantity from")

    @classmethod
    def of(cls, magnitude: Decimal | int | str, unit: Unit) -> Self:
        if isinstance(magnitude, float):
            raise TypeError(f"{cls.__name__} needs an exact magnitude, not a float")
        return cls(Decimal(magnitude), unit)

    @classmethod
    def from_fraction(cls, value: Fraction, unit: Unit) -> Self:
        if _is_finite_decimal(value):
            return cls(to_decimal(value), unit)
        return cls(to_decimal(value), unit, value)

    @property
    def value(self) -> Fraction:
        """The exact value in this quantity's own unit."""
        return self.exact if self.exact is not None else Fraction(self.magnitude)

    @property
    def canonical_value(self) -> Fraction:
        return self.value * Fraction(self.unit.factor)

    @property
    def canonical(self) -> Decimal:
        """The magnitude in this dimension's canonical unit."""
        return to_decimal(self.canonical_value)

    def to(self, unit: Unit) -> Self:
        if unit.dimension is not self.DIMENSION:
            raise UnitMismatch(str(self), unit.symbol, "convert between")
        return type(self).from_fraction(self.canonical_value / Fraction(unit.factor), unit)

    def in_canonical(self) -> Self:
        return self.to(self.CANONICAL)

    def _same_kind(self, other: object, operation: str) -> Quantity:
        if not isinstance(other, Quantity):
            raise TypeError(f"cannot {operation} {self} and {other!r}")
        if other.DIMENSION is not self.DIMENSION:
            raise UnitMismatch(str(self), str(other), operation)
        return other

    def _in_my_unit(self, other: Quantity) -> Fraction:
        return other.canonical_value / Fraction(self.unit.factor)

    def __add__(self, other: object) -> Self:
        other_q = self._same_kind(other, "add")
        return type(self).from_fraction(self.value + self._in_my_unit(other_q), self.unit)

    def __sub__(self, other: object) -> Self:
        other_q = self._same_kind(other, "subtract")
        return type(self).from_fraction(self.value - self._in_my_unit(other_q), self.unit)

    def __mul__(self, scalar: Decimal | int) -> Self:
        if isinstance(scalar, bool) or not isinstance(scalar, Decimal | int):
            return NotImplemented
        return type(self).from_fraction(self.value * Fraction(scalar), self.unit)

    __rmul__ = __mul__

    def __neg__(self) -> Self:
        return type(self).from_fraction(-self.value, self.unit)

    def ratio_to(self, other: Quantity) -> Decimal:
        """self / other for two quantities of one dimension (a plain number)."""
        other_q = self._same_kind(other, "divide")
        return to_decimal(self.canonical_value / other_q.canonical_value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity) or other.DIMENSION is not self.DIMENSION:
            return NotImplemented
        return self.canonical_value == other.canonical_value

    def __lt__(self, other: object) -> bool:
        other_q = self._same_kind(other, "compare")
        return self.canonical_value < other_q.canonical_value

    def __hash__(self) -> int:
        return hash((self.DIMENSION, self.canonical_value))

    def is_positive(self) -> bool:
        return self.magnitude > 0

    def rounded(self, places: int, *, down: bool = False) -> Self:
        return type(self)(round_to(self.magnitude, places, down=down), self.unit)

    def __str__(self) -> str:
        return f"{format_decimal(self.magnitude)} {self.unit.symbol}"


class Mass(Quantity):
    DIMENSION = Dimension.MASS
    CANONICAL = Unit.MCG


class Volume(Quantity):
    DIMENSION = Dimension.VOLUME
    CANONICAL = Unit.ML


class Concentration(Quantity):
    DIMENSION = Dimension.CONCENTRATION
    CANONICAL = Unit.MCG_PER_ML


class DoseRate(Quantity):
    """An amount of drug per unit time; ithaca speaks of it as a daily dose."""

    DIMENSION = Dimension.DOSE_RATE
    CANONICAL = Unit.MCG_PER_DAY


class FlowRate(Quantity):
    """A volume per unit time: what the pump moves."""

    DIMENSION = Dimension.FLOW_RATE
    CANONICAL = Unit.ML_PER_DAY


QUANTITY_CLASSES: dict[Dimension, type[Quantity]] = {
    Dimension.MASS: Mass,
    Dimension.VOLUME: Volume,
    Dimension.CONCENTRATION: Concentration,
    Dimension.DOSE_RATE: DoseRate,
    Dimension.FLOW_RATE: FlowRate,
}

# The unit a drug's doses are spoken in, and the matching rate and concentration units.
DOSE_UNIT_FOR_MASS: dict[Unit, Unit] = {Unit.MG: Unit.MG_PER_DAY, Unit.MCG: Unit.MCG_PER_DAY}
CONCENTRATION_UNIT_FOR_MASS: dict[Unit, Unit] = {
    Unit.MG: Unit.MG_PER_ML,
    Unit.MCG: Unit.MCG_PER_ML,
}


def dose_rate_of(concentration: Concentration, flow: FlowRate) -> DoseRate:
    """Daily dose = concentration × flow (mcg/mL × mL/day = mcg/day)."""
    return DoseRate.from_fraction(
        concentration.canonical_value * flow.canonical_value, Unit.MCG_PER_DAY
    )


def flow_for(dose: DoseRate, concentration: Concentration) -> FlowRate:
    """Flow needed for a daily dose = dose ÷ concentration (mcg/day ÷ mcg/mL = mL/day)."""
    if not concentration.is_positive():
        raise ValueError("a concentration must be above zero to deliver a dose")
    return FlowRate.from_fraction(
        dose.canonical_value / concentration.canonical_value, Unit.ML_PER_DAY
    )


def mass_in(concentration: Concentration, volume: Volume) -> Mass:
    """Drug in a volume = concentration × volume."""
    return Mass.from_fraction(concentration.canonical_value * volume.canonical_value, Unit.MCG)


def volume_for(mass: Mass, concentration: Concentration) -> Volume:
    """Volume that carries a mass of drug = mass ÷ concentration."""
    if not concentration.is_positive():
        raise ValueError("a concentration must be above zero to carry a dose")
    return Volume.from_fraction(mass.canonical_value / concentration.canonical_value, Unit.ML)


def days_to_move(volume: Volume, flow: FlowRate) -> Fraction:
    """Days a flow takes to move a volume (exact; may be fractional)."""
    if not flow.is_positive():
        raise ValueError("a flow rate must be above zero to move a volume")
    return volume.canonical_value / flow.canonical_value


def volume_moved(flow: FlowRate, days: Fraction | int) -> Volume:
    return Volume.from_fraction(flow.canonical_value * days, Unit.ML)


def dose_over(dose: DoseRate, days: Fraction | int) -> Mass:
    return Mass.from_fraction(dose.canonical_value * days, Unit.MCG)
