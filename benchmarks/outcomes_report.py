"""The cohort outcomes report on a 10,000-patient database with about a million
observations. Prints figures; asserts nothing. Not part of `make test`.

Run:   .venv/bin/python benchmarks/outcomes_report.py [--rebuild] [--repeat 3]

It builds the database once (SQLite, kept under --cache-dir, keyed by this script's and
the demo's and migrations' source): the 10,000-patient demo clinic in bulk, exactly as
web_load.py builds it (`load_demo(fast=True)`), then, also in bulk, an implant record for
every patient with a pump (system chosen at random, 85% implanted pumps), pain scores every
2 to 3 days from the first contact to today or death (the bulk of the million rows),
extra systemic opioid items (a taper after implant), one admission for a third of the
implanted patients and a side-effect assessment for each patient. Then, in a fresh
process, it times `ithaca.outcomes.cohort.build_report` (the service behind the page, no
HTTP, no template) over all patients, and again with a diagnosis filter, and measures the
peak Python allocation with tracemalloc in a separate run (tracemalloc slows the code, so
the timed runs go without it) and the process's peak resident size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

import web_load  # noqa: E402 - the sibling benchmark's database helpers

SCORES_EVERY = (2, 3)  # days between synthetic pain scores: about a million rows in all


def key(patients: int, seed: int) -> str:
    digest = hashlib.sha256(web_load.source_key(patients, seed).encode())
    digest.update(HERE.read_bytes())
    return digest.hexdigest()[:12]


def step_build(patients: str, seed: str) -> dict[str, Any]:
    build = web_load.step_build(patients, seed)
    started = time.perf_counter()
    added = add_observations(int(seed))
    return build | added | {"observations_seconds": round(time.perf_counter() - started, 1)}


def add_observations(seed: int) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from ithaca.devices.models import Device, ProgramVersion, Refill
    from ithaca.outcomes.models import Admission
    from ithaca.pathway.models import ImplantRecord, SideEffectAssessment, StageMove
    from ithaca.patients.models import OpioidRegimenItem, PainScore

    rng = random.Random(f"outcomes-bench:{seed}")  # noqa: S311 - synthetic data
    user = get_user_model().objects.get(username="dr_ahmed")
    today = timezone.localdate()
    first: dict[int, Any] = {}
    died: dict[int, Any] = {}
    for pk, stage, at in StageMove.objects.order_by("at").values_list(
        "patient_id", "to_stage", "at"
    ):
        first.setdefault(pk, at.date())
        if stage == "deceased":
            died[pk] = at.date()
    implanted = dict(
        Device.objects.order_by("-implanted_on").values_list("patient_id", "implanted_on")
    )
    systems = ["implanted_pump"] * 17 + ["external_pump"] * 2 + ["temporary_catheter"]

    def aware(on: Any, minute: int) -> datetime:
        return timezone.make_aware(datetime.combine(on, clock(8 + minute // 60 % 10, minute % 60)))

    counts = {
        "pain_scores": 0,
        "implant_records": 0,
        "regimen_items": 0,
        "admissions": 0,
        "side_effects": 0,
    }
    with transaction.atomic():
        rows: list[Any] = []
        for pk, on in implanted.items():
            rows.append(
                ImplantRecord(
                    patient_id=pk,
                    system=rng.choice(systems),
                    implanted_on=on,
                    checklist={},
                    rules_version="benchmark",
                    at=aware(on, 0),
                    by=user,
                )
            )
            rows.append(
                OpioidRegimenItem(
                    patient_id=pk,
                    opioid="morphine",
                    route="oral",
                    dose_mcg_per_day=Decimal(rng.choice([60, 120, 180])) * 1000,
                    entered_unit="mg/day",
                    started_on=on,
                    stopped_on=on + timedelta(days=rng.randint(7, 60)),
                    recorded_by=user,
                )
            )
            counts["implant_records"] += 1
            counts["regimen_items"] += 1
            if rng.random() < 1 / 3:
                admitted = on + timedelta(days=rng.randint(5, 120))
                if admitted < today:
                    rows.append(
                        Admission(
                            patient_id=pk,
                            admitted_on=admitted,
                            discharged_on=min(today, admitted + timedelta(days=rng.randint(1, 9))),
                            reason=rng.choice(["pain", "cancer", "device", "other"]),
                            pain_related=rng.random() < 0.4,
                            at=aware(admitted, 1),
                            by=user,
                        )
                    )
                    counts["admissions"] += 1
        for model in (ImplantRecord, OpioidRegimenItem, Admission):
            model.objects.bulk_create([r for r in rows if isinstance(r, model)], batch_size=2000)
        effects, pain = [], []
        for pk, start in first.items():
            effects.append(
                SideEffectAssessment(
                    patient_id=pk, dose_limiting=rng.random() < 0.3, at=aware(start, 2), by=user
                )
            )
            end = died.get(pk, today - timedelta(days=1))
            on = start
            while on <= end:
                implant = implanted.get(pk)
                high = 9 if implant is None or on < implant else 6
                pain.append(
                    PainScore(
                        patient_id=pk,
                        recorded_at=aware(on, rng.randint(0, 599)),
                        score=rng.randint(max(0, high - 5), high),
                        recorded_by=user,
                    )
                )
                on += timedelta(days=rng.randint(*SCORES_EVERY))
                if len(pain) >= 20000:
                    PainScore.objects.bulk_create(pain, batch_size=5000)
                    counts["pain_scores"] += len(pain)
                    pain = []
        PainScore.objects.bulk_create(pain, batch_size=5000)
        counts["pain_scores"] += len(pain)
        SideEffectAssessment.objects.bulk_create(effects, batch_size=5000)
        counts["side_effects"] = len(effects)
    counts["observations_total"] = (
        PainScore.objects.count()
        + OpioidRegimenItem.objects.count()
        + Refill.objects.count()
        + ProgramVersion.objects.count()
        + Admission.objects.count()
        + SideEffectAssessment.objects.count()
        + StageMove.objects.count()
    )
    return counts


def step_measure(repeat: str) -> dict[str, Any]:
    web_load.django_setup()
    from ithaca.outcomes.cohort import Filters, build_report

    build_report(Filters(patient=1))  # warm the catalogue and the imports
    timings: dict[str, list[float]] = {"all patients": [], "diagnosis contains 'lung'": []}
    sizes: dict[str, int] = {}
    for name, filters in (
        ("all patients", Filters()),
        ("diagnosis contains 'lung'", Filters(diagnosis="lung")),
    ):
        for _ in range(int(repeat)):
            started = time.perf_counter()
            report = build_report(filters)
            timings[name].append(round(time.perf_counter() - started, 2))
        sizes[name] = report.outcomes.implanted
    tracemalloc.start()
    build_report(Filters())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": timings,
        "implanted": sizes,
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        steps = {"_build": step_build, "_measure": step_measure}
        print(json.dumps(steps[sys.argv[1]](*sys.argv[2:]), default=str))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "ithaca-bench"))
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ITHACA_", "DATABASE_URL"))}
    env |= {"ITHACA_ENV": "development"}
    built = (
        Path(options.cache_dir)
        / f"outcomes-{options.patients}-{options.seed}-{key(options.patients, options.seed)}"
    )
    if options.rebuild:
        shutil.rmtree(built, ignore_errors=True)
    if not (built / "build.json").exists():
        print(
            f"Building the {options.patients:,}-patient database with observations in {built} (once) ..."
        )
        shutil.rmtree(built, ignore_errors=True)
        built.mkdir(parents=True)
        build = run(
            HERE,
            "_build",
            env | {"ITHACA_DATA_DIR": str(built)},
            str(options.patients),
            str(options.seed),
        )
        (built / "build.json").write_text(json.dumps(build))
    build = json.loads((built / "build.json").read_text())
    result = run(HERE, "_measure", env | {"ITHACA_DATA_DIR": str(built)}, str(options.repeat))
    print(
        f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(json.dumps({"build": build, "measure": result}, indent=2))


def run(script: Path, command: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    web_load.HERE = script  # the helper runs this script's steps, not web_load's
    return web_load.child(command, env, *args)


if __name__ == "__main__":
    main()
