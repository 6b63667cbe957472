"""The library in force for the web application: the base files, plus the clinic's newest
active library from the database. Built once per clinic file and cached by its id."""

from __future__ import annotations

import os
from functools import lru_cache

from ithaca.clinical.catalogue import Catalogue, build_catalogue
from ithaca.clinical.errors import LibraryInvalid
from ithaca.datafiles import CLINIC_LIBRARY_ENV, base_documents


@lru_cache(maxsize=8)
def _build(clinic_library_id: int | None, clinic_content: str | None) -> Catalogue:
    content = clinic_content.encode("utf-8") if clinic_content is not None else None
    if content is None and os.environ.get(CLINIC_LIBRARY_ENV):
        path = os.environ[CLINIC_LIBRARY_ENV]
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise LibraryInvalid(
                path, f"the clinic library file cannot be read ({exc.strerror})"
            ) from None
    return build_catalogue(base_documents(), content)


def catalogue_in_force() -> Catalogue:
    from ithaca.devices.models import ClinicLibrary

    newest = ClinicLibrary.objects.filter(active=True).only("id", "content").first()
    if newest is None:
        return _build(None, None)
    return _build(newest.pk, newest.content)
