"""Chart layout: titles wrapped inside the figure, room for the longest label, text kept as text."""
from __future__ import annotations

import re

import pytest

from praktijktest.results import charts

LONG_TITLE = ("Tests naar wie beter behandeld werd: kandidaten met een Belgische naam en kandidaten met een "
              "Maghrebijnse naam in de private huurmarkt van de regio")


def test_a_long_title_is_wrapped_within_the_figure_word_for_word():
    available = charts.WIDTH_IN * 72 - 2 * charts.EDGE_PT
    lines = charts._wrap(LONG_TITLE, available, charts.TITLE_SIZE)
    assert len(lines) >= 2
    assert " ".join(lines) == LONG_TITLE  # no word lost, none broken
    assert all(charts._text_width(line, charts.TITLE_SIZE) <= available for line in lines)
    # Greedy: the first word of each next line would not have fitted on the line before.
    for line, following in zip(lines, lines[1:], strict=False):
        assert charts._text_width(f"{line} {following.split()[0]}", charts.TITLE_SIZE) > available


def test_text_width_grows_with_the_text_and_the_size():
    one, two = charts._text_width("Brief A", 10), charts._text_width("Brief A Brief A", 10)
    assert 0 < one < two
    assert charts._text_width("Brief A", 20) == pytest.approx(2 * one, rel=0.02)


def test_the_svg_keeps_every_title_word_and_label_as_text():
    bars = [charts.Bar("Maghrebijnse naam beter behandeld", 60, "60 (6,0 %)"), charts.Bar("Beide positief", 200, "200")]
    svg = charts.bar_chart(LONG_TITLE, bars, axis_label="tests", percent=False)
    texts = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for word in LONG_TITLE.split() + ["Maghrebijnse", "behandeld", "60 (6,0 %)", "tests"]:
        assert word in texts


def test_the_axes_leave_room_for_the_longest_label():
    from matplotlib.figure import Figure

    label = "Een sjabloon met een uitzonderlijk lange naam"
    fig = Figure(figsize=(charts.WIDTH_IN, 2.0))
    charts._place(fig, ["Kort", label], "Titel")
    left_pt = fig.subplotpars.left * charts.WIDTH_IN * 72
    assert left_pt >= charts._text_width(label, charts.FONT_SIZE) + charts.LEFT_PAD_PT - 1e-9
    # A title of two lines makes the figure taller by one line, so the bars keep their height.
    fig2 = Figure(figsize=(charts.WIDTH_IN, 2.0))
    charts._place(fig2, ["Kort"], LONG_TITLE)
    assert fig2.get_figheight() * 72 == pytest.approx(2.0 * 72 + charts.TITLE_LINE_PT)


def test_counts_get_whole_ticks_and_few_of_them():
    bars = [charts.Bar("Beide positief", 1, "1 (100 %)"), charts.Bar("Geen van beide positief", 0, "0 (0 %)")]
    svg = charts.bar_chart("Tests", bars, axis_label="tests", percent=False)
    # The x axis runs to 1 * 1.35: whole numbers only (0 and 1), not "0.0", "0.5", "1.0" tests.
    ticks = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if re.fullmatch(r"[\d.,]+", t)]
    assert ticks == ["0", "1"]
