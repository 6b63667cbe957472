"""The care pathway's rules as `ithaca library show` lists them: the referral screen, the
stage targets, the trial, the implant checklist and the follow-ups after implant.

Stage targets are ithaca's clinic-policy defaults, not guideline numbers: they are always
shown as such, whatever source a clinic file gives them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ithaca.cli import render
from ithaca.clinical.pathway_rules import PathwayRules
from ithaca.clinical.sourced import Sourced

TARGET_BASIS = "clinic policy, not guideline"


def _sourced(value: Sourced[Any]) -> dict[str, Any]:
    raw = value.value
    return {
        "value": render.number(raw) if isinstance(raw, Decimal) else str(raw),
        "source": render.provenance_json(value.provenance),
    }


def rules_json(rules: PathwayRules) -> dict[str, Any]:
    screening, trial = rules.screening, rules.trial
    return {
        "name": rules.name,
        "version": rules.version,
        "screening": {
            "pain_threshold": _sourced(screening.pain_threshold),
            "ome_threshold": _sourced(screening.ome_threshold),
            "side_effects": {"source": render.provenance_json(screening.side_effects)},
        },
        "stage_targets": {
            stage.value: {
                "days": target.value.days,
                "basis": TARGET_BASIS,
                "source": render.provenance_json(target.provenance),
            }
            for stage, target in rules.targets.items()
        },
        "trial": {
            "single_shot_observation_hours": _sourced(trial.single_shot_observation_hours),
            "first_morphine_dose_observation_hours": _sourced(
                trial.first_morphine_dose_observation_hours
            ),
            "catheter_inpatient": {"source": render.provenance_json(trial.catheter_inpatient)},
            "success_percent": _sourced(trial.success_percent),
            "may_be_waived": {"source": render.provenance_json(trial.may_be_waived)},
        },
        "checklist": [
            {"id": item.id, "text": item.text, "source": render.provenance_json(item.provenance)}
            for item in rules.checklist
        ],
        "follow_ups": [
            {
                "kind": rule.kind,
                "days_after_implant": list(rule.days),
                "source": render.provenance_json(rule.provenance),
            }
            for rule in rules.follow_ups
        ],
    }


def rules_text(rules: PathwayRules) -> list[str]:
    screening, trial = rules.screening, rules.trial
    pain, ome = screening.pain_threshold, screening.ome_threshold
    single, morphine = (
        trial.single_shot_observation_hours,
        trial.first_morphine_dose_observation_hours,
    )
    success = trial.success_percent
    lines = [
        f"Pathway rules: {rules.label}",
        "  referral screen (a flag, never a gate):",
        f"    pain {pain.value}/10 or more {pain.provenance.describe()}",
        f"    oral morphine equivalent {ome.value} or more {ome.provenance.describe()}",
        f"    or dose-limiting side effects {screening.side_effects.describe()}",
        f"  stage targets ({TARGET_BASIS}; shown, never enforced):",
    ]
    lines += [
        f"    {stage.label}: {target.value.days} days {target.provenance.describe()}"
        for stage, target in rules.targets.items()
    ]
    lines += [
        "  trial:",
        f"    observe at least {single.value} h after a single-shot trial "
        f"{single.provenance.describe()}",
        f"    observe at least {morphine.value} h after the first intrathecal morphine dose "
        f"{morphine.provenance.describe()}",
        f"    catheter (continuous) trials as inpatients {trial.catheter_inpatient.describe()}",
        f"    success: a {render.number(success.value)}% fall in pain (shown, never enforced) "
        f"{success.provenance.describe()}",
        f"    may be waived in selected populations {trial.may_be_waived.describe()}",
        "  implant checklist:",
    ]
    lines += [
        f"    {item.id}: {item.text} {item.provenance.describe()}" for item in rules.checklist
    ]
    lines.append("  follow-ups (days after the implant):")
    lines += [
        f"    {rule.kind.replace('_', ' ')}: days {', '.join(str(d) for d in rule.days)} "
        f"{rule.provenance.describe()}"
        for rule in rules.follow_ups
    ]
    return lines
