"""The cost report and the patient cost panel: what they show with the clinic's costs unset
and set (a clinic file put in force the way the pharmacist does), and who may see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ithaca.devices.library_admin import activate
from ithaca.pathway.eligibility import assess_eligibility
from tests.integration.test_pathway_eligibility_service import good_inputs

URL = "/reports/cost/"
CLINIC_FILE = """
[clinic]
name = "St Example Pain Service"
version = "2026.1"
approved_by = "Dr A Example, IDDS lead; J Smith, finance"
approved_on = "2026-11-01"

[sources.st-example-finance-2026]
citation = "St Example Hospital finance department, 2026-27 tariff and procurement prices"
year = 2026

[economics.local]
currency = "GBP"
country = "GB"

[economics.options.implanted.lines.device.cost]
amount = "1000"
source = "st-example-finance-2026"
confidence = "C"

[economics.options.implanted.lines.procedure.cost]
amount = "0"
source = "st-example-finance-2026"
confidence = "C"

[economics.options.implanted.lines.trial.cost]
amount = "0"
source = "st-example-finance-2026"
confidence = "C"

[economics.options.implanted.lines.it_drugs.cost]
amount = "0"
source = "st-example-finance-2026"
confidence = "C"

[economics.options.implanted.lines.systemic_opioids.cost]
amount = "0"
source = "st-example-finance-2026"
confidence = "C"

[economics.options.implanted.lines.refills]
cost = { amount = "100", source = "st-example-finance-2026", confidence = "C" }
rate = { value = "1", source = "st-example-finance-2026", confidence = "C" }

[economics.options.implanted.lines.admissions]
cost = { amount = "0", source = "st-example-finance-2026", confidence = "C" }
rate = { value = "0", source = "st-example-finance-2026", confidence = "C" }

[economics.options.cmm.lines.systemic_opioids.cost]
amount = "0"
source = "st-example-finance-2026"
confidence = "C"

[economics.options.cmm.lines.home_visits]
cost = { amount = "125", source = "st-example-finance-2026", confidence = "C" }
rate = { value = "2", source = "st-example-finance-2026", confidence = "C" }

[economics.options.cmm.lines.admissions]
cost = { amount = "0", source = "st-example-finance-2026", confidence = "C" }
rate = { value = "0", source = "st-example-finance-2026", confidence = "C" }
"""


@pytest.fixture
def clinic_costs(pharmacist):
    """The worked example: implanted 1000 once + 100 a month; CMM 250 a month (break-even 7)."""
    return activate(pharmacist, CLINIC_FILE, "Cost figures agreed with finance")


@pytest.fixture
def assessed(physician, patient):
    patient.pathway_stage = "referred"
    patient.save(update_fields=["pathway_stage"])
    return assess_eligibility(physician, patient, good_inputs(life_expectancy_months=6))


def test_the_report_says_plainly_that_the_clinic_has_not_set_its_costs(client, nurse):
    client.force_login(nurse)
    page = client.get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert "set your unit costs in the clinic library file" in text.lower()
    assert "pharmacist&#x27;s guide" in text or "pharmacist's guide" in text
    assert "Needs local sign-off" in text
    assert "no costing of intrathecal drug delivery for cancer pain was found" in text
    assert "Medtronic-funded" in text
    assert "US commercial claims" in text
    assert "<svg" not in text  # nothing computed, nothing drawn


def test_published_figures_alone_are_refused_for_want_of_a_device_cost(client, nurse):
    client.force_login(nurse)
    text = client.get(
        URL, {"horizon": "24", "survival": "whole", "figures": "published", "against": "cmm"}
    ).content.decode()
    assert "No option has every figure it needs." in text
    assert "Pump and catheter" in text


def test_with_the_clinic_costs_set_the_report_draws_and_breaks_even_at_month_7(
    client, physician, clinic_costs
):
    client.force_login(physician)
    page = client.get(
        URL, {"horizon": "24", "survival": "whole", "figures": "clinic", "against": "cmm"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "set your unit costs" not in text.lower()
    assert "from month <strong>7</strong>" in text
    assert text.count("<svg") == 2  # cumulative cost and tornado
    assert "break-even: month 7" in text
    assert "St Example Hospital finance department" in text
    assert "GBP 1,000.00" in text
    assert (
        "External pump with tunnelled catheter: Tunnelled catheter and external pump (cost)" in text
    )
    assert "One-way sensitivity analysis" in text


def test_a_survival_weighted_scenario_shows_the_expected_cost_and_what_is_not_costed(
    client, physician, clinic_costs
):
    client.force_login(physician)
    text = client.get(
        URL,
        {
            "horizon": "12",
            "survival": "median",
            "median_months": "3",
            "figures": "clinic",
            "against": "cmm",
        },
    ).content.decode()
    assert "half alive at 3 months" in text
    assert "are alive after the horizon" in text
    assert "ithaca-policy" in text or "ithaca default policy" in text


def test_a_median_is_required_for_the_constant_risk_curve(client, physician, clinic_costs):
    client.force_login(physician)
    page = client.get(
        URL, {"horizon": "12", "survival": "median", "figures": "clinic", "against": "cmm"}
    )
    assert "median_months" in page.context["form"].errors


@pytest.mark.parametrize("persona", ["caregiver", "stranger"])
def test_family_accounts_and_strangers_may_not_see_the_cost_report(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_a_patient_account_may_not_see_the_cost_report(client, patient):
    from ithaca.accounts.models import CaregiverLink, Role
    from tests.integration.conftest import make_user

    account = make_user("patient_mei", Role.PATIENT, "Mei Wong")
    CaregiverLink.objects.create(user=account, patient=patient)
    client.force_login(account)
    assert client.get(URL).status_code == 403


def test_the_report_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_eligibility_page_says_the_clinic_has_not_set_costs(client, physician, assessed):
    client.force_login(physician)
    text = client.get(
        reverse("pathway-assessment", kwargs={"assessment_id": assessed.pk})
    ).content.decode()
    assert "Expected cost of each option" in text
    assert "The clinic has not set its unit costs" in text


def test_the_eligibility_page_shows_the_expected_cost_centred_on_the_expected_survival(
    client, physician, assessed, clinic_costs
):
    client.force_login(physician)
    text = client.get(
        reverse("pathway-assessment", kwargs={"assessment_id": assessed.pk})
    ).content.decode()
    assert "expected survival of 6 months" in text
    assert "half alive at 6 months" in text
    assert "GBP 1,859.29" in text  # implanted, under the constant-risk curve over 24 months
    assert "GBP 2,148.23" in text  # CMM
    assert "suggested" in text
