"""Shared Hypothesis strategies for the clinical core.

Every quantity is built from a Decimal magnitude (never a float) and a unit of the closed
list. Bounds are given in the canonical unit of a dimension (mcg, mL, mcg/mL, mcg/day,
mL/day) and divided by the drawn unit's factor, so a strategy means the same physical range
whatever unit it happens to draw.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache

from hypothesis import strategies as st

from ithaca.clinical.catalogue import Catalogue, build_catalogue
from ithaca.clinical.drugs import Drug
from ithaca.clinical.programs import PatientBolus, Program, ReservoirDrug, continuous
from ithaca.clinical.pumps import PumpModel
from ithaca.clinical.quantities import (
    QUANTITY_CLASSES,
    Concentration,
    Dimension,
    DoseRate,
    FlowRate,
    Mass,
    Quantity,
    Unit,
    Volume,
)
from ithaca.clinical.sourced import Sourced
from ithaca.datafiles import base_documents

PUMP_ID = "synchromed-ii-40"
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


@cache
def catalogue() -> Catalogue:
    """The base library shipped with ithaca, loaded once per test session.

    This is what load_catalogue() returns with no clinic file; it is built from the base
    documents directly so that an ITHACA_CLINIC_LIBRARY variable in the environment cannot
    change what the properties check (as tests/conftest.py does for its fixture).
    """
    return build_catalogue(base_documents())


def pump(pump_id: str = PUMP_ID) -> PumpModel:
    return catalogue().pump(pump_id)


def morphine() -> Drug:
    return catalogue().drug("morphine")


def reservoir_volume(pump_id: str = PUMP_ID) -> Volume:
    """The catalogue's reservoir volume for a pump that has one (40 mL for the default)."""
    known = pump(pump_id).reservoir
    if not isinstance(known, Sourced):
        raise ValueError(f"{pump_id} has no reservoir volume in the catalogue")
    return known.value


def units_of(dimension: Dimension) -> list[Unit]:
    """Every unit of the closed list that measures this dimension."""
    return [unit for unit in Unit if unit.dimension is dimension]


def exactly_in(canonical: Decimal, unit: Unit) -> Decimal | None:
    """The magnitude of a canonical value in `unit`, or None if no finite decimal is exact."""
    value = Fraction(canonical) / Fraction(unit.factor)
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return None
    return Decimal(value.numerator) / Decimal(value.denominator)


# ----------------------------------------------------------------------------- magnitudes


def magnitudes(
    min_value: Decimal | str | int = "0", max_value: Decimal | str | int = "1000", places: int = 3
) -> st.SearchStrategy[Decimal]:
    """Finite Decimals with at most `places` decimal places, within the bounds."""
    return st.decimals(
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


def scaled_magnitudes(
    max_digits: int = 9, min_exponent: int = -30, max_exponent: int = 12
) -> st.SearchStrategy[Decimal]:
    """Non-negative Decimals across many orders of magnitude (1E-30 ... 999999999E+12): the
    shapes Decimal itself would print in exponent notation (1E+3, 1E-7, 0E-30)."""
    return st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(exponent),
        st.integers(min_value=0, max_value=10**max_digits - 1),
        st.integers(min_value=min_exponent, max_value=max_exponent),
    )


# ----------------------------------------------------------------------------- quantities


def quantities(
    dimension: Dimension,
    low: Decimal | str | int = "0.001",
    high: Decimal | str | int = "1000000",
    *,
    places: int = 6,
    units: list[Unit] | None = None,
) -> st.SearchStrategy[Quantity]:
    """A quantity of `dimension` in any of its units (or those given), between `low` and
    `high` expressed in the dimension's canonical unit."""
    kind = QUANTITY_CLASSES[dimension]
    chosen = units if units is not None else units_of(dimension)

    def in_unit(unit: Unit) -> st.SearchStrategy[Quantity]:
        bounds = magnitudes(Decimal(low) / unit.factor, Decimal(high) / unit.factor, places)
        return bounds.map(lambda magnitude: kind(magnitude, unit))

    return st.sampled_from(chosen).flatmap(in_unit)


def masses(low: str = "0.001", high: str = "1000000", places: int = 6) -> st.SearchStrategy[Mass]:
    return quantities(Dimension.MASS, low, high, places=places)  # type: ignore[return-value]


def volumes(low: str = "0", high: str = "100", places: int = 4) -> st.SearchStrategy[Volume]:
    """Volumes in mL or µL; bounds in mL."""
    return quantities(Dimension.VOLUME, low, high, places=places)  # type: ignore[return-value]


def concentrations(
    low: str = "1", high: str = "50000", places: int = 4
) -> st.SearchStrategy[Concentration]:
    """Concentrations in mg/mL or mcg/mL; bounds in mcg/mL."""
    return quantities(Dimension.CONCENTRATION, low, high, places=places)  # type: ignore[return-value]


def dose_rates(
    low: str = "0.1", high: str = "100000", places: int = 6
) -> st.SearchStrategy[DoseRate]:
    """Daily doses in mcg/day, mg/day, mcg/h or mg/h; bounds in mcg/day."""
    return quantities(Dimension.DOSE_RATE, low, high, places=places)  # type: ignore[return-value]


