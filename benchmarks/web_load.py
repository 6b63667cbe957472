"""Load on the clinic web app: 20 signed-in clients against `ithaca serve` on a
10,000-patient synthetic database. Prints figures; asserts nothing.

Run:   .venv/bin/python benchmarks/web_load.py               (SQLite)
       .venv/bin/python benchmarks/web_load.py --postgres    (PostgreSQL, if it answers)

It builds the database once with the demo's bulk mode (`load_demo(fast=True)`) and keeps
it, keyed by size, seed and the demo's and migrations' source, under the cache directory
(default: $TMPDIR/ithaca-bench); each run works on a fresh copy (SQLite) so runs do not
drift. It starts `ithaca serve` on a free loopback port as a subprocess, signs every client
in as a pump nurse, then measures, one endpoint after another, a fixed number of requests
shared by the clients (default 400, each phase capped at 120 s): the trivial /health/
page, the dashboard, patient pages (random patients), the refill form, and a refill save
(a POST of that form that records a refill). Latencies are wall-clock times seen by the
client, reading the whole response. Only loopback traffic; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
SRC = ROOT / "src" / "ithaca"
ITHACA = Path(sys.executable).with_name("ithaca")
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/ithaca_bench"
PASSWORD = "ithaca-demo-2026"  # noqa: S105 - the printed password of the synthetic demo
NURSES = ("nurse_lee", "nurse_patel")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEQUENCE_INPUT = re.compile(r'name="expected_sequence" value="(\d+)"')


# -- the database ---------------------------------------------------------------------
def source_key(patients: int, seed: int) -> str:
    """Rebuild when the demo or the schema changes."""
    digest = hashlib.sha256(f"{patients}:{seed}".encode())
    files = sorted(SRC.glob("web/demo*.py")) + sorted(SRC.glob("*/migrations/0*.py"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def child(command: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run one of this script's Django steps in a fresh process, showing its progress lines;
    its last line is its result, as JSON."""
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(  # noqa: S603 - this very script, with one of its own step names
            [sys.executable, str(HERE), command, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        assert process.stdout is not None
        last = ""
        for line in process.stdout:
            if last:
                print(f"  {last}", flush=True)
            last = line.rstrip("\n")
        if process.wait() != 0:
            errors.seek(0)
            sys.stderr.write(last + "\n" + errors.read())
            raise SystemExit(f"the {command} step failed")
    result: dict[str, Any] = json.loads(last)
    return result


def postgres_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=2
        ):
            return True
    except OSError:
        return False


def prepare_database(
    options: argparse.Namespace, run_dir: Path
) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment the server and the helper steps run with, and what the build said."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ITHACA_", "DATABASE_URL"))}
    env |= {
        "ITHACA_DATA_DIR": str(run_dir),
        "ITHACA_ENV": "development",
        "ITHACA_SESSION_MINUTES": "120",
    }
    key = source_key(options.patients, options.seed)
    cache = Path(options.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    if options.postgres:
        return prepare_postgres(options, env, cache / f"postgres-{key}.json")
    built = cache / f"sqlite-{options.patients}-{options.seed}-{key}"
    if options.rebuild and built.exists():
        shutil.rmtree(built)
    if not (built / "build.json").exists():
        print(f"Building the {options.patients:,}-patient SQLite database in {built} (once) ...")
        shutil.rmtree(built, ignore_errors=True)
        built.mkdir(parents=True)
        build = child(
            "_build",
            env | {"ITHACA_DATA_DIR": str(built)},
            str(options.patients),
            str(options.seed),
        )
        (built / "build.json").write_text(json.dumps(build))
    build = json.loads((built / "build.json").read_text())
    shutil.copy2(built / "ithaca.sqlite3", run_dir / "ithaca.sqlite3")
    return env, build | {"engine": "SQLite", "where": str(built)}


def prepare_postgres(
    options: argparse.Namespace, env: dict[str, str], marker: Path
) -> tuple[dict[str, str], dict[str, Any]]:
    url = options.database_url
    env = env | {"DATABASE_URL": url}
    fresh = options.rebuild or not marker.exists()
    if not fresh:
        build = json.loads(marker.read_text())
        fresh = build.get("patients") != options.patients or build.get("url") != url
    if fresh:
        print(f"Building the {options.patients:,}-patient PostgreSQL database {url} (once) ...")
        marker.unlink(missing_ok=True)
        child("_recreate_postgres", env, url)
        build = child("_build", env, str(options.patients), str(options.seed)) | {"url": url}
        marker.write_text(json.dumps(build))
    else:
        print(
            f"Reusing {url}: refills saved by earlier runs stay in it (use --rebuild for a fresh one)."
        )
    return env, build | {"engine": "PostgreSQL", "where": url}


# -- the server -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, threads: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(ITHACA),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        str(threads),
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"ithaca serve stopped at start-up:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("ithaca serve did not answer /health/ within 180 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- a client -------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            }
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()  # the server closed a kept-alive connection: open another, once
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Response(response.status, dict(response.headers.items()), text)

    def sign_in(self, username: str) -> None:
        page = self.request("GET", "/accounts/login/")
        token = CSRF_INPUT.search(page.body)
        form = {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else self.csrf,
        }
        done = self.request("POST", "/accounts/login/", form)
        if done.status != 302:
            raise SystemExit(f"{username} could not sign in (HTTP {done.status})")

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")


