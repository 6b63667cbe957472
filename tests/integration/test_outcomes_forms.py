"""The outcome forms: registering an instrument, scoring it, an admission and its discharge.

Each form saves through ithaca.outcomes.services (so the write is audited), shows a refusal
beside its field (never a traceback), and is refused to the roles that may not use it.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.audit.models import AuditEvent
from ithaca.outcomes import services
from ithaca.outcomes.forms_records import InstrumentForm
from ithaca.outcomes.models import Admission, InstrumentDefinition, InstrumentScore

from .conftest import make_user

pytestmark = pytest.mark.django_db
INSTRUMENTS = "/reports/instruments/"

BPI = {
    "identifier": "BPI-SF",
    "name": "Brief Pain Inventory short form",
    "version": "site-1",
    "licence_holder": "MD Anderson",
    "licence_note": "site licence 2026-014",
    "items": "11",
    "item_min": "0",
    "item_max": "10",
    "scoring": "none",
    "minimum_answered": "",
    "subscales": "severity: 1-4; mean\ninterference: 5-11; mean; at least 4",
}


def record_url(patient) -> str:
    return f"/patients/{patient.pk}/outcomes/record/"


def error_beside(page: str, field: str, words: str) -> bool:
    """The error list rendered beside `field` (id_<field>_error) holds `words`."""
    marker = f'id="id_{field}_error"'
    if marker not in page:
        return False
    return words in html.unescape(page.split(marker, 1)[1].split("</ul>", 1)[0])


@pytest.fixture
def patient_user(patient):
    user = make_user("mei_wong", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


@pytest.fixture
def bpi(physician):
    return services.register_instrument(
        physician,
        identifier="BPI-SF",
        name="Brief Pain Inventory short form",
        version="site-1",
        licence_holder="MD Anderson",
        licence_note="site licence",
        scoring={
            "items": 11,
            "item_min": 0,
            "item_max": 10,
            "scoring": "none",
            "subscales": [
                {"id": "severity", "items": [1, 2, 3, 4], "scoring": "mean"},
                {
                    "id": "interference",
                    "items": [5, 6, 7, 8, 9, 10, 11],
                    "scoring": "mean",
                    "minimum_answered": 4,
                },
            ],
        },
    )


def answers(bpi, values) -> dict[str, str]:
    taken = timezone.localtime() - timedelta(hours=1)
    data = {
        "form": "score",
        "instrument": str(bpi.pk),
        "taken_at": taken.strftime("%Y-%m-%dT%H:%M"),
    }
    data |= {f"item_{n}": "" if v is None else str(v) for n, v in enumerate(values, start=1)}
    return data


# --- registering an instrument --------------------------------------------------------------


def test_a_physician_registers_an_instrument_with_subscales(client, physician):
    client.force_login(physician)
    page = client.get(INSTRUMENTS).content.decode()
    assert "ithaca stores identifiers and scores, not licensed wording" in page
    response = client.post(INSTRUMENTS, BPI)
    assert response.status_code == 302
    definition = InstrumentDefinition.objects.get(identifier="BPI-SF")
    assert definition.scoring == {
        "items": 11,
        "item_min": 0,
        "item_max": 10,
        "scoring": "none",
        "subscales": [
            {"id": "severity", "items": [1, 2, 3, 4], "scoring": "mean"},
            {
                "id": "interference",
                "items": [5, 6, 7, 8, 9, 10, 11],
                "scoring": "mean",
                "minimum_answered": 4,
            },
        ],
    }
    event = AuditEvent.objects.get(object_type="instrument_definition")
    assert event.object_id == str(definition.pk)
    listed = client.get(INSTRUMENTS).content.decode()
    assert "interference: items 5-11" in listed
    assert "at least 4 answered" in listed


def test_the_form_has_no_place_for_an_items_wording(client, physician):
    assert not [name for name in InstrumentForm.base_fields if "text" in name or "word" in name]
    client.force_login(physician)
    client.post(INSTRUMENTS, BPI | {"item_text": "How bad is your pain?", "wording": "x"})
    definition = InstrumentDefinition.objects.get()
    assert "How bad" not in str(definition.scoring)
    assert set(definition.scoring) <= services.SPEC_KEYS


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"subscales": "severity: 1-4; mean\nwhat is it like"}, "subscales", "Line 2: write it as"),
        (
            {"subscales": "severity: 1-4; mean\nmood: 9-14; mean"},
            "subscales",
            "item 12 does not exist",
        ),
        (
            {"subscales": "severity: 1-4; mean\nrelief: 3, 3; sum"},
            "subscales",
            "item 3 is listed twice",
        ),
        (
            {"subscales": "severity: 1-4"},
            "subscales",
            "with no total, each subscale gives its scoring",
        ),
        ({"subscales": "severity: 1-4; mean; loud"}, "subscales", "'loud' is not understood"),
        (
            {"subscales": "total: 1-4", "scoring": "sum"},
            "subscales",
            "'total' is the instrument's own",
        ),
        ({"subscales": ""}, "subscales", "with no total, at least one subscale is needed"),
        ({"minimum_answered": "3"}, "minimum_answered", "With no total, leave this blank"),
        ({"item_max": "0"}, "item_max", "item_max: a whole number from 1 to 1000"),
        ({"items": "0"}, "items", "greater than or equal to 1"),
        ({"scoring": "sum", "minimum_answered": "12"}, "minimum_answered", "from 1 to 11"),
        ({"identifier": ""}, "identifier", "required"),
    ],
)
def test_a_bad_spec_is_refused_beside_its_field(client, physician, change, field, words):
    client.force_login(physician)
    response = client.post(INSTRUMENTS, BPI | change)
    assert response.status_code == 200
    page = response.content.decode()
    assert error_beside(page, field, words), page.split("<form", 1)[1][:3000]
    assert not InstrumentDefinition.objects.exists()


def test_registering_the_same_version_twice_is_refused_beside_the_version(client, physician, bpi):
    client.force_login(physician)
    response = client.post(INSTRUMENTS, BPI | {"scoring": "sum", "subscales": ""})
    assert response.status_code == 200
    assert error_beside(response.content.decode(), "version", "is registered already")
    assert InstrumentDefinition.objects.count() == 1


@pytest.mark.parametrize(
    "who", ["nurse", "pharmacist", "coordinator", "caregiver", "patient_user", "stranger"]
)
def test_only_a_physician_registers_an_instrument(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(INSTRUMENTS).status_code == 403
    assert client.post(INSTRUMENTS, BPI).status_code == 403
    assert not InstrumentDefinition.objects.exists()


# --- scoring an instrument for a patient ----------------------------------------------------


def test_a_nurse_records_a_score_from_one_field_per_item(client, nurse, patient, bpi):
    client.force_login(nurse)
    page = client.get(record_url(patient), {"instrument": bpi.pk}).content.decode()
    assert 'name="item_11"' in page
    assert 'name="item_12"' not in page
    values = [4, 6, 2, 5, 3, 3, None, 4, 5, 2, 1]
    response = client.post(record_url(patient), answers(bpi, values))
    assert response.status_code == 302
    saved = InstrumentScore.objects.get(patient=patient)
    assert saved.responses == values
    assert saved.scores == {"severity": "4.25", "interference": "3.00"}
    assert saved.by == nurse
    event = AuditEvent.objects.get(object_type="instrument_score")
    assert event.detail["scores"] == saved.scores


def test_an_answer_out_of_range_is_refused_beside_the_item(client, nurse, patient, bpi):
    client.force_login(nurse)
    response = client.post(record_url(patient), answers(bpi, [1, 2, 12, 3, 4, 4, 4, 4, 4, 4, 4]))
    assert response.status_code == 200
    page = response.content.decode()
    assert error_beside(
        page, "item_3", "the BPI-SF answers cannot be scored: item 3 is 12, outside 0 to 10"
    )
    assert not InstrumentScore.objects.exists()


def test_too_few_answered_is_refused_with_the_cores_sentence(client, nurse, patient, bpi):
    client.force_login(nurse)
    values = [1, 2, 3, 4, 5, 6, 7, None, None, None, None]
    response = client.post(record_url(patient), answers(bpi, values))
    assert response.status_code == 200
    page = response.content.decode()
    assert error_beside(
        page,
        "responses",
        "the BPI-SF interference cannot be scored: 3 of its items answered, and its scoring rule "
        "needs at least 4",
    )
    assert not InstrumentScore.objects.exists()


def test_a_word_for_an_answer_and_a_future_time_are_refused_beside_their_fields(
    client, nurse, patient, bpi
):
    client.force_login(nurse)
    data = answers(bpi, [1] * 11) | {"item_2": "severe"}
    page = client.post(record_url(patient), data).content.decode()
    assert error_beside(page, "item_2", "A whole number, or blank")
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = client.post(
        record_url(patient), answers(bpi, [1] * 11) | {"taken_at": future}
    ).content.decode()
    assert error_beside(page, "taken_at", "give a past time")
    assert not InstrumentScore.objects.exists()


def test_an_unknown_instrument_is_refused_beside_the_chooser(client, nurse, patient, bpi):
    client.force_login(nurse)
    response = client.get(record_url(patient), {"instrument": "999"})
    assert response.status_code == 200
    assert error_beside(response.content.decode(), "instrument", "Choose one of the registered")


# --- admissions -----------------------------------------------------------------------------


def test_a_coordinator_records_an_admission_and_its_discharge_once(client, coordinator, patient):
    client.force_login(coordinator)
    admitted = timezone.localdate() - timedelta(days=5)
    response = client.post(
        record_url(patient),
        {
            "form": "admission",
            "admitted_on": admitted.isoformat(),
            "reason": "pain",
            "pain_related": "yes",
        },
    )
    assert response.status_code == 302
    admission = Admission.objects.get(patient=patient)
    assert (admission.reason, admission.pain_related, admission.discharged_on) == (
        "pain",
        True,
        None,
    )
    assert AuditEvent.objects.filter(object_type="admission", action="create").exists()

    prefix = f"discharge-{admission.pk}"
    post = {"form": "discharge", "admission": str(admission.pk)}
    home = timezone.localdate() - timedelta(days=1)
    response = client.post(
        record_url(patient), post | {f"{prefix}-discharged_on": home.isoformat()}
    )
    assert response.status_code == 302
    admission.refresh_from_db()
    assert admission.discharged_on == home
    assert AuditEvent.objects.filter(object_type="admission", action="change").exists()

    again = client.post(record_url(patient), post | {f"{prefix}-discharged_on": home.isoformat()})
    assert again.status_code == 200
    assert error_beside(again.content.decode(), f"{prefix}-discharged_on", "recorded already")


def test_bad_admission_dates_are_refused_beside_their_fields(client, nurse, patient):
    client.force_login(nurse)
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = client.post(
        record_url(patient),
        {
            "form": "admission",
            "admitted_on": tomorrow.isoformat(),
            "reason": "device",
            "pain_related": "no",
        },
    ).content.decode()
    assert error_beside(page, "admitted_on", "cannot be in the future")
    page = client.post(
        record_url(patient),
        {
            "form": "admission",
            "admitted_on": date(2026, 3, 10).isoformat(),
            "discharged_on": date(2026, 3, 1).isoformat(),
            "reason": "infection",
            "pain_related": "no",
        },
    ).content.decode()
    assert error_beside(page, "discharged_on", "The discharge day comes after the admission day.")
    page = client.post(record_url(patient), {"form": "admission"}).content.decode()
    assert error_beside(page, "reason", "Choose the reason")
    assert error_beside(page, "pain_related", "related to pain")
    assert not Admission.objects.exists()


def test_a_discharge_before_the_admission_is_refused(client, nurse, patient):
    admission = services.record_admission(
        nurse, patient, admitted_on=date(2026, 3, 10), reason="pain", pain_related=True
    )
    client.force_login(nurse)
    prefix = f"discharge-{admission.pk}"
    response = client.post(
        record_url(patient),
        {
            "form": "discharge",
            "admission": str(admission.pk),
            f"{prefix}-discharged_on": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert error_beside(response.content.decode(), f"{prefix}-discharged_on", "lies between")
    admission.refresh_from_db()
    assert admission.discharged_on is None


def test_another_patients_admission_cannot_be_discharged_here(
    client, nurse, patient, other_patient
):
    admission = services.record_admission(
        nurse, other_patient, admitted_on=date(2026, 3, 10), reason="pain", pain_related=True
    )
    client.force_login(nurse)
    response = client.post(
        record_url(patient),
        {
            "form": "discharge",
            "admission": str(admission.pk),
            f"discharge-{admission.pk}-discharged_on": "2026-03-12",
        },
    )
    assert response.status_code == 404


# --- who may record -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["pharmacist", "caregiver", "patient_user", "stranger", "administrator"]
)
def test_roles_that_may_not_record_are_refused(client, who, request, patient, bpi):
    client.force_login(request.getfixturevalue(who))
    assert client.get(record_url(patient)).status_code == 403
    admission = {
        "form": "admission",
        "admitted_on": "2026-03-10",
        "reason": "pain",
        "pain_related": "yes",
    }
    assert client.post(record_url(patient), admission).status_code == 403
    assert client.post(record_url(patient), answers(bpi, [1] * 11)).status_code == 403
    assert not Admission.objects.exists()
    assert not InstrumentScore.objects.exists()


@pytest.mark.parametrize(
    ("who", "shown"),
    [("physician", True), ("nurse", True), ("coordinator", True), ("pharmacist", False)],
)
def test_the_patient_page_links_the_record_page_for_roles_that_record(
    client, who, shown, request, patient
):
    client.force_login(request.getfixturevalue(who))
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert (record_url(patient) in page) is shown
