"""The audit trail: every service call leaves an event, nothing can change one, and
`ithaca audit verify` finds any change made by someone who got round all three guards.
"""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory

from ithaca import cli
from ithaca.accounts.models import Profile, Role
from ithaca.audit.chain import GENESIS, event_hash, record, verify
from ithaca.audit.models import AppendOnly, AuditAction, AuditEvent, AuditHead
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Volume
from ithaca.devices import library_admin, programs, refills
from ithaca.patients.access import open_patient

from .conftest import PASSWORD, morphine_request

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
    """Personas' passwords hashed quickly here; test_security checks Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ml(text: str) -> Volume:
    return parse_quantity(text, Volume, bound=Bound.NON_NEGATIVE)


def newest() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def assert_event(event, user, action, object_type, object_id, patient_id):
    assert event.actor_id == user.pk
    assert event.actor_username == user.get_username()
    assert event.action == action
    assert event.object_type == object_type
    assert event.object_id == str(object_id)
    assert event.patient_id == patient_id
    assert len(event.hash) == 64
    assert event.occurred_at is not None


@pytest.fixture
def trail(device, physician, pharmacist, nurse, second_nurse):
    """A short real history: a program prescribed and checked, a fill recorded and verified."""
    version = programs.prescribe(physician, device, morphine_request())
    programs.check(pharmacist, version, approve=True)
    refill = refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=date(2026, 1, 5),
            expected_sequence=1,
            fill_volume=ml("40 mL"),
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
        ),
    )
    refills.verify_refill(second_nurse, refill)
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) >= 4
    return events


def drop_triggers() -> None:
    """What an owner of the database could do. The test's transaction puts them back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_change ON audit_auditevent")
        else:  # pragma: no cover
            pytest.skip(f"no audit triggers on {connection.vendor}")


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


# --- every service call is recorded ---------------------------------------------------------


def test_prescribing_and_checking_a_program_are_recorded(device, physician, pharmacist):
    version = programs.prescribe(physician, device, morphine_request())
    assert_event(newest(), physician, "create", "program", version.pk, device.patient_id)
    assert newest().detail["device"] == device.pk
    assert newest().detail["library_hash"] == version.library_hash
    programs.check(pharmacist, version, approve=True)
    assert_event(newest(), pharmacist, "check", "program", version.pk, device.patient_id)
    assert newest().detail["approved"] is True


def test_a_rejected_program_is_recorded_with_the_reason(device, physician, pharmacist):
    version = programs.prescribe(physician, device, morphine_request())
    programs.check(pharmacist, version, approve=False, note="Concentration not stocked")
    event = newest()
    assert_event(event, pharmacist, "check", "program", version.pk, device.patient_id)
    assert event.reason == "Concentration not stocked"
    assert event.detail["approved"] is False


def test_an_override_reason_is_recorded(device, physician):
    version = programs.prescribe(
        physician, device, morphine_request("22 mg/day"), override_reason="Escalating pain"
    )
    event = newest()
    assert_event(event, physician, "create", "program", version.pk, device.patient_id)
    assert event.reason == "Escalating pain"
    assert event.detail["verdict"] == "needs_override"


def test_recording_and_verifying_a_refill_are_recorded(device, active_program, nurse, second_nurse):
    refill = refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=date(2026, 1, 5),
            expected_sequence=1,
            fill_volume=ml("40 mL"),
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
        ),
    )
    event = newest()
    assert_event(event, nurse, "create", "refill", refill.pk, device.patient_id)
    assert event.detail["next_due_on"] == refill.next_due_on.isoformat()
    refills.verify_refill(second_nurse, refill, "Lot and volume checked")
    event = newest()
    assert_event(event, second_nurse, "check", "refill", refill.pk, device.patient_id)
    assert event.reason == "Lot and volume checked"


def test_a_flagged_refill_records_what_was_done_about_it(device, active_program, nurse):
    refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=date(2026, 1, 5),
            expected_sequence=1,
            fill_volume=ml("40 mL"),
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
        ),
    )
    refill = refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=date(2026, 3, 30),
            expected_sequence=2,
            fill_volume=ml("40 mL"),
            lot_number="LOT-2",
            needle_in_reservoir_confirmed=True,
            measured_residual=ml("17 mL"),
            discrepancy_action="Pump interrogated; physician informed",
        ),
    )
    event = newest()
    assert_event(event, nurse, "create", "refill", refill.pk, device.patient_id)
    assert event.detail["flagged"] is True
    assert event.reason == "Pump interrogated; physician informed"


