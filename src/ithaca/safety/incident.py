"""A recorded complication as a device incident summary, on screen and as a PDF.

The device is the complication's own, or the patient's device in use on the onset date.
The drugs are those of the last refill on or before the event (what was in the pump);
the program is the version most recently activated on or before the event date.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from ithaca import __version__
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT, Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.implant import ComplicationKind, InfectionDepth
from ithaca.clinical.incident import IncidentFacts, IncidentSummary, incident_summary
from ithaca.devices.models import Device, ProgramVersion, Refill
from ithaca.devices.views import program_summary
from ithaca.pathway.models import Complication
from ithaca.patients.models import Sex


def device_of(complication: Complication) -> Device | None:
    if complication.device is not None:
        return complication.device
    return (
        Device.objects.filter(
            patient_id=complication.patient_id, implanted_on__lte=complication.onset_on
        )
        .exclude(explanted_on__lt=complication.onset_on)
        .order_by("-implanted_on", "-pk")
        .first()
    )


def _program_at(device: Device, complication: Complication) -> ProgramVersion | None:
    versions = device.programs.filter(activated_at__isnull=False).order_by("-activated_at")
    return next(
        (v for v in versions if timezone.localdate(v.activated_at) <= complication.onset_on),
        None,
    )


def _last_refill(device: Device, complication: Complication) -> Refill | None:
    return (
        device.refills.filter(performed_on__lte=complication.onset_on)
        .select_related("program")
        .order_by("-sequence")
        .first()
    )


def _person(user: object) -> str:
    profile = getattr(user, "profile", None)
    name = str(getattr(profile, "display_name", "") or "")
    username = str(user.get_username()) if hasattr(user, "get_username") else ""
    return name or username


def facts_for(complication: Complication, catalogue: Catalogue) -> IncidentFacts:
    patient = complication.patient
    device = device_of(complication)
    name, maker = "", ""
    drugs: tuple[str, ...] = ()
    program_text, refill_text = "", ""
    events: tuple[str, ...] = ()
    if device is not None:
        try:
            pump = catalogue.pump(device.pump_model)
            name, maker = pump.name, pump.maker
        except ClinicalError:
            name = device.pump_model
        refill = _last_refill(device, complication)
        if refill is not None:
            filled = program_summary(refill.program, catalogue)
            drugs = tuple(f"{d.name} {d.concentration}" for d in filled.drugs)
            refill_text = (
                f"{refill.performed_on.isoformat()}: {refill.fill_volume_ml.normalize():f} mL, "
                f"lot {refill.lot_number} (refill {refill.sequence})"
            )
        version = _program_at(device, complication)
        if version is not None:
            summary = program_summary(version, catalogue)
            program_text = f"v{version.number}, {summary.mode}: {summary.headline}"
            if summary.bolus:
                program_text += f"; patient bolus {summary.bolus}"
        events = tuple(
            f"{e.occurred_on.isoformat()}: {e.get_kind_display()}: {e.description}"
            for e in device.events.filter(occurred_on__lte=complication.onset_on).order_by(
                "occurred_on", "pk"
            )
        )
    sex = patient.get_sex_display() if patient.sex != Sex.UNKNOWN else ""
    return IncidentFacts(
        reference=f"ithaca complication {complication.pk}",
        patient_reference=f"ithaca patient {patient.pk}",
        date_of_birth=patient.date_of_birth,
        sex=sex,
        device_name=name,
        maker=maker,
        model=device.pump_model if device else "",
        serial=device.serial_number if device else "",
        implanted_on=device.implanted_on if device else None,
        explanted_on=device.explanted_on if device else None,
        catheter_tip_level=device.catheter_tip_level if device else "",
        event_on=complication.onset_on,
        kind=ComplicationKind(complication.kind),
        depth=InfectionDepth(complication.infection_depth)
        if complication.infection_depth
        else None,
        description=complication.description,
        drugs=drugs,
        program=program_text,
        last_refill=refill_text,
        device_events=events,
        outcome=complication.outcome,
        actions=complication.action_taken,
        recorded_by=_person(complication.by),
        recorded_on=timezone.localdate(complication.at),
    )


def summary_context(complication: Complication, catalogue: Catalogue) -> dict[str, object]:
    summary: IncidentSummary = incident_summary(facts_for(complication, catalogue))
    return {
        "complication": complication,
        "summary": summary,
        "ithaca_version": __version__,
        "library": catalogue.identity,
        "signoff": SIGNOFF_STATEMENT,
        "printed_at": timezone.localtime(),
    }


def incident_pdf(context: dict[str, object]) -> bytes:
    html = render_to_string("safety/print/incident.html", context)
    return bytes(HTML(string=html).write_pdf())
