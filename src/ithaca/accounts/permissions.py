"""Who may do what. Every service calls `require` before it reads or writes.

The table is the whole policy: a reviewer can read it in one screen. A caregiver may only
view the one patient they are linked to; a user without a profile may do nothing.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from ithaca.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from ithaca.patients.models import Patient


class Action(Enum):
    LIST_PATIENTS = "list patients"
    VIEW_PATIENT = "view a patient's record"
    REGISTER_PATIENT = "register a patient"
    EDIT_PATIENT = "edit a patient's details"
    RECORD_PAIN_SCORE = "record a pain score"
    EDIT_REGIMEN = "change the systemic opioid regimen"
    REGISTER_DEVICE = "register a pump"
    RECORD_DEVICE_EVENT = "record a pump or catheter event"
    PRESCRIBE_PROGRAM = "prescribe a pump program"
    CHECK_PROGRAM = "double-check a pump program"
    RECORD_REFILL = "record a refill"
    VERIFY_REFILL = "double-check a refill"
    VIEW_DASHBOARD = "see the clinic dashboard"
    MANAGE_LIBRARY = "change the clinic drug library"
    VIEW_AUDIT = "read the audit trail"
    VIEW_PATHWAY = "see the care pathway worklists and delays"
    MOVE_PATHWAY = "move a patient along the care pathway"
    RECORD_DELAY = "record why a patient is waiting"
    RECORD_SIDE_EFFECTS = "record whether side effects limit the opioid dose"
    REFER_PATIENT = "refer a patient for intrathecal therapy"
    ASSESS_ELIGIBILITY = "assess eligibility for intrathecal therapy"
    RECORD_DECISION = "record the multidisciplinary decision"
    RECORD_TRIAL = "record an intrathecal trial or its waiver"
    RECORD_IMPLANT = "record the implant and its checklist"
    RECORD_FOLLOW_UP = "record a follow-up visit"
    RECORD_COMPLICATION = "record a complication"
    VIEW_PORTAL = "see the patient and family pages"
    VIEW_EDUCATION = "read the education pages and leaflets"
    INVITE_FAMILY = "invite a patient or caregiver to the family pages"
    RECORD_DECISION_AID = "record the shared decision aid"
    RECORD_CAREGIVER_CHECKIN = "record a caregiver check-in"
    VIEW_REPORTS = "see the outcome, safety and cost reports"
    RECORD_OUTCOME = "record an outcome (admission, instrument score)"
    MANAGE_INSTRUMENTS = "register a licensed outcome instrument"
    EXPORT_REGISTRY = "export the pseudonymised registry dataset"


CLINICAL_STAFF = {Role.PHYSICIAN, Role.NURSE, Role.PHARMACIST, Role.COORDINATOR}

ALLOWED: dict[Action, set[Role]] = {
    Action.LIST_PATIENTS: CLINICAL_STAFF,
    # The clinical record is the team's: a family account sees the portal instead, never
    # the team's notes, pain-score comments or what the patient confided in the decision aid.
    Action.VIEW_PATIENT: CLINICAL_STAFF,
    Action.REGISTER_PATIENT: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.EDIT_PATIENT: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.RECORD_PAIN_SCORE: {Role.PHYSICIAN, Role.NURSE},
    Action.EDIT_REGIMEN: {Role.PHYSICIAN, Role.PHARMACIST},
    Action.REGISTER_DEVICE: {Role.PHYSICIAN, Role.NURSE},
    Action.RECORD_DEVICE_EVENT: {Role.PHYSICIAN, Role.NURSE},
    Action.PRESCRIBE_PROGRAM: {Role.PHYSICIAN},
    Action.CHECK_PROGRAM: {Role.PHARMACIST, Role.PHYSICIAN},
    Action.RECORD_REFILL: {Role.NURSE, Role.PHYSICIAN},
    Action.VERIFY_REFILL: {Role.NURSE, Role.PHYSICIAN, Role.PHARMACIST},
    Action.VIEW_DASHBOARD: CLINICAL_STAFF,
    Action.MANAGE_LIBRARY: {Role.PHARMACIST},
    Action.VIEW_AUDIT: {Role.ADMINISTRATOR},
    Action.VIEW_PATHWAY: CLINICAL_STAFF,
    Action.MOVE_PATHWAY: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.RECORD_DELAY: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.RECORD_SIDE_EFFECTS: {Role.PHYSICIAN, Role.NURSE, Role.PHARMACIST},
    # The oncologist or palliative physician refers; a coordinator may send it on their behalf.
    Action.REFER_PATIENT: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.ASSESS_ELIGIBILITY: {Role.PHYSICIAN},
    Action.RECORD_DECISION: {Role.PHYSICIAN},
    Action.RECORD_TRIAL: {Role.PHYSICIAN},
    Action.RECORD_IMPLANT: {Role.PHYSICIAN},
    Action.RECORD_FOLLOW_UP: {Role.PHYSICIAN, Role.NURSE},
    Action.RECORD_COMPLICATION: {Role.PHYSICIAN, Role.NURSE},
    # The family pages: read-only, and only for the one patient the account is linked to.
    Action.VIEW_PORTAL: {Role.CAREGIVER, Role.PATIENT},
    # The education pages are the same for everyone: every role may read them.
    Action.VIEW_EDUCATION: set(Role),
    Action.INVITE_FAMILY: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    # The team records the aid's answers and the check-ins with the family, in clinic or by
    # phone: the family's accounts never write.
    Action.RECORD_DECISION_AID: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.RECORD_CAREGIVER_CHECKIN: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    Action.VIEW_REPORTS: CLINICAL_STAFF,
    Action.RECORD_OUTCOME: {Role.PHYSICIAN, Role.NURSE, Role.COORDINATOR},
    # A licensed instrument's scoring rules are clinical configuration: the physician's.
    Action.MANAGE_INSTRUMENTS: {Role.PHYSICIAN},
    # Pooled data leave the clinic: a deliberate act by the physician or coordinator.
    Action.EXPORT_REGISTRY: {Role.PHYSICIAN, Role.COORDINATOR},
}


def role_of(user: User | AnonymousUser) -> Role | None:
    if not user.is_authenticated or not user.is_active:
        return None
    profile = getattr(user, "profile", None)
    return Role(profile.role) if profile is not None else None


def may(user: User | AnonymousUser, action: Action, patient: Patient | None = None) -> bool:
    role = role_of(user)
    if role is None or role not in ALLOWED[action]:
        return False
    if role in (Role.CAREGIVER, Role.PATIENT) and action is not Action.VIEW_EDUCATION:
        # Read-only, and only the linked patient: never a list, never another record.
        return patient is not None and patient.caregiver_links.filter(user_id=user.pk or 0).exists()
    return True


def require(user: User | AnonymousUser, action: Action, patient: Patient | None = None) -> Role:
    """The user's role, or PermissionDenied naming what was refused."""
    if not may(user, action, patient):
        raise PermissionDenied(f"You may not {action.value}.")
    role = role_of(user)
    assert role is not None  # noqa: S101 - may() returned True, so there is a role
    return role


def acting_user(request: HttpRequest) -> User:
    """The signed-in user making a request; PermissionDenied for anyone else."""
    user = request.user
    if not isinstance(user, get_user_model()):
        raise PermissionDenied("Sign in first.")
    return user
