"""The clinic dashboard: each section with known data, who may see it, and bounded queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Volume
from ithaca.devices import programs, refills
from ithaca.devices.models import Device, DeviceStatus

from .conftest import morphine_request

URL = "/dashboard/"


def ml(text: str) -> Volume:
    return parse_quantity(text, Volume, bound=Bound.NON_NEGATIVE)


def fill(nurse, device, on: date, residual: str | None = None, action: str = ""):
    return refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=on,
            expected_sequence=refills.next_sequence(device),
            fill_volume=ml("40 mL"),
            lot_number="LOT",
            needle_in_reservoir_confirmed=True,
            measured_residual=ml(residual) if residual else None,
            discrepancy_action=action,
        ),
    )


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def pump(patient, serial: str, physician, pharmacist) -> Device:
    device = Device.objects.create(
        patient=patient,
        pump_model="synchromed-ii-40",
        serial_number=serial,
        implanted_on=date(2026, 1, 5),
    )
    programs.check(
        pharmacist, programs.prescribe(physician, device, morphine_request()), approve=True
    )
    return device


def test_the_dashboard_has_the_url_name_dashboard():
    assert reverse("dashboard") == URL


def test_a_pump_whose_last_refill_is_past_due_appears_as_overdue(
    client, nurse, patient, device, active_program
):
    refill = fill(nurse, device, days_ago(120))
    assert refill.next_due_on < timezone.localdate()
    client.force_login(nurse)
    response = client.get(URL)
    [row] = response.context["due"].rows
    assert row.refill == refill
    assert row.overdue
    assert response.context["overdue_total"] == 1
    body = response.content.decode()
    assert "OVERDUE" in body
    assert "WONG" in body
    assert "drug stability" in body


def test_only_the_latest_refill_of_a_pump_counts(
    client, nurse, second_nurse, patient, device, active_program
):
    fill(nurse, device, days_ago(120))  # long overdue, but refilled since
    fill(nurse, device, days_ago(2), residual="16.4 mL")
    client.force_login(nurse)
    response = client.get(URL)
    assert response.context["due"].rows == []
    assert response.context["overdue_total"] == 0


def test_a_refill_due_within_14_days_is_listed_and_one_due_later_is_not(
    client, nurse, patient, device, active_program, other_patient, physician, pharmacist
):
    later = pump(other_patient, "NGP999", physician, pharmacist)
    soon = fill(nurse, device, days_ago(80))  # stability of 90 days: due in about 10 days
    fill(nurse, later, days_ago(1))
    client.force_login(nurse)
    rows = client.get(URL).context["due"].rows
    assert [r.refill for r in rows] == [soon]
    assert 0 <= rows[0].days_left <= 14
    assert not rows[0].overdue


def test_an_explanted_pump_is_not_listed(client, nurse, patient, device, active_program):
    fill(nurse, device, days_ago(120))
    Device.objects.filter(pk=device.pk).update(
        status=DeviceStatus.EXPLANTED, explanted_on=days_ago(1)
    )
    client.force_login(nurse)
    assert client.get(URL).context["due"].rows == []


def test_a_program_awaiting_double_check_is_listed(
    client, nurse, physician, device, active_program
):
    waiting = programs.prescribe(physician, device, morphine_request("2.5 mg/day"))
    client.force_login(nurse)
    response = client.get(URL)
    assert response.context["programs"].rows == [waiting]
    assert f'href="/programs/{waiting.pk}/"' in response.content.decode()


def test_a_refill_awaiting_double_check_is_listed_until_verified(
    client, nurse, second_nurse, device, active_program
):
    refill = fill(nurse, device, days_ago(3))
    client.force_login(nurse)
    assert client.get(URL).context["unverified"].rows == [refill]
    refills.verify_refill(second_nurse, refill)
    assert client.get(URL).context["unverified"].rows == []


def test_a_recent_flagged_discrepancy_is_listed_with_the_action_taken(
    client, nurse, device, active_program
):
    fill(nurse, device, days_ago(60))
    # 0.2 mL/day for 50 days: 30 mL expected, 20 mL measured
    flagged = fill(
        nurse,
        device,
        days_ago(10),
        residual="20 mL",
        action="Pump interrogated; physician informed",
    )
    assert flagged.flagged
    client.force_login(nurse)
    response = client.get(URL)
    assert response.context["discrepancies"].rows == [flagged]
    assert "Pump interrogated; physician informed" in response.content.decode()


def test_a_battery_with_its_replacement_indicator_reported_is_listed(client, nurse, device):
    Device.objects.filter(pk=device.pk).update(eri_reported_on=days_ago(5))
    client.force_login(nurse)
    response = client.get(URL)
    assert [b.device.pk for b in response.context["batteries"]] == [device.pk]
    assert f'href="/devices/{device.pk}/"' in response.content.decode()


@pytest.mark.parametrize("persona", ["physician", "nurse", "pharmacist", "coordinator"])
def test_clinical_staff_see_the_dashboard(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["caregiver", "stranger", "administrator"])
def test_others_are_refused_the_dashboard(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_number_of_queries_does_not_grow_with_the_number_of_pumps(
    client, nurse, second_nurse, patient, physician, pharmacist
):
    def queries() -> int:
        client.force_login(nurse)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    first = pump(patient, "S-0", physician, pharmacist)
    fill(nurse, first, days_ago(120))
    with_one = queries()
    for n in range(1, 6):
        device = pump(patient, f"S-{n}", physician, pharmacist)
        fill(nurse, device, days_ago(100 + n))
        programs.prescribe(physician, device, morphine_request("2.5 mg/day"))
    assert queries() == with_one
