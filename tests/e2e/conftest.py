"""A real server with the demo clinic, and Debian's Chromium driven by Playwright.

The server is the installed `ithaca serve` on a free port, over a SQLite database in a
temporary data directory loaded by `ithaca demo`: nothing of a developer's own ./var or
of a PostgreSQL run's DATABASE_URL is touched. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
ITHACA = Path(sys.executable).with_name("ithaca")
START_TIMEOUT = 45  # seconds for migrate + collectstatic + the first answer


@dataclass(frozen=True)
class Clinic:
    """The running server and the demo sign-ins, by role."""

    url: str
    logins: dict[str, list[dict[str, str]]]
    data_dir: Path

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Read the server's SQLite database (read-only): for what the pages do not say."""
        database = self.data_dir / "ithaca.sqlite3"
        with closing(
            sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
        ) as connection:
            return connection.execute(sql, params).fetchall()

    def login(self, role: str, index: int = 0) -> dict[str, str]:
        found = self.logins.get(role, [])
        if len(found) <= index:
            pytest.fail(
                f"the demo has no {role} sign-in number {index + 1}; it has {sorted(self.logins)}"
            )
        return found[index]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "ITHACA_ENV",
            "ITHACA_SECRET_KEY",
            "ITHACA_DEBUG",
            "ITHACA_TEST_POSTGRES",
        )
    }
    env["ITHACA_DATA_DIR"] = str(data_dir)
    env["ITHACA_ENV"] = "development"
    return env


def _logins_by_role(document: dict[str, object]) -> dict[str, list[dict[str, str]]]:
    by_role: dict[str, list[dict[str, str]]] = {}
    for login in document["logins"]:  # type: ignore[union-attr]
        by_role.setdefault(str(login["role"]).lower(), []).append(login)
    return by_role


def _wait_for_health(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"`ithaca serve` exited with {server.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200 and response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"`ithaca serve` did not answer /health/ within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="package")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """`ithaca demo` then `ithaca serve` on a free port; the server is stopped at the end."""
    data_dir = tmp_path_factory.mktemp("ithaca-e2e")
    env = _environment(data_dir)
    demo = subprocess.run(
        [str(ITHACA), "demo", "--json"],
        env=env,
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if demo.returncode != 0:
        pytest.fail(f"`ithaca demo` failed ({demo.returncode}):\n{demo.stderr[-3000:]}")
    logins = _logins_by_role(json.loads(demo.stdout))

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(ITHACA), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "4"],
            env=env,
            cwd=data_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_health(url, server, log)
        yield Clinic(url=url, logins=logins, data_dir=data_dir)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# Package scope, not session: Playwright's sync API runs an event loop in the main thread
# while it lives, and Django then refuses database calls in the tests that follow.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _safe_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture
def page(browser, clinic: Clinic, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context (no cookies) per test, at the clinic's address. A failing
    test leaves a picture of where it stopped."""
    failed_picture = SCREENSHOTS / f"{_safe_name(request)}--FAILED.png"
    failed_picture.unlink(missing_ok=True)  # from an earlier run
    context = browser.new_context(base_url=clinic.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    try:
        yield opened
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            opened.screenshot(
                path=str(SCREENSHOTS / f"{_safe_name(request)}--FAILED.png"), full_page=True
            )
    finally:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[object, str], Path]:
    """shot(page, "step") saves test-output/screenshots/<test>--<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = _safe_name(request)

    def take(target: object, step: str) -> Path:
        path = SCREENSHOTS / f"{test}--{step}.png"
        target.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def sign_in(page, login: dict[str, str]) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(login["username"])
    page.get_by_label("Password").fill(login["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
