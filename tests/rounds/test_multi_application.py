"""Designs with more than one application per group in each test (e.g. 2 + 2)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.materials import add_profile, add_template
from praktijktest.rounds.preregistration import lock_problems
from praktijktest.rounds.services import update_round
from praktijktest.schedule.services import ScheduleSettings, generate_schedule
from tests.rounds.conftest import LETTER


def two_per_group(complete_round):
    """A complete paired round turned into a 2 + 2 design through the edit service."""
    round_ = complete_round(targets=4)
    update_round(round_, round_.version, grounds=_grounds(round_), positive_outcomes=round_.positive_outcomes,
                 applications_per_group=2)
    return round_


def _grounds(round_):
    from praktijktest.rounds.services import GroundSpec

    reference = next(g for g in round_.groups if g.is_reference)
    return [GroundSpec("origin", reference.label, [g.label for g in round_.groups if not g.is_reference])]


def test_two_per_group_needs_four_templates_and_two_candidates_per_group(complete_round):
    round_ = two_per_group(complete_round)
    assert round_.applications_per_test == 4
    problems = " ".join(lock_problems(round_))
    assert "at least 4 interchangeable templates (it has 2)" in problems
    assert "2 applications of each group" in problems and "Belgisch" in problems and "Marokkaans" in problems

    for name in ("C", "D"):
        add_template(round_, f"Versie {name}", "Sollicitatie {{ listing.title }}", LETTER)
    for group in round_.groups:
        add_profile(round_, group, f"Tweede {group.label}", email=f"tweede.{group.label.lower()}@example.test")
    assert lock_problems(round_) == []


def test_a_two_per_group_schedule_sends_four_distinct_candidates_per_test(complete_round):
    round_ = two_per_group(complete_round)
    for name in ("C", "D"):
        add_template(round_, f"Versie {name}", "Sollicitatie {{ listing.title }}", LETTER)
    for group in round_.groups:
        add_profile(round_, group, f"Tweede {group.label}", email=f"tweede.{group.label.lower()}@example.test")
    generate_schedule(round_, ScheduleSettings(start_date=date(2026, 12, 7), seed=7))
    tests = db.session.scalars(select(Test).where(Test.round_id == round_.id)).all()
    assert tests
    for test in tests:
        per_group = {}
        for application in test.applications:
            per_group.setdefault(application.group_id, set()).add(application.profile_id)
        assert sorted(len(p) for p in per_group.values()) == [2, 2]  # two distinct candidates per group
        assert len({a.template_id for a in test.applications}) == 4  # every application its own template
        assert sorted(a.send_order for a in test.applications) == [1, 2, 3, 4]
    total = db.session.scalar(select(func.count()).select_from(Application).join(Test)
                              .where(Test.round_id == round_.id))
    assert total == 4 * len(tests)
