"""Invitations: the team issues, the family accepts, the team revokes or removes access.

Each state change and its audit event are written in one transaction. The token itself is
never stored: only its SHA-256, so a copy of the database cannot be used to open accounts.
The token carries 256 random bits, so an unsalted hash is enough to make it unguessable.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ithaca.accounts.models import CaregiverLink, Profile
from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.family.models import Invitation, InviteeRole
from ithaca.patients.models import Patient

# Not clinical numbers: how long a link given by hand may wait. A clinic may change them here.
DEFAULT_DAYS = 14
MAXIMUM_DAYS = 30


class InvitationState(Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"


class InvitationRefused(ServiceRefusal):
    """An invitation that cannot be used or changed, said in the reader's language."""


@dataclass(frozen=True)
class Issued:
    invitation: Invitation
    token: str  # shown once to the team member, never stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def state_of(invitation: Invitation, now: datetime | None = None) -> InvitationState:
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.accepted_at is not None:
        return InvitationState.ACCEPTED
    if (now or timezone.now()) >= invitation.expires_at:
        return InvitationState.EXPIRED
    return InvitationState.OPEN


def find(token: str) -> Invitation | None:
    return Invitation.objects.select_related("patient").filter(token_hash=token_hash(token)).first()


def refusal_for(state: InvitationState) -> str:
    """Why a link no longer works, in words the family can act on."""
    if state is InvitationState.ACCEPTED:
        return _(
            "This invitation has already been used. If you made the account, sign in with it. "
            "If not, ask the pain team for a new invitation."
        )
    if state is InvitationState.EXPIRED:
        return _("This invitation has expired. Ask the pain team for a new one.")
    return _("This invitation was withdrawn by the pain team. Ask them if you need a new one.")


def issue(
    actor: User,
    patient: Patient,
    *,
    name: str,
    relationship: str,
    role: InviteeRole,
    days: int = DEFAULT_DAYS,
) -> Issued:
    require(actor, Action.INVITE_FAMILY, patient)
    if patient.stage is Stage.DECEASED:
        # The portal speaks of refills and alarms: nothing a bereaved family should be sent.
        raise InvitationRefused(
            _("This patient has died: the family pages are not offered."), "role"
        )
    if not 1 <= days <= MAXIMUM_DAYS:
        raise InvitationRefused(
            _("An invitation may last from 1 to %(max)d days.") % {"max": MAXIMUM_DAYS}, "days"
        )
    name, relationship = name.strip(), relationship.strip()
    if not name:
        raise InvitationRefused(_("Write the name of the person you are inviting."), "name")
    if role is InviteeRole.PATIENT:
        relationship = "patient"
    elif not relationship:
        raise InvitationRefused(
            _("Write how this person is related to the patient."), "relationship"
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            patient=patient,
            name=name,
            relationship=relationship,
            role=role.value,
            token_hash=token_hash(token),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        record(
            actor,
            AuditAction.CREATE,
            "invitation",
            invitation.pk,
            patient_id=patient.pk,
            detail={
                "name": name,
                "relationship": relationship,
                "role": role.value,
                "expires_at": invitation.expires_at.isoformat(),
            },
        )
    return Issued(invitation, token)


def accept(token: str, *, username: str, password: str) -> User:
    """Open the account the invitation promises, linked to its one patient."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("patient")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None:
            raise InvitationRefused(
                _("This invitation link is not valid. Check it was copied whole.")
            )
        state = state_of(invitation)
        if state is InvitationState.OPEN:
            return _open_account(invitation, username.strip(), password)
    # Outside the transaction, so the refusal stays on record: someone tried a dead link.
    record(
        None,
        AuditAction.REFUSED,
        "invitation",
        invitation.pk,
        patient_id=invitation.patient_id,
        reason=f"invitation {state.value}",
    )
    raise InvitationRefused(refusal_for(state))


def _open_account(invitation: Invitation, username: str, password: str) -> User:
    model = get_user_model()
    if not username:
        raise InvitationRefused(_("Choose a username."), "username")
    if model.objects.filter(username__iexact=username).exists():
        raise InvitationRefused(_("That username is taken. Choose another one."), "username")
    first, _space, last = invitation.name.partition(" ")
    user = model(username=username, first_name=first[:150], last_name=last[:150])
    validate_password(password, user)  # raises ValidationError, shown on the form
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvitationRefused(
            _("That username is taken. Choose another one."), "username"
        ) from None
    Profile.objects.create(user=user, role=invitation.role, display_name=invitation.name)
    link = CaregiverLink.objects.create(user=user, patient=invitation.patient)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record(
        user,
        AuditAction.CREATE,
        "caregiver_link",
        link.pk,
        patient_id=invitation.patient_id,
        detail={"invitation": invitation.pk, "role": invitation.role, "username": username},
    )
    return user


def revoke(actor: User, invitation: Invitation) -> None:
    require(actor, Action.INVITE_FAMILY, invitation.patient)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        state = state_of(locked)
        if state is not InvitationState.OPEN:
            raise InvitationRefused(
                _(
                    "Only an invitation still waiting can be withdrawn: this one was used, "
                    "has expired or was withdrawn already."
                )
            )
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            actor,
            AuditAction.CHANGE,
            "invitation",
            locked.pk,
            patient_id=locked.patient_id,
            detail={"revoked": True},
        )
    invitation.revoked_at, invitation.revoked_by = locked.revoked_at, actor


def remove_link(actor: User, link: CaregiverLink) -> None:
    """End one family account's access to one patient. An account left with no patient is
    switched off: it could read nothing, and an unused account is only a way in."""
    require(actor, Action.INVITE_FAMILY, link.patient)
    with transaction.atomic():
        user = link.user
        patient_id, link_id = link.patient_id, link.pk
        link.delete()
        deactivated = not CaregiverLink.objects.filter(user=user).exists()
        if deactivated:
            get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        record(
            actor,
            AuditAction.CHANGE,
            "caregiver_link",
            link_id,
            patient_id=patient_id,
            detail={"removed": True, "username": user.get_username(), "deactivated": deactivated},
        )
