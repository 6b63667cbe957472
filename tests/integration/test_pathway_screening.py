"""The referral screen read from the record, worked by hand against the default rules
(pain 5/10 or more despite 200 mg/day OME or more, or dose-limiting side effects), and the
worklist of identified patients it prompts the teams to refer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.factors import Route
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.clinical.screening import ScreenOutcome
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.models import SideEffectAssessment, StageMove
from ithaca.pathway.screening import (
    record_side_effects,
    referral_worklist,
    screen_patient,
    screening_inputs,
)
from ithaca.patients import services
from ithaca.patients.models import OpioidRegimenItem, Patient

STARTED = date(2026, 1, 1)


def identified(user, number: str, stage: str = "identified") -> Patient:
    patient = Patient.objects.create(
        hospital_number=number,
        given_name="Sam",
        family_name=f"Patient{number}",
        date_of_birth=date(1955, 1, 1),
        diagnosis="Pancreatic cancer",
        pathway_stage=stage,
    )
    StageMove.objects.create(
        patient=patient, to_stage=stage, at=timezone.now(), by=user, reason="Registered."
    )
    return patient


def pain(nurse, patient: Patient, score: int, days_ago: int = 1) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    services.record_pain_score(nurse, patient, score, when)


def oral_morphine(physician, patient: Patient, mg_per_day: int) -> None:
    services.add_regimen_item(
        physician,
        patient,
        opioid="morphine",
        route=Route.ORAL,
        dose=DoseRate(Decimal(mg_per_day), Unit.MG_PER_DAY),
        started_on=STARTED,
    )


def outcome(patient: Patient) -> ScreenOutcome:
    return screen_patient(patient, timezone.localdate()).result.outcome


@pytest.fixture
def screened(nurse, physician):
    """Build a patient at Identified from a pain score, an oral morphine dose and a side-effect answer."""

    def build(number: str, score: int | None, mg: int | None, limiting: bool | None) -> Patient:
        patient = identified(nurse, number)
        if score is not None:
            pain(nurse, patient, score)
        if mg is not None:
            oral_morphine(physician, patient, mg)
        if limiting is not None:
            record_side_effects(nurse, patient, limiting, "sedation" if limiting else "")
        return patient

    return build


def test_pain_6_on_240_mg_ome_meets_the_screen(screened):
    patient = screened("H1", 6, 240, None)
    assert outcome(patient) is ScreenOutcome.MET
    inputs = screening_inputs(patient, timezone.localdate())
    assert inputs.pain_score == 6
    assert inputs.ome == DoseRate(Decimal(240), Unit.MG_PER_DAY)
    assert inputs.dose_limiting_side_effects is None


def test_pain_6_on_120_mg_without_limiting_side_effects_does_not_meet_it(screened):
    assert outcome(screened("H1", 6, 120, False)) is ScreenOutcome.NOT_MET


def test_pain_6_on_120_mg_with_dose_limiting_side_effects_meets_it(screened):
    assert outcome(screened("H1", 6, 120, True)) is ScreenOutcome.MET


def test_no_pain_score_leaves_the_screen_incomplete_and_says_so(screened):
    patient = screened("H1", None, 240, False)
    result = screen_patient(patient, timezone.localdate())
    assert result.result.outcome is ScreenOutcome.INCOMPLETE
    assert result.missing == ["No pain score recorded: record one."]


def test_no_regimen_is_an_unknown_ome_not_zero(screened):
    patient = screened("H1", 6, None, False)
    assert screening_inputs(patient, timezone.localdate()).ome is None
    assert outcome(patient) is ScreenOutcome.INCOMPLETE


def test_an_ome_the_library_cannot_compute_is_unknown_with_its_reason(screened, physician):
    patient = screened("H1", 7, None, False)
    # Buprenorphine has no conversion factor; the service refuses it, an old record may hold it.
    OpioidRegimenItem.objects.create(
        patient=patient,
        opioid="buprenorphine",
        route="transdermal",
        dose_mcg_per_day=Decimal(840),
        entered_unit="mcg/day",
        started_on=STARTED,
        recorded_by=physician,
    )
    result = screen_patient(patient, timezone.localdate())
    assert result.result.outcome is ScreenOutcome.INCOMPLETE
    assert "cannot be computed" in result.ome_problem
    assert "buprenorphine" in result.ome_problem


def test_the_latest_pain_score_is_the_one_used(screened, nurse):
    patient = screened("H1", 3, 240, False)
    pain(nurse, patient, 8, days_ago=0)
    assert screening_inputs(patient, timezone.localdate()).pain_score == 8
    assert outcome(patient) is ScreenOutcome.MET


def test_the_latest_side_effect_answer_replaces_the_earlier_one(screened, nurse):
    patient = screened("H1", 6, 120, True)
    record_side_effects(nurse, patient, False, "")
    assert outcome(patient) is ScreenOutcome.NOT_MET


def test_the_worklist_lists_only_identified_patients_who_meet_the_screen(screened, nurse):
    meets = screened("H1", 6, 240, None)
    screened("H2", 6, 120, False)  # does not meet
    missing = screened("H3", None, 240, None)  # cannot tell: no pain score
    referred = screened("H4", 9, 400, True)
    Patient.objects.filter(pk=referred.pk).update(pathway_stage="referred")
    worklist = referral_worklist(timezone.localdate())
    assert [row.patient.pk for row in worklist.met] == [meets.pk]
    assert [row.patient.pk for row in worklist.incomplete] == [missing.pk]
    assert worklist.incomplete[0].missing[0] == "No pain score recorded: record one."


def test_the_worklist_reads_many_patients_in_a_few_queries(screened, django_assert_max_num_queries):
    for n in range(12):
        screened(f"H{n}", 6, 240, n % 2 == 0)
    # One library read, the candidates with their latest answers, and the regimens.
    with django_assert_max_num_queries(4):
        worklist = referral_worklist(timezone.localdate())
    assert len(worklist.met) == 12


def test_the_worklist_page_shows_each_patient_s_reasons_and_a_link_to_refer(
    client, screened, nurse
):
    patient = screened("H1", 6, 240, None)
    client.force_login(nurse)
    body = client.get(reverse("pathway-worklist")).content.decode()
    assert "Latest pain score 6/10" in body
    assert "Oral morphine equivalent 240 mg/day, at or above 200 mg/day." in body
    assert reverse("pathway-refer", args=[patient.pk]) in body


def test_recording_side_effects_is_stored_and_audited(client, nurse):
    patient = identified(nurse, "H1")
    client.force_login(nurse)
    response = client.post(
        reverse("pathway-side-effects", args=[patient.pk]),
        {"dose_limiting": "yes", "note": "Sedation at every increase"},
    )
    assert response.status_code == 302
    (assessment,) = SideEffectAssessment.objects.filter(patient=patient)
    assert assessment.dose_limiting is True
    assert AuditEvent.objects.filter(
        object_type="side_effect_assessment", object_id=str(assessment.pk), actor=nurse
    ).exists()


def test_dose_limiting_side_effects_need_to_be_named(client, nurse):
    patient = identified(nurse, "H1")
    with pytest.raises(ServiceRefusal, match="Say which side effects"):
        record_side_effects(nurse, patient, True, "  ")
    client.force_login(nurse)
    response = client.post(
        reverse("pathway-side-effects", args=[patient.pk]), {"dose_limiting": "yes", "note": ""}
    )
    assert response.status_code == 200
    assert "Say which side effects stop the dose being raised" in response.content.decode()
    assert not SideEffectAssessment.objects.exists()
