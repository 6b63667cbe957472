"""Django settings, read from the environment and validated at start-up.

ITHACA_ENV            development (default) or production
ITHACA_SECRET_KEY     required in production; the development key is refused there
ITHACA_DEBUG          1 to show Django's debug pages (refused in production)
DATABASE_URL          e.g. postgres://user@127.0.0.1:5432/ithaca; default SQLite in the data dir
ITHACA_DATA_DIR       where SQLite and collected static files live (default ./var)
ITHACA_ALLOWED_HOSTS  comma-separated (default 127.0.0.1,localhost)
ITHACA_SESSION_MINUTES idle minutes before a session ends (default 30)
ITHACA_TIME_ZONE      the clinic's time zone (default Europe/London)
"""

from __future__ import annotations

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets admin and form classes be written ModelAdmin[Patient] for the type checker.
django_stubs_ext.monkeypatch()

DEVELOPMENT_SECRET_KEY = "ithaca-development-only-key-never-use-in-production"  # noqa: S105

ENVIRONMENT = os.environ.get("ITHACA_ENV", "development")
if ENVIRONMENT not in ("development", "production"):
    raise ImproperlyConfigured("ITHACA_ENV must be development or production")
PRODUCTION = ENVIRONMENT == "production"

SECRET_KEY = os.environ.get("ITHACA_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = os.environ.get("ITHACA_DEBUG", "0") == "1"
if PRODUCTION and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "production needs ITHACA_SECRET_KEY: at least 40 characters, not the development key"
    )
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("ITHACA_DEBUG must be off in production")

DATA_DIR = Path(os.environ.get("ITHACA_DATA_DIR", "var")).resolve()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ITHACA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ITHACA_ALLOWED_HOSTS is empty: every request would be refused")

# Behind a TLS-terminating reverse proxy: the proxy says the request was https, and the
# browser's https origin is trusted for CSRF. Only set these when the proxy overwrites
# X-Forwarded-Proto on every request (a client must not be able to send its own).
if os.environ.get("ITHACA_BEHIND_PROXY", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ITHACA_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"ITHACA_CSRF_TRUSTED_ORIGINS needs full origins such as https://ithaca.example.org, not {_origin!r}"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "ithaca.accounts",
    "ithaca.audit",
    "ithaca.patients",
    "ithaca.devices",
    "ithaca.pathway",
    "ithaca.family",
    "ithaca.decisionaid",
    "ithaca.outcomes",
    "ithaca.safety",
    "ithaca.economics",
    "ithaca.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language a patient or caregiver picks (a cookie, then the browser's); clinician
    # pages are English for now but marked for translation.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ithaca.web.middleware.StaffPagesInEnglish",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ithaca.web.urls"
WSGI_APPLICATION = "ithaca.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ithaca.web.context.ithaca",
            ],
        },
    }
]


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{DATA_DIR / 'ithaca.sqlite3'}"
    url = os.environ.get("DATABASE_URL", default_url)
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database address ithaca can use: {exc}"
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so two nurses saving at once queue
        # instead of one failing with "database is locked" halfway through.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
        config["CONN_MAX_AGE"] = 0
    config["ATOMIC_REQUESTS"] = False
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/home/"  # each role lands where its work is
LOGOUT_REDIRECT_URL = "/accounts/login/"


# An idle session ends; every request renews it.
def _session_minutes() -> int:
    text = os.environ.get("ITHACA_SESSION_MINUTES", "30").strip()
    if not text.isdigit() or not 1 <= int(text) <= 24 * 60:
        raise ImproperlyConfigured(
            f"ITHACA_SESSION_MINUTES must be a whole number of minutes from 1 to 1440, not {text!r}"
        )
    return int(text)


SESSION_COOKIE_AGE = _session_minutes() * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Five failed logins for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "ithaca/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = os.environ.get("ITHACA_TIME_ZONE", "Europe/London")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"ITHACA_TIME_ZONE {TIME_ZONE!r} is not a time zone name such as Europe/London"
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from here; an absent folder is only noise in every test run.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
