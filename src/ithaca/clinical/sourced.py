"""A value and what it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from ithaca.clinical.sources import Provenance, Unknown

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    value: T
    provenance: Provenance


def known(value: Sourced[T] | Unknown) -> T | None:
    """The value if the catalogue knows it, else None."""
    return value.value if isinstance(value, Sourced) else None
