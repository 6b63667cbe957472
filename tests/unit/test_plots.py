"""Inline SVG plots: valid XML for any series, axes with the unit, values where they belong."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ithaca.web.plots import Level, Marker, date_ticks, line_plot, nice_step

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_an_empty_series_is_a_valid_svg_that_says_so():
    root = parse(
        line_plot(
            [],
            title="Pain scores",
            y_title="Pain (NRS 0-10)",
            empty_text="No pain scores recorded yet.",
        )
    )
    assert "No pain scores recorded yet." in texts(root)
    assert root.find(f"{SVG}polyline") is None
    assert root.find(f"{SVG}title").text == "Pain scores"


def test_one_point_is_drawn_with_axes_and_a_dot():
    root = parse(
        line_plot(
            [(date(2026, 3, 1), Decimal(6))],
            title="Pain scores",
            y_title="Pain (NRS 0-10)",
            y_max=Decimal(10),
        )
    )
    assert len(root.findall(f"{SVG}circle")) == 1
    assert "Pain (NRS 0-10)" in texts(root)
    assert "1 Mar 2026" in texts(root)
    assert {"0", "10"} <= set(texts(root))


def test_many_points_make_one_line_with_the_unit_in_the_axis_title():
    points = [
        (date(2026, 1, 1) + timedelta(days=d), Decimal(40) - Decimal("0.2") * d) for d in range(200)
    ]
    root = parse(line_plot(points, title="Reservoir", y_title="Reservoir volume (mL)"))
    [line] = root.findall(f"{SVG}polyline")
    assert len(line.get("points").split()) == 200
    assert "Reservoir volume (mL)" in texts(root)
    assert root.findall(f"{SVG}circle") == []  # too many dots would hide the line


def test_a_step_series_holds_each_value_until_the_next_one():
    points = [(date(2026, 1, 1), Decimal(2)), (date(2026, 2, 1), Decimal(3))]
    [line] = parse(line_plot(points, title="Dose", y_title="morphine (mg/day)", step=True)).findall(
        f"{SVG}polyline"
    )
    coords = [c.split(",") for c in line.get("points").split()]
    assert len(coords) == 3
    assert coords[1][0] == coords[2][0]  # the change is vertical, on its own date
    assert coords[0][1] == coords[1][1]  # the old value holds until then


def test_the_highest_value_is_nearer_the_top_than_the_lowest():
    points = [(date(2026, 1, 1), Decimal(1)), (date(2026, 1, 5), Decimal(9))]
    [line] = parse(line_plot(points, title="Pain", y_title="Pain")).findall(f"{SVG}polyline")
    (_, y_low), (_, y_high) = (c.split(",") for c in line.get("points").split())
    assert Decimal(y_high) < Decimal(y_low)


def test_markers_and_levels_are_drawn_and_labelled():
    points = [(date(2026, 1, 1), Decimal(40)), (date(2026, 3, 1), Decimal(28))]
    svg = line_plot(
        points,
        title="Reservoir",
        y_title="Reservoir volume (mL)",
        markers=[Marker(date(2026, 4, 1), "next refill due 1 Apr 2026")],
        levels=[Level(Decimal(2), "low-reservoir alarm 2 mL")],
    )
    labels = texts(parse(svg))
    assert "next refill due 1 Apr 2026" in labels
    assert "low-reservoir alarm 2 mL" in labels


def test_text_is_escaped_so_a_label_cannot_break_the_svg():
    root = parse(
        line_plot([(date(2026, 1, 1), Decimal(1))], title='<b>"A & B"</b>', y_title="x < y")
    )
    assert root.find(f"{SVG}title").text == '<b>"A & B"</b>'
    assert "x < y" in texts(root)


def test_equal_values_still_get_a_vertical_scale():
    root = parse(
        line_plot(
            [(date(2026, 1, 1), Decimal(0)), (date(2026, 1, 2), Decimal(0))],
            title="t",
            y_title="y",
            y_min=None,
        )
    )
    assert len([t for t in texts(root) if t.replace(".", "").isdigit()]) >= 2


@pytest.mark.parametrize(
    ("span", "step"),
    [
        (Decimal(10), Decimal(2)),
        (Decimal(40), Decimal(10)),
        (Decimal("0.3"), Decimal("0.1")),
        (Decimal(120), Decimal(50)),
    ],
)
def test_ticks_step_by_one_two_or_five_times_a_power_of_ten(span, step):
    assert nice_step(span) == step


def test_date_ticks_span_the_whole_range_without_repeats():
    ticks = date_ticks(date(2026, 1, 1), date(2026, 1, 3))
    assert ticks == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]
    many = date_ticks(date(2026, 1, 1), date(2026, 12, 31))
    assert (many[0], many[-1], len(many)) == (date(2026, 1, 1), date(2026, 12, 31), 5)
