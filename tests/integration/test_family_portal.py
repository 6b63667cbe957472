"""The portal: a family account reads its one patient's pump and the team's numbers, and
never writes anything anywhere."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.audit.models import AuditEvent
from ithaca.devices import refills
from ithaca.devices.models import Device
from ithaca.family import invitations
from ithaca.family.models import CallWhen, InviteeRole, TeamContact

from .conftest import make_user
from .test_refill_flow import ml

pytestmark = pytest.mark.django_db

# Paths that are not the clinic's records: signing in and out, the language, the invitation
# a family member accepts before having an account, and Django's own administration.
NOT_CLINICAL = ("accounts/", "i18n/", "invite/", "admin/", "health/")
START_PAGES = ("/", "/home/")  # redirects to where the account belongs


@pytest.fixture
def patient_account(patient):
    user = make_user("mei", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


@pytest.fixture
def contacts(db):
    TeamContact.objects.create(
        name="Pain team nurses",
        name_zh_hans="疼痛科护士",
        phone="07700 900461",
        when=CallWhen.WEEKDAYS,
    )
    TeamContact.objects.create(
        name="On-call anaesthetist", phone="07700 900462", when=CallWhen.OUT_OF_HOURS
    )
    TeamContact.objects.create(
        name="Old number", phone="07700 900999", when=CallWhen.ANY_TIME, active=False
    )


@pytest.fixture
def filled(device, nurse, active_program):
    today = timezone.localdate()
    refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=today - timedelta(days=3),
            expected_sequence=1,
            fill_volume=ml("40 mL"),
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
        ),
    )
    device.refresh_from_db()
    return device


def page(client, user, path="/portal/"):
    client.force_login(user)
    response = client.get(path)
    return response, response.content.decode()


def test_the_caregiver_lands_on_the_portal_and_sees_the_next_refill(
    client, caregiver, filled, contacts
):
    client.force_login(caregiver)
    assert client.get("/home/")["Location"] == "/portal/"
    response, text = page(client, caregiver)
    assert response.status_code == 200
    due = filled.next_due_on
    assert due is not None
    assert f"{due.day} {due.strftime('%b')} {due.year}" in text  # en-gb DATE_FORMAT, j M Y
    days = (due - timezone.localdate()).days
    assert f"In {days} days." in text
    assert "Why it matters" in text
    assert "withdrawal can start" in text
    assert "Medtronic 2011 advisory" in text


def test_the_portal_says_what_the_pump_holds(client, caregiver, filled):
    _, text = page(client, caregiver)
    assert "morphine" in text
    assert "10 mg/mL" in text
    assert "The pump holds up to 40 mL." in text


def test_synchromed_alarm_advice_comes_from_the_catalogue(client, caregiver, filled):
    _, text = page(client, caregiver)
    assert "does not measure what is left" in text
    assert "stops 90 days after that alarm" in text
    assert "low-reservoir alarm advisory" in text  # the Medtronic 2016 advisory is named
    assert "call the pain team straight away" in text


def test_a_reported_replacement_alarm_gives_the_expected_stop_date(client, caregiver, filled):
    Device.objects.filter(pk=filled.pk).update(eri_reported_on=date(2026, 3, 1))
    _, text = page(client, caregiver)
    assert "already been reported" in text
    assert "30 May 2026" in text


@pytest.mark.parametrize(
    ("model", "expected", "absent"),
    [
        (
            "prometra-ii-20",
            ["3 mL is expected to be left", "must be emptied before the scan"],
            "does not measure",
        ),
        ("isomed-20", ["gives the same amount every day"], "replacement alarm"),
        ("external-tunnelled", ["show you this pump's alarms"], "replacement alarm"),
        ("codman-3000", ["gives the same amount every day"], "must be emptied"),
    ],
)
def test_each_pump_model_gets_only_its_own_facts(
    client, caregiver, patient, model, expected, absent
):
    Device.objects.create(
        patient=patient,
        pump_model=model,
        serial_number="X1",
        implanted_on=date(2026, 1, 5),
        reservoir_ml=Decimal("100") if model == "external-tunnelled" else None,
    )
    _, text = page(client, caregiver)
    text = text.replace("&#x27;", "'")
    for words in expected:
        assert words in text, words
    assert absent not in text
    assert "tell the scan team and the pain team" in text or "must be emptied" in text


def test_no_pump_yet_is_said_plainly(client, caregiver):
    _, text = page(client, caregiver)
    assert "No pump is recorded yet" in text


def test_the_team_numbers_are_listed_and_tappable(client, caregiver, contacts):
    _, text = page(client, caregiver)
    assert 'href="tel:07700900461"' in text
    assert "07700 900462" in text
    assert "Weekdays, in office hours" in text
    assert "07700 900999" not in text  # switched off in the admin


def test_the_urgent_signs_are_shown_with_what_they_rest_on(client, caregiver):
    _, text = page(client, caregiver)
    for sign in ("stiff neck", "Slow or shallow breathing", "pinpoint", "Pain suddenly much worse"):
        assert sign in text
    assert "INFUMORPH" in text
    assert "Sindt" in text
    assert "Aprili" in text
    assert "general medical knowledge" in text
    assert "sign-off" in text


def test_the_portal_in_chinese(client, caregiver, filled, contacts):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    _, text = page(client, caregiver)
    due = filled.next_due_on
    assert f"{due.year}年{due.month}月{due.day}日" in text
    assert "下次加药" in text
    assert "疼痛科护士" in text
    assert "吗啡" in text
    assert '<html lang="zh-hans">' in text


def test_a_caregiver_never_sees_another_patient(client, caregiver, other_patient, patient):
    response, text = page(client, caregiver, f"/portal/{other_patient.pk}/")
    assert response.status_code == 403
    assert "only see the person the pain team linked it to" in text
    assert other_patient.family_name not in text
    assert page(client, caregiver, f"/portal/{patient.pk}/")[0].status_code == 200
    assert page(client, caregiver, "/portal/999999/")[0].status_code == 403


def test_another_patients_caregiver_gets_403(client, other_caregiver, patient):
    response, _ = page(client, other_caregiver, f"/portal/{patient.pk}/")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "persona", ["physician", "nurse", "pharmacist", "coordinator", "administrator", "stranger"]
)
def test_staff_and_strangers_are_refused_the_portal_in_words(client, request, persona, patient):
    user = request.getfixturevalue(persona)
    response, text = page(client, user)
    assert response.status_code == 403
    assert "for patients and their families" in text
    assert page(client, user, f"/portal/{patient.pk}/")[0].status_code == 403


def test_a_patient_account_reads_its_own_portal_but_not_the_clinical_record(
    client, patient_account, patient, filled
):
    response, text = page(client, patient_account)
    assert response.status_code == 200
    assert "Your pump" in text
    assert page(client, patient_account, f"/patients/{patient.pk}/")[0].status_code == 403
    assert page(client, patient_account, "/dashboard/")[0].status_code == 403
    assert ">Dashboard<" not in text  # the clinical menu is not offered


def test_every_portal_view_is_audited(client, caregiver, patient):
    page(client, caregiver)
    assert AuditEvent.objects.filter(
        object_type="portal", action="view", patient_id=patient.pk
    ).exists()


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _clinical_posts(ids: dict[str, int]) -> list[str]:
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(NOT_CLINICAL) or "(?P" in route or route.startswith("^"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), route)
        paths.append("/" + path)
    return sorted(set(paths) - set(START_PAGES))


def _state() -> dict[str, int]:
    counts = {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.label != "audit.AuditEvent"
    }
    counts["writes"] = AuditEvent.objects.exclude(action__in=["view", "refused"]).count()
    return counts


@pytest.mark.parametrize("persona", ["caregiver", "patient_account"])
def test_a_family_account_never_writes_every_post_is_refused(
    client, request, persona, patient, filled, contacts
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    program = filled.programs.get()
    ids = {
        "patient_id": patient.pk,
        "device_id": filled.pk,
        "program_id": program.pk,
        "refill_id": filled.refills.get().pk,
        "link_id": CaregiverLink.objects.get(user=user).pk,
    }
    ids["invitation_id"] = invitations.issue(
        request.getfixturevalue("nurse"),
        patient,
        name="Sam",
        relationship="son",
        role=InviteeRole.CAREGIVER,
    ).invitation.pk
    # Record pages of the clinical apps that a linked caregiver may read answer any method
    # with the same read-only page; the unchanged database below shows nothing was written.
    reads = {
        f"/patients/{patient.pk}/",
        f"/devices/{filled.pk}/",
        f"/refills/{ids['refill_id']}/worksheet.pdf",
    }
    before = _state()
    paths = _clinical_posts(ids)
    assert f"/patients/{patient.pk}/family/" in paths
    assert "/portal/" in paths
    for path in paths:
        response = client.post(path, {"score": "3", "name": "x", "role": "caregiver", "days": "3"})
        if path in reads:
            assert response.status_code in (200, 403), (
                f"POST {path} answered {response.status_code}"
            )
        else:
            assert response.status_code in (403, 404, 405), (
                f"POST {path} answered {response.status_code}"
            )
    assert _state() == before


def test_the_administrator_enters_the_team_numbers_in_the_admin_and_it_is_audited(
    client, administrator
):
    from django.contrib.auth.models import Permission

    administrator.is_staff = True
    administrator.save()
    administrator.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="family", content_type__model="teamcontact"
        )
    )
    client.force_login(administrator)
    response = client.post(
        "/admin/family/teamcontact/add/",
        {
            "name": "Pain team nurses",
            "name_zh_hans": "",
            "phone": "07700 900461",
            "when": "weekdays",
            "order": "0",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert TeamContact.objects.get().phone == "07700 900461"
    assert AuditEvent.objects.filter(object_type="teamcontact", action="create").exists()


def test_after_a_death_the_portal_shows_no_refill_or_alarm_only_the_team(
    client, caregiver, filled, contacts, patient
):
    patient.pathway_stage = "deceased"
    patient.save(update_fields=["pathway_stage"])
    _, text = page(client, caregiver)
    assert "With our sympathy" in text
    assert "Next refill" not in text
    assert "alarm" not in text.split("These pages no longer show")[0].lower()
    assert 'href="tel:' in text
