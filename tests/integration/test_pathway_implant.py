"""The implant with its checklist, the follow-ups it plans, and complications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ithaca.audit.models import AuditEvent
from ithaca.clinical.implant import ChecklistAnswer
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device
from ithaca.pathway.implants import complete_follow_up, record_complication, record_implant
from ithaca.pathway.models import Complication, FollowUp, ImplantRecord, StageMove
from ithaca.pathway.moves import move_patient
from ithaca.pathway.records_context import records_context


@pytest.fixture
def planned(patient):
    patient.pathway_stage = Stage.IMPLANT_PLANNED.value
    patient.save(update_fields=["pathway_stage"])
    return patient


@pytest.fixture
def other_device(other_patient):
    return Device.objects.create(
        patient=other_patient,
        pump_model="synchromed-ii-40",
        serial_number="NGP999999",
        implanted_on=date(2026, 1, 5),
    )


def item_ids() -> list[str]:
    return [item.id for item in catalogue_in_force().pathway.checklist]


def all_done() -> dict[str, ChecklistAnswer]:
    return {i: ChecklistAnswer(done=True) for i in item_ids()}


def implant(user, patient, answers=None, implanted_on=date(2026, 1, 28), device=None):
    return record_implant(
        user, patient, "implanted_pump", implanted_on, device, answers or all_done(), ""
    )


def test_an_item_open_without_a_reason_is_refused_naming_it(physician, planned):
    answers = all_done() | {"imaging_reviewed": ChecklistAnswer(done=False)}
    with pytest.raises(ServiceRefusal, match="Spinal imaging reviewed"):
        implant(physician, planned, answers)
    assert not ImplantRecord.objects.exists()
    planned.refresh_from_db()
    assert planned.stage is Stage.IMPLANT_PLANNED


def test_an_item_missing_from_the_answers_is_open_without_a_reason(physician, planned):
    answers = all_done()
    del answers["consent"]
    with pytest.raises(ServiceRefusal, match="Written consent"):
        implant(physician, planned, answers)


def test_an_item_open_with_a_reason_is_accepted_and_stored_with_its_source(physician, planned):
    reason = "Urgent: pain crisis; imaging to be reviewed the day after."
    answers = all_done() | {"imaging_reviewed": ChecklistAnswer(False, reason)}
    saved = implant(physician, planned, answers)
    item = saved.checklist["imaging_reviewed"]
    assert item["done"] is False
    assert item["reason_open"] == reason
    assert item["mark"] == "U"
    assert item["source"]
    assert saved.checklist["consent"]["done"] is True
    positions = sorted(v["position"] for v in saved.checklist.values())
    assert positions == list(range(len(item_ids())))
    assert saved.rules_version.startswith(catalogue_in_force().pathway.label)
    planned.refresh_from_db()
    assert planned.stage is Stage.IMPLANTED
    move = StageMove.objects.get(patient=planned, to_stage="implanted")
    assert (move.record_kind, move.record_id) == ("implant", saved.pk)
    event = AuditEvent.objects.get(object_type="implant_record", object_id=str(saved.pk))
    assert event.detail["open_with_reason"] == {"imaging_reviewed": reason}


def test_follow_ups_are_dated_from_the_implant_across_a_month_end(physician, planned):
    saved = implant(physician, planned, implanted_on=date(2026, 1, 28))
    rows = [(f.kind, f.day, f.due_on) for f in FollowUp.objects.filter(implant=saved)]
    assert ("respiratory_review", 1, date(2026, 1, 29)) in rows
    assert ("respiratory_review", 3, date(2026, 1, 31)) in rows
    assert ("wound_check", 7, date(2026, 2, 4)) in rows
    assert ("titration_visit", 28, date(2026, 2, 25)) in rows
    assert len(rows) == 8
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)
    basis = FollowUp.objects.filter(implant=saved, kind="respiratory_review").first().basis
    assert "ithaca default policy" in basis
    assert basis.endswith("[U]")


def test_an_implant_date_in_the_future_is_refused(physician, planned):
    with pytest.raises(ServiceRefusal, match="future") as refused:
        implant(physician, planned, implanted_on=timezone.localdate() + timedelta(days=1))
    assert refused.value.field == "implanted_on"


def test_a_pump_of_another_patient_is_refused(physician, planned, other_device):
    with pytest.raises(ServiceRefusal, match="another patient") as refused:
        implant(physician, planned, device=other_device)
    assert refused.value.field == "device"


def test_an_implant_before_it_is_planned_is_refused(physician, patient):
    with pytest.raises(ServiceRefusal, match="once the implant is planned"):
        implant(physician, patient)  # the fixture patient is in maintenance


def test_a_follow_up_is_done_once(nurse, physician, planned):
    implant(physician, planned, implanted_on=date(2026, 1, 28))
    follow_up = FollowUp.objects.order_by("due_on").first()
    complete_follow_up(nurse, follow_up, date(2026, 1, 29), "Breathing 14/min, alert.")
    follow_up.refresh_from_db()
    assert (follow_up.done_on, follow_up.done_by) == (date(2026, 1, 29), nurse)
    with pytest.raises(ServiceRefusal, match="already recorded as done"):
        complete_follow_up(nurse, follow_up, date(2026, 1, 30), "again")
    follow_up.refresh_from_db()
    assert follow_up.done_on == date(2026, 1, 29)
    assert AuditEvent.objects.filter(object_type="follow_up").count() == 1


def test_a_follow_up_cannot_be_done_in_the_future_or_before_the_implant(nurse, physician, planned):
    implant(physician, planned, implanted_on=date(2026, 1, 28))
    follow_up = FollowUp.objects.first()
    with pytest.raises(ServiceRefusal, match="future"):
        complete_follow_up(nurse, follow_up, timezone.localdate() + timedelta(days=1))
    with pytest.raises(ServiceRefusal, match="before it"):
        complete_follow_up(nurse, follow_up, date(2026, 1, 27))


def test_an_infection_needs_its_depth(nurse, patient):
    with pytest.raises(ServiceRefusal, match="with its depth") as refused:
        record_complication(nurse, patient, "infection", "", date(2026, 2, 1), "Red wound.")
    assert refused.value.field == "infection_depth"
    saved = record_complication(
        nurse, patient, "infection", "deep", date(2026, 2, 1), "Pocket pus."
    )
    assert saved.infection_depth == "deep"


def test_only_an_infection_has_a_depth(nurse, patient):
    with pytest.raises(ServiceRefusal, match="only an infection has a depth"):
        record_complication(
            nurse, patient, "csf_leak", "superficial", date(2026, 2, 1), "Headache."
        )
    saved = record_complication(nurse, patient, "csf_leak", "", date(2026, 2, 1), "Headache.")
    assert saved.infection_depth == ""
    assert AuditEvent.objects.filter(object_type="complication", object_id=str(saved.pk)).exists()


def test_a_complication_on_another_patients_pump_is_refused(nurse, patient, other_device):
    with pytest.raises(ServiceRefusal, match="another patient"):
        record_complication(
            nurse, patient, "pump_malfunction", "", date(2026, 2, 1), "Alarm.", device=other_device
        )
    assert not Complication.objects.exists()


def test_a_complication_needs_a_description_and_a_past_onset(nurse, patient):
    with pytest.raises(ServiceRefusal, match="Describe") as refused:
        record_complication(nurse, patient, "other", "", date(2026, 2, 1), " ")
    assert refused.value.field == "description"
    with pytest.raises(ServiceRefusal, match="future"):
        record_complication(nurse, patient, "other", "", timezone.localdate() + timedelta(1), "x")


# --- the pages ---


def implant_post(**changes):
    data = {"system": "implanted_pump", "implanted_on": "2026-01-28", "device": ""}
    data |= {f"done_{i}": "on" for i in item_ids()}
    return data | changes


def test_the_implant_page_puts_the_missing_reason_beside_the_item(client, physician, planned):
    client.force_login(physician)
    url = reverse("pathway-implant", kwargs={"patient_id": planned.pk})
    page = client.get(url)
    assert b"need local clinical sign-off" in page.content
    data = implant_post()
    del data["done_consent"]
    response = client.post(url, data)
    assert "cannot be left silently" in response.context["form"].errors["reason_consent"][0]
    data["reason_consent"] = "Consent taken verbally; written form in theatre."
    response = client.post(url, data)
    assert response.status_code == 302
    assert ImplantRecord.objects.get().checklist["consent"]["reason_open"].startswith("Consent")


def test_the_implant_page_refuses_another_patients_pump(client, physician, planned, other_device):
    client.force_login(physician)
    url = reverse("pathway-implant", kwargs={"patient_id": planned.pk})
    response = client.post(url, implant_post(device=str(other_device.pk)))
    assert "this patient's pumps" in response.context["form"].errors["device"][0]


def test_the_follow_up_worklist_shows_overdue_and_the_nurse_records_it(
    client, nurse, physician, planned
):
    implant(physician, planned, implanted_on=timezone.localdate() - timedelta(days=3))
    client.force_login(nurse)
    page = client.get(reverse("pathway-follow-ups"))
    assert page.status_code == 200
    overdue = page.context["overdue"]
    assert [f.day for f in overdue] == [1]
    assert [f.day for f in page.context["due_today"]] == [3]
    response = client.post(
        reverse("pathway-follow-up-done", kwargs={"follow_up_id": overdue[0].pk}),
        {"done_on": timezone.localdate().isoformat(), "note": "Well.", "back": "worklist"},
    )
    assert response["Location"] == reverse("pathway-follow-ups")
    assert FollowUp.objects.get(pk=overdue[0].pk).done_by == nurse


def test_an_explanted_patient_owes_no_follow_ups_on_the_worklist(client, nurse, physician, planned):
    implant(physician, planned, implanted_on=timezone.localdate() - timedelta(days=3))
    move_patient(physician, planned, Stage.EXPLANTED, "Pump removed: pocket infection.")
    client.force_login(nurse)
    page = client.get(reverse("pathway-follow-ups"))
    assert page.context["overdue"] == []
    assert page.context["due_today"] == []


def test_a_second_done_on_the_page_is_refused_in_words(client, nurse, physician, planned):
    implant(physician, planned, implanted_on=date(2026, 1, 28))
    follow_up = FollowUp.objects.first()
    complete_follow_up(nurse, follow_up, date(2026, 1, 29))
    client.force_login(nurse)
    response = client.post(
        reverse("pathway-follow-up-done", kwargs={"follow_up_id": follow_up.pk}),
        {"done_on": "2026-01-30"},
    )
    assert response.status_code == 200
    assert b"already recorded as done" in response.content


def test_the_complication_page_puts_the_depth_rule_beside_the_field(client, nurse, patient):
    client.force_login(nurse)
    url = reverse("pathway-complication", kwargs={"patient_id": patient.pk})
    response = client.post(
        url, {"kind": "infection", "onset_on": "2026-02-01", "description": "Red wound."}
    )
    assert "depth" in response.context["form"].errors["infection_depth"][0]
    response = client.post(
        url,
        {
            "kind": "infection",
            "infection_depth": "superficial",
            "onset_on": "2026-02-01",
            "description": "Red wound.",
        },
    )
    assert response.status_code == 302


def test_the_records_partial_shows_the_checklist_follow_ups_and_sources(physician, nurse, planned):
    answers = all_done() | {"imaging_reviewed": ChecklistAnswer(False, "Scan booked.")}
    implant(physician, planned, answers, implanted_on=date(2026, 1, 28))
    record_complication(nurse, planned, "infection", "superficial", date(2026, 2, 1), "Red wound.")
    context = records_context(planned, user=nurse, today=date(2026, 1, 30))
    assert [f.day for f in context["follow_ups"]["overdue"]] == [1]
    html = render_to_string("pathway/_records.html", context)
    assert "Left open because:</strong> Scan booked." in html
    assert "Record a complication" in html
    assert "Record the implant" not in html
    assert "Superficial (skin or wound)" in html
    assert "record as done" in html
