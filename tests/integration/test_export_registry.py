"""The registry export: re-read as CSV and Parquet, checked against the database, with no
direct identifier in any byte, dates shifted consistently per patient, and audited."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied

from ithaca.audit.models import AuditEvent
from ithaca.outcomes.dataset import TABLES
from ithaca.outcomes.export import export_registry
from ithaca.pathway.models import StageMove
from ithaca.patients.models import PainScore, Patient

from .outcomes_cohort import DIRECT_IDENTIFIERS, IMPLANT, build

pytestmark = pytest.mark.django_db
DOC = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "registry-dataset.md"


@pytest.fixture
def cohort(patient, other_patient, physician):
    build(patient, other_patient, physician)
    return patient


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows(files: dict[str, bytes], table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[f"{table}.csv"].decode())))


def test_csv_and_parquet_hold_the_same_rows_as_the_database(cohort, physician):
    files = unzip(export_registry(physician, shift_dates=False)[0])  # exact dates, to compare
    for table in TABLES:
        parquet = pq.read_table(io.BytesIO(files[f"{table.name}.parquet"])).to_pylist()
        csv_rows = rows(files, table.name)
        assert len(parquet) == len(csv_rows)
        # both formats carry the documented columns, in order
        columns = [c.name for c in table.columns]
        assert pq.read_table(io.BytesIO(files[f"{table.name}.parquet"])).column_names == columns
        assert (
            list(csv.DictReader(io.StringIO(files[f"{table.name}.csv"].decode())).fieldnames)
            == columns
        )
    patients = rows(files, "patients")
    assert len(patients) == 2
    mei = next(r for r in patients if r["implanted_on"])
    assert mei["age_band"] == "60-69"  # born March 1958, on the pathway from November 2025
    assert mei["diagnosis_group"] == "pancreas"
    assert mei["cancer_stage"] == "IV"
    assert mei["system"] == "implanted_pump"
    assert mei["implanted_on"] == IMPLANT.isoformat()
    assert mei["died_on"] == (IMPLANT + timedelta(days=200)).isoformat()
    pain = pq.read_table(io.BytesIO(files["pain_scores.parquet"])).to_pylist()
    stored = sorted(PainScore.objects.values_list("score", flat=True))
    assert sorted(r["score"] for r in pain) == stored
    assert all(r["patient"] == mei["patient"] for r in pain)
    regimen = pq.read_table(io.BytesIO(files["opioid_regimen.parquet"])).to_pylist()
    assert regimen[0]["dose_mcg_per_day"] == Decimal("240000")
    assert rows(files, "admissions")[0]["pain_related"] == "true"
    assert rows(files, "instrument_scores")[0]["scores"] == '{"total": "4.50"}'
    assert len(rows(files, "stage_moves")) == StageMove.objects.count()


def test_no_direct_identifier_appears_in_any_exported_byte(cohort, physician):
    content = export_registry(physician, shift_dates=True)[0]
    everything = b"".join(unzip(content).values())
    for identifier in DIRECT_IDENTIFIERS:
        assert identifier.encode() not in everything, identifier
    # the record id is never the pseudonym: no patient column holds a raw database id
    files = unzip(content)
    raw_ids = {str(pk) for pk in Patient.objects.values_list("pk", flat=True)}
    assert not {r["patient"] for r in rows(files, "patients")} & raw_ids


def test_shifted_dates_move_together_for_one_patient(cohort, physician):
    files = unzip(export_registry(physician, shift_dates=True)[0])
    mei = next(r for r in rows(files, "patients") if r["implanted_on"])
    shift = date.fromisoformat(mei["implanted_on"]) - IMPLANT
    assert abs(shift.days) <= 182
    assert date.fromisoformat(mei["died_on"]) - shift == IMPLANT + timedelta(days=200)
    pain = [r for r in rows(files, "pain_scores") if r["patient"] == mei["patient"]]
    real = sorted(s.recorded_at.date() for s in PainScore.objects.all())
    assert sorted(date.fromisoformat(r["recorded_on"]) - shift for r in pain) == real
    admitted = rows(files, "admissions")[0]
    assert date.fromisoformat(admitted["admitted_on"]) - shift == IMPLANT + timedelta(days=40)


def test_pseudonyms_differ_between_exports_without_a_clinic_key(cohort, physician, settings):
    settings.ITHACA_REGISTRY_KEY = ""
    first = rows(unzip(export_registry(physician)[0]), "patients")[0]["patient"]
    second = rows(unzip(export_registry(physician)[0]), "patients")[0]["patient"]
    assert first != second
    settings.ITHACA_REGISTRY_KEY = "k" * 40
    keyed = [rows(unzip(export_registry(physician)[0]), "patients")[0]["patient"] for _ in "ab"]
    assert keyed[0] == keyed[1]


def test_the_export_is_audited_with_counts_never_data(cohort, coordinator):
    export_registry(coordinator)
    event = AuditEvent.objects.get(object_type="registry_export")
    assert event.detail["rows"]["patients"] == 2
    assert "Wong" not in str(event.detail)
    assert "H100001" not in str(event.detail)


@pytest.mark.parametrize("who", ["nurse", "pharmacist", "caregiver", "stranger"])
def test_only_the_physician_and_coordinator_may_export(client, cohort, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        export_registry(user)
    client.force_login(user)
    assert client.post("/reports/export/").status_code == 403


def test_the_page_downloads_a_zip(client, cohort, coordinator):
    client.force_login(coordinator)
    response = client.post("/reports/export/", {"shift_dates": "on"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "manifest.json" in unzip(response.content)


def test_every_exported_column_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for table in TABLES:
        assert f"`{table.name}`" in text
        for column in table.columns:
            assert f"`{column.name}`" in text, f"{table.name}.{column.name}"


def test_with_a_clinic_key_two_exports_shift_each_patient_by_the_same_days(
    cohort, physician, settings
):
    # Fresh offsets per export would let anyone holding two exports narrow the true dates.
    settings.ITHACA_REGISTRY_KEY = "k" * 40
    first = rows(unzip(export_registry(physician, shift_dates=True)[0]), "patients")
    second = rows(unzip(export_registry(physician, shift_dates=True)[0]), "patients")
    assert first == second


def test_rows_are_not_in_record_id_order(cohort, physician):
    files = unzip(export_registry(physician)[0])
    patients = [r["patient"] for r in rows(files, "patients")]
    assert patients == sorted(patients)
