"""Small reads every device module needs: the program in force, the last refill."""

from __future__ import annotations

from ithaca.devices.models import Device, ProgramStatus, ProgramVersion, Refill


def active_program(device: Device) -> ProgramVersion | None:
    return device.programs.filter(status=ProgramStatus.ACTIVE).first()


def last_refill(device: Device) -> Refill | None:
    return device.refills.order_by("-sequence").first()


def next_sequence(device: Device) -> int:
    last = last_refill(device)
    return last.sequence + 1 if last else 1
