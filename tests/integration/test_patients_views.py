"""The patient pages for every role, and their forms refusing impossible values in place."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.factors import Route
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import DoseRate, Volume
from ithaca.devices import refills
from ithaca.patients import services
from ithaca.patients.models import Contact, OpioidRegimenItem, PainScore, Patient

CLINICAL = ["physician", "nurse", "pharmacist", "coordinator"]
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def login(client, request, persona: str):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def page(patient: Patient) -> str:
    return reverse("patients:detail", args=[patient.pk])


def fill(nurse, device, on: date, volume: str = "40 mL"):
    return refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=on,
            expected_sequence=refills.next_sequence(device),
            fill_volume=parse_quantity(volume, Volume, bound=Bound.NON_NEGATIVE),
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
        ),
    )


def pain_post(score: str = "6", at=None) -> dict[str, str]:
    at = at or timezone.localtime() - timedelta(minutes=2)
    return {"score": score, "recorded_at": at.strftime(LOCAL_MINUTE), "note": "at rest"}


# Who may see what


@pytest.mark.parametrize("persona", CLINICAL)
def test_clinical_staff_see_the_list_and_the_patient_page(client, request, patient, persona):
    login(client, request, persona)
    listing = client.get(reverse("patients:list"))
    assert listing.status_code == 200
    assert "WONG" in listing.content.decode()
    assert client.get(page(patient)).status_code == 200


def test_viewing_a_patient_is_audited(client, nurse, patient):
    client.force_login(nurse)
    client.get(page(patient))
    assert AuditEvent.objects.filter(action="view", patient_id=patient.pk, actor=nurse).exists()


def test_a_caregiver_is_sent_to_the_portal_not_the_teams_record(client, caregiver, patient):
    client.force_login(caregiver)
    response = client.get(page(patient))
    assert response.status_code == 403
    assert 'href="/home/"' in response.content.decode()  # /home/ sends them to the portal


def test_a_caregiver_may_not_list_patients(client, caregiver):
    client.force_login(caregiver)
    assert client.get(reverse("patients:list")).status_code == 403


@pytest.mark.parametrize(
    "endpoint", ["patients:add-pain-score", "patients:add-contact", "patients:add-regimen-item"]
)
def test_a_caregiver_cannot_post_to_their_patients_record(client, caregiver, patient, endpoint):
    client.force_login(caregiver)
    response = client.post(reverse(endpoint, args=[patient.pk]), pain_post())
    assert response.status_code == 403
    assert not PainScore.objects.exists()


@pytest.mark.parametrize("persona", ["other_caregiver", "stranger", "administrator"])
def test_others_are_refused_the_patient_page(client, request, patient, persona):
    login(client, request, persona)
    assert client.get(page(patient)).status_code == 403
    assert not AuditEvent.objects.filter(action="view").exists()


@pytest.mark.parametrize("persona", ["stranger", "administrator"])
def test_others_are_refused_the_list_and_registration(client, request, persona):
    login(client, request, persona)
    assert client.get(reverse("patients:list")).status_code == 403
    assert client.get(reverse("patients:register")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, patient):
    for url in (
        reverse("patients:list"),
        page(patient),
        reverse("patients:add-pain-score", args=[patient.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_a_pharmacist_sees_the_page_but_not_the_pain_score_form(client, pharmacist, patient):
    client.force_login(pharmacist)
    body = client.get(page(patient)).content.decode()
    assert 'id="pain-form"' not in body
    assert 'id="regimen-form"' in body
    assert (
        client.post(reverse("patients:add-pain-score", args=[patient.pk]), pain_post()).status_code
        == 403
    )


# The list


def test_the_list_finds_a_patient_by_name_or_hospital_number(client, nurse, patient, other_patient):
    client.force_login(nurse)
    by_name = client.get(reverse("patients:list"), {"q": "wong mei"}).content.decode()
    by_number = client.get(reverse("patients:list"), {"q": "H100002"}).content.decode()
    assert "WONG" in by_name
    assert "BAKER" not in by_name
    assert "BAKER" in by_number
    assert "WONG" not in by_number


def test_a_live_search_returns_only_the_results(client, nurse, patient):
    client.force_login(nurse)
    response = client.get(reverse("patients:list"), {"q": "Wong"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body


def test_going_back_to_a_live_search_gets_the_whole_page(client, nurse, patient):
    client.force_login(nurse)
    response = client.get(
        reverse("patients:list"),
        {"q": "Wong"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_the_list_shows_the_stage_and_next_refill_due(
    client, nurse, patient, device, active_program
):
    refill = fill(nurse, device, timezone.localdate() - timedelta(days=10))
    client.force_login(nurse)
    body = client.get(reverse("patients:list")).content.decode()
    assert "Maintenance" in body
    assert f"{refill.next_due_on:%-d %b %Y}" in body


# Registering and editing


def registration(**changes) -> dict[str, str]:
    data = {
        "hospital_number": "H300001",
        "family_name": "Nakamura",
        "given_name": "Yuki",
        "date_of_birth": "1970-02-03",
        "sex": "female",
        "diagnosis": "Cervical cancer",
        "cancer_stage": "IVB",
        "ecog": "2",
        "prognosis": "3-6m",
        "phone": "",
        "address": "",
        "pathway_stage": "identified",
    }
    return {**data, **changes}


def test_a_coordinator_registers_a_patient_and_lands_on_their_page(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("patients:register"), registration())
    patient = Patient.objects.get(hospital_number="H300001")
    assert response.status_code == 302
    assert response.url == page(patient)
    assert (patient.ecog, patient.pathway_stage) == (2, "identified")


def test_the_registration_form_offers_only_a_start_or_a_transfer_with_a_pump(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("patients:register"), registration(pathway_stage="decision"))
    assert response.status_code == 200
    assert not Patient.objects.filter(hospital_number="H300001").exists()
    assert "Select a valid choice" in response.content.decode()


def test_registration_refuses_a_future_birth_date_next_to_the_field(client, coordinator):
    client.force_login(coordinator)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(reverse("patients:register"), registration(date_of_birth=tomorrow))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_date_of_birth_error"' in body
    assert "cannot be in the future" in body
    assert not Patient.objects.exists()


def test_registration_refuses_a_hospital_number_already_in_use(client, coordinator, patient):
    client.force_login(coordinator)
    response = client.post(
        reverse("patients:register"), registration(hospital_number=patient.hospital_number)
    )
    assert "hospital_number" in response.context["form"].errors
    assert Patient.objects.count() == 1


def test_the_edit_form_shows_the_stored_dates_in_the_form_a_date_input_reads(
    client, nurse, patient
):
    client.force_login(nurse)
    body = client.get(reverse("patients:edit", args=[patient.pk])).content.decode()
    assert 'value="1958-03-14"' in body


def test_an_edit_needs_a_reason_and_then_saves(client, nurse, patient):
    client.force_login(nurse)
    url = reverse("patients:edit", args=[patient.pk])
    data = registration(
        hospital_number=patient.hospital_number,
        family_name="Wong",
        given_name="Mei",
        date_of_birth="1958-03-14",
        phone="01632 960002",
    )
    refused = client.post(url, data)
    assert "reason" in refused.context["form"].errors
    saved = client.post(url, {**data, "reason": "new phone number"})
    assert saved.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "01632 960002"
    assert patient.pathway_stage == "maintenance"  # the stage is not edited here


# Forms on the patient page


@pytest.mark.parametrize("score", ["11", "-1", "seven", ""])
def test_a_pain_score_outside_0_to_10_is_refused_next_to_the_field(client, nurse, patient, score):
    client.force_login(nurse)
    response = client.post(reverse("patients:add-pain-score", args=[patient.pk]), pain_post(score))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_score_error"' in body
    assert not PainScore.objects.exists()


def test_a_pain_score_in_the_future_is_refused_next_to_the_field(client, nurse, patient):
    client.force_login(nurse)
    later = timezone.localtime() + timedelta(hours=2)
    response = client.post(
        reverse("patients:add-pain-score", args=[patient.pk]), pain_post("5", later)
    )
    assert 'id="id_recorded_at_error"' in response.content.decode()
    assert not PainScore.objects.exists()


def test_a_pain_score_posted_with_htmx_comes_back_as_the_form_alone_or_a_redirect(
    client, nurse, patient
):
    client.force_login(nurse)
    url = reverse("patients:add-pain-score", args=[patient.pk])
    refused = client.post(url, pain_post("12"), HTTP_HX_REQUEST="true")
    assert refused.content.decode().lstrip().startswith('<form id="pain-form"')
    saved = client.post(url, pain_post("6"), HTTP_HX_REQUEST="true")
    assert saved["HX-Redirect"] == page(patient) + "#pain"
    assert PainScore.objects.get().score == 6


def test_a_pain_score_without_htmx_redirects_to_the_page(client, nurse, patient):
    client.force_login(nurse)
    response = client.post(reverse("patients:add-pain-score", args=[patient.pk]), pain_post("3"))
    assert response.status_code == 302
    assert "Pain score 3/10" in client.get(response.url).content.decode()


def test_a_contact_without_a_phone_is_refused_next_to_the_field(client, nurse, patient):
    client.force_login(nurse)
    response = client.post(
        reverse("patients:add-contact", args=[patient.pk]),
        {"name": "Li Wong", "relationship": "son"},
    )
    assert 'id="id_phone_error"' in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"opioid": "morphine", "route": "oral", "dose": "0 mg/day"}, "dose", "above zero"),
        ({"opioid": "morphine", "route": "oral", "dose": "-10 mg/day"}, "dose", ""),
        ({"opioid": "morphine", "route": "oral", "dose": "30 mg/mL"}, "dose", ""),
        (
            {"opioid": "buprenorphine", "route": "transdermal", "dose": "10 mcg/h"},
            "opioid",
            "will not convert buprenorphine",
        ),
        (
            {"opioid": "oxycodone", "route": "transdermal", "dose": "10 mg/day"},
            "route",
            "no factor for oxycodone",
        ),
    ],
)
def test_an_impossible_regimen_item_is_refused_next_to_the_field(
    client, physician, patient, data, field, message
):
    client.force_login(physician)
    response = client.post(
        reverse("patients:add-regimen-item", args=[patient.pk]),
        {**data, "started_on": "2026-01-01"},
    )
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert not OpioidRegimenItem.objects.exists()


def test_an_opioid_started_in_the_future_is_refused(client, physician, patient):
    client.force_login(physician)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = {"opioid": "morphine", "route": "oral", "dose": "30 mg/day", "started_on": tomorrow}
    response = client.post(reverse("patients:add-regimen-item", args=[patient.pk]), data)
    assert 'id="id_started_on_error"' in response.content.decode()


def test_a_physician_adds_an_opioid_and_sees_the_ome_with_its_steps_and_caveat(
    client, physician, patient
):
    client.force_login(physician)
    data = {"opioid": "oxycodone", "route": "oral", "dose": "40 mg/day", "started_on": "2026-01-01"}
    client.post(reverse("patients:add-regimen-item", args=[patient.pk]), data)
    body = client.get(page(patient)).content.decode()
    assert "60 mg/day OME" in body
    assert "oxycodone oral 40 mg/day × 1.5 = 60 mg/day OME" in body
    assert "must not be used to convert a patient from one opioid to another" in body


def test_stopping_an_opioid_asks_why_and_records_it(client, physician, patient):
    item = services.add_regimen_item(
        physician,
        patient,
        opioid="morphine",
        route=Route.ORAL,
        dose=parse_quantity("30 mg/day", DoseRate),
        started_on=date(2026, 1, 1),
    )
    client.force_login(physician)
    url = reverse("patients:stop-regimen-item", args=[patient.pk, item.pk])
    form_page = client.get(url).content.decode()
    assert (
        f'value="{timezone.localdate().isoformat()}"' in form_page
    )  # today, as a date input reads it
    refused = client.post(url, {"stopped_on": "2026-02-01", "reason": ""})
    assert "reason" in refused.context["form"].errors
    client.post(url, {"stopped_on": "2026-02-01", "reason": "intrathecal morphine started"})
    item.refresh_from_db()
    assert item.stopped_on == date(2026, 2, 1)


# What the page shows


def test_the_page_shows_the_pump_the_next_refill_with_its_limiting_factor_and_the_plots(
    client, nurse, patient, device, active_program
):
    refill = fill(nurse, device, timezone.localdate() - timedelta(days=10))
    services.record_pain_score(nurse, patient, 6, timezone.now() - timedelta(days=1))
    client.force_login(nurse)
    body = client.get(page(patient)).content.decode()
    assert f'href="/devices/{device.pk}/"' in body
    assert f"Next refill due {refill.next_due_on:%A %-d %b %Y}" in body
    assert "Set by the <strong>drug stability</strong>" in body
    assert body.count("<svg") == 4  # pain, OME, intrathecal dose, reservoir
    assert "Reservoir volume (mL)" in body
    assert "Intrathecal morphine (mg/day)" in body
    assert "Pain score 6/10" in body  # the timeline
    assert f"Program v{active_program.number} double-checked and started" in body


def test_an_overdue_refill_is_announced_and_the_reservoir_is_drawn_to_today(
    client, nurse, patient, device, active_program
):
    fill(nurse, device, timezone.localdate() - timedelta(days=100))
    client.force_login(nurse)
    body = client.get(page(patient)).content.decode()
    assert "Refill OVERDUE by" in body
    assert ">today</text>" in body
