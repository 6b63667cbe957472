"""A small implanted cohort for the outcome and export tests: two patients with moves,
an implant, pain scores, opioids, an admission, an instrument score and a complication."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ithaca.outcomes import services
from ithaca.pathway.models import Complication, ImplantRecord, StageMove
from ithaca.patients.models import OpioidRegimenItem, PainScore, Patient

IMPLANT = date(2026, 1, 15)
DIRECT_IDENTIFIERS = (
    "Mei",
    "Wong",
    "H100001",
    "1958-03-14",
    "14/03/1958",
    "07700 900123",
    "12 Harbour Road",
    "Tom",
    "Baker",
    "H100002",
    "1949-07-02",
    "Lung cancer",
    "Pancreatic adenocarcinoma",
    "confided note",
    "SN-SECRET-1",
)


def at(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(10, 0)))


def move(patient: Patient, stage: str, on: date, by) -> None:
    StageMove.objects.create(patient=patient, to_stage=stage, at=at(on), by=by, reason="test")


def build(patient: Patient, other: Patient, physician) -> None:
    patient.phone, patient.address = "07700 900123", "12 Harbour Road"
    patient.save()
    day0 = IMPLANT - timedelta(days=60)
    for i, stage in enumerate(["identified", "referred", "assessed", "decision", "trial_waived"]):
        move(patient, stage, day0 + timedelta(days=10 * i), physician)
    move(patient, "implanted", IMPLANT, physician)
    move(patient, "deceased", IMPLANT + timedelta(days=200), physician)
    ImplantRecord.objects.create(
        patient=patient,
        system="implanted_pump",
        implanted_on=IMPLANT,
        checklist={},
        rules_version="test",
        note="confided note",
        at=at(IMPLANT),
        by=physician,
    )
    move(other, "identified", day0, physician)
    move(other, "referred", day0 + timedelta(days=4), physician)
    for on, score in [
        (IMPLANT - timedelta(days=2), 8),
        (IMPLANT + timedelta(days=31), 4),
        (IMPLANT + timedelta(days=90), 5),
    ]:
        PainScore.objects.create(
            patient=patient,
            recorded_at=at(on),
            score=score,
            note="confided note",
            recorded_by=physician,
        )
    OpioidRegimenItem.objects.create(
        patient=patient,
        opioid="morphine",
        route="oral",
        dose_mcg_per_day=Decimal(240000),
        entered_unit="mg/day",
        started_on=IMPLANT - timedelta(days=100),
        stopped_on=IMPLANT + timedelta(days=7),
        recorded_by=physician,
    )
    services.record_admission(
        physician,
        patient,
        admitted_on=IMPLANT + timedelta(days=40),
        discharged_on=IMPLANT + timedelta(days=44),
        reason="pain",
        pain_related=True,
    )
    bpi = services.register_instrument(
        physician,
        identifier="BPI-SF",
        name="Brief Pain Inventory short form",
        version="site-1",
        licence_holder="MD Anderson",
        licence_note="site licence 2026",
        scoring={
            "items": 7,
            "item_min": 0,
            "item_max": 10,
            "scoring": "mean",
            "minimum_answered": 4,
        },
    )
    services.record_instrument_score(
        physician, patient, bpi, [3, 4, 5, 6, None, None, None], at(IMPLANT + timedelta(days=30))
    )
    Complication.objects.create(
        patient=patient,
        kind="csf_leak",
        onset_on=IMPLANT + timedelta(days=3),
        description="confided note",
        at=at(IMPLANT),
        by=physician,
    )
