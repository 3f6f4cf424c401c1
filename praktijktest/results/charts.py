"""Charts as SVG, drawn on the server with matplotlib (no JavaScript, no pyplot state).

Each chart is readable without colour: bars carry hatching and their value
as a direct label. Fonts are set (DejaVu Sans, shipped with matplotlib) and
text stays text (`svg.fonttype: none`), so screen readers and PDF text
extraction see the numbers. matplotlib is imported here only, when a chart
is drawn, so that the command line starts without it. The layout is set once
from the measured width of the labels and the title (wrapped to the figure,
never cut off), not by a layout engine that draws the figure several times.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

HATCHES = ("", "//", "xx", "\\\\", "--", "++")  # line hatches: dot hatches make large files
GREYS = ("#3b4a5a", "#9aa5b1", "#d5dae0", "#6b7a89", "#c2c9d1", "#eef1f5")
FONT = "DejaVu Sans"
FONT_SIZE = 10  # points: tick labels and axis labels
WIDTH_IN = 7.2


@dataclass(frozen=True)
class Bar:
    """One bar: label, value (fraction or count), optional interval, printed value."""

    label: str
    value: float
    text: str
    low: float | None = None
    high: float | None = None


def _figure(height: float):
    import matplotlib

    matplotlib.rcParams.update({
        "font.family": FONT, "font.size": FONT_SIZE, "svg.fonttype": "none", "svg.hashsalt": "praktijktest",
        "hatch.linewidth": 0.8, "axes.spines.top": False, "axes.spines.right": False,
    })
    from matplotlib.figure import Figure

    # No layout engine: constrained layout draws the figure several times to place the axes
    # (about half of a chart's cost); `_place` sets the margins once from the text's extents.
    return Figure(figsize=(WIDTH_IN, height))


# Margins in points around the axes, for what `_place` does not measure: tick marks and their
# padding (3.5 + 3.5 pt), the x tick labels and the axis label (10 pt each, with padding) below,
# the edge of the figure (EDGE_PT) and a gap under the title above.
LEFT_PAD_PT, RIGHT_PT, BOTTOM_PT, EDGE_PT, TITLE_GAP_PT = 14, 10, 40, 6, 8
TITLE_SIZE, TITLE_LINE_PT = 11, 14


def _text_width(text: str, size: float) -> float:
    """Width in points of `text` in the chart's font at `size` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    return text_to_path.get_text_width_height_descent(text, FontProperties(family=FONT, size=size), ismath=False)[0]


def _wrap(text: str, width_pt: float, size: float) -> list[str]:
    """`text` broken between words into lines at most `width_pt` wide (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width_pt:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _place(fig, labels: Sequence[str], title: str) -> None:
    """Margins from the text's own extents: the widest y label on the left, the title (wrapped to
    the figure's width, so that a long one is not cut off at the edge) on top."""
    width_pt = WIDTH_IN * 72
    widest = max((_text_width(str(label), FONT_SIZE) for label in labels), default=0.0)
    lines = _wrap(title, width_pt - 2 * EDGE_PT, TITLE_SIZE)
    fig.set_figheight(fig.get_figheight() + (len(lines) - 1) * TITLE_LINE_PT / 72)  # the bars keep their room
    height_pt = fig.get_figheight() * 72
    fig.text(EDGE_PT / width_pt, 1 - EDGE_PT / height_pt, "\n".join(lines), ha="left", va="top",
             fontsize=TITLE_SIZE, linespacing=TITLE_LINE_PT / TITLE_SIZE / 1.2)
    top_pt = EDGE_PT + len(lines) * TITLE_LINE_PT + TITLE_GAP_PT
    left = min((widest + LEFT_PAD_PT) / width_pt, 0.6)  # very long labels keep 40% for the bars
    fig.subplots_adjust(left=left, right=1 - RIGHT_PT / width_pt, bottom=BOTTOM_PT / height_pt,
                        top=1 - top_pt / height_pt)


def _svg(fig, title: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title, "Creator": "praktijktest"})
    return buffer.getvalue()


