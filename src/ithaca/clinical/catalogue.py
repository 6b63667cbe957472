"""The library in force: drugs, pumps, factors and policy, with a version and a hash.

The base files ship with ithaca; a clinic may lay one file of its own over them. Tables
merge key by key; a list in the clinic file replaces the base list whole, so a clinic
that restates a drug's limits states all of them. The content hash covers every byte
that was read, so every calculation can say exactly which library produced it.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

from ithaca.clinical.datareader import Node, read_sources
from ithaca.clinical.drugs import Drug, read_drug
from ithaca.clinical.errors import LibraryInvalid, UnknownDrug, UnknownPump
from ithaca.clinical.factors import OpioidFactors, read_factors
from ithaca.clinical.policy import ClinicPolicy, read_policy
from ithaca.clinical.pumps import PumpModel, read_pump
from ithaca.clinical.sources import Source

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
    )


def _parse(name: str, content: bytes) -> dict[str, object]:
    try:
        return tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LibraryInvalid(name, f"not valid TOML: {exc}") from exc


def _apply_overlay(
    parsed: dict[str, dict[str, object]], clinic: dict[str, object]
) -> ClinicOverlay:
    header = Node(clinic.get("clinic"), "clinic file [clinic]", {})
    overlay = ClinicOverlay(
        name=header.text("name"),
        version=header.text("version"),
        approved_by=header.text("approved_by"),
        approved_on=header.text("approved_on"),
    )
    owner = {key: name for name, keys in DOCUMENTS.items() for key in keys}
    for key, value in clinic.items():
        if key == "clinic":
            continue
        if key not in owner or key in ("library", "catalogue", "factors"):
            raise LibraryInvalid(f"clinic file [{key}]", "a clinic file may not set this section")
        target = parsed[owner[key]]
        target[key] = _merge(target.get(key), value)
    return overlay


# A table holding one sourced value (or a recorded unknown) is replaced whole: a clinic
# that gives a value where the base said "unknown" must not inherit the "unknown".
_LEAF_KEYS = frozenset({"value", "unknown"})


def _merge(base: object, override: object) -> object:
    if isinstance(override, dict) and _LEAF_KEYS & override.keys():
        return override
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return override  # scalars and lists replace the base value whole


def _content_hash(documents: Mapping[str, bytes], clinic_file: bytes | None) -> str:
    digest = hashlib.sha256()
    for name in DOCUMENTS:
        digest.update(name.encode() + b"\0" + documents[name] + b"\0")
    if clinic_file is not None:
        digest.update(b"clinic\0" + clinic_file)
    return digest.hexdigest()
