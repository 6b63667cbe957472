"""Pump programs: simple continuous, flexible (steps through the day) and patient bolus.

A program moves one flow through the pump; each drug in the reservoir is delivered at
its own concentration × that flow, so an admixture's daily doses all follow from one
rate. The first drug in the reservoir is the one the program is prescribed by.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import InvalidProgram
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.pumps import ProgramMode, PumpModel
from ithaca.clinical.quantities import (
    Concentration,
    DoseRate,
    FlowRate,
    Mass,
    Unit,
    Volume,
    dose_rate_of,
    flow_for,
    volume_for,
)

MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class ReservoirDrug:
    drug: Drug
    concentration: Concentration


@dataclass(frozen=True, slots=True)
class FlexStep:
    """A step of a flexible schedule: from start_minute until the next step starts."""

    start_minute: int
    flow: FlowRate

    @property
    def start_text(self) -> str:
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class PatientBolus:
    dose: Mass  # of the primary drug, per bolus
    lockout_minutes: int
    max_per_day: int

    @property
    def max_by_lockout(self) -> int:
        """Most boluses a lockout allows in 24 h (one at 00:00, then one per lockout)."""
        return math.ceil(MINUTES_PER_DAY / self.lockout_minutes)

    @property
    def effective_max_per_day(self) -> int:
        return min(self.max_per_day, self.max_by_lockout)


@dataclass(frozen=True, slots=True)
class DrugDailyDose:
    """A drug's daily dose and volume: basal only (minimum) and with every bolus (maximum)."""

    drug: Drug
    concentration: Concentration
    min_daily_dose: DoseRate
    max_daily_dose: DoseRate
    min_daily_volume: FlowRate
    max_daily_volume: FlowRate


@dataclass(frozen=True, slots=True)
class Program:
    pump: PumpModel
    reservoir: tuple[ReservoirDrug, ...]
    mode: ProgramMode
    steps: tuple[FlexStep, ...]  # a continuous program is one step from 00:00
    bolus: PatientBolus | None
    prescribed: DoseRate | None = None  # the daily dose as typed, for a continuous program

    @property
    def primary(self) -> ReservoirDrug:
        return self.reservoir[0]

    def basal_daily_volume(self) -> FlowRate:
        """Σ step flow × step duration, as mL/day."""
        total = Fraction(0)
        for step, minutes in zip(self.steps, self.step_durations(), strict=True):
            total += step.flow.canonical_value * Fraction(minutes, MINUTES_PER_DAY)
        return FlowRate.from_fraction(total, Unit.ML_PER_DAY)

    def step_durations(self) -> tuple[int, ...]:
        starts = [s.start_minute for s in self.steps] + [MINUTES_PER_DAY]
        return tuple(b - a for a, b in itertools.pairwise(starts))

    def bolus_volume(self) -> Volume:
        if self.bolus is None:
            return Volume(Decimal(0), Unit.ML)
        return volume_for(self.bolus.dose, self.primary.concentration)

    def boluses_per_day(
        self, scenario: BolusScenario, typical_per_day: Decimal | None = None
    ) -> Decimal:
        if self.bolus is None or scenario is BolusScenario.NONE:
            return Decimal(0)
        if scenario is BolusScenario.MAXIMUM:
            return Decimal(self.bolus.effective_max_per_day)
        if typical_per_day is None or typical_per_day < 0:
            raise InvalidProgram(
                "the typical number of boluses a day is needed for a 'typical' projection"
            )
        if typical_per_day > self.bolus.effective_max_per_day:
            raise InvalidProgram(
                f"{typical_per_day} boluses a day is more than the program allows "
                f"({self.bolus.effective_max_per_day})"
            )
        return typical_per_day

    def daily_volume(
        self, scenario: BolusScenario, typical_per_day: Decimal | None = None
    ) -> FlowRate:
        boluses = self.boluses_per_day(scenario, typical_per_day)
        bolus_ml = self.bolus_volume().canonical_value * Fraction(boluses)
        return FlowRate.from_fraction(
            self.basal_daily_volume().canonical_value + bolus_ml, Unit.ML_PER_DAY
        )

    def per_drug(self) -> tuple[DrugDailyDose, ...]:
        low = self.daily_volume(BolusScenario.NONE)
        high = self.daily_volume(BolusScenario.MAXIMUM)
        return tuple(
            DrugDailyDose(
                drug=item.drug,
                concentration=item.concentration,
                min_daily_dose=dose_rate_of(item.concentration, low).to(item.drug.dose_rate_unit),
                max_daily_dose=dose_rate_of(item.concentration, high).to(item.drug.dose_rate_unit),
                min_daily_volume=low,
                max_daily_volume=high,
            )
            for item in self.reservoir
        )

    def basal_daily_dose(self, drug_id: str) -> DoseRate:
        for item in self.reservoir:
            if item.drug.id == drug_id:
                return dose_rate_of(item.concentration, self.basal_daily_volume()).to(
                    item.drug.dose_rate_unit
                )
        raise InvalidProgram(f"{drug_id} is not in this reservoir")


