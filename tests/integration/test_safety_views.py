"""The safety pages: the report, the control chart, the incident summary and its PDF,
and who may see them (the clinical team; never a caregiver, a patient or a stranger)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.devices.models import Refill
from ithaca.pathway.implants import record_complication
from tests.integration.conftest import make_user

pytestmark = pytest.mark.django_db
START = date(2026, 1, 10)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refill(device, program, nurse, sequence, on, expected, measured):
    """A refill row as the refill service stores it (40 mL filled each time)."""
    return Refill.objects.create(
        device=device,
        sequence=sequence,
        program=program,
        performed_by=nurse,
        performed_on=on,
        recorded_at=timezone.now(),
        first_fill=sequence == 1,
        expected_residual_ml=expected,
        measured_residual_ml=measured,
        fill_volume_ml=Decimal(40),
        lot_number=f"MOR-{sequence}",
        needle_in_reservoir_confirmed=True,
        next_due_on=on + timedelta(days=60),
        limiting_factor="empty",
        empty_on=on + timedelta(days=60),
        daily_volume_ml=Decimal("0.2"),
        library_version="test",
        library_hash="0" * 64,
    )


@pytest.fixture
def drifting(device, active_program, nurse):
    """A 40 mL pump delivering 2% more each refill (10 mL expected per interval)."""
    _refill(device, active_program, nurse, 1, START, None, None)
    for i, ratio in enumerate(["1.00", "1.02", "1.04", "1.06", "1.08", "1.10", "1.12"], start=2):
        measured = Decimal(40) - Decimal(10) * Decimal(ratio)
        _refill(
            device,
            active_program,
            nurse,
            i,
            START + timedelta(days=30 * (i - 1)),
            Decimal(30),
            measured,
        )
    return device


@pytest.fixture
def infection(physician, patient, device):
    return record_complication(
        physician,
        patient,
        "infection",
        "deep",
        START + timedelta(days=20),
        "Pump pocket swollen and red; fever 38.4.",
        action_taken="Pocket aspirated; antibiotics started.",
        device=device,
    )


def _get(client, user, url):
    client.force_login(user, backend=MODEL_BACKEND)
    return client.get(url)


def test_the_safety_report_shows_rates_with_intervals_and_the_small_numbers_caution(
    client, physician, drifting, infection
):
    response = _get(client, physician, reverse("safety:report"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Small numbers." in page
    assert "Sindt JE et al." in page  # a published rate beside the clinic's
    assert "Wilson score" in page
    assert "Garwood" in page
    assert reverse("safety:incident", args=[infection.pk]) in page


def test_the_report_lists_a_drifting_pump_before_any_refill_alarms(client, nurse, drifting):
    page = _get(client, nurse, reverse("safety:report")).content.decode()
    assert "drift signal" in page
    assert drifting.serial_number in page


def test_the_report_filters_by_period_and_system(client, physician, drifting, infection):
    url = reverse("safety:report")
    page = _get(client, physician, f"{url}?first=2026-01-01&last=2026-01-31&system=external_pump")
    text = page.content.decode()
    assert page.status_code == 200
    assert "External pump with tunnelled catheter, 2026-01-01 to 2026-01-31: 0 patients" in text
    wrong = client.get(f"{url}?first=2026-03-01&last=2026-01-01").content.decode()
    assert "cannot end before it starts" in wrong


def test_the_device_control_chart_is_an_svg_with_limits_and_a_drift_ring(client, nurse, drifting):
    response = _get(client, nurse, reverse("safety:device-chart", args=[drifting.pk]))
    svg = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml"
    assert "limit 1.145" in svg
    assert "centre 0.995" in svg
    assert "drift: more delivered than expected" in svg


def test_the_device_page_carries_the_control_chart(client, nurse, drifting):
    page = _get(client, nurse, reverse("devices:detail", args=[drifting.pk])).content.decode()
    assert 'id="control-chart"' in page
    assert "<svg" in page
    assert "drift: more delivered than expected" in page


def test_the_patient_control_chart_covers_every_pump(client, physician, drifting, patient):
    response = _get(client, physician, reverse("safety:patient-chart", args=[patient.pk]))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


def test_the_incident_summary_holds_the_device_and_therapy_facts(
    client, physician, drifting, infection
):
    page = _get(client, physician, reverse("safety:incident", args=[infection.pk])).content.decode()
    assert "NGP123456" in page
    assert "Medtronic SynchroMed II, 40 mL" in page
    assert "morphine 10 mg/mL" in page
    assert "Pocket aspirated; antibiotics started." in page
    assert "Check against the regulator's form before sending." in page
    assert "Outcome (as recorded)" in page
    assert "not recorded" in page
    summary = page.split('class="card incident-summary"')[1].split("</section>")[0]
    assert "Wong" not in summary
    assert "H100001" not in summary


def test_the_incident_pdf_renders(client, physician, drifting, infection):
    response = _get(client, physician, reverse("safety:incident-pdf", args=[infection.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.fixture
def patient_account(patient):
    user = make_user("pt_wong", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


@pytest.mark.parametrize("persona", ["caregiver", "patient_account", "stranger"])
def test_caregivers_patients_and_strangers_are_refused_every_safety_page(
    client, request, persona, drifting, infection, patient
):
    user = request.getfixturevalue(persona)
    client.force_login(user, backend=MODEL_BACKEND)
    for url in (
        reverse("safety:report"),
        reverse("safety:device-chart", args=[drifting.pk]),
        reverse("safety:patient-chart", args=[patient.pk]),
        reverse("safety:incident", args=[infection.pk]),
        reverse("safety:incident-pdf", args=[infection.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(reverse("safety:report"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_reading_the_safety_report_is_audited_and_charts_are_not_cached(client, physician, device):
    from ithaca.audit.models import AuditEvent

    client.force_login(physician)
    assert client.get("/reports/safety/").status_code == 200
    assert AuditEvent.objects.filter(object_type="safety_report", action="view").exists()
    chart = client.get(f"/devices/{device.pk}/control-chart/")
    assert chart["Cache-Control"] == "no-store"
