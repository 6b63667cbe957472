"""The options that describe a pump program, shared by `calc refill`, `calc residual`
and `check program`, and the function that builds the program from them."""

from __future__ import annotations

import argparse

from ithaca.cli import values
from ithaca.cli.values import UsageError
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.programs import PatientBolus, Program, at_fixed_rate, continuous, flexible
from ithaca.clinical.pumps import PumpKind
from ithaca.clinical.quantities import DoseRate, FlowRate, Mass


def add_program_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("program")
    group.add_argument(
        "--pump",
        required=True,
        help="pump model id, e.g. synchromed-ii-40 (see `ithaca library show`)",
    )
    group.add_argument(
        "--drug",
        action="append",
        required=True,
        metavar="DRUG:CONC",
        help="drug and concentration in the reservoir, e.g. morphine:10mg/mL; repeat for an admixture "
        "(the first drug is the one the program is prescribed by)",
    )
    dose = group.add_mutually_exclusive_group(required=True)
    dose.add_argument(
        "--daily-dose", metavar="DOSE", help="daily dose of the first drug, e.g. 2mg or 2mg/day"
    )
    dose.add_argument(
        "--step",
        action="append",
        metavar="HH:MM=DOSE",
        help="a flexible-schedule step from HH:MM at a daily-dose rate, e.g. 00:00=1mg; repeat to cover the day",
    )
    dose.add_argument(
        "--fixed-rate", metavar="RATE", help="a constant-flow pump's labelled rate, e.g. 1mL/day"
    )
    bolus = parser.add_argument_group("patient bolus")
    bolus.add_argument(
        "--bolus-dose", metavar="DOSE", help="dose of the first drug per bolus, e.g. 0.1mg"
    )
    bolus.add_argument(
        "--bolus-lockout", metavar="MINUTES", help="lockout between boluses, in minutes"
    )
    bolus.add_argument("--bolus-max", metavar="N", help="maximum boluses a day")


def build_program(ns: argparse.Namespace, catalogue: Catalogue) -> Program:
    try:
        pump = catalogue.pump(ns.pump)
    except ClinicalError as exc:
        raise UsageError("--pump", str(exc)) from None
    reservoir = [values.reservoir_drug(text, catalogue) for text in ns.drug]
    bolus = _bolus(ns)
    if pump.kind is PumpKind.CONSTANT_FLOW:
        if ns.fixed_rate is None:
            raise UsageError(
                "--fixed-rate",
                f"the {pump.name} runs at a fixed rate: give it from the device label",
            )
        if bolus is not None:
            raise UsageError("--bolus-dose", f"the {pump.name} has no patient bolus")
        return at_fixed_rate(pump, reservoir, _flow(ns.fixed_rate))
    if ns.fixed_rate is not None:
        raise UsageError(
            "--fixed-rate", f"the {pump.name} is programmable: give --daily-dose or --step instead"
        )
    if ns.step:
        steps = [_step(text) for text in ns.step]
        return flexible(pump, reservoir, steps, bolus)
    return continuous(pump, reservoir, values.daily_dose(ns.daily_dose), bolus)


def _flow(text: str) -> FlowRate:
    return values.quantity(text, FlowRate, "--fixed-rate")


def _step(text: str) -> tuple[int, DoseRate]:
    time_text, sep, dose_text = text.partition("=")
    if not sep:
        raise UsageError("--step", f"'{text}' should read HH:MM=DOSE, e.g. 08:00=3mg")
    return values.clock_time(time_text, "--step"), values.daily_dose(dose_text, "--step")


def _bolus(ns: argparse.Namespace) -> PatientBolus | None:
    given = [ns.bolus_dose, ns.bolus_lockout, ns.bolus_max]
    if not any(given):
        return None
    if not all(given):
        raise UsageError(
            "--bolus-dose",
            "a patient bolus needs --bolus-dose, --bolus-lockout and --bolus-max together",
        )
    dose = values.quantity(ns.bolus_dose, Mass, "--bolus-dose")
    return PatientBolus(
        dose=dose,
        lockout_minutes=values.whole_number(ns.bolus_lockout, "--bolus-lockout"),
        max_per_day=values.whole_number(ns.bolus_max, "--bolus-max"),
    )
