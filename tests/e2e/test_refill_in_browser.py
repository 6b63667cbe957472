"""The bedside path in a real browser: a nurse records a refill with a residual discrepancy,
a second nurse verifies it, and the next due date is on the dashboard.

One test, because each step needs the one before it; a screenshot is saved at each step.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from .conftest import Clinic, sign_in, sign_out

pytestmark = pytest.mark.e2e

DUE_WITHIN_DAYS = 14  # the dashboard's window for refills due
DISCREPANCY_ACTION = (
    "Pump interrogated, no alarm logged; Dr Ahmed informed; pocket checked, no swelling."
)


def on_dashboard(due: date) -> str:
    """A date as the dashboard writes it: Mon 30 Nov 2026."""
    return f"{due:%a} {due.day} {due:%b %Y}"


def number(text: str) -> float:
    found = re.search(r"\d+(?:\.\d+)?", text)
    assert found, f"no number in {text!r}"
    return float(found.group())


def calculate(page, measured: str, fill: str) -> str:
    page.get_by_label("Residual volume withdrawn (measured)").fill(measured)
    page.get_by_label("Volume filled").fill(fill)
    page.get_by_role("button", name="Calculate").click()
    page.wait_for_load_state()
    worksheet = page.locator("#worksheet")
    worksheet.get_by_role("heading", name="Next refill").wait_for()
    return worksheet.inner_text()


def test_a_nurse_records_a_flagged_refill_and_a_second_nurse_verifies_it(
    page, clinic: Clinic, shot
):
    nurse, second_nurse = clinic.login("pump nurse", 0), clinic.login("pump nurse", 1)

    # --- the first nurse signs in and opens the pump that is overdue -------------------------
    sign_in(page, nurse)
    assert page.url.endswith("/dashboard/")
    page.get_by_role("heading", name="Clinic dashboard").wait_for()
    due_rows = page.locator("#refills-due tbody tr")
    overdue = due_rows.filter(has_text="OVERDUE")
    row = overdue.first if overdue.count() else due_rows.first
    patient_link, pump_link = row.get_by_role("link").nth(0), row.get_by_role("link").nth(1)
    patient_name = patient_link.inner_text().strip()
    pump_href = pump_link.get_attribute("href")
    assert pump_href is not None
    assert re.fullmatch(r"/devices/\d+/", pump_href), pump_href
    shot(page, "1-dashboard-before")

    patient_link.click()
    page.get_by_role("heading", name=patient_name).wait_for()
    page.locator(f"main a[href='{pump_href}']").first.click()
    page.wait_for_url(re.compile(re.escape(pump_href) + "$"))
    page.get_by_role("link", name="Record a refill").click()
    page.wait_for_url(re.compile(r"/devices/\d+/refills/new/$"))
    page.get_by_role("heading", name="Refill worksheet").wait_for()
    today = date.fromisoformat(page.get_by_label("Performed on").input_value())
    capacity = number(page.get_by_label("Volume filled").input_value())

    # --- the worksheet: a residual far from the expected is flagged ---------------------------
    sheet = calculate(page, "0 mL", f"{capacity:g} mL")
    if "FLAGGED" not in sheet:  # nothing was expected to remain: a residual is then the discrepancy
        sheet = calculate(page, "5 mL", f"{capacity:g} mL")
    assert "FLAGGED" in sheet, sheet
    assert page.locator("#worksheet [role=alert]").filter(has_text="FLAGGED").is_visible()
    # A part fill brings the next refill inside the dashboard's window, so the dashboard shows it.
    for fraction in (1, 0.5, 0.35, 0.25):
        fill = f"{round(capacity * fraction, 1):g} mL"
        sheet = calculate(
            page, page.get_by_label("Residual volume withdrawn (measured)").input_value(), fill
        )
        due = date.fromisoformat(re.search(r"Due (\d{4}-\d{2}-\d{2})", sheet).group(1))
        if today < due <= today + timedelta(days=DUE_WITHIN_DAYS - 1):
            break
    else:
        pytest.fail(
            f"no fill of this {capacity:g} mL reservoir brings the next refill within {DUE_WITHIN_DAYS} days"
        )
    shot(page, "2-worksheet-flagged")

    # --- fill and confirm, then save ---------------------------------------------------------
    strengths = page.locator("input[id^='id_label_strength_']")
    assert strengths.count() >= 1
    for i in range(strengths.count()):
        field = strengths.nth(i)
        help_text = page.locator(f"#{field.get_attribute('id')}_helptext").inner_text()
        field.fill(re.search(r"the program is (.+?)\s*$", help_text).group(1))
    page.get_by_label("Lot number of the drug filled").fill("E2E-LOT-2611")
    page.get_by_label(re.compile("Needle placed in the reservoir fill port")).check()
    page.get_by_label("Action taken about a flagged discrepancy").fill(DISCREPANCY_ACTION)
    page.get_by_role("button", name="Save the refill").click()
    page.wait_for_url(re.compile(r"/refills/\d+/$"))
    refill_url = page.url
    heading = page.get_by_role("heading", level=1)
    assert "discrepancy flagged" in heading.inner_text()
    assert "Awaiting double check" in heading.inner_text()
    page.get_by_text("is saved. A second person must now verify it").wait_for()
    page.get_by_text(DISCREPANCY_ACTION).wait_for()
    page.get_by_text("You performed this refill: a second person must verify it.").wait_for()
    assert page.get_by_role("button", name="Verify the refill").count() == 0
    assert (
        page.get_by_text(f"{due:%Y-%m-%d}").count() >= 1
    )  # next refill due, as the worksheet said
    shot(page, "3-refill-saved-flagged")

    page.goto("/dashboard/")
    awaiting = page.locator("#unverified tbody tr").filter(has_text=patient_name.split(",")[0])
    assert awaiting.filter(has_text="discrepancy").count() >= 1
    assert (
        page.locator("#discrepancies tbody tr").filter(has_text=patient_name.split(",")[0]).count()
        >= 1
    )
    sign_out(page)

    # --- the second nurse verifies it --------------------------------------------------------
    sign_in(page, second_nurse)
    assert page.url.endswith("/dashboard/")
    page.goto(refill_url)
    page.get_by_label(re.compile("I checked the drug, strength, volume and lot")).check()
    page.get_by_role("button", name="Verify the refill").click()
    page.wait_for_url(refill_url)
    page.get_by_text("is verified").wait_for()
    assert "Verified" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_text(re.compile(r"Verified by ")).wait_for()
    shot(page, "4-refill-verified")

    # --- the next due date is on the dashboard -----------------------------------------------
    page.goto("/dashboard/")
    row = page.locator("#refills-due tbody tr").filter(has=page.locator(f"a[href='{pump_href}']"))
    assert row.count() == 1
    assert on_dashboard(due) in row.inner_text()
    assert "OVERDUE" not in row.inner_text()
    refill_path = refill_url.removeprefix(clinic.url)
    assert page.locator(f"#unverified a[href='{refill_path}']").count() == 0
    shot(page, "5-dashboard-next-due")
    sign_out(page)
