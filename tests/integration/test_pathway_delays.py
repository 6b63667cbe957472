"""Where patients wait, over a synthetic cohort whose answers are worked by hand, and the
delay reasons the team records.

The cohort (days are whole, stays at Referred; the clinic's default target there is 14 days):
- A to E were referred and assessed after 2, 4, 6, 10 and 20 days: completed stays.
- H was referred, found not eligible after 10 days, and referred again 15 days ago.
- F has been waiting 16 days and G 3 days; H 15 days.
So at Referred: 6 completed stays (2, 4, 6, 10, 10, 20), median (6 + 10) / 2 = 8 days,
nearest-rank 90th percentile the ceil(0.9 × 6) = 6th stay = 20 days; 3 waiting now, of whom
F (16 days) and H (15 days) are over target. Everyone spent one day at Identified first.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.pathway import DelayReason, Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.delays import delay_report, record_delay
from ithaca.pathway.models import DelayNote, StageMove
from ithaca.patients.models import Patient

DAY = timedelta(days=1)


def with_history(user, name: str, moves: list[tuple[str, timedelta]]) -> Patient:
    """A patient whose moves entered each stage the given time ago, oldest first."""
    now = timezone.now()
    patient = Patient.objects.create(
        hospital_number=f"H-{name}",
        given_name=name,
        family_name=f"Cohort{name}",
        date_of_birth=date(1950, 1, 1),
        diagnosis="Cancer",
        pathway_stage=moves[-1][0],
    )
    previous = ""
    for stage, ago in moves:
        StageMove.objects.create(
            patient=patient, from_stage=previous, to_stage=stage, at=now - ago, by=user, reason="x"
        )
        previous = stage
    return patient


def referred_then_assessed(user, name: str, stay_days: int) -> Patient:
    start = (stay_days + 31) * DAY
    return with_history(
        user,
        name,
        [
            ("identified", start),
            ("referred", start - DAY),
            ("assessed", start - DAY - stay_days * DAY),
        ],
    )


def note(user, patient: Patient, reason: DelayReason, ago: timedelta, stage: str = "referred"):
    return DelayNote.objects.create(
        patient=patient,
        stage=stage,
        reason=reason.value,
        note="",
        at=timezone.now() - ago,
        by=user,
    )


@pytest.fixture
def cohort(coordinator):
    done = {
        n: referred_then_assessed(coordinator, n, d)
        for n, d in zip("ABCDE", (2, 4, 6, 10, 20), strict=True)
    }
    f = with_history(coordinator, "F", [("identified", 17 * DAY), ("referred", 16 * DAY)])
    g = with_history(coordinator, "G", [("identified", 4 * DAY), ("referred", 3 * DAY)])
    h = with_history(
        coordinator,
        "H",
        [
            ("identified", 41 * DAY),
            ("referred", 40 * DAY),
            ("not_eligible", 30 * DAY),
            ("referred", 15 * DAY),
        ],
    )
    note(coordinator, done["A"], DelayReason.WAITING_FOR_IMAGING, 50 * DAY)
    note(coordinator, f, DelayReason.WAITING_FOR_IMAGING, 10 * DAY)
    note(coordinator, f, DelayReason.FUNDING_APPROVAL, 2 * DAY)
    # Written during H's first stay at Referred: not about the wait H is in now.
    note(coordinator, h, DelayReason.BED_OR_THEATRE, 35 * DAY)
    return {"F": f, "G": g, "H": h, **done}


def stage_report(stage: Stage):
    report = delay_report(timezone.now())
    return next(s for s in report.stages if s.stage is stage)


def test_completed_stays_give_the_median_and_the_nearest_rank_90th_percentile(cohort):
    summary = stage_report(Stage.REFERRED).summary
    assert summary.completed == 6
    assert summary.median == 8 * DAY
    assert summary.p90 == 20 * DAY


def test_patients_still_waiting_are_counted_and_checked_against_the_target(cohort):
    referred = stage_report(Stage.REFERRED)
    assert referred.summary.waiting_now == 3
    assert referred.target is not None
    assert referred.target.value == 14 * DAY
    assert [w.patient.given_name for w in referred.over] == ["F", "H"]
    assert [w.waited_days for w in referred.over] == ["16.0", "15.0"]


def test_each_overdue_patient_shows_the_latest_reason_of_this_wait(cohort):
    over = {w.patient.given_name: w for w in stage_report(Stage.REFERRED).over}
    assert over["F"].latest is not None
    assert over["F"].latest.reason == DelayReason.FUNDING_APPROVAL.value
    assert over["H"].latest is None  # H's only note belongs to the earlier stay


def test_reasons_are_counted_for_all_notes_and_for_the_patients_over_target(cohort):
    counts = {r.label: (r.all, r.over) for r in stage_report(Stage.REFERRED).reasons}
    assert counts == {
        "Waiting for imaging": (2, 1),
        "Funding approval": (1, 1),
        "Bed or theatre availability": (1, 0),
    }


def test_every_stay_at_identified_is_one_day(cohort):
    identified = stage_report(Stage.IDENTIFIED).summary
    assert identified.completed == 8
    assert identified.median == identified.p90 == DAY
    assert identified.waiting_now == 0


def test_the_page_shows_the_same_answers(client, nurse, cohort):
    client.force_login(nurse)
    body = client.get(reverse("pathway-delays")).content.decode()
    assert "8.0 days" in body
    assert "20.0 days" in body
    assert "nearest rank" in body
    assert "clinic policy, not guideline [U]" in body
    assert "COHORTF" in body
    assert "16.0 days" in body
    assert "Funding approval" in body
    assert reverse("pathway-patient", args=[cohort["H"].pk]) in body
    assert "COHORTG" not in body  # waiting, within target


def test_a_delay_is_recorded_at_the_current_stage_and_audited(client, nurse, cohort):
    g = cohort["G"]
    client.force_login(nurse)
    response = client.post(
        reverse("pathway-delay-note", args=[g.pk]),
        {"reason": "waiting_for_bloods", "note": "INR awaited", "expected_from": "referred"},
    )
    assert response.status_code == 302
    delay = DelayNote.objects.get(patient=g)
    assert (delay.stage, delay.reason, delay.note, delay.by) == (
        "referred",
        "waiting_for_bloods",
        "INR awaited",
        nurse,
    )
    assert AuditEvent.objects.filter(object_type="delay_note", object_id=str(delay.pk)).exists()


def test_other_needs_a_note(client, nurse, cohort):
    client.force_login(nurse)
    response = client.post(
        reverse("pathway-delay-note", args=[cohort["G"].pk]),
        {"reason": "other", "note": " ", "expected_from": "referred"},
    )
    assert response.status_code == 200
    assert "needs a note saying what the delay is" in response.content.decode()
    assert not DelayNote.objects.filter(patient=cohort["G"]).exists()


def test_a_delay_is_not_filed_against_a_stage_the_patient_has_left(nurse, cohort):
    with pytest.raises(ServiceRefusal, match="moved to Referred"):
        record_delay(nurse, cohort["G"], DelayReason.INFECTION, expected_stage=Stage.IDENTIFIED)


def test_a_patient_on_maintenance_is_not_waiting_for_a_pathway_step(nurse, patient):
    with pytest.raises(ServiceRefusal, match="not waiting for a pathway step"):
        record_delay(nurse, patient, DelayReason.TEAM_AVAILABILITY)
