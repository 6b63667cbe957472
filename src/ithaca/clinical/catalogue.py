"""The library in force: drugs, pumps, factors and policy, with a version and a hash.

The base files ship with ithaca; a clinic may lay one file of its own over them. Tables
merge key by key; a list in the clinic file replaces the base list whole, so a clinic
that restates a drug's limits states all of them; and a table that sets a value replaces
the base table whole and names its own source and confidence, so a clinic number never
carries the base library's citation. The content hash covers every byte that was read,
so every calculation can say exactly which library produced it.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ithaca.clinical.datareader import Node, read_sources
from ithaca.clinical.decision_rules import DecisionAidRules, read_decision_aid
from ithaca.clinical.drugs import Drug, read_drug
from ithaca.clinical.economics_data import EconomicsRules, read_economics
from ithaca.clinical.eligibility import EligibilityRules, read_eligibility_rules
from ithaca.clinical.errors import LibraryInvalid, UnknownDrug, UnknownPump
from ithaca.clinical.factors import OpioidFactors, read_factors
from ithaca.clinical.outcome_rules import OutcomeRules, read_outcome_rules
from ithaca.clinical.pathway_rules import PathwayRules, read_pathway_rules
from ithaca.clinical.policy import ClinicPolicy, read_policy
from ithaca.clinical.pumps import PumpModel, read_pump
from ithaca.clinical.sources import Source
from ithaca.clinical.surveillance import SurveillanceRules, read_surveillance

# The base documents, in hashing order, and the top-level keys a clinic file may set in each.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "sources.toml": ("sources",),
    "drug_library.toml": ("library", "drugs"),
    "pumps.toml": ("catalogue", "pumps"),
    "opioid_factors.toml": (
        "factors",
        "tables",
        "supplementary",
        "no_factor",
        "ratios",
        "ratio_bounds",
        "cross_tolerance_reduction",
        "hydromorphone_ratios",
    ),
    "clinic_policy.toml": ("policy",),
    "pathway.toml": ("pathway",),
    "eligibility.toml": ("eligibility", "anticoagulants"),
    # the shared decision aid and the caregiver check-in (issue 5)
    "decision_aid.toml": ("decision_aid",),
    # safety surveillance: published complication rates, the refill control chart (issue 6)
    "surveillance.toml": ("surveillance",),
    # outcome measures: clinically important change and follow-up intervals (issue 6)
    "outcomes.toml": ("outcomes",),
    # the cost model: clinic unit costs (unset by default) and published US figures (issue 6)
    "economics.toml": ("economics",),
}

SIGNOFF_STATEMENT = (
    "Every clinical rule set in ithaca needs local clinical sign-off; ithaca supports "
    "clinicians and does not replace their judgement."
)


@dataclass(frozen=True, slots=True)
class ClinicOverlay:
    name: str
    version: str
    approved_by: str
    approved_on: str


@dataclass(frozen=True, slots=True)
class LibraryIdentity:
    name: str
    version: str
    content_hash: str  # sha256 of every byte read, base files and clinic file
    clinic: ClinicOverlay | None

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def describe(self) -> str:
        return f"{self.name} {self.version} (sha256 {self.short_hash})"


@dataclass(frozen=True, slots=True)
class Catalogue:
    identity: LibraryIdentity
    sources: dict[str, Source]
    drugs: dict[str, Drug]
    pumps: dict[str, PumpModel]
    factors: OpioidFactors
    policy: ClinicPolicy
    pathway: PathwayRules
    eligibility: EligibilityRules
    decision_aid: DecisionAidRules
    surveillance: SurveillanceRules
    outcomes: OutcomeRules
    economics: EconomicsRules

    def drug(self, drug_id: str) -> Drug:
        key = drug_id.strip().lower()
        if key not in self.drugs:
            raise UnknownDrug(drug_id, sorted(self.drugs))
        return self.drugs[key]

    def pump(self, pump_id: str) -> PumpModel:
        key = pump_id.strip().lower()
        if key not in self.pumps:
            raise UnknownPump(pump_id, sorted(self.pumps))
        return self.pumps[key]


def build_catalogue(documents: Mapping[str, bytes], clinic_file: bytes | None = None) -> Catalogue:
    """Parse the base documents (and a clinic file laid over them) into a Catalogue."""
    missing = [name for name in DOCUMENTS if name not in documents]
    if missing:
        raise LibraryInvalid(", ".join(missing), "base data file missing")
    parsed = {name: _parse(name, documents[name]) for name in DOCUMENTS}
    overlay = None
    if clinic_file is not None:
        overlay = _apply_overlay(parsed, _parse("clinic file", clinic_file))
    sources = read_sources(parsed["sources.toml"])

    def root(name: str) -> Node:
        return Node(parsed[name], name.removesuffix(".toml"), sources)

    library = root("drug_library.toml")
    drugs = {drug_id: read_drug(drug_id, node) for drug_id, node in library.child("drugs").tables()}
    pumps = {
        pump_id: read_pump(pump_id, node)
        for pump_id, node in root("pumps.toml").child("pumps").tables()
    }
    header = library.child("library")
    version = header.text("version")
    if overlay is not None:
        version = f"{version} + {overlay.name} {overlay.version}"
    identity = LibraryIdentity(
        header.text("name"), version, _content_hash(documents, clinic_file), overlay
    )
    return Catalogue(
        identity=identity,
        sources=sources,
        drugs=drugs,
        pumps=pumps,
        factors=read_factors(root("opioid_factors.toml")),
        policy=read_policy(root("clinic_policy.toml")),
        pathway=read_pathway_rules(root("pathway.toml")),
        eligibility=read_eligibility_rules(root("eligibility.toml")),
        decision_aid=read_decision_aid(root("decision_aid.toml")),
        surveillance=read_surveillance(root("surveillance.toml")),
        outcomes=read_outcome_rules(root("outcomes.toml")),
        economics=read_economics(root("economics.toml")),
    )


def _parse(name: str, content: bytes) -> dict[str, object]:
    try:
        return tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LibraryInvalid(name, f"not valid TOML: {exc}") from exc


def _apply_overlay(
    parsed: dict[str, dict[str, object]], clinic: dict[str, object]
) -> ClinicOverlay:
    if not isinstance(clinic.get("clinic"), dict):
        raise LibraryInvalid(
            "clinic file [clinic]",
            "a clinic file needs a [clinic] table with name, version, approved_by and approved_on",
        )
    header = Node(clinic["clinic"], "clinic file [clinic]", {})
    overlay = ClinicOverlay(
        name=header.text("name"),
        version=header.text("version"),
        approved_by=header.text("approved_by"),
        approved_on=header.text("approved_on"),
    )
    try:
        date.fromisoformat(overlay.approved_on)
    except ValueError:
        raise header.fail("approved_on", "a date as YYYY-MM-DD is expected") from None
    owner = {key: name for name, keys in DOCUMENTS.items() for key in keys}
    for key, value in clinic.items():
        if key == "clinic":
            continue
        if key not in owner or key in ("library", "catalogue", "factors"):
            raise LibraryInvalid(f"clinic file [{key}]", "a clinic file may not set this section")
        target = parsed[owner[key]]
        target[key] = _merge(target.get(key), value, key)
    return overlay


# Keys that hold a clinical value (a number, a quantity or a sourced claim) resting on the
# source and confidence of the table they sit in. A clinic table that sets any of them, as
# a plain value, is one sourced value of the clinic's own: it replaces the base table whole
# and must name its own source and confidence, so that a clinic's 50:1 is never shown as
# resting on the paper that said 100:1. (A drug's `limits` is a list of tables, each with
# its own source, so only a scalar `limits`, the bolus device's, counts here.)
_VALUE_KEYS = frozenset(
    {
        "value",
        "unknown",
        "ratio",
        "factor",
        "lowest_published",
        "typical_life_years_min",
        "eri_to_stop_days",
        "plan_before_stop_months",
        "low",
        "high",
        "days",
        "max_days",
        "hours",
        "concentration",
        "up_to",
        "reason",
        "capable",
        "device",
        "limits",
        "limits_known",
        # the anticoagulant hold tables of eligibility.toml
        "restart_hours",
        "restart_hours_low",
        "restart_hours_high",
        "half_lives",
        "alternative_days",
        "alternative_when",
        "requires_normal_inr",
        "instruction",
        # decision_aid.toml: a clinic's own cost for an option
        "amount",
    }
)
# Lists of values that rest on the source of the table holding them (a factor table).
_VALUE_LISTS = frozenset({"factors", "months"})  # months: outcomes.toml intervals
# A list of values whose source sits in a sibling key: setting the list needs the source.
_SOURCED_LISTS = {
    "labelled_concentrations": "labelled_concentrations_source",
    "labelled_drugs": "labelled_drugs_source",
}


def _is_sourced_value(table: dict[str, object]) -> bool:
    return any(
        key in _VALUE_LISTS or (key in _VALUE_KEYS and not isinstance(value, (dict, list)))
        for key, value in table.items()
    )


def _merge(base: object, override: object, where: str) -> object:
    if isinstance(override, dict) and _is_sourced_value(override):
        if "unknown" not in override and not {"source", "confidence"} <= override.keys():
            raise LibraryInvalid(
                f"clinic file {where}",
                "a clinic value replaces the base value whole and does not inherit its "
                "source: give its own source and confidence in the same table",
            )
        return override
    if isinstance(override, dict):
        for key, source_key in _SOURCED_LISTS.items():
            if override.get(key) and source_key not in override:
                raise LibraryInvalid(
                    f"clinic file {where}.{source_key}",
                    f"a clinic that sets {key} gives its own {source_key} "
                    "(source and confidence); it does not inherit the base's",
                )
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value, f"{where}.{key}")
        return merged
    return override  # scalars and lists replace the base value whole


def _content_hash(documents: Mapping[str, bytes], clinic_file: bytes | None) -> str:
    digest = hashlib.sha256()
    for name in DOCUMENTS:
        digest.update(name.encode() + b"\0" + documents[name] + b"\0")
    if clinic_file is not None:
        digest.update(b"clinic\0" + clinic_file)
    return digest.hexdigest()
