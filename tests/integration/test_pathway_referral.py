"""Referring a patient: the referral is stored with the screen as it stood, and the move to
Referred is made with it, or neither is; the page guides a first-time referrer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.factors import Route
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.models import Referral, StageMove
from ithaca.pathway.referrals import ReferralDetails, refer_patient
from ithaca.patients import services
from ithaca.patients.models import Patient


@pytest.fixture
def candidate(nurse, physician) -> Patient:
    """Identified, in pain 7/10 on 240 mg/day of oral morphine: meets the screen."""
    patient = services.register_patient(
        nurse,
        services.PatientDetails(
            hospital_number="H300001",
            given_name="Ravi",
            family_name="Shah",
            date_of_birth=date(1962, 2, 2),
            diagnosis="Cervical cancer with sacral plexus invasion",
        ),
    )
    services.record_pain_score(nurse, patient, 7, timezone.now() - timedelta(hours=2))
    services.add_regimen_item(
        physician,
        patient,
        opioid="morphine",
        route=Route.ORAL,
        dose=DoseRate(Decimal(240), Unit.MG_PER_DAY),
        started_on=date(2026, 1, 1),
    )
    return patient


def details(**changes) -> ReferralDetails:
    values = {
        "referrer_name": "Dr Ines Moreau",
        "referrer_team": "Oncology",
        "referrer_contact": "bleep 4521",
        "urgency": "urgent",
        "pain_description": "Left leg and perineal pain, neuropathic, worse sitting.",
        "treatments_tried": "Morphine up to 240 mg/day, pregabalin, radiotherapy.",
        "questions": "Would an external system suit her prognosis?",
        "patient_aware": True,
    }
    return ReferralDetails(**{**values, **changes})


def form_data(patient: Patient, **changes) -> dict[str, str]:
    data = {k: str(v) for k, v in details().__dict__.items() if k != "patient_aware"}
    data |= {"patient_aware": "on", "expected_from": patient.pathway_stage}
    return {**data, **changes}


def test_a_referral_is_stored_with_the_screen_snapshot_and_moves_the_patient(physician, candidate):
    referral = refer_patient(physician, candidate, details())
    candidate.refresh_from_db()
    assert candidate.stage is Stage.REFERRED
    move = StageMove.objects.filter(patient=candidate).latest("at", "pk")
    assert (move.to_stage, move.record_kind, move.record_id) == (
        "referred",
        "referral",
        referral.pk,
    )
    assert (
        move.reason
        == "Referred by Dr Ines Moreau (Oncology), urgent (short prognosis or pain crisis)."
    )
    snapshot = referral.screening
    assert snapshot["outcome"] == "met"
    assert snapshot["inputs"]["pain_score"] == 7
    assert snapshot["inputs"]["ome"] == "240 mg/day"
    assert snapshot["rules_version"].startswith("ithaca default pathway rules")
    assert "Smith 2002" in snapshot["rule"]
    pain_reason = snapshot["reasons"][0]
    assert pain_reason["met"] is True
    assert pain_reason["source_id"] == "smith-2002"
    assert pain_reason["mark"] == "C"
    assert "Smith TJ" in pain_reason["source"]
    assert snapshot["reasons"][2]["met"] is None  # side effects never assessed
    assert AuditEvent.objects.filter(object_type="referral", object_id=str(referral.pk)).exists()
    assert AuditEvent.objects.filter(object_type="pathway_stage", object_id=str(move.pk)).exists()


def test_a_patient_who_does_not_know_is_not_referred(physician, candidate):
    with pytest.raises(ServiceRefusal, match="the patient knows about it and agrees") as refused:
        refer_patient(physician, candidate, details(patient_aware=False))
    assert refused.value.field == "patient_aware"
    assert not Referral.objects.exists()
    assert Patient.objects.get(pk=candidate.pk).stage is Stage.IDENTIFIED


def test_the_form_refuses_an_unticked_awareness_box_next_to_it(client, physician, candidate):
    client.force_login(physician)
    data = form_data(candidate)
    del data["patient_aware"]
    response = client.post(reverse("pathway-refer", args=[candidate.pk]), data)
    assert response.status_code == 200
    assert "A referral is sent only once the patient knows about it" in response.content.decode()
    assert not Referral.objects.exists()


def test_missing_details_are_refused_by_name(physician, candidate):
    with pytest.raises(ServiceRefusal, match="Enter the treatments already tried") as refused:
        refer_patient(physician, candidate, details(treatments_tried="   "))
    assert refused.value.field == "treatments_tried"


def test_a_patient_on_a_pump_cannot_be_referred_and_nothing_is_stored(physician, patient):
    # The conftest patient is at Maintenance: the core's table has no move to Referred.
    with pytest.raises(ServiceRefusal, match="cannot move to Referred"):
        refer_patient(physician, patient, details())
    assert not Referral.objects.exists()


def test_a_patient_found_not_eligible_may_be_referred_again(physician, candidate):
    Patient.objects.filter(pk=candidate.pk).update(pathway_stage="not_eligible")
    candidate.refresh_from_db()
    refer_patient(physician, candidate, details())
    assert Patient.objects.get(pk=candidate.pk).stage is Stage.REFERRED


def test_the_form_sends_the_referral_and_returns_to_the_pathway(client, coordinator, candidate):
    client.force_login(coordinator)
    response = client.post(reverse("pathway-refer", args=[candidate.pk]), form_data(candidate))
    assert response.status_code == 302
    assert response.url == reverse("pathway-patient", args=[candidate.pk])
    referral = Referral.objects.get(patient=candidate)
    assert referral.by == coordinator
    body = client.get(response.url).content.decode()
    assert "The referral is sent" in body
    assert "Dr Ines Moreau" in body


def test_a_referral_from_a_stale_page_is_refused(client, physician, candidate):
    client.force_login(physician)
    data = form_data(candidate, expected_from="declined")
    response = client.post(reverse("pathway-refer", args=[candidate.pk]), data)
    assert "by someone else" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_page_renders_the_guide_with_its_numbers_and_sources(client, physician, candidate):
    client.force_login(physician)
    body = client.get(reverse("pathway-refer", args=[candidate.pk])).content.decode()
    assert "Needs local clinical sign-off" in body
    for text in (
        "202 patients",
        "84.5%",
        "70.8%",
        "7.57 → 3.67",
        "7.81 → 4.76",
        "−50%",
        "−17%",
        "53.9%",
        "37.2%",
        ".06",
        "more than 3 months",
        "less than 3 months",
        "less than 1 month",
        "Oncology 1999",
        "AHCPR",
        "PACC 2017",
    ):
        assert text in body, text
    assert "Meets the referral screen" in body
