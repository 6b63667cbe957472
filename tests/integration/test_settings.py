"""Settings are validated at start-up: each case runs Django in a fresh process.

Settings are read once per process, so the production checks cannot be tried in this one.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ithaca.web.settings import DEVELOPMENT_SECRET_KEY

ITHACA = Path(sys.executable).with_name("ithaca")
GOOD_KEY = "k" * 21 + "7Q2x-9vLr_Zp4Wm!bN8s#Tf6Yh3Jd"  # 50 characters, made up for the test
assert len(GOOD_KEY) == 50

SETUP = "import django; from django.conf import settings; django.setup()"
# Only what the test sets: nothing of the environment running the tests.
CLEARED = (
    "ITHACA_ENV",
    "ITHACA_SECRET_KEY",
    "ITHACA_DEBUG",
    "DATABASE_URL",
    "ITHACA_DATA_DIR",
    "ITHACA_SESSION_MINUTES",
    "ITHACA_ALLOWED_HOSTS",
    "ITHACA_TIME_ZONE",
    "ITHACA_TEST_POSTGRES",
)


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["DJANGO_SETTINGS_MODULE"] = "ithaca.web.settings"
    env["ITHACA_DATA_DIR"] = str(tmp_path / "data")
    env.update(values)
    return env


def run_python(tmp_path: Path, code: str, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment(tmp_path, **values),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_seen(tmp_path: Path, **values: str) -> dict[str, object]:
    code = (
        SETUP + "; import json; d = settings.DATABASES['default']; print(json.dumps({"
        "'engine': d['ENGINE'], 'name': str(d['NAME']), 'host': d.get('HOST'), 'port': d.get('PORT'),"
        "'user': d.get('USER'), 'options': d.get('OPTIONS', {}), 'conn_max_age': d.get('CONN_MAX_AGE'),"
        "'session_age': settings.SESSION_COOKIE_AGE, 'debug': settings.DEBUG,"
        "'secure_cookie': settings.SESSION_COOKIE_SECURE, 'csrf_secure': settings.CSRF_COOKIE_SECURE,"
        "'allowed_hosts': settings.ALLOWED_HOSTS, 'data_dir': str(settings.DATA_DIR),"
        "'SECURE_PROXY_SSL_HEADER': getattr(settings, 'SECURE_PROXY_SSL_HEADER', None),"
        "'CSRF_TRUSTED_ORIGINS': settings.CSRF_TRUSTED_ORIGINS}))"
    )
    done = run_python(tmp_path, code, **values)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refused_serve(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    """`ithaca serve` that should refuse at once; if it starts serving instead, stop it and fail."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        return subprocess.run(
            [str(ITHACA), "serve", "--port", str(port)],
            env=environment(tmp_path, **values),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`ithaca serve` started serving instead of refusing: {exc.stdout!r}")


# --- production refuses an unsafe configuration ---------------------------------------------


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    done = run_python(tmp_path, SETUP, ITHACA_ENV="production")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "production needs ITHACA_SECRET_KEY" in done.stderr


def test_production_refuses_the_development_key(tmp_path):
    done = run_python(
        tmp_path, SETUP, ITHACA_ENV="production", ITHACA_SECRET_KEY=DEVELOPMENT_SECRET_KEY
    )
    assert done.returncode != 0
    assert "production needs ITHACA_SECRET_KEY" in done.stderr


def test_production_refuses_a_short_key(tmp_path):
    done = run_python(tmp_path, SETUP, ITHACA_ENV="production", ITHACA_SECRET_KEY=GOOD_KEY[:39])
    assert done.returncode != 0
    assert "at least 40 characters" in done.stderr


def test_production_refuses_debug(tmp_path):
    done = run_python(
        tmp_path, SETUP, ITHACA_ENV="production", ITHACA_SECRET_KEY=GOOD_KEY, ITHACA_DEBUG="1"
    )
    assert done.returncode != 0
    assert "ITHACA_DEBUG must be off in production" in done.stderr


