"""Generating a schedule: counterbalance, reproducibility, working days, testers, refusals."""
from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.rounds.services import change_status
from praktijktest.schedule.balance import format_table, schedule_balance
from praktijktest.schedule.calendar import is_working_day, working_days_between
from praktijktest.schedule.services import ScheduleError, ScheduleSettings, generate_schedule

START = date(2026, 5, 13)  # a Wednesday before Ascension, so holidays fall in the schedule


def round_tests(db, round_):
    return db.session.scalars(select(Test).where(Test.round_id == round_.id).order_by(Test.external_id)).all()


def snapshot(db, round_):
    """The whole schedule in plain values (listing, tester, each application)."""
    return [
        (t.external_id, t.target_id, t.listing_id, t.tester_id,
         [(a.group.label, a.profile.name, a.template.name, a.send_order, a.scheduled_at) for a in t.applications])
        for t in round_tests(db, round_)
    ]


def test_200_tests_are_exactly_counterbalanced(db, planned_round):
    round_ = planned_round(targets=100, listings=2, profiles=(2, 2), templates=2)
    result = generate_schedule(round_, ScheduleSettings(START, seed=20261126))
    assert (result.tests, result.applications, result.cycle) == (200, 400, 8)
    report = schedule_balance(round_)
    print(f"\nBalance of a generated schedule: {report.tests} tests, {report.applications} applications, "
          f"seed {result.seed}")
    for table in report.tables:
        print("\n" + format_table(table))
    tables = {t.key: t for t in report.tables}
    assert all(c == 100 for row in tables["group_template"].check.counts for c in row)
    assert all(c == 50 for row in tables["profile_template"].check.counts for c in row)
    assert len(tables["profile_template"].check.groups) == 4
    assert report.first_counts() == {"Belgische naam": 100, "Maghrebijnse naam": 100}
    assert report.max_imbalance == 0
    assert all(t.check.p_value == pytest.approx(1.0) for t in report.tables)


def test_same_seed_same_schedule_other_seed_other_schedule(db, planned_round):
    round_ = planned_round(targets=30, profiles=(2, 1), templates=3)
    settings = ScheduleSettings(START, lag_min=1, lag_max=3, seed=42)
    generate_schedule(round_, settings)
    first = snapshot(db, round_)
    generate_schedule(round_, settings)
    assert snapshot(db, round_) == first
    assert round_.schedule_seed == 42
    generate_schedule(round_, ScheduleSettings(START, seed=43))
    assert snapshot(db, round_) != first
    assert len(round_tests(db, round_)) == 30  # replaced, not added


def test_seed_drawn_when_not_given_and_settings_stored(db, planned_round):
    round_ = planned_round(targets=4)
    result = generate_schedule(round_, ScheduleSettings(START, lag_min=2, lag_max=2, tests_per_day=3))
    assert round_.schedule_seed == result.seed and 0 <= result.seed < 2**31
    stored = round_.planning["schedule"]
    assert stored["seed"] == result.seed and stored["start_date"] == "2026-05-13"
    assert (stored["lag_min"], stored["lag_max"], stored["tests_per_day"], stored["tests"]) == (2, 2, 3, 4)


def test_sends_are_spaced_by_working_days_only(db, planned_round):
    round_ = planned_round(targets=40)
    generate_schedule(round_, ScheduleSettings(START, lag_min=1, lag_max=3, tests_per_day=4, seed=5))
    brussels = ZoneInfo("Europe/Brussels")
    lags = Counter()
    for test in round_tests(db, round_):
        apps = sorted(test.applications, key=lambda a: a.send_order)
        days = [a.scheduled_at.astimezone(brussels) for a in apps]
        assert all(d.hour == 9 and is_working_day(d.date()) for d in days)
        lag = working_days_between(days[0].date(), days[1].date())
        assert 1 <= lag <= 3
        lags[lag] += 1
    assert set(lags) == {1, 2, 3}  # the lag is drawn, not fixed
    starts = Counter(min(a.scheduled_at for a in t.applications).date() for t in round_tests(db, round_))
    assert max(starts.values()) == 4  # tests_per_day
    assert date(2026, 5, 14) not in starts  # Ascension


def test_testers_get_tests_evenly(db, planned_round):
    round_ = planned_round(targets=23, testers=4)
    generate_schedule(round_, ScheduleSettings(START, seed=1))
    counts = Counter(t.tester_id for t in round_tests(db, round_))
    assert len(counts) == 4 and None not in counts
    assert max(counts.values()) - min(counts.values()) <= 1


