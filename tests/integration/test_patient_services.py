"""The patient record's use cases: validation, permission, audit, and the OME arithmetic."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ithaca.audit.chain import verify
from ithaca.audit.models import AuditEvent
from ithaca.clinical.factors import Route
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.pathway import REGISTRATION_STAGES, Stage
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.devices.errors import ServiceRefusal
from ithaca.patients import services
from ithaca.patients.models import Contact, OpioidRegimenItem, PainScore, Patient
from ithaca.patients.services import PatientDetails


def details(**changes) -> PatientDetails:
    base = {
        "hospital_number": "H200001",
        "given_name": "Ada",
        "family_name": "Okafor",
        "date_of_birth": date(1961, 5, 2),
        "diagnosis": "Metastatic breast cancer",
    }
    return PatientDetails(**{**base, **changes})


def events(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).exclude(action="view"))


def dose(text: str) -> DoseRate:
    return parse_quantity(text, DoseRate)


def add(user, patient, opioid: str, route: Route, text: str, started_on: date = date(2026, 1, 1)):
    return services.add_regimen_item(
        user, patient, opioid=opioid, route=route, dose=dose(text), started_on=started_on
    )


# Registering and editing


def test_a_nurse_registers_a_patient_and_the_audit_trail_records_who_and_what(nurse):
    patient = services.register_patient(nurse, details(given_name="  Ada "), Stage.MAINTENANCE)
    assert patient.given_name == "Ada"
    assert patient.pathway_stage == "maintenance"
    [event] = events("patient")
    assert (event.action, event.actor_username, event.patient_id) == (
        "create",
        "nurse_lee",
        patient.pk,
    )
    assert verify().intact


def test_a_hospital_number_belongs_to_one_patient_only(nurse, patient):
    with pytest.raises(ServiceRefusal) as refused:
        services.register_patient(nurse, details(hospital_number=patient.hospital_number))
    assert refused.value.field == "hospital_number"
    assert Patient.objects.count() == 1


def test_a_date_of_birth_in_the_future_is_refused(nurse):
    with pytest.raises(ServiceRefusal) as refused:
        services.register_patient(
            nurse, details(date_of_birth=timezone.localdate() + timedelta(days=1))
        )
    assert refused.value.field == "date_of_birth"
    assert not Patient.objects.exists()


def test_an_ecog_above_4_is_refused(nurse):
    with pytest.raises(ServiceRefusal) as refused:
        services.register_patient(nurse, details(ecog=5))
    assert refused.value.field == "ecog"


@pytest.mark.parametrize("persona", ["pharmacist", "administrator", "stranger", "caregiver"])
def test_only_physicians_nurses_and_coordinators_register_patients(persona, request):
    with pytest.raises(PermissionDenied):
        services.register_patient(request.getfixturevalue(persona), details())
    assert not events("patient")


def test_an_edit_keeps_each_changed_fields_old_and_new_value_and_the_reason(coordinator, patient):
    changed = replace(PatientDetails.of(patient), phone="01632 960001")
    services.update_patient(coordinator, patient, changed, "new phone number")
    patient.refresh_from_db()
    assert patient.phone == "01632 960001"
    [event] = events("patient")
    assert event.action == "change"
    assert event.reason == "new phone number"
    assert event.detail == {"changed": {"phone": {"from": "", "to": "01632 960001"}}}


def test_an_edit_that_changes_nothing_writes_no_event(coordinator, patient):
    services.update_patient(coordinator, patient, PatientDetails.of(patient), "checked")
    assert not events("patient")


def test_a_caregiver_may_not_edit_their_own_patient(caregiver, patient):
    with pytest.raises(PermissionDenied):
        services.update_patient(caregiver, patient, PatientDetails.of(patient))


def test_a_contact_is_added_and_audited(nurse, patient):
    contact = services.add_contact(
        nurse, patient, name="Li Wong", relationship="son", phone="07700 900123", is_caregiver=True
    )
    assert Contact.objects.get().is_caregiver
    [event] = events("contact")
    assert event.object_id == str(contact.pk)
    assert event.patient_id == patient.pk


def test_a_contact_without_a_phone_number_is_refused(nurse, patient):
    with pytest.raises(ServiceRefusal) as refused:
        services.add_contact(nurse, patient, name="Li Wong", relationship="son", phone="  ")
    assert refused.value.field == "phone"


# Pain scores


def test_a_pain_score_is_stored_with_who_and_when_and_audited(nurse, patient):
    at = timezone.now() - timedelta(minutes=5)
    services.record_pain_score(nurse, patient, 7, at, "on movement")
    score = PainScore.objects.get()
    assert (score.score, score.recorded_by, score.note) == (7, nurse, "on movement")
    assert events("pain_score")[0].detail["score"] == 7


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_a_pain_score_outside_0_to_10_is_refused(nurse, patient, score):
    with pytest.raises(ServiceRefusal) as refused:
        services.record_pain_score(nurse, patient, score, timezone.now())
    assert refused.value.field == "score"
    assert not PainScore.objects.exists()


def test_a_pain_score_given_in_the_future_is_refused(nurse, patient):
    with pytest.raises(ServiceRefusal) as refused:
        services.record_pain_score(nurse, patient, 4, timezone.now() + timedelta(hours=1))
    assert refused.value.field == "recorded_at"


def test_a_pharmacist_may_not_record_a_pain_score(pharmacist, patient):
    with pytest.raises(PermissionDenied):
        services.record_pain_score(pharmacist, patient, 4, timezone.now())


# The systemic opioid regimen


def test_a_dose_is_stored_in_mcg_per_day_with_the_unit_that_was_typed(physician, patient):
    morphine = add(physician, patient, "Morphine", Route.ORAL, "30 mg/day")
    patch = add(physician, patient, "fentanyl", Route.TRANSDERMAL, "25 mcg/h")
    assert (morphine.opioid, morphine.dose_mcg_per_day, morphine.entered_unit) == (
        "morphine",
        Decimal("30000"),
        "mg/day",
    )
    assert (patch.dose_mcg_per_day, patch.entered_unit) == (Decimal("600"), "mcg/h")
    assert str(OpioidRegimenItem.objects.get(pk=patch.pk).dose) == "25 mcg/h"
    assert len(events("regimen_item")) == 2


def test_buprenorphine_is_refused_with_the_cores_sentence(physician, patient):
    with pytest.raises(ServiceRefusal) as refused:
        add(physician, patient, "buprenorphine", Route.TRANSDERMAL, "10 mcg/h")
    assert refused.value.field == "opioid"
    assert str(refused.value).startswith(
        "ithaca will not convert buprenorphine to an oral morphine equivalent"
    )
    assert not OpioidRegimenItem.objects.exists()


def test_an_opioid_by_a_route_the_table_has_no_factor_for_is_refused_at_the_route(
    physician, patient
):
    with pytest.raises(ServiceRefusal) as refused:
        add(physician, patient, "oxycodone", Route.TRANSDERMAL, "10 mg/day")
    assert refused.value.field == "route"


def test_a_zero_or_negative_dose_is_refused(physician, patient):
    for bad in (DoseRate(Decimal(0), Unit.MG_PER_DAY), DoseRate(Decimal(-5), Unit.MG_PER_DAY)):
        with pytest.raises(ServiceRefusal) as refused:
            services.add_regimen_item(
                physician,
                patient,
                opioid="morphine",
                route=Route.ORAL,
                dose=bad,
                started_on=date(2026, 1, 1),
            )
        assert refused.value.field == "dose"


def test_an_opioid_cannot_be_recorded_as_started_in_the_future(physician, patient):
    with pytest.raises(ServiceRefusal) as refused:
        add(
            physician,
            patient,
            "morphine",
            Route.ORAL,
            "30 mg/day",
            timezone.localdate() + timedelta(days=2),
        )
    assert refused.value.field == "started_on"


def test_a_nurse_may_not_change_the_regimen(nurse, patient):
    with pytest.raises(PermissionDenied):
        add(nurse, patient, "morphine", Route.ORAL, "30 mg/day")


def test_the_ome_adds_each_opioid_taken_times_its_factor(physician, patient):
    add(physician, patient, "morphine", Route.ORAL, "30 mg/day")  # × 1 = 30
    add(physician, patient, "oxycodone", Route.ORAL, "20 mg/day")  # × 1.5 = 30
    add(physician, patient, "fentanyl", Route.TRANSDERMAL, "25 mcg/h")  # × 2.4 = 60
    result = services.current_ome(patient, date(2026, 2, 1))
    assert result.total == parse_quantity("120 mg/day", DoseRate)
    assert len(result.items) == 3
    assert any("convert a patient from one opioid to another" in c for c in result.caveats)


def test_a_stopped_opioid_no_longer_counts_from_its_stop_day(physician, patient):
    item = add(physician, patient, "morphine", Route.ORAL, "60 mg/day", date(2026, 1, 1))
    add(physician, patient, "oxycodone", Route.ORAL, "10 mg/day", date(2026, 1, 1))
    services.stop_regimen_item(
        physician, item, stopped_on=date(2026, 3, 1), reason="replaced by intrathecal morphine"
    )
    assert services.current_ome(patient, date(2026, 2, 28)).total == dose("75 mg/day")
    assert services.current_ome(patient, date(2026, 3, 1)).total == dose("15 mg/day")
    assert events("regimen_item")[-1].reason == "replaced by intrathecal morphine"


def test_nothing_taken_is_an_ome_of_zero(patient):
    result = services.current_ome(patient, date(2026, 1, 1))
    assert (result.items, result.total.magnitude) == ((), 0)


def test_the_ome_series_steps_at_each_start_and_stop_and_ends_today(physician, patient):
    item = add(physician, patient, "morphine", Route.ORAL, "60 mg/day", date(2026, 1, 1))
    add(physician, patient, "oxycodone", Route.ORAL, "20 mg/day", date(2026, 2, 1))
    services.stop_regimen_item(physician, item, stopped_on=date(2026, 3, 1), reason="intrathecal")
    series = services.ome_series(patient, until=date(2026, 4, 1))
    assert series == [
        (date(2026, 1, 1), Decimal("60")),
        (date(2026, 2, 1), Decimal("90")),
        (date(2026, 3, 1), Decimal("30")),
        (date(2026, 4, 1), Decimal("30")),
    ]


def test_a_stop_needs_a_reason_and_cannot_come_before_the_start(physician, patient):
    item = add(physician, patient, "morphine", Route.ORAL, "60 mg/day", date(2026, 2, 1))
    with pytest.raises(ServiceRefusal) as no_reason:
        services.stop_regimen_item(physician, item, stopped_on=date(2026, 3, 1), reason=" ")
    with pytest.raises(ServiceRefusal) as too_early:
        services.stop_regimen_item(physician, item, stopped_on=date(2026, 1, 1), reason="error")
    assert (no_reason.value.field, too_early.value.field) == ("reason", "stopped_on")


def test_an_opioid_cannot_be_stopped_twice(physician, patient):
    item = add(physician, patient, "morphine", Route.ORAL, "60 mg/day", date(2026, 2, 1))
    services.stop_regimen_item(physician, item, stopped_on=date(2026, 3, 1), reason="intrathecal")
    with pytest.raises(ServiceRefusal, match="already recorded as stopped"):
        services.stop_regimen_item(physician, item, stopped_on=date(2026, 3, 2), reason="again")
    assert OpioidRegimenItem.objects.get().stopped_on == date(2026, 3, 1)


@pytest.mark.parametrize(
    "stage",
    [s for s in Stage if s not in REGISTRATION_STAGES],
    ids=lambda s: s.value,
)
def test_a_patient_cannot_be_registered_at_a_stage_that_claims_a_record(nurse, stage):
    with pytest.raises(ServiceRefusal) as refused:
        services.register_patient(nurse, details(), stage)
    assert refused.value.field == "pathway_stage"
    assert not Patient.objects.filter(hospital_number=details().hospital_number).exists()
