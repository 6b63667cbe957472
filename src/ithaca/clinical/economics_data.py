"""The cost model's data, read from economics.toml (and a clinic file laid over it).

The clinic's unit costs are unset by default. A cost the clinic sets needs the clinic's
currency, its own source and confidence, and is money written as a string. Published
figures are kept apart, each with its country, year, payer context and funding; they
stand in for a clinic's unset line only when asked, and then the model says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.datareader import Node
from ithaca.clinical.economics import (
    PUBLISHED_WARNING,
    CostLine,
    CostModel,
    Figure,
    LineKind,
    OptionCosts,
    OptionId,
    Replacement,
)
from ithaca.clinical.economics_survival import InvalidSurvivalCurve, SurvivalCurve, from_table
from ithaca.clinical.money import Money, is_currency_code
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance, Unknown


@dataclass(frozen=True, slots=True)
class LineSpec:
    id: str
    label: str
    kind: LineKind
    cost: Figure | Unknown
    rate: Figure | Unknown | None  # events per month, for a per-event line


@dataclass(frozen=True, slots=True)
class OptionSpec:
    option: OptionId
    lines: tuple[LineSpec, ...]
    replacement_every: Sourced[int] | Unknown | None
    replacement_lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    id: str
    option: OptionId
    line_id: str
    kind: LineKind
    amount: Money
    country: str
    year: int
    payer: str
    funding: str
    provenance: Provenance

    @property
    def context(self) -> str:
        return f"{self.country} {self.year}; {self.payer}; {self.funding}"


@dataclass(frozen=True, slots=True)
class PublishedResult:
    text: str
    country: str
    payer: str
    funding: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class EconomicsSettings:
    sensitivity_percent: Sourced[Decimal]
    horizon_months: Sourced[int]
    compare_at_month: Sourced[int]
    use_published_defaults: Sourced[bool]
    survival_convention: Provenance


@dataclass(frozen=True, slots=True)
class MissingFigure:
    option: OptionId
    label: str
    what: str  # "cost" or "events per month"


@dataclass(frozen=True, slots=True)
class ModelBuild:
    """The model the figures allow (complete options only), and what is missing."""

    model: CostModel | None
    missing: tuple[MissingFigure, ...]
    refusal: str = ""  # why no model could be built at all, in a sentence

    def costed(self, option: OptionId) -> bool:
        return self.model is not None and self.model.has(option)


@dataclass(frozen=True, slots=True)
class EconomicsRules:
    name: str
    version: str
    currency: str | Unknown
    country: str | Unknown
    options: tuple[OptionSpec, ...]
    published: tuple[PublishedFigure, ...]
    results: tuple[PublishedResult, ...]
    gaps: tuple[str, ...]
    survival: dict[str, SurvivalCurve]
    settings: EconomicsSettings

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def clinic_has_costs(self) -> bool:
        return any(isinstance(line.cost, Figure) for o in self.options for line in o.lines)

    def published_for(self, option: OptionId, line_id: str) -> PublishedFigure | None:
        return next(
            (p for p in self.published if p.option is option and p.line_id == line_id), None
        )

    def build(self, *, published: bool) -> ModelBuild:
        return build_model(self, published=published)


def read_economics(root: Node) -> EconomicsRules:
    node = root.child("economics")
    local = node.child("local")
    currency = _currency(local)
    options = tuple(_option(OptionId(key), child) for key, child in _options(node))
    for option in options:
        _check_costs_have_currency(node, option, currency)
    return EconomicsRules(
        name=node.text("name"),
        version=node.text("version"),
        currency=currency,
        country=_country(local),
        options=options,
        published=tuple(_published(key, n, options) for key, n in _tables(node, "published")),
        results=tuple(_result(n) for n in node.children("published_results")),
        gaps=node.texts("gaps"),
        survival={key: _curve(key, n) for key, n in _tables(node, "survival")},
        settings=_settings(node.child("settings")),
    )


def _tables(node: Node, key: str) -> list[tuple[str, Node]]:
    return node.child(key).tables() if node.has(key) else []


def _options(node: Node) -> list[tuple[str, Node]]:
    found = node.child("options").tables()
    known = {o.value for o in OptionId}
    for key, child in found:
        if key not in known:
            raise child.fail("", f"an option is one of {', '.join(sorted(known))}")
    return found


def _currency(local: Node) -> str | Unknown:
    if isinstance(local.data.get("currency"), dict):
        return local.child("currency").unknown()
    code = local.text("currency")
    if not is_currency_code(code):
        raise local.fail("currency", "an ISO 4217 code in capitals is expected, e.g. GBP")
    return code


def _country(local: Node) -> str | Unknown:
    if isinstance(local.data.get("country"), dict):
        return local.child("country").unknown()
    return local.text("country")


def _figure(node: Node, key: str) -> Figure | Unknown:
    table = node.child(key)
    if table.is_unknown():
        return table.unknown()
    value = table.decimal(table_key := ("amount" if key == "cost" else "value"))
    if value < 0:
        raise table.fail(table_key, "zero or more is expected")
    low = table.decimal("low") if table.has("low") else None
    high = table.decimal("high") if table.has("high") else None
    if (low is None) != (high is None):
        raise table.fail("low", "low and high go together")
    if low is not None and high is not None and not 0 <= low <= value <= high:
        raise table.fail("low", "0 ≤ low ≤ the value ≤ high is expected")
    return Figure(value, table.provenance(), low, high)


def _line(line_id: str, node: Node) -> LineSpec:
    try:
        kind = LineKind(node.text("kind"))
    except ValueError:
        raise node.fail("kind", "one of one_off, per_day, per_month, per_event") from None
    if (kind is LineKind.PER_EVENT) != node.has("rate"):
        raise node.fail("rate", "a per-event line, and only it, gives events per month (rate)")
    rate = _figure(node, "rate") if node.has("rate") else None
    return LineSpec(line_id, node.text("label"), kind, _figure(node, "cost"), rate)


def _option(option: OptionId, node: Node) -> OptionSpec:
    lines = tuple(_line(key, child) for key, child in node.child("lines").tables())
    every: Sourced[int] | Unknown | None = None
    if node.has("replacement_every_months"):
        table = node.child("replacement_every_months")
        if table.is_unknown():
            every = table.unknown()
        else:
            months = table.integer("value")
            if months < 1:
                raise table.fail("value", "at least one month is expected")
            every = Sourced(months, table.provenance())
    named = node.texts("replacement_lines")
    one_offs = {line.id for line in lines if line.kind is LineKind.ONE_OFF}
    if not set(named) <= one_offs:
        raise node.fail("replacement_lines", "a replacement repeats one-off lines of this option")
    return OptionSpec(option, lines, every, named)


def _check_costs_have_currency(node: Node, option: OptionSpec, currency: str | Unknown) -> None:
    if isinstance(currency, str):
        return
    for line in option.lines:
        if isinstance(line.cost, Figure):
            raise node.fail(
                f"options.{option.option.value}.lines.{line.id}.cost",
                "a clinic cost needs the clinic's currency: set economics.local.currency "
                "(an ISO 4217 code such as GBP) in the same file",
            )


def _published(key: str, node: Node, options: tuple[OptionSpec, ...]) -> PublishedFigure:
    option_id, _, line_id = node.text("stands_in_for").partition(".")
    spec = next((o for o in options if o.option.value == option_id), None)
    line = next((line for line in spec.lines if line.id == line_id), None) if spec else None
    if spec is None or line is None:
        raise node.fail("stands_in_for", "name an option and its line, e.g. implanted.it_drugs")
    if node.text("kind") != line.kind.value:
        raise node.fail("kind", f"the line {option_id}.{line_id} is {line.kind.value}")
    currency = node.text("currency")
    if not is_currency_code(currency):
        raise node.fail("currency", "an ISO 4217 code in capitals is expected, e.g. USD")
    amount = node.decimal("amount")
    if amount < 0:
        raise node.fail("amount", "zero or more is expected")
    return PublishedFigure(
        id=key,
        option=spec.option,
        line_id=line_id,
        kind=line.kind,
        amount=Money(amount, currency),
        country=node.text("country"),
        year=node.integer("year"),
        payer=node.text("payer"),
        funding=node.text("funding"),
        provenance=node.provenance(),
    )


def _result(node: Node) -> PublishedResult:
    return PublishedResult(
        node.text("text"),
        node.text("country"),
        node.text("payer"),
        node.text("funding"),
        node.provenance(),
    )


def _curve(key: str, node: Node) -> SurvivalCurve:
    alive = node.raw("alive")
    if not isinstance(alive, list):
        raise node.fail(
            "alive", 'a list of probabilities as strings is expected, e.g. ["1", "0.8"]'
        )
    values = [
        Node({"p": v}, f"{node.where}.alive[{i}]", {}).decimal("p") for i, v in enumerate(alive)
    ]
    try:
        return from_table(values, node.text("description"), node.provenance())
    except InvalidSurvivalCurve as exc:
        raise node.fail(f"{key}.alive", str(exc)) from exc


def _settings(node: Node) -> EconomicsSettings:
    percent = node.child("sensitivity_percent")
    value = percent.decimal("value")
    if not 0 < value < 100:
        raise percent.fail("value", "a percentage above 0 and below 100 is expected")
    return EconomicsSettings(
        sensitivity_percent=Sourced(value, percent.provenance()),
        horizon_months=_months(node.child("horizon_months")),
        compare_at_month=_months(node.child("compare_at_month")),
        use_published_defaults=Sourced(
            node.child("use_published_defaults").boolean("value"),
            node.child("use_published_defaults").provenance(),
        ),
        survival_convention=node.child("survival_convention").provenance(),
    )


def _months(node: Node) -> Sourced[int]:
    months = node.integer("value")
    if not 1 <= months <= 240:
        raise node.fail("value", "a whole number of months from 1 to 240 is expected")
    return Sourced(months, node.provenance())


def build_model(rules: EconomicsRules, *, published: bool) -> ModelBuild:
    """The clinic's figures, with published ones standing in for unset lines if `published`.
    Options missing any figure are left out and listed; one model holds one currency."""
    missing: list[MissingFigure] = []
    complete: list[OptionCosts] = []
    currencies: set[str] = set()
    for spec in rules.options:
        lines: list[CostLine] = []
        used: set[str] = set()
        for line in spec.lines:
            cost, currency = _cost(rules, spec.option, line, published=published)
            if cost is None:
                missing.append(MissingFigure(spec.option, line.label, "cost"))
            if isinstance(line.rate, Unknown):
                missing.append(MissingFigure(spec.option, line.label, "events per month"))
            elif cost is not None:
                lines.append(CostLine(line.id, line.label, line.kind, cost, line.rate))
                used.add(currency)
        if len(lines) == len(spec.lines):
            complete.append(OptionCosts(spec.option, tuple(lines), _replacement(spec)))
            currencies |= used
    if len(currencies) > 1:
        return ModelBuild(
            None,
            tuple(missing),
            f"These figures mix currencies ({', '.join(sorted(currencies))}): ithaca never "
            "converts one into another. Set the missing lines locally, or use the clinic's "
            "own figures only.",
        )
    if not complete:
        return ModelBuild(None, tuple(missing), "No option has every figure it needs.")
    used_published = any(line.cost.published for option in complete for line in option.lines)
    model = CostModel(
        currency=currencies.pop(),
        options=tuple(complete),
        published_used=used_published,
        basis=PUBLISHED_WARNING if used_published else "this clinic's figures",
    )
    return ModelBuild(model, tuple(missing))


def _cost(
    rules: EconomicsRules, option: OptionId, line: LineSpec, *, published: bool
) -> tuple[Figure | None, str]:
    """A line's cost and its currency: the clinic's own, else a published stand-in if asked."""
    if isinstance(line.cost, Figure):
        return line.cost, str(rules.currency)
    stand_in = rules.published_for(option, line.id) if published else None
    if stand_in is None:
        return None, ""
    figure = Figure(
        stand_in.amount.amount,
        stand_in.provenance,
        published=f"{PUBLISHED_WARNING} ({stand_in.context})",
    )
    return figure, stand_in.amount.currency


def _replacement(spec: OptionSpec) -> Replacement | None:
    if isinstance(spec.replacement_every, Sourced) and spec.replacement_lines:
        return Replacement(spec.replacement_every, spec.replacement_lines)
    return None
