"""The eligibility rule set read from eligibility.toml: life-expectancy boundaries, the
clinic's blood-count thresholds (unset by default), the bases of the other rules and the
ASRA 2018 hold table. Needs local clinical sign-off."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.anticoagulation import HoldRule, HoldRules, read_hold_rules
from ithaca.clinical.datareader import Node
from ithaca.clinical.errors import LibraryInvalid
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Enforcement, Provenance, Unknown

COUNT_UNIT = "10^9/L"  # the one unit a clinic's blood-count threshold is written in


# --- the rules ---


@dataclass(frozen=True, slots=True)
class LifeExpectancyRules:
    """Whole months. implanted: more than; external: less than; temporary: less than."""

    implanted_above: Sourced[int]
    external_below: Sourced[int]
    temporary_below: Sourced[int]


@dataclass(frozen=True, slots=True)
class CountThreshold:
    """A clinic's lowest acceptable blood count in 10^9/L, or Unknown (the default)."""

    what: str
    limit: Sourced[Decimal] | Unknown
    enforcement: Enforcement
    note: str


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    name: str
    version: str
    signoff: str
    life_expectancy: LifeExpectancyRules
    platelets: CountThreshold
    neutrophils: CountThreshold
    active_infection: Provenance
    ziconotide_psychosis: Provenance
    imaging_review: Provenance
    csf_flow_obstruction: Provenance
    epidural_disease: Provenance
    refill_and_alarm_access: Provenance
    holds: HoldRules

    @property
    def hold_rules(self) -> Mapping[str, HoldRule]:
        return self.holds.drugs

    def describe(self) -> str:
        return f"{self.name} {self.version}"


# --- reading eligibility.toml ---

_HEADER_KEYS = frozenset(
    {
        "name",
        "version",
        "signoff",
        "life_expectancy",
        "active_infection",
        "ziconotide_psychosis",
        "platelets",
        "neutrophils",
        "imaging_review",
        "csf_flow_obstruction",
        "epidural_disease",
        "refill_and_alarm_access",
        "procedure_risk",
        "hold_convention",
    }
)
_PROVENANCE_KEYS = frozenset({"source", "confidence", "note", "verified_by", "verified_on"})
_VALUE_KEYS = _PROVENANCE_KEYS | {"value"}
_THRESHOLD_KEYS = _PROVENANCE_KEYS | {"unknown", "value", "unit", "enforcement"}
_SYSTEM_KEYS = ("implanted", "external_tunnelled", "temporary_percutaneous")


def read_eligibility_rules(root: Node) -> EligibilityRules:
    """Read a Node over the parsed eligibility.toml (with any clinic overlay applied)."""
    header = root.child("eligibility")
    _only_keys(header, _HEADER_KEYS)

    def basis(key: str) -> Provenance:
        return _basis(header.child(key))

    return EligibilityRules(
        name=header.text("name"),
        version=header.text("version"),
        signoff=header.text("signoff"),
        life_expectancy=read_life_expectancy(header.child("life_expectancy")),
        platelets=read_threshold(header.child("platelets"), "platelet count"),
        neutrophils=read_threshold(header.child("neutrophils"), "neutrophil count"),
        active_infection=basis("active_infection"),
        ziconotide_psychosis=basis("ziconotide_psychosis"),
        imaging_review=basis("imaging_review"),
        csf_flow_obstruction=basis("csf_flow_obstruction"),
        epidural_disease=basis("epidural_disease"),
        refill_and_alarm_access=basis("refill_and_alarm_access"),
        holds=read_hold_rules(root),
    )


def read_life_expectancy(node: Node) -> LifeExpectancyRules:
    _only_keys(node, frozenset(_SYSTEM_KEYS))
    implanted, external, temporary = (_months(node.child(key)) for key in _SYSTEM_KEYS)
    if not temporary.value < external.value <= implanted.value:
        raise node.fail(
            "external_tunnelled",
            "the months must satisfy temporary < external <= implanted",
        )
    return LifeExpectancyRules(implanted, external, temporary)


def read_threshold(node: Node, what: str) -> CountThreshold:
    _only_keys(node, _THRESHOLD_KEYS)
    note = node.optional_text("note") or ""
    if node.is_unknown():
        for key in ("value", "unit", "enforcement"):
            if node.has(key):
                # An enforcement laid over an unset threshold would otherwise do nothing.
                raise node.fail(key, "a threshold is either unknown or a value, not both")
        return CountThreshold(what, node.unknown(), Enforcement.ADVISORY, note)
    if node.text("unit") != COUNT_UNIT:
        raise node.fail("unit", f'blood-count thresholds are written in "{COUNT_UNIT}"')
    value = node.decimal("value")
    if value <= 0:
        raise node.fail("value", "a threshold above zero is expected")
    provenance = node.provenance()
    enforcement = node.enforcement(provenance) if node.has("enforcement") else Enforcement.ADVISORY
    return CountThreshold(what, Sourced(value, provenance), enforcement, note)


def _months(node: Node) -> Sourced[int]:
    _only_keys(node, _VALUE_KEYS)
    value = node.decimal("value")
    if value != value.to_integral_value() or value <= 0:
        raise node.fail("value", "a whole number of months above zero is expected")
    return Sourced(int(value), node.provenance())


def _basis(node: Node) -> Provenance:
    _only_keys(node, _PROVENANCE_KEYS)
    return node.provenance()


def _only_keys(node: Node, allowed: frozenset[str]) -> None:
    # A misspelt key (a clinic's "platelet" for "platelets") would otherwise be ignored.
    for key in node.data:
        if key not in allowed:
            raise LibraryInvalid(
                f"{node.where}.{key}", f"not a known key here; known: {', '.join(sorted(allowed))}"
            )
