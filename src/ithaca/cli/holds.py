"""`ithaca calc holds`: anticoagulant and antiplatelet holds before an intrathecal implant.

The hold times are the library's ASRA 2018 values for a HIGH-risk procedure; the dates
come from the core's plan_hold. The command line only reads the options and lays the
plan out: every number shown is the library's, with its source and confidence mark.
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ithaca.cli import render
from ithaca.cli.values import UsageError, named
from ithaca.clinical.anticoagulation import (
    CONVENTION_TEXT,
    UNCONFIRMED_TEXT,
    HoldKind,
    HoldPlan,
    HoldRule,
    HoldRules,
    Span,
    count_of,
    plan_hold,
)
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError

Output = tuple[dict[str, Any], list[str], int]

_LOCAL_START = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}))?$")
NO_RESTART_TEXT = "the reference gives no restart time: agree it with the implanting team"


def add_holds_command(commands: Any) -> None:
    holds = commands.add_parser(
        "holds",
        help="anticoagulant and antiplatelet holds before a pump implant (ASRA 2018, high risk)",
    )
    holds.add_argument(
        "--procedure",
        metavar="YYYY-MM-DDTHH:MM",
        help="planned implant start, local time (a date alone only if no hold is in hours)",
    )
    holds.add_argument(
        "--drug",
        action="append",
        metavar="ID",
        help="a hold-table id, e.g. warfarin or enoxaparin-therapeutic; repeat per drug",
    )
    holds.add_argument("--list", action="store_true", help="print the whole hold table")
    holds.set_defaults(run=run_holds)


# --- reading the options ---


def procedure_start(text: str, option: str = "--procedure") -> tuple[datetime, bool]:
    """A local start 'YYYY-MM-DDTHH:MM' (or a date alone): the moment and whether a time
    was given. A date alone is read as its midnight for the day arithmetic only."""
    match = _LOCAL_START.match(text.strip())
    if match is not None:
        try:
            moment = datetime.fromisoformat(f"{match['day']}T{match['time'] or '00:00'}")
        except ValueError:
            raise UsageError(option, f"'{text}' is not a real date and time") from None
    if match is None:
        raise UsageError(
            option,
            f"'{text}' is not a local date and time; write YYYY-MM-DDTHH:MM, "
            "e.g. 2027-03-03T09:00 (no seconds, no time zone)",
        )
    return _in_clinic_zone(moment, option), match["time"] is not None


def clinic_today() -> date:
    """Today in the clinic's zone: the command line is an entry point and may read the clock."""
    return datetime.now(_clinic_zone()[0]).date()


def _clinic_zone() -> tuple[ZoneInfo, str]:
    name = os.environ.get("ITHACA_TIME_ZONE", "Europe/London")
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            "ITHACA_TIME_ZONE", f"{name!r} is not a time zone name such as Europe/London"
        ) from None


def _in_clinic_zone(moment: datetime, option: str) -> datetime:
    """The typed local time in the clinic's zone (ITHACA_TIME_ZONE, as the web application),
    so an hour-counted hold across a clock change is counted in real hours. A time the
    clock skips, or shows twice, is refused rather than guessed."""
    zone, name = _clinic_zone()
    aware = moment.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise UsageError(
            option, f"{moment:%Y-%m-%d %H:%M} does not exist in {name}: the clocks go forward"
        )
    if aware.utcoffset() != aware.replace(fold=1).utcoffset():
        raise UsageError(
            option,
            f"{moment:%Y-%m-%d %H:%M} happens twice in {name} (the clocks go back): "
            "give a time outside that hour",
        )
    return aware


def hold_rules_for(ids: list[str], holds: HoldRules, option: str) -> list[HoldRule]:
    """The rules for the ids given, once each, in the order given."""
    rules: dict[str, HoldRule] = {}
    for drug_id in ids:
        try:
            rule = holds.rule(drug_id)
        except ClinicalError as exc:
            raise named(option, exc) from None
        rules.setdefault(rule.id, rule)
    return list(rules.values())


def require_time_for_hour_holds(rules: list[HoldRule], has_time: bool, option: str) -> None:
    hourly = [r for r in rules if r.kind is HoldKind.HOURS]
    if hourly and not has_time:
        names = "; ".join(f"{r.name} ({r.id}, {r.hours} h)" for r in hourly)
        raise UsageError(
            option,
            f"the planned start time is needed for a hold counted in hours: {names}; "
            "give the date and time, e.g. 2027-03-03T09:00",
        )


