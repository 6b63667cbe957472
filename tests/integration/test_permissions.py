"""Who may do what: one row per role per sensitive action, through the real services.

Every refusal is checked twice: the service raises (PermissionDenied, or SecondPersonRequired
for the person who did the first half of a double check), and nothing was written: no new
row, no changed status, no audit event, the chain's head unmoved.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from ithaca.accounts.models import CaregiverLink, Profile, Role
from ithaca.accounts.permissions import ALLOWED, Action, may, require
from ithaca.audit.models import AuditEvent, AuditHead
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Volume
from ithaca.devices import library_admin, programs, refills
from ithaca.devices.errors import SecondPersonRequired
from ithaca.devices.models import (
    ClinicLibrary,
    Device,
    ProgramDrug,
    ProgramStatus,
    ProgramStep,
    ProgramVersion,
    Refill,
    RefillStatus,
)
from ithaca.patients.access import open_patient
from ithaca.patients.models import Patient

from .conftest import PASSWORD, morphine_request

ALLOW = "allowed"
DENY = "PermissionDenied"
SECOND_PERSON = "SecondPersonRequired"

PERSONAS = (
    "physician",
    "second_physician",
    "nurse",
    "second_nurse",
    "pharmacist",
    "coordinator",
    "administrator",
    "caregiver",
    "other_caregiver",
    "stranger",
)

CLINIC_LIBRARY = """
[clinic]
name = "St Elsewhere pain service"
version = "4"
approved_by = "Drugs and therapeutics committee"
approved_on = "2026-11-01"

