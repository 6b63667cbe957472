"""Invitations to the family pages: issued by the team, accepted once by the family, and
withdrawn or removed by the team; every change on the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ithaca.accounts.models import CaregiverLink, Role
from ithaca.audit.chain import verify
from ithaca.audit.models import AuditEvent
from ithaca.family import invitations
from ithaca.family.invitations import InvitationRefused
from ithaca.family.models import Invitation, InviteeRole

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-47"  # noqa: S105 - test only


def issue(actor, patient, role=InviteeRole.CAREGIVER, days=14, name="Li Wong"):
    return invitations.issue(
        actor, patient, name=name, relationship="daughter", role=role, days=days
    )


def accept_form(client, token, username="li_wong", password=NEW_PASSWORD):
    return client.post(
        f"/invite/{token}/",
        {"username": username, "password": password, "password_again": password},
    )


def test_a_nurse_issues_an_invitation_and_sees_the_link_once(client, nurse, patient):
    client.force_login(nurse)
    response = client.post(
        f"/patients/{patient.pk}/family/",
        {"role": "caregiver", "name": "Li Wong", "relationship": "daughter", "days": "14"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    token = re.search(r"/invite/([A-Za-z0-9_-]{20,})/", page).group(1)
    invitation = Invitation.objects.get()
    assert invitation.token_hash == invitations.token_hash(token)
    assert token not in invitation.token_hash
    listing = client.get(f"/patients/{patient.pk}/family/")
    assert listing.status_code == 200
    assert "Li Wong" in listing.content.decode()
    assert token not in listing.content.decode()
    assert (invitation.expires_at - invitation.created_at) == timedelta(days=14)
    event = AuditEvent.objects.get(object_type="invitation", action="create")
    assert event.patient_id == patient.pk
    assert event.actor_username == "nurse_lee"
    assert token not in str(event.detail)


def test_the_link_lasts_at_most_thirty_days(nurse, patient):
    with pytest.raises(invitations.InvitationRefused, match="1 to 30 days"):
        issue(nurse, patient, days=31)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("persona", ["physician", "nurse", "coordinator"])
def test_the_team_may_invite(request, persona, patient):
    issued = issue(request.getfixturevalue(persona), patient)
    assert issued.invitation.pk


@pytest.mark.parametrize("persona", ["pharmacist", "administrator", "caregiver", "stranger"])
def test_others_may_not_invite(client, request, persona, patient):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        issue(user, patient)
    client.force_login(user)
    assert client.get(f"/patients/{patient.pk}/family/").status_code == 403
    response = client.post(
        f"/patients/{patient.pk}/family/",
        {"role": "caregiver", "name": "X", "relationship": "son", "days": "3"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_accepting_opens_a_read_only_account_linked_to_that_patient(client, coordinator, patient):
    issued = issue(coordinator, patient)
    response = accept_form(client, issued.token)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    user = get_user_model().objects.get(username="li_wong")
    assert user.profile.role == Role.CAREGIVER
    assert user.profile.display_name == "Li Wong"
    assert list(CaregiverLink.objects.filter(user=user).values_list("patient_id", flat=True)) == [
        patient.pk
    ]
    assert not user.is_staff
    assert user.check_password(NEW_PASSWORD)
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_by == user
    assert AuditEvent.objects.filter(
        object_type="caregiver_link", action="create", patient_id=patient.pk, actor=user
    ).exists()
    assert client.get("/portal/").status_code == 200  # signed in by the acceptance
    assert verify().intact


def test_a_patient_invitation_opens_a_patient_account(client, physician, patient):
    issued = issue(physician, patient, role=InviteeRole.PATIENT, name="Mei Wong")
    accept_form(client, issued.token, username="mei")
    user = get_user_model().objects.get(username="mei")
    assert user.profile.role == Role.PATIENT
    assert Invitation.objects.get().relationship == "patient"


def test_a_used_link_is_refused_in_words_and_the_attempt_audited(client, nurse, patient):
    issued = issue(nurse, patient)
    accept_form(client, issued.token)
    client.logout()
    response = accept_form(client, issued.token, username="someone_else")
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert not get_user_model().objects.filter(username="someone_else").exists()
    with pytest.raises(invitations.InvitationRefused, match="already been used"):
        invitations.accept(issued.token, username="third", password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="refused", object_type="invitation").exists()


def test_an_expired_link_is_refused(client, nurse, patient):
    issued = issue(nurse, patient, days=1)
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(days=2)
    )
    response = client.get(f"/invite/{issued.token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert accept_form(client, issued.token).status_code == 410
    assert not get_user_model().objects.filter(username="li_wong").exists()


def test_a_revoked_link_is_refused_and_only_a_waiting_one_can_be_revoked(client, nurse, patient):
    issued = issue(nurse, patient)
    client.force_login(nurse)
    response = client.post(f"/family/invitations/{issued.invitation.pk}/revoke/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(object_type="invitation", action="change").exists()
    client.logout()
    response = client.get(f"/invite/{issued.token}/")
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    with pytest.raises(invitations.InvitationRefused, match="Only an invitation still waiting"):
        invitations.revoke(nurse, Invitation.objects.get())


def test_an_unknown_token_is_refused(client):
    response = client.get("/invite/not-a-real-token-at-all/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_password_rules_and_taken_usernames_are_said_on_the_form(client, nurse, patient, caregiver):
    issued = issue(nurse, patient)
    response = accept_form(client, issued.token, password="short")  # noqa: S106 - a refused password
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    response = accept_form(client, issued.token, username="CARER_WONG")
    assert "username is taken" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_a_signed_in_user_is_asked_to_sign_out_first(client, nurse, patient):
    issued = issue(nurse, patient)
    client.force_login(nurse)
    response = client.get(f"/invite/{issued.token}/")
    assert response.status_code == 409
    assert "Sign out first" in response.content.decode()


def test_the_team_of_one_patient_cannot_revoke_from_a_caregiver_account(
    client, nurse, caregiver, patient
):
    issued = issue(nurse, patient)
    client.force_login(caregiver)
    assert client.post(f"/family/invitations/{issued.invitation.pk}/revoke/").status_code == 403
    assert Invitation.objects.get().revoked_at is None


def test_removing_a_link_ends_access_and_switches_off_an_account_left_with_none(
    client, nurse, caregiver, patient
):
    link = CaregiverLink.objects.get(user=caregiver)
    client.force_login(nurse)
    assert client.post(f"/family/links/{link.pk}/remove/").status_code == 302
    assert not CaregiverLink.objects.filter(user=caregiver).exists()
    caregiver.refresh_from_db()
    assert not caregiver.is_active
    event = AuditEvent.objects.get(object_type="caregiver_link", action="change")
    assert event.detail["deactivated"] is True
    assert event.patient_id == patient.pk


def test_another_patients_caregiver_cannot_remove_a_link(client, other_caregiver, caregiver):
    link = CaregiverLink.objects.get(user=caregiver)
    client.force_login(other_caregiver)
    assert client.post(f"/family/links/{link.pk}/remove/").status_code == 403
    assert CaregiverLink.objects.filter(pk=link.pk).exists()


def test_an_invitation_for_one_patient_links_only_that_patient(
    client, nurse, patient, other_patient
):
    issued = issue(nurse, other_patient, name="Ann Baker")
    accept_form(client, issued.token, username="ann")
    user = get_user_model().objects.get(username="ann")
    assert list(user.caregiver_links.values_list("patient_id", flat=True)) == [other_patient.pk]
    assert client.get(f"/portal/{patient.pk}/").status_code == 403


def test_the_clinic_wide_page_finds_a_patient_by_hospital_number(client, coordinator, patient):
    client.force_login(coordinator)
    response = client.get("/family/", {"hospital_number": "h100001"})
    assert response["Location"] == f"/patients/{patient.pk}/family/"
    response = client.get("/family/", {"hospital_number": "nobody"}, follow=True)
    assert "No patient has the hospital number" in response.content.decode()


def test_no_invitation_is_issued_for_a_patient_who_has_died(nurse, patient):
    patient.pathway_stage = "deceased"
    patient.save(update_fields=["pathway_stage"])
    with pytest.raises(InvitationRefused) as refused:
        issue(nurse, patient)
    assert "has died" in str(refused.value)
