"""`ithaca calc ...`: oral morphine equivalent, intrathecal start, refill plan, residual."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from ithaca.cli import render, values
from ithaca.cli.holds import add_holds_command
from ithaca.cli.programargs import add_program_options, build_program
from ithaca.cli.values import UsageError
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.checks import check_program
from ithaca.clinical.drugs import FillKind
from ithaca.clinical.findings import Severity, verdict_of
from ithaca.clinical.intrathecal import intrathecal_start
from ithaca.clinical.opioids import oral_morphine_equivalent
from ithaca.clinical.parsing import Bound
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.quantities import Unit, Volume
from ithaca.clinical.refills import expected_residual, plan_refill, reconcile
from ithaca.clinical.trajectory import reservoir_trajectory

Output = tuple[dict[str, Any], list[str], int]


def add_calc_commands(subparsers: Any) -> None:
    calc = subparsers.add_parser(
        "calc", help="calculations: ome, intrathecal, refill, residual, holds"
    )
    commands = calc.add_subparsers(dest="calc_command", required=True, metavar="CALCULATION")

    ome = commands.add_parser("ome", help="oral morphine equivalent of current systemic opioids")
    ome.add_argument(
        "--med",
        action="append",
        required=True,
        metavar="OPIOID:ROUTE:DOSE",
        help="e.g. oxycodone:oral:80mg/day or fentanyl:transdermal:25mcg/h; repeat per opioid",
    )
    ome.add_argument("--table", help="conversion table id (default: the library's, CDC 2022)")
    ome.set_defaults(run=run_ome)

    it = commands.add_parser(
        "intrathecal", help="intrathecal starting dose from an oral morphine equivalent"
    )
    it.add_argument(
        "--ome", required=True, help="oral morphine equivalent, mg/day (e.g. 300 or 300mg/day)"
    )
    it.add_argument("--drug", required=True, help="morphine or hydromorphone")
    it.add_argument(
        "--ratio",
        required=True,
        help="oral:IT ratio, a number (100) or a named ratio (huntsman-100)",
    )
    it.add_argument(
        "--reduction", default="0", help="cross-tolerance reduction in percent (default 0: none)"
    )
    it.add_argument(
        "--hydromorphone-ratio", help="IT morphine:hydromorphone ratio, required for hydromorphone"
    )
    it.set_defaults(run=run_intrathecal)

    refill = commands.add_parser(
        "refill", help="plan a refill: daily volume and the dates that limit it"
    )
    add_program_options(refill)
    add_fill_options(refill)
    refill.add_argument(
        "--first-fill",
        action="store_true",
        help="the first fill of a new pump (some labels differ)",
    )
    refill.add_argument(
        "--low-alarm", metavar="VOLUME", help="low-reservoir alarm volume programmed on the pump"
    )
    refill.add_argument(
        "--stability-days", metavar="DAYS", help="pharmacist-set stability interval (admixtures)"
    )
    refill.add_argument(
        "--trajectory", action="store_true", help="include the day-by-day reservoir volume"
    )
    refill.set_defaults(run=run_refill)

    residual = commands.add_parser(
        "residual", help="reconcile a measured residual against the expected"
    )
    residual.add_argument(
        "--measured", required=True, metavar="VOLUME", help="volume withdrawn, e.g. 9mL"
    )
    residual.add_argument(
        "--expected", metavar="VOLUME", help="expected residual, e.g. 12mL (or give the program)"
    )
    residual.add_argument("--pump", help="pump model id: adds its volume alarm threshold")
    residual.add_argument("--drug", action="append", metavar="DRUG:CONC", help=argparse.SUPPRESS)
    residual.add_argument("--daily-dose", help=argparse.SUPPRESS)
    residual.add_argument("--step", action="append", help=argparse.SUPPRESS)
    residual.add_argument("--fixed-rate", help=argparse.SUPPRESS)
    for name in ("--bolus-dose", "--bolus-lockout", "--bolus-max"):
        residual.add_argument(name, help=argparse.SUPPRESS)
    add_fill_options(residual, required=False)
    residual.add_argument(
        "--on", metavar="YYYY-MM-DD", help="date of this refill (with the program options)"
    )
    residual.set_defaults(run=run_residual)

    add_holds_command(commands)


def add_fill_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--fill-volume", required=required, metavar="VOLUME", help="volume filled, e.g. 40mL"
    )
    parser.add_argument(
        "--filled-on", required=required, metavar="YYYY-MM-DD", help="date of the fill"
    )
    parser.add_argument(
        "--reservoir",
        metavar="VOLUME",
        help="reservoir volume, for a device the catalogue does not size",
    )
    parser.add_argument(
        "--bolus-scenario",
        choices=[s.value for s in BolusScenario],
        help="boluses to count: none, typical or maximum (default: clinic policy)",
    )
    parser.add_argument(
        "--typical-boluses", metavar="N", help="boluses a day the patient usually takes"
    )


def run_ome(ns: argparse.Namespace, catalogue: Catalogue) -> Output:
    result = oral_morphine_equivalent([values.opioid_dose(m) for m in ns.med], catalogue, ns.table)
    items = [
        {
            "opioid": i.dose.opioid,
            "route": i.dose.route.value,
            "dose": str(i.dose.dose),
            "factor": i.factor,
            "factor_per": i.per.symbol,
            "ome_mg_per_day": render.magnitude(i.ome, Unit.MG_PER_DAY),
            "step": i.step,
            "warnings": list(i.warnings),
            "source": render.provenance_json(i.provenance),
        }
        for i in result.items
    ]
    doc = {
        "calculation": "oral_morphine_equivalent",
        "inputs": {"med": ns.med, "table": result.table.id},
        "formula": result.formula,
        "total_ome_mg_per_day": render.magnitude(result.total, Unit.MG_PER_DAY),
        "items": items,
        "table": {
            "id": result.table.id,
            "name": result.table.name,
            "source": render.provenance_json(result.table.provenance),
        },
        "caveats": list(result.caveats),
        **render.about(result.library),
    }
    lines = [f"Oral morphine equivalent ({result.table.name})", f"Formula: {result.formula}", ""]
    for item in result.items:
        lines.append(f"  {item.step}")
        lines += [f"    warning: {w}" for w in item.warnings]
    lines += ["", f"Total: {result.total} oral morphine equivalent", "", "Caveats:"]
    lines += [f"  - {c}" for c in result.caveats]
    return doc, lines + render.footer(result.library), 0


def run_intrathecal(ns: argparse.Namespace, catalogue: Catalogue) -> Output:
    ome_text = ns.ome if any(ch.isalpha() for ch in ns.ome) else f"{ns.ome}mg/day"
    ome = values.daily_dose(ome_text, "--ome")
    reduction = values.positive_decimal(ns.reduction, "--reduction", allow_zero=True)
    result = intrathecal_start(
        ome, ns.drug, catalogue, ns.ratio.strip(), reduction, ns.hydromorphone_ratio
    )
    verdict = verdict_of(result.findings)
    doc = {
        "calculation": "intrathecal_starting_dose",
        "inputs": {
            "ome_mg_per_day": render.magnitude(result.ome, Unit.MG_PER_DAY),
            "drug": result.drug,
            "ratio": result.ratio,
            "reduction_percent": result.reduction_percent,
            "hydromorphone_ratio": ns.hydromorphone_ratio,
        },
        "formula": "IT dose (mg/day) = OME ÷ ratio × (1 − reduction/100), rounded down to 1 mcg/day",
        "daily_dose_mg": result.daily_dose_mg,
        "daily_dose_mcg": result.daily_dose_mcg,
        "steps": list(result.steps),
        "ratio_source": render.provenance_json(result.named_ratio.provenance)
        if result.named_ratio
        else None,
        "verdict": verdict.value,
        "findings": [render.finding_json(f) for f in result.findings],
        "dose_ranges": [
            {
                "context": r.context,
                "low": str(r.low),
                "high": str(r.high),
                "source": render.provenance_json(r.provenance),
            }
            for r in result.ranges
        ],
        "observation": [
            {
                "context": o.context,
                "hours": o.hours,
                "text": o.text,
                "source": render.provenance_json(o.provenance),
            }
            for o in result.observation
        ],
        **render.about(result.library),
    }
    lines = [
        f"Intrathecal {result.drug} starting dose",
        f"Verdict: {render.verdict_words(verdict)}",
        "",
    ]
    lines += [f"  {step}" for step in result.steps]
    lines += [
        "",
        f"Starting dose: {result.daily_dose} = {result.daily_dose.to(Unit.MCG_PER_DAY)}",
        "",
        "Findings:",
    ]
    lines += render.findings_text(result.findings)
    lines += render.verdict_lines(verdict)
    if result.observation:
        lines += ["", "Observation after the first dose:"]
        lines += [
            f"  - {o.context}: {o.text} ({o.provenance.describe()})" for o in result.observation
        ]
    if result.ranges:
        lines += ["", "Published ranges for comparison:"]
        lines += [
            f"  - {r.context}: {r.low} to {r.high} ({r.provenance.describe()})"
            for r in result.ranges
        ]
    return doc, lines + render.footer(result.library), render.exit_code(verdict)


def _fill(ns: argparse.Namespace) -> tuple[Volume, Any]:
    fill = values.quantity(ns.fill_volume, Volume, "--fill-volume")
    return fill, values.iso_date(ns.filled_on, "--filled-on")


def _scenario(ns: argparse.Namespace) -> tuple[BolusScenario | None, Decimal | None]:
    scenario = BolusScenario(ns.bolus_scenario) if ns.bolus_scenario else None
    typical = (
        values.positive_decimal(ns.typical_boluses, "--typical-boluses", allow_zero=True)
        if ns.typical_boluses
        else None
    )
    return scenario, typical


def run_refill(ns: argparse.Namespace, catalogue: Catalogue) -> Output:
    program = build_program(ns, catalogue)
    fill, filled_on = _fill(ns)
    scenario, typical = _scenario(ns)
    plan = plan_refill(
        program,
        fill,
        filled_on,
        catalogue,
        fill_kind=FillKind.INITIAL if ns.first_fill else FillKind.REFILL,
        low_alarm=values.quantity(ns.low_alarm, Volume, "--low-alarm") if ns.low_alarm else None,
        scenario=scenario,
        typical_boluses_per_day=typical,
        reservoir=values.quantity(ns.reservoir, Volume, "--reservoir") if ns.reservoir else None,
        stability_days_override=values.whole_number(ns.stability_days, "--stability-days")
        if ns.stability_days
        else None,
    )
    # The program being refilled is the one in force: its start, titration and ten-fold
    # checks belong to `check program`, so its own dose is passed as the current dose.
    in_force = {d.drug.id: program.basal_daily_dose(d.drug.id) for d in program.per_drug()}
    program_check = check_program(program, catalogue, in_force)
    program_findings = [f for f in program_check.findings if f.severity is not Severity.INFO]
    verdict = verdict_of([*program_check.findings, *plan.findings])
    doc: dict[str, Any] = {
        "calculation": "refill_plan",
        "inputs": {
            "pump": program.pump.id,
            "drugs": ns.drug,
            "fill_volume_ml": render.magnitude(fill, Unit.ML),
            "filled_on": filled_on,
            "first_fill": ns.first_fill,
            "bolus_scenario": plan.scenario.value,
        },
        "daily_volume_ml": render.magnitude(plan.daily_volume, Unit.ML_PER_DAY, 4),
        "empty_date": plan.empty_date,
        "low_reservoir_alarm_date": plan.low_reservoir_alarm_date,
        "stability_limit_date": plan.stability_limit_date,
        "clinic_max_interval_date": plan.clinic_max_interval_date,
        "next_refill_due": plan.next_refill_due,
        "limiting_factor": plan.limiting_factor,
        "candidates": [
            {
                "factor": c.factor,
                "date": c.on,
                "reason": c.reason,
                "source": render.provenance_json(c.provenance),
            }
            for c in plan.candidates
        ],
        "steps": list(plan.steps),
        "findings": [render.finding_json(f) for f in plan.findings],
        "program_verdict": program_check.verdict.value,
        "program_findings": [render.finding_json(f) for f in program_findings],
        "verdict": verdict.value,
        "pump_notes": render.notes_json(program.pump.notes),
        **render.about(plan.library),
    }
    if ns.trajectory:
        points = reservoir_trajectory(fill, filled_on, plan.daily_volume)
        doc["trajectory"] = [
            {"date": p.on, "volume_ml": render.magnitude(p.volume, Unit.ML, 3)} for p in points
        ]
    lines = [
        f"Refill plan: {program.pump.name}",
        f"Program check: {render.verdict_words(program_check.verdict)}",
        "",
    ]
    lines += [f"  {step}" for step in plan.steps]
    lines += ["", "Dates:"]
    lines += [
        f"  {c.on}  {c.factor}: {c.reason}"
        + (f" ({c.provenance.describe()})" if c.provenance else "")
        for c in sorted(plan.candidates, key=lambda c: c.on)
    ]
    lines += [
        "",
        f"Next refill due: {plan.next_refill_due} (limited by {plan.limiting_factor})",
        "",
        "Findings:",
    ]
    lines += render.findings_text(plan.findings)
    lines += ["", "Program findings (warnings and above):"]
    lines += render.findings_text(program_findings)
    if program.pump.notes:
        lines += ["", "Pump notes:", *render.notes_text(program.pump.notes)]
    lines += render.verdict_lines(verdict)
    return doc, lines + render.footer(plan.library), render.exit_code(program_check.verdict)


def run_residual(ns: argparse.Namespace, catalogue: Catalogue) -> Output:
    measured = values.quantity(ns.measured, Volume, "--measured", Bound.NON_NEGATIVE)
    pump = catalogue.pump(ns.pump) if ns.pump else None
    steps: list[str] = []
    if ns.expected is not None:
        if ns.drug:
            raise UsageError(
                "--expected", "give either --expected or the program and fill, not both"
            )
        expected = values.quantity(ns.expected, Volume, "--expected", Bound.NON_NEGATIVE)
    else:
        expected, steps = _expected_from_program(ns, catalogue)
    result = reconcile(expected, measured, catalogue.policy, pump)
    doc = {
        "calculation": "residual_reconciliation",
        "inputs": {
            "expected_ml": render.magnitude(expected, Unit.ML, 3),
            "measured_ml": render.magnitude(measured, Unit.ML),
            "pump": pump.id if pump else None,
        },
        "formula": "discrepancy = expected − measured; percent = |discrepancy| ÷ expected × 100",
        "discrepancy_ml": render.magnitude(result.discrepancy, Unit.ML, 3),
        "discrepancy_percent": result.percent,
        "flagged": result.flagged,
        "reasons": list(result.reasons),
        "threshold_percent": result.threshold_percent.value,
        "threshold_source": render.provenance_json(result.threshold_percent.provenance),
        "steps": steps,
        **render.about(catalogue.identity),
    }
    direction = (
        "less left than expected: more was delivered, or drug was lost"
        if result.discrepancy.magnitude > 0
        else "more left than expected: less was delivered (occlusion, pump, or a previous fill problem)"
        if result.discrepancy.magnitude < 0
        else "as expected"
    )
    pct = (
        f"{render.number(result.percent)}%"
        if result.percent is not None
        else "n/a (nothing expected)"
    )
    lines = [
        "Residual reconciliation",
        *[f"  {s}" for s in steps],
        "",
        f"  expected {expected.rounded(3)}, measured {measured}",
        f"  discrepancy {result.discrepancy.rounded(3)} ({pct}): {direction}",
        "",
    ]
    lines.append("FLAGGED: investigate before refilling." if result.flagged else "Not flagged.")
    lines += [f"  - {r}" for r in result.reasons]
    return doc, lines + render.footer(catalogue.identity), 0


def _expected_from_program(
    ns: argparse.Namespace, catalogue: Catalogue
) -> tuple[Volume, list[str]]:
    if not (ns.drug and ns.pump and ns.fill_volume and ns.filled_on and ns.on):
        raise UsageError(
            "--expected",
            "give --expected, or the program (--pump, --drug, --daily-dose) with "
            "--fill-volume, --filled-on and --on to compute it",
        )
    program = build_program(ns, catalogue)
    fill, filled_on = _fill(ns)
    scenario, typical = _scenario(ns)
    if scenario is None:
        raise UsageError("--bolus-scenario", "say which boluses to count: none, typical or maximum")
    result = expected_residual(
        program, fill, filled_on, values.iso_date(ns.on, "--on"), scenario, typical
    )
    return result.volume, list(result.steps)
