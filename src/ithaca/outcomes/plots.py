"""The cohort report's plots, as inline SVG in the style of ithaca.web.plots: a median
with its interquartile band over time, a Kaplan-Meier step curve with its confidence band,
and the pathway funnel as bars. Every label is escaped here; every point shows its n.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from ithaca.clinical.funnel import FunnelRow
from ithaca.clinical.outcomes import Summary
from ithaca.clinical.quantities import format_decimal
from ithaca.clinical.survival import DAYS_PER_MONTH, KaplanMeier
from ithaca.web.plots import (
    BOTTOM,
    GRID,
    INK,
    LEFT,
    LINE,
    MUTED,
    RIGHT,
    TOP,
    _empty,
    _open,
    nice_step,
)

BAND = "#c9dbea"
WIDTH, HEIGHT = 640, 300
N_ROW = 31  # below the axis: the tick labels sit at +18, the n of each point at +31


class _Axes:
    """A numeric frame: x from 0 to x_max, y from 0 to y_max."""

    def __init__(self, x_max: Decimal, y_max: Decimal, width: int = WIDTH, height: int = HEIGHT):
        self.x_max, self.y_max = max(x_max, Decimal(1)), max(y_max, Decimal(1))
        self.width, self.height = width, height
        self.bottom, self.right = height - BOTTOM, width - RIGHT

    def x(self, value: Decimal | int) -> str:
        return f"{LEFT + Decimal(value) / self.x_max * (self.right - LEFT):.1f}"

    def y(self, value: Decimal | int) -> str:
        return f"{self.bottom - Decimal(value) / self.y_max * (self.bottom - TOP):.1f}"

    def draw(self, x_title: str, y_title: str, x_ticks: Sequence[int], y_step: Decimal) -> str:
        parts = []
        tick = Decimal(0)
        while tick <= self.y_max:
            y = self.y(tick)
            parts.append(
                f'<line x1="{LEFT}" y1="{y}" x2="{self.right}" y2="{y}" stroke="{GRID}"/>'
                f'<text x="{LEFT - 6}" y="{y}" dy="4" text-anchor="end" fill="{INK}">{format_decimal(tick)}</text>'
            )
            tick += y_step
        for value in x_ticks:
            x = self.x(value)
            parts.append(
                f'<line x1="{x}" y1="{self.bottom}" x2="{x}" y2="{self.bottom + 5}" stroke="{INK}"/>'
                f'<text x="{x}" y="{self.bottom + 18}" text-anchor="middle" fill="{INK}">{value}</text>'
            )
        middle = (TOP + self.bottom) // 2
        parts.append(
            f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{self.bottom}" stroke="{INK}"/>'
            f'<line x1="{LEFT}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}" stroke="{INK}"/>'
            f'<text x="16" y="{middle}" text-anchor="middle" fill="{INK}" transform="rotate(-90 16 {middle})">{escape(y_title)}</text>'
            f'<text x="{(LEFT + self.right) // 2}" y="{self.height - 8}" text-anchor="middle" fill="{MUTED}">{escape(x_title)}</text>'
        )
        return "".join(parts)


def median_band_plot(
    points: Sequence[tuple[int, Summary]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    y_max: Decimal | None = None,
    empty_text: str = "Nothing recorded yet.",
) -> str:
    """Median (line and dots) and interquartile range (band) at each x, with n under it."""
    shown = [(x, s) for x, s in points if s.median is not None]
    head = _open(title, WIDTH, HEIGHT)
    if not shown:
        return head + _empty(empty_text, WIDTH, HEIGHT) + "</svg>"
    top = y_max if y_max is not None else max(s.q3 or Decimal(0) for _, s in shown)
    step = nice_step(top)
    top = (top / step).to_integral_value(rounding="ROUND_CEILING") * step
    axes = _Axes(Decimal(max(x for x, _ in points)), top)
    parts = [head, axes.draw(x_title, y_title, [x for x, _ in points], step)]
    upper = [f"{axes.x(x)},{axes.y(s.q3 or 0)}" for x, s in shown]
    lower = [f"{axes.x(x)},{axes.y(s.q1 or 0)}" for x, s in reversed(shown)]
    parts.append(f'<polygon points="{" ".join(upper + lower)}" fill="{BAND}" stroke="none"/>')
    line = " ".join(f"{axes.x(x)},{axes.y(s.median or 0)}" for x, s in shown)
    parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for x, s in shown:
        label = f"{x}: median {format_decimal(s.median or Decimal(0))}, IQR {format_decimal(s.q1 or Decimal(0))}-{format_decimal(s.q3 or Decimal(0))}, n={s.n}"
        parts.append(
            f'<circle cx="{axes.x(x)}" cy="{axes.y(s.median or 0)}" r="3.5" fill="{LINE}"><title>{escape(label)}</title></circle>'
        )
    for x, s in points:
        parts.append(
            f'<text x="{axes.x(x)}" y="{axes.bottom + N_ROW}" text-anchor="middle" fill="{MUTED}" font-size="10">n={s.n}</text>'
        )
    return "".join(parts) + "</svg>"


def survival_plot(
    km: KaplanMeier, *, title: str, empty_text: str = "No patient implanted yet."
) -> str:
    """The Kaplan-Meier curve as steps, its 95% band, and a tick at each censoring."""
    head = _open(title, WIDTH, HEIGHT)
    if km.last_day is None:
        return head + _empty(empty_text, WIDTH, HEIGHT) + "</svg>"
    months = max(1, int(Decimal(km.last_day) / DAYS_PER_MONTH) + 1)
    axes = _Axes(Decimal(km.last_day) / DAYS_PER_MONTH, Decimal(1))
    axes.x_max = Decimal(months)
    every = next((e for e in (1, 2, 3, 6, 12, 24) if months / e <= 10), 24)
    parts = [
        head,
        axes.draw(
            "Months after implant",
            "Proportion alive",
            list(range(0, months + 1, every)),
            Decimal("0.2"),
        ),
    ]

    def x(day: int) -> str:
        return axes.x(Decimal(day) / DAYS_PER_MONTH)

    upper, lower, curve = [f"{x(0)},{axes.y(1)}"], [f"{x(0)},{axes.y(1)}"], [f"{x(0)},{axes.y(1)}"]
    previous = (Decimal(1), Decimal(1), Decimal(1))
    for step in km.steps:
        s = Decimal(step.survival.numerator) / Decimal(step.survival.denominator)
        for points, old, new in (
            (curve, previous[0], s),
            (upper, previous[1], step.upper),
            (lower, previous[2], step.lower),
        ):
            points.append(f"{x(step.day)},{axes.y(old)}")
            points.append(f"{x(step.day)},{axes.y(new)}")
        previous = (s, step.upper, step.lower)
    parts.append(
        f'<polygon points="{" ".join(upper + list(reversed(lower)))}" fill="{BAND}" stroke="none"/>'
    )
    parts.append(
        f'<polyline points="{" ".join(curve)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
    )
    for step in km.steps:
        if step.censored:
            s = Decimal(step.survival.numerator) / Decimal(step.survival.denominator)
            parts.append(
                f'<line x1="{x(step.day)}" y1="{Decimal(axes.y(s)) - 4:.1f}" x2="{x(step.day)}" y2="{Decimal(axes.y(s)) + 4:.1f}" stroke="{INK}"><title>{step.censored} censored on day {step.day}</title></line>'
            )
    return "".join(parts) + "</svg>"


def funnel_plot(rows: Sequence[FunnelRow], *, title: str) -> str:
    """One bar per step, its count, its share of the step before, and the median days."""
    height = TOP + 34 * len(rows) + 16
    head = _open(title, WIDTH, height)
    most = max((r.reached for r in rows), default=0)
    if most == 0:
        return head + _empty("No patient on the pathway.", WIDTH, height) + "</svg>"
    label_width, bar_space = 150, WIDTH - 150 - RIGHT - 150
    parts = [head]
    previous = None
    for i, row in enumerate(rows):
        y = TOP + 34 * i
        width = Decimal(row.reached) / most * bar_space
        share = row.share_of(previous)
        days = row.days_from_previous
        note = f"{row.reached}" + (f" ({share}%)" if share is not None else "")
        if days.median is not None:
            note += f" · median {format_decimal(days.median)} d (n={days.n})"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">{escape(row.step.label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{width:.1f}" height="20" fill="{LINE}"/>'
            f'<text x="{label_width + width + 6:.1f}" y="{y + 18}" fill="{INK}">{escape(note)}</text>'
        )
        previous = row
    return "".join(parts) + "</svg>"