def when(moment: datetime, has_time: bool) -> str:
    """The clinic's local clock time for people; JSON keeps the UTC offset (iso_start)."""
    return moment.strftime("%Y-%m-%d %H:%M") if has_time else moment.date().isoformat()


def iso_start(moment: datetime, has_time: bool) -> str:
    return moment.isoformat(timespec="minutes") if has_time else moment.date().isoformat()


# --- describing one rule (shared with `library show`) ---


def hold_text(rule: HoldRule) -> str:
    if rule.days is not None:
        text = f"stop {rule.days.describe('days')} before the implant"
        if rule.days.low != rule.days.high:
            text += f" (the dates use {rule.days.high} days, the high end of the range)"
        if rule.alternative_days is not None:
            text += f"; {count_of(rule.alternative_days, 'days')} if {rule.alternative_when}"
        return text
    if rule.kind is HoldKind.HOURS:
        return f"last dose at least {rule.hours} h before the planned start"
    return (rule.instruction or "").rstrip(".")


def restart_text(restart: Span | None) -> str:
    if restart is None:
        return NO_RESTART_TEXT
    return f"no sooner than {restart.describe('h')} after the procedure"


def _span_json(span: Span | None) -> dict[str, int] | None:
    return {"low": span.low, "high": span.high} if span is not None else None


def rule_json(rule: HoldRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "drug_kind": rule.drug_kind,
        "hold_kind": rule.kind.value,
        "hold": hold_text(rule),
        "days": _span_json(rule.days),
        "days_used_for_dates": rule.hold_days,
        "hours": rule.hours,
        "half_lives": rule.half_lives,
        "instruction": rule.instruction,
        "alternative": (
            {"days": rule.alternative_days, "when": rule.alternative_when}
            if rule.alternative_days is not None
            else None
        ),
        "requires_normal_inr": rule.requires_normal_inr,
        "restart_hours": _span_json(rule.restart_hours),
        "restart": restart_text(rule.restart_hours),
        "unconfirmed": rule.unconfirmed,
        "source": render.provenance_json(rule.provenance),
    }


def table_lines(holds: HoldRules) -> list[str]:
    """One line a drug: id, hold, INR, restart, mark (and the unconfirmed wording)."""
    lines = []
    for rule in holds.drugs.values():
        inr = "; normal INR" if rule.requires_normal_inr else ""
        flag = f" ({UNCONFIRMED_TEXT})" if rule.unconfirmed else ""
        lines.append(
            f"  {rule.id} [{rule.provenance.confidence.value}] {rule.name}, {rule.drug_kind}: "
            f"{hold_text(rule)}{inr}; restart: {restart_text(rule.restart_hours)}{flag}"
        )
    return lines


def header_lines(holds: HoldRules) -> list[str]:
    risk = holds.procedure_risk
    return [
        f"Procedure risk: {risk.value.upper()} (an intrathecal pump implant); "
        f"the hold times are ASRA 2018 high-risk values ({risk.provenance.describe()})",
        f"Day convention: {CONVENTION_TEXT} ({holds.convention.describe()})",
    ]


# --- the command ---


def run_holds(ns: argparse.Namespace, catalogue: Catalogue) -> Output:
    rules = catalogue.eligibility
    holds = rules.holds
    if ns.list:
        if ns.drug or ns.procedure:
            raise UsageError("--list", "give --list alone, or --drug with --procedure")
        return _run_list(catalogue)
    if not ns.drug:
        raise UsageError("--drug", "give at least one --drug (or --list for the hold table)")
    if not ns.procedure:
        raise UsageError("--procedure", "give the planned implant start, e.g. 2027-03-03T09:00")
    start, has_time = procedure_start(ns.procedure)
    chosen = hold_rules_for(ns.drug, holds, "--drug")
    require_time_for_hour_holds(chosen, has_time, "--procedure")
    plans = [plan_hold(rule, start) for rule in chosen]
    doc = {
        "calculation": "anticoagulant_holds",
        "inputs": {
            "procedure": iso_start(start, has_time),
            "procedure_time_given": has_time,
            "drugs": [rule.id for rule in chosen],
        },
        "procedure_risk": {
            "value": holds.procedure_risk.value,
            "source": render.provenance_json(holds.procedure_risk.provenance),
        },
        "convention": {
            "text": CONVENTION_TEXT,
            "needs_local_signoff": True,
            "source": render.provenance_json(holds.convention),
        },
        "holds": [_plan_json(plan) for plan in plans],
        "in_date_order": [
            {"due": plan.due, "action": plan.action()}
            for plan in sorted((p for p in plans if p.due is not None), key=_due)
        ],
        "rules": {"name": rules.name, "version": rules.version, "signoff": rules.signoff},
        **render.about(catalogue.identity),
    }
    lines = [
        "Anticoagulant and antiplatelet holds before an intrathecal pump implant",
        f"Planned start: {when(start, has_time)} (local time)",
        *header_lines(holds),
    ]
    for plan in plans:
        lines += ["", *_plan_lines(plan)]
    dated = sorted((p for p in plans if p.due is not None), key=_due)
    if dated:
        lines += ["", "In date order:"]
        lines += [f"  {p.due}  {p.action()}" for p in dated]
    lines += ["", f"Rules: {rules.describe()}. {rules.signoff}"]
    return doc, lines + render.footer(catalogue.identity), 0


