"""Who may open and post each pathway record page, and call each record service.

Only a physician assesses, decides, records a trial or an implant; nurses and physicians
record follow-ups and complications; a pharmacist or coordinator sees the follow-up
worklist but records nothing; a caregiver sees none of the pathway's clinical records
(prognosis, psychosis history, delay notes are the team's working notes), a stranger and
an administrator nothing; nobody signed out gets past the sign-in page.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from ithaca.clinical.eligibility import EligibilityInputs
from ithaca.clinical.implant import ChecklistAnswer
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import Mass
from ithaca.clinical.trial import TrialKind
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway import decisions, eligibility, implants, trials
from ithaca.pathway.models import (
    Complication,
    DecisionRecord,
    EligibilityAssessment,
    FollowUp,
    ImplantRecord,
    TrialRecord,
)

PERSONAS = (
    "physician",
    "nurse",
    "pharmacist",
    "coordinator",
    "administrator",
    "caregiver",
    "other_caregiver",
    "stranger",
)

PATIENT_PAGES = {
    "pathway-assess": {"physician"},
    "pathway-decision": {"physician"},
    "pathway-trial": {"physician"},
    "pathway-waive-trial": {"physician"},
    "pathway-implant": {"physician"},
    "pathway-complication": {"physician", "nurse"},
}


@pytest.fixture
def records(patient, physician):
    """An implant with its follow-ups, a trial and an assessment for the fixture patient."""
    implant = ImplantRecord.objects.create(
        patient=patient,
        system="implanted_pump",
        implanted_on=date(2026, 1, 5),
        checklist={},
        rules_version="test",
        at=timezone.now(),
        by=physician,
    )
    follow_up = FollowUp.objects.create(
        patient=patient,
        implant=implant,
        kind="wound_check",
        day=7,
        due_on=date(2026, 1, 12),
        basis="test",
    )
    trial = TrialRecord.objects.create(
        patient=patient,
        waived=True,
        waived_reason="Short prognosis.",
        at=timezone.now(),
        by=physician,
    )
    assessment = EligibilityAssessment.objects.create(
        patient=patient,
        inputs={},
        result={"findings": []},
        outcome="caution",
        rules_version="test",
        library_hash="0" * 64,
        at=timezone.now(),
        by=physician,
    )
    return {"follow_up": follow_up, "trial": trial, "assessment": assessment}


def persona(request, name):
    return request.getfixturevalue(name)


@pytest.mark.parametrize("name", sorted(PATIENT_PAGES))
@pytest.mark.parametrize("who", PERSONAS)
def test_each_record_page_opens_only_for_the_roles_that_make_the_record(
    request, client, patient, name, who
):
    client.force_login(persona(request, who))
    url = reverse(name, kwargs={"patient_id": patient.pk})
    expected = 200 if who in PATIENT_PAGES[name] else 403
    assert client.get(url).status_code == expected
    if expected == 403:
        assert client.post(url, {"reasons": "x", "reason": "x"}).status_code == 403


@pytest.mark.parametrize("name", sorted(PATIENT_PAGES))
def test_a_signed_out_visitor_is_sent_to_sign_in(client, patient, name):
    url = reverse(name, kwargs={"patient_id": patient.pk})
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.parametrize("who", PERSONAS)
def test_the_follow_up_worklist_is_for_clinical_staff(request, client, records, who):
    client.force_login(persona(request, who))
    allowed = {"physician", "nurse", "pharmacist", "coordinator"}
    response = client.get(reverse("pathway-follow-ups"))
    assert response.status_code == (200 if who in allowed else 403)


@pytest.mark.parametrize("who", PERSONAS)
def test_only_nurses_and_physicians_mark_a_follow_up_done(request, client, records, who):
    client.force_login(persona(request, who))
    url = reverse("pathway-follow-up-done", kwargs={"follow_up_id": records["follow_up"].pk})
    response = client.post(url, {"done_on": "2026-01-12"})
    done = FollowUp.objects.get(pk=records["follow_up"].pk).done_on
    if who in {"physician", "nurse"}:
        assert response.status_code == 302
        assert done == date(2026, 1, 12)
    else:
        assert response.status_code == 403
        assert done is None


@pytest.mark.parametrize("name", ["pathway-trial-detail", "pathway-assessment"])
@pytest.mark.parametrize("who", PERSONAS)
def test_the_result_pages_show_to_clinical_staff_only(request, client, records, name, who):
    client.force_login(persona(request, who))
    key = "trial" if name == "pathway-trial-detail" else "assessment"
    kwarg = "trial_id" if key == "trial" else "assessment_id"
    url = reverse(name, kwargs={kwarg: records[key].pk})
    allowed = {"physician", "nurse", "pharmacist", "coordinator"}
    assert client.get(url).status_code == (200 if who in allowed else 403)


def test_the_worklist_and_done_pages_send_a_signed_out_visitor_to_sign_in(client, records):
    done = reverse("pathway-follow-up-done", kwargs={"follow_up_id": records["follow_up"].pk})
    for url in (reverse("pathway-follow-ups"), done):
        assert "login" in client.get(url)["Location"]
    assert "login" in client.post(done, {"done_on": "2026-01-12"})["Location"]


# --- the services refuse whoever the table refuses, whatever page they came from ---


def at_stage(patient, stage):
    patient.pathway_stage = stage.value
    patient.save(update_fields=["pathway_stage"])
    return patient


@pytest.mark.parametrize("who", ["nurse", "pharmacist", "coordinator", "caregiver", "stranger"])
def test_only_a_physician_assesses_decides_records_trials_and_implants(request, patient, who):
    user = persona(request, who)
    team = [decisions.Participant("A", "b"), decisions.Participant("C", "d")]
    calls = [
        (
            Stage.REFERRED,
            lambda: eligibility.assess_eligibility(user, patient, EligibilityInputs()),
        ),
        (
            Stage.ASSESSED,
            lambda: decisions.record_decision(
                user, patient, team, True, False, ["deferred"], "deferred", "Why."
            ),
        ),
        (
            Stage.DECISION,
            lambda: trials.record_trial(
                user,
                patient,
                TrialKind.SINGLE_SHOT,
                "morphine",
                parse_quantity("0.1 mg", Mass),
                timezone.now(),
                24,
                8,
                3,
            ),
        ),
        (Stage.DECISION, lambda: trials.waive_trial(user, patient, "Short prognosis.")),
        (
            Stage.IMPLANT_PLANNED,
            lambda: implants.record_implant(
                user,
                patient,
                "implanted_pump",
                date(2026, 1, 5),
                None,
                {i.id: ChecklistAnswer(True) for i in catalogue_in_force().pathway.checklist},
            ),
        ),
    ]
    for stage, call in calls:
        at_stage(patient, stage)
        with pytest.raises(PermissionDenied):
            call()
    assert not DecisionRecord.objects.exists()
    assert not TrialRecord.objects.exists()
    assert not ImplantRecord.objects.exists()


@pytest.mark.parametrize("who", ["pharmacist", "coordinator", "caregiver", "stranger"])
def test_follow_ups_and_complications_are_refused_to_other_roles(request, records, patient, who):
    user = persona(request, who)
    with pytest.raises(PermissionDenied):
        implants.complete_follow_up(user, records["follow_up"], date(2026, 1, 12))
    with pytest.raises(PermissionDenied):
        implants.record_complication(user, patient, "other", "", date(2026, 1, 12), "x")
    assert not Complication.objects.exists()
