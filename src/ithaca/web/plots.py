"""Plots as inline SVG: pure functions from (date, Decimal) points to an SVG string.

No JavaScript and no plotting library: the page works on a locked-down hospital PC and
prints as it looks. Values stay Decimal up to the pixel; every label is escaped here, so
the string can go into a page as it is. The unit belongs in the y-axis title.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from xml.sax.saxutils import escape, quoteattr

from ithaca.clinical.quantities import format_decimal

Point = tuple[date, Decimal]

INK = "#1d2733"
MUTED = "#5b6675"
GRID = "#e3e8ee"
LINE = "#1f5f8b"
MARK = "#a4161a"
LEVEL = "#9a5b00"
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 34, 52
MOST_DOTS = 80  # above this many points the dots hide the line


@dataclass(frozen=True)
class Marker:
    """A vertical line at a date, labelled (e.g. "next refill due")."""

    on: date
    label: str


@dataclass(frozen=True)
class Level:
    """A horizontal line at a value, labelled (e.g. "low-reservoir alarm 2 mL")."""

    value: Decimal
    label: str


def short_date(on: date) -> str:
    return f"{on.day} {on:%b %Y}"


def line_plot(
    points: Sequence[Point],
    *,
    title: str,
    y_title: str,
    step: bool = False,
    y_min: Decimal | None = Decimal(0),
    y_max: Decimal | None = None,
    markers: Sequence[Marker] = (),
    levels: Sequence[Level] = (),
    empty_text: str = "Nothing recorded yet.",
    width: int = 640,
    height: int = 260,
) -> str:
    """An SVG line plot. `step` draws each value as holding until the next one (a dose in
    force until it changes), instead of a straight line between values."""
    ordered = sorted(points, key=lambda p: p[0])
    head = _open(title, width, height)
    if not ordered:
        return head + _empty(empty_text, width, height) + "</svg>"
    frame = _Frame.fit(ordered, markers, levels, y_min, y_max, width, height)
    parts = [head, frame.axes(y_title)]
    parts += [frame.level(level) for level in levels]
    parts.append(frame.line(ordered, step))
    if len(ordered) <= MOST_DOTS:
        parts += [frame.dot(p) for p in ordered]
    parts += [frame.marker(m, row) for row, m in enumerate(markers)]
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label={quoteattr(title)} font-family="system-ui, DejaVu Sans, sans-serif" '
        f'font-size="12"><title>{escape(title)}</title>'
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>'
    )


def _empty(text: str, width: int, height: int) -> str:
    return (
        f'<rect x="{LEFT}" y="{TOP}" width="{width - LEFT - RIGHT}" height="{height - TOP - BOTTOM}" '
        f'fill="none" stroke="{GRID}"/>'
        f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="{MUTED}">{escape(text)}</text>'
    )


def nice_step(span: Decimal, most_ticks: int = 5) -> Decimal:
    """A tick step of 1, 2 or 5 times a power of ten giving at most about `most_ticks` ticks."""
    if span <= 0:
        return Decimal(1)
    raw = span / most_ticks
    base = Decimal(1).scaleb(raw.adjusted())
    for multiple in (1, 2, 5, 10):
        if base * multiple >= raw:
            return base * multiple
    return base * 10  # pragma: no cover - 10 × base always reaches raw


def _bounds(
    values: list[Decimal], y_min: Decimal | None, y_max: Decimal | None
) -> tuple[Decimal, Decimal, Decimal]:
    low = min([*values, *([y_min] if y_min is not None else [])])
    high = max([*values, *([y_max] if y_max is not None else [])])
    if high == low:
        high = low + (abs(low) if low else Decimal(1))
    step = nice_step(high - low)
    low = (low / step).to_integral_value(ROUND_FLOOR) * step
    high = (high / step).to_integral_value(ROUND_CEILING) * step
    return low, high, step


def date_ticks(first: date, last: date, most: int = 5) -> list[date]:
    span = (last - first).days
    count = min(most, span + 1)
    if count <= 1:
        return [first]
    days = sorted({round(i * span / (count - 1)) for i in range(count)})
    return [first + timedelta(days=d) for d in days]


@dataclass(frozen=True)
class _Frame:
    first: date
    last: date
    low: Decimal
    high: Decimal
    step: Decimal
    width: int
    height: int

    @classmethod
    def fit(
        cls,
        points: list[Point],
        markers: Sequence[Marker],
        levels: Sequence[Level],
        y_min: Decimal | None,
        y_max: Decimal | None,
        width: int,
        height: int,
    ) -> _Frame:
        dates = [p[0] for p in points] + [m.on for m in markers]
        first, last = min(dates), max(dates)
        if first == last:
            first, last = first - timedelta(days=1), last + timedelta(days=1)
        values = [p[1] for p in points] + [lv.value for lv in levels]
        low, high, step = _bounds(values, y_min, y_max)
        return cls(first, last, low, high, step, width, height)

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def right(self) -> int:
        return self.width - RIGHT

    def x(self, on: date) -> str:
        share = Decimal((on - self.first).days) / Decimal((self.last - self.first).days)
        return f"{LEFT + share * (self.right - LEFT):.1f}"

    def y(self, value: Decimal) -> str:
        share = (value - self.low) / (self.high - self.low)
        return f"{self.bottom - share * (self.bottom - TOP):.1f}"

    def axes(self, y_title: str) -> str:
        parts = value_grid(self.low, self.high, self.step, self.y, self.right)
        for on in date_ticks(self.first, self.last):
            x = self.x(on)
            anchor = "end" if on == self.last else "middle"  # the last label stays inside
            parts.append(
                f'<line x1="{x}" y1="{self.bottom}" x2="{x}" y2="{self.bottom + 5}" stroke="{INK}"/>'
                f'<text x="{x}" y="{self.bottom + 18}" text-anchor="{anchor}" fill="{INK}">{escape(short_date(on))}</text>'
            )
        middle = (TOP + self.bottom) // 2
        parts.append(
            f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{self.bottom}" stroke="{INK}"/>'
            f'<line x1="{LEFT}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}" stroke="{INK}"/>'
            f'<text x="16" y="{middle}" text-anchor="middle" fill="{INK}" transform="rotate(-90 16 {middle})">{escape(y_title)}</text>'
            f'<text x="{(LEFT + self.right) // 2}" y="{self.height - 8}" text-anchor="middle" fill="{MUTED}">Date</text>'
        )
        return "".join(parts)

    def line(self, points: list[Point], step: bool) -> str:
        coords: list[str] = []
        previous: Point | None = None
        for point in points:
            if step and previous is not None:
                coords.append(f"{self.x(point[0])},{self.y(previous[1])}")
            coords.append(f"{self.x(point[0])},{self.y(point[1])}")
            previous = point
        return (
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        )

    def dot(self, point: Point) -> str:
        label = f"{short_date(point[0])}: {format_decimal(point[1])}"
        return (
            f'<circle cx="{self.x(point[0])}" cy="{self.y(point[1])}" r="3.5" fill="{LINE}">'
            f"<title>{escape(label)}</title></circle>"
        )

    def marker(self, marker: Marker, row: int = 0) -> str:
        x = self.x(marker.on)
        anchor = "end" if Decimal(x) > (LEFT + self.right) / 2 else "start"
        shift = -4 if anchor == "end" else 4
        return (
            f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{self.bottom}" stroke="{MARK}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            f'<text x="{Decimal(x) + shift:.1f}" y="{TOP + 12 + 14 * row}" text-anchor="{anchor}" fill="{MARK}" font-weight="600">'
            f"{escape(marker.label)}</text>"
        )

    def level(self, level: Level) -> str:
        y = self.y(level.value)
        return (
            f'<line x1="{LEFT}" y1="{y}" x2="{self.right}" y2="{y}" stroke="{LEVEL}" stroke-dasharray="3 3"/>'
            f'<text x="{self.right - 4}" y="{Decimal(y) - 4:.1f}" text-anchor="end" fill="{LEVEL}">{escape(level.label)}</text>'
        )


def value_grid(
    low: Decimal, high: Decimal, step: Decimal, y: Callable[[Decimal], str], right: int
) -> list[str]:
    """Horizontal grid lines with their value labels, from low to high by step: shared by
    every plot whose vertical axis is a value (the line plots, the control chart)."""
    parts = []
    tick = low
    while tick <= high:
        at = y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{at}" x2="{right}" y2="{at}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{at}" dy="4" text-anchor="end" fill="{INK}">{format_decimal(tick)}</text>'
        )
        tick += step
    return parts
