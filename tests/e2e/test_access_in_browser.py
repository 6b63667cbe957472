"""Who sees what, in a real browser: a stranger gets nothing, a caregiver one portal."""

from __future__ import annotations

import re

import pytest

from .conftest import Clinic, sign_in

pytestmark = pytest.mark.e2e


def refused(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 403, f"{path} answered {response.status}"
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    assert page.get_by_role("alert").inner_text().startswith("You may not")


def caregiver_link(clinic: Clinic, username: str) -> tuple[int, str]:
    """The one patient the demo links its caregiver to (no page names it: the portal comes later)."""
    rows = clinic.query(
        "SELECT p.id, p.family_name FROM accounts_caregiverlink l"
        " JOIN auth_user u ON u.id = l.user_id JOIN patients_patient p ON p.id = l.patient_id"
        " WHERE u.username = ?",
        (username,),
    )
    assert len(rows) == 1, (
        f"the demo caregiver {username} should be linked to one patient, not {len(rows)}"
    )
    return int(rows[0][0]), str(rows[0][1])


def another_patient(clinic: Clinic, not_this: int) -> int:
    return int(
        clinic.query("SELECT MIN(id) FROM patients_patient WHERE id != ?", (not_this,))[0][0]
    )


def first_device(clinic: Clinic, patient_id: int | None = None) -> int:
    if patient_id is None:
        return int(clinic.query("SELECT MIN(id) FROM devices_device")[0][0])
    return int(
        clinic.query("SELECT MIN(id) FROM devices_device WHERE patient_id = ?", (patient_id,))[0][0]
    )


def test_without_signing_in_every_page_sends_you_to_sign_in(page, shot):
    for path in ("/dashboard/", "/patients/", "/patients/1/", "/devices/1/"):
        page.goto(path)
        assert re.search(r"/accounts/login/\?next=", page.url), f"{path} went to {page.url}"
        page.get_by_role("heading", name="Sign in").wait_for()
    shot(page, "sign-in")


def test_a_wrong_password_is_refused(page, clinic: Clinic, shot):
    sign_in(page, {**clinic.login("pump nurse"), "password": "not the password"})
    assert "/accounts/login/" in page.url
    page.get_by_role("alert").filter(has_text="did not match").wait_for()
    shot(page, "wrong-password")


def test_a_stranger_signing_in_is_refused_the_dashboard_and_every_patient(
    page, clinic: Clinic, shot
):
    sign_in(page, clinic.login("no role"))
    assert page.url.endswith("/home/")  # signed in, and told there is no role yet
    assert page.get_by_role("heading", level=1).inner_text() == "No role yet"
    shot(page, "stranger-dashboard")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Patients").count() == 0
    assert nav.get_by_role("link", name="Dashboard").count() == 0
    refused(page, "/dashboard/")
    refused(page, "/patients/")
    patient = another_patient(clinic, 0)
    refused(page, f"/patients/{patient}/")
    refused(page, f"/devices/{first_device(clinic)}/")
    refused(page, "/library/")
    shot(page, "stranger-patient")


def test_a_caregiver_sees_their_own_patients_portal_and_nothing_of_the_teams(
    page, clinic: Clinic, shot
):
    own, family_name = caregiver_link(clinic, clinic.login("caregiver")["username"])
    sign_in(page, clinic.login("caregiver"))
    assert page.url.endswith("/portal/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert family_name.lower() in heading.lower() or "pump" in heading.lower()
    # read-only: nothing to change, prescribe or record
    main = page.locator("main")
    assert main.get_by_role("button", name=re.compile("Save|Record|Add")).count() == 0
    shot(page, "caregiver-portal")

    # the team's record, even of their own patient, is not theirs to read
    refused(page, f"/patients/{own}/")
    refused(page, f"/patients/{another_patient(clinic, own)}/")
    response = page.goto(f"/portal/{another_patient(clinic, own)}/")
    assert response is not None
    assert response.status == 403
    assert "linked it to" in page.get_by_role("alert").inner_text()
    refused(page, "/patients/")
    refused(page, "/dashboard/")
    refused(page, f"/patients/{own}/edit/")
    other_device = clinic.query("SELECT MIN(id) FROM devices_device WHERE patient_id != ?", (own,))[
        0
    ][0]
    refused(page, f"/devices/{other_device}/")
    shot(page, "caregiver-other-patient")


def test_an_administrator_reads_no_patient_record(page, clinic: Clinic):
    sign_in(page, clinic.login("administrator"))
    refused(page, "/patients/")
    refused(page, f"/patients/{another_patient(clinic, 0)}/")