def continuous(
    pump: PumpModel,
    reservoir: Sequence[ReservoirDrug],
    daily_dose: DoseRate,
    bolus: PatientBolus | None = None,
) -> Program:
    """A simple continuous program prescribed by the primary drug's daily dose."""
    _check_reservoir(reservoir)
    flow = flow_for(daily_dose, reservoir[0].concentration)
    mode = ProgramMode.PATIENT_BOLUS if bolus else ProgramMode.SIMPLE_CONTINUOUS
    return _build(pump, reservoir, mode, (FlexStep(0, flow),), bolus, daily_dose)


def at_fixed_rate(pump: PumpModel, reservoir: Sequence[ReservoirDrug], flow: FlowRate) -> Program:
    """A constant-flow pump: the rate is the device's; the dose follows from concentration."""
    _check_reservoir(reservoir)
    return _build(pump, reservoir, ProgramMode.SIMPLE_CONTINUOUS, (FlexStep(0, flow),), None)


def flexible(
    pump: PumpModel,
    reservoir: Sequence[ReservoirDrug],
    steps: Sequence[tuple[int, DoseRate]],
    bolus: PatientBolus | None = None,
) -> Program:
    """A flexible program: (start minute, primary drug daily-dose rate) per step."""
    _check_reservoir(reservoir)
    if not steps:
        raise InvalidProgram("a flexible program needs at least one step")
    starts = [start for start, _ in steps]
    if starts != sorted(set(starts)):
        raise InvalidProgram("step start times must be in order and not repeat")
    if starts[0] != 0:
        raise InvalidProgram("the first step must start at 00:00 so the whole day is covered")
    if starts[-1] >= MINUTES_PER_DAY:
        raise InvalidProgram("a step must start before 24:00")
    concentration = reservoir[0].concentration
    flex = tuple(FlexStep(start, flow_for(dose, concentration)) for start, dose in steps)
    return _build(pump, reservoir, ProgramMode.FLEXIBLE, flex, bolus)


def _check_reservoir(reservoir: Sequence[ReservoirDrug]) -> None:
    if not reservoir:
        raise InvalidProgram("the reservoir must hold at least one drug")
    ids = [item.drug.id for item in reservoir]
    if len(set(ids)) != len(ids):
        raise InvalidProgram("a drug is listed twice in the reservoir")
    for item in reservoir:
        if not item.concentration.is_positive():
            raise InvalidProgram(f"the {item.drug.id} concentration must be above zero")


def _build(
    pump: PumpModel,
    reservoir: Sequence[ReservoirDrug],
    mode: ProgramMode,
    steps: tuple[FlexStep, ...],
    bolus: PatientBolus | None,
    prescribed: DoseRate | None = None,
) -> Program:
    if any(not step.flow.is_positive() for step in steps):
        raise InvalidProgram("every step needs a dose above zero")
    if mode is ProgramMode.FLEXIBLE and ProgramMode.FLEXIBLE not in pump.modes:
        raise InvalidProgram(f"the {pump.name} cannot run a flexible schedule")
    if bolus is not None:
        if not pump.patient_bolus.capable or ProgramMode.PATIENT_BOLUS not in pump.modes:
            raise InvalidProgram(f"the {pump.name} has no patient bolus")
        if not bolus.dose.is_positive():
            raise InvalidProgram("a bolus dose must be above zero")
        if bolus.lockout_minutes <= 0 or bolus.max_per_day <= 0:
            raise InvalidProgram("a bolus needs a lockout above zero and at least one bolus a day")
    return Program(pump, tuple(reservoir), mode, steps, bolus, prescribed)
