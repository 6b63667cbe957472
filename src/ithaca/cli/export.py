"""`ithaca export registry --out FILE.zip --as USERNAME [--exact-dates]`: the pseudonymised registry
dataset, written by the same code as the web export and audited the same way.

The command acts as a named user (`--as USERNAME`, a physician or coordinator), so the
audit trail says who exported, as it does on the web.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any

from ithaca.cli.values import UsageError
from ithaca.cli.web import migrate, setup_django
from ithaca.clinical.catalogue import Catalogue

Output = tuple[dict[str, Any], list[str], int]


def add_export_commands(subparsers: Any) -> None:
    export = subparsers.add_parser("export", help="export data from the clinic database")
    kinds = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    registry = kinds.add_parser(
        "registry", help="the pseudonymised registry minimum dataset (CSV and Parquet in a zip)"
    )
    registry.add_argument("--out", required=True, metavar="FILE.zip")
    registry.add_argument(
        "--as",
        dest="username",
        required=True,
        metavar="USERNAME",
        help="the physician or coordinator exporting (audited)",
    )
    registry.add_argument(
        "--exact-dates",
        action="store_true",
        help="do not shift dates (by default each patient's dates move by one offset)",
    )
    registry.set_defaults(run=run_export_registry, needs_catalogue=False)


def run_export_registry(ns: argparse.Namespace, catalogue: Catalogue | None) -> Output:
    setup_django()
    migrate()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied

    from ithaca.outcomes.export import export_registry

    try:
        user = get_user_model().objects.get(username=ns.username)
    except get_user_model().DoesNotExist:
        raise UsageError("--as", f"no user named {ns.username!r}") from None
    try:
        content, manifest = export_registry(
            user,
            shift_dates=not ns.exact_dates,
            via={"via": "command line", "os_user": getpass.getuser()},
        )
    except PermissionDenied as exc:
        raise UsageError("--as", str(exc)) from None
    out = Path(ns.out)
    # Readable by the exporting account only: the file leaves the clinic's database.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    rows = manifest["rows"]
    lines = [
        f"Wrote {out} ({len(content):,} bytes): {manifest['pseudonyms']}, dates shifted: "
        f"{'no' if ns.exact_dates else 'yes'}."
    ]
    lines += [f"  {table}: {count} rows" for table, count in rows.items()]
    return {"out": str(out), "bytes": len(content)} | manifest, lines, 0
