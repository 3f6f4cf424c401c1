"""The stored round counts (kept by triggers) always equal a plain COUNT of the rows."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.models import Round, RoundTarget
from praktijktest.rounds.services import GroundSpec, create_round, round_counts
from praktijktest.targets.services import create_target


def _counted(db, round_id: int) -> dict[str, int]:
    """The same three numbers counted the slow way, independently of the triggers."""
    tests = db.session.scalar(select(func.count()).select_from(Test).where(Test.round_id == round_id))
    applications = db.session.scalar(
        select(func.count()).select_from(Application).join(Test).where(Test.round_id == round_id)
    )
    targets = db.session.scalar(select(func.count()).select_from(RoundTarget).where(RoundTarget.round_id == round_id))
    return {"targets": targets, "tests": tests, "applications": applications}


def _add_tests(db, round_, target, count: int, per_test: int = 4, prefix: str = "t") -> list[Test]:
    tests = []
    for number in range(count):
        test = Test(round=round_, target=target, external_id=f"{prefix}{number}")
        for index in range(per_test):
            test.applications.append(Application(group=round_.groups[index % 2], send_order=index + 1))
        tests.append(test)
    db.session.add_all(tests)
    db.session.flush()
    return tests


def _round(org, title: str) -> Round:
    return create_round(org, title, "labour", [GroundSpec("origin", "ref", ["other"])])


def test_counts_follow_inserts_and_every_kind_of_delete(db, org):
    first, second = _round(org, "Eerste"), _round(org, "Tweede")
    target = create_target(org.id, "Werkgever BV")
    db.session.add(RoundTarget(round_id=first.id, target_id=target.id))
    tests = _add_tests(db, first, target, 5)
    _add_tests(db, second, target, 3, per_test=2)
    assert round_counts([first.id, second.id]) == {first.id: _counted(db, first.id), second.id: _counted(db, second.id)}
    assert round_counts([first.id])[first.id] == {"targets": 1, "tests": 5, "applications": 20}

    db.session.delete(tests[0])  # the ORM deletes the applications first, then the test
    db.session.delete(tests[1].applications[0])
    db.session.flush()
    expected = {"targets": 1, "tests": 4, "applications": 15}
    assert round_counts([first.id])[first.id] == _counted(db, first.id) == expected

    # A bulk delete of the tests alone: the database cascades their applications away.
    db.session.execute(delete(Test).where(Test.round_id == first.id))
    assert round_counts([first.id])[first.id] == _counted(db, first.id) == {"targets": 1, "tests": 0, "applications": 0}
    assert round_counts([second.id])[second.id] == {"targets": 0, "tests": 3, "applications": 6}


def test_schedule_bulk_statements_are_counted(db, org):
    round_ = _round(org, "Ronde")
    target = create_target(org.id, "Werkgever BV")
    _add_tests(db, round_, target, 40, prefix="a")
    test_ids = select(Test.id).where(Test.round_id == round_.id)
    db.session.execute(delete(Application).where(Application.test_id.in_(test_ids)))
    assert round_counts([round_.id])[round_.id] == {"targets": 0, "tests": 40, "applications": 0}
    _add_tests(db, round_, target, 10, prefix="b")
    assert round_counts([round_.id])[round_.id] == _counted(db, round_.id) == {"targets": 0, "tests": 50,
                                                                               "applications": 40}


def test_rounds_without_rows_and_no_rounds(db, org):
    round_ = _round(org, "Leeg")
    assert round_counts([round_.id]) == {round_.id: {"targets": 0, "tests": 0, "applications": 0}}
    assert round_counts([]) == {}
