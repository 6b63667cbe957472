"""How fast the clinical core answers: prints figures, asserts nothing.

Run: .venv/bin/python benchmarks/core_throughput.py
The web app will call these on every refill page and program save; this says what one
call costs on this machine before any database or HTTP work is added.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

from ithaca.clinical.checks import check_program
from ithaca.clinical.factors import Route
from ithaca.clinical.opioids import OpioidDose, oral_morphine_equivalent
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.programs import ReservoirDrug, continuous
from ithaca.clinical.quantities import Concentration, DoseRate, Volume
from ithaca.clinical.refills import plan_refill
from ithaca.datafiles import load_catalogue

ROUNDS = 2000


def measure(name: str, call: Callable[[], object]) -> None:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"{name:<28} p50 {p50:8.1f} µs   p99 {p99:8.1f} µs   {1e6 / p50:9.0f} calls/s")


def main() -> None:
    start = time.perf_counter()
    catalogue = load_catalogue()
    print(
        f"{'load the library':<28} {1000 * (time.perf_counter() - start):8.1f} ms (once per process)"
    )
    morphine = ReservoirDrug(catalogue.drug("morphine"), parse_quantity("10 mg/mL", Concentration))
    pump = catalogue.pump("synchromed-ii-40")
    dose = parse_quantity("2 mg/day", DoseRate)
    program = continuous(pump, [morphine], dose)
    current = {"morphine": parse_quantity("1.5 mg/day", DoseRate)}
    fill = parse_quantity("40 mL", Volume)
    regimen = [
        OpioidDose("oxycodone", Route.ORAL, parse_quantity("80 mg/day", DoseRate)),
        OpioidDose("fentanyl", Route.TRANSDERMAL, parse_quantity("25 mcg/h", DoseRate)),
    ]
    measure("parse a quantity", lambda: parse_quantity("2.4 mg/day", DoseRate))
    measure("oral morphine equivalent", lambda: oral_morphine_equivalent(regimen, catalogue))
    measure("check a program", lambda: check_program(program, catalogue, current))
    measure("plan a refill", lambda: plan_refill(program, fill, date(2026, 1, 5), catalogue))


if __name__ == "__main__":
    main()
