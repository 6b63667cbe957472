"""The pathway's rule set, read from pathway.toml: screening thresholds, stage targets,
trial guidance, the implant checklist and the follow-ups after implant.

Every value keeps its provenance, so each screen, target and checklist item can say what
it rests on. Stage targets and most follow-up days are ithaca's clinic-policy defaults
(mark U): shown, never enforced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from ithaca.clinical.datareader import Node
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    pain_threshold: Sourced[int]
    ome_threshold: Sourced[DoseRate]
    side_effects: Provenance


@dataclass(frozen=True, slots=True)
class TrialRules:
    single_shot_observation_hours: Sourced[int]
    first_morphine_dose_observation_hours: Sourced[int]
    catheter_inpatient: Provenance
    success_percent: Sourced[Decimal]
    may_be_waived: Provenance


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    text: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class FollowUpRule:
    kind: str
    days: tuple[int, ...]
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class PathwayRules:
    name: str
    version: str
    screening: ScreeningRules
    targets: dict[Stage, Sourced[timedelta]]
    trial: TrialRules
    checklist: tuple[ChecklistItem, ...]
    follow_ups: tuple[FollowUpRule, ...]

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def target_spans(self) -> dict[Stage, timedelta]:
        return {stage: target.value for stage, target in self.targets.items()}


FOLLOW_UP_KINDS = ("respiratory_review", "wound_check", "titration_visit")


def read_pathway_rules(root: Node) -> PathwayRules:
    pathway = root.child("pathway")
    return PathwayRules(
        name=pathway.text("name"),
        version=pathway.text("version"),
        screening=_screening(pathway.child("screening")),
        targets=_targets(pathway.child("targets")),
        trial=_trial(pathway.child("trial")),
        checklist=_checklist(pathway),
        follow_ups=_follow_ups(pathway),
    )


def _screening(node: Node) -> ScreeningRules:
    pain = node.child("pain_threshold")
    score = pain.decimal("value")
    if score != score.to_integral_value() or not 1 <= score <= 10:
        raise pain.fail("value", "a whole pain score from 1 to 10 is expected")
    ome = node.child("ome_threshold")
    return ScreeningRules(
        pain_threshold=Sourced(int(score), pain.provenance()),
        ome_threshold=Sourced(ome.quantity("value", DoseRate), ome.provenance()),
        side_effects=node.child("side_effects").provenance(),
    )


def _targets(node: Node) -> dict[Stage, Sourced[timedelta]]:
    targets: dict[Stage, Sourced[timedelta]] = {}
    for key, target in node.tables():
        try:
            stage = Stage(key)
        except ValueError:
            raise node.fail(key, "not a pathway stage") from None
        days = target.integer("days")
        if days <= 0:
            raise target.fail("days", "a target is at least one day")
        targets[stage] = Sourced(timedelta(days=days), target.provenance())
    return targets


def _hours(node: Node, key: str) -> Sourced[int]:
    item = node.child(key)
    hours = item.integer("hours")
    if hours <= 0:
        raise item.fail("hours", "at least one hour is expected")
    return Sourced(hours, item.provenance())


def _trial(node: Node) -> TrialRules:
    success = node.child("success_percent")
    percent = success.decimal("value")
    if not 0 < percent <= 100:
        raise success.fail("value", "a percentage above 0 and at most 100 is expected")
    return TrialRules(
        single_shot_observation_hours=_hours(node, "single_shot_observation"),
        first_morphine_dose_observation_hours=_hours(node, "first_morphine_dose_observation"),
        catheter_inpatient=node.child("catheter_inpatient").provenance(),
        success_percent=Sourced(percent, success.provenance()),
        may_be_waived=node.child("may_be_waived").provenance(),
    )


def _checklist(pathway: Node) -> tuple[ChecklistItem, ...]:
    items = [
        ChecklistItem(item.text("id"), item.text("text"), item.provenance())
        for item in pathway.children("checklist")
    ]
    ids = [item.id for item in items]
    if not items:
        raise pathway.fail("checklist", "the implant checklist needs at least one item")
    if len(set(ids)) != len(ids):
        raise pathway.fail("checklist", "each checklist item needs its own id")
    return tuple(items)


def _follow_ups(pathway: Node) -> tuple[FollowUpRule, ...]:
    rules = []
    for item in pathway.children("follow_up"):
        kind = item.text("kind")
        if kind not in FOLLOW_UP_KINDS:
            raise item.fail("kind", f"must be one of {', '.join(FOLLOW_UP_KINDS)}")
        days = item.raw("days")
        if (
            not isinstance(days, list)
            or not days
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in days)
        ):
            raise item.fail(
                "days", "a list of whole days after the implant is expected, e.g. [7, 14]"
            )
        rules.append(FollowUpRule(kind, tuple(sorted(set(days))), item.provenance()))
    return tuple(rules)
