"""Who may see and do what on the pathway pages: every role against every page and action.

The table, read from accounts.permissions: clinical staff see the pathway; physicians,
nurses and coordinators move patients, record delays and refer; physicians, nurses and
pharmacists record side effects. A caregiver, even of this patient, an administrator and a
stranger see none of it; someone signed out is sent to sign in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.pathway.models import DelayNote, Referral, SideEffectAssessment, StageMove

EVERYONE = [
    "physician",
    "nurse",
    "pharmacist",
    "coordinator",
    "caregiver",
    "other_caregiver",
    "administrator",
    "stranger",
]
MAY_VIEW = {"physician", "nurse", "pharmacist", "coordinator"}
MAY_MOVE = {"physician", "nurse", "coordinator"}  # also: record a delay, refer
MAY_RECORD_SIDE_EFFECTS = {"physician", "nurse", "pharmacist"}


@pytest.fixture
def identified(patient, physician):
    """The conftest patient (whose caregiver is linked) back at Identified, with its first move."""
    patient.pathway_stage = "identified"
    patient.save(update_fields=["pathway_stage"])
    StageMove.objects.create(
        patient=patient, to_stage="identified", at=timezone.now(), by=physician, reason="Start."
    )
    return patient


def sign_in(client, request, persona: str):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


REFERRAL = {
    "expected_from": "identified",
    "referrer_name": "Dr Moreau",
    "referrer_team": "Oncology",
    "referrer_contact": "bleep 4521",
    "urgency": "routine",
    "pain_description": "Pelvic pain.",
    "treatments_tried": "Morphine, pregabalin.",
    "patient_aware": "on",
}


def posts(patient_id: int) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "move": (
            reverse("pathway-move", args=[patient_id]),
            {"target": "declined", "reason": "Prefers not to.", "expected_from": "identified"},
        ),
        "delay": (
            reverse("pathway-delay-note", args=[patient_id]),
            {"reason": "patient_undecided", "note": "", "expected_from": "identified"},
        ),
        "side_effects": (
            reverse("pathway-side-effects", args=[patient_id]),
            {"dose_limiting": "no", "note": ""},
        ),
        "refer": (reverse("pathway-refer", args=[patient_id]), REFERRAL),
    }


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_patient_s_pathway_page(client, request, identified, persona):
    sign_in(client, request, persona)
    response = client.get(reverse("pathway-patient", args=[identified.pk]))
    assert response.status_code == (200 if persona in MAY_VIEW else 403)


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize("name", ["pathway-worklist", "pathway-delays"])
def test_the_worklists(client, request, persona, name):
    sign_in(client, request, persona)
    assert client.get(reverse(name)).status_code == (200 if persona in MAY_VIEW else 403)


@pytest.mark.parametrize("persona", EVERYONE)
def test_moving_a_patient(client, request, identified, persona):
    sign_in(client, request, persona)
    url, data = posts(identified.pk)["move"]
    response = client.post(url, data)
    if persona in MAY_MOVE:
        assert response.status_code == 302
        assert StageMove.objects.filter(patient=identified, to_stage="declined").exists()
    else:
        assert response.status_code == 403
        assert not StageMove.objects.filter(patient=identified, to_stage="declined").exists()


@pytest.mark.parametrize("persona", EVERYONE)
def test_recording_a_delay(client, request, identified, persona):
    sign_in(client, request, persona)
    url, data = posts(identified.pk)["delay"]
    response = client.post(url, data)
    assert response.status_code == (302 if persona in MAY_MOVE else 403)
    assert DelayNote.objects.exists() is (persona in MAY_MOVE)


@pytest.mark.parametrize("persona", EVERYONE)
def test_recording_side_effects(client, request, identified, persona):
    sign_in(client, request, persona)
    url, data = posts(identified.pk)["side_effects"]
    response = client.post(url, data)
    allowed = persona in MAY_RECORD_SIDE_EFFECTS
    assert response.status_code == (302 if allowed else 403)
    assert SideEffectAssessment.objects.exists() is allowed


@pytest.mark.parametrize("persona", EVERYONE)
def test_referring(client, request, identified, persona):
    sign_in(client, request, persona)
    url, data = posts(identified.pk)["refer"]
    assert client.get(url).status_code == (200 if persona in MAY_MOVE else 403)
    response = client.post(url, data)
    assert response.status_code == (302 if persona in MAY_MOVE else 403)
    assert Referral.objects.exists() is (persona in MAY_MOVE)


def test_a_refused_attempt_changes_nothing_and_audits_no_view(client, caregiver, identified):
    client.force_login(caregiver)
    before = AuditEvent.objects.count()
    assert client.get(reverse("pathway-patient", args=[identified.pk])).status_code == 403
    assert AuditEvent.objects.count() == before


def test_a_pharmacist_sees_the_page_without_the_forms_they_may_not_use(
    client, pharmacist, identified
):
    client.force_login(pharmacist)
    body = client.get(reverse("pathway-patient", args=[identified.pk])).content.decode()
    assert 'id="move-form"' not in body
    assert 'id="delay-form"' not in body
    assert 'id="side-effects-form"' in body
    assert reverse("pathway-refer", args=[identified.pk]) not in body


def test_a_caregiver_sees_the_stage_on_the_patient_page_without_a_link(client, caregiver, patient):
    client.force_login(caregiver)
    body = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert reverse("pathway-patient", args=[patient.pk]) not in body
    assert "Referral worklist" not in body


def test_clinical_staff_reach_the_pathway_from_the_patient_page_and_the_menu(
    client, nurse, patient
):
    client.force_login(nurse)
    body = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert reverse("pathway-patient", args=[patient.pk]) in body
    assert reverse("pathway-worklist") in body
    assert reverse("pathway-delays") in body


def test_viewing_the_pathway_page_is_audited(client, nurse, identified):
    client.force_login(nurse)
    client.get(reverse("pathway-patient", args=[identified.pk]))
    assert AuditEvent.objects.filter(action="view", patient_id=identified.pk, actor=nurse).exists()


@pytest.mark.parametrize("name", ["move", "delay", "side_effects", "refer"])
def test_signed_out_posts_are_sent_to_sign_in(client, identified, name):
    url, data = posts(identified.pk)[name]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/patients/{pk}/pathway/",
        "/patients/{pk}/pathway/refer/",
        "/pathway/worklist/",
        "/pathway/delays/",
    ],
)
def test_signed_out_pages_are_sent_to_sign_in(client, identified, url):
    response = client.get(url.format(pk=identified.pk))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["pathway-move", "pathway-delay-note", "pathway-side-effects"])
def test_the_post_only_endpoints_refuse_a_get(client, nurse, identified, name):
    client.force_login(nurse)
    assert client.get(reverse(name, args=[identified.pk])).status_code == 405


def test_an_unknown_patient_is_not_found(client, nurse):
    client.force_login(nurse)
    assert client.get(reverse("pathway-patient", args=[999999])).status_code == 404
