"""The implant: its checklist, the follow-ups it sets off, and the complications recorded after.

An implant is recorded as done only when every checklist item is ticked, or left open with a
clinician's written reason (a patient may go to theatre with imaging unreviewed because the
operation is urgent, but never silently). The follow-ups are dates, computed from the
implant date and the clinic's rules; the core does not know what today is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from ithaca.clinical.errors import ComplicationInvalid, ImplantChecklistOpen
from ithaca.clinical.pathway_rules import ChecklistItem, FollowUpRule
from ithaca.clinical.sources import Provenance


@dataclass(frozen=True, slots=True)
class ChecklistAnswer:
    done: bool
    reason_open: str = ""  # why an item is left open, in a clinician's words


@dataclass(frozen=True, slots=True)
class ChecklistState:
    done: tuple[ChecklistItem, ...]
    open_with_reason: tuple[tuple[ChecklistItem, str], ...]
    open_unexplained: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        return not self.open_with_reason and not self.open_unexplained


def checklist_state(
    items: tuple[ChecklistItem, ...], answers: Mapping[str, ChecklistAnswer]
) -> ChecklistState:
    """Sort the items into done, open with a reason, and open without one."""
    done, explained, unexplained = [], [], []
    for item in items:
        answer = answers.get(item.id, ChecklistAnswer(done=False))
        reason = " ".join(answer.reason_open.split())
        if answer.done:
            done.append(item)
        elif reason:
            explained.append((item, reason))
        else:
            unexplained.append(item)
    return ChecklistState(tuple(done), tuple(explained), tuple(unexplained))


def require_ready_for_implant(state: ChecklistState) -> None:
    """Raise ImplantChecklistOpen naming every item open without a reason."""
    if state.open_unexplained:
        raise ImplantChecklistOpen(item.text for item in state.open_unexplained)


class FollowUpKind(Enum):
    RESPIRATORY_REVIEW = "respiratory_review"
    WOUND_CHECK = "wound_check"
    TITRATION_VISIT = "titration_visit"

    @property
    def label(self) -> str:
        return {
            "respiratory_review": "Respiratory review",
            "wound_check": "Wound check",
            "titration_visit": "Titration visit",
        }[self.value]


@dataclass(frozen=True, slots=True)
class PlannedFollowUp:
    kind: FollowUpKind
    day: int  # days after the implant
    due_on: date
    provenance: Provenance


def follow_up_schedule(
    implanted_on: date, rules: tuple[FollowUpRule, ...]
) -> list[PlannedFollowUp]:
    """Every follow-up the rules set, in date order (a tie keeps the rules' order)."""
    planned = [
        PlannedFollowUp(
            FollowUpKind(rule.kind), day, implanted_on + timedelta(days=day), rule.provenance
        )
        for rule in rules
        for day in rule.days
    ]
    return sorted(planned, key=lambda item: item.due_on)


class ComplicationKind(Enum):
    INFECTION = "infection"
    CSF_LEAK = "csf_leak"
    CATHETER = "catheter"
    GRANULOMA = "granuloma"
    PUMP_MALFUNCTION = "pump_malfunction"
    OVERDOSE = "overdose"
    WITHDRAWAL = "withdrawal"
    POCKET_FILL = "pocket_fill"
    BLEEDING = "bleeding"
    NEUROLOGICAL = "neurological"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "infection": "Infection",
            "csf_leak": "CSF leak",
            "catheter": "Catheter problem (kink, break, migration, disconnection)",
            "granuloma": "Catheter-tip inflammatory mass (granuloma)",
            "pump_malfunction": "Pump malfunction",
            "overdose": "Overdose",
            "withdrawal": "Withdrawal",
            "pocket_fill": "Pocket fill",
            "bleeding": "Bleeding",
            "neurological": "Neurological injury",
            "other": "Other (see note)",
        }[self.value]


class InfectionDepth(Enum):
    """Depth matters: a superficial wound infection and meningitis are different events."""

    SUPERFICIAL = "superficial"
    DEEP = "deep"  # pump pocket or catheter tract
    MENINGITIS = "meningitis"

    @property
    def label(self) -> str:
        return {
            "superficial": "Superficial (skin or wound)",
            "deep": "Deep (pump pocket or catheter tract)",
            "meningitis": "Meningitis",
        }[self.value]


def require_depth(kind: ComplicationKind, depth: InfectionDepth | None) -> None:
    """An infection needs its depth; any other complication must not have one."""
    if kind is ComplicationKind.INFECTION and depth is None:
        raise ComplicationInvalid("an infection is recorded with its depth")
    if kind is not ComplicationKind.INFECTION and depth is not None:
        raise ComplicationInvalid("only an infection has a depth")