def test_viewing_a_patient_record_is_recorded(patient, nurse):
    request = RequestFactory().get(f"/patients/{patient.pk}/")
    request.user = nurse
    open_patient(request, patient.pk)
    event = newest()
    assert_event(event, nurse, "view", "patient", patient.pk, patient.pk)
    assert event.detail == {"path": f"/patients/{patient.pk}/"}


def test_changing_the_clinic_library_is_recorded(pharmacist):
    library = library_admin.activate(pharmacist, CLINIC_LIBRARY, "D&T committee, November")
    assert_event(newest(), pharmacist, "change", "clinic_library", library.pk, None)
    assert newest().reason == "D&T committee, November"
    library_admin.withdraw(pharmacist, "Committee withdrew it")
    assert_event(newest(), pharmacist, "change", "clinic_library", library.pk, None)
    assert newest().detail == {"withdrawn": [library.pk]}


def test_the_head_counts_and_ends_the_chain(trail):
    head = AuditHead.objects.get(pk=1)
    assert head.count == len(trail)
    assert head.last_hash == trail[-1].hash
    assert trail[0].previous_hash == GENESIS
    for before, after in itertools.pairwise(trail):
        assert after.previous_hash == before.hash
    result = verify()
    assert result.intact
    assert result.checked == len(trail)
    assert result.first_broken_id is None


# --- nothing can change an event --------------------------------------------------------------


def test_the_model_refuses_to_change_or_delete_an_event(trail):
    event = trail[1]
    event.reason = "edited"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
    assert verify().intact


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditevent'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


TRIGGERS = {
    "sqlite": {"audit_event_no_update", "audit_event_no_delete"},
    "postgresql": {"audit_event_no_change", "audit_event_no_truncate"},
}


def test_the_triggers_are_installed(db):
    assert installed_triggers() == TRIGGERS[connection.vendor]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET reason = 'edited' WHERE id = %s",
        "UPDATE audit_auditevent SET actor_username = 'someone_else' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_or_deletes_an_event(trail, statement):
    event = trail[1]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement, [event.pk])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.reason, stored.actor_username) == (event.reason, event.actor_username)
    assert verify().intact


