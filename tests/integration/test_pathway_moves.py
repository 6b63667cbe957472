"""Moving a patient along the care pathway from the pathway page: allowed moves are made
and audited, every other move is refused in the core's sentence, and history never changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.pathway import Stage
from ithaca.pathway.models import StageMove
from ithaca.patients import services
from ithaca.patients.models import Patient


def registered(user, stage: Stage = Stage.IDENTIFIED, number: str = "H200001") -> Patient:
    details = services.PatientDetails(
        hospital_number=number,
        given_name="Ada",
        family_name="Okafor",
        date_of_birth=date(1960, 5, 1),
        diagnosis="Metastatic breast cancer",
    )
    return services.register_patient(user, details, stage)


def page(patient: Patient) -> str:
    return reverse("pathway-patient", args=[patient.pk])


def post_move(client, patient: Patient, target: str, reason: str, seen: str | None = None):
    return client.post(
        reverse("pathway-move", args=[patient.pk]),
        {"target": target, "reason": reason, "expected_from": seen or patient.pathway_stage},
    )


def test_registering_a_patient_writes_the_first_move(nurse):
    patient = registered(nurse)
    (first,) = StageMove.objects.filter(patient=patient)
    assert (first.from_stage, first.to_stage, first.by) == ("", "identified", nurse)


def test_an_allowed_move_is_made_recorded_and_audited(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    response = post_move(client, patient, "declined", "  Prefers to stay on oral opioids. ")
    assert response.status_code == 302
    assert response.url == page(patient) + "#move"
    patient.refresh_from_db()
    assert patient.stage is Stage.DECLINED
    move = StageMove.objects.filter(patient=patient).latest("at", "pk")
    assert (move.from_stage, move.to_stage, move.by, move.reason) == (
        "identified",
        "declined",
        nurse,
        "Prefers to stay on oral opioids.",
    )
    event = AuditEvent.objects.get(object_type="pathway_stage", object_id=str(move.pk))
    assert (event.action, event.actor, event.patient_id) == ("change", nurse, patient.pk)
    assert event.detail["from"] == "identified"
    assert event.detail["to"] == "declined"
    assert "is now at Declined" in client.get(page(patient)).content.decode()


def test_a_move_the_table_does_not_allow_is_refused_in_the_core_s_sentence(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    response = post_move(client, patient, "maintenance", "Pump already in elsewhere.")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "A patient who is Identified cannot move to Maintenance; the next stage can be: "
        "Referred, Deceased, Declined, Not eligible." in body
    )
    assert Patient.objects.get(pk=patient.pk).stage is Stage.IDENTIFIED
    assert StageMove.objects.filter(patient=patient).count() == 1


def test_a_move_without_a_reason_is_refused(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    response = post_move(client, patient, "declined", "   ")
    assert "A move to Declined needs a reason, written for the record." in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).stage is Stage.IDENTIFIED


def test_a_stage_made_by_its_record_is_refused_as_a_plain_move(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    response = post_move(client, patient, "referred", "Oncology asked for it.")
    assert "A move to Referred is made by recording the referral form." in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).stage is Stage.IDENTIFIED


def test_a_move_from_a_stage_the_user_no_longer_sees_is_refused(client, nurse, physician):
    patient = registered(nurse)
    client.force_login(nurse)
    # The nurse's page said Declined; someone has since put the patient back at Identified.
    response = post_move(client, patient, "declined", "Declined at clinic.", seen="declined")
    assert "moved to Identified by someone else" in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).stage is Stage.IDENTIFIED


def test_a_posted_value_that_is_no_stage_is_refused_in_words(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    response = post_move(client, patient, "pumped", "typo")
    assert response.status_code == 200
    assert "This is not a pathway stage" in response.content.decode()


def test_history_rows_are_never_changed_or_deleted(nurse):
    patient = registered(nurse)
    move = StageMove.objects.get(patient=patient)
    move.reason = "rewritten"
    with pytest.raises(ValueError, match="written once"):
        move.save()
    with pytest.raises(ValueError, match="never deleted"):
        move.delete()
    assert StageMove.objects.get(pk=move.pk).reason == "Registered at Identified."


def test_the_page_shows_the_history_and_the_wait_within_target(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    body = client.get(page(patient)).content.decode()
    assert "Registered at Identified." in body
    assert "waited 0.0 days" in body
    assert "OVER TARGET" not in body


def test_a_wait_over_the_stage_target_is_highlighted_with_its_basis(client, nurse):
    patient = registered(nurse)
    # Identified ten days ago; the clinic's default target at Identified is seven days.
    StageMove.objects.filter(patient=patient).update(at=timezone.now() - timedelta(days=10))
    client.force_login(nurse)
    body = client.get(page(patient)).content.decode()
    assert "waited 10.0 days" in body
    assert "target 7 days" in body
    assert "OVER TARGET" in body
    assert "clinic policy, not guideline [U]" in body


def test_the_plain_move_form_offers_only_the_stages_no_record_defines(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    body = client.get(page(patient)).content.decode()
    for offered in ("declined", "not_eligible", "deceased"):
        assert f'value="{offered}"' in body
    assert 'name="target" value="referred"' not in body
    assert reverse("pathway-refer", args=[patient.pk]) in body


def test_a_death_is_dated_when_it_happened_not_when_it_was_recorded(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    refused = post_move(client, patient, "deceased", "Died at home.")
    assert "Give the date of death." in refused.content.decode()
    patient.refresh_from_db()
    assert patient.stage is Stage.IDENTIFIED
    died = timezone.localdate()  # registered today, so the death cannot be earlier
    response = client.post(
        reverse("pathway-move", args=[patient.pk]),
        {
            "target": "deceased",
            "reason": "Died at home; the family told the team.",
            "expected_from": "identified",
            "happened_on": died.isoformat(),
        },
    )
    assert response.status_code == 302
    move = StageMove.objects.get(patient=patient, to_stage="deceased")
    assert timezone.localtime(move.at).date() == died


def test_a_move_dated_before_the_last_one_is_refused_in_words(client, nurse):
    patient = registered(nurse)
    client.force_login(nurse)
    response = client.post(
        reverse("pathway-move", args=[patient.pk]),
        {
            "target": "declined",
            "reason": "Declined at clinic.",
            "expected_from": "identified",
            "happened_on": (timezone.localdate() - timedelta(days=30)).isoformat(),
        },
    )
    assert "cannot be dated before the patient&#x27;s last move" in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).stage is Stage.IDENTIFIED
