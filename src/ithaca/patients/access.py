"""Opening a patient's record: found, allowed, and the viewing audited, in one call.

Every view that shows or changes a patient goes through `open_patient`, so no page can
forget the permission check or the audit entry for a view of the record.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.patients.models import Patient


def open_patient(
    request: HttpRequest,
    patient_id: int,
    action: Action = Action.VIEW_PATIENT,
    *,
    audit_view: bool = True,
) -> Patient:
    """The patient, if this user may do `action` to them; a view of the record is audited."""
    try:
        patient = Patient.objects.get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404("no such patient") from None
    require(request.user, action, patient)
    if audit_view and request.method == "GET":
        record(
            request.user,
            AuditAction.VIEW,
            "patient",
            patient.pk,
            patient_id=patient.pk,
            detail={"path": request.path},
        )
    return patient
