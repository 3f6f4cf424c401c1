"""The balance report counted by the database equals a count over every application in Python."""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from praktijktest.fieldwork.models import Application, Test
from praktijktest.schedule.balance import schedule_balance
from praktijktest.schedule.services import ScheduleSettings, generate_schedule


def _cells(table) -> Counter:
    return Counter({(group, level): n for group, row in table.rows for level, n in zip(table.check.levels, row,
                                                                                      strict=True) if n})


def test_grouped_counts_equal_a_count_of_every_application(db, planned_round):
    round_ = planned_round(targets=37, profiles=(2, 3), templates=3)  # 37 tests: not a whole design cycle
    generate_schedule(round_, ScheduleSettings(date(2026, 5, 13), seed=11))
    applications = db.session.scalars(select(Application).join(Test).where(Test.round_id == round_.id)).all()
    report = schedule_balance(round_)
    tables = {t.key: t for t in report.tables}
    assert (report.tests, report.applications) == (37, len(applications))
    assert _cells(tables["group_template"]) == Counter((a.group.label, a.template.name) for a in applications)
    assert _cells(tables["group_order"]) == Counter((a.group.label, str(a.send_order)) for a in applications)
    assert _cells(tables["profile_template"]) == Counter(
        (f"{a.profile.name} ({a.group.label})", a.template.name) for a in applications
    )
    assert report.max_imbalance > 0


def test_imported_rounds_get_no_balance_report(db, planned_round):
    round_ = planned_round(targets=4)
    generate_schedule(round_, ScheduleSettings(date(2026, 5, 13), seed=1))
    round_.source = "imported"
    assert schedule_balance(round_) is None
