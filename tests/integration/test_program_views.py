"""Prescribing a program through its page, with the core's check shown first, and the
independent double check by a second person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ithaca.devices import programs, registry
from ithaca.devices.models import ProgramStatus, ProgramVersion

from .conftest import morphine_request

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def as_user(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def program_data(**fields):
    data = {
        "drug_0": "morphine",
        "concentration_0": "10 mg/mL",
        "mode": "continuous",
        "daily_dose": "2 mg/day",
    }
    data.update(fields)
    return data


def prescribe(client, device, button="save", **fields):
    return client.post(
        reverse("devices:program-new", args=[device.pk]), {**program_data(**fields), button: "1"}
    )


def errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_a_physician_prescribes_a_program_and_it_awaits_a_second_persons_check(
    client, physician, device
):
    response = prescribe(as_user(client, physician), device)
    version = ProgramVersion.objects.get(device=device)
    assert response.status_code == 302
    assert response.url == reverse("devices:program", args=[version.pk])
    assert version.status == ProgramStatus.AWAITING_CHECK
    assert version.prescribed_by == physician
    page = client.get(response.url).content.decode()
    assert "a second person (a pharmacist or another physician) must check it" in page


@pytest.mark.parametrize(
    "persona", ["nurse", "pharmacist", "coordinator", "caregiver", "stranger", "administrator"]
)
def test_only_a_physician_may_prescribe(client, request, device, persona):
    as_user(client, request.getfixturevalue(persona))
    assert client.get(reverse("devices:program-new", args=[device.pk])).status_code == 403
    assert prescribe(client, device).status_code == 403
    assert not ProgramVersion.objects.exists()


def test_check_shows_the_verdict_and_doses_and_saves_nothing(client, physician, device):
    response = prescribe(as_user(client, physician), device, button="check")
    page = response.content.decode()
    assert response.context["check"].verdict.value == "ok"
    assert "The check passes" in page
    assert "0.2 mL/day" in page  # 2 mg/day ÷ 10 mg/mL
    assert not ProgramVersion.objects.exists()


def test_a_live_check_while_typing_returns_only_the_verdict(client, physician, device):
    response = as_user(client, physician).post(
        reverse("devices:program-new", args=[device.pk]),
        program_data(daily_dose="22 mg/day"),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "Crosses a soft limit" in page
    assert "<html" not in page
    assert not ProgramVersion.objects.exists()


def test_a_blocked_program_shows_its_findings_with_sources_and_stores_nothing(
    client, physician, device
):
    response = prescribe(
        as_user(client, physician),
        device,
        drug_0="ziconotide",
        concentration_0="25 mcg/mL",
        daily_dose="30 mcg/day",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Blocked by a hard limit" in page
    assert "ziconotide daily dose 30 mcg/day is above" in page
    assert "Source: PRIALT" in page
    assert not ProgramVersion.objects.exists()


def test_a_soft_limit_without_a_reason_is_refused_next_to_the_reason_field(
    client, physician, device
):
    response = prescribe(as_user(client, physician), device, daily_dose="22 mg/day")
    assert "write the reason for overriding it" in errors(response, "override_reason")[0]
    assert response.context["check"].verdict.value == "needs_override"
    assert not ProgramVersion.objects.exists()
    prescribe(
        client,
        device,
        daily_dose="22 mg/day",
        override_reason="Escalating pain; palliative goals agreed",
    )
    assert ProgramVersion.objects.get(device=device).verdict == "needs_override"


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("concentration_0", "10000 mcg/mL", "Morphine, preservative-free is prescribed in mg"),
        ("daily_dose", "2000 mcg/day", "Enter it in mg"),
    ],
)
def test_morphine_typed_in_micrograms_is_refused_next_to_the_field(
    client, physician, device, field, value, sentence
):
    response = prescribe(as_user(client, physician), device, **{field: value})
    assert sentence in errors(response, field)[0]
    assert not ProgramVersion.objects.exists()


def test_ziconotide_typed_in_milligrams_is_refused(client, physician, device):
    response = prescribe(
        as_user(client, physician),
        device,
        drug_0="ziconotide",
        concentration_0="0.025 mg/mL",
        daily_dose="1.2 mcg/day",
    )
    assert "is prescribed in mcg" in errors(response, "concentration_0")[0]


def test_a_negative_dose_is_refused_next_to_the_field(client, physician, device):
    response = prescribe(as_user(client, physician), device, daily_dose="-2 mg/day")
    assert "must be above zero" in errors(response, "daily_dose")[0]


def test_an_admixture_and_a_patient_bolus_are_saved_with_every_drug(client, physician, device):
    prescribe(
        as_user(client, physician),
        device,
        drug_1="bupivacaine",
        concentration_1="7.5 mg/mL",
        bolus_dose="0.1 mg",
        bolus_lockout_minutes="240",
        bolus_max_per_day="4",
        override_reason="",
    )
    version = ProgramVersion.objects.get(device=device)
    assert [d.drug_id for d in version.drugs.all()] == ["morphine", "bupivacaine"]
    assert version.bolus_lockout_minutes == 240


def test_a_bolus_needs_all_three_settings(client, physician, device):
    response = prescribe(as_user(client, physician), device, bolus_dose="0.1 mg")
    assert "enter all three, or none" in errors(response, "bolus_lockout_minutes")[0]


def test_a_flexible_schedule_is_saved_with_its_steps(client, physician, device):
    prescribe(
        as_user(client, physician),
        device,
        mode="flexible",
        daily_dose="",
        steps="00:00=2 mg/day\n08:00=3 mg/day",
    )
    version = ProgramVersion.objects.get(device=device)
    assert [s.start_minute for s in version.steps.all()] == [0, 480]


def test_a_flexible_schedule_that_does_not_start_at_midnight_is_refused(client, physician, device):
    response = prescribe(
        as_user(client, physician), device, mode="flexible", steps="08:00=3 mg/day"
    )
    assert "must start at 00:00" in errors(response, "steps")[0]


def test_the_prescriber_cannot_check_their_own_program(client, physician, device):
    version = programs.prescribe(physician, device, morphine_request())
    as_user(client, physician)
    assert (
        "You prescribed this version"
        in client.get(reverse("devices:program", args=[version.pk])).content.decode()
    )
    response = client.post(reverse("devices:program", args=[version.pk]), {"decision": "approve"})
    assert "needs a second person" in response.context["form"].non_field_errors()[0]
    version.refresh_from_db()
    assert version.status == ProgramStatus.AWAITING_CHECK


def test_a_pharmacist_approves_and_the_version_becomes_active(
    client, physician, pharmacist, device
):
    version = programs.prescribe(physician, device, morphine_request())
    as_user(client, pharmacist)
    assert (
        "Approve: make it active"
        in client.get(reverse("devices:program", args=[version.pk])).content.decode()
    )
    response = client.post(reverse("devices:program", args=[version.pk]), {"decision": "approve"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == ProgramStatus.ACTIVE
    assert version.checked_by == pharmacist


def test_approving_an_override_needs_the_confirmation_box(client, physician, pharmacist, device):
    version = programs.prescribe(
        physician, device, morphine_request("22 mg/day"), override_reason="Palliative"
    )
    as_user(client, pharmacist)
    response = client.post(reverse("devices:program", args=[version.pk]), {"decision": "approve"})
    assert (
        "confirm that you have read the reason"
        in response.context["form"].errors["confirm_override"][0]
    )
    client.post(
        reverse("devices:program", args=[version.pk]),
        {"decision": "approve", "confirm_override": "on"},
    )
    version.refresh_from_db()
    assert version.status == ProgramStatus.ACTIVE


def test_a_rejection_needs_a_note_for_the_prescriber(client, physician, second_physician, device):
    version = programs.prescribe(physician, device, morphine_request())
    as_user(client, second_physician)
    response = client.post(reverse("devices:program", args=[version.pk]), {"decision": "reject"})
    assert "Say why" in response.context["form"].errors["note"][0]
    client.post(
        reverse("devices:program", args=[version.pk]),
        {"decision": "reject", "note": "Wrong strength"},
    )
    version.refresh_from_db()
    assert version.status == ProgramStatus.REJECTED


@pytest.mark.parametrize("persona", ["nurse", "coordinator", "caregiver", "stranger"])
def test_only_a_pharmacist_or_physician_may_check_a_program(
    client, request, physician, device, persona
):
    version = programs.prescribe(physician, device, morphine_request())
    response = as_user(client, request.getfixturevalue(persona)).post(
        reverse("devices:program", args=[version.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.status == ProgramStatus.AWAITING_CHECK


def test_the_device_page_lists_versions_with_verdict_prescriber_and_checker(
    client, nurse, device, active_program
):
    page = as_user(client, nurse).get(reverse("devices:detail", args=[device.pk])).content.decode()
    assert reverse("devices:program", args=[active_program.pk]) in page
    assert "morphine 10 mg/mL, 2 mg/day" in page
    assert "Dr Ahmed" in page
    assert "Pharmacist Chen" in page


def test_a_constant_flow_pump_is_prescribed_at_its_labelled_rate(client, physician, patient):
    isomed = registry.register_device(
        physician,
        patient,
        pump_model="isomed-20",
        serial="ISO1",
        implanted_on=date(2026, 2, 1),
        fixed_rate_ml_per_day=Decimal("1"),
    )
    as_user(client, physician)
    page = client.get(reverse("devices:program-new", args=[isomed.pk])).content.decode()
    assert 'value="1 mL/day"' in page
    response = prescribe(client, isomed, mode="fixed_rate", daily_dose="", fixed_rate="0.5 mL/day")
    assert "registered at 1 mL/day" in errors(response, "fixed_rate")[0]
    prescribe(client, isomed, mode="fixed_rate", daily_dose="", fixed_rate="1 mL/day")
    assert ProgramVersion.objects.get(device=isomed).fixed_rate_ml_per_day == 1
