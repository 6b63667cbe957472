"""What the pathway's record services share: locking the patient, checking the stage the
record belongs to, and turning the core's clauses into refusals a clinician can act on."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.models import Device
from ithaca.patients.models import Patient


def clean_text(text: str) -> str:
    """Surrounding blanks removed, so a text of blanks only is empty and cannot pass as written."""
    return text.strip()


def sentence(exc: Exception | str) -> str:
    """The core speaks in clauses ('the trial cannot be judged: ...'); a page shows sentences."""
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def refusal(exc: ClinicalError, field: str | None) -> ServiceRefusal:
    return ServiceRefusal(sentence(exc), field=field)


def locked(patient: Patient) -> Patient:
    """The patient's row, locked until the transaction ends: two people recording for the
    same patient at once are served one after the other, each seeing the other's stage."""
    fresh: Patient = Patient.objects.select_for_update().get(pk=patient.pk)
    return fresh


def require_stage(patient: Patient, allowed: set[Stage], record: str, when: str) -> Stage:
    """The patient's stage if `record` may be made at it; otherwise a refusal saying when it can."""
    stage = patient.stage
    if stage not in allowed:
        raise ServiceRefusal(
            f"{patient.given_name} {patient.family_name} is at the stage {stage.label}: "
            f"{record} is recorded {when}."
        )
    return stage


def not_in_future(day: date, what: str, field: str) -> None:
    if day > timezone.localdate():
        raise ServiceRefusal(
            f"{what} has already happened, so its date cannot be in the future.", field=field
        )


def own_device(patient: Patient, device: Device | None, field: str = "device") -> None:
    """A device named on a record must be this patient's: never another patient's pump."""
    if device is not None and device.patient_id != patient.pk:
        raise ServiceRefusal(
            "That pump belongs to another patient: choose one of this patient's pumps, or none.",
            field=field,
        )
