"""The cohort report, its PDF, one patient's outcomes, and who may see them."""

from __future__ import annotations

from datetime import date

import pytest

from ithaca.audit.models import AuditEvent
from ithaca.devices.errors import ServiceRefusal
from ithaca.outcomes import services
from ithaca.outcomes.cohort import Filters, build_report
from ithaca.outcomes.models import InstrumentScore

from .outcomes_cohort import IMPLANT, build

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 1)


@pytest.fixture
def cohort(patient, other_patient, physician):
    build(patient, other_patient, physician)
    return patient


def test_the_report_counts_the_implanted_patient_and_her_outcomes(cohort):
    report = build_report(Filters(), as_of=AS_OF)
    outcomes = report.outcomes
    assert outcomes.implanted == 1
    assert outcomes.pain_baseline.median == 8
    one_month = outcomes.pain[0]
    assert (one_month.read, one_month.important, one_month.change.median) == (1, 1, 4)
    assert outcomes.ome_before.median == 240
    assert outcomes.ome[0].stopped == 1
    assert (outcomes.admissions, outcomes.admissions_pain_related) == (1, 1)
    assert outcomes.survival.deaths == 1
    assert outcomes.survival.steps[0].day == 200
    funnel = {row.step.label: row.reached for row in report.funnel}
    assert funnel["Identified"] == 2
    assert funnel["Referred"] == 2
    assert funnel["Implanted"] == 1


def test_filters_by_diagnosis_system_and_period(cohort):
    assert build_report(Filters(diagnosis="pancreatic"), AS_OF).outcomes.implanted == 1
    assert build_report(Filters(diagnosis="lung"), AS_OF).outcomes.implanted == 0
    assert build_report(Filters(system="external_pump"), AS_OF).outcomes.implanted == 0
    assert build_report(Filters(start=date(2026, 2, 1)), AS_OF).outcomes.implanted == 0
    assert build_report(Filters(start=IMPLANT, end=IMPLANT), AS_OF).outcomes.implanted == 1


def test_the_page_shows_plots_with_their_n_and_asks_for_sign_off(client, cohort, physician):
    client.force_login(physician)
    response = client.get("/reports/outcomes/", {"diagnosis": "pancreatic"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "Kaplan-Meier" in page
    assert "n=1" in page
    assert "Needs local sign-off" in page
    assert AuditEvent.objects.filter(object_type="outcomes_report").exists()


def test_the_pdf_renders(client, cohort, nurse):
    client.force_login(nurse)
    response = client.get("/reports/outcomes.pdf", {"system": "implanted_pump"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_one_patients_outcomes_page(client, cohort, physician):
    client.force_login(physician)
    response = client.get(f"/reports/outcomes/patients/{cohort.pk}/")
    assert response.status_code == 200
    assert "BPI-SF" in response.content.decode()


@pytest.mark.parametrize("who", ["caregiver", "stranger"])
def test_family_and_strangers_are_refused_the_report(client, cohort, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/reports/outcomes/").status_code == 403
    assert client.get("/reports/outcomes.pdf").status_code == 403


def test_a_pharmacist_may_read_the_report_but_not_register_an_instrument(
    client, cohort, pharmacist
):
    client.force_login(pharmacist)
    assert client.get("/reports/outcomes/").status_code == 200
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.register_instrument(
            pharmacist,
            identifier="EQ-5D-5L",
            name="EQ-5D",
            version="1",
            licence_holder="EuroQol",
            licence_note="x",
            scoring={
                "items": 5,
                "item_min": 1,
                "item_max": 5,
                "scoring": "none",
                "subscales": [{"id": "a", "items": [1], "scoring": "sum"}],
            },
        )


def test_an_instrument_spec_never_holds_item_text(physician, db):
    with pytest.raises(ServiceRefusal, match="never stores a licensed instrument's wording"):
        services.register_instrument(
            physician,
            identifier="ZBI-12",
            name="Zarit",
            version="1",
            licence_holder="Mapi",
            licence_note="x",
            scoring={
                "items": 12,
                "item_min": 0,
                "item_max": 4,
                "scoring": "sum",
                "item_text": ["..."],
            },
        )


def test_a_score_with_too_few_answers_is_refused_and_a_score_is_written_once(cohort, physician):
    score = InstrumentScore.objects.get()
    assert score.scores == {"total": "4.50"}
    with pytest.raises(ServiceRefusal, match="at least 4"):
        services.record_instrument_score(
            physician,
            cohort,
            score.instrument,
            [1, None, None, None, None, None, 2],
            score.taken_at,
        )
    with pytest.raises(ValueError, match="written once"):
        score.save()
