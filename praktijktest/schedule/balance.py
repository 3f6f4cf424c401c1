"""Balance report of a round's schedule: group x template, group x send order, profile x template.

The counts and the chi-square test of independence come from the
statistics engine (analysis.balance.balance_check), so that the schedule
page and the round analysis use one and the same check. Here the database
counts the applications per combination and we add the largest imbalance:
within each row of a table the counts should be equal, so the spread
max - min of a row is 0 when the design is exactly balanced.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from analysis.balance import balance_check
from analysis.result import BalanceCheck
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.models import Profile, Round, RoundGroup, Template


@dataclass(frozen=True)
class BalanceTable:
    """One cross-table of the report, with its chi-square test and largest row spread."""

    key: str
    title: object  # a lazy string
    row_heading: object
    column_heading: object
    check: BalanceCheck

    @property
    def max_imbalance(self) -> int:
        """Largest difference between two cells of one row (0 = exactly balanced)."""
        return max((max(row) - min(row) for row in self.check.counts if row), default=0)

    @property
    def rows(self) -> list[tuple[str, tuple[int, ...]]]:
        return list(zip(self.check.groups, self.check.counts, strict=True))


@dataclass(frozen=True)
class BalanceReport:
    tests: int
    applications: int
    tables: tuple[BalanceTable, ...]

    @property
    def max_imbalance(self) -> int:
        return max((t.max_imbalance for t in self.tables), default=0)

    def first_counts(self) -> dict[str, int]:
        """How often each group was sent first."""
        table = next(t for t in self.tables if t.key == "group_order")
        column = table.check.levels.index("1") if "1" in table.check.levels else None
        return {g: (row[column] if column is not None else 0) for g, row in table.rows}


def _cell_counts(round_id: int) -> list:
    """(group, profile, template, send order, applications): one row per combination, counted by the database.

    Grouped by ids on the application rows alone; the few names are looked up afterwards.
    """
    cells = db.session.execute(
        select(Application.group_id, Application.profile_id, Application.template_id, Application.send_order,
               func.count())
        .join(Test, Application.test_id == Test.id).where(Test.round_id == round_id)
        .group_by(Application.group_id, Application.profile_id, Application.template_id, Application.send_order)
    ).all()
    names = [
        dict(db.session.execute(select(model.id, column).where(model.round_id == round_id)).all())
        for model, column in ((RoundGroup, RoundGroup.label), (Profile, Profile.name), (Template, Template.name))
    ]
    groups, profiles, templates = names
    return [(groups.get(g), profiles.get(p), templates.get(t), order, n) for g, p, t, order, n in cells]


def _labels(values, weights: np.ndarray) -> np.ndarray:
    """One label per application, from one label per counted combination."""
    return np.repeat(np.array(["" if v is None else str(v) for v in values], dtype=str), weights)


def schedule_balance(round_: Round) -> BalanceReport | None:
    """The balance report of a planned round's schedule; None for imported rounds and empty schedules.

    The database counts the applications per combination (a few dozen rows
    for any round size); the statistics engine gets them back as labels.
    """
    if round_.source != "planned":
        return None  # an imported round has no schedule of ours to check
    cells = _cell_counts(round_.id)
    if not cells:
        return None
    groups, profiles, templates, orders, counts = zip(*cells, strict=True)
    weights = np.array(counts, dtype=int)
    group_of = dict(zip(profiles, groups, strict=True))
    profile_labels = [f"{p} ({group_of[p]})" if p is not None else None for p in profiles]
    groups_a, templates_a = _labels(groups, weights), _labels(templates, weights)
    tables = (
        BalanceTable("group_template", _l("Group × template"), _l("Group"), _l("Template"),
                     balance_check("template", templates_a, groups_a)),
        BalanceTable("group_order", _l("Group × send order"), _l("Group"), _l("Send order (1 = first)"),
                     balance_check("send_order", _labels(orders, weights), groups_a)),
        BalanceTable("profile_template", _l("Profile × template"), _l("Profile"), _l("Template"),
                     balance_check("template", templates_a, _labels(profile_labels, weights))),
    )
    tests = db.session.scalar(select(Round.test_count).where(Round.id == round_.id))
    return BalanceReport(tests=tests, applications=int(weights.sum()), tables=tables)


def format_table(table: BalanceTable) -> str:
    """A plain-text rendering for logs, test output and the closing note."""
    width = max(len(str(table.row_heading)), *(len(g) for g in table.check.groups)) + 2
    head = f"{str(table.row_heading):<{width}}" + "".join(f"{lv:>12}" for lv in table.check.levels)
    lines = [f"{table.title} ({table.column_heading})", head]
    lines += [f"{g:<{width}}" + "".join(f"{c:>12}" for c in row) for g, row in table.rows]
    chi = "-" if table.check.chi2 is None else f"{table.check.chi2:.3f}"
    p = "-" if table.check.p_value is None else f"{table.check.p_value:.3f}"
    lines.append(f"chi-square {chi}, df {table.check.df}, p {p}; largest difference within a row: "
                 f"{table.max_imbalance}")
    return "\n".join(lines)
