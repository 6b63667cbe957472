"""Oral morphine equivalent (OME) of a patient's current systemic opioids.

OME mg/day = Σ (daily dose in the factor's unit × factor). The result is screening
arithmetic: CDC says its factors must not convert a patient between opioids, and the
CDC 2022 guideline does not cover cancer pain. Every result carries that caveat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ithaca.clinical.catalogue import Catalogue, LibraryIdentity
from ithaca.clinical.errors import (
    NoConversionFactor,
    QuantityOutOfRange,
    UnknownFactorTable,
    UnknownOpioidRoute,
)
from ithaca.clinical.factors import FactorTable, OmeFactor, Route
from ithaca.clinical.quantities import DoseRate, Unit, format_decimal
from ithaca.clinical.sources import Provenance


@dataclass(frozen=True, slots=True)
class OpioidDose:
    opioid: str
    route: Route
    dose: DoseRate


@dataclass(frozen=True, slots=True)
class OmeItem:
    dose: OpioidDose
    factor: Decimal
    per: Unit
    ome: DoseRate  # mg/day oral morphine equivalent
    step: str
    warnings: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class OmeResult:
    items: tuple[OmeItem, ...]
    total: DoseRate  # mg/day
    table: FactorTable
    caveats: tuple[str, ...]
    library: LibraryIdentity

    @property
    def formula(self) -> str:
        return "OME (mg/day) = Σ daily dose × factor, with each dose in the unit its factor is given per"


def oral_morphine_equivalent(
    doses: Sequence[OpioidDose], catalogue: Catalogue, table_id: str | None = None
) -> OmeResult:
    factors = catalogue.factors
    chosen = table_id or factors.default_table
    if chosen not in factors.tables:
        raise UnknownFactorTable(chosen, sorted(factors.tables))
    table = factors.tables[chosen]
    items = tuple(_convert(dose, table, catalogue) for dose in doses)
    total = sum((item.ome for item in items), DoseRate(Decimal(0), Unit.MG_PER_DAY))
    return OmeResult(items, total, table, table.caveats, catalogue.identity)


def find_factor(opioid: str, route: Route, table: FactorTable, catalogue: Catalogue) -> OmeFactor:
    name = opioid.strip().lower()
    no_factor = catalogue.factors.no_factor.get(name)
    if no_factor is not None:
        raise NoConversionFactor(name, no_factor.reason, no_factor.provenance.describe())
    candidates = (*table.factors, *catalogue.factors.supplementary)
    for factor in candidates:
        if factor.opioid == name and factor.route is route:
            return factor
    known = sorted({f"{f.opioid}:{f.route.value}" for f in candidates})
    raise UnknownOpioidRoute(name, route.value, table.name, known)


def _convert(item: OpioidDose, table: FactorTable, catalogue: Catalogue) -> OmeItem:
    if not item.dose.is_positive():
        raise QuantityOutOfRange(f"the {item.opioid} dose", str(item.dose), "it must be above zero")
    factor = find_factor(item.opioid, item.route, table, catalogue)
    in_factor_unit = item.dose.to(factor.per)
    multiplier = factor.factor_for(item.dose)
    # Multiply before dividing: 7 mcg/day of fentanyl is 7 × 2.4 ÷ 24 = 0.7 mg/day exactly,
    # where 7/24 mcg/h × 2.4 would carry a rounding tail into the total.
    ome = DoseRate.from_fraction(in_factor_unit.value * Fraction(multiplier), Unit.MG_PER_DAY)
    shown = str(item.dose)
    if item.dose.unit is not factor.per:
        shown = f"{item.dose} = {in_factor_unit}"
    step = (
        f"{factor.opioid} {factor.route.value} {shown} × {format_decimal(multiplier)} = {ome} OME"
    )
    warnings: list[str] = []
    if factor.sourced_warning:
        warnings.append(factor.sourced_warning)
    if factor.is_tiered:
        warnings.append(f"Tiered factor: {format_decimal(multiplier)} applies at {item.dose}.")
    return OmeItem(item, multiplier, factor.per, ome, step, tuple(warnings), factor.provenance)