def _few_ticks(ax, integer: bool = False) -> None:
    """At most about five values on the x axis: every tick is a set of artists drawn and measured,
    the larger part of a chart's cost; the bars carry their exact values as labels anyway."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=integer))


def _category_labels(ax, positions: Sequence[float], labels: Sequence[str]) -> None:
    """The bars' names left of the axes as plain texts, where a tick would stand.

    A tick is a set of artists (two marks, two labels, a grid line) built and measured at every
    draw; the names as texts cost a tenth less per chart, and a bar needs no tick mark.
    """
    from matplotlib.transforms import offset_copy

    ax.set_yticks([])
    at_left_edge = offset_copy(ax.get_yaxis_transform(), fig=ax.figure, x=-LEFT_PAD_PT / 2, units="points")
    for position, label in zip(positions, labels, strict=True):
        ax.text(0, position, str(label), transform=at_left_edge, ha="right", va="center")


def bar_chart(title: str, bars: Sequence[Bar], *, axis_label: str, percent: bool = True) -> str:
    """Horizontal bars with 95% intervals where given and the value printed beside each bar."""
    fig = _figure(0.9 + 0.55 * max(len(bars), 1))
    ax = fig.subplots()
    y = list(range(len(bars)))[::-1]
    scale = 100 if percent else 1
    values = [b.value * scale for b in bars]
    ax.barh(y, values, color=[GREYS[i % len(GREYS)] for i in range(len(bars))],
            hatch=[HATCHES[i % len(HATCHES)] for i in range(len(bars))], edgecolor="#1b1f24", height=0.6)
    top = max([v for v in values] + [(b.high or 0) * scale for b in bars] + [1e-9])
    # The intervals of all bars as two artists (the lines, and their end caps as '|' markers of
    # 8 pt, what errorbar(capsize=4) draws) instead of one errorbar container with its own
    # lines and markers per bar.
    spans = [(yi, b.low * scale, b.high * scale) for yi, b in zip(y, bars, strict=True)
             if b.low is not None and b.high is not None]
    if spans:
        ys, lows, highs = zip(*spans, strict=True)
        ax.hlines(ys, lows, highs, color="#1b1f24", lw=1.2)
        ax.plot(lows + highs, ys + ys, linestyle="none", marker="|", markersize=8, markeredgewidth=1.2,
                color="#1b1f24")
    for yi, b, v in zip(y, bars, values, strict=True):
        right = max(v, (b.high or 0) * scale)
        ax.text(right + top * 0.02, yi, b.text, va="center", fontsize=9.5)
    _category_labels(ax, y, [b.label for b in bars])
    _place(fig, [b.label for b in bars], title)
    ax.set_xlim(0, top * 1.35)
    _few_ticks(ax, integer=not percent)  # counts of tests have no fractions
    ax.set_xlabel(axis_label)
    return _svg(fig, title)


def grouped_chart(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None],
                  Sequence[str]]], *, axis_label: str) -> str:
    """Rates of several groups per category (breakdown value or round), bars side by side, labelled."""
    n = max(len(series), 1)
    fig = _figure(1.0 + 0.32 * n * max(len(categories), 1) + 0.3)
    ax = fig.subplots()
    height = 0.8 / n
    base = list(range(len(categories)))[::-1]
    top = max([100 * v for _, vals, _ in series for v in vals if v is not None] + [1e-9])
    for i, (name, values, texts) in enumerate(series):
        ys = [b + (n - 1 - 2 * i) * height / 2 for b in base]
        shown = [100 * v if v is not None else 0 for v in values]
        ax.barh(ys, shown, height=height * 0.9, color=GREYS[i % len(GREYS)], hatch=HATCHES[i % len(HATCHES)],
                edgecolor="#1b1f24", label=name)
        for yy, v, t in zip(ys, shown, texts, strict=True):
            ax.text(v + top * 0.02, yy, f"{t} · {name}", va="center", fontsize=8.5)
    _category_labels(ax, base, list(categories))
    _place(fig, categories, title)
    ax.set_xlim(0, top * 1.9)
    _few_ticks(ax)
    ax.set_xlabel(axis_label)
    return _svg(fig, title)
