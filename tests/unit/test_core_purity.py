"""The clinical core reads no clock, no randomness, no files, network or database.

Every date a calculation needs is passed in, so the same inputs always give the same
answer and a result can be reproduced later; the library arrives as bytes from
ithaca.datafiles. This test reads the source of every module under src/ithaca/clinical
and fails on a forbidden call or import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ithaca.clinical

CORE = Path(ithaca.clinical.__file__).resolve().parent

# Calls on any object: datetime.now(), date.today(), datetime.utcnow(), x.now() ...
FORBIDDEN_METHOD_CALLS = frozenset({"now", "today", "utcnow"})
# module.attribute uses, called or not: time.time, time.monotonic, date.today, datetime.now
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        ("time", "time"),
        ("time", "monotonic"),
        ("time", "perf_counter"),
        ("date", "today"),
        ("datetime", "now"),
        ("datetime", "today"),
        ("datetime", "utcnow"),
    }
)
FORBIDDEN_MODULES = frozenset(
    {
        "time",
        "random",
        "os",
        "socket",
        "sqlite3",
        "django",
        "urllib",
        "http",
        # the file system: the core is handed bytes, it never opens a file
        "pathlib",
        "io",
        "shutil",
        "tempfile",
        "importlib",  # importlib.resources reads package files
    }
)
# Calls that open or read a file, by name (open(...), io.open) or as a method of a path.
FORBIDDEN_FUNCTIONS = frozenset({"open", "builtins.open", "io.open", "os.open"})
FORBIDDEN_FILE_METHODS = frozenset(
    {"read_text", "read_bytes", "write_text", "write_bytes", "open", "joinpath"}
)


def _dotted(node: ast.AST) -> str | None:
    """'datetime.datetime' for an Attribute chain of Names, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def forbidden_uses(source: str, filename: str = "<sample>") -> list[str]:
    """Each forbidden import or call in the source, as 'file:line: what'."""
    problems: list[str] = []
    tree = ast.parse(source, filename=filename)
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    problems.append(f"{where}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.split(".")[0] in FORBIDDEN_MODULES:
                problems.append(f"{where}: from {module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHOD_CALLS:
                problems.append(f"{where}: call .{func.attr}()")
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_FILE_METHODS:
                problems.append(f"{where}: file call .{func.attr}()")
            name = _dotted(func)
            if name in FORBIDDEN_FUNCTIONS:
                problems.append(f"{where}: call {name}()")
            if name in ("__import__", "importlib.import_module") and node.args:
                first = node.args[0]
                if (
                    isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and first.value.split(".")[0] in FORBIDDEN_MODULES
                ):
                    problems.append(f"{where}: dynamic import of {first.value}")
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                parts = dotted.split(".")
                if tuple(parts[-2:]) in FORBIDDEN_ATTRIBUTES:
                    problems.append(f"{where}: uses {dotted}")
    return problems


def core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_the_scan_covers_every_clinical_module():
    names = {path.stem for path in core_files()}
    expected = {
        "quantities", "parsing", "datareader", "drugs", "pumps", "factors", "policy",
        "catalogue", "opioids", "intrathecal", "programs", "checks", "refills",
        "trajectory", "findings", "errors",
    }  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_a_clinical_module_reads_no_clock_and_imports_no_io(path):
    problems = forbidden_uses(path.read_text(encoding="utf-8"), path.name)
    assert problems == []


def test_the_checker_flags_reading_the_clock():
    sample = (
        "from datetime import date, datetime\n"
        "def stamp():\n"
        "    return datetime.now(), date.today()\n"
    )
    problems = forbidden_uses(sample)
    assert any("datetime.now" in p or ".now()" in p for p in problems)
    assert any("date.today" in p or ".today()" in p for p in problems)
    assert all(p.startswith("<sample>:3:") for p in problems)


def test_the_checker_flags_a_fully_qualified_clock_call():
    problems = forbidden_uses("import datetime\nx = datetime.datetime.utcnow()\n")
    assert problems


def test_the_checker_flags_time_functions_even_uncalled():
    problems = forbidden_uses("import time\nclock = time.monotonic\nt = time.time()\n")
    assert any("import time" in p for p in problems)
    assert any("time.monotonic" in p for p in problems)
    assert any("time.time" in p for p in problems)


@pytest.mark.parametrize(
    "line",
    [
        "import os",
        "import os.path",
        "from os import environ",
        "import random",
        "from random import choice",
        "import socket",
        "import sqlite3",
        "from django.db import models",
        "import urllib.request",
        "from http import client",
        "import importlib\nm = importlib.import_module('sqlite3')",
        "m = __import__('os')",
        "import pathlib",
        "from pathlib import Path",
        "import io",
        "from io import BytesIO",
        "import importlib.resources",
        "from importlib import resources",
        "from importlib.resources import files",
        "import shutil",
        "import tempfile",
        "m = __import__('pathlib')",
    ],
)
def test_the_checker_flags_forbidden_imports(line):
    assert forbidden_uses(line + "\n")


@pytest.mark.parametrize(
    "line",
    [
        "data = open('drug_library.toml', 'rb').read()",
        "with open('pumps.toml') as f:\n    pass",
        "import builtins\nf = builtins.open('x')",
        "text = some_path.read_text()",
        "raw = some_path.read_bytes()",
        "with some_path.open('rb') as f:\n    pass",
        "data = package_files.joinpath('pumps.toml')",
    ],
)
def test_the_checker_flags_opening_or_reading_a_file(line):
    assert forbidden_uses(line + "\n")


def test_a_planted_file_read_in_a_clinical_module_would_fail_the_scan():
    # What the parametrised scan of src/ithaca/clinical would report, had a module this.
    planted = (
        "from importlib import resources\n"
        "def load() -> bytes:\n"
        "    return open('drug_library.toml', 'rb').read()\n"
    )
    problems = forbidden_uses(planted, "catalogue.py")
    assert any(p.startswith("catalogue.py:1:") and "importlib" in p for p in problems)
    assert any(p.startswith("catalogue.py:3:") and "open()" in p for p in problems)


def test_the_checker_passes_pure_code():
    sample = (
        "from __future__ import annotations\n"
        "from datetime import date, timedelta\n"
        "from decimal import Decimal\n"
        "import hashlib, tomllib\n"
        "from .time_helpers import x\n"
        "def due(filled_on: date, days: int) -> date:\n"
        "    return filled_on + timedelta(days=days)\n"
        "iso = date.fromisoformat('2026-01-05')\n"
    )
    assert forbidden_uses(sample) == []
