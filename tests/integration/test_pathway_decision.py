"""The multidisciplinary decision: two named people at least, a decision among the options
discussed, reasons written; the first moves Assessed to Decision, a later one revises it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ithaca.audit.models import AuditEvent
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.decisions import Participant, record_decision
from ithaca.pathway.models import DecisionRecord, StageMove

TEAM = [Participant("Dr Ahmed", "pain physician"), Participant("Dr Osei", "oncologist")]
OPTIONS = ["implanted_pump", "medical_management"]


def at_stage(patient, stage: Stage):
    patient.pathway_stage = stage.value
    patient.save(update_fields=["pathway_stage"])
    return patient


def decide(user, patient, **changes):
    values = {
        "participants": TEAM,
        "patient_took_part": True,
        "caregiver_took_part": False,
        "options_discussed": OPTIONS,
        "decision": "implanted_pump",
        "reasons": "Life expectancy over 3 months; the patient wants a pump.",
    } | changes
    return record_decision(user, patient, **values)


def test_the_first_decision_moves_an_assessed_patient_to_decision(physician, patient):
    at_stage(patient, Stage.ASSESSED)
    saved = decide(physician, patient)
    patient.refresh_from_db()
    assert patient.stage is Stage.DECISION
    move = StageMove.objects.get(patient=patient, to_stage="decision")
    assert (move.record_kind, move.record_id) == ("decision", saved.pk)
    assert saved.participants == [
        {"name": "Dr Ahmed", "role": "pain physician"},
        {"name": "Dr Osei", "role": "oncologist"},
    ]
    assert AuditEvent.objects.filter(
        object_type="decision_record", object_id=str(saved.pk)
    ).exists()


def test_a_decision_at_the_decision_stage_is_a_revision_without_a_move(physician, patient):
    at_stage(patient, Stage.ASSESSED)
    decide(physician, patient)
    decide(physician, patient, decision="medical_management", reasons="Patient changed her mind.")
    assert DecisionRecord.objects.filter(patient=patient).count() == 2
    assert StageMove.objects.filter(patient=patient, to_stage="decision").count() == 1
    event = AuditEvent.objects.filter(object_type="decision_record").order_by("-pk").first()
    assert event.detail["revised"] is True


def test_one_person_alone_is_not_a_multidisciplinary_decision(physician, patient):
    at_stage(patient, Stage.ASSESSED)
    with pytest.raises(ServiceRefusal, match="at least two named people") as refused:
        decide(physician, patient, participants=[TEAM[0], Participant("dr ahmed", "nurse")])
    assert refused.value.field == "participants"


def test_a_named_person_needs_a_role(physician, patient):
    at_stage(patient, Stage.ASSESSED)
    with pytest.raises(ServiceRefusal, match="Dr Osei's role"):
        decide(physician, patient, participants=[TEAM[0], Participant("Dr Osei", " ")])


def test_the_decision_must_be_among_the_options_discussed(physician, patient):
    at_stage(patient, Stage.ASSESSED)
    with pytest.raises(ServiceRefusal, match="one of the options discussed") as refused:
        decide(physician, patient, decision="external_pump")
    assert refused.value.field == "decision"
    assert not DecisionRecord.objects.exists()


def test_reasons_are_required(physician, patient):
    at_stage(patient, Stage.ASSESSED)
    with pytest.raises(ServiceRefusal, match="reasons") as refused:
        decide(physician, patient, reasons="   ")
    assert refused.value.field == "reasons"


def test_a_decision_before_the_assessment_is_refused_in_words(physician, patient):
    at_stage(patient, Stage.REFERRED)
    with pytest.raises(ServiceRefusal, match="after the eligibility assessment"):
        decide(physician, patient)
    assert not DecisionRecord.objects.exists()


def test_the_decision_page_records_and_goes_to_the_pathway_page(client, physician, patient):
    at_stage(patient, Stage.ASSESSED)
    client.force_login(physician)
    url = reverse("pathway-decision", kwargs={"patient_id": patient.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name_1": "Dr Ahmed",
            "role_1": "pain physician",
            "name_2": "Sister Kay",
            "role_2": "palliative care nurse",
            "patient_took_part": "on",
            "options_discussed": OPTIONS,
            "decision": "implanted_pump",
            "reasons": "Agreed with the patient.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pathway-patient", kwargs={"patient_id": patient.pk})
    assert DecisionRecord.objects.get().patient_took_part is True


def test_the_decision_page_shows_errors_beside_the_fields(client, physician, patient):
    at_stage(patient, Stage.ASSESSED)
    client.force_login(physician)
    url = reverse("pathway-decision", kwargs={"patient_id": patient.pk})
    response = client.post(
        url,
        {
            "name_1": "Dr Ahmed",
            "role_1": "pain physician",
            "options_discussed": ["medical_management"],
            "decision": "implanted_pump",
            "reasons": "",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "at least two named people" in form.errors["name_1"][0]
    assert "one of the options discussed" in form.errors["decision"][0]
    assert "reasons" in form.errors
    assert not DecisionRecord.objects.exists()


def test_the_decision_page_at_the_wrong_stage_says_why_and_shows_no_form(
    client, physician, patient
):
    client.force_login(physician)  # the fixture patient is in maintenance
    url = reverse("pathway-decision", kwargs={"patient_id": patient.pk})
    response = client.get(url)
    assert b"cannot be recorded now" in response.content
    assert client.post(url, {"reasons": "x"}).status_code == 200
    assert not DecisionRecord.objects.exists()