def _due(plan: HoldPlan) -> date:
    return plan.due or date.min


def _plan_json(plan: HoldPlan) -> dict[str, Any]:
    rule = plan.rule
    return {
        **rule_json(rule),
        "last_dose_day": plan.last_dose_day,
        "first_drug_free_day": plan.first_drug_free_day,
        "last_dose_no_later_than": (
            plan.last_dose_by.isoformat(timespec="minutes") if plan.last_dose_by else None
        ),
        "alternative_last_dose_day": plan.alternative_last_dose_day,
        "convention_applies": plan.last_dose_day is not None,
        "explanation": plan.explain(),
        "action": plan.action(),
    }


def _plan_lines(plan: HoldPlan) -> list[str]:
    rule = plan.rule
    mark = rule.provenance.confidence
    lines = [f"{rule.name} ({rule.id}, {rule.drug_kind}) [{mark.value}]"]
    if rule.unconfirmed:
        lines.append(f"  {UNCONFIRMED_TEXT.upper()}")
    lines.append(f"  hold: {hold_text(rule)}")
    if plan.last_dose_day is not None and plan.first_drug_free_day is not None:
        lines.append(f"  last dose: {plan.last_dose_day}")
        lines.append(f"  first drug-free day: {plan.first_drug_free_day}")
        if plan.alternative_last_dose_day is not None:
            lines.append(
                f"  if {rule.alternative_when}: last dose {plan.alternative_last_dose_day} "
                f"({count_of(rule.alternative_days or 0, 'days')})"
            )
        if plan.procedure_start is not None:
            day = plan.procedure_start.date()
            lines.append(
                f"  day convention: last dose day -{(day - plan.last_dose_day).days}, "
                f"first drug-free day -{(day - plan.first_drug_free_day).days} "
                "(an ithaca convention that needs local sign-off)"
            )
    elif plan.last_dose_by is not None:
        lines.append(f"  last dose no later than: {when(plan.last_dose_by, True)}")
    else:
        lines.append("  dates: none; this hold has no day or hour count (see the hold)")
    if rule.requires_normal_inr:
        lines.append("  INR: a normal INR is needed before the procedure")
    lines.append(f"  restart: {restart_text(rule.restart_hours)}")
    lines.append(f"  source: {rule.provenance.describe()}")
    if rule.provenance.note:
        lines.append(f"  note: {rule.provenance.note}")
    return lines


def _run_list(catalogue: Catalogue) -> Output:
    rules = catalogue.eligibility
    holds = rules.holds
    doc = {
        "calculation": "anticoagulant_hold_table",
        "procedure_risk": {
            "value": holds.procedure_risk.value,
            "source": render.provenance_json(holds.procedure_risk.provenance),
        },
        "convention": {
            "text": CONVENTION_TEXT,
            "needs_local_signoff": True,
            "source": render.provenance_json(holds.convention),
        },
        "holds": {rule.id: rule_json(rule) for rule in holds.drugs.values()},
        "rules": {"name": rules.name, "version": rules.version, "signoff": rules.signoff},
        **render.about(catalogue.identity),
    }
    lines = [
        "Anticoagulant and antiplatelet hold table (marks: C confirmed, S secondary, U unconfirmed)",
        *header_lines(holds),
        "",
        *table_lines(holds),
        "",
        f"Rules: {rules.describe()}. {rules.signoff}",
    ]
    return doc, lines + render.footer(catalogue.identity), 0
