"""Caregiver check-ins: stored with their total and flag, compared within one caregiver's
series, plotted over time, kept from family accounts, and refused in words when incomplete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.audit.models import AuditEvent
from ithaca.decisionaid import checkins
from ithaca.decisionaid.models import CaregiverCheckIn
from ithaca.devices.errors import ServiceRefusal
from tests.integration.conftest import make_user

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ITEMS = (
    "sleep",
    "own_time",
    "pump_worry",
    "physical_strain",
    "money",
    "support",
    "pain_confidence",
)


def as_user(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def scores(*values: int) -> dict[str, int | None]:
    return dict(zip(ITEMS, values, strict=True))


def check_in(user, patient, *values: int, name: str = "Li Wong", point: str = "monthly"):
    return checkins.record_checkin(
        user,
        patient,
        checkins.CheckInRequest(name, "daughter", point, scores(*values), note="phone call"),
    )


def form(*values: int, name: str = "Li Wong", point: str = "before_decision") -> dict[str, str]:
    data = {"caregiver_name": name, "relationship": "daughter", "schedule_point": point}
    return data | {f"item_{i}": str(v) for i, v in zip(ITEMS, values, strict=True)}


@pytest.fixture
def patient_account(patient):
    user = make_user("pt_wong", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


def test_a_check_in_is_stored_with_its_total_and_audited(nurse, patient):
    saved = check_in(nurse, patient, 1, 2, 3, 0, 1, 2, 1)
    assert (saved.total, saved.out_of, saved.flagged, saved.previous_total) == (10, 28, False, None)
    assert [a["score"] for a in saved.answers] == [1, 2, 3, 0, 1, 2, 1]
    assert saved.answers[2]["label"] == "Quite a lot"
    event = AuditEvent.objects.get(object_type="caregiver_checkin")
    assert event.detail["total"] == 10


def test_a_rise_of_4_in_the_same_caregivers_series_is_flagged(nurse, patient):
    check_in(nurse, patient, 1, 1, 1, 1, 1, 0, 0)  # 5
    later = check_in(nurse, patient, 2, 1, 2, 1, 1, 1, 1, name="  li   WONG ")  # 9, same person
    assert (later.previous_total, later.flagged) == (5, True)
    assert later.flag_reasons == ["up 4 points since the previous check-in (5)"]


def test_another_caregivers_check_in_is_not_compared_with_the_first(nurse, patient):
    check_in(nurse, patient, 0, 0, 0, 0, 0, 0, 0)
    other = check_in(nurse, patient, 2, 1, 2, 1, 1, 1, 1, name="Chen Wong")
    assert (other.previous_total, other.flagged) == (None, False)


def test_a_total_at_the_clinic_level_is_flagged(nurse, patient):
    assert check_in(nurse, patient, 2, 2, 2, 2, 2, 2, 2).flagged


def test_a_missing_answer_is_refused_naming_the_question(nurse, patient):
    request = checkins.CheckInRequest(
        "Li Wong", "daughter", "monthly", scores(1, 1, 1, 1, 1, 1, 1) | {"money": None}
    )
    with pytest.raises(ServiceRefusal, match="Money worries"):
        checkins.record_checkin(nurse, patient, request)
    assert CaregiverCheckIn.objects.count() == 0


def test_an_unknown_schedule_point_and_a_missing_relationship_are_refused(nurse, patient):
    with pytest.raises(ServiceRefusal, match="not a check-in point"):
        check_in(nurse, patient, 0, 0, 0, 0, 0, 0, 0, point="weekly")
    with pytest.raises(ServiceRefusal, match="related to the patient"):
        checkins.record_checkin(
            nurse,
            patient,
            checkins.CheckInRequest("Li", " ", "monthly", scores(0, 0, 0, 0, 0, 0, 0)),
        )


def test_the_page_records_a_check_in_and_plots_the_trend(client, coordinator, patient):
    as_user(client, coordinator)
    url = reverse("decisionaid:checkin", args=[patient.pk])
    assert client.post(url, form(1, 1, 1, 1, 1, 0, 0)).status_code == 302
    assert client.post(url, form(2, 2, 2, 2, 2, 2, 2, point="monthly")).status_code == 302
    page = client.get(url).content.decode()
    assert "<svg" in page
    assert "Caregiver check-in total: Li Wong" in page
    assert "flag level 14 (clinic policy, not a published cut-off)" in page
    assert "Flagged: talk with the caregiver" in page


def test_an_incomplete_form_is_shown_again_in_words(client, nurse, patient):
    data = form(1, 1, 1, 1, 1, 1, 1)
    del data["item_sleep"]
    page = as_user(client, nurse).post(reverse("decisionaid:checkin", args=[patient.pk]), data)
    assert page.status_code == 200
    assert "cannot be scored" in page.content.decode()


def test_the_pathway_page_shows_the_burden_trend(client, nurse, patient):
    check_in(nurse, patient, 1, 1, 1, 1, 1, 0, 0)
    text = (
        as_user(client, nurse).get(reverse("pathway-patient", args=[patient.pk])).content.decode()
    )
    assert "Caregiver check-in total: Li Wong" in text


@pytest.mark.parametrize("persona", ["physician", "nurse", "coordinator"])
def test_the_team_records_check_ins(client, request, persona, patient):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).post(
        reverse("decisionaid:checkin", args=[patient.pk]), form(0, 0, 0, 0, 0, 0, 0)
    )
    assert response.status_code == 302
    assert CaregiverCheckIn.objects.get().by == user


@pytest.mark.parametrize("persona", ["caregiver", "patient_account", "pharmacist", "stranger"])
def test_family_accounts_the_pharmacist_and_a_stranger_never_write(
    client, request, persona, patient
):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).post(
        reverse("decisionaid:checkin", args=[patient.pk]), form(0, 0, 0, 0, 0, 0, 0)
    )
    assert response.status_code == 403
    assert CaregiverCheckIn.objects.count() == 0


@pytest.mark.parametrize("persona", ["caregiver", "patient_account"])
def test_a_caregivers_answers_are_not_shown_to_family_accounts(
    client, request, persona, nurse, patient
):
    check_in(nurse, patient, 3, 3, 3, 3, 3, 3, 3)
    user = request.getfixturevalue(persona)
    assert (
        as_user(client, user).get(reverse("decisionaid:checkin", args=[patient.pk])).status_code
        == 403
    )
