"""`ithaca serve`, `ithaca demo`, `ithaca audit verify` and `ithaca manage`: the clinic app."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ithaca.cli.values import UsageError
from ithaca.clinical.catalogue import Catalogue


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ithaca.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UsageError("configuration", str(exc)) from None


def migrate() -> None:
    from django.conf import settings
    from django.core.management import call_command

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


def add_web_commands(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the clinic web application (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.set_defaults(run=run_serve, needs_catalogue=False)

    demo = subparsers.add_parser(
        "demo", help="load the synthetic demonstration clinic into the database"
    )
    demo.add_argument("--patients", type=int, default=40)
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument(
        "--fast",
        action="store_true",
        help="bulk-load (for thousands of patients): same values from the clinical core, rows written in bulk",
    )
    demo.set_defaults(run=run_demo, needs_catalogue=False)

    audit = subparsers.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="WHAT")
    verify = audit_commands.add_parser(
        "verify", help="recompute the hash chain and name the first broken link"
    )
    verify.set_defaults(run=run_audit_verify, needs_catalogue=False)

    manage = subparsers.add_parser(
        "manage", help="Django management commands, e.g. `ithaca manage createsuperuser`"
    )
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(run=run_manage, needs_catalogue=False)


Output = tuple[dict[str, Any], list[str], int]


def run_serve(ns: argparse.Namespace, catalogue: Catalogue | None) -> Output:
    setup_django()
    migrate()
    from django.conf import settings
    from django.core.management import call_command
    from waitress import serve

    from ithaca.web.wsgi import application

    call_command("collectstatic", interactive=False, verbosity=0)
    # Refuse to start on a library that cannot be read, rather than fail on every page.
    from ithaca.devices.library import catalogue_in_force

    catalogue_in_force()
    from ithaca.devices.forecast import refresh_missing

    refresh_missing()
    sys.stdout.write(
        f"ithaca is serving on http://{ns.host}:{ns.port}/ (database: {str(settings.DATABASES['default']['ENGINE']).rsplit('.', 1)[-1]}, "
        f"data: {settings.DATA_DIR}). Stop with Ctrl-C.\n"
    )
    sys.stdout.flush()
    proxy: dict[str, Any] = {}
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        # waitress drops X-Forwarded-* unless it is told which proxy to believe.
        proxy = {
            "trusted_proxy": os.environ.get("ITHACA_TRUSTED_PROXY", "127.0.0.1"),
            "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True,
        }
    serve(application, host=ns.host, port=ns.port, threads=ns.threads, ident="ithaca", **proxy)
    return {}, [], 0


def run_demo(ns: argparse.Namespace, catalogue: Catalogue | None) -> Output:
    setup_django()
    from django.conf import settings

    if settings.PRODUCTION:
        return (
            {"error": "refused"},
            ["ithaca demo refuses to load synthetic patients into a production database."],
            2,
        )
    migrate()
    from ithaca.web.demo import load_demo

    result = load_demo(patients=ns.patients, seed=ns.seed, fast=ns.fast)
    lines = [result.summary, "", "Demo sign-ins (synthetic data, development only):"]
    lines += [
        f"  {login.role:<14} {login.username:<14} password: {login.password}"
        for login in result.logins
    ]
    doc = {"summary": result.summary, "logins": [vars(login) for login in result.logins]}
    return doc, lines, 0


def run_audit_verify(ns: argparse.Namespace, catalogue: Catalogue | None) -> Output:
    setup_django()
    from ithaca.audit.chain import verify

    result = verify()
    doc = {
        "intact": result.intact,
        "checked": result.checked,
        "first_broken_id": result.first_broken_id,
        "problem": result.problem,
    }
    if result.intact:
        return doc, [f"Audit trail intact: {result.checked} events, every link verified."], 0
    where = (
        f"event #{result.first_broken_id}"
        if result.first_broken_id is not None
        else "the end of the trail"
    )
    return (
        doc,
        [
            f"AUDIT TRAIL BROKEN at {where}: {result.problem}. {result.checked} events before it verified."
        ],
        1,
    )


def run_manage(ns: argparse.Namespace, catalogue: Catalogue | None) -> Output:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ithaca manage", *ns.args])
    return {}, [], 0
