"""The reports hub: one page listing the reports, for the clinical staff; the registry export
only for the roles that may export; the staff menu's Reports link; and each complication on
the pathway page linking its incident summary."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.pathway.models import Complication

from .conftest import make_user

pytestmark = pytest.mark.django_db
HUB = "/reports/"
REPORTS = ("/reports/outcomes/", "/reports/safety/", "/reports/cost/")


@pytest.fixture
def patient_user(patient):
    user = make_user("mei_wong", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


@pytest.mark.parametrize(
    ("who", "exports"),
    [("physician", True), ("coordinator", True), ("nurse", False), ("pharmacist", False)],
)
def test_the_hub_lists_the_reports_and_the_export_only_to_who_may_export(
    client, who, exports, request
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(HUB)
    assert response.status_code == 200
    page = response.content.decode()
    for url in REPORTS:
        assert f'href="{url}"' in page
    assert ('href="/reports/export/"' in page) is exports
    assert "Complication rates" in page  # each report says what it shows


def test_the_instruments_page_is_offered_to_the_physician_only(client, physician, nurse):
    client.force_login(physician)
    assert 'href="/reports/instruments/"' in client.get(HUB).content.decode()
    client.force_login(nurse)
    assert 'href="/reports/instruments/"' not in client.get(HUB).content.decode()


@pytest.mark.parametrize("who", ["caregiver", "patient_user", "stranger", "administrator"])
def test_the_hub_is_refused_outside_the_clinical_team(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(HUB).status_code == 403


def test_the_hub_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(HUB)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_staff_menu_reports_link_opens_the_hub(client, nurse):
    client.force_login(nurse)
    page = client.get("/patients/").content.decode()
    assert f'href="{HUB}">Reports</a>' in page


def test_each_complication_links_its_incident_summary(client, nurse, physician, patient):
    complication = Complication.objects.create(
        patient=patient,
        kind="csf_leak",
        onset_on=date(2026, 2, 1),
        description="Headache on standing",
        at=timezone.now(),
        by=physician,
    )
    client.force_login(nurse)
    page = client.get(f"/patients/{patient.pk}/pathway/").content.decode()
    link = f'href="/reports/incident/{complication.pk}/"'
    assert link in page
    assert client.get(f"/reports/incident/{complication.pk}/").status_code == 200