def test_the_database_refuses_queryset_updates_and_deletes(trail):
    """QuerySet.update() and .delete() go round the model's save() and delete()."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).update(reason="edited")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == len(trail)
    assert verify().intact


def test_postgresql_refuses_truncate(trail):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has none")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == len(trail)


@pytest.fixture
def superuser_administrator(db):
    user = get_user_model().objects.create_superuser("admin_root", password=PASSWORD)
    Profile.objects.create(user=user, role=Role.ADMINISTRATOR, display_name="Admin Root")
    return user


def test_the_admin_grants_no_add_change_or_delete_even_to_a_superuser(
    superuser_administrator, trail
):
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/audit/auditevent/")
    request.user = superuser_administrator
    event = trail[0]
    assert model_admin.has_view_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_delete_permission(request, event)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_admin_change_page_is_read_only(superuser_administrator, trail):
    client = Client()
    client.force_login(superuser_administrator)
    event = trail[1]
    url = f"/admin/audit/auditevent/{event.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert event.hash in html  # shown ...
    assert 'name="_save"' not in html  # ... but with nothing to save,
    assert 'name="_continue"' not in html
    assert f"/admin/audit/auditevent/{event.pk}/delete/" not in html  # nor to delete,
    assert f'name="hash" value="{event.hash}"' not in html  # and no editable field.
    assert 'name="reason"' not in html

    count = AuditEvent.objects.count()
    posted = client.post(url, {"reason": "edited", "_save": "Save"})
    assert posted.status_code == 403
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    # The bulk "delete selected" action is not offered, and posting it anyway deletes nothing.
    client.post(
        "/admin/audit/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason
    assert AuditEvent.objects.count() == count
    assert verify().intact


# --- tampering is detected ------------------------------------------------------------------


def test_an_edited_event_is_named_as_the_first_broken_link(trail):
    drop_triggers()
    target = trail[1]
    raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing happened", target.pk])
    result = verify()
    assert not result.intact
    assert result.first_broken_id == target.pk
    assert "changed" in result.problem
    assert result.checked == 1  # the one event before it still verifies


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_username", "dr_berg"),
        ("object_id", "999"),
        ("patient_id", 424242),
        ("action", "view"),
        ("detail", json.dumps({"device": 0})),
    ],
)
def test_any_edited_field_breaks_the_chain_at_that_event(trail, column, value):
    drop_triggers()
    target = trail[2]
    raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, target.pk])  # noqa: S608
    result = verify()
    assert result.first_broken_id == target.pk
    assert "changed" in result.problem


def test_an_edit_covered_by_a_recomputed_hash_breaks_the_next_link(trail):
    """Rewriting one event and its own hash is not enough: the next event points at the old hash."""
    drop_triggers()
    target = trail[1]
    forged = event_hash(
        target.previous_hash,
        target.occurred_at,
        target.actor_id,
        target.actor_username,
        target.action,
        target.object_type,
        target.object_id,
        target.patient_id,
        "nothing happened",
        target.detail,
    )
    raw(
        "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s",
        ["nothing happened", forged, target.pk],
    )
    result = verify()
    assert result.first_broken_id == trail[2].pk
    assert "removed or reordered" in result.problem


def test_a_deleted_middle_event_is_reported_at_the_next_event(trail):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE id = %s", [trail[1].pk])
    result = verify()
    assert result.first_broken_id == trail[2].pk
    assert "removed or reordered" in result.problem
    assert result.checked == 1


def test_deleting_the_first_event_is_reported(trail):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE id = %s", [trail[0].pk])
    result = verify()
    assert result.first_broken_id == trail[1].pk
    assert "removed or reordered" in result.problem


def test_deleting_the_newest_events_is_reported(trail):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE id >= %s", [trail[-2].pk])
    result = verify()
    assert not result.intact
    assert result.first_broken_id is None
    assert "newest events were removed" in result.problem
    assert f"{len(trail)} were written, {len(trail) - 2} remain" in result.problem


def test_deleting_every_event_is_reported(trail):
    drop_triggers()
    raw("DELETE FROM audit_auditevent")
    result = verify()
    assert not result.intact
    assert "newest events were removed" in result.problem


def test_appending_continues_a_verified_chain(trail, nurse):
    record(nurse, AuditAction.VIEW, "patient", 1, patient_id=1)
    assert verify().intact
    assert verify().checked == len(trail) + 1


# --- `ithaca audit verify` ------------------------------------------------------------------


def test_the_cli_says_an_intact_trail_is_intact(trail, capsys):
    assert cli.main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact" in out
    assert f"{len(trail)} events" in out


def test_the_cli_names_the_first_broken_event_and_exits_1(trail, capsys):
    drop_triggers()
    target = trail[2]
    raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing happened", target.pk])
    assert cli.main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out
    assert f"event #{target.pk}" in out
    assert "changed" in out
    assert "intact" not in out


def test_the_cli_reports_removed_newest_events(trail, capsys):
    drop_triggers()
    raw("DELETE FROM audit_auditevent WHERE id = %s", [trail[-1].pk])
    assert cli.main(["audit", "verify"]) == 1
    assert "newest events were removed" in capsys.readouterr().out


def test_the_cli_json_output(trail, capsys):
    assert cli.main(["audit", "verify", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "intact": True,
        "checked": len(trail),
        "first_broken_id": None,
        "problem": None,
    }


# --- signing in and out ---------------------------------------------------------------------


def test_a_login_is_recorded(nurse):
    client = Client()
    response = client.post("/accounts/login/", {"username": "nurse_lee", "password": PASSWORD})
    assert response.status_code == 302
    event = newest()
    assert_event(event, nurse, "login", "session", "", None)


def test_a_failed_login_is_recorded_without_the_password(nurse):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "nurse_lee", "password": "wrong password"}
    )
    assert response.status_code == 200
    event = newest()
    assert event.action == "login_failed"
    assert event.actor_id is None
    assert event.actor_username == "anonymous"
    assert event.detail == {"username": "nurse_lee"}
    assert "wrong password" not in json.dumps(event.detail) + event.reason
    assert verify().intact


def test_a_logout_is_recorded(nurse):
    client = Client()
    client.post("/accounts/login/", {"username": "nurse_lee", "password": PASSWORD})
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert_event(newest(), nurse, "logout", "session", "", None)
    actions = list(
        AuditEvent.objects.filter(object_type="session").values_list("action", flat=True)
    )
    assert actions == ["login", "logout"]
    assert verify().intact


def test_the_triggers_dropped_by_the_tampering_tests_are_back(db):
    """Each tampering test drops the triggers inside its own transaction; the rollback restores them."""
    assert installed_triggers() == TRIGGERS[connection.vendor]
