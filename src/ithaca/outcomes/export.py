"""The pseudonymised registry export: the minimum dataset as CSV and Parquet, in one zip.

Pseudonyms are HMAC-SHA256 of the patient's record id under a key. With ITHACA_REGISTRY_KEY
set (Django settings or the environment, at least 32 characters), the key is the clinic's:
the same patient gets the same pseudonym in every export, so a registry can follow them
over time, and only the holder of the key can link a pseudonym back to a record (by
hashing every record id in the clinic's own database). Without it, each export draws a
fresh random key, uses it and forgets it: pseudonyms cannot be linked across exports, or
back to a record, by anyone. Django's SECRET_KEY is never used: rotating it must not
change pseudonyms, and a registry key should not unlock sessions.

With `shift_dates`, every date of one patient moves by the same random number of days
(within ±182), drawn per export and never stored, so intervals within a patient are kept.
Ages leave as ten-year bands computed from the true dates. The audit event says who
exported, the options and the row counts, never the data.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from ithaca import __version__
from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.pathway import Stage
from ithaca.decisionaid.models import CaregiverCheckIn
from ithaca.devices.models import ProgramDrug
from ithaca.outcomes.dataset import TABLES, Kind, Table, age_band, clean_stage, diagnosis_group
from ithaca.outcomes.models import Admission, InstrumentScore
from ithaca.pathway.models import Complication, ImplantRecord, StageMove
from ithaca.patients.models import OpioidRegimenItem, PainScore, Patient

KEY_SETTING = "ITHACA_REGISTRY_KEY"
SHIFT_DAYS = 182
ARROW = {
    Kind.TEXT: pa.string(),
    Kind.INTEGER: pa.int64(),
    Kind.DECIMAL: pa.decimal128(18, 6),
    Kind.DATE: pa.date32(),
    Kind.BOOLEAN: pa.bool_(),
}
Row = tuple[Any, ...]


def registry_key() -> tuple[bytes, str]:
    """The key and how it was chosen ("clinic key" or "per-export random key")."""
    configured = getattr(settings, KEY_SETTING, None) or os.environ.get(KEY_SETTING, "")
    if configured:
        if len(configured) < 32:
            raise ValueError(f"{KEY_SETTING} must be at least 32 characters")
        return configured.encode(), "clinic key"
    return secrets.token_bytes(32), "per-export random key"


class _Pseudonymiser:
    def __init__(self, key: bytes, shift: bool) -> None:
        self.key, self.shift = key, shift
        self.offsets: dict[int, timedelta] = {}

    def name(self, patient_id: int) -> str:
        digest = hmac.new(self.key, f"patient:{patient_id}".encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    def day(self, patient_id: int, on: date | None) -> date | None:
        if on is None or not self.shift:
            return on
        if patient_id not in self.offsets:
            # Derived from the key, not drawn afresh: with a clinic key the pseudonyms are
            # stable across exports, and fresh offsets each time would let anyone holding
            # several exports intersect the ranges and narrow every true date down.
            digest = hmac.new(self.key, f"shift:{patient_id}".encode(), hashlib.sha256)
            offset = int.from_bytes(digest.digest()[:8], "big") % (2 * SHIFT_DAYS + 1)
            self.offsets[patient_id] = timedelta(days=offset - SHIFT_DAYS)
        return on + self.offsets[patient_id]


def _local(moment: Any) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def collect(p: _Pseudonymiser, today: date) -> dict[str, list[Row]]:
    """Every table's rows, pseudonymised."""
    first: dict[int, dict[str, date]] = defaultdict(dict)
    moves: list[Row] = []
    for pk, stage, at in StageMove.objects.order_by("patient_id", "at", "pk").values_list(
        "patient_id", "to_stage", "at"
    ):
        on = timezone.localtime(at).date()
        first[pk].setdefault(stage, on)
        moves.append((p.name(pk), stage, p.day(pk, on)))
    implants: dict[int, tuple[date, str]] = {}
    for pk, on, system in ImplantRecord.objects.order_by("implanted_on", "pk").values_list(
        "patient_id", "implanted_on", "system"
    ):
        implants.setdefault(pk, (on, system))
    tables: dict[str, list[Row]] = {"stage_moves": moves, "patients": []}
    for pt in Patient.objects.order_by("pk"):
        entered = first.get(pt.pk, {})
        implant = implants.get(pt.pk)
        implanted_on = implant[0] if implant else entered.get(Stage.IMPLANTED.value)
        start = min(entered.values()) if entered else today
        years = (
            start.year
            - pt.date_of_birth.year
            - ((start.month, start.day) < (pt.date_of_birth.month, pt.date_of_birth.day))
        )
        tables["patients"].append(
            (
                p.name(pt.pk),
                pt.sex,
                age_band(years),
                diagnosis_group(pt.diagnosis),
                clean_stage(pt.cancer_stage),
                pt.ecog,
                pt.prognosis,
                pt.pathway_stage,
                implant[1] if implant else "",
                p.day(pt.pk, implanted_on),
                p.day(pt.pk, entered.get(Stage.DECEASED.value)),
            )
        )
    tables["pain_scores"] = [
        (p.name(pk), p.day(pk, _local(at)), score)
        for pk, at, score in PainScore.objects.order_by("patient_id", "recorded_at")
        .values_list("patient_id", "recorded_at", "score")
        .iterator(chunk_size=20000)
    ]
    tables["opioid_regimen"] = [
        (p.name(pk), opioid, route, Decimal(dose), p.day(pk, start), p.day(pk, stop))
        for pk, opioid, route, dose, start, stop in OpioidRegimenItem.objects.order_by(
            "pk"
        ).values_list(
            "patient_id", "opioid", "route", "dose_mcg_per_day", "started_on", "stopped_on"
        )
    ]
    tables["it_programs"] = [
        (
            p.name(pk),
            number,
            mode,
            drug,
            Decimal(dose) if dose is not None else None,
            p.day(pk, _local(at)),
        )
        for pk, number, mode, drug, dose, at in ProgramDrug.objects.filter(
            position=0, program__activated_at__isnull=False
        )
        .order_by("pk")
        .values_list(
            "program__device__patient_id",
            "program__number",
            "program__mode",
            "drug_id",
            "program__daily_dose_mcg_per_day",
            "program__activated_at",
        )
    ]
    tables["admissions"] = [
        (p.name(pk), p.day(pk, a), p.day(pk, d), reason, pain)
        for pk, a, d, reason, pain in Admission.objects.order_by("pk").values_list(
            "patient_id", "admitted_on", "discharged_on", "reason", "pain_related"
        )
    ]
    tables["complications"] = [
        (p.name(pk), kind, depth, p.day(pk, onset))
        for pk, kind, depth, onset in Complication.objects.order_by("pk").values_list(
            "patient_id", "kind", "infection_depth", "onset_on"
        )
    ]
    tables["instrument_scores"] = [
        (
            p.name(pk),
            ident,
            version,
            p.day(pk, _local(at)),
            json.dumps(resp),
            json.dumps(scores, sort_keys=True),
        )
        for pk, ident, version, at, resp, scores in InstrumentScore.objects.order_by(
            "pk"
        ).values_list(
            "patient_id",
            "instrument__identifier",
            "instrument__version",
            "taken_at",
            "responses",
            "scores",
        )
    ]
    tables["caregiver_checkins"] = [
        (p.name(pk), point, total, out_of, p.day(pk, _local(at)))
        for pk, point, total, out_of, at in CaregiverCheckIn.objects.order_by("pk").values_list(
            "patient_id", "schedule_point", "total", "out_of", "at"
        )
    ]
    return tables


