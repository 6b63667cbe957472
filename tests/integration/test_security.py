"""Sign-in and session safety: Argon2, throttling, idle timeout, CSRF, no page without a login."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from ithaca.accounts.models import Role
from ithaca.audit.models import AuditEvent

from .conftest import PASSWORD, make_user

LOGIN = "/accounts/login/"
CONFIGURED_HASHERS = list(settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Sign-ins here are many; Argon2 itself is checked by the first test, with its own user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def is_locked_out(response) -> bool:
    return response.status_code == 429 or "Too many failed sign-ins" in response.content.decode()


# --- passwords ------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = CONFIGURED_HASHERS
    assert CONFIGURED_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = make_user("nurse_argon", Role.NURSE)
    assert user.password.startswith("argon2")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert PASSWORD not in user.password
    response = Client().post(LOGIN, {"username": "nurse_argon", "password": PASSWORD})
    assert response.status_code == 302


def test_a_short_or_common_password_is_refused_by_the_validators(db):
    for weak in ("short1", "password123", "1234567890123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password(PASSWORD)


# --- throttling -----------------------------------------------------------------------------


def test_five_failed_sign_ins_lock_the_account_even_against_the_right_password(nurse):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "nurse_lee", f"wrong password {attempt}")
        if attempt < settings.AXES_FAILURE_LIMIT - 1:
            assert response.status_code == 200, (
                f"attempt {attempt + 1} was not just a failed sign-in"
            )
            assert not is_locked_out(response)
    assert settings.AXES_FAILURE_LIMIT == 5
    sixth = sign_in(client, "nurse_lee", PASSWORD)
    assert is_locked_out(sixth)
    assert sixth.status_code != 302
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="login", actor_id=nurse.pk).exists()
    # a fresh browser from the same address is locked out too
    assert is_locked_out(sign_in(Client(), "nurse_lee", PASSWORD))


def test_the_lockout_page_says_why(nurse):
    client = Client()
    for attempt in range(5):
        sign_in(client, "nurse_lee", f"wrong password {attempt}")
    response = sign_in(client, "nurse_lee", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_a_locked_account_does_not_lock_out_a_colleague(nurse, second_nurse):
    client = Client()
    for attempt in range(5):
        sign_in(client, "nurse_lee", f"wrong password {attempt}")
    response = sign_in(Client(), "nurse_patel", PASSWORD)
    assert response.status_code == 302
    assert response.url == settings.LOGIN_REDIRECT_URL


def test_four_failures_then_the_right_password_signs_in_and_resets_the_count(nurse):
    client = Client()
    for attempt in range(4):
        sign_in(client, "nurse_lee", f"wrong password {attempt}")
    response = sign_in(client, "nurse_lee", PASSWORD)
    assert response.status_code == 302
    client.post("/accounts/logout/")
    # the count started again: four more failures still leave the account open
    for attempt in range(4):
        sign_in(client, "nurse_lee", f"wrong again {attempt}")
    assert sign_in(client, "nurse_lee", PASSWORD).status_code == 302


# --- sessions -------------------------------------------------------------------------------


def test_session_settings():
    minutes = int(os.environ.get("ITHACA_SESSION_MINUTES", "30"))
    assert minutes * 60 == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_the_session_cookie_is_http_only(nurse):
    client = Client()
    response = sign_in(client, "nurse_lee")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_every_request_renews_the_idle_timeout(pharmacist):
    client = Client()
    sign_in(client, "pharm_chen")
    row = _session_row(client)
    remaining = row.expire_date - timezone.now()
    assert (
        timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        < remaining
        <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    # idle for all but one minute ...
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/library/").status_code == 200
    # ... and the request put the full idle time back
    renewed = _session_row(client).expire_date - timezone.now()
    assert renewed > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_an_idle_session_ends(pharmacist):
    client = Client()
    sign_in(client, "pharm_chen")
    assert client.get("/library/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/library/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_a_deactivated_account_loses_its_open_session(pharmacist):
    client = Client()
    sign_in(client, "pharm_chen")
    assert client.get("/library/").status_code == 200
    get_user_model().objects.filter(pk=pharmacist.pk).update(is_active=False)
    response = client.get("/library/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_signing_out_ends_the_session(pharmacist):
    client = Client()
    sign_in(client, "pharm_chen")
    assert client.post("/accounts/logout/").status_code == 302
    response = client.get("/library/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_signing_out_needs_a_post(pharmacist):
    """A link or an image on another page cannot sign a nurse out mid-refill."""
    client = Client()
    sign_in(client, "pharm_chen")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/library/").status_code == 200


# --- no page without a login ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboard/", "/patients/", "/library/"])
def test_anonymous_requests_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={path}"


def test_the_root_leads_to_each_role_s_start_page(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response.url == "/home/"


def test_the_health_page_answers_without_a_login(db):
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.content.decode().strip() == "ok"


def test_the_admin_needs_a_login(db):
    response = Client().get("/admin/audit/auditevent/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_a_role_without_the_right_gets_the_not_allowed_page(nurse):
    client = Client()
    sign_in(client, "nurse_lee")
    response = client.get("/library/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_sign_in_never_redirects_to_another_site(nurse):
    response = Client().post(
        LOGIN, {"username": "nurse_lee", "password": PASSWORD, "next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert response.url == settings.LOGIN_REDIRECT_URL


# --- CSRF and headers -----------------------------------------------------------------------


def test_csrf_is_enforced_on_sign_in(nurse):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "nurse_lee", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_csrf_is_enforced_once_signed_in(pharmacist):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        LOGIN, {"username": "pharm_chen", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert (
        client.post("/library/", {"content": "x", "reason": "y", "activate": "1"}).status_code
        == 403
    )
    assert client.post("/accounts/logout/").status_code == 403


def test_pages_cannot_be_framed_or_sniffed(db):
    response = Client().get(LOGIN)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_signed_in_user_without_a_profile_is_refused(db):
    make_user("no_profile", None)
    client = Client()
    sign_in(client, "no_profile")
    response = client.get("/library/")
    assert response.status_code == 403
