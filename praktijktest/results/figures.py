"""The charts of a result: each with a title, a text alternative, its numbers as a table, and its SVG.

The page shows each chart as an image served by its own route beside a table
of the same numbers; the round report embeds the same SVG.
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from flask_babel import get_locale
from flask_babel import gettext as _

from praktijktest.i18n import format_number, format_percent
from praktijktest.results import charts
from praktijktest.results.presenters import (
    TEST_COUNT_KEYS,
    breakdown_label,
    informative_breakdowns,
    interval,
    test_count_labels,
)

# Snapshots never change, so neither do their charts: drawn SVG is kept per
# (snapshot hash, chart, language, trend), at most CACHE_SIZE of them (~10 KiB each).
CACHE_SIZE = 256
_cache: OrderedDict[tuple, str] = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    draw: Callable[[], str]
    cache_key: tuple | None = None

    def svg(self) -> str:
        """The chart as SVG text, drawn once per snapshot and language."""
        if self.cache_key is None:
            return self.draw()
        with _lock:
            if self.cache_key in _cache:
                _cache.move_to_end(self.cache_key)
                return _cache[self.cache_key]
        svg = self.draw()
        with _lock:
            _cache[self.cache_key] = svg
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        return svg


def _alt(kind: str, items: list[str]) -> str:
    return f"{kind}: " + "; ".join(items) + "."


def rates_chart(result: dict) -> Chart | None:
    groups = [g for g in result.get("groups") or [] if g.get("rate") is not None]
    if not groups:
        return None
    title = _("Positive-response rate per group, with its interval (95%)")
    bars = [charts.Bar(g["group"], g["rate"], format_percent(g["rate"], 2), *(g.get("ci95") or (None, None)))
            for g in groups]
    rows = tuple((g["group"], format_number(g.get("applications")), format_number(g.get("positives")),
                  format_percent(g["rate"], 2), interval(g.get("ci95"))) for g in groups)
    return Chart("rates", title,
                 _alt(_("Bar chart of the positive-response rate per group"),
                      [f"{r[0]} {r[3]} ({_('interval (95%)')} {r[4]})" for r in rows]),
                 (_("Group"), _("Applications"), _("Positive"), _("Rate"), _("Interval (95%)")), rows,
                 lambda: charts.bar_chart(title, bars, axis_label=_("positive responses (%)")))


def tests_chart(result: dict, index: int, market: str) -> Chart | None:
    comps = result.get("comparisons") or []
    if index >= len(comps) or not isinstance(comps[index].get("test_counts"), dict):
        return None
    comp = comps[index]
    counts, total = comp["test_counts"], sum(int(v or 0) for v in comp["test_counts"].values()) or 1
    labels = test_count_labels(market, comp.get("reference") or result.get("reference_group"), comp.get("group"))
    keys = [k for k in TEST_COUNT_KEYS if k in counts] + [k for k in counts if k not in TEST_COUNT_KEYS]
    title = _("Tests by who was treated better: %(ref)s and %(group)s",
              ref=comp.get("reference") or result.get("reference_group"), group=comp.get("group"))
    rows = tuple((labels.get(k, k), format_number(counts[k]), format_percent((counts[k] or 0) / total, 1))
                 for k in keys)
    bars = [charts.Bar(r[0], float(counts[k] or 0), f"{r[1]} ({r[2]})") for k, r in zip(keys, rows, strict=True)]
    alt = _alt(_("Bar chart of the tests by outcome"), [f"{r[0]} {r[1]}" for r in rows])
    return Chart(f"tests-{index}", title, alt,
                 (_("Outcome of the test"), _("Tests"), _("Share")), rows,
                 lambda: charts.bar_chart(title, bars, axis_label=_("tests"), percent=False))


def breakdown_chart(result: dict, name: str) -> Chart | None:
    data = dict(informative_breakdowns(result)).get(name)
    if data is None:
        return None
    values = data.get("values") or []
    groups = [g.get("group") for g in (values[0].get("groups") or [])] if values else []
    title = _("Positive-response rate by %(attribute)s", attribute=breakdown_label(name).lower())
    series, rows = [], []
    for group in groups:
        rates = [next((g.get("rate") for g in v.get("groups") or [] if g.get("group") == group), None) for v in values]
        series.append((group, rates, [format_percent(r, 1) for r in rates]))
    for v in values:
        by_group = {g.get("group"): g for g in v.get("groups") or []}
        rows.append((str(v.get("value")), format_number(v.get("applications")),
                     *[format_percent((by_group.get(g) or {}).get("rate"), 1) for g in groups]))
    return Chart(f"breakdown-{name}", title,
                 _alt(_("Bar chart of the rate per group for each value"), [" ".join(r) for r in rows]),
                 (breakdown_label(name), _("Applications"), *groups), tuple(rows),
                 lambda: charts.grouped_chart(title, [r[0] for r in rows], series,
                                              axis_label=_("positive responses (%)")))


def trend_chart(trend: list[dict]) -> Chart | None:
    """The reference and compared groups' rates over the organisation's comparable rounds."""
    if len(trend) < 2:
        return None
    groups: list[str] = []
    for row in trend:
        for g in row["groups"]:
            if g["group"] not in groups:
                groups.append(g["group"])
    title = _("Trend: positive-response rate per round")
    series = []
    for group in groups:
        rates = [next((g["rate"] for g in row["groups"] if g["group"] == group), None) for row in trend]
        series.append((group, rates, [format_percent(r, 1) for r in rates]))
    rows = tuple((row["label"], *[format_percent(next((g["rate"] for g in row["groups"] if g["group"] == grp), None), 1)
                                  for grp in groups]) for row in trend)
    return Chart("trend", title, _alt(_("Bar chart of the rate per group for each round"), [" ".join(r) for r in rows]),
                 (_("Round"), *groups), rows,
                 lambda: charts.grouped_chart(title, [r[0] for r in rows], series,
                                              axis_label=_("positive responses (%)")))


def all_charts(result: dict, market: str, trend: list[dict] | None = None, snapshot_hash: str | None = None
               ) -> list[Chart]:
    """Every chart the result can give, in reading order; cached by `snapshot_hash` when given."""
    found = [rates_chart(result)]
    found += [tests_chart(result, i, market) for i in range(len(result.get("comparisons") or []))]
    found += [breakdown_chart(result, name) for name, _data in informative_breakdowns(result)]
    found.append(trend_chart(trend or []))
    charts = [c for c in found if c is not None]
    if snapshot_hash is None:
        return charts
    trend_key = tuple(row["snapshot"].sha256 for row in trend or [] if row.get("snapshot") is not None)
    return [dataclasses.replace(c, cache_key=(snapshot_hash, c.key, str(get_locale()), market,
                                              trend_key if c.key == "trend" else ())) for c in charts]


def chart_by_key(result: dict, market: str, key: str, trend: list[dict] | None = None,
                 snapshot_hash: str | None = None) -> Chart | None:
    return next((c for c in all_charts(result, market, trend, snapshot_hash) if c.key == key), None)
