"""The pharmacist manages the clinic drug library laid over the base library."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from ithaca.audit.models import AuditEvent
from ithaca.clinical.errors import LibraryInvalid
from ithaca.devices import library_admin
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force

CLINIC = """
[clinic]
name = "St Elsewhere pain service"
version = "4"
approved_by = "Drugs and therapeutics committee"
approved_on = "2026-11-01"

[policy.max_refill_interval_days]
value = 60
source = "ithaca-policy"
confidence = "U"
note = "Local policy: every 60 days at most."
"""

U_MADE_HARD = """
[clinic]
name = "St Elsewhere pain service"
version = "5"
approved_by = "Committee"
approved_on = "2026-11-01"

[policy.max_dose_change_ratio]
value = "2"
enforcement = "hard"
source = "ithaca-policy"
confidence = "U"
"""


def test_a_pharmacist_puts_a_clinic_library_in_force_and_it_is_audited(pharmacist):
    base_hash = catalogue_in_force().identity.content_hash
    library_admin.activate(pharmacist, CLINIC, "D&T committee, November")
    in_force = catalogue_in_force()
    assert in_force.identity.content_hash != base_hash
    assert in_force.identity.version.endswith("St Elsewhere pain service 4")
    assert in_force.policy.max_refill_interval_days.value == 60
    event = AuditEvent.objects.get(object_type="clinic_library")
    assert event.reason == "D&T committee, November"
    assert event.detail["sha256"] == in_force.identity.content_hash


def test_an_unverified_unconfirmed_value_cannot_be_made_a_hard_limit(pharmacist):
    with pytest.raises(LibraryInvalid, match="unconfirmed"):
        library_admin.activate(pharmacist, U_MADE_HARD, "try")
    assert not AuditEvent.objects.filter(object_type="clinic_library").exists()


def test_a_library_change_needs_a_reason(pharmacist):
    with pytest.raises(ServiceRefusal):
        library_admin.activate(pharmacist, CLINIC, "  ")


@pytest.mark.parametrize(
    "persona", ["physician", "nurse", "coordinator", "administrator", "caregiver", "stranger"]
)
def test_only_a_pharmacist_may_change_the_library(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        library_admin.activate(user, CLINIC, "reason")


def test_withdrawing_returns_to_the_base_library(pharmacist):
    base_hash = catalogue_in_force().identity.content_hash
    library_admin.activate(pharmacist, CLINIC, "committee")
    library_admin.withdraw(pharmacist, "trial over")
    assert catalogue_in_force().identity.content_hash == base_hash


def test_the_library_page_shows_an_invalid_file_error_next_to_the_field(client, pharmacist):
    client.force_login(pharmacist)
    response = client.post("/library/", {"content": U_MADE_HARD, "reason": "x", "activate": "1"})
    assert response.status_code == 200
    assert "unconfirmed (U) value cannot be a hard limit" in response.content.decode()


def test_the_library_page_is_refused_to_a_nurse(client, nurse):
    client.force_login(nurse)
    assert client.get("/library/").status_code == 403


def test_a_file_pasted_with_windows_line_ends_gets_the_same_hash_as_the_command_line(
    client, pharmacist
):
    from ithaca.clinical.catalogue import build_catalogue
    from ithaca.datafiles import base_documents

    client.force_login(pharmacist)
    client.post(
        "/library/",
        {"content": CLINIC.replace("\n", "\r\n"), "reason": "committee", "activate": "1"},
    )
    expected = build_catalogue(base_documents(), CLINIC.encode("utf-8")).identity.content_hash
    assert catalogue_in_force().identity.content_hash == expected


def test_a_library_change_plans_every_pump_again(pharmacist, nurse, device, active_program):
    from datetime import date

    from ithaca.clinical.parsing import parse_quantity
    from ithaca.clinical.quantities import Volume
    from ithaca.devices import refills

    refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=date(2026, 1, 5),
            expected_sequence=1,
            fill_volume=parse_quantity("40 mL", Volume),
            lot_number="L1",
            needle_in_reservoir_confirmed=True,
        ),
    )
    device.refresh_from_db()
    assert device.next_due_factor == "stability"  # 90 days: 2026-04-05
    library_admin.activate(pharmacist, CLINIC, "committee: 60-day maximum interval")
    device.refresh_from_db()
    # The new 60-day maximum runs from the fill: 2026-01-05 + 60 days = 2026-03-06, before
    # the 90-day stability date; the signed refill record keeps its own plan.
    assert (device.next_due_on, device.next_due_factor) == (date(2026, 3, 6), "clinic_max_interval")
    assert device.refills.get().next_due_on == date(2026, 4, 5)