def flow_rates(low: str = "0.01", high: str = "50", places: int = 6) -> st.SearchStrategy[FlowRate]:
    """Flow rates in mL/day, mL/h or µL/h; bounds in mL/day."""
    return quantities(Dimension.FLOW_RATE, low, high, places=places)  # type: ignore[return-value]


def volume_of(millilitres: Decimal, unit: Unit) -> Volume:
    """A volume in mL expressed exactly in `unit` (mL and µL are a power of ten apart)."""
    magnitude = exactly_in(millilitres, unit)
    assert magnitude is not None  # mL to µL is always exact
    return Volume(magnitude, unit)


def fill_volumes(
    reservoir: Volume | None = None, *, smallest: str = "0.001"
) -> st.SearchStrategy[Volume]:
    """A fill above zero and at most the reservoir (default: the SynchroMed II 40 mL),
    in mL or µL; the brim-full fill is drawn explicitly."""
    capacity = (reservoir if reservoir is not None else reservoir_volume()).canonical
    millilitres = st.one_of(st.just(capacity), magnitudes(smallest, capacity, 3))
    return st.builds(volume_of, millilitres, st.sampled_from(units_of(Dimension.VOLUME)))


def overfill_volumes(reservoir: Volume | None = None) -> st.SearchStrategy[Volume]:
    """A fill strictly above the reservoir, from 1 µL over to ten times its volume."""
    capacity = (reservoir if reservoir is not None else reservoir_volume()).canonical
    millilitres = magnitudes(capacity + Decimal("0.001"), capacity * 10, 3)
    return st.builds(volume_of, millilitres, st.sampled_from(units_of(Dimension.VOLUME)))


def dates(min_value: date = FIRST_DAY, max_value: date = LAST_DAY) -> st.SearchStrategy[date]:
    return st.dates(min_value=min_value, max_value=max_value)


# ----------------------------------------------------------------------------- morphine


def morphine_dose_mg() -> st.SearchStrategy[Decimal]:
    """An intrathecal morphine daily dose as a number of mg/day (0.6 to 40).

    The floor keeps every dose/strength pair plausible: at 0.6 mg/day and 50 mg/mL a
    40 mL reservoir lasts 3,333 days, inside the ten years plan_refill accepts
    (MAX_PLAUSIBLE_DAYS); a longer fill is refused as a typing error, by design.
    """
    return magnitudes("0.6", "40", 3)


def morphine_concentration_mg() -> st.SearchStrategy[Decimal]:
    """A morphine concentration as a number of mg/mL, the labelled strengths included."""
    return st.one_of(st.sampled_from([Decimal(10), Decimal(25)]), magnitudes("0.5", "50", 2))


def morphine_daily_doses() -> st.SearchStrategy[DoseRate]:
    """A morphine daily dose given in mg/day or (exactly the same dose) in mcg/day."""
    return st.builds(
        lambda mg, unit: DoseRate(mg * 1000 / unit.factor, unit),
        morphine_dose_mg(),
        st.sampled_from([Unit.MG_PER_DAY, Unit.MCG_PER_DAY]),
    )


def morphine_concentrations() -> st.SearchStrategy[Concentration]:
    """A morphine concentration given in mg/mL or (exactly the same) in mcg/mL."""
    return st.builds(
        lambda mg, unit: Concentration(mg * 1000 / unit.factor, unit),
        morphine_concentration_mg(),
        st.sampled_from([Unit.MG_PER_ML, Unit.MCG_PER_ML]),
    )


def patient_boluses() -> st.SearchStrategy[PatientBolus]:
    """A patient bolus of 0.01 to 1 mg morphine, a 10 min to 24 h lockout, 1 to 24 a day."""
    return st.builds(
        PatientBolus,
        dose=magnitudes("0.01", "1", 3).map(lambda mg: Mass(mg, Unit.MG)),
        lockout_minutes=st.integers(min_value=10, max_value=1440),
        max_per_day=st.integers(min_value=1, max_value=24),
    )


def morphine_program(
    daily_dose: DoseRate,
    concentration: Concentration,
    bolus: PatientBolus | None = None,
    pump_id: str = PUMP_ID,
) -> Program:
    """A simple continuous morphine program (patient bolus if one is given)."""
    return continuous(pump(pump_id), [ReservoirDrug(morphine(), concentration)], daily_dose, bolus)


@st.composite
def continuous_morphine_programs(
    draw: st.DrawFn,
    daily_doses: st.SearchStrategy[DoseRate] | None = None,
    concentrations: st.SearchStrategy[Concentration] | None = None,
    boluses: st.SearchStrategy[PatientBolus | None] | None = None,
    pump_id: str = PUMP_ID,
) -> Program:
    """Continuous morphine programs on the SynchroMed II 40 mL (by default without bolus)."""
    dose = draw(daily_doses if daily_doses is not None else morphine_daily_doses())
    strength = draw(concentrations if concentrations is not None else morphine_concentrations())
    bolus = draw(boluses if boluses is not None else st.none())
    return morphine_program(dose, strength, bolus, pump_id)
