"""The eligibility assessment: the core's findings stored with their inputs and sources; the
first moves Referred to Assessed, a later one before the implant is a re-assessment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from ithaca.audit.models import AuditEvent
from ithaca.clinical.eligibility import EligibilityInputs
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.eligibility import assess_eligibility
from ithaca.pathway.models import EligibilityAssessment, StageMove

IMPLANT = datetime(2027, 3, 3, 9, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def referred(patient):
    patient.pathway_stage = Stage.REFERRED.value
    patient.save(update_fields=["pathway_stage"])
    return patient


def good_inputs(**changes) -> EligibilityInputs:
    values = {
        "life_expectancy_months": 6,
        "active_infection": False,
        "anticoagulants": (),
        "planned_implant_start": IMPLANT,
        "platelets": Decimal("180"),
        "neutrophils": Decimal("2.5"),
        "csf_flow_obstruction": False,
        "epidural_disease_at_catheter_level": False,
        "imaging_reviewed": True,
        "planned_drugs": ("morphine",),
        "psychosis_history": False,
        "can_attend_refills": True,
        "travel_minutes": 40,
        "has_transport": True,
        "caregiver_available": True,
        "can_respond_to_alarms": True,
    } | changes
    return EligibilityInputs(**values)


def test_the_first_assessment_moves_a_referred_patient_and_stores_everything(physician, referred):
    saved = assess_eligibility(physician, referred, good_inputs())
    referred.refresh_from_db()
    assert referred.stage is Stage.ASSESSED
    assert saved.suggested_system == "implanted"
    assert saved.inputs["life_expectancy_months"] == 6
    assert saved.result["findings"]
    assert all("outcome" in f and "reason" in f for f in saved.result["findings"])
    identity = catalogue_in_force().identity
    assert saved.library_hash == identity.content_hash
    assert saved.rules_version == catalogue_in_force().eligibility.describe()
    move = StageMove.objects.get(patient=referred, to_stage="assessed")
    assert (move.record_kind, move.record_id) == ("assessment", saved.pk)
    event = AuditEvent.objects.get(object_type="eligibility_assessment", object_id=str(saved.pk))
    assert event.detail["reassessment"] is False


def test_a_later_assessment_is_a_reassessment_without_a_move(physician, referred):
    assess_eligibility(physician, referred, good_inputs())
    again = assess_eligibility(physician, referred, good_inputs(active_infection=True))
    assert again.outcome == "fail"
    assert EligibilityAssessment.objects.filter(patient=referred).count() == 2
    assert StageMove.objects.filter(patient=referred, to_stage="assessed").count() == 1


def test_what_is_not_recorded_is_a_caution_never_a_pass(physician, referred):
    saved = assess_eligibility(physician, referred, EligibilityInputs())
    assert saved.outcome == "caution"
    assert saved.suggested_system == ""


def test_a_warfarin_hold_is_dated_from_the_planned_implant(physician, referred):
    saved = assess_eligibility(physician, referred, good_inputs(anticoagulants=("warfarin",)))
    hold = next(f for f in saved.result["findings"] if f["rule"] == "anticoagulant-hold:warfarin")
    assert hold["outcome"] == "caution"
    assert hold["actions"][0]["due"] is not None
    assert saved.result["before_implant"]


def test_an_anticoagulant_outside_the_hold_table_is_refused(physician, referred):
    with pytest.raises(ServiceRefusal, match="hold table") as refused:
        assess_eligibility(physician, referred, good_inputs(anticoagulants=("ratsbane",)))
    assert refused.value.field == "anticoagulants"


def test_a_planned_drug_outside_the_library_is_refused(physician, referred):
    with pytest.raises(ServiceRefusal, match="not in the library") as refused:
        assess_eligibility(physician, referred, good_inputs(planned_drugs=("ketamine",)))
    assert refused.value.field == "planned_drugs"


def test_an_assessment_before_the_referral_is_refused(physician, patient):
    patient.pathway_stage = Stage.IDENTIFIED.value
    patient.save(update_fields=["pathway_stage"])
    with pytest.raises(ServiceRefusal, match="after the referral"):
        assess_eligibility(physician, patient, good_inputs())


# --- the pages ---


def test_the_form_records_and_the_result_page_shows_each_finding_with_its_source(
    client, physician, referred
):
    client.force_login(physician)
    url = reverse("pathway-assess", kwargs={"patient_id": referred.pk})
    page = client.get(url)
    assert b"need local clinical sign-off" in page.content
    assert b"Warfarin" in page.content
    response = client.post(
        url,
        {
            "life_expectancy_months": "2",
            "active_infection": "no",
            "anticoagulants_recorded": "some",
            "anticoagulants": ["warfarin"],
            "planned_implant_start": "2027-03-03T09:00",
            "platelets": "150",
            "imaging_reviewed": "on",
            "planned_drugs": ["ziconotide"],
            "psychosis_history": "yes",
        },
    )
    assert response.status_code == 302
    saved = EligibilityAssessment.objects.get()
    assert saved.suggested_system == "external_tunnelled"
    assert saved.outcome == "fail"  # ziconotide with a history of psychosis
    assert saved.inputs["neutrophils"] is None
    assert saved.inputs["anticoagulants"] == ["warfarin"]
    result = client.get(reverse("pathway-assessment", kwargs={"assessment_id": saved.pk}))
    text = result.content.decode()
    assert "an external pump with a tunnelled catheter" in text
    assert "Hold: Warfarin" in text
    assert "Needs local clinical sign-off" in text
    assert "[C (confirmed)]" in text
    assert "not recorded" in text


def test_the_form_refuses_ticked_drugs_without_saying_they_are_taken(client, physician, referred):
    client.force_login(physician)
    url = reverse("pathway-assess", kwargs={"patient_id": referred.pk})
    response = client.post(url, {"anticoagulants_recorded": "none", "anticoagulants": ["warfarin"]})
    assert response.status_code == 200
    assert "anticoagulants_recorded" in response.context["form"].errors
    response = client.post(url, {"anticoagulants_recorded": "some"})
    assert "anticoagulants" in response.context["form"].errors
    assert not EligibilityAssessment.objects.exists()