def test_production_with_a_good_key_starts(tmp_path):
    done = run_python(
        tmp_path, SETUP + "; print('started')", ITHACA_ENV="production", ITHACA_SECRET_KEY=GOOD_KEY
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"


def test_production_cookies_are_secure(tmp_path):
    seen = settings_seen(tmp_path, ITHACA_ENV="production", ITHACA_SECRET_KEY=GOOD_KEY)
    assert seen["debug"] is False
    assert seen["secure_cookie"] is True
    assert seen["csrf_secure"] is True


def test_an_unknown_environment_is_refused(tmp_path):
    done = run_python(tmp_path, SETUP, ITHACA_ENV="staging")
    assert done.returncode != 0
    assert "ITHACA_ENV must be development or production" in done.stderr


def test_development_starts_with_no_configuration_at_all(tmp_path):
    seen = settings_seen(tmp_path)
    assert seen["secure_cookie"] is False
    assert seen["debug"] is False
    assert seen["allowed_hosts"] == ["127.0.0.1", "localhost"]


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "production needs ITHACA_SECRET_KEY"),
        ({"ITHACA_SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "production needs ITHACA_SECRET_KEY"),
        (
            {"ITHACA_SECRET_KEY": GOOD_KEY, "ITHACA_DEBUG": "1"},
            "ITHACA_DEBUG must be off in production",
        ),
    ],
    ids=["no key", "development key", "debug"],
)
def test_ithaca_serve_refuses_in_one_line_without_a_traceback(tmp_path, env, problem):
    if not ITHACA.exists():  # pragma: no cover
        pytest.skip(f"the ithaca command is not installed next to {sys.executable}")
    done = refused_serve(tmp_path, ITHACA_ENV="production", **env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ithaca: error: configuration: ")
    assert problem in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""


# --- the database and the session from the environment --------------------------------------


def test_database_url_selects_postgresql(tmp_path):
    seen = settings_seen(
        tmp_path, DATABASE_URL="postgres://clinic:s3cret@db.example.org:5433/ithaca_prod"
    )
    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["name"] == "ithaca_prod"
    assert seen["host"] == "db.example.org"
    assert seen["port"] == 5433
    assert seen["user"] == "clinic"
    assert seen["conn_max_age"] == 60
    assert "transaction_mode" not in seen["options"]  # SQLite's locking option is SQLite's only


def test_sqlite_in_the_data_dir_is_the_default(tmp_path):
    seen = settings_seen(tmp_path)
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["data_dir"] == str((tmp_path / "data").resolve())
    assert seen["name"] == str((tmp_path / "data" / "ithaca.sqlite3").resolve())
    assert seen["options"]["transaction_mode"] == "IMMEDIATE"
    assert seen["conn_max_age"] == 0


def test_the_session_lasts_thirty_idle_minutes_by_default(tmp_path):
    assert settings_seen(tmp_path)["session_age"] == 30 * 60


def test_the_session_timeout_comes_from_the_environment(tmp_path):
    assert settings_seen(tmp_path, ITHACA_SESSION_MINUTES="10")["session_age"] == 10 * 60


def test_allowed_hosts_come_from_the_environment(tmp_path):
    seen = settings_seen(tmp_path, ITHACA_ALLOWED_HOSTS="ithaca.clinic.example, 10.0.0.5 ,")
    assert seen["allowed_hosts"] == ["ithaca.clinic.example", "10.0.0.5"]


# --- a bad value is a configuration error, not an internal one -------------------------------


@pytest.mark.parametrize("minutes", ["thirty", "0", "-5"])
def test_a_session_timeout_that_is_not_a_positive_number_of_minutes_is_refused(tmp_path, minutes):
    """0 would end every session at once; a word would stop the server with an internal error."""
    done = run_python(tmp_path, SETUP, ITHACA_SESSION_MINUTES=minutes)
    assert done.returncode != 0, f"ITHACA_SESSION_MINUTES={minutes} was accepted"
    assert "ImproperlyConfigured" in done.stderr
    assert "ITHACA_SESSION_MINUTES" in done.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ITHACA_SESSION_MINUTES": "thirty"}, "ITHACA_SESSION_MINUTES"),
        ({"DATABASE_URL": "postgress://postgres@127.0.0.1:5432/ithaca"}, "DATABASE_URL"),
        ({"ITHACA_TIME_ZONE": "Mars/Olympus"}, "ITHACA_TIME_ZONE"),
        ({"ITHACA_ALLOWED_HOSTS": " , "}, "ITHACA_ALLOWED_HOSTS"),
        ({"ITHACA_CSRF_TRUSTED_ORIGINS": "ithaca.example.org"}, "ITHACA_CSRF_TRUSTED_ORIGINS"),
    ],
    ids=["session minutes", "database url scheme", "time zone", "allowed hosts", "trusted origins"],
)
def test_ithaca_serve_reports_a_bad_setting_as_a_configuration_error(tmp_path, env, named):
    """The CLI's contract: bad input exits 2 in one line; 70 means a bug ("please report this")."""
    done = refused_serve(tmp_path, **env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ithaca: error: configuration: ")
    assert named in lines[0]
    assert "Traceback" not in done.stderr


def test_behind_a_tls_proxy_the_forwarded_scheme_and_trusted_origins_are_used(tmp_path):
    seen = settings_seen(
        tmp_path, ITHACA_BEHIND_PROXY="1", ITHACA_CSRF_TRUSTED_ORIGINS="https://ithaca.example.org"
    )
    assert seen["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["CSRF_TRUSTED_ORIGINS"] == ["https://ithaca.example.org"]


def test_ithaca_serve_refuses_an_unreadable_clinic_library_in_one_line(tmp_path):
    broken = tmp_path / "clinic.toml"
    broken.write_text("[clinic]\nname = 'x'\n", encoding="utf-8")
    done = refused_serve(tmp_path, ITHACA_CLINIC_LIBRARY=str(broken))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("ithaca: error: the library is not valid")
    assert "Traceback" not in done.stderr