[policy.max_refill_interval_days]
value = 60
source = "ithaca-policy"
confidence = "U"
note = "Local policy: every 60 days at most."
"""


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Ten personas per test: hash their passwords quickly here (test_security checks Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def table(allowed: dict[str, str]) -> list[tuple[str, str]]:
    """Every persona, with its outcome: the ones named, and DENY for everyone else."""
    return [(persona, allowed.get(persona, DENY)) for persona in PERSONAS]


PRESCRIBE_PROGRAM = table({"physician": ALLOW, "second_physician": ALLOW})
# The program under check is prescribed by `physician`.
CHECK_PROGRAM = table({"pharmacist": ALLOW, "second_physician": ALLOW, "physician": SECOND_PERSON})
RECORD_REFILL = table(
    {"nurse": ALLOW, "second_nurse": ALLOW, "physician": ALLOW, "second_physician": ALLOW}
)
# The refill under check is performed by `nurse`.
VERIFY_REFILL = table(
    {
        "second_nurse": ALLOW,
        "physician": ALLOW,
        "second_physician": ALLOW,
        "pharmacist": ALLOW,
        "nurse": SECOND_PERSON,
    }
)
CLINICAL_STAFF = (
    "physician",
    "second_physician",
    "nurse",
    "second_nurse",
    "pharmacist",
    "coordinator",
)
# The patient is the one `caregiver` is linked to; `other_caregiver` looks after someone else.
# The clinical record is the team's; a linked caregiver reads the family portal instead.
VIEW_PATIENT = table(dict.fromkeys(CLINICAL_STAFF, ALLOW))
LIST_PATIENTS = table(dict.fromkeys(CLINICAL_STAFF, ALLOW))
MANAGE_LIBRARY = table({"pharmacist": ALLOW})
VIEW_AUDIT = table({"administrator": ALLOW})


def ml(text: str) -> Volume:
    return parse_quantity(text, Volume, bound=Bound.NON_NEGATIVE)


def first_fill_request() -> refills.RefillRequest:
    return refills.RefillRequest(
        performed_on=date(2026, 1, 5),
        expected_sequence=1,
        fill_volume=ml("40 mL"),
        lot_number="LOT-1",
        needle_in_reservoir_confirmed=True,
    )


def snapshot() -> dict[str, object]:
    """Everything a refused action must leave as it was."""
    head = AuditHead.objects.get(pk=1)
    counts: dict[str, object] = {
        model.__name__: model.objects.count()
        for model in (
            Patient,
            Device,
            ProgramVersion,
            ProgramDrug,
            ProgramStep,
            Refill,
            ClinicLibrary,
            AuditEvent,
        )
    }
    return {
        **counts,
        "last_event": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first(),
        "head": (head.last_hash, head.count),
    }


def refused(outcome: str, action: Action):
    if outcome == DENY:
        return pytest.raises(PermissionDenied, match=f"You may not {action.value}")
    assert outcome == SECOND_PERSON
    return pytest.raises(SecondPersonRequired)


def new_events(before: dict[str, object]) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=before["last_event"] or 0).order_by("id"))


@pytest.mark.parametrize(("persona", "outcome"), PRESCRIBE_PROGRAM)
def test_prescribe_a_program(request, device, persona, outcome):
    user = request.getfixturevalue(persona)
    before = snapshot()
    if outcome == ALLOW:
        version = programs.prescribe(user, device, morphine_request())
        assert version.prescribed_by_id == user.pk
        assert version.status == ProgramStatus.AWAITING_CHECK
        [event] = new_events(before)
        assert (event.actor_id, event.action, event.object_type) == (user.pk, "create", "program")
        return
    with refused(outcome, Action.PRESCRIBE_PROGRAM):
        programs.prescribe(user, device, morphine_request())
    assert snapshot() == before


@pytest.mark.parametrize(("persona", "outcome"), CHECK_PROGRAM)
def test_double_check_a_program(request, device, physician, persona, outcome):
    version = programs.prescribe(physician, device, morphine_request())
    user = request.getfixturevalue(persona)
    before = snapshot()
    if outcome == ALLOW:
        checked = programs.check(user, version, approve=True)
        assert checked.status == ProgramStatus.ACTIVE
        assert checked.checked_by_id == user.pk
        [event] = new_events(before)
        assert (event.actor_id, event.action, event.object_type) == (user.pk, "check", "program")
        return
    with refused(outcome, Action.CHECK_PROGRAM):
        programs.check(user, version, approve=True)
    assert snapshot() == before
    version.refresh_from_db()
    assert version.status == ProgramStatus.AWAITING_CHECK
    assert version.checked_by_id is None
    assert version.checked_at is None
    assert programs.active_program(device) is None


@pytest.mark.parametrize(("persona", "outcome"), CHECK_PROGRAM)
def test_reject_a_program(request, device, physician, persona, outcome):
    """Rejecting is the same double check: the same people may do it, no one else."""
    version = programs.prescribe(physician, device, morphine_request())
    user = request.getfixturevalue(persona)
    before = snapshot()
    if outcome == ALLOW:
        assert programs.check(user, version, approve=False, note="Wrong concentration").status == (
            ProgramStatus.REJECTED
        )
        return
    with refused(outcome, Action.CHECK_PROGRAM):
        programs.check(user, version, approve=False, note="Wrong concentration")
    assert snapshot() == before
    version.refresh_from_db()
    assert version.status == ProgramStatus.AWAITING_CHECK


@pytest.mark.parametrize(("persona", "outcome"), RECORD_REFILL)
def test_record_a_refill(request, device, active_program, persona, outcome):
    user = request.getfixturevalue(persona)
    before = snapshot()
    if outcome == ALLOW:
        refill = refills.record_refill(user, device, first_fill_request())
        assert refill.performed_by_id == user.pk
        assert refill.status == RefillStatus.AWAITING_VERIFICATION
        [event] = new_events(before)
        assert (event.actor_id, event.action, event.object_type) == (user.pk, "create", "refill")
        return
    with refused(outcome, Action.RECORD_REFILL):
        refills.record_refill(user, device, first_fill_request())
    assert snapshot() == before


@pytest.mark.parametrize(("persona", "outcome"), VERIFY_REFILL)
def test_verify_a_refill(request, device, active_program, nurse, persona, outcome):
    refill = refills.record_refill(nurse, device, first_fill_request())
    user = request.getfixturevalue(persona)
    before = snapshot()
    if outcome == ALLOW:
        verified = refills.verify_refill(user, refill, "Volumes and lot checked")
        assert verified.status == RefillStatus.VERIFIED
        assert verified.verified_by_id == user.pk
        [event] = new_events(before)
        assert (event.actor_id, event.action, event.object_type) == (user.pk, "check", "refill")
        return
    with refused(outcome, Action.VERIFY_REFILL):
        refills.verify_refill(user, refill, "Volumes and lot checked")
    assert snapshot() == before
    refill.refresh_from_db()
    assert refill.status == RefillStatus.AWAITING_VERIFICATION
    assert refill.verified_by_id is None
    assert refill.verified_at is None


@pytest.mark.parametrize(("persona", "outcome"), VIEW_PATIENT)
def test_view_a_patient(request, patient, persona, outcome):
    user = request.getfixturevalue(persona)
    assert may(user, Action.VIEW_PATIENT, patient) is (outcome == ALLOW)
    # Opening the record through the one door every page uses: allowed views are audited,
    # refused ones leave no trace.
    http = RequestFactory().get(f"/patients/{patient.pk}/")
    http.user = user
    before = snapshot()
    if outcome == ALLOW:
        assert open_patient(http, patient.pk) == patient
        [event] = new_events(before)
        assert (event.actor_id, event.action, event.object_type, event.patient_id) == (
            user.pk,
            "view",
            "patient",
            patient.pk,
        )
        return
    with refused(outcome, Action.VIEW_PATIENT):
        open_patient(http, patient.pk)
    assert snapshot() == before


def test_a_caregiver_sees_only_the_portal_of_the_patient_they_are_linked_to(
    caregiver, patient, other_patient
):
    assert may(caregiver, Action.VIEW_PORTAL, patient)
    assert not may(caregiver, Action.VIEW_PORTAL, other_patient)
    assert not may(caregiver, Action.VIEW_PORTAL)  # never "any patient"
    assert not may(caregiver, Action.VIEW_PATIENT, patient)  # the team's record is not theirs
    http = RequestFactory().get(f"/patients/{patient.pk}/")
    http.user = caregiver
    before = snapshot()
    with pytest.raises(PermissionDenied):
        open_patient(http, patient.pk)
    assert snapshot() == before


@pytest.mark.parametrize(("persona", "outcome"), LIST_PATIENTS)
def test_list_patients(request, patient, persona, outcome):
    user = request.getfixturevalue(persona)
    # Not even a caregiver asking about their own patient gets a list.
    assert may(user, Action.LIST_PATIENTS) is (outcome == ALLOW)
    assert may(user, Action.LIST_PATIENTS, patient) is (outcome == ALLOW)
    if outcome == ALLOW:
        assert require(user, Action.LIST_PATIENTS) is not None
    else:
        with refused(outcome, Action.LIST_PATIENTS):
            require(user, Action.LIST_PATIENTS)


@pytest.mark.parametrize(("persona", "outcome"), MANAGE_LIBRARY)
def test_manage_the_clinic_library(request, persona, outcome):
    user = request.getfixturevalue(persona)
    before = snapshot()
    if outcome == ALLOW:
        library = library_admin.activate(user, CLINIC_LIBRARY, "D&T committee, November")
        assert library.active
        assert library.uploaded_by_id == user.pk
        library_admin.withdraw(user, "Back to the base library")
        assert not ClinicLibrary.objects.filter(active=True).exists()
        assert [e.actor_id for e in new_events(before)] == [user.pk, user.pk]
        return
    with refused(outcome, Action.MANAGE_LIBRARY):
        library_admin.activate(user, CLINIC_LIBRARY, "D&T committee, November")
    with refused(outcome, Action.MANAGE_LIBRARY):
        library_admin.withdraw(user, "Back to the base library")
    assert snapshot() == before


def test_a_refused_withdrawal_leaves_the_clinic_library_in_force(pharmacist, nurse):
    library = library_admin.activate(pharmacist, CLINIC_LIBRARY, "D&T committee, November")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        library_admin.withdraw(nurse, "I do not like it")
    assert snapshot() == before
    library.refresh_from_db()
    assert library.active


@pytest.mark.parametrize(("persona", "outcome"), VIEW_AUDIT)
def test_view_the_audit_trail(request, patient, persona, outcome):
    user = request.getfixturevalue(persona)
    assert may(user, Action.VIEW_AUDIT) is (outcome == ALLOW)
    assert may(user, Action.VIEW_AUDIT, patient) is (outcome == ALLOW)
    if outcome == ALLOW:
        assert require(user, Action.VIEW_AUDIT) == Role.ADMINISTRATOR
    else:
        with refused(outcome, Action.VIEW_AUDIT):
            require(user, Action.VIEW_AUDIT)


def test_the_table_names_every_action():
    assert set(ALLOWED) == set(Action)
    for action, roles in ALLOWED.items():
        assert roles, f"{action} is allowed to no one"
        assert roles <= set(Role), f"{action} names something that is not a role"


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name)
def test_a_stranger_a_caregiver_of_another_patient_and_anonymous_get_nothing(
    action, patient, other_caregiver, stranger
):
    for user in (stranger, AnonymousUser()):
        assert not may(user, action)
        assert not may(user, action, patient)
        with pytest.raises(PermissionDenied):
            require(user, action, patient)
    # another patient's caregiver: nothing of this patient; only the pages everyone reads
    assert may(other_caregiver, action, patient) is (action is Action.VIEW_EDUCATION)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name)
def test_a_caregiver_may_only_read_their_own_patient(action, patient, caregiver):
    assert may(caregiver, action) is (action is Action.VIEW_EDUCATION)  # the same for all
    reads = {Action.VIEW_PORTAL, Action.VIEW_EDUCATION}
    assert may(caregiver, action, patient) is (action in reads)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name)
def test_a_patients_own_account_may_only_see_the_family_pages_of_their_record(
    action, patient, other_patient, django_user_model
):
    own = django_user_model.objects.create_user("pt_wong", password="x" * 12)
    Profile.objects.create(user=own, role=Role.PATIENT, display_name="Mei Wong")
    CaregiverLink.objects.create(user=own, patient=patient)
    general = action is Action.VIEW_EDUCATION
    assert may(own, action) is general
    assert may(own, action, other_patient) is general
    assert may(own, action, patient) is (action in {Action.VIEW_PORTAL, Action.VIEW_EDUCATION})


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name)
def test_an_administrator_may_only_read_the_audit_trail(action, patient, administrator):
    allowed = {Action.VIEW_AUDIT, Action.VIEW_EDUCATION}
    assert may(administrator, action, patient) is (action in allowed)


def test_superuser_status_gives_no_clinical_permission(patient):
    """Django's superuser flag opens the admin, not a patient's record: only a role does."""
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    for action in Action:
        assert not may(root, action, patient)
