"""The decision aid's rule set, read from decision_aid.toml: the SURE screen, the values and
readiness questions, the options with their published numbers, and the caregiver check-in.

Every item, number and option line keeps its provenance so the page can say what it rests
on. Thresholds with no published number (low readiness, the rising-burden flag) are
ithaca-policy [U] defaults: the reader refuses to make them anything but advisory, because
nothing here blocks a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.answers import Item, Scale
from ithaca.clinical.datareader import Node
from ithaca.clinical.eligibility import SuggestedSystem
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance, Unknown

SURE_ITEMS = 4  # the SURE test has four items (Légaré 2010); a clinic may reword, not remove


@dataclass(frozen=True, slots=True)
class SourcedText:
    """A sentence shown to the family (a benefit, a risk, what an option asks) and its basis."""

    text: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class PublishedCost:
    """A cost from a published study, always shown with its country and payer context."""

    text: str
    context: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ClinicCost:
    amount: Decimal
    currency: str
    covers: str


@dataclass(frozen=True, slots=True)
class OptionInfo:
    id: str
    position: int
    name: str
    description: str
    system: SuggestedSystem | None
    benefits: tuple[SourcedText, ...]
    risks: tuple[SourcedText, ...]
    asks: tuple[SourcedText, ...]
    published_costs: tuple[PublishedCost, ...]
    clinic_cost: Sourced[ClinicCost] | Unknown
    clinic_listed: bool = False  # one of the clinic's other interventions


@dataclass(frozen=True, slots=True)
class SureRules:
    instrument: str
    licence: str
    items: tuple[Item, ...]
    conflict_at_or_below: Sourced[int]


@dataclass(frozen=True, slots=True)
class ValuesRules:
    scale: Scale
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class ReadinessRules:
    scale: Scale
    items: tuple[Item, ...]
    low_if_any_item_at_or_below: Sourced[int]
    low_if_total_at_or_below: Sourced[int]

    @property
    def highest_total(self) -> int:
        return self.scale.highest * len(self.items)


@dataclass(frozen=True, slots=True)
class SchedulePoint:
    id: str
    label: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class CheckInRules:
    scale: Scale
    items: tuple[Item, ...]
    schedule: tuple[SchedulePoint, ...]
    flag_rise: Sourced[int]
    flag_total: Sourced[int]

    @property
    def highest_total(self) -> int:
        return self.scale.highest * len(self.items)

    def point(self, point_id: str) -> SchedulePoint | None:
        return next((p for p in self.schedule if p.id == point_id), None)


@dataclass(frozen=True, slots=True)
class DecisionAidRules:
    name: str
    version: str
    sure: SureRules
    values: ValuesRules
    readiness: ReadinessRules
    options: tuple[OptionInfo, ...]
    checkin: CheckInRules

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def read_decision_aid(root: Node) -> DecisionAidRules:
    aid = root.child("decision_aid")
    options = [_option(key, node) for key, node in aid.child("options").tables()]
    others = [
        _option(node.optional_text("id") or f"other_{i + 1}", node, clinic_listed=True)
        for i, node in enumerate(aid.children("other_interventions"))
    ]
    everything = sorted(options, key=lambda o: o.position) + others
    if not options:
        raise aid.fail("options", "the decision aid needs at least one option")
    _unique(aid, "other_interventions", [o.id for o in everything], "option")
    return DecisionAidRules(
        name=aid.text("name"),
        version=aid.text("version"),
        sure=_sure(aid.child("sure")),
        values=_values(aid.child("values")),
        readiness=_readiness(aid.child("readiness")),
        options=tuple(everything),
        checkin=_checkin(aid.child("checkin")),
    )


def _unique(node: Node, key: str, ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise node.fail(key, f"each {what} needs its own id")


def _items(node: Node, key: str = "items", *, named: bool = False) -> tuple[Item, ...]:
    items = tuple(
        Item(
            item.text("id"),
            item.text("text"),
            item.provenance(),
            item.text("name") if named else "",
        )
        for item in node.children(key)
    )
    if not items:
        raise node.fail(key, "at least one question is expected")
    _unique(node, key, [i.id for i in items], "question")
    return items


def _scale(node: Node) -> Scale:
    labels = node.texts("labels")
    if len(labels) < 2:
        raise node.fail("labels", "a scale needs at least two labelled answers")
    return Scale(labels, node.provenance())


def _count(node: Node, key: str, lowest: int, highest: int) -> Sourced[int]:
    item = node.child(key)
    value = item.integer("value")
    if not lowest <= value <= highest:
        raise item.fail("value", f"a whole number from {lowest} to {highest} is expected")
    return Sourced(value, item.provenance())


def _sure(node: Node) -> SureRules:
    items = _items(node, named=True)
    if len(items) != SURE_ITEMS:
        raise node.fail(
            "items",
            f"the SURE test has {SURE_ITEMS} items (Légaré 2010): reword them, never add or remove one",
        )
    return SureRules(
        instrument=node.text("instrument"),
        licence=node.text("licence"),
        items=items,
        conflict_at_or_below=_count(node, "conflict_at_or_below", 0, SURE_ITEMS - 1),
    )


def _values(node: Node) -> ValuesRules:
    return ValuesRules(scale=_scale(node), items=_items(node))


def _readiness(node: Node) -> ReadinessRules:
    scale, items = _scale(node), _items(node)
    return ReadinessRules(
        scale=scale,
        items=items,
        low_if_any_item_at_or_below=_count(node, "low_if_any_item_at_or_below", 0, scale.highest),
        low_if_total_at_or_below=_count(
            node, "low_if_total_at_or_below", 0, scale.highest * len(items)
        ),
    )


def _checkin(node: Node) -> CheckInRules:
    scale, items = _scale(node), _items(node)
    highest = scale.highest * len(items)
    schedule = tuple(
        SchedulePoint(point.text("id"), point.text("label"), point.provenance())
        for point in node.children("schedule")
    )
    if not schedule:
        raise node.fail("schedule", "at least one schedule point is expected")
    _unique(node, "schedule", [p.id for p in schedule], "schedule point")
    return CheckInRules(
        scale=scale,
        items=items,
        schedule=schedule,
        flag_rise=_count(node, "flag_rise", 1, highest),
        flag_total=_count(node, "flag_total", 1, highest),
    )


def _texts(node: Node, key: str) -> tuple[SourcedText, ...]:
    return tuple(SourcedText(n.text("text"), n.provenance()) for n in node.children(key))


def _option(option_id: str, node: Node, *, clinic_listed: bool = False) -> OptionInfo:
    system_id = node.optional_text("system")
    try:
        system = SuggestedSystem(system_id) if system_id is not None else None
    except ValueError:
        known = ", ".join(s.value for s in SuggestedSystem)
        raise node.fail("system", f"must be one of {known}") from None
    costs = tuple(
        PublishedCost(n.text("text"), n.text("context"), n.provenance())
        for n in node.children("published_costs")
    )
    return OptionInfo(
        id=option_id,
        position=node.integer("position") if node.has("position") else 0,
        name=node.text("name"),
        description=node.text("description"),
        system=system,
        benefits=_texts(node, "benefits"),
        risks=_texts(node, "risks"),
        asks=_texts(node, "asks"),
        published_costs=costs,
        clinic_cost=_clinic_cost(node),
        clinic_listed=clinic_listed,
    )


def _clinic_cost(option: Node) -> Sourced[ClinicCost] | Unknown:
    if not option.has("clinic_cost"):
        return Unknown("Not set by the clinic.")
    node = option.child("clinic_cost")
    if node.is_unknown():
        return node.unknown()
    amount = node.decimal("amount")
    if amount < 0:
        raise node.fail("amount", "a cost is zero or more")
    cost = ClinicCost(amount, node.text("currency"), node.optional_text("covers") or "")
    return Sourced(cost, node.provenance())
