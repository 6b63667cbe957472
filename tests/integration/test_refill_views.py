"""The refill worksheet page: calculate, then save; the second person's verification; and
every impossible value refused next to its field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Volume
from ithaca.devices import refills
from ithaca.devices.models import Refill, RefillStatus

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def as_user(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def first_fill(nurse, device, on=date(2026, 1, 5)):
    return refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=on,
            expected_sequence=1,
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
            fill_volume=parse_quantity("40 mL", Volume, bound=Bound.NON_NEGATIVE),
        ),
    )


def refill_data(**fields):
    data = {
        "expected_sequence": "2",
        "performed_on": "2026-03-30",
        "measured_residual": "23 mL",
        "fill_volume": "40 mL",
        "label_strength_0": "10 mg/mL",
        "lot_number": "LOT-2",
        "needle_in_reservoir_confirmed": "on",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post(client, device, button="save", **fields):
    return client.post(
        reverse("devices:refill-new", args=[device.pk]), {**refill_data(**fields), button: "1"}
    )


def errors(response, field):
    return response.context["form"].errors.get(field, [])


@pytest.fixture
def filled(nurse, device, active_program):
    return first_fill(nurse, device)


def test_a_nurse_records_the_first_fill_of_a_new_pump(client, nurse, device, active_program):
    page = (
        as_user(client, nurse).get(reverse("devices:refill-new", args=[device.pk])).content.decode()
    )
    assert "Residual volume withdrawn" not in page  # nothing to withdraw from a new pump
    response = post(
        client, device, expected_sequence="1", performed_on="2026-01-05", measured_residual=None
    )
    refill = Refill.objects.get(device=device)
    assert response.url == reverse("devices:refill", args=[refill.pk])
    assert refill.first_fill
    assert refill.performed_by == nurse


def test_calculate_shows_the_expected_residual_and_next_date_before_anything_is_saved(
    client, nurse, device, filled
):
    response = post(as_user(client, nurse), device, button="calculate", measured_residual="17 mL")
    page = response.content.decode()
    assert "23.2 mL" in page
    assert "expected residual = 40 mL − 16.8 mL = 23.2 mL" in page
    assert "FLAGGED" in page
    assert "Due <strong>2026-06-28</strong>, limited by <strong>drug stability</strong>" in page
    assert Refill.objects.count() == 1


def test_the_worksheet_page_defaults_to_today_and_a_full_reservoir(client, nurse, device, filled):
    response = as_user(client, nurse).get(reverse("devices:refill-new", args=[device.pk]))
    page = response.content.decode()
    # the date picker shows only a YYYY-MM-DD value, whatever the clinic's locale
    assert f'type="date" name="performed_on" value="{timezone.localdate().isoformat()}"' in page
    assert 'name="fill_volume" value="40 mL"' in page
    assert 'name="expected_sequence" value="2"' in page


def test_a_flagged_discrepancy_needs_the_action_taken(client, nurse, device, filled):
    response = post(as_user(client, nurse), device, measured_residual="17 mL")
    assert "record what was done about it" in errors(response, "discrepancy_action")[0]
    post(
        client,
        device,
        measured_residual="17 mL",
        discrepancy_action="Pump interrogated; Dr Ahmed informed",
    )
    refill = Refill.objects.get(sequence=2)
    assert refill.flagged
    assert refill.discrepancy_action.startswith("Pump interrogated")


def test_a_second_nurse_verifies_and_the_performer_cannot(
    client, nurse, second_nurse, device, filled
):
    as_user(client, nurse)
    page = client.get(reverse("devices:refill", args=[filled.pk])).content.decode()
    assert "You performed this refill" in page
    response = client.post(reverse("devices:refill", args=[filled.pk]), {"confirmed": "on"})
    assert "needs a second person" in response.context["form"].non_field_errors()[0]
    assert Refill.objects.get(pk=filled.pk).status == RefillStatus.AWAITING_VERIFICATION
    as_user(client, second_nurse)
    response = client.post(reverse("devices:refill", args=[filled.pk]), {"confirmed": "on"})
    assert response.status_code == 302
    verified = Refill.objects.get(pk=filled.pk)
    assert verified.status == RefillStatus.VERIFIED
    assert verified.verified_by == second_nurse


def test_verifying_needs_the_confirmation_box(client, second_nurse, device, filled):
    response = as_user(client, second_nurse).post(reverse("devices:refill", args=[filled.pk]), {})
    assert "Tick the box" in response.context["form"].errors["confirmed"][0]


def test_a_fill_larger_than_the_reservoir_is_refused_next_to_the_fill_field(
    client, nurse, device, filled
):
    response = post(as_user(client, nurse), device, fill_volume="45 mL")
    assert "exceeds the 40 mL reservoir" in errors(response, "fill_volume")[0]
    assert Refill.objects.count() == 1


def test_a_negative_measured_residual_is_refused(client, nurse, device, filled):
    response = post(as_user(client, nurse), device, measured_residual="-2 mL")
    assert "cannot be negative" in errors(response, "measured_residual")[0]


def test_a_refill_date_in_the_future_is_refused(client, nurse, device, filled):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = post(as_user(client, nurse), device, performed_on=tomorrow.isoformat())
    assert "cannot be in the future" in errors(response, "performed_on")[0]


def test_a_refill_before_the_last_one_is_refused(client, nurse, device, filled):
    response = post(as_user(client, nurse), device, performed_on="2026-01-01")
    assert "cannot be earlier" in errors(response, "performed_on")[0]


def test_a_morphine_label_strength_typed_in_mcg_per_ml_is_refused(client, nurse, device, filled):
    response = post(as_user(client, nurse), device, label_strength_0="10000 mcg/mL")
    assert "is prescribed in mg" in errors(response, "label_strength_0")[0]
    assert Refill.objects.count() == 1


def test_a_syringe_strength_other_than_the_program_is_refused(client, nurse, device, filled):
    response = post(as_user(client, nurse), device, label_strength_0="25 mg/mL")
    assert "Do not fill" in errors(response, "label_strength_0")[0]


def test_the_needle_placement_must_be_confirmed_to_save(client, nurse, device, filled):
    response = post(as_user(client, nurse), device, needle_in_reservoir_confirmed=None)
    assert "not the catheter access port" in errors(response, "needle_in_reservoir_confirmed")[0]
    assert Refill.objects.count() == 1


def test_the_second_of_two_saves_of_one_refill_is_told_another_was_saved(
    client, nurse, second_nurse, device, filled
):
    as_user(client, nurse)
    assert post(client, device).status_code == 302
    as_user(client, second_nurse)
    response = post(client, device, measured_residual="22.8 mL", lot_number="LOT-3")
    page = response.content.decode()
    assert "Another refill was saved for this pump while you were working" in page
    assert "Reload the worksheet" in page
    assert Refill.objects.count() == 2


@pytest.mark.parametrize("persona", ["pharmacist", "coordinator", "caregiver", "stranger"])
def test_only_nurses_and_physicians_may_record_a_refill(client, request, device, filled, persona):
    as_user(client, request.getfixturevalue(persona))
    assert client.get(reverse("devices:refill-new", args=[device.pk])).status_code == 403
    assert post(client, device).status_code == 403
    assert Refill.objects.count() == 1


@pytest.mark.parametrize("persona", ["coordinator", "caregiver", "other_caregiver"])
def test_a_refill_cannot_be_verified_without_the_role(client, request, device, filled, persona):
    response = as_user(client, request.getfixturevalue(persona)).post(
        reverse("devices:refill", args=[filled.pk]), {"confirmed": "on"}
    )
    assert response.status_code == 403
    assert Refill.objects.get(pk=filled.pk).status == RefillStatus.AWAITING_VERIFICATION


def test_a_pump_without_a_checked_program_sends_the_nurse_back(client, nurse, device):
    response = as_user(client, nurse).get(reverse("devices:refill-new", args=[device.pk]))
    assert response.status_code == 302
    assert response.url == reverse("devices:detail", args=[device.pk])


def test_a_live_calculation_returns_only_the_worksheet(client, nurse, device, filled):
    response = as_user(client, nurse).post(
        reverse("devices:refill-new", args=[device.pk]),
        refill_data(measured_residual="23 mL"),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "Not flagged" in page
    assert "<html" not in page
    assert Refill.objects.count() == 1