def test_target_without_listing_gets_one_test_without_listing(db, planned_round):
    round_ = planned_round(targets=3, listings=0)
    result = generate_schedule(round_, ScheduleSettings(START, seed=1))
    assert result.tests == 3 and len(result.targets_without_listing) == 3
    assert all(t.listing_id is None for t in round_tests(db, round_))


def test_no_testers_leaves_tests_unassigned(db, planned_round):
    round_ = planned_round(targets=2, testers=0)
    result = generate_schedule(round_, ScheduleSettings(START, seed=1))
    assert result.testers == 0 and all(t.tester_id is None for t in round_tests(db, round_))


def test_generation_is_audited(db, planned_round):
    round_ = planned_round(targets=2)
    generate_schedule(round_, ScheduleSettings(START, seed=9))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule.generate")).one()
    assert event.changes == {"schedule_seed": [None, 9]} and "Werkgever" not in event.summary


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"templates": 1}, "at least 2 templates"),
        ({"profiles": (1, 0)}, "add profiles for: Maghrebijnse naam"),
        ({"targets": 0}, "draw a sample first"),
    ],
)
def test_refuses_incomplete_rounds_without_writing(db, planned_round, kwargs, message):
    round_ = planned_round(**kwargs)
    with pytest.raises(ScheduleError, match=message):
        generate_schedule(round_, ScheduleSettings(START, seed=1))
    assert round_tests(db, round_) == [] and round_.schedule_seed is None


@pytest.mark.parametrize(
    "settings",
    [
        ScheduleSettings(START, lag_min=0),
        ScheduleSettings(START, lag_min=3, lag_max=2),
        ScheduleSettings(START, seed=2**31),
        ScheduleSettings(START, tests_per_day=0),
    ],
)
def test_refuses_bad_settings(db, planned_round, settings):
    round_ = planned_round(targets=2)
    with pytest.raises(ScheduleError):
        generate_schedule(round_, settings)


def test_ready_round_can_be_rescheduled_fieldwork_cannot(db, planned_round):
    round_ = planned_round(targets=2)
    round_.transition_to("ready")  # locking itself is tested with the rounds
    generate_schedule(round_, ScheduleSettings(START, seed=1))
    change_status(round_, "fieldwork")
    with pytest.raises(ScheduleError, match="fieldwork"):
        generate_schedule(round_, ScheduleSettings(START, seed=2))
    assert round_.schedule_seed == 1


def test_refuses_when_an_application_was_answered(db, planned_round):
    round_ = planned_round(targets=2)
    generate_schedule(round_, ScheduleSettings(START, seed=1))
    application = db.session.scalars(select(Application)).first()
    db.session.add(Response(application=application, outcome="rejection"))
    db.session.flush()
    with pytest.raises(ScheduleError, match="already sent or answered"):
        generate_schedule(round_, ScheduleSettings(START, seed=2))


def test_stale_version_is_refused(db, planned_round):
    round_ = planned_round(targets=2)
    with pytest.raises(ScheduleError, match="Someone else"):
        generate_schedule(round_, ScheduleSettings(START, seed=1), expected_version=round_.version - 1)


def test_listing_used_in_another_round_is_not_tested_again(db, planned_round, org):
    first = planned_round(targets=2, listings=1)
    generate_schedule(first, ScheduleSettings(START, seed=1))
    from praktijktest.rounds.models import RoundTarget

    second = planned_round(targets=0)
    for test in round_tests(db, first):
        db.session.add(RoundTarget(round_id=second.id, target_id=test.target_id))
    db.session.flush()
    result = generate_schedule(second, ScheduleSettings(START, seed=1))
    assert result.tests == 2 and len(result.targets_without_listing) == 2


def test_several_applications_per_group(db, planned_round):
    round_ = planned_round(targets=48, profiles=(2, 3), templates=4)
    round_.planning = {**round_.planning, "applications_per_group": 2}
    result = generate_schedule(round_, ScheduleSettings(START, seed=3))
    assert (result.tests, result.applications) == (48, 192)
    for test in round_tests(db, round_):
        assert len({a.template_id for a in test.applications}) == 4
        assert len({a.profile_id for a in test.applications}) == 4
    report = schedule_balance(round_)
    assert report.max_imbalance <= 2  # 48 is not a multiple of the cycle (4 x 4 x 6 = 96)
    round_.planning = {**round_.planning, "applications_per_group": 3}
    with pytest.raises(ScheduleError, match="at least 6 templates"):
        generate_schedule(round_, ScheduleSettings(START, seed=3))
