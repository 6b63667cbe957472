"""The residual expected in a reservoir since its last fill, across every program change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.quantities import Unit, Volume
from ithaca.clinical.refills import expected_residual
from ithaca.devices.convert import core_program
from ithaca.devices.models import Device, Refill


def expected_since(
    device: Device,
    previous: Refill | None,
    on: date,
    scenario: BolusScenario,
    typical_boluses_per_day: Decimal | None,
    catalogue: Catalogue,
) -> tuple[Volume | None, tuple[str, ...], list[str]]:
    """Expected residual from the last fill, across each program version in force since."""
    if previous is None:
        return None, (), []
    residual = Volume(Decimal(previous.fill_volume_ml), Unit.ML)
    start, version = previous.performed_on, previous.program
    # Every version activated after the one in force at the last fill, in order, up to the
    # day of this refill. Not a date comparison: a version approved later on the very day
    # of the last fill changes the rate from that day on.
    changes = [
        v
        for v in device.programs.filter(activated_at__gt=version.activated_at)
        .exclude(pk=version.pk)
        .order_by("activated_at")
        if timezone.localdate(v.activated_at) <= on
    ]
    steps: list[str] = []
    notes = [
        f"Program v{v.number} started on {timezone.localdate(v.activated_at)}." for v in changes
    ]
    for next_version in [*changes, None]:
        end = max(start, timezone.localdate(next_version.activated_at)) if next_version else on
        segment = expected_residual(
            core_program(version, catalogue),
            residual,
            start,
            end,
            scenario if version.bolus_dose_mcg is not None else BolusScenario.NONE,
            typical_boluses_per_day,
        )
        steps += [f"v{version.number}, {start} to {end}: {s}" for s in segment.steps]
        residual, start = segment.volume, end
        if next_version is not None:
            version = next_version
    return residual, tuple(steps), notes
