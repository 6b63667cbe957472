"""An intrathecal starting dose from a patient's systemic regimen, with the arithmetic shown.

IT morphine (mg/day) = OME (mg/day) ÷ ratio × (1 − reduction). The ratio is the
prescriber's choice (classic 300:1; about 100:1 in the Huntsman cancer series); the
optional cross-tolerance reduction has no retrieved source and is never defaulted.
Hydromorphone follows from IT morphine by a morphine:hydromorphone ratio the
prescriber must also choose, because published ratios differ threefold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.catalogue import Catalogue, LibraryIdentity
from ithaca.clinical.checks import daily_dose_findings
from ithaca.clinical.drugs import DoseRange, ObservationGuidance
from ithaca.clinical.errors import ConversionNotSupported, QuantityOutOfRange, UnknownRatio
from ithaca.clinical.factors import NamedRatio
from ithaca.clinical.findings import Finding, Severity
from ithaca.clinical.parsing import parse_positive_number
from ithaca.clinical.quantities import DoseRate, Unit, format_decimal

SUPPORTED = ("morphine", "hydromorphone")


@dataclass(frozen=True, slots=True)
class IntrathecalStart:
    drug: str
    ome: DoseRate
    ratio: Decimal
    named_ratio: NamedRatio | None
    reduction_percent: Decimal
    daily_dose: DoseRate  # in the drug's own unit, rounded down to 1 mcg/day
    steps: tuple[str, ...]
    findings: tuple[Finding, ...]
    ranges: tuple[DoseRange, ...]
    observation: tuple[ObservationGuidance, ...]
    library: LibraryIdentity

    @property
    def daily_dose_mg(self) -> Decimal:
        return self.daily_dose.to(Unit.MG_PER_DAY).magnitude

    @property
    def daily_dose_mcg(self) -> Decimal:
        return self.daily_dose.to(Unit.MCG_PER_DAY).magnitude


def resolve_ratio(value: str, table: dict[str, NamedRatio]) -> tuple[Decimal, NamedRatio | None]:
    """A ratio given by name ('huntsman-100') or as a plain number ('100'; not '1e2' or '.5')."""
    text = value.strip()
    if text in table:
        return table[text].ratio, table[text]
    if not text[:1].isdigit() and not text.startswith((".", "-", "+")):
        raise UnknownRatio(value, sorted(table))
    number = parse_positive_number(text, "a conversion ratio")
    named = next((r for r in table.values() if r.ratio == number), None)
    return number, named


def intrathecal_start(
    ome: DoseRate,
    drug_id: str,
    catalogue: Catalogue,
    ratio: str,
    reduction_percent: Decimal = Decimal(0),
    hydromorphone_ratio: str | None = None,
) -> IntrathecalStart:
    drug = catalogue.drug(drug_id)
    if drug.id not in SUPPORTED:
        raise ConversionNotSupported(
            drug.id,
            "the reference gives no conversion from oral morphine to it; prescribe it from the drug library",
        )
    if not ome.is_positive():
        raise QuantityOutOfRange("an oral morphine equivalent", str(ome), "it must be above zero")
    if not Decimal(0) <= reduction_percent < 100:
        raise QuantityOutOfRange(
            "a cross-tolerance reduction", f"{reduction_percent}%", "it must be from 0 up to 100%"
        )
    factors = catalogue.factors
    number, named = resolve_ratio(ratio, factors.ratios)
    ome_mg = ome.to(Unit.MG_PER_DAY)
    findings: list[Finding] = []
    it_morphine = ome_mg.magnitude / number
    steps = [
        f"IT morphine = {ome_mg} ÷ {format_decimal(number)} = {format_decimal(it_morphine.quantize(Decimal('0.0001')))} mg/day"
    ]
    findings += _ratio_findings(number, named, catalogue)
    if reduction_percent:
        kept = 1 - reduction_percent / 100
        it_morphine *= kept
        steps.append(
            f"less {format_decimal(reduction_percent)}% cross-tolerance reduction: × {format_decimal(kept)} "
            f"= {format_decimal(it_morphine.quantize(Decimal('0.0001')))} mg/day"
        )
        findings.append(
            Finding(
                "reduction_unsourced",
                Severity.WARNING,
                f"A {format_decimal(reduction_percent)}% reduction was applied. {factors.cross_tolerance.note}",
                factors.cross_tolerance,
            )
        )
    dose_mg = it_morphine
    if drug.id == "hydromorphone":
        dose_mg, hm_step, hm_finding = _to_hydromorphone(
            it_morphine, hydromorphone_ratio, catalogue
        )
        steps.append(hm_step)
        findings.append(hm_finding)
    daily = (
        DoseRate(dose_mg, Unit.MG_PER_DAY)
        .to(Unit.MCG_PER_DAY)
        .rounded(0, down=True)
        .to(drug.dose_rate_unit)
    )
    steps.append(f"rounded down to the nearest 1 mcg/day: {daily} ({daily.to(Unit.MCG_PER_DAY)})")
    if not daily.is_positive():
        raise QuantityOutOfRange(
            "the computed intrathecal dose", str(daily), "it rounds to nothing; check the inputs"
        )
    findings += daily_dose_findings(drug, daily)
    findings.append(
        Finding(
            "titrate_after_start",
            Severity.INFO,
            "A converted dose is a starting point: in the Huntsman series 54% of patients needed it raised "
            "(median +66.7%), and systemic opioids were stopped at once.",
            factors.ratios["huntsman-100"].provenance if "huntsman-100" in factors.ratios else None,
        )
    )
    return IntrathecalStart(
        drug=drug.id,
        ome=ome_mg,
        ratio=number,
        named_ratio=named,
        reduction_percent=reduction_percent,
        daily_dose=daily,
        steps=tuple(steps),
        findings=tuple(findings),
        ranges=drug.dose_ranges,
        observation=drug.observation,
        library=catalogue.identity,
    )


def _ratio_findings(
    number: Decimal, named: NamedRatio | None, catalogue: Catalogue
) -> list[Finding]:
    factors = catalogue.factors
    findings: list[Finding] = []
    if named is None:
        known = ", ".join(f"{r.id} ({format_decimal(r.ratio)}:1)" for r in factors.ratios.values())
        findings.append(
            Finding(
                "custom_ratio",
                Severity.WARNING,
                f"{format_decimal(number)}:1 is not a ratio in the library ({known}): the prescriber owns this choice.",
            )
        )
    else:
        findings.append(Finding("ratio_source", Severity.INFO, named.description, named.provenance))
    if number < factors.lowest_published_ratio:
        findings.append(
            Finding(
                "ratio_below_published",
                Severity.SOFT,
                f"{format_decimal(number)}:1 gives a higher intrathecal dose than any ratio in the "
                f"published cancer series (lowest {format_decimal(factors.lowest_published_ratio)}:1).",
                factors.lowest_ratio_provenance,
            )
        )
    return findings


def _to_hydromorphone(
    it_morphine_mg: Decimal, ratio_name: str | None, catalogue: Catalogue
) -> tuple[Decimal, str, Finding]:
    table = catalogue.factors.hydromorphone_ratios
    if ratio_name is None:
        options = ", ".join(
            f"{r.id} ({format_decimal(r.ratio)}:1, [{r.provenance.confidence.value}])"
            for r in table.values()
        )
        raise ConversionNotSupported(
            "hydromorphone",
            f"choose an IT morphine:hydromorphone ratio; published ratios differ threefold: {options}",
        )
    number, named = resolve_ratio(ratio_name, table)
    dose = it_morphine_mg / number
    step = f"IT hydromorphone = IT morphine ÷ {format_decimal(number)} = {format_decimal(dose.quantize(Decimal('0.0001')))} mg/day"
    basis = (
        f"{named.description} {named.provenance.describe()}"
        if named
        else "a ratio not in the library"
    )
    finding = Finding(
        "hydromorphone_ratio_review",
        Severity.SOFT,
        f"Morphine to hydromorphone at {format_decimal(number)}:1 ({basis}): published ratios differ threefold, "
        "so every such conversion needs a clinician's review.",
        named.provenance if named else None,
    )
    return dose, step, finding