def _csv(table: Table, rows: Iterable[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    for row in rows:
        writer.writerow(
            [
                "" if v is None else ("true" if v is True else "false" if v is False else v)
                for v in row
            ]
        )
    return out.getvalue().encode("utf-8")


def _parquet(table: Table, rows: list[Row]) -> bytes:
    schema = pa.schema([(c.name, ARROW[c.kind]) for c in table.columns])
    columns = [[row[i] for row in rows] for i in range(len(table.columns))]
    arrow = pa.Table.from_arrays(
        [pa.array(col, type=schema.field(i).type) for i, col in enumerate(columns)], schema=schema
    )
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink)
    return bytes(sink.getvalue().to_pybytes())


def _sort_key(row: Row) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in row)


def write_zip(tables: dict[str, list[Row]], manifest: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            # Sorted by value (the pseudonym first), never in record-id order: row n of a
            # table must not reveal the n-th record, nor the real order of registration.
            rows = sorted(tables[table.name], key=_sort_key)
            archive.writestr(f"{table.name}.csv", _csv(table, rows))
            archive.writestr(f"{table.name}.parquet", _parquet(table, rows))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return buffer.getvalue()


def export_registry(
    user: User, *, shift_dates: bool = True, via: dict[str, str] | None = None
) -> tuple[bytes, dict[str, Any]]:
    """The zip and its manifest. Dates are shifted unless the caller deliberately asks for
    exact ones; `via` says how the export was asked for (the command line names the
    operating-system account too, since `--as` alone proves nothing)."""
    require(user, Action.EXPORT_REGISTRY)
    key, key_mode = registry_key()
    today = timezone.localdate()
    tables = collect(_Pseudonymiser(key, shift_dates), today)
    counts = {name: len(rows) for name, rows in tables.items()}
    manifest = {
        "dataset": "ithaca IDDS registry minimum dataset (docs/registry-dataset.md)",
        "ithaca_version": __version__,
        "exported_on": today.isoformat(),
        "pseudonyms": f"HMAC-SHA256 of the record id, {key_mode}",
        "dates_shifted": shift_dates,
        "date_shift": f"per patient, uniform within ±{SHIFT_DAYS} days, not stored"
        if shift_dates
        else "none",
        "rows": counts,
    }
    content = write_zip(tables, manifest)
    record(
        user,
        AuditAction.CREATE,
        "registry_export",
        today.isoformat(),
        detail={
            "rows": counts,
            "dates_shifted": shift_dates,
            "pseudonyms": key_mode,
            "bytes": len(content),
            "via": via or {"via": "web"},
        },
    )
    return content, manifest
