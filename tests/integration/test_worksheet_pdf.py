"""The printable worksheets: the stored refill with both signatures, and the blank bedside sheet."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ithaca import __version__
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Volume
from ithaca.devices import refills
from ithaca.devices.library import catalogue_in_force

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def as_user(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def ml(text: str) -> Volume:
    return parse_quantity(text, Volume, bound=Bound.NON_NEGATIVE)


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text cannot be read")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(done.stdout.split())  # one space between words, whatever the layout


def record(nurse, device, sequence, on, measured=None):
    return refills.record_refill(
        nurse,
        device,
        refills.RefillRequest(
            performed_on=on,
            expected_sequence=sequence,
            fill_volume=ml("40 mL"),
            lot_number=f"LOT-{sequence}",
            needle_in_reservoir_confirmed=True,
            measured_residual=measured,
        ),
    )


@pytest.fixture
def verified_refill(nurse, second_nurse, device, active_program):
    record(nurse, device, 1, date(2026, 1, 5))
    # 0.2 mL/day for 84 days: 40 − 16.8 = 23.2 mL expected; 23 mL measured is not flagged
    refill = record(nurse, device, 2, date(2026, 3, 30), ml("23 mL"))
    return refills.verify_refill(second_nurse, refill)


def test_the_refill_worksheet_is_a_pdf_with_the_patient_the_residual_and_both_signatures(
    client, nurse, verified_refill, tmp_path
):
    response = as_user(client, nurse).get(reverse("devices:refill-pdf", args=[verified_refill.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "H100001" in text
    assert "23.2 mL" in text
    assert "40 mL − 16.8 mL = 23.2 mL" in text
    assert "Nurse Lee" in text
    assert "Nurse Patel" in text
    assert "LOT-2" in text
    assert "NOT the catheter access port (CAP)" in text
    assert "2026-06-28" in text
    assert "drug stability" in text
    assert verified_refill.library_hash in text
    assert f"ithaca {__version__}" in text
    assert "Clinical rules need local sign-off" in text


def test_an_unverified_worksheet_leaves_an_empty_line_for_the_second_check(
    client, nurse, device, active_program, tmp_path
):
    refill = record(nurse, device, 1, date(2026, 1, 5))
    text = pdf_text(
        as_user(client, nurse).get(reverse("devices:refill-pdf", args=[refill.pk])).content,
        tmp_path,
    )
    assert "Second check: ____" in text
    assert "Nurse Lee" in text


def test_the_blank_bedside_worksheet_carries_todays_expected_residual_and_empty_boxes(
    client, nurse, device, active_program, tmp_path
):
    record(nurse, device, 1, timezone.localdate() - timedelta(days=30))
    response = as_user(client, nurse).get(reverse("devices:blank-worksheet", args=[device.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "H100001" in text
    assert "NGP123456" in text
    assert "34 mL" in text  # 40 mL − 0.2 mL/day × 30 days
    assert "Measured residual (withdrawn)" in text
    assert "Second check" in text
    assert catalogue_in_force().identity.content_hash in text


@pytest.mark.parametrize("persona", ["stranger", "other_caregiver"])
def test_a_worksheet_is_refused_to_anyone_without_access_to_the_patient(
    client, request, verified_refill, device, persona
):
    as_user(client, request.getfixturevalue(persona))
    assert client.get(reverse("devices:refill-pdf", args=[verified_refill.pk])).status_code == 403
    assert client.get(reverse("devices:blank-worksheet", args=[device.pk])).status_code == 403
