"""Clinician pages stay English whatever the browser asks; family pages follow the choice."""

from __future__ import annotations

import re

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("persona", ["nurse", "physician", "pharmacist", "coordinator"])
def test_a_clinician_with_a_chinese_browser_gets_english_pages(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="en' in page
    assert not CJK.search(page), CJK.findall(page)[:10]


def test_a_caregiver_with_a_chinese_browser_gets_the_portal_in_chinese(client, caregiver):
    client.force_login(caregiver)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh' in page
    assert "下次加药" in page or "团队电话" in page


def test_the_sign_in_page_follows_the_browser(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "密码" in page
    assert "登录" in page
