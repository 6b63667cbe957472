"""The refill control chart as inline SVG: one point per refill, in order.

x is the refill's place in the series (a control chart's sample number), labelled with its
date; y is delivered ÷ expected. Drawn: the centre line and the published limits (dashed),
the EWMA and its limits (dotted), each ratio (red where a per-refill alarm fired) and a
ring round every refill where the drift rule signals. Like ithaca.web.plots: no
JavaScript, values Decimal to the pixel, every label escaped here.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from xml.sax.saxutils import escape, quoteattr

from ithaca.clinical.control_chart import ChartPoint, ControlChart
from ithaca.clinical.quantities import format_decimal
from ithaca.web.plots import INK, LEVEL, LINE, MARK, MUTED, nice_step, short_date, value_grid

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 96, 34, 52
EWMA = "#2e7d32"
MOST_LABELS = 8


def control_chart_svg(chart: ControlChart, title: str) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot control-chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(title)} '
        f'font-family="system-ui, DejaVu Sans, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>'
    )
    if not chart.points:
        return (
            head
            + f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle" fill="{MUTED}">'
            + "No refill with a measured and an expected residual yet.</text></svg>"
        )
    frame = _Frame.fit(chart)
    parts = [head, frame.axes(chart)]
    rules = chart.rules
    parts.append(
        frame.level(rules.centre.value, f"centre {format_decimal(rules.centre.value)}", INK, "")
    )
    parts.append(frame.level(rules.upper, f"limit {format_decimal(rules.upper)}", LEVEL, "6 3"))
    parts.append(frame.level(rules.lower, f"limit {format_decimal(rules.lower)}", LEVEL, "6 3"))
    parts.append(frame.polyline([p.ewma_upper for p in chart.points], EWMA, "2 3", 1))
    parts.append(frame.polyline([p.ewma_lower for p in chart.points], EWMA, "2 3", 1))
    parts.append(frame.polyline([p.ewma for p in chart.points], EWMA, "", 1.5))
    parts.append(frame.polyline([p.ratio for p in chart.points], LINE, "", 2))
    for i, point in enumerate(chart.points):
        parts.append(frame.dot(i, point.ratio, bool(point.alarms), _tip(point)))
        if point.drift is not None:
            parts.append(frame.ring(i, point.ratio))
    parts.append(frame.legend())
    parts.append("</svg>")
    return "".join(parts)


def _tip(point: ChartPoint) -> str:
    text = f"{short_date(point.reading.on)}, refill {point.reading.sequence}: ratio {point.ratio_shown}"
    if point.drift is not None:
        text += f"; drift: {point.drift.words}"
    return "; ".join([text, *point.alarms])


class _Frame:
    def __init__(self, chart: ControlChart, low: Decimal, high: Decimal, step: Decimal) -> None:
        self.chart, self.low, self.high, self.step = chart, low, high, step
        self.count = len(chart.points)

    @classmethod
    def fit(cls, chart: ControlChart) -> _Frame:
        values = [v for p in chart.points for v in (p.ratio, p.ewma_lower, p.ewma_upper)]
        values += [chart.rules.lower, chart.rules.upper]
        low, high = min(values), max(values)
        step = nice_step(high - low)
        low = (low / step).to_integral_value(ROUND_FLOOR) * step
        high = (high / step).to_integral_value(ROUND_CEILING) * step
        return cls(chart, low, high, step)

    @property
    def bottom(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def right(self) -> int:
        return WIDTH - RIGHT

    def x(self, index: int) -> str:
        if self.count == 1:
            return f"{(LEFT + self.right) / 2:.1f}"
        return f"{LEFT + 12 + index * (self.right - LEFT - 24) / (self.count - 1):.1f}"

    def y(self, value: Decimal) -> str:
        share = (value - self.low) / (self.high - self.low)
        return f"{self.bottom - share * (self.bottom - TOP):.1f}"

    def axes(self, chart: ControlChart) -> str:
        parts = value_grid(self.low, self.high, self.step, self.y, self.right)
        every = max(1, -(-self.count // MOST_LABELS))
        for i, point in enumerate(chart.points):
            last = i == self.count - 1
            if last or (i % every == 0 and self.count - 1 - i >= every):
                parts.append(
                    f'<text x="{self.x(i)}" y="{self.bottom + 18}" text-anchor="middle" '
                    f'fill="{INK}" font-size="10">{escape(point.reading.on.isoformat())}</text>'
                )
        middle = (TOP + self.bottom) // 2
        parts.append(
            f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{self.bottom}" stroke="{INK}"/>'
            f'<line x1="{LEFT}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}" stroke="{INK}"/>'
            f'<text x="16" y="{middle}" text-anchor="middle" fill="{INK}" transform="rotate(-90 16 {middle})">delivered ÷ expected</text>'
        )
        return "".join(parts)

    def level(self, value: Decimal, label: str, colour: str, dash: str) -> str:
        y = self.y(value)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        return (
            f'<line x1="{LEFT}" y1="{y}" x2="{self.right}" y2="{y}" stroke="{colour}"{dashes}/>'
            f'<text x="{self.right + 4}" y="{y}" dy="4" fill="{colour}">{escape(label)}</text>'
        )

    def polyline(self, values: list[Decimal], colour: str, dash: str, width: float) -> str:
        coords = " ".join(f"{self.x(i)},{self.y(v)}" for i, v in enumerate(values))
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{width}"{dashes}/>'

    def dot(self, index: int, value: Decimal, alarm: bool, tip: str) -> str:
        colour = MARK if alarm else LINE
        return (
            f'<circle cx="{self.x(index)}" cy="{self.y(value)}" r="{4.5 if alarm else 3.5}" fill="{colour}">'
            f"<title>{escape(tip)}</title></circle>"
        )

    def ring(self, index: int, value: Decimal) -> str:
        return (
            f'<circle cx="{self.x(index)}" cy="{self.y(value)}" r="8" fill="none" '
            f'stroke="{EWMA}" stroke-width="2"/>'
        )

    def legend(self) -> str:
        y = HEIGHT - 10
        return (
            f'<text x="{LEFT}" y="{y}" fill="{LINE}">● ratio per refill</text>'
            f'<text x="{LEFT + 130}" y="{y}" fill="{MARK}">● per-refill alarm</text>'
            f'<text x="{LEFT + 260}" y="{y}" fill="{EWMA}">— EWMA (dotted: its limits)</text>'
            f'<text x="{LEFT + 440}" y="{y}" fill="{EWMA}">◯ drift signal</text>'
        )
