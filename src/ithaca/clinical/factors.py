"""Oral morphine equivalent factors and oral-to-intrathecal ratios, as data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from ithaca.clinical.datareader import Node
from ithaca.clinical.parsing import parse_unit
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.clinical.sources import Provenance


class Route(Enum):
    ORAL = "oral"
    TRANSDERMAL = "transdermal"
    PARENTERAL = "parenteral"  # intravenous or subcutaneous


@dataclass(frozen=True, slots=True)
class FactorTier:
    up_to: DoseRate | None  # None: no upper bound
    factor: Decimal


@dataclass(frozen=True, slots=True)
class OmeFactor:
    """OME mg/day = (daily dose expressed in `per`) × factor."""

    opioid: str
    route: Route
    per: Unit
    tiers: tuple[FactorTier, ...]  # one tier with up_to None for a single factor
    warning: str | None
    provenance: Provenance
    warning_provenance: Provenance | None = None  # what backs the warning, where it is cited

    @property
    def sourced_warning(self) -> str | None:
        """The warning with the source that backs it, if it names one."""
        if self.warning is None or self.warning_provenance is None:
            return self.warning
        return f"{self.warning} ({self.warning_provenance.describe()})"

    def factor_for(self, dose: DoseRate) -> Decimal:
        for tier in self.tiers:
            if tier.up_to is None or dose <= tier.up_to:
                return tier.factor
        return self.tiers[-1].factor  # pragma: no cover - the reader requires an open last tier

    @property
    def is_tiered(self) -> bool:
        return len(self.tiers) > 1


@dataclass(frozen=True, slots=True)
class FactorTable:
    id: str
    name: str
    provenance: Provenance
    caveats: tuple[str, ...]
    factors: tuple[OmeFactor, ...]


@dataclass(frozen=True, slots=True)
class NamedRatio:
    id: str
    ratio: Decimal
    description: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class NoFactor:
    opioid: str
    reason: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class OpioidFactors:
    version: str
    default_table: str
    tables: dict[str, FactorTable]
    supplementary: tuple[OmeFactor, ...]
    no_factor: dict[str, NoFactor]
    ratios: dict[str, NamedRatio]
    lowest_published_ratio: Decimal
    lowest_ratio_provenance: Provenance
    cross_tolerance: Provenance
    hydromorphone_ratios: dict[str, NamedRatio]


def read_factors(node: Node) -> OpioidFactors:
    header = node.child("factors")
    tables = {tid: _read_table(tid, t) for tid, t in node.child("tables").tables()}
    default = header.text("default_table")
    if default not in tables:
        raise header.fail("default_table", f"no table named '{default}'")
    bounds = node.child("ratio_bounds")
    return OpioidFactors(
        version=header.text("version"),
        default_table=default,
        tables=tables,
        supplementary=tuple(
            _read_factor(n, n.provenance()) for n in node.children("supplementary")
        ),
        no_factor={
            opioid: NoFactor(opioid, n.text("reason"), n.provenance())
            for opioid, n in node.child("no_factor").tables()
        },
        ratios=_read_ratios(node.child("ratios")),
        lowest_published_ratio=bounds.decimal("lowest_published"),
        lowest_ratio_provenance=bounds.provenance(),
        cross_tolerance=node.child("cross_tolerance_reduction").provenance(),
        hydromorphone_ratios=_read_ratios(node.child("hydromorphone_ratios")),
    )


def _read_table(table_id: str, node: Node) -> FactorTable:
    provenance = node.provenance()
    factors = tuple(_read_factor(n, provenance) for n in node.children("factors"))
    caveats = node.texts("caveats")
    if not caveats:
        raise node.fail(
            "caveats",
            "a factor table states its caveats: the factors are not for converting between "
            "opioids, and the CDC 2022 scope excludes cancer pain",
        )
    return FactorTable(table_id, node.text("name"), provenance, caveats, factors)


def _read_factor(node: Node, provenance: Provenance) -> OmeFactor:
    try:
        route = Route(node.text("route"))
    except ValueError:
        raise node.fail("route", f"routes are {', '.join(r.value for r in Route)}") from None
    try:
        per = parse_unit(node.text("per"), DoseRate)
    except ValueError as exc:
        raise node.fail("per", str(exc)) from exc
    if node.has("tiers"):
        tiers = tuple(_read_tier(t) for t in node.children("tiers"))
        if not tiers or tiers[-1].up_to is not None:
            raise node.fail("tiers", 'the last tier must be open-ended (up_to = "none")')
    else:
        tiers = (FactorTier(None, _positive(node, "factor")),)
    warning = node.optional_text("warning")
    warning_provenance = None
    if node.has("warning_source"):
        if warning is None:
            raise node.fail("warning_source", "a warning_source needs the warning it backs")
        warning_provenance = node.child("warning_source").provenance()
    return OmeFactor(
        node.text("opioid"), route, per, tiers, warning, provenance, warning_provenance
    )


def _read_tier(node: Node) -> FactorTier:
    bound = node.text("up_to")
    up_to = None if bound == "none" else node.quantity("up_to", DoseRate)
    return FactorTier(up_to, _positive(node, "factor"))


def _positive(node: Node, key: str) -> Decimal:
    value = node.decimal(key)
    if value <= 0:
        raise node.fail(key, "must be above zero")
    return value


def _read_ratios(node: Node) -> dict[str, NamedRatio]:
    return {
        rid: NamedRatio(rid, _positive(n, "ratio"), n.text("description"), n.provenance())
        for rid, n in node.tables()
    }
