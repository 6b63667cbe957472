"""Storing the demo clinic: through the services, or in bulk for a benchmark database.

ServiceWriter calls the same services a clinician's click does (register the patient,
prescribe, double-check, record and verify a refill), so the demo carries their checks
and their audit events. It then compares what each refill service stored with what the
demo driver computed, and stops on any difference. The services stamp "now" on what they
store; afterwards only the fields that are not part of an immutable version are moved
back to when the story says they happened (activation, check, record and verification
times). A version's prescribed_at is immutable and keeps the loading time.

BulkWriter stores the same rows with bulk_create, every derived value still computed by
the core in the driver, and one audit event per batch of patients: fast enough for a
10,000-patient benchmark database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from ithaca import __version__
from ithaca.accounts.models import CaregiverLink
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.quantities import DoseRate, Quantity, Unit
from ithaca.devices import forecast
from ithaca.devices import programs as program_service
from ithaca.devices import refills as refill_service
from ithaca.devices.models import (
    Device,
    DeviceEvent,
    DeviceEventKind,
    DeviceStatus,
    ProgramDrug,
    ProgramStatus,
    ProgramStep,
    ProgramVersion,
    Refill,
    RefillStatus,
)
from ithaca.devices.programs import finding_record
from ithaca.devices.registry import explant, record_device_event, register_device
from ithaca.pathway.delays import record_delay
from ithaca.pathway.models import DelayNote, StageMove
from ithaca.pathway.moves import import_history
from ithaca.patients import services as patient_service
from ithaca.patients.models import Contact, OpioidRegimenItem, PainScore, Patient
from ithaca.web.demo_pathway import delay_for
from ithaca.web.demo_pumps import DemoInconsistent, DeviceSpec, Fill, Staff, Version
from ithaca.web.demo_story import Story

FOUR_PLACES = Decimal("0.0001")
JOURNEY_MINUTE = 8 * 60 + 30  # pathway moves are stamped at the start of clinic hours
JOURNEY_REASON = "Synthetic demo history: a journey made up for the demonstration clinic."


def moment(on: date, minute: int) -> datetime:
    """A clinic-hours time on a date, in the clinic's zone, never after now. Times moved back
    to before now keep their order (a later minute stays later)."""
    at = timezone.make_aware(datetime.combine(on, time()) + timedelta(minutes=minute))
    latest = timezone.now() - timedelta(minutes=1) - timedelta(seconds=24 * 60 - minute)
    return min(at, latest)


def ml(quantity: Quantity | None) -> Decimal | None:
    """As the refill service stores a volume: canonical unit, 0.0001 precision."""
    return quantity.canonical.quantize(FOUR_PLACES) if quantity is not None else None


def dose_of(text: str) -> DoseRate:
    return parse_quantity(text, DoseRate)


def version_times(version: Version) -> tuple[datetime, datetime]:
    """When it was checked and became active: mid-morning of the day it was prescribed, a
    minute later for each later version, so activation times keep the versions' order."""
    checked = moment(version.prescribed_on, 9 * 60 + 30 + version.number)
    return checked, checked


def refill_times(fill: Fill) -> tuple[datetime, datetime]:
    recorded = moment(fill.performed_on, 10 * 60 + fill.sequence * 23 % 360)
    return recorded, recorded + timedelta(minutes=25 + fill.sequence * 7 % 50)


