"""Loading the library in force from disk: the base files shipped with ithaca, and a
clinic's own file named by --library or the ITHACA_CLINIC_LIBRARY environment variable.

This is the only place that reads the data files; the clinical core receives bytes.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ithaca.clinical.catalogue import DOCUMENTS, Catalogue, build_catalogue
from ithaca.clinical.errors import LibraryInvalid

CLINIC_LIBRARY_ENV = "ITHACA_CLINIC_LIBRARY"


def base_documents() -> dict[str, bytes]:
    data = resources.files("ithaca.data")
    return {name: data.joinpath(name).read_bytes() for name in DOCUMENTS}


def load_catalogue(clinic_path: str | os.PathLike[str] | None = None) -> Catalogue:
    """The library in force: base files, plus the clinic file if one is named."""
    path = clinic_path if clinic_path is not None else os.environ.get(CLINIC_LIBRARY_ENV) or None
    clinic_bytes = None
    if path is not None:
        try:
            clinic_bytes = Path(path).read_bytes()
        except OSError as exc:
            raise LibraryInvalid(
                str(path), f"the clinic library file cannot be read ({exc.strerror})"
            ) from exc
    return build_catalogue(base_documents(), clinic_bytes)
