"""Values every page shows: the ithaca version and the library in force."""

from __future__ import annotations

from django.http import HttpRequest

from ithaca import __version__
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT


def ithaca(request: HttpRequest) -> dict[str, object]:
    from ithaca.devices.library import catalogue_in_force

    identity = catalogue_in_force().identity
    return {
        "ithaca_version": __version__,
        "library_identity": identity,
        "signoff_statement": SIGNOFF_STATEMENT,
        "user_role": getattr(getattr(request.user, "profile", None), "role", None),
    }
