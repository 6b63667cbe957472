"""The intrathecal drug library: drugs, their limits and their stability rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ithaca.clinical.datareader import Node
from ithaca.clinical.quantities import (
    CONCENTRATION_UNIT_FOR_MASS,
    DOSE_UNIT_FOR_MASS,
    Concentration,
    DoseRate,
    Unit,
)
from ithaca.clinical.sources import Enforcement, Provenance


class LimitKind(Enum):
    MAX_DAILY_DOSE = "max_daily_dose"
    MAX_CONCENTRATION = "max_concentration"
    MAX_START_DOSE = "max_start_dose"
    MAX_TITRATION_STEP = "max_titration_step"
    MIN_DAYS_BETWEEN_INCREASES = "min_days_between_increases"


class FillKind(Enum):
    INITIAL = "initial"  # the first fill of a new pump
    REFILL = "refill"
    ANY = "any"

    @property
    def words(self) -> str:
        return {"initial": "first fill", "refill": "refill", "any": "any fill"}[self.value]


@dataclass(frozen=True, slots=True)
class DrugLimit:
    kind: LimitKind
    enforcement: Enforcement
    provenance: Provenance
    dose: DoseRate | None = None
    concentration: Concentration | None = None
    days: int | None = None

    def threshold(self) -> str:
        if self.dose is not None:
            return str(self.dose)
        if self.concentration is not None:
            return str(self.concentration)
        return f"{self.days} days"


@dataclass(frozen=True, slots=True)
class DoseRange:
    context: str
    low: DoseRate
    high: DoseRate
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ObservationGuidance:
    context: str
    hours: int
    text: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class StabilityRule:
    """How long a fill may stay in the pump. concentration None means 'any' (or, with
    diluted, any strength below the highest labelled one that is not itself labelled)."""

    concentration: Concentration | None
    diluted: bool
    fill: FillKind
    max_days: int
    provenance: Provenance

    def describe(self) -> str:
        what = (
            "diluted"
            if self.diluted
            else (str(self.concentration) if self.concentration else "any strength")
        )
        fill = {FillKind.ANY: "", FillKind.INITIAL: ", first fill", FillKind.REFILL: ", refill"}[
            self.fill
        ]
        return f"{what}{fill}: {self.max_days} days"


@dataclass(frozen=True, slots=True)
class Contraindication:
    text: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Drug:
    id: str
    name: str
    dose_unit: Unit  # MG or MCG: the unit this drug is prescribed in
    drug_class: str
    labelled_concentrations: tuple[Concentration, ...]
    labelled_provenance: Provenance | None
    dose_ranges: tuple[DoseRange, ...]
    limits: tuple[DrugLimit, ...]
    observation: tuple[ObservationGuidance, ...]
    stability: tuple[StabilityRule, ...]
    contraindications: tuple[Contraindication, ...]
    gaps: tuple[str, ...]

    @property
    def dose_rate_unit(self) -> Unit:
        return DOSE_UNIT_FOR_MASS[self.dose_unit]

    @property
    def concentration_unit(self) -> Unit:
        return CONCENTRATION_UNIT_FOR_MASS[self.dose_unit]

    def limits_of(self, kind: LimitKind) -> tuple[DrugLimit, ...]:
        return tuple(limit for limit in self.limits if limit.kind is kind)

    def is_labelled_strength(self, concentration: Concentration) -> bool:
        return concentration in self.labelled_concentrations

    def stability_for(self, concentration: Concentration, fill: FillKind) -> StabilityRule | None:
        """The most specific stability rule that applies, or None if the library has none."""
        # 'Diluted' means made weaker than a labelled product: a strength below the highest
        # labelled strength that is not itself labelled. Anything stronger is compounded.
        diluted = (
            bool(self.labelled_concentrations)
            and not self.is_labelled_strength(concentration)
            and concentration < max(self.labelled_concentrations)
        )

        def applies(rule: StabilityRule) -> bool:
            if rule.fill is not FillKind.ANY and rule.fill is not fill:
                return False
            if rule.diluted:
                return diluted
            return rule.concentration is None or rule.concentration == concentration

        def specificity(rule: StabilityRule) -> tuple[int, int]:
            return (rule.concentration is not None or rule.diluted, rule.fill is not FillKind.ANY)

        matching = sorted((r for r in self.stability if applies(r)), key=specificity, reverse=True)
        return matching[0] if matching else None


def read_drug(drug_id: str, node: Node) -> Drug:
    dose_unit_text = node.text("dose_unit")
    units = {"mg": Unit.MG, "mcg": Unit.MCG}
    if dose_unit_text not in units:
        raise node.fail("dose_unit", "must be mg or mcg")
    labelled = tuple(
        node.quantity_from(v, f"labelled_concentrations[{i}]", Concentration)
        for i, v in enumerate(node.texts("labelled_concentrations"))
    )
    labelled_provenance = (
        node.child("labelled_concentrations_source").provenance()
        if node.has("labelled_concentrations_source")
        else None
    )
    if labelled and labelled_provenance is None:
        raise node.fail("labelled_concentrations_source", "labelled strengths need a source")
    return Drug(
        id=drug_id,
        name=node.text("name"),
        dose_unit=units[dose_unit_text],
        drug_class=node.text("drug_class"),
        labelled_concentrations=labelled,
        labelled_provenance=labelled_provenance,
        dose_ranges=tuple(_read_range(n) for n in node.children("dose_ranges")),
        limits=tuple(_read_limit(n) for n in node.children("limits")),
        observation=tuple(_read_observation(n) for n in node.children("observation")),
        stability=tuple(_read_stability(n) for n in node.children("stability")),
        contraindications=tuple(
            Contraindication(n.text("text"), n.provenance())
            for n in node.children("contraindications")
        ),
        gaps=node.texts("gaps"),
    )


def _read_limit(node: Node) -> DrugLimit:
    try:
        kind = LimitKind(node.text("kind"))
    except ValueError:
        raise node.fail("kind", f"must be one of {', '.join(k.value for k in LimitKind)}") from None
    provenance = node.provenance()
    enforcement = node.enforcement(provenance)
    if kind is LimitKind.MAX_CONCENTRATION:
        return DrugLimit(
            kind, enforcement, provenance, concentration=node.quantity("value", Concentration)
        )
    if kind is LimitKind.MIN_DAYS_BETWEEN_INCREASES:
        return DrugLimit(kind, enforcement, provenance, days=node.integer("days"))
    return DrugLimit(kind, enforcement, provenance, dose=node.quantity("value", DoseRate))


def _read_range(node: Node) -> DoseRange:
    low, high = node.quantity("low", DoseRate), node.quantity("high", DoseRate)
    if low > high:
        raise node.fail("low", "the low end of a range is above its high end")
    return DoseRange(node.text("context"), low, high, node.provenance())


def _read_observation(node: Node) -> ObservationGuidance:
    return ObservationGuidance(
        node.text("context"), node.integer("hours"), node.text("text"), node.provenance()
    )


def _read_stability(node: Node) -> StabilityRule:
    text = node.text("concentration")
    concentration = (
        None if text in ("any", "diluted") else node.quantity("concentration", Concentration)
    )
    try:
        fill = FillKind(node.text("fill"))
    except ValueError:
        raise node.fail("fill", "must be initial, refill or any") from None
    max_days = node.integer("max_days")
    if max_days <= 0:
        raise node.fail("max_days", "must be at least one day")
    return StabilityRule(concentration, text == "diluted", fill, max_days, node.provenance())
