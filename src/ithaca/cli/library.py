"""`ithaca library show`: the library in force, its version, hash and sources."""

from __future__ import annotations

import argparse
from typing import Any

from ithaca.cli import eligibility, pathway, render
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.drugs import Drug
from ithaca.clinical.policy import ClinicPolicy
from ithaca.clinical.pumps import PumpModel
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Unknown


def add_library_commands(subparsers: Any) -> None:
    library = subparsers.add_parser(
        "library", help="the drug library, device catalogue and rule sets in force"
    )
    commands = library.add_subparsers(dest="library_command", required=True, metavar="WHAT")
    show = commands.add_parser(
        "show", help="list the library in force with version, hash and sources"
    )
    show.set_defaults(run=run_show)


def _attribute(value: Sourced[Any] | Unknown) -> dict[str, Any]:
    if isinstance(value, Unknown):
        return {"known": False, "note": value.note}
    return {
        "known": True,
        "value": str(value.value),
        "source": render.provenance_json(value.provenance),
    }


def _drug(drug: Drug) -> dict[str, Any]:
    return {
        "name": drug.name,
        "dose_unit": drug.dose_unit.symbol,
        "class": drug.drug_class,
        "labelled_concentrations": [str(c) for c in drug.labelled_concentrations],
        "limits": [
            {
                "kind": lim.kind.value,
                "threshold": lim.threshold(),
                "enforcement": lim.enforcement.value,
                "source": render.provenance_json(lim.provenance),
            }
            for lim in drug.limits
        ],
        "dose_ranges": [
            {
                "context": r.context,
                "low": str(r.low),
                "high": str(r.high),
                "source": render.provenance_json(r.provenance),
            }
            for r in drug.dose_ranges
        ],
        "stability": [
            {
                "rule": s.describe(),
                "max_days": s.max_days,
                "source": render.provenance_json(s.provenance),
            }
            for s in drug.stability
        ],
        "contraindications": [c.text for c in drug.contraindications],
        "gaps": list(drug.gaps),
    }


def _pump(pump: PumpModel) -> dict[str, Any]:
    return {
        "name": pump.name,
        "maker": pump.maker,
        "kind": pump.kind.value,
        "modes": [m.value for m in pump.modes],
        "labelled_drugs": list(pump.labelled_drugs),
        "reservoir": _attribute(pump.reservoir),
        "min_rate": _attribute(pump.min_rate),
        "max_rate": _attribute(pump.max_rate),
        "low_reservoir_alarm": _attribute(pump.low_reservoir_alarm),
        "refill_discrepancy_alarm": _attribute(pump.refill_discrepancy_alarm),
        "overinfusion_percent": _attribute(pump.overinfusion_percent),
        "patient_bolus": {
            "capable": pump.patient_bolus.capable,
            "device": pump.patient_bolus.device,
            "limits": pump.patient_bolus.limits,
        },
        "battery": _attribute(pump.battery),
        "end_of_service": _attribute(pump.end_of_service),
        "mri": _attribute(pump.mri),
        "service_life": (
            {"known": False, "note": pump.service_life.note}
            if isinstance(pump.service_life, Unknown)
            else {
                "known": True,
                "typical_life_years_min": pump.service_life.typical_life_years_min,
                "eri_to_stop_days": pump.service_life.eri_to_stop_days,
                "plan_before_stop_months": pump.service_life.plan_before_stop_months,
                "source": render.provenance_json(pump.service_life.provenance),
            }
        ),
        "notes": render.notes_json(pump.notes),
    }


def _policy(policy: ClinicPolicy) -> dict[str, Any]:
    return {
        "version": policy.version,
        "residual_discrepancy_percent": _attribute(policy.residual_discrepancy_percent),
        "max_dose_change_ratio": {
            **_attribute(policy.max_dose_change_ratio),
            "enforcement": policy.max_dose_change_enforcement.value,
        },
        "max_refill_interval_days": _attribute(policy.max_refill_interval_days),
        "bolus_planning": {
            "known": True,
            "value": policy.bolus_planning.value.value,
            "source": render.provenance_json(policy.bolus_planning.provenance),
        },
    }


