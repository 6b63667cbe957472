"""The clinic cost report and the patient cost panel, as page-ready values.

Everything clinical comes from the core (ithaca.clinical.economics*): this module only
chooses the survival curve a scenario asks for and turns results into rows with their
sources, so the templates show every input, its provenance and the formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ithaca.clinical.economics import (
    CostModel,
    ExpectedCost,
    LineKind,
    OptionId,
    break_even,
    cumulative,
    expected_cost,
)
from ithaca.clinical.economics_data import EconomicsRules, ModelBuild
from ithaca.clinical.economics_sensitivity import one_way
from ithaca.clinical.economics_survival import (
    SurvivalCurve,
    alive_throughout,
    constant_monthly_risk,
)
from ithaca.clinical.quantities import format_decimal, round_to
from ithaca.clinical.sources import Provenance
from ithaca.economics.charts import cumulative_plot, tornado_plot

WHOLE_HORIZON = "whole"
MEDIAN = "median"
NOT_SET = (
    "The clinic has not set its unit costs, so ithaca computes no cost. Set your unit costs "
    "in the clinic library file: see the pharmacist's guide, 'Setting the clinic's unit costs'."
)


@dataclass(frozen=True, slots=True)
class Scenario:
    horizon: int
    survival: str = WHOLE_HORIZON  # WHOLE_HORIZON, MEDIAN, or the id of a clinic curve
    median_months: int | None = None
    published: bool = False
    against: OptionId = OptionId.CMM


def basis_row(provenance: Provenance, published: str = "") -> dict[str, str]:
    return {
        "source": provenance.describe(),
        "mark": provenance.confidence.label,
        "note": provenance.note,
        "published": published,
    }


def _value(model: CostModel, kind: LineKind, value: Decimal) -> str:
    money = model.money(value).shown()
    return money if kind is LineKind.ONE_OFF else f"{money} {kind.words}"


def input_rows(model: CostModel) -> list[dict[str, str]]:
    """Every number of the model with what it rests on."""
    rows = []
    for option, line, part, figure in model.figures():
        shown = (
            _value(model, line.kind, figure.value)
            if part == "cost"
            else f"{format_decimal(figure.value)} per month"
        )
        rng = ""
        if figure.low is not None and figure.high is not None:
            rng = f"{format_decimal(figure.low)} to {format_decimal(figure.high)}"
        rows.append(
            {
                "option": option.option.words,
                "line": line.label if part == "cost" else f"{line.label}: events per month",
                "value": shown,
                "range": rng,
                **basis_row(figure.provenance, figure.published),
            }
        )
    return rows


def curve_for(rules: EconomicsRules, scenario: Scenario) -> SurvivalCurve:
    convention = rules.settings.survival_convention
    if scenario.survival == MEDIAN and scenario.median_months:
        return constant_monthly_risk(scenario.median_months, scenario.horizon, convention)
    if scenario.survival in rules.survival:
        return rules.survival[scenario.survival]
    return alive_throughout(scenario.horizon, convention)


def percent(p: Decimal) -> str:
    return f"{format_decimal(round_to(p * 100, 1))}%"


def expected_rows(
    costs: list[ExpectedCost], suggested: OptionId | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "option": e.option.words,
            "amount": e.amount.shown(),
            "suggested": e.option is suggested,
        }
        for e in costs
    ]


def missing_rows(build: ModelBuild) -> list[dict[str, str]]:
    return [{"option": m.option.words, "line": m.label, "what": m.what} for m in build.missing]


def published_rows(rules: EconomicsRules) -> dict[str, Any]:
    return {
        "figures": [
            {
                "stands_in_for": f"{p.option.words}: {p.line_id.replace('_', ' ')}",
                "amount": f"{p.amount.shown()} {p.kind.words}",
                "context": p.context,
                **basis_row(p.provenance),
            }
            for p in rules.published
        ],
        "results": [
            {
                "text": r.text,
                "context": f"{r.country}; {r.payer}; {r.funding}",
                **basis_row(r.provenance),
            }
            for r in rules.results
        ],
        "gaps": rules.gaps,
    }


def settings_rows(rules: EconomicsRules) -> list[dict[str, str]]:
    s = rules.settings
    return [
        {
            "text": f"Sensitivity range ± {s.sensitivity_percent.value}%",
            **basis_row(s.sensitivity_percent.provenance),
        },
        {
            "text": f"Default horizon {s.horizon_months.value} months",
            **basis_row(s.horizon_months.provenance),
        },
        {
            "text": f"Cost difference read at month {s.compare_at_month.value}",
            **basis_row(s.compare_at_month.provenance),
        },
        {
            "text": "Published figures stand in for unset lines: "
            + ("yes" if s.use_published_defaults.value else "no"),
            **basis_row(s.use_published_defaults.provenance),
        },
        {"text": "Survival convention for a patient", **basis_row(s.survival_convention)},
    ]


def clinic_report(rules: EconomicsRules, scenario: Scenario) -> dict[str, Any]:
    build = rules.build(published=scenario.published)
    context: dict[str, Any] = {
        "rules_label": rules.label,
        "clinic_has_costs": rules.clinic_has_costs,
        "not_set": NOT_SET,
        "currency": rules.currency if isinstance(rules.currency, str) else "",
        "country": rules.country if isinstance(rules.country, str) else "",
        "build": build,
        "missing": missing_rows(build),
        "published": published_rows(rules),
        "settings": settings_rows(rules),
        "scenario": scenario,
    }
    model = build.model
    if model is None:
        return context
    context |= _computed(rules, model, scenario)
    return context


def _computed(rules: EconomicsRules, model: CostModel, scenario: Scenario) -> dict[str, Any]:
    horizon = scenario.horizon
    options = [o.option for o in model.options]
    series = [cumulative(model, option, horizon) for option in options]
    evens = [
        break_even(model, other, horizon)
        for other in (OptionId.CMM, OptionId.EXTERNAL)
        if OptionId.IMPLANTED in options and other in options
    ]
    headline = next((b.month for b in evens if b.against is scenario.against), None)
    curve = curve_for(rules, scenario)
    expected = [expected_cost(model, option, curve) for option in options]
    result: dict[str, Any] = {
        "model": model,
        "inputs": input_rows(model),
        "cumulative_svg": cumulative_plot(
            series, title="Cumulative cost by month", break_even=headline
        ),
        "table": [
            {"month": m, "values": [s.by_month[m].shown() for s in series]}
            for m in range(horizon + 1)
        ],
        "series_names": [s.option.words for s in series],
        "break_evens": evens,
        "cumulative_formula": series[0].formula,
        "curve": curve,
        "curve_basis": basis_row(curve.provenance),
        "expected": expected_rows(expected),
        "expected_formula": expected[0].formula,
        "uncosted": percent(curve.beyond),
        "expected_months": format_decimal(round_to(curve.expected_months(), 2)),
    }
    if OptionId.IMPLANTED in options and scenario.against in options:
        at = min(rules.settings.compare_at_month.value, horizon)
        tornado = one_way(model, scenario.against, at, horizon, rules.settings.sensitivity_percent)
        result["tornado"] = tornado
        result["tornado_svg"] = tornado_plot(tornado, title="One-way sensitivity analysis")
    return result


SYSTEM_OPTION = {"implanted": OptionId.IMPLANTED, "external_tunnelled": OptionId.EXTERNAL}


def patient_panel(
    rules: EconomicsRules, suggested_system: str, life_expectancy_months: int | None
) -> dict[str, Any]:
    """The expected cost of each option for one patient, under a survival curve centred on the
    team's expected survival; or a plain statement of why there is none."""
    published = rules.settings.use_published_defaults.value
    build = rules.build(published=published)
    panel: dict[str, Any] = {
        "rules_label": rules.label,
        "suggested": SYSTEM_OPTION.get(suggested_system),
        "life_expectancy": life_expectancy_months,
        "message": "",
    }
    if not rules.clinic_has_costs and not published:
        return panel | {"message": NOT_SET}
    if build.model is None:
        return panel | {"message": f"{build.refusal} {NOT_SET}"}
    if not life_expectancy_months:
        return panel | {
            "message": "The expected survival is not recorded, so no expected cost is shown."
        }
    model = build.model
    horizon = rules.settings.horizon_months.value
    curve = constant_monthly_risk(
        life_expectancy_months, horizon, rules.settings.survival_convention
    )
    costs = [expected_cost(model, o.option, curve) for o in model.options]
    return panel | {
        "model": model,
        "rows": expected_rows(costs, panel["suggested"]),
        "missing": missing_rows(build),
        "curve": curve,
        "curve_basis": basis_row(curve.provenance),
        "uncosted": percent(curve.beyond),
        "formula": costs[0].formula,
        "inputs": input_rows(model),
    }
