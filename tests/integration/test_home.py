"""Each role lands where its work is after signing in."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("persona", ["physician", "nurse", "pharmacist", "coordinator"])
def test_clinical_staff_land_on_the_dashboard(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/home/")["Location"] == "/dashboard/"


def test_a_caregiver_lands_on_the_family_portal(client, caregiver, patient):
    client.force_login(caregiver)
    assert client.get("/home/")["Location"] == "/portal/"


def test_an_administrator_lands_on_the_administration_pages(client, administrator):
    client.force_login(administrator)
    assert client.get("/home/")["Location"] == "/admin/"


def test_an_account_without_a_role_is_told_so(client, stranger):
    client.force_login(stranger)
    response = client.get("/home/")
    assert response.status_code == 403
    assert "no role" in response.content.decode()


def test_a_deactivated_account_has_no_role_even_if_passed_to_a_service_directly(nurse):
    from ithaca.accounts.permissions import Action, may

    nurse.is_active = False
    assert not may(nurse, Action.RECORD_REFILL)


def test_signing_in_goes_to_the_start_page(settings):
    assert settings.LOGIN_REDIRECT_URL == "/home/"
