"""The most important path: a program double-checked, then refills recorded and verified."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ithaca.audit.chain import verify
from ithaca.audit.models import AuditEvent
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Concentration, DoseRate, Volume
from ithaca.devices import forecast, programs, refills
from ithaca.devices.errors import (
    AlreadyDone,
    OverrideReasonRequired,
    ProgramBlocked,
    SecondPersonRequired,
    ServiceRefusal,
    StaleChange,
)
from ithaca.devices.models import ProgramStatus, ProgramVersion, Refill, RefillStatus

from .conftest import morphine_request


def ml(text: str) -> Volume:
    return parse_quantity(text, Volume, bound=Bound.NON_NEGATIVE)


def first_fill(nurse, device, on=date(2026, 1, 5), volume="40 mL"):
    return refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=on,
            expected_sequence=1,
            fill_volume=ml(volume),
            lot_number="LOT-1",
            needle_in_reservoir_confirmed=True,
        ),
    )


def test_a_program_is_active_only_after_a_second_person_checks_it(device, physician, pharmacist):
    version = programs.prescribe(physician, device, morphine_request())
    assert version.status == ProgramStatus.AWAITING_CHECK
    assert version.verdict == "ok"
    assert version.library_hash
    version = programs.check(pharmacist, version, approve=True)
    assert version.status == ProgramStatus.ACTIVE


def test_the_prescriber_cannot_check_their_own_program(device, physician):
    version = programs.prescribe(physician, device, morphine_request())
    with pytest.raises(SecondPersonRequired):
        programs.check(physician, version, approve=True)


def test_a_blocked_program_is_never_stored(device, physician):
    request = programs.ProgramRequest(
        drugs=[("ziconotide", parse_quantity("25 mcg/mL", Concentration))],
        daily_dose=parse_quantity("30 mcg/day", DoseRate),
    )
    with pytest.raises(ProgramBlocked):
        programs.prescribe(physician, device, request)
    assert not device.programs.exists()


def test_a_soft_limit_needs_a_written_reason(device, physician):
    with pytest.raises(OverrideReasonRequired):
        programs.prescribe(physician, device, morphine_request("22 mg/day"))
    version = programs.prescribe(
        physician,
        device,
        morphine_request("22 mg/day"),
        override_reason="Escalating pain, palliative",
    )
    assert version.verdict == "needs_override"


def test_approving_a_new_version_supersedes_the_old_one(
    device, physician, pharmacist, active_program
):
    newer = programs.prescribe(physician, device, morphine_request("2.5 mg/day"))
    programs.check(pharmacist, newer, approve=True)
    active_program.refresh_from_db()
    assert active_program.status == ProgramStatus.SUPERSEDED
    assert programs.active_program(device).pk == newer.pk


def test_a_refill_reconciles_the_residual_and_plans_the_next_date(device, nurse, active_program):
    first_fill(nurse, device)
    # 2 mg/day ÷ 10 mg/mL = 0.2 mL/day; 84 days later 40 − 16.8 = 23.2 mL expected; 17 mL measured
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
    assert refill.expected_residual_ml == Decimal("23.2")
    assert refill.discrepancy_ml == Decimal("6.2")
    assert refill.flagged
    assert refill.next_due_on == date(2026, 6, 28)  # stability: 90 days (S)
    assert refill.limiting_factor == "stability"


def test_a_flagged_discrepancy_needs_a_recorded_action(device, nurse, active_program):
    first_fill(nurse, device)
    with pytest.raises(ServiceRefusal) as refused:
        refills.record_refill(
            nurse,
            device,
            refills.RefillRequest(
                performed_on=date(2026, 3, 30),
                expected_sequence=2,
                fill_volume=ml("40 mL"),
                lot_number="LOT-2",
                needle_in_reservoir_confirmed=True,
                measured_residual=ml("17 mL"),
            ),
        )
    assert refused.value.field == "discrepancy_action"


def test_two_nurses_saving_the_same_refill_cannot_both_succeed(
    device, nurse, second_nurse, active_program
):
    first_fill(nurse, device)
    request = refills.RefillRequest(
        performed_on=date(2026, 3, 30),
        expected_sequence=2,
        fill_volume=ml("40 mL"),
        lot_number="LOT-2",
        needle_in_reservoir_confirmed=True,
        measured_residual=ml("23 mL"),
    )
    refills.record_refill(nurse, device, request)
    with pytest.raises(StaleChange):
        refills.record_refill(second_nurse, device, request)
    assert Refill.objects.filter(device=device).count() == 2


def test_a_refill_is_verified_by_a_second_person_once(
    device, nurse, second_nurse, pharmacist, active_program
):
    refill = first_fill(nurse, device)
    with pytest.raises(SecondPersonRequired):
        refills.verify_refill(nurse, refill)
    refills.verify_refill(second_nurse, refill)
    assert Refill.objects.get(pk=refill.pk).status == RefillStatus.VERIFIED
    with pytest.raises(AlreadyDone):
        refills.verify_refill(pharmacist, refill)


def test_the_needle_placement_must_be_confirmed(device, nurse, active_program):
    with pytest.raises(ServiceRefusal) as refused:
        refills.record_refill(
            nurse,
            device,
            refills.RefillRequest(
                performed_on=date(2026, 1, 5),
                expected_sequence=1,
                fill_volume=ml("40 mL"),
                lot_number="LOT-1",
                needle_in_reservoir_confirmed=False,
            ),
        )
    assert refused.value.field == "needle_in_reservoir_confirmed"


def test_every_step_is_audited_and_the_chain_verifies(device, nurse, second_nurse, active_program):
    refill = first_fill(nurse, device)
    refills.verify_refill(second_nurse, refill)
    actions = list(AuditEvent.objects.values_list("object_type", "action"))
    assert ("program", "create") in actions
    assert ("program", "check") in actions
    assert ("refill", "create") in actions
    assert ("refill", "check") in actions
    assert verify().intact


def test_a_program_approved_later_on_the_day_of_the_last_fill_sets_the_expected_residual(
    device, nurse, physician, pharmacist, active_program
):
    # First fill 40 mL on 2026-01-05 at 2 mg/day; later that same day the dose goes to
    # 5 mg/day (0.5 mL/day). 28 days later: 40 − 0.5 × 28 = 26 mL expected, not 40 − 0.2 × 28.
    first_fill(nurse, device)
    from datetime import datetime

    newer = programs.prescribe(physician, device, morphine_request("5 mg/day"))
    programs.check(pharmacist, newer, approve=True)
    later_that_day = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
    type(newer).objects.filter(pk=newer.pk).update(activated_at=later_that_day)
    type(active_program).objects.filter(pk=active_program.pk).update(
        activated_at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    )
    sheet = refills.worksheet(
        device,
        refills.RefillRequest(
            performed_on=date(2026, 2, 2),
            expected_sequence=2,
            fill_volume=ml("40 mL"),
            lot_number="L",
            needle_in_reservoir_confirmed=True,
            measured_residual=ml("26 mL"),
        ),
    )
    assert sheet.expected == ml("26 mL")
    assert not sheet.reconciliation.flagged


def test_approving_a_higher_dose_moves_the_forecast_next_refill_earlier(
    device, nurse, physician, pharmacist, active_program
):
    # 40 mL on 2026-01-05 at 2 mg/day (0.2 mL/day): stability (90 days) sets 2026-04-05.
    # From noon that day at 19 mg/day (1.9 mL/day), the 2 mL alarm comes after
    # (40 − 2) ÷ 1.9 = 20 days: 2026-01-25, long before the stability date.
    refill = first_fill(nurse, device)
    device.refresh_from_db()
    assert (device.next_due_on, device.next_due_factor) == (date(2026, 4, 5), "stability")

    higher = programs.prescribe(physician, device, morphine_request("19 mg/day"))
    programs.check(pharmacist, higher, approve=True)
    noon = datetime(2026, 1, 5, 12, tzinfo=UTC)
    ProgramVersion.objects.filter(pk=higher.pk).update(activated_at=noon)
    forecast.refresh(device)

    device.refresh_from_db()
    assert (device.next_due_on, device.next_due_factor) == (
        date(2026, 1, 25),
        "low_reservoir_alarm",
    )
    refill.refresh_from_db()
    assert refill.next_due_on == date(2026, 4, 5)  # the signed record is not rewritten


def test_a_pump_without_a_stored_forecast_is_planned_by_refresh_missing(
    device, nurse, active_program
):
    first_fill(nurse, device)
    type(device).objects.filter(pk=device.pk).update(next_due_on=None, next_due_factor="")
    assert forecast.refresh_missing() == 1
    device.refresh_from_db()
    assert (device.next_due_on, device.next_due_factor) == (date(2026, 4, 5), "stability")