# -- measuring ------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: str = ""
    seconds: float = 0.0
    note: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, started: float, response: Response, expected: int) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[response.status] += 1
            if response.status != expected and not self.first_error:
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.body, re.S)
                self.first_error = f"HTTP {response.status}: " + (
                    re.sub(r"<[^>]+>", " ", " ".join(errors))[:300] or response.body[:200]
                )

    def errors(self, expected: int) -> int:
        return sum(n for status, n in self.statuses.items() if status != expected)


def run_phase(phase: Phase, clients: list[Client], per_client: int, cap: float, work: Any) -> None:
    """Every client makes its share of requests at once; stop early at the time cap."""
    deadline = time.monotonic() + cap
    started = time.perf_counter()

    def one(i: int, client: Client) -> None:
        for n in range(per_client):
            if time.monotonic() > deadline:
                return
            work(i, n, client)

    threads = [threading.Thread(target=one, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started


def percentile(sorted_values: list[float], p: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def report(phase: Phase, expected: int) -> str:
    values = sorted(phase.latencies)
    if not values:
        return f"{phase.name:<34} no requests completed"
    ms = [1000 * v for v in values]
    rate = len(values) / phase.seconds if phase.seconds else 0.0
    return (
        f"{phase.name:<34} {len(values):>6} {phase.errors(expected):>6} {statistics.median(ms):>8.1f} "
        f"{percentile(ms, 95):>8.1f} {percentile(ms, 99):>8.1f} {rate:>8.1f}"
    )


def measure(
    options: argparse.Namespace, port: int, targets: dict[str, Any]
) -> list[tuple[Phase, int]]:
    rng = random.Random(options.seed)  # noqa: S311 - which patients to open, not a secret
    clients = [Client(port) for _ in range(options.clients)]
    for i, client in enumerate(clients):
        client.sign_in(NURSES[i % len(NURSES)])
    for client in clients:  # warm-up, not measured
        client.request("GET", "/health/")
        client.request("GET", "/dashboard/")
    per_client = max(1, options.requests // options.clients)
    cap = options.max_seconds
    results: list[tuple[Phase, int]] = []

    def simple(name: str, paths: list[str], signed_in: bool = True) -> None:
        phase = Phase(name)
        anonymous = [Client(port) for _ in clients]

        def work(i: int, n: int, client: Client) -> None:
            if not signed_in:
                client = anonymous[i]
                client.cookies.clear()
            started = time.perf_counter()
            phase.add(started, client.request("GET", paths[(i * per_client + n) % len(paths)]), 200)

        run_phase(phase, clients, per_client, cap, work)
        results.append((phase, 200))

    simple("trivial page /health/, no session", ["/health/"], signed_in=False)
    simple("trivial page /health/, signed in", ["/health/"])
    simple("dashboard /dashboard/", ["/dashboard/"])
    simple("referral worklist /pathway/worklist/", ["/pathway/worklist/"])
    simple("pathway delays /pathway/delays/", ["/pathway/delays/"])
    patients = targets["patients"]
    simple(
        "patient page /patients/<id>/",
        [f"/patients/{rng.choice(patients)}/" for _ in range(options.requests)],
    )

    form_phase, save_phase = Phase("refill form GET"), Phase("refill save POST (records a refill)")
    devices = targets["devices"]
    if not targets["refill_form"]:
        return results
    per_client_saves = min(per_client, len(devices) // options.clients)

    def save(i: int, n: int, client: Client) -> None:
        target = devices[i * per_client_saves + n]
        path = f"/devices/{target['device']}/refills/new/"
        started = time.perf_counter()
        page = client.request("GET", path)
        form_phase.add(started, page, 200)
        sequence = SEQUENCE_INPUT.search(page.body)
        form = dict(target["form"]) | {"csrfmiddlewaretoken": client.csrf, "save": "1"}
        if sequence:
            form["expected_sequence"] = sequence.group(1)
        started = time.perf_counter()
        save_phase.add(started, client.request("POST", path, form), 302)

    run_phase(save_phase, clients, per_client_saves, cap, save)
    form_phase.seconds = save_phase.seconds
    form_phase.note = save_phase.note = (
        "the form and the save alternate in one phase; req/s counts each alone"
    )
    results += [(form_phase, 200), (save_phase, 302)]
    return results


# -- steps run in a child process with Django set up ---------------------------------
def django_setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ithaca.web.settings")
    import django

    django.setup()


def step_build(patients: str, seed: str) -> dict[str, Any]:
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from ithaca.devices.models import Device, ProgramVersion, Refill
    from ithaca.patients.models import Patient
    from ithaca.web.demo import load_demo

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    load_demo(
        patients=int(patients),
        seed=int(seed),
        fast=True,
        progress=lambda line: print(line, flush=True),
    )
    seconds = time.perf_counter() - started
    return {
        "patients": Patient.objects.count(),
        "devices": Device.objects.count(),
        "programs": ProgramVersion.objects.count(),
        "refills": Refill.objects.count(),
        "build_seconds": round(seconds, 1),
        "built_on": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def step_recreate_postgres(url: str) -> dict[str, Any]:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return {"created": name}


def step_targets(count: str, seed: str) -> dict[str, Any]:
    """Patients to open, and pumps to refill today with the residual the core expects now
    (so the saves are routine ones, not flagged discrepancies)."""
    django_setup()
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from ithaca.clinical.parsing import parse_quantity
    from ithaca.clinical.quantities import Concentration, Unit, Volume
    from ithaca.clinical.refills import reservoir_of
    from ithaca.devices import refills
    from ithaca.devices.convert import volume
    from ithaca.devices.library import catalogue_in_force
    from ithaca.devices.models import Device, DeviceStatus, ProgramStatus
    from ithaca.patients.models import Patient

    rng = random.Random(int(seed))  # noqa: S311 - which pumps to refill, not a secret
    today = timezone.localdate()
    catalogue = catalogue_in_force()
    patient_ids = list(Patient.objects.values_list("pk", flat=True))
    device_ids = list(
        Device.objects.filter(status=DeviceStatus.ACTIVE).values_list("pk", flat=True)
    )
    rng.shuffle(device_ids)
    try:
        reverse("devices:refill-new", kwargs={"device_id": 1})
        refill_form = True
    except NoReverseMatch:
        refill_form = False
    targets = []
    for device in Device.objects.filter(pk__in=device_ids[: int(count) * 2]).select_related(
        "patient"
    ):
        program = device.programs.filter(status=ProgramStatus.ACTIVE).first()
        previous = device.refills.order_by("-sequence").first()
        if program is None or previous is None or previous.performed_on > today:
            continue
        capacity = reservoir_of(catalogue.pump(device.pump_model), volume(device.reservoir_ml))
        probe = refills.RefillRequest(
            performed_on=today,
            expected_sequence=previous.sequence + 1,
            fill_volume=capacity,
            lot_number="BENCH",
            needle_in_reservoir_confirmed=True,
            measured_residual=Volume.of(0, Unit.ML),
        )
        expected = refills.worksheet(device, probe, catalogue).expected
        if expected is None:
            continue
        form = {
            "expected_sequence": str(previous.sequence + 1),
            "performed_on": today.isoformat(),
            "measured_residual": f"{expected.magnitude.quantize(Decimal('0.01'))} mL",
            "fill_volume": str(capacity),
            "lot_number": f"BENCH-{today:%y%m}",
            "needle_in_reservoir_confirmed": "on",
            "discrepancy_action": "",
            "notes": "Load benchmark refill.",
        }
        for i, drug in enumerate(program.drugs.all()):
            strength = Concentration(Decimal(drug.concentration_mcg_per_ml), Unit.MCG_PER_ML)
            form[f"label_strength_{i}"] = str(
                strength.to(catalogue.drug(drug.drug_id).concentration_unit)
            )
            parse_quantity(form[f"label_strength_{i}"], Concentration)  # the form must read it back
        if program.bolus_dose_mcg is not None:
            form["bolus_scenario"] = "none"
        targets.append(
            {
                "device": device.pk,
                "patient": device.patient_id,
                "form": form,
                "request": {
                    "sequence": previous.sequence + 1,
                    "fill_ml": str(capacity.magnitude),
                    "measured_ml": str(expected.magnitude.quantize(Decimal("0.01"))),
                },
            }
        )
        if len(targets) >= int(count):
            break
    return {"patients": patient_ids, "devices": targets, "refill_form": refill_form}


def step_service_refills(targets_file: str, clients: str) -> dict[str, Any]:
    """When there is no refill form to post: the refill service itself, in this process,
    from as many threads as there are clients."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from ithaca.clinical.quantities import Unit, Volume
    from ithaca.devices import refills
    from ithaca.devices.models import Device

    devices = json.loads(Path(targets_file).read_text())["devices"]
    nurses = [get_user_model().objects.get(username=name) for name in NURSES]
    today = timezone.localdate()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    share = max(1, len(devices) // int(clients))

    def one(i: int) -> None:
        try:
            for target in devices[i * share : (i + 1) * share]:
                started = time.perf_counter()
                device = Device.objects.select_related("patient").get(pk=target["device"])
                request = refills.RefillRequest(
                    performed_on=today,
                    expected_sequence=target["request"]["sequence"],
                    fill_volume=Volume.of(target["request"]["fill_ml"], Unit.ML),
                    lot_number="BENCH",
                    needle_in_reservoir_confirmed=True,
                    measured_residual=Volume.of(target["request"]["measured_ml"], Unit.ML),
                )
                try:
                    refills.record_refill(nurses[i % 2], device, request)
                except Exception as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                with lock:
                    latencies.append(time.perf_counter() - started)
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(int(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - started}


# -- main -----------------------------------------------------------------------------
def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        steps: dict[str, Callable[..., dict[str, Any]]] = {
            "_build": step_build,
            "_targets": step_targets,
            "_recreate_postgres": step_recreate_postgres,
            "_service_refills": step_service_refills,
        }
        print(json.dumps(steps[sys.argv[1]](*sys.argv[2:]), default=str))
        return
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--requests", type=int, default=400, help="requests per endpoint, shared by the clients"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=120, help="time cap for each endpoint's phase"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="the server's worker threads (ithaca serve's default)",
    )
    parser.add_argument(
        "--postgres", action="store_true", help="use PostgreSQL at --database-url if it answers"
    )
    parser.add_argument("--database-url", default=POSTGRES_URL)
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "ithaca-bench"))
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    options = parser.parse_args()
    if options.postgres and not postgres_answers(options.database_url):
        print(f"PostgreSQL at {options.database_url} does not answer: measuring on SQLite instead.")
        options.postgres = False

    run_dir = Path(tempfile.mkdtemp(prefix="ithaca-bench-run-"))
    server = None
    try:
        env, build = prepare_database(options, run_dir)
        targets = child("_targets", env, str(options.requests), str(options.seed))
        (run_dir / "targets.json").write_text(json.dumps(targets))
        port = free_port()
        server = start_server(env, port, options.threads, run_dir / "server.log")
        print_header(options, build, port)
        results = measure(options, port, targets)
        stop_server(server)
        server = None
        service = None
        if not targets["refill_form"]:
            service = child(
                "_service_refills", env, str(run_dir / "targets.json"), str(options.clients)
            )
        print_results(results, service)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(run_dir, ignore_errors=True)


def print_header(options: argparse.Namespace, build: dict[str, Any], port: int) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"\nithaca web load benchmark, {now}: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )
    print(
        f"database: {build['engine']}, {build['patients']:,} patients, {build['devices']:,} pumps, "
        f"{build['programs']:,} program versions, {build['refills']:,} refills (bulk-built in {build['build_seconds']} s)"
    )
    print(
        f"server: ithaca serve (waitress, {options.threads} threads) on 127.0.0.1:{port}; {options.clients} concurrent "
        f"clients signed in as pump nurses; {options.requests} requests an endpoint, at most {options.max_seconds:.0f} s each\n"
    )


def print_results(results: list[tuple[Phase, int]], service: dict[str, Any] | None) -> None:
    print(
        f"{'':<34} {'reqs':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}"
    )
    for phase, expected in results:
        print(report(phase, expected))
    notes = {phase.note for phase, _ in results if phase.note}
    for phase, expected in results:
        if phase.errors(expected):
            print(
                f"  {phase.name}: statuses {dict(phase.statuses)}; first unexpected answer: {phase.first_error}"
            )
    for note in notes:
        print(f"  note: {note}")
    if service is not None:
        phase = Phase(
            "refill save (service, in-process)",
            latencies=service["latencies"],
            seconds=service["seconds"],
        )
        print(
            "\nNo refill form is routed (devices:refill-new), so the refill save was measured by calling the"
        )
        print(
            "service ithaca.devices.refills.record_refill in-process, from one thread per client: NOT over HTTP."
        )
        print(report(phase, 200))
        if service["errors"]:
            print(f"  {len(service['errors'])} refused; first: {service['errors'][0]}")


if __name__ == "__main__":
    main()
