"""Between stored rows (canonical-unit columns) and the clinical core's typed values."""

from __future__ import annotations

from decimal import Decimal

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.programs import (
    PatientBolus,
    Program,
    ReservoirDrug,
    at_fixed_rate,
    continuous,
    flexible,
)
from ithaca.clinical.pumps import ProgramMode, PumpModel
from ithaca.clinical.quantities import Concentration, DoseRate, FlowRate, Mass, Unit, Volume
from ithaca.devices.models import Device, ProgramVersion

UNITS_BY_SYMBOL = {u.symbol: u for u in Unit}


def dose_rate(mcg_per_day: Decimal) -> DoseRate:
    return DoseRate(Decimal(mcg_per_day), Unit.MCG_PER_DAY)


def volume(ml: Decimal | None) -> Volume | None:
    return Volume(Decimal(ml), Unit.ML) if ml is not None else None


def shown_in(quantity_unit_symbol: str, canonical: DoseRate | Concentration) -> str:
    """A stored canonical value shown in the unit it was entered in."""
    unit = UNITS_BY_SYMBOL.get(quantity_unit_symbol)
    return (
        str(canonical.to(unit))
        if unit is not None and unit.dimension is canonical.DIMENSION
        else str(canonical)
    )


def pump_of(device: Device, catalogue: Catalogue) -> PumpModel:
    return catalogue.pump(device.pump_model)


def core_program(version: ProgramVersion, catalogue: Catalogue) -> Program:
    """Rebuild the core's Program from a stored version, to compute with it again."""
    pump = pump_of(version.device, catalogue)
    reservoir = [
        ReservoirDrug(
            catalogue.drug(d.drug_id),
            Concentration(Decimal(d.concentration_mcg_per_ml), Unit.MCG_PER_ML),
        )
        for d in version.drugs.all()
    ]
    bolus = None
    if version.bolus_dose_mcg is not None:
        bolus = PatientBolus(
            Mass(Decimal(version.bolus_dose_mcg), Unit.MCG),
            int(version.bolus_lockout_minutes or 0),
            int(version.bolus_max_per_day or 0),
        )
    if version.mode == ProgramMode.FLEXIBLE.value:
        steps = [(s.start_minute, dose_rate(s.dose_mcg_per_day)) for s in version.steps.all()]
        return flexible(pump, reservoir, steps, bolus)
    if version.fixed_rate_ml_per_day is not None:
        return at_fixed_rate(
            pump, reservoir, FlowRate(Decimal(version.fixed_rate_ml_per_day), Unit.ML_PER_DAY)
        )
    assert version.daily_dose_mcg_per_day is not None  # noqa: S101 - a continuous version stores its dose
    return continuous(pump, reservoir, dose_rate(version.daily_dose_mcg_per_day), bolus)
