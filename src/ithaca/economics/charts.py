"""The cost report's two plots as inline SVG: cumulative cost by month (one line per
option) and the tornado of the one-way sensitivity analysis.

Like ithaca.web.plots, whose palette and tick rule they share: no JavaScript, values stay
Decimal to the pixel, every label is escaped here. Each line also has a dash pattern and
a label at its end, so the plot reads in black and white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from xml.sax.saxutils import escape, quoteattr

from ithaca.clinical.economics import Cumulative, OptionId
from ithaca.clinical.economics_sensitivity import Swing, Tornado
from ithaca.clinical.quantities import format_decimal
from ithaca.web.plots import GRID, INK, LINE, MARK, MUTED, nice_step

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 84, 150, 34, 52
STYLE = {
    OptionId.IMPLANTED: (LINE, ""),
    OptionId.EXTERNAL: ("#2e7d32", "6 4"),
    OptionId.CMM: ("#9a5b00", "2 3"),
}
LOWER, HIGHER = "#1f5f8b", "#a4161a"
BAR, BAR_GAP, LABEL_WIDTH = 18, 8, 300


def _open(title: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label={quoteattr(title)} font-family="system-ui, DejaVu Sans, sans-serif" '
        f'font-size="12"><title>{escape(title)}</title>'
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>'
    )


def _bounds(values: Sequence[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    low, high = min([*values, Decimal(0)]), max([*values, Decimal(0)])
    if low == high:
        high = low + 1
    step = nice_step(high - low)
    return (
        (low / step).to_integral_value(ROUND_FLOOR) * step,
        (high / step).to_integral_value(ROUND_CEILING) * step,
        step,
    )


@dataclass(frozen=True)
class _Frame:
    months: int
    low: Decimal
    high: Decimal
    height: int

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM

    def x(self, month: int) -> str:
        share = Decimal(month) / Decimal(max(self.months, 1))
        return f"{LEFT + share * (WIDTH - RIGHT - LEFT):.1f}"

    def y(self, value: Decimal) -> str:
        share = (value - self.low) / (self.high - self.low)
        return f"{self.bottom - share * (self.bottom - TOP):.1f}"


def cumulative_plot(
    series: Sequence[Cumulative], *, title: str, break_even: int | None = None, height: int = 300
) -> str:
    """Cumulative cost against months since the start, one line per option."""
    head = _open(title, height)
    if not series:
        return (
            head
            + f'<text x="{WIDTH // 2}" y="{height // 2}" text-anchor="middle" fill="{MUTED}">–</text></svg>'
        )
    months = len(series[0].by_month) - 1
    values = [money.amount for s in series for money in s.by_month]
    low, high, step = _bounds(values)
    frame = _Frame(months, low, high, height)
    parts = [head, _y_axis(frame, step, f"Cumulative cost ({series[0].model.currency})")]
    parts.append(_month_axis(frame))
    if break_even is not None:
        x = frame.x(break_even)
        parts.append(
            f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{frame.bottom}" stroke="{MARK}" stroke-dasharray="5 3"/>'
            f'<text x="{Decimal(x) + 4:.1f}" y="{TOP + 12}" fill="{MARK}" font-weight="600">'
            f"{escape(f'break-even: month {break_even}')}</text>"
        )
    for s in series:
        colour, dash = STYLE[s.option]
        points = " ".join(f"{frame.x(m)},{frame.y(v.amount)}" for m, v in enumerate(s.by_month))
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        last = s.by_month[-1]
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dashes}>'
            f"<title>{escape(s.option.words)}</title></polyline>"
            f'<text x="{WIDTH - RIGHT + 6}" y="{frame.y(last.amount)}" dy="4" fill="{colour}">'
            f"{escape(_short(s.option))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(option: OptionId) -> str:
    return {"implanted": "Implanted", "external": "External", "cmm": "CMM"}[option.value]


def _y_axis(frame: _Frame, step: Decimal, label: str) -> str:
    parts = []
    tick = frame.low
    while tick <= frame.high:
        y = frame.y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y}" dy="4" text-anchor="end" fill="{INK}">{format_decimal(tick)}</text>'
        )
        tick += step
    middle = (TOP + frame.bottom) // 2
    parts.append(
        f'<text x="14" y="{middle}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 14 {middle})">{escape(label)}</text>'
    )
    return "".join(parts)


def _month_axis(frame: _Frame) -> str:
    step = max(int(nice_step(Decimal(max(frame.months, 1)), 8)), 1)
    parts = [
        f'<line x1="{LEFT}" y1="{frame.bottom}" x2="{WIDTH - RIGHT}" y2="{frame.bottom}" stroke="{INK}"/>'
    ]
    for month in range(0, frame.months + 1, step):
        x = frame.x(month)
        parts.append(
            f'<line x1="{x}" y1="{frame.bottom}" x2="{x}" y2="{frame.bottom + 5}" stroke="{INK}"/>'
            f'<text x="{x}" y="{frame.bottom + 18}" text-anchor="middle" fill="{INK}">{month}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) // 2}" y="{frame.height - 8}" text-anchor="middle" '
        f'fill="{MUTED}">Months</text>'
    )
    return "".join(parts)


def tornado_plot(tornado: Tornado, *, title: str, most: int = 12) -> str:
    """One bar per number, from the difference at its low value to that at its high value,
    around the base difference (the vertical line). Blue: the number at its low value;
    red: at its high value."""
    swings = [s for s in tornado.swings if s.width > 0][:most]  # a zero-width bar says nothing
    height = TOP + 30 + len(swings) * (BAR + BAR_GAP) + 40
    head = _open(title, height)
    if not swings:
        return head + "</svg>"
    left = LABEL_WIDTH
    right = WIDTH - 24
    base = tornado.base_difference.amount
    values = [base] + [v.amount for s in swings for v in (s.difference_low, s.difference_high)]
    low, high, step = _bounds(values)

    def x(value: Decimal) -> str:
        return f"{left + (value - low) / (high - low) * (right - left):.1f}"

    parts = [head]
    tick = low
    axis_y = TOP + 20
    while tick <= high:
        parts.append(
            f'<line x1="{x(tick)}" y1="{axis_y}" x2="{x(tick)}" y2="{height - 40}" stroke="{GRID}"/>'
            f'<text x="{x(tick)}" y="{axis_y - 4}" text-anchor="middle" fill="{INK}" font-size="10">{format_decimal(tick)}</text>'
        )
        tick += step
    for row, swing in enumerate(swings):
        y = axis_y + 10 + row * (BAR + BAR_GAP)
        parts.append(
            f'<text x="{left - 6}" y="{y + BAR - 5}" text-anchor="end" fill="{INK}" font-size="11">'
            f"{escape(_clip(_label(swing)))}<title>{escape(swing.label)}</title></text>"
        )
        for value, colour in ((swing.difference_low, LOWER), (swing.difference_high, HIGHER)):
            a, b = sorted((base, value.amount))
            parts.append(
                f'<rect x="{x(a)}" y="{y}" width="{Decimal(x(b)) - Decimal(x(a)):.1f}" height="{BAR}" '
                f'fill="{colour}" fill-opacity=".75"/>'
            )
    parts.append(
        f'<line x1="{x(base)}" y1="{axis_y}" x2="{x(base)}" y2="{height - 40}" stroke="{INK}" stroke-width="1.5"/>'
        f'<text x="{right}" y="{height - 22}" text-anchor="end" fill="{MUTED}">'
        f"{escape(_axis_title(tornado))}</text>"
        f'<text x="{left}" y="{height - 6}" fill="{LOWER}">■ low value</text>'
        f'<text x="{left + 110}" y="{height - 6}" fill="{HIGHER}">■ high value</text>'
        "</svg>"
    )
    return "".join(parts)


def _label(swing: Swing) -> str:
    return f"{_short(swing.option)}: {swing.label.split(': ', 1)[-1]}"


def _axis_title(tornado: Tornado) -> str:
    return (
        f"Implanted − {_short(tornado.against)} at month {tornado.at_month} "
        f"({tornado.model.currency}); below 0: implanted costs less"
    )


def _clip(text: str, most: int = 44) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
