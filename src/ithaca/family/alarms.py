"""What a family should know about their pump model: alarms, battery, scans.

Every sentence with a number takes the number from the device catalogue (pumps.toml) and
names the catalogue's source. Where the catalogue knows nothing for the model, the advice
is the same for every pump: call the team. No number is written here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ithaca.clinical.battery import ServiceLife, stop_date
from ithaca.clinical.pumps import PumpKind, PumpModel
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance

# The advisory that says the SynchroMed II low-reservoir alarm is calculated, not measured.
CALCULATED_ALARM_SOURCE = "medtronic-2016-advisory"
PROMETRA_MRI_SOURCE = "prometra-manual"
FIXED_RATE_SOURCE = "fixed-rate-design-point"


@dataclass(frozen=True)
class Advice:
    """One sentence for the family, and the document it rests on; None means written for
    ithaca from no cited document, to be reviewed and signed off by the team."""

    text: str
    source: str | None = None

    @classmethod
    def sourced(cls, text: str, provenance: Provenance) -> Advice:
        return cls(text, provenance.source.short())


def alarm_advice(pump: PumpModel, eri_reported_on: date | None) -> list[Advice]:
    advice = [
        Advice(
            _(
                "If the pump alarms, call the pain team straight away, day or night. "
                "Do not wait for the next appointment."
            )
        )
    ]
    if pump.kind is PumpKind.PROGRAMMABLE:
        advice += _programmable(pump)
    elif pump.kind is PumpKind.CONSTANT_FLOW:
        advice += _constant_flow(pump)
    else:
        advice.append(
            Advice(
                _(
                    "The team will show you this pump's alarms and what each one means. "
                    "Keep its instructions with the pump."
                )
            )
        )
    advice += _battery(pump, eri_reported_on)
    advice.append(_mri(pump))
    return advice


def _programmable(pump: PumpModel) -> list[Advice]:
    advice = []
    for note in pump.notes:
        if note.provenance.source.id == CALCULATED_ALARM_SOURCE:
            advice.append(
                Advice.sourced(
                    _(
                        "The low-reservoir alarm is worked out from the programmed rate: it does not "
                        "measure what is left. Do not wait for it. Keep every refill appointment."
                    ),
                    note.provenance,
                )
            )
    alarm = pump.low_reservoir_alarm
    if isinstance(alarm, Sourced):
        advice.append(
            Advice.sourced(
                _(
                    "This pump's hand-held controller shows a next refill date: the day about "
                    "%(volume)s is expected to be left, if every extra dose allowed is taken."
                )
                % {"volume": alarm.value},
                alarm.provenance,
            )
        )
    return advice


def _constant_flow(pump: PumpModel) -> list[Advice]:
    for note in pump.notes:
        if note.provenance.source.id == FIXED_RATE_SOURCE:
            return [
                Advice.sourced(
                    _(
                        "This pump gives the same amount every day. The dose can only be changed at a "
                        "refill, by changing the strength of the medicine. The refill date is what "
                        "keeps it from running out: keep every appointment."
                    ),
                    note.provenance,
                )
            ]
    return []


def _battery(pump: PumpModel, eri_reported_on: date | None) -> list[Advice]:
    life = pump.service_life
    if not isinstance(life, ServiceLife):
        return []
    advice = [
        Advice.sourced(
            _(
                "When the battery is nearly used up, the pump gives a replacement alarm. The pump "
                "stops %(days)d days after that alarm. If you hear it, call the team: they plan a new "
                "pump."
            )
            % {"days": life.eri_to_stop_days},
            life.provenance,
        )
    ]
    if eri_reported_on is not None:
        stops_on = stop_date(life, eri_reported_on)
        advice.insert(
            0,
            Advice.sourced(
                _(
                    "This pump's replacement alarm has already been reported. It is expected to stop "
                    "around %(date)s. The team is planning its replacement: ask them for the date."
                )
                % {"date": _date(stops_on)},
                life.provenance,
            ),
        )
    return advice


def _mri(pump: PumpModel) -> Advice:
    if isinstance(pump.mri, Sourced) and pump.mri.provenance.source.id == PROMETRA_MRI_SOURCE:
        return Advice.sourced(
            _(
                "Before any MRI scan, tell the pain team: this pump must be emptied before the scan, "
                "only some scanners may be used, and a valve in it must be reset afterwards."
            ),
            pump.mri.provenance,
        )
    return Advice(
        _(
            "Before any MRI scan, tell the scan team and the pain team that you have a pump, well "
            "before the day of the scan."
        )
    )


def _date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")
