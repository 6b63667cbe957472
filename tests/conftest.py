"""Shared fixtures: the base library in force, and a quick way to write a quantity."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ithaca.clinical.catalogue import Catalogue, build_catalogue
from ithaca.clinical.errors import WrongQuantityKind
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import (
    Concentration,
    DoseRate,
    FlowRate,
    Mass,
    Quantity,
    Volume,
)
from ithaca.datafiles import base_documents

_KINDS: tuple[type[Quantity], ...] = (DoseRate, Concentration, FlowRate, Volume, Mass)


def parse_any(text: str) -> Quantity:
    """Read "2 mg/day", "10 mg/mL", "40 mL"... through the real parser, whatever its kind.

    Zero is allowed (an expected residual can be 0 mL); tests of the positive-only rule
    call parse_quantity themselves.
    """
    for kind in _KINDS:
        try:
            return parse_quantity(text, kind, bound=Bound.NON_NEGATIVE)
        except WrongQuantityKind:
            continue
    raise AssertionError(f"no quantity kind reads {text!r}")  # pragma: no cover


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The base library shipped with ithaca, with no clinic file.

    Built from the base documents directly, so an ITHACA_CLINIC_LIBRARY variable in the
    environment running the tests cannot change what they check.
    """
    return build_catalogue(base_documents())


@pytest.fixture(scope="session")
def q() -> Callable[[str], Quantity]:
    """q("2 mg/day") -> DoseRate, q("10 mg/mL") -> Concentration, q("40 mL") -> Volume."""
    return parse_any
