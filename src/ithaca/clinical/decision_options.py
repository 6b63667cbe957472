"""The options as the decision aid shows them to one patient, and the snapshot kept with a
session so a later reader sees exactly what was shown, with its sources and library hash.

The system the patient's latest eligibility assessment suggested is highlighted, never
chosen: the suggestion comes from published selection rules (life expectancy above or
below about 3 months), and the choice is the patient's, the family's and the team's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ithaca.clinical.decision_rules import (
    ClinicCost,
    DecisionAidRules,
    OptionInfo,
    PublishedCost,
    SourcedText,
)
from ithaca.clinical.eligibility import SuggestedSystem
from ithaca.clinical.quantities import format_decimal
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance

NOT_SET = "Not set by the clinic."


@dataclass(frozen=True, slots=True)
class OptionView:
    info: OptionInfo
    highlighted: bool

    @property
    def clinic_cost(self) -> ClinicCost | None:
        cost = self.info.clinic_cost
        return cost.value if isinstance(cost, Sourced) else None


@dataclass(frozen=True, slots=True)
class OptionTable:
    options: tuple[OptionView, ...]
    suggested: SuggestedSystem | None
    note: str  # what the highlight means, in words


def option_table(rules: DecisionAidRules, suggested: SuggestedSystem | None) -> OptionTable:
    views = tuple(
        OptionView(info, suggested is not None and info.system is suggested)
        for info in rules.options
    )
    return OptionTable(views, suggested, _note(suggested, any(v.highlighted for v in views)))


def _note(suggested: SuggestedSystem | None, matched: bool) -> str:
    if suggested is None:
        return "No eligibility assessment has suggested a system yet: no option is highlighted."
    if not matched:
        return (
            f"The latest eligibility assessment suggested {suggested.words}, which is not among "
            "the options listed here: discuss it with the team."
        )
    return (
        f"The latest eligibility assessment suggested {suggested.words}: it is highlighted. "
        "It is a suggestion from the assessment, not a choice; the patient, the family and "
        "the team decide together."
    )


def cost_text(cost: ClinicCost) -> str:
    covers = f" ({cost.covers})" if cost.covers else ""
    return f"{cost.currency} {format_decimal(cost.amount)}{covers}"


def _basis(provenance: Provenance) -> dict[str, str]:
    return {
        "source": provenance.source.id,
        "citation": provenance.source.short(),
        "mark": provenance.confidence.value,
        "note": provenance.note,
    }


def _line(line: SourcedText) -> dict[str, str]:
    return {"text": line.text, **_basis(line.provenance)}


def _published(cost: PublishedCost) -> dict[str, str]:
    return {"text": cost.text, "context": cost.context, **_basis(cost.provenance)}


def _option(view: OptionView) -> dict[str, object]:
    info, cost = view.info, view.info.clinic_cost
    return {
        "id": info.id,
        "name": info.name,
        "description": info.description,
        "system": info.system.value if info.system is not None else "",
        "highlighted": view.highlighted,
        "clinic_listed": info.clinic_listed,
        "benefits": [_line(b) for b in info.benefits],
        "risks": [_line(r) for r in info.risks],
        "asks": [_line(a) for a in info.asks],
        "published_costs": [_published(c) for c in info.published_costs],
        "clinic_cost": {"text": cost_text(cost.value), **_basis(cost.provenance)}
        if isinstance(cost, Sourced)
        else {"text": NOT_SET, "unset": str(cost)},
    }


def snapshot(table: OptionTable, rules_label: str, library_hash: str) -> dict[str, object]:
    """The options as shown, as plain data for storage beside the session's answers."""
    return {
        "rules": rules_label,
        "library_hash": library_hash,
        "suggested_system": table.suggested.value if table.suggested is not None else "",
        "note": table.note,
        "options": [_option(view) for view in table.options],
    }
