"""Charts as SVG, drawn on the server with matplotlib (no JavaScript, no pyplot state).

Each chart is readable without colour: bars carry hatching and their value
as a direct label. Fonts are set (DejaVu Sans, shipped with matplotlib) and
text stays text (`svg.fonttype: none`), so screen readers and PDF text
extraction see the numbers. matplotlib is imported here only, when a chart
is drawn, so that the command line starts without it.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

HATCHES = ("", "//", "xx", "\\\\", "--", "++")  # line hatches: dot hatches make large files
GREYS = ("#3b4a5a", "#9aa5b1", "#d5dae0", "#6b7a89", "#c2c9d1", "#eef1f5")
FONT = "DejaVu Sans"
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
        "font.family": FONT, "font.size": 10, "svg.fonttype": "none", "svg.hashsalt": "praktijktest",
        "hatch.linewidth": 0.8, "axes.spines.top": False, "axes.spines.right": False,
    })
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height), layout="constrained")


def _svg(fig, title: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title, "Creator": "praktijktest"})
    return buffer.getvalue()


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
    for yi, b, v in zip(y, bars, values, strict=True):
        if b.low is not None and b.high is not None:
            ax.errorbar(v, yi, xerr=[[v - b.low * scale], [b.high * scale - v]], color="#1b1f24", capsize=4, lw=1.2)
        right = max(v, (b.high or 0) * scale)
        ax.text(right + top * 0.02, yi, b.text, va="center", fontsize=9.5)
    ax.set_yticks(y, [b.label for b in bars])
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontsize=11)
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
    ax.set_yticks(base, list(categories))
    ax.set_xlim(0, top * 1.9)
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontsize=11)
    return _svg(fig, title)
