"""Registering a pump and its device page: what each pump needs, and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.devices import registry
from ithaca.devices.models import Device, DeviceEvent, DeviceStatus

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def as_user(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def register(client, patient, **fields):
    data = {
        "pump_model": "synchromed-ii-40",
        "serial": "NGP900001",
        "implanted_on": "2026-02-01",
        "catheter_tip_level": "T10",
    }
    data.update(fields)
    return client.post(reverse("devices:register", args=[patient.pk]), data)


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_a_nurse_registers_a_pump_and_lands_on_its_page(client, nurse, patient):
    response = register(
        as_user(client, nurse), patient, low_alarm_ml="2 mL", catheter_tip_level="t10"
    )
    device = Device.objects.get(serial_number="NGP900001")
    assert response.status_code == 302
    assert response.url == reverse("devices:detail", args=[device.pk])
    assert device.catheter_tip_level == "T10"
    assert str(device.low_alarm_ml.normalize()) == "2"
    assert AuditEvent.objects.filter(
        object_type="device", object_id=str(device.pk), action="create"
    ).exists()


def test_the_device_page_shows_the_catalogue_facts_with_sources_and_the_cap_warning(
    client, nurse, device
):
    page = as_user(client, nurse).get(reverse("devices:detail", args=[device.pk])).content.decode()
    assert "Medtronic SynchroMed II, 40 mL" in page
    assert "catheter access port (CAP)" in page
    assert "Maino et al. 2017" in page  # the refill discrepancy alarm's source
    assert "2 mL (programmed on this pump)" in page
    assert AuditEvent.objects.filter(action="view", patient_id=device.patient_id).exists()


def test_the_register_page_offers_the_pumps_of_the_catalogue_in_force(client, physician, patient):
    page = (
        as_user(client, physician)
        .get(reverse("devices:register", args=[patient.pk]))
        .content.decode()
    )
    assert "Flowonix Prometra II, 20 mL" in page
    assert "External ambulatory pump with tunnelled intrathecal catheter" in page


@pytest.mark.parametrize("level", ["T13", "C8", "L6", "X1", "10"])
def test_a_catheter_tip_level_must_be_a_vertebral_level(client, nurse, patient, level):
    response = register(as_user(client, nurse), patient, catheter_tip_level=level)
    assert "is not a vertebral level" in field_errors(response, "catheter_tip_level")[0]
    assert not Device.objects.exists()


def test_an_external_system_needs_the_reservoir_volume_in_use(client, nurse, patient):
    response = register(
        as_user(client, nurse), patient, pump_model="external-tunnelled", catheter_tip_level="L1"
    )
    assert "enter the volume in use" in field_errors(response, "reservoir_ml")[0]
    register(
        client,
        patient,
        pump_model="external-tunnelled",
        catheter_tip_level="L1",
        reservoir_ml="100 mL",
    )
    assert Device.objects.get(pump_model="external-tunnelled").reservoir_ml == 100


def test_a_pump_the_catalogue_sizes_refuses_a_typed_reservoir(client, nurse, patient):
    response = register(as_user(client, nurse), patient, reservoir_ml="40 mL")
    assert "leave this empty" in field_errors(response, "reservoir_ml")[0]


def test_a_negative_reservoir_volume_is_refused_next_to_the_field(client, nurse, patient):
    response = register(
        as_user(client, nurse), patient, pump_model="external-tunnelled", reservoir_ml="-100 mL"
    )
    assert "must be above zero" in field_errors(response, "reservoir_ml")[0]


def test_the_low_reservoir_alarm_must_be_below_the_reservoir(client, nurse, patient):
    response = register(as_user(client, nurse), patient, low_alarm_ml="40 mL")
    assert "must be below the reservoir" in field_errors(response, "low_alarm_ml")[0]


def test_a_constant_flow_pump_needs_its_labelled_rate_and_others_refuse_one(client, nurse, patient):
    as_user(client, nurse)
    response = register(client, patient, pump_model="isomed-20")
    assert (
        "enter the rate from the device label" in field_errors(response, "fixed_rate_ml_per_day")[0]
    )
    response = register(client, patient, fixed_rate_ml_per_day="1 mL/day")
    assert "not a constant-flow pump" in field_errors(response, "fixed_rate_ml_per_day")[0]
    register(client, patient, pump_model="isomed-20", fixed_rate_ml_per_day="1 mL/day")
    assert Device.objects.get(pump_model="isomed-20").fixed_rate_ml_per_day == 1


def test_an_implant_date_in_the_future_is_refused(client, nurse, patient):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = register(as_user(client, nurse), patient, implanted_on=tomorrow.isoformat())
    assert "cannot be in the future" in field_errors(response, "implanted_on")[0]


def test_a_serial_already_registered_is_refused(client, nurse, patient, device):
    response = register(as_user(client, nurse), patient, serial=device.serial_number)
    assert "already registered" in field_errors(response, "serial")[0]


@pytest.mark.parametrize(
    "persona", ["pharmacist", "coordinator", "caregiver", "stranger", "administrator"]
)
def test_only_physicians_and_nurses_may_register_a_pump(client, request, patient, persona):
    user = request.getfixturevalue(persona)
    as_user(client, user)
    assert client.get(reverse("devices:register", args=[patient.pk])).status_code == 403
    assert register(client, patient).status_code == 403
    assert not Device.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, device):
    response = client.get(reverse("devices:detail", args=[device.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_caregiver_reads_the_pump_on_the_portal_not_the_teams_pump_page(
    client, caregiver, other_caregiver, device
):
    for family in (caregiver, other_caregiver):
        status = as_user(client, family).get(reverse("devices:detail", args=[device.pk]))
        assert status.status_code == 403


def test_recording_an_eri_event_dates_the_battery_warning(client, nurse, device):
    response = as_user(client, nurse).post(
        reverse("devices:event", args=[device.pk]),
        {"occurred_on": "2026-10-01", "kind": "eri", "description": "ERI alarm at interrogation"},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.eri_reported_on.isoformat() == "2026-10-01"
    assert DeviceEvent.objects.filter(device=device, kind="eri").exists()


def test_an_event_before_the_implant_is_refused_next_to_its_date(client, nurse, device):
    response = as_user(client, nurse).post(
        reverse("devices:event", args=[device.pk]),
        {"occurred_on": "2025-12-01", "kind": "alarm", "description": "Alarm"},
    )
    assert "cannot be earlier" in response.context["event_form"].errors["occurred_on"][0]


def test_recording_an_explant_takes_the_pump_out_of_use(client, nurse, device, active_program):
    as_user(client, nurse).post(
        reverse("devices:event", args=[device.pk]),
        {"occurred_on": "2026-11-01", "kind": "explant", "description": "Explanted: infection"},
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.EXPLANTED
    response = client.get(reverse("devices:refill-new", args=[device.pk]))
    assert response.status_code == 302
    assert registry.VERTEBRAL_LEVEL.match("S5")


def test_a_pharmacist_cannot_record_a_pump_event(client, pharmacist, device):
    response = as_user(client, pharmacist).post(
        reverse("devices:event", args=[device.pk]),
        {"occurred_on": "2026-10-01", "kind": "alarm", "description": "x"},
    )
    assert response.status_code == 403
    assert not DeviceEvent.objects.exists()
