"""Reading parsed data files into typed values, with errors that name the exact place.

The data files hold clinical numbers, so the reader is strict: quantities are strings
with a unit from the closed list (a TOML float is refused), every value names a known
source and a confidence mark, and an unconfirmed value cannot be a hard limit unless a
clinic has recorded who verified it and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TypeVar

from ithaca.clinical.errors import ClinicalError, LibraryInvalid
from ithaca.clinical.parsing import Bound, parse_number, parse_quantity
from ithaca.clinical.quantities import Quantity
from ithaca.clinical.sources import Confidence, Enforcement, Provenance, Source, Unknown

Q = TypeVar("Q", bound=Quantity)


class Node:
    """One table of a data file, with its dotted path for error messages."""

    def __init__(self, data: object, where: str, sources: Mapping[str, Source]) -> None:
        if not isinstance(data, Mapping):
            raise LibraryInvalid(where, "a table is expected here")
        self.data: Mapping[str, object] = data
        self.where = where
        self.sources = sources

    def fail(self, key: str, reason: str) -> LibraryInvalid:
        return LibraryInvalid(f"{self.where}.{key}", reason)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> object:
        if key not in self.data:
            raise self.fail(key, "this value is required")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "a non-empty text is expected")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.data else None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of texts is expected")
        return tuple(str(v) for v in value)

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false is expected")
        return value

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "a whole number is expected")
        return value

    def decimal(self, key: str) -> Decimal:
        value = self.raw(key)
        if isinstance(value, float):
            # TOML floats are binary floats; a clinical number must be written as a string.
            raise self.fail(key, 'write the number as a string, e.g. "1.5", never as a float')
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.fail(key, f'write the number as a string, e.g. "{value}"')
        if not isinstance(value, str):
            raise self.fail(key, 'a number written as a string is expected, e.g. "20"')
        try:
            return parse_number(value)
        except ClinicalError as exc:
            raise self.fail(key, str(exc)) from exc

    def quantity(self, key: str, kind: type[Q]) -> Q:
        return self.quantity_from(self.raw(key), key, kind)

    def quantity_from(self, value: object, key: str, kind: type[Q]) -> Q:
        if not isinstance(value, str):
            raise self.fail(
                key, 'a quantity is written as a string with its unit, e.g. "20 mg/day"'
            )
        try:
            return parse_quantity(value, kind, bound=Bound.POSITIVE)
        except ClinicalError as exc:
            raise self.fail(key, str(exc)) from exc

    def child(self, key: str) -> Node:
        return Node(self.raw(key), f"{self.where}.{key}", self.sources)

    def children(self, key: str) -> list[Node]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "a list of tables is expected")
        return [
            Node(item, f"{self.where}.{key}[{i}]", self.sources) for i, item in enumerate(value)
        ]

    def tables(self) -> list[tuple[str, Node]]:
        return [(k, Node(v, f"{self.where}.{k}", self.sources)) for k, v in self.data.items()]

    def source(self, key: str = "source") -> Source:
        source_id = self.text(key)
        if source_id not in self.sources:
            raise self.fail(key, f"unknown source id '{source_id}' (add it to sources.toml)")
        return self.sources[source_id]

    def confidence(self) -> Confidence:
        mark = self.text("confidence")
        try:
            return Confidence(mark)
        except ValueError:
            raise self.fail("confidence", "the mark must be C, S or U") from None

    def provenance(self) -> Provenance:
        verified_by = self.optional_text("verified_by")
        verified_on = self.optional_text("verified_on")
        if (verified_by is None) != (verified_on is None):
            raise self.fail("verified_by", "verified_by and verified_on go together")
        if verified_on is not None:
            try:
                date.fromisoformat(verified_on)
            except ValueError:
                raise self.fail("verified_on", "a date as YYYY-MM-DD is expected") from None
        return Provenance(
            source=self.source(),
            confidence=self.confidence(),
            note=self.optional_text("note") or "",
            verified_by=verified_by,
            verified_on=verified_on,
        )

    def enforcement(self, provenance: Provenance) -> Enforcement:
        name = self.text("enforcement")
        try:
            enforcement = Enforcement(name)
        except ValueError:
            raise self.fail("enforcement", "must be hard, soft or advisory") from None
        if enforcement is Enforcement.HARD and provenance.unconfirmed_and_unverified:
            raise self.fail(
                "enforcement",
                "an unconfirmed (U) value cannot be a hard limit unless the clinic records "
                "verified_by and verified_on",
            )
        return enforcement

    def is_unknown(self) -> bool:
        return "unknown" in self.data

    def unknown(self) -> Unknown:
        return Unknown(self.text("unknown"))


def read_sources(data: object) -> dict[str, Source]:
    root = Node(data, "sources", {})
    result: dict[str, Source] = {}
    for source_id, node in root.child("sources").tables():
        year = node.integer("year")
        result[source_id] = Source(
            id=source_id,
            citation=node.text("citation"),
            year=year or None,
            url=node.optional_text("url"),
            reference_section=node.optional_text("reference_section"),
        )
    return result
