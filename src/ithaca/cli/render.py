"""Turning results into text a clinician reads, or JSON a program reads.

JSON carries every magnitude as a string in plain decimal notation ("2.4"), never a
binary float, with the unit in the key (daily_dose_mg). Every document says which
library and which ithaca version produced it, and that the rules need local sign-off.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from ithaca import __version__
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT, LibraryIdentity
from ithaca.clinical.findings import Finding, Severity, Verdict
from ithaca.clinical.quantities import Quantity, Unit, format_decimal
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance

EXIT_BLOCKED = 1

SEVERITY_LABEL = {
    Severity.HARD: "HARD",
    Severity.SOFT: "SOFT",
    Severity.WARNING: "WARN",
    Severity.INFO: "info",
}


def number(value: Decimal) -> str:
    return format_decimal(value)


def magnitude(quantity: Quantity, unit: Unit, places: int | None = None) -> str:
    converted = quantity.to(unit)
    if places is not None:
        converted = converted.rounded(places)
    return format_decimal(converted.magnitude)


def provenance_json(provenance: Provenance | None) -> dict[str, Any] | None:
    if provenance is None:
        return None
    source = provenance.source
    return {
        "id": source.id,
        "citation": source.citation,
        "year": source.year,
        "url": source.url,
        "confidence": provenance.confidence.value,
        "note": provenance.note or None,
        "verified_by": provenance.verified_by,
        "verified_on": provenance.verified_on,
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "drug": finding.drug,
        "message": finding.message,
        "source": provenance_json(finding.provenance),
    }


def about(library: LibraryIdentity) -> dict[str, Any]:
    return {
        "library": {
            "name": library.name,
            "version": library.version,
            "sha256": library.content_hash,
            "clinic": library.clinic.name if library.clinic else None,
        },
        "ithaca_version": __version__,
        "needs_local_signoff": True,
        "signoff": SIGNOFF_STATEMENT,
    }


def dump(document: dict[str, Any]) -> str:
    def default(value: object) -> str:
        if isinstance(value, Decimal):
            return format_decimal(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Quantity):
            return str(value)
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    return json.dumps(document, indent=2, ensure_ascii=False, default=default)


def findings_text(findings: Iterable[Finding]) -> list[str]:
    lines: list[str] = []
    order = [Severity.HARD, Severity.SOFT, Severity.WARNING, Severity.INFO]
    for finding in sorted(findings, key=lambda f: order.index(f.severity)):
        lines.append(f"  [{SEVERITY_LABEL[finding.severity]}] {finding.message}")
        if finding.provenance is not None:
            lines.append(f"         source: {finding.provenance.describe()}")
    return lines or ["  none"]


def footer(library: LibraryIdentity) -> list[str]:
    return [
        "",
        f"Library: {library.describe()}; ithaca {__version__}",
        f"NEEDS LOCAL CLINICAL SIGN-OFF. {SIGNOFF_STATEMENT}",
    ]


def verdict_words(verdict: Verdict) -> str:
    return verdict.value.upper().replace("_", " ")


def verdict_lines(verdict: Verdict) -> list[str]:
    """The closing sentence a verdict asks for: what to do before going on."""
    if verdict is Verdict.BLOCKED:
        return ["", "Blocked: do not use this as entered; change it first."]
    if verdict is Verdict.NEEDS_OVERRIDE:
        return ["", "Needs override: record a reason, and a second person must check it."]
    return []


def exit_code(verdict: Verdict) -> int:
    return EXIT_BLOCKED if verdict is Verdict.BLOCKED else 0


def notes_json(notes: Iterable[Sourced[str]]) -> list[dict[str, Any]]:
    return [{"text": n.value, "source": provenance_json(n.provenance)} for n in notes]


def notes_text(notes: Iterable[Sourced[str]]) -> list[str]:
    return [f"  - {n.value} ({n.provenance.describe()})" for n in notes]
