"""The demo clinic `ithaca demo` loads: every role, stage and pump, and the stories the
dashboard needs (a flagged discrepancy, an overdue refill), all double-checked and audited.

Loading the 40-patient demo through the services takes seconds, so it is loaded once for
the module, inside a transaction rolled back at the end; the bulk (benchmark) mode is
loaded first in a savepoint of its own, to compare the two.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Profile, Role
from ithaca.accounts.permissions import ALLOWED, Action
from ithaca.audit.chain import verify
from ithaca.audit.models import AuditEvent
from ithaca.clinical.pathway import TRANSITIONS, DelayReason, Stage
from ithaca.decisionaid.models import CaregiverCheckIn, DecisionAidSession
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import (
    Device,
    DeviceStatus,
    ProgramStatus,
    ProgramVersion,
    Refill,
    RefillStatus,
)
from ithaca.pathway.models import DelayNote, StageMove
from ithaca.patients.models import Patient
from ithaca.web.demo import DEMO_PASSWORD, DemoResult, load_demo

pytestmark = pytest.mark.django_db

PATIENTS = 40


@dataclass
class Loaded:
    result: DemoResult
    by_services: dict[str, Any]
    in_bulk: dict[str, Any]


def _shown(value: object) -> object:
    """Times as the clinic's local date: a time stamped 'now' differs between two loads."""
    if isinstance(value, datetime):
        return timezone.localdate(value).isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def snapshot() -> dict[str, Any]:
    """Everything a clinician would see of the demo, in a comparable form."""

    def rows(queryset: Any, *fields: str) -> list[tuple[object, ...]]:
        return [tuple(_shown(v) for v in row) for row in queryset.values_list(*fields)]

    return {
        "patients": rows(
            Patient.objects.order_by("hospital_number"),
            "hospital_number",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "diagnosis",
            "pathway_stage",
            "prognosis",
            "ecog",
        ),
        "pain": rows(
            Patient.objects.order_by("hospital_number", "pain_scores__recorded_at"),
            "hospital_number",
            "pain_scores__recorded_at",
            "pain_scores__score",
        ),
        "regimen": rows(
            Patient.objects.order_by("hospital_number", "regimen__started_on", "regimen__opioid"),
            "hospital_number",
            "regimen__opioid",
            "regimen__dose_mcg_per_day",
            "regimen__started_on",
            "regimen__stopped_on",
        ),
        "devices": rows(
            Device.objects.order_by("serial_number"),
            "serial_number",
            "pump_model",
            "implanted_on",
            "status",
            "explanted_on",
            "eri_reported_on",
            "next_due_on",
            "next_due_factor",
            "next_due_basis",
        ),
        "programs": rows(
            ProgramVersion.objects.order_by("device__serial_number", "number"),
            "device__serial_number",
            "number",
            "status",
            "verdict",
            "mode",
            "daily_dose_mcg_per_day",
            "fixed_rate_ml_per_day",
            "prescribed_by__username",
            "checked_by__username",
            "activated_at",
            "override_reason",
        ),
        "pathway": rows(
            StageMove.objects.order_by("patient__hospital_number", "at", "pk"),
            "patient__hospital_number",
            "from_stage",
            "to_stage",
            "at",
            "by__username",
            "reason",
            "record_kind",
        ),
        "delays": rows(
            DelayNote.objects.order_by("patient__hospital_number", "pk"),
            "patient__hospital_number",
            "stage",
            "reason",
            "note",
            "by__username",
        ),
        "refills": rows(
            Refill.objects.order_by("device__serial_number", "sequence"),
            "device__serial_number",
            "sequence",
            "program__number",
            "performed_on",
            "expected_residual_ml",
            "measured_residual_ml",
            "discrepancy_percent",
            "flagged",
            "next_due_on",
            "limiting_factor",
            "empty_on",
            "status",
            "performed_by__username",
            "verified_by__username",
            "calculation",
        ),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Loaded]:
    with django_db_blocker.unblock(), transaction.atomic():
        with transaction.atomic():
            load_demo(patients=PATIENTS, fast=True)
            in_bulk = snapshot()
            transaction.set_rollback(True)
        result = load_demo(patients=PATIENTS)
        yield Loaded(result, snapshot(), in_bulk)
        transaction.set_rollback(True)


def demo_patients() -> Any:
    return Patient.objects.filter(hospital_number__startswith="DEMO-")


def overdue_by_last_refill(today: date) -> list[Device]:
    newest = Refill.objects.filter(device=OuterRef("pk")).order_by("-sequence")
    return list(
        Device.objects.filter(status=DeviceStatus.ACTIVE)
        .annotate(due=Subquery(newest.values("next_due_on")[:1]))
        .filter(due__lt=today)
    )