class ServiceWriter:
    """Every step through the services, as the clinic's staff would take it."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.counts: Counter[str] = Counter()

    def patient(self, story: Story) -> Patient:
        staff, person = self.staff, story.person
        details = patient_service.PatientDetails(
            hospital_number=person.hospital_number,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            diagnosis=person.diagnosis,
            sex=person.sex,
            cancer_stage=person.cancer_stage,
            ecog=person.ecog,
            prognosis=person.prognosis,
            phone=person.phone,
            address=person.address,
        )
        (first_stage, first_day), *later = story.journey
        patient = patient_service.register_patient(
            staff.coordinator, details, first_stage, stage_since=moment(first_day, JOURNEY_MINUTE)
        )
        import_history(
            staff.coordinator,
            patient,
            [(stage, moment(on, JOURNEY_MINUTE)) for stage, on in later],
            JOURNEY_REASON,
        )
        delay = delay_for(story)
        if delay is not None:
            record_delay(staff.coordinator, patient, *delay)
        for contact in person.contacts:
            patient_service.add_contact(
                staff.coordinator,
                patient,
                name=contact.name,
                relationship=contact.relationship,
                phone=contact.phone,
                is_caregiver=contact.is_caregiver,
            )
        for item in story.regimen:
            stored = patient_service.add_regimen_item(
                staff.physician,
                patient,
                opioid=item.opioid,
                route=item.route,
                dose=dose_of(item.dose),
                started_on=item.started_on,
            )
            if item.stopped_on is not None:
                patient_service.stop_regimen_item(
                    staff.physician, stored, stopped_on=item.stopped_on, reason=item.stop_reason
                )
        for i, pain in enumerate(story.pain):
            by = staff.nurse if i % 3 else staff.physician
            patient_service.record_pain_score(
                by, patient, pain.score, moment(pain.on, pain.minute), pain.note
            )
        self.counts["patients"] += 1
        return patient

    def device(self, story: Story, patient: Patient, spec: DeviceSpec, by: Any) -> Device:
        self.counts["devices"] += 1
        return register_device(
            by,
            patient,
            pump_model=spec.pump_model,
            serial=spec.serial,
            implanted_on=spec.implanted_on,
            catheter_tip_level=spec.catheter_tip_level,
            reservoir_ml=spec.reservoir_ml,
            low_alarm_ml=spec.low_alarm_ml,
            fixed_rate_ml_per_day=spec.fixed_rate_ml_per_day,
        )

    def device_event(self, device: Device, on: date, kind: str, text: str, by: Any) -> None:
        record_device_event(by, device, on, kind, text)

    def explant(self, device: Device, on: date, text: str, by: Any) -> None:
        explant(by, device, on, text)

    def program(self, device: Device, version: Version) -> None:
        stored = program_service.prescribe(
            version.prescriber, device, version.request, version.override_reason
        )
        if stored.number != version.number or stored.verdict != version.check.verdict.value:
            raise DemoInconsistent(
                f"program v{stored.number} ({stored.verdict}) stored where the demo computed v{version.number} "
                f"({version.check.verdict.value})"
            )
        if version.outcome != "pending":
            assert version.checker is not None  # noqa: S101 - the driver names a checker unless pending
            program_service.check(
                version.checker,
                stored,
                approve=version.outcome == "approve",
                note=version.check_note,
                confirm_override=bool(version.override_reason),
            )
            checked, activated = version_times(version)
            ProgramVersion.objects.filter(pk=stored.pk).update(
                checked_at=checked, activated_at=activated if version.outcome == "approve" else None
            )
            if version.outcome == "approve":
                # The check planned the next refill as if the program started today.
                forecast.refresh(device)
        version.handle = stored
        self.counts["programs"] += 1

    def refill(self, device: Device, fill: Fill) -> None:
        stored = refill_service.record_refill(fill.performer, device, fill.request)
        computed = (
            ml(fill.expected),
            fill.reconciliation.flagged if fill.reconciliation else False,
            fill.plan.next_refill_due,
            fill.plan.limiting_factor,
        )
        saved = (
            stored.expected_residual_ml,
            stored.flagged,
            stored.next_due_on,
            stored.limiting_factor,
        )
        if computed != saved:
            raise DemoInconsistent(
                f"refill {fill.sequence} of {device}: the service stored {saved}, the demo computed {computed}"
            )
        recorded, _ = refill_times(fill)
        Refill.objects.filter(pk=stored.pk).update(recorded_at=recorded)
        fill.handle = stored
        self.counts["refills"] += 1

    def verify(self, device: Device, fill: Fill) -> None:
        assert fill.verifier is not None  # noqa: S101 - the driver names the second nurse
        refill_service.verify_refill(fill.verifier, fill.handle, fill.verify_note)
        _, verified = refill_times(fill)
        Refill.objects.filter(pk=fill.handle.pk).update(verified_at=verified)

    def forecast(self, device: Device, due: date, factor: str, basis: str) -> None:
        device.refresh_from_db(fields=["next_due_on", "next_due_factor", "next_due_basis"])
        stored = (device.next_due_on, device.next_due_factor, device.next_due_basis)
        if stored != (due, factor, basis):
            raise DemoInconsistent(
                f"{device}: the forecast stored is {stored}, the demo computed {(due, factor, basis)}"
            )

    def link_caregiver(self, user: Any, patient: Patient) -> None:
        link = CaregiverLink.objects.create(user=user, patient=patient)
        record(
            self.staff.administrator,
            AuditAction.CREATE,
            "caregiver_link",
            link.pk,
            patient_id=patient.pk,
            detail={"caregiver": user.get_username()},
        )

    def flush(self, first: int, last: int) -> None:
        """Everything is stored as it goes."""


BULK_ORDER: tuple[type[models.Model], ...] = (
    Patient,
    StageMove,
    DelayNote,
    Contact,
    OpioidRegimenItem,
    PainScore,
    Device,
    DeviceEvent,
    ProgramVersion,
    ProgramDrug,
    ProgramStep,
    Refill,
)


class BulkWriter:
    """The same clinic as rows, inserted a batch of patients at a time."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.counts: Counter[str] = Counter()
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.next_id = {
            model: (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1
            for model in BULK_ORDER
        }
        self.links: list[tuple[Any, Patient]] = []

    def _add(self, model: type[models.Model], **values: Any) -> Any:
        row = model(pk=self.next_id[model], **values)
        self.next_id[model] += 1
        self.rows[model].append(row)
        return row

    def patient(self, story: Story) -> Patient:
        staff, person = self.staff, story.person
        patient: Patient = self._add(
            Patient,
            hospital_number=person.hospital_number,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            diagnosis=person.diagnosis,
            cancer_stage=person.cancer_stage,
            ecog=person.ecog,
            prognosis=person.prognosis,
            phone=person.phone,
            address=person.address,
            pathway_stage=story.stage.value,
        )
        previous = ""
        for stage, on in story.journey:
            self._add(
                StageMove,
                patient=patient,
                from_stage=previous,
                to_stage=stage.value,
                at=moment(on, JOURNEY_MINUTE),
                by=staff.coordinator,
                reason=JOURNEY_REASON if previous else f"Registered at {stage.label}.",
                record_kind="imported" if previous else "",
            )
            previous = stage.value
        delay = delay_for(story)
        if delay is not None:
            self._add(
                DelayNote,
                patient=patient,
                stage=story.stage.value,
                reason=delay[0].value,
                note=delay[1],
                at=timezone.now(),
                by=staff.coordinator,
            )
        for contact in person.contacts:
            self._add(
                Contact,
                patient=patient,
                name=contact.name,
                relationship=contact.relationship,
                phone=contact.phone,
                is_caregiver=contact.is_caregiver,
            )
        for item in story.regimen:
            dose = dose_of(item.dose)
            self._add(
                OpioidRegimenItem,
                patient=patient,
                opioid=item.opioid,
                route=item.route.value,
                dose_mcg_per_day=dose.canonical,
                entered_unit=dose.unit.symbol,
                started_on=item.started_on,
                stopped_on=item.stopped_on,
                recorded_by=staff.physician,
            )
        for i, pain in enumerate(story.pain):
            self._add(
                PainScore,
                patient=patient,
                recorded_at=moment(pain.on, pain.minute),
                score=pain.score,
                note=pain.note,
                recorded_by=staff.nurse if i % 3 else staff.physician,
            )
        self.counts["patients"] += 1
        return patient

    def device(self, story: Story, patient: Patient, spec: DeviceSpec, by: Any) -> Device:
        self.counts["devices"] += 1
        device: Device = self._add(
            Device,
            patient=patient,
            pump_model=spec.pump_model,
            serial_number=spec.serial,
            implanted_on=spec.implanted_on,
            catheter_tip_level=spec.catheter_tip_level,
            reservoir_ml=spec.reservoir_ml,
            low_alarm_ml=spec.low_alarm_ml,
            fixed_rate_ml_per_day=spec.fixed_rate_ml_per_day,
        )
        return device

    def device_event(self, device: Device, on: date, kind: str, text: str, by: Any) -> None:
        self._add(
            DeviceEvent, device=device, occurred_on=on, kind=kind, description=text, recorded_by=by
        )
        if kind == DeviceEventKind.ERI and device.eri_reported_on is None:
            device.eri_reported_on = on

    def explant(self, device: Device, on: date, text: str, by: Any) -> None:
        device.status, device.explanted_on = DeviceStatus.EXPLANTED, on
        self._add(
            DeviceEvent,
            device=device,
            occurred_on=on,
            kind=DeviceEventKind.EXPLANT,
            description=text,
            recorded_by=by,
        )

    def program(self, device: Device, version: Version) -> None:
        """The row ithaca.devices.programs._store writes, then the check's outcome."""
        request, check = version.request, version.check
        checked, activated = version_times(version)
        stored = self._add(
            ProgramVersion,
            device=device,
            number=version.number,
            mode=version.program.mode.value,
            daily_dose_mcg_per_day=request.daily_dose.canonical
            if request.daily_dose and not request.steps
            else None,
            entered_dose_unit=request.daily_dose.unit.symbol if request.daily_dose else "",
            fixed_rate_ml_per_day=request.fixed_rate.canonical if request.fixed_rate else None,
            bolus_dose_mcg=request.bolus.dose.canonical if request.bolus else None,
            bolus_lockout_minutes=request.bolus.lockout_minutes if request.bolus else None,
            bolus_max_per_day=request.bolus.max_per_day if request.bolus else None,
            verdict=check.verdict.value,
            findings=[finding_record(f) for f in check.findings],
            library_version=check.library.version,
            library_hash=check.library.content_hash,
            ithaca_version=__version__,
            override_reason=version.override_reason,
            prescribed_by=version.prescriber,
            prescribed_at=checked - timedelta(minutes=30),
            previous=version.previous.handle if version.previous else None,
        )
        for position, item in enumerate(version.program.reservoir):
            concentration = request.drugs[position][1]
            self._add(
                ProgramDrug,
                program=stored,
                position=position,
                drug_id=item.drug.id,
                concentration_mcg_per_ml=concentration.canonical,
                entered_unit=concentration.unit.symbol,
            )
        for start, dose in request.steps:
            self._add(
                ProgramStep, program=stored, start_minute=start, dose_mcg_per_day=dose.canonical
            )
        if version.previous is not None and version.outcome == "approve":
            version.previous.handle.status = ProgramStatus.SUPERSEDED
        if version.outcome != "pending":
            stored.status = (
                ProgramStatus.ACTIVE if version.outcome == "approve" else ProgramStatus.REJECTED
            )
            stored.checked_by, stored.checked_at, stored.check_note = (
                version.checker,
                checked,
                version.check_note.strip(),
            )
            stored.activated_at = activated if version.outcome == "approve" else None
        version.handle = stored
        self.counts["programs"] += 1

    def refill(self, device: Device, fill: Fill) -> None:
        """The row ithaca.devices.refills._store writes, from the driver's core results."""
        request, plan, rec = fill.request, fill.plan, fill.reconciliation
        recorded, _ = refill_times(fill)
        fill.handle = self._add(
            Refill,
            device=device,
            sequence=fill.sequence,
            program=fill.version.handle,
            performed_by=fill.performer,
            performed_on=request.performed_on,
            recorded_at=recorded,
            first_fill=fill.expected is None,
            expected_residual_ml=ml(fill.expected),
            measured_residual_ml=ml(request.measured_residual),
            discrepancy_ml=ml(rec.discrepancy) if rec else None,
            discrepancy_percent=rec.percent if rec else None,
            flagged=rec.flagged if rec else False,
            flag_reasons=list(rec.reasons) if rec else [],
            discrepancy_action=request.discrepancy_action.strip(),
            fill_volume_ml=request.fill_volume.canonical,
            lot_number=request.lot_number.strip(),
            needle_in_reservoir_confirmed=True,
            next_due_on=plan.next_refill_due,
            limiting_factor=plan.limiting_factor,
            empty_on=plan.empty_date,
            low_alarm_on=plan.low_reservoir_alarm_date,
            stability_on=plan.stability_limit_date,
            clinic_interval_on=plan.clinic_max_interval_date,
            daily_volume_ml=ml(plan.daily_volume.to(Unit.ML_PER_DAY)),
            calculation={
                "expected_steps": list(fill.expected_steps),
                "plan_steps": list(plan.steps),
                "findings": [finding_record(f) for f in plan.findings],
                "notes": fill.notes,
                "candidates": [
                    {"factor": c.factor, "date": c.on.isoformat(), "reason": c.reason}
                    for c in plan.candidates
                ],
            },
            library_version=plan.library.version,
            library_hash=plan.library.content_hash,
            notes=request.notes.strip(),
        )
        self.counts["refills"] += 1

    def verify(self, device: Device, fill: Fill) -> None:
        _, verified = refill_times(fill)
        row = fill.handle
        row.status, row.verified_by, row.verified_at = (
            RefillStatus.VERIFIED,
            fill.verifier,
            verified,
        )

    def forecast(self, device: Device, due: date, factor: str, basis: str) -> None:
        """What ithaca.devices.forecast.refresh stores after the pump's last refill or approval."""
        device.next_due_on, device.next_due_factor, device.next_due_basis = due, factor, basis

    def link_caregiver(self, user: Any, patient: Patient) -> None:
        self.links.append((user, patient))  # once the patient's row is in

    def flush(self, first: int, last: int) -> None:
        """Insert the batch, then one audit event that says what it holds."""
        counts = {str(model._meta.model_name): len(rows) for model, rows in self.rows.items()}
        for model in BULK_ORDER:
            rows = self.rows.pop(model, [])
            if rows:
                model._default_manager.bulk_create(rows, batch_size=1000)
        if connection.vendor == "postgresql":
            self._reset_sequences()
        for user, patient in self.links:
            link = CaregiverLink.objects.create(user=user, patient=patient)
            record(
                self.staff.administrator,
                AuditAction.CREATE,
                "caregiver_link",
                link.pk,
                patient_id=patient.pk,
                detail={"caregiver": user.get_username()},
            )
        self.links.clear()
        record(
            self.staff.coordinator,
            AuditAction.CREATE,
            "demo_batch",
            f"{first}-{last}",
            reason="synthetic demonstration data, loaded in bulk for a benchmark",
            detail={"patients": f"DEMO-{first:04d} to DEMO-{last:04d}", "rows": counts},
        )

    def _reset_sequences(self) -> None:
        """Rows were inserted with their ids: move each PostgreSQL sequence past them."""
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(BULK_ORDER)):
                cursor.execute(sql)
