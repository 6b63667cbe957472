"""The report as a page and as a PDF: one context, built from the cohort report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from ithaca.clinical.catalogue import SIGNOFF_STATEMENT
from ithaca.clinical.funnel import FunnelRow
from ithaca.clinical.outcome_rules import OutcomeRules
from ithaca.clinical.outcomes import Summary
from ithaca.clinical.survival import KaplanMeier, months_to_days
from ithaca.outcomes.cohort import CohortReport
from ithaca.outcomes.plots import funnel_plot, median_band_plot, survival_plot


@dataclass(frozen=True)
class SurvivalRow:
    months: int
    day: int
    percent: str | None  # survival as a percentage, None beyond follow-up
    lower: str | None
    upper: str | None
    at_risk: int | None


def _percent(value: Decimal) -> str:
    return f"{value * 100:.1f}"


def survival_rows(km: KaplanMeier, months: tuple[int, ...]) -> list[SurvivalRow]:
    rows = []
    for m in months:
        day = months_to_days(m)
        step = km.at(day)
        if step is None:
            rows.append(SurvivalRow(m, day, None, None, None, None))
            continue
        s = Decimal(step.survival.numerator) / Decimal(step.survival.denominator)
        # Still followed after that day: those at risk at the next death or censoring.
        at_risk = next((x.at_risk for x in km.steps if x.day > day), 0)
        rows.append(
            SurvivalRow(m, day, _percent(s), _percent(step.lower), _percent(step.upper), at_risk)
        )
    return rows


@dataclass(frozen=True)
class FunnelLine:
    row: FunnelRow
    share: int | None


def report_context(report: CohortReport, rules: OutcomeRules) -> dict[str, Any]:
    outcomes = report.outcomes
    months = tuple(row.months for row in outcomes.pain)
    trajectory = median_band_plot(
        outcomes.trajectory,
        title="Pain (0-10) by month after implant: median and interquartile range",
        x_title="Months after implant (0 = baseline before implant)",
        y_title="Pain score (0-10)",
        y_max=Decimal(10),
    )
    ome_points: list[tuple[int, Summary]] = [(0, outcomes.ome_before)]
    ome_points += [(row.months, row.ome) for row in outcomes.ome]
    ome = median_band_plot(
        ome_points,
        title="Systemic opioids (OME mg/day): before implant and after",
        x_title="Months after implant (0 = the day before implant)",
        y_title="OME mg/day",
    )
    lines, previous = [], None
    for row in report.funnel:
        lines.append(FunnelLine(row, row.share_of(previous)))
        previous = row
    svg: dict[str, SafeString] = {
        # Every label in these strings was escaped by the plot functions.
        "trajectory": mark_safe(trajectory),  # noqa: S308
        "ome": mark_safe(ome),  # noqa: S308
        "funnel": mark_safe(  # noqa: S308
            funnel_plot(report.funnel, title="The pathway, identified to implanted")
        ),
        "survival": mark_safe(  # noqa: S308
            survival_plot(outcomes.survival, title="Survival after implant (Kaplan-Meier, 95% CI)")
        ),
    }
    median = outcomes.survival.median_days
    return {
        "report": report,
        "outcomes": outcomes,
        "plots": svg,
        "funnel_lines": lines,
        "survival_rows": survival_rows(outcomes.survival, months),
        "median_survival_days": median,
        "median_survival_months": f"{Decimal(median) / Decimal('30.4375'):.1f}"
        if median is not None
        else None,
        "signoff": SIGNOFF_STATEMENT,
        "query": report.filters.as_query(),
        # The thresholds in force, read from the rules, never written into the page.
        "important_points": rules.change_points.value,
        "important_percent": rules.change_percent.value,
        "important_basis": rules.change_points.provenance.describe(),
    }
