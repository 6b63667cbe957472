"""The pharmacist's management of the clinic drug library laid over the base library."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.catalogue import Catalogue, build_catalogue
from ithaca.datafiles import base_documents
from ithaca.devices import forecast
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.models import ClinicLibrary

MAX_LIBRARY_BYTES = 256 * 1024


def preview(content: str) -> Catalogue:
    """The catalogue this clinic file would put in force; LibraryInvalid says what is wrong."""
    if len(content.encode("utf-8")) > MAX_LIBRARY_BYTES:
        raise ServiceRefusal("A clinic library file is at most 256 KB.", field="content")
    return build_catalogue(base_documents(), content.encode("utf-8"))


def activate(user: User, content: str, reason: str) -> ClinicLibrary:
    """Validate, then put the clinic file in force in place of the previous one.

    Validation is the clinical core's: a U value made hard without verified_by/verified_on,
    a float for a clinical number or an unknown source id is refused with its sentence.
    """
    require(user, Action.MANAGE_LIBRARY)
    if not reason.strip():
        raise ServiceRefusal(
            "Say why the library changes, e.g. the committee decision it carries out.",
            field="reason",
        )
    catalogue = preview(content)
    with transaction.atomic():
        ClinicLibrary.objects.filter(active=True).update(active=False)
        library = ClinicLibrary.objects.create(
            content=content,
            version_label=catalogue.identity.version,
            content_hash=catalogue.identity.content_hash,
            uploaded_by=user,
            uploaded_at=timezone.now(),
            reason=reason.strip(),
            active=True,
        )
        record(
            user,
            AuditAction.CHANGE,
            "clinic_library",
            library.pk,
            reason=reason.strip(),
            detail={
                "version": catalogue.identity.version,
                "sha256": catalogue.identity.content_hash,
            },
        )
        # Stability and alarm rules may have changed: every pump's forecast is planned again.
        forecast.refresh_all(catalogue)
    return library


def withdraw(user: User, reason: str) -> None:
    """Return to the base library alone."""
    require(user, Action.MANAGE_LIBRARY)
    if not reason.strip():
        raise ServiceRefusal("Say why the clinic library is withdrawn.", field="reason")
    with transaction.atomic():
        withdrawn = list(ClinicLibrary.objects.filter(active=True).values_list("pk", flat=True))
        ClinicLibrary.objects.filter(pk__in=withdrawn).update(active=False)
        record(
            user,
            AuditAction.CHANGE,
            "clinic_library",
            ",".join(map(str, withdrawn)),
            reason=reason.strip(),
            detail={"withdrawn": withdrawn},
        )
        forecast.refresh_all()
