"""Roles and caregiver links changed in the admin go into the hash-chained audit trail."""

from __future__ import annotations

from ithaca.accounts.models import CaregiverLink
from ithaca.audit.chain import verify
from ithaca.audit.models import AuditEvent

from .conftest import make_user


def test_linking_a_caregiver_in_the_admin_is_audited(client, administrator, patient):
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    carer = make_user("carer_new", None)
    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/caregiverlink/add/", {"user": carer.pk, "patient": patient.pk}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    link = CaregiverLink.objects.get(user=carer)
    event = AuditEvent.objects.get(object_type="caregiverlink", object_id=str(link.pk))
    assert event.action == "create"
    assert event.patient_id == patient.pk
    assert event.actor_username == administrator.username
    assert verify().intact


def test_removing_a_caregiver_link_in_the_admin_is_audited(
    client, administrator, caregiver, patient
):
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    link = CaregiverLink.objects.get(user=caregiver)
    client.force_login(administrator)
    response = client.post(f"/admin/accounts/caregiverlink/{link.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CaregiverLink.objects.filter(pk=link.pk).exists()
    assert AuditEvent.objects.filter(object_type="caregiverlink", object_id=str(link.pk)).exists()