def _policy_text(policy: ClinicPolicy) -> list[str]:
    percent = policy.residual_discrepancy_percent
    ratio = policy.max_dose_change_ratio
    interval = policy.max_refill_interval_days
    planning = policy.bolus_planning
    interval_text = (
        f"{interval.value} days {interval.provenance.describe()}"
        if isinstance(interval, Sourced)
        else f"not set: {interval.note}"
    )
    return [
        f"Clinic policy {policy.version}:",
        f"  residual discrepancy threshold: {render.number(percent.value)}% "
        f"{percent.provenance.describe()}",
        f"  dose-change guard: × {render.number(ratio.value)} "
        f"[{policy.max_dose_change_enforcement.value}] {ratio.provenance.describe()}",
        f"  maximum refill interval: {interval_text}",
        f"  bolus planning: {planning.value.words} ({planning.value.value}) "
        f"{planning.provenance.describe()}",
    ]


def run_show(ns: argparse.Namespace, catalogue: Catalogue) -> tuple[dict[str, Any], list[str], int]:
    identity = catalogue.identity
    doc = {
        "drugs": {d.id: _drug(d) for d in catalogue.drugs.values()},
        "pumps": {p.id: _pump(p) for p in catalogue.pumps.values()},
        "policy": _policy(catalogue.policy),
        "pathway": pathway.rules_json(catalogue.pathway),
        "eligibility": eligibility.rules_json(catalogue.eligibility),
        "factor_tables": {t.id: t.name for t in catalogue.factors.tables.values()},
        "default_factor_table": catalogue.factors.default_table,
        "ratios": {
            r.id: {"ratio": r.ratio, "description": r.description}
            for r in catalogue.factors.ratios.values()
        },
        "sources": {
            s.id: {"citation": s.citation, "year": s.year, "url": s.url}
            for s in catalogue.sources.values()
        },
        "clinic": (
            {
                "name": identity.clinic.name,
                "version": identity.clinic.version,
                "approved_by": identity.clinic.approved_by,
                "approved_on": identity.clinic.approved_on,
            }
            if identity.clinic
            else None
        ),
        **render.about(identity),
    }
    lines = [f"Library in force: {identity.describe()}", f"sha256: {identity.content_hash}"]
    if identity.clinic:
        lines.append(
            f"Clinic file: {identity.clinic.name} {identity.clinic.version}, approved by "
            f"{identity.clinic.approved_by} on {identity.clinic.approved_on}"
        )
    lines += ["", "Drugs:"]
    for drug in catalogue.drugs.values():
        strengths = ", ".join(str(c) for c in drug.labelled_concentrations) or "none labelled"
        lines.append(f"  {drug.id}: {drug.name} ({drug.dose_unit.symbol}); strengths: {strengths}")
        for lim in drug.limits:
            lines.append(
                f"    {lim.kind.value} {lim.threshold()} [{lim.enforcement.value}] {lim.provenance.describe()}"
            )
        for stability in drug.stability:
            lines.append(f"    stability {stability.describe()} {stability.provenance.describe()}")
        lines += [f"    gap: {gap}" for gap in drug.gaps]
    lines += ["", "Pumps:"]
    for pump in catalogue.pumps.values():
        reservoir = (
            str(pump.reservoir.value)
            if isinstance(pump.reservoir, Sourced)
            else "reservoir unknown"
        )
        minimum = str(pump.min_rate.value) if isinstance(pump.min_rate, Sourced) else "unknown"
        lines.append(
            f"  {pump.id}: {pump.name}; {pump.kind.value}; {reservoir}; minimum rate {minimum}"
        )
        lines += [f"    note: {n.value} {n.provenance.describe()}" for n in pump.notes]
    lines += ["", *_policy_text(catalogue.policy)]
    lines += ["", *pathway.rules_text(catalogue.pathway)]
    lines += ["", *eligibility.rules_text(catalogue.eligibility)]
    lines += [
        "",
        f"Opioid factor tables (default {catalogue.factors.default_table}): "
        + ", ".join(catalogue.factors.tables),
    ]
    lines += [
        "Oral:intrathecal ratios: "
        + ", ".join(
            f"{r.id} ({render.number(r.ratio)}:1)" for r in catalogue.factors.ratios.values()
        )
    ]
    lines += ["", "Sources:"]
    lines += [f"  {s.id}: {s.short()}" for s in catalogue.sources.values()]
    return doc, lines + render.footer(identity), 0
