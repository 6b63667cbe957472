"""`ithaca check program`: a pump program against the library, the pump and the policy."""

from __future__ import annotations

import argparse
from typing import Any

from ithaca.cli import render, values
from ithaca.cli.eligibility import add_eligibility_command
from ithaca.cli.programargs import add_program_options, build_program
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.checks import check_program
from ithaca.clinical.findings import Verdict
from ithaca.clinical.quantities import Unit

EXIT_BLOCKED = 1


def add_check_commands(subparsers: Any) -> None:
    check = subparsers.add_parser("check", help="check a pump program, or eligibility")
    commands = check.add_subparsers(dest="check_command", required=True, metavar="WHAT")
    program = commands.add_parser(
        "program",
        help="check a program: verdict ok, needs_override or blocked, with every finding's source",
    )
    add_program_options(program)
    program.add_argument(
        "--current-daily-dose",
        action="append",
        metavar="[DRUG:]DOSE",
        help="the daily dose now, for the titration and ten-fold checks (e.g. 2.4mcg or ziconotide:2.4mcg); "
        "omit for a first program",
    )
    program.add_argument(
        "--days-since-last-increase", metavar="DAYS", help="days since the dose was last raised"
    )
    program.set_defaults(run=run_check_program)

    add_eligibility_command(commands)


def run_check_program(
    ns: argparse.Namespace, catalogue: Catalogue
) -> tuple[dict[str, Any], list[str], int]:
    program = build_program(ns, catalogue)
    primary = program.primary.drug.id
    current = dict(
        values.drug_dose(text, catalogue, primary, "--current-daily-dose")
        for text in ns.current_daily_dose or []
    )
    days = (
        values.whole_number(ns.days_since_last_increase, "--days-since-last-increase", minimum=0)
        if ns.days_since_last_increase is not None
        else None
    )
    result = check_program(program, catalogue, current, days)
    per_drug = [
        {
            "drug": d.drug.id,
            "concentration": str(d.concentration.to(d.drug.concentration_unit)),
            "min_daily_dose": str(d.min_daily_dose),
            "max_daily_dose": str(d.max_daily_dose),
            "min_daily_volume_ml": render.magnitude(d.min_daily_volume, Unit.ML_PER_DAY, 4),
            "max_daily_volume_ml": render.magnitude(d.max_daily_volume, Unit.ML_PER_DAY, 4),
        }
        for d in result.per_drug
    ]
    doc = {
        "check": "program",
        "verdict": result.verdict.value,
        "inputs": {
            "pump": program.pump.id,
            "drugs": ns.drug,
            "mode": program.mode.value,
            "current_daily_doses": {k: str(v) for k, v in current.items()},
            "days_since_last_increase": days,
        },
        "steps": [
            {"start": s.start_text, "flow_ml_per_day": render.magnitude(s.flow, Unit.ML_PER_DAY, 4)}
            for s in program.steps
        ],
        "per_drug": per_drug,
        "findings": [render.finding_json(f) for f in result.findings],
        **render.about(result.library),
    }
    lines = [
        f"Program check: {result.verdict.value.upper().replace('_', ' ')}",
        f"Pump: {program.pump.name}; mode: {program.mode.value.replace('_', ' ')}",
        "",
    ]
    for d in result.per_drug:
        span = (
            str(d.min_daily_dose)
            if d.min_daily_dose == d.max_daily_dose
            else f"{d.min_daily_dose} basal to {d.max_daily_dose} with every bolus"
        )
        lines.append(f"  {d.drug.id} {d.concentration.to(d.drug.concentration_unit)}: {span}")
    lines.append(f"  volume: {program.basal_daily_volume().rounded(4)} basal")
    if len(program.steps) > 1:
        lines += [f"    from {s.start_text}: {s.flow.rounded(4)}" for s in program.steps]
    lines += ["", "Findings:", *render.findings_text(result.findings)]
    if result.verdict is Verdict.NEEDS_OVERRIDE:
        lines += ["", "Needs override: record a reason, and a second person must check it."]
    exit_code = EXIT_BLOCKED if result.verdict is Verdict.BLOCKED else 0
    return doc, lines + render.footer(result.library), exit_code
