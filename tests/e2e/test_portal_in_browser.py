"""The family portal on a phone: the demo caregiver signs in, lands on the portal, switches
to Chinese, finds the next refill and the team's numbers, and opens an education page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .conftest import Clinic, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, clinic: Clinic) -> Iterator[object]:
    context = browser.new_context(
        base_url=clinic.url, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_caregiver_reads_the_portal_in_chinese_on_a_phone(phone, clinic: Clinic, shot):
    page = phone
    sign_in(page, clinic.login("caregiver"))
    assert page.url.endswith("/portal/")
    page.get_by_role("heading", name="Next refill").first.wait_for()
    page.get_by_role("heading", name="The team's numbers").wait_for()
    # nothing wider than the phone: no sideways scrolling at 390 px
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "portal-english")

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.url.endswith("/portal/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    refill = page.locator(".refill-card").first
    refill.get_by_role("heading", name="下次加药").wait_for()
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", refill.inner_text())
    contacts = page.locator(".contacts")
    contacts.get_by_role("heading", name="团队电话").wait_for()
    assert "疼痛科护士" in contacts.inner_text()
    assert contacts.get_by_role("link", name=re.compile(r"07700 900\d{3}")).count() == 2
    assert page.get_by_role("button", name="简体中文").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "portal-chinese")

    page.get_by_role("link", name="和泵一起生活").first.click()
    page.get_by_role("heading", level=1, name="和泵一起生活").wait_for()
    page.get_by_role("heading", name="本页内容的依据").wait_for()
    assert page.get_by_role("link", name="简体中文 (PDF)").count() == 1
    shot(page, "education-chinese")

    # the choice stays: the next page is still in Chinese
    page.goto("/portal/")
    page.get_by_role("heading", name="下次加药").first.wait_for()


def test_the_patients_own_account_lands_on_the_portal_and_not_the_clinic(
    phone, clinic: Clinic, shot
):
    page = phone
    sign_in(page, clinic.login("patient"))
    assert page.url.endswith("/portal/")
    page.get_by_role("heading", level=1, name="Your pump").wait_for()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Dashboard").count() == 0
    response = page.goto("/patients/")
    assert response is not None
    assert response.status == 403
    shot(page, "patient-portal")