def test_every_role_has_a_sign_in_with_the_printed_password(demo: Loaded) -> None:
    roles = set(Profile.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    printed = {login.username for login in demo.result.logins}
    users = get_user_model().objects.filter(username__in=printed)
    assert users.count() == len(printed) == 10  # nine demo roles and the patient's own account
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    assert all(login.password == DEMO_PASSWORD for login in demo.result.logins)
    stranger = users.get(username="stranger")
    assert not Profile.objects.filter(user=stranger).exists()
    assert users.get(profile__role=Role.ADMINISTRATOR).is_staff
    assert not users.filter(is_staff=True).exclude(profile__role=Role.ADMINISTRATOR).exists()


def test_the_caregiver_may_read_one_implanted_patient_only(demo: Loaded) -> None:
    links = CaregiverLink.objects.filter(user__profile__role=Role.CAREGIVER)
    assert links.count() == 1
    patient = links.get().patient
    assert patient.devices.filter(status=DeviceStatus.ACTIVE).exists()
    assert patient.contacts.filter(is_caregiver=True).exists()


def test_the_patients_are_synthetic_and_stand_in_every_pathway_stage(demo: Loaded) -> None:
    assert demo_patients().count() == Patient.objects.count() == PATIENTS
    assert set(demo_patients().values_list("pathway_stage", flat=True)) == {
        stage.value for stage in Stage
    }
    assert all(
        phone.startswith("07700 900") for phone in demo_patients().values_list("phone", flat=True)
    )
    assert len(set(demo_patients().values_list("diagnosis", flat=True))) >= 6


def test_pump_patients_have_a_pump_and_every_catalogue_pump_is_in_use(demo: Loaded) -> None:
    in_use = set(Device.objects.values_list("pump_model", flat=True))
    assert in_use >= set(catalogue_in_force().pumps)
    for stage in Stage:
        if stage.has_device:
            assert all(
                p.devices.filter(status=DeviceStatus.ACTIVE).exists()
                for p in demo_patients().filter(pathway_stage=stage.value)
            )
    external = Device.objects.get(pump_model="external-tunnelled")
    assert external.reservoir_ml is not None
    assert external.patient.prognosis in ("lt1m", "1-3m")
    assert Device.objects.get(pump_model="isomed-20").fixed_rate_ml_per_day is not None


def test_exactly_one_refill_residual_is_flagged_and_what_was_done_is_recorded(demo: Loaded) -> None:
    flagged = Refill.objects.filter(flagged=True)
    assert flagged.count() == 1
    refill = flagged.get()
    assert refill.discrepancy_action
    assert refill.flag_reasons


def test_exactly_one_pump_is_overdue_for_its_refill(demo: Loaded) -> None:
    today = timezone.localdate()
    overdue = overdue_by_last_refill(today)
    assert len(overdue) == 1
    # The forecast the dashboard shows (re-planned after a program change) agrees.
    assert list(Device.objects.filter(status=DeviceStatus.ACTIVE, next_due_on__lt=today)) == overdue
    assert Refill.objects.filter(
        next_due_on__gte=today, next_due_on__lte=today + timedelta(days=30)
    ).exists()


def test_every_active_program_was_double_checked_by_someone_other_than_its_prescriber(
    demo: Loaded,
) -> None:
    active = ProgramVersion.objects.filter(status=ProgramStatus.ACTIVE).select_related(
        "checked_by__profile"
    )
    assert active.count() == Device.objects.count()
    checkers = ALLOWED[Action.CHECK_PROGRAM]
    for version in active:
        assert version.checked_by is not None
        assert version.checked_by_id != version.prescribed_by_id
        assert Role(version.checked_by.profile.role) in checkers
        assert version.activated_at is not None


def test_the_dashboard_has_a_check_to_do_of_each_kind(demo: Loaded) -> None:
    assert ProgramVersion.objects.filter(status=ProgramStatus.AWAITING_CHECK).count() == 1
    assert (
        ProgramVersion.objects.filter(status=ProgramStatus.REJECTED).exclude(check_note="").count()
        == 1
    )
    assert (
        ProgramVersion.objects.filter(status=ProgramStatus.ACTIVE, verdict="needs_override")
        .exclude(override_reason="")
        .count()
        == 1
    )
    assert Refill.objects.filter(status=RefillStatus.AWAITING_VERIFICATION).count() <= 1
    assert (
        Device.objects.filter(
            pump_model__startswith="synchromed", eri_reported_on__isnull=False
        ).count()
        == 1
    )


def test_refills_span_a_year_and_were_verified_by_a_second_person(demo: Loaded) -> None:
    today = timezone.localdate()
    assert Refill.objects.filter(performed_on__lte=today - timedelta(days=330)).exists()
    for refill in Refill.objects.filter(status=RefillStatus.VERIFIED):
        assert refill.verified_by_id not in (None, refill.performed_by_id)


def test_pain_falls_after_the_implant_for_most_patients(demo: Loaded) -> None:
    lower = 0
    implanted = demo_patients().filter(pathway_stage=Stage.MAINTENANCE.value)
    for patient in implanted:
        implant = patient.devices.get().implanted_on
        scores = list(
            patient.pain_scores.order_by("recorded_at").values_list("recorded_at", "score")
        )
        before = [s for at, s in scores if timezone.localdate(at) < implant]
        latest = scores[-1][1]
        lower += bool(before) and latest < min(before)
    assert lower >= implanted.count() * 0.6


def test_the_audit_chain_verifies(demo: Loaded) -> None:
    result = verify()
    assert result.intact, result.problem
    assert AuditEvent.objects.filter(object_type="refill", action="check").exists()


def test_loading_again_adds_nothing_and_says_so(demo: Loaded) -> None:
    events = AuditEvent.objects.count()
    again = load_demo(patients=PATIENTS)
    assert "already loaded" in again.summary
    assert again.logins == demo.result.logins
    assert Patient.objects.count() == PATIENTS
    assert AuditEvent.objects.count() == events


def test_every_patients_journey_follows_the_pathway_and_ends_at_their_stage(demo: Loaded) -> None:
    for patient in demo_patients():
        moves = list(patient.stage_moves.order_by("at", "pk"))
        assert moves[0].from_stage == ""
        for before, after in itertools.pairwise(moves):
            assert after.from_stage == before.to_stage
            assert Stage(after.to_stage) in TRANSITIONS[Stage(before.to_stage)]
            assert after.at >= before.at
        assert moves[-1].to_stage == patient.pathway_stage
    waiting = demo_patients().filter(pathway_stage__in=[s.value for s in Stage if s.before_implant])
    assert waiting.exists()
    # some of those waiting have a recorded reason, at the stage they wait at
    notes = DelayNote.objects.filter(patient__in=waiting)
    assert notes.exists()
    assert all(note.stage == note.patient.pathway_stage for note in notes)


def test_the_decision_aid_and_caregiver_check_ins_were_recorded_through_the_services(
    demo: Loaded,
) -> None:
    waiting = DecisionAidSession.objects.get(patient__pathway_stage=Stage.DECISION.value)
    assert waiting.patient_present
    assert waiting.caregivers_present
    assert waiting.sure_conflict
    assert waiting.sure_score == 3
    assert not waiting.readiness_low
    assert [d["reason"] for d in waiting.delays] == [DelayReason.PATIENT_UNDECIDED.value]
    note = DelayNote.objects.get(pk=waiting.delays[0]["id"])
    assert note.stage == Stage.DECISION.value
    assert note.note.startswith("Decision aid: SURE 3")
    assessed = DecisionAidSession.objects.get(patient__pathway_stage=Stage.ASSESSED.value)
    assert assessed.sure_conflict is False
    assert not assessed.flagged
    assert assessed.delays == []
    assert assessed.delays_note == ""
    assert AuditEvent.objects.filter(object_type="decision_aid_session").count() == 2

    patient = CaregiverLink.objects.get(user__username="carer").patient
    series = list(CaregiverCheckIn.objects.filter(patient=patient).order_by("at", "pk"))
    assert [c.schedule_point for c in series] == ["after_implant", "monthly", "monthly"]
    assert len({c.caregiver_key for c in series}) == 1
    totals = [c.total for c in series]
    assert totals == sorted(totals)
    assert len(set(totals)) == 3
    assert [c.previous_total for c in series] == [None, *totals[:2]]
    assert [c.flagged for c in series] == [False, False, True]
    implant = patient.devices.get().implanted_on
    assert implant < timezone.localdate(series[0].at) < timezone.localdate(series[1].at)
    assert timezone.localdate(series[-1].at) < timezone.localdate()
    assert "Decision aid:" in demo.result.summary
    assert "the latest flagged" in demo.result.summary


def test_the_bulk_mode_stores_the_same_clinic_as_the_services(demo: Loaded) -> None:
    for table, rows in demo.by_services.items():
        assert demo.in_bulk[table] == rows, table
