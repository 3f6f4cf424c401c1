"""Generate a round's randomised, counterbalanced schedule of tests and applications.

Decisions (see also docs/schedule.md):
- One test per listing of each sampled target. A listing already used in a
  test of another round is not tested again. A sampled target without an
  unused listing still gets ONE test, without a listing: the tester finds
  and records a current vacancy or ad at fieldwork. The page warns about
  these tests; nothing fictitious is written into the target registry.
- Every group of every ground applies in every test, with the round's
  `applications_per_group` applications each (part of the locked protocol).
- The schedule can be generated while the round is a draft or ready
  (before fieldwork); generating again replaces it, audited. Once fieldwork
  has started it is fixed.
- Tests go to the organisation's active testers round-robin over a
  shuffled order, so their counts differ by at most one. Without testers
  the tests stay unassigned, with a warning.
- Refusals are ScheduleError with a translated message; nothing is written
  before every check has passed.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from praktijktest.accounts.models import Role, User
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.rounds.models import Profile, Round, RoundStatus, RoundTarget, Template
from praktijktest.schedule.calendar import add_working_days, next_working_day
from praktijktest.schedule.design import Design, DesignError
from praktijktest.targets.models import Listing, Target
from praktijktest.timeutil import utcnow

SCHEDULABLE = (RoundStatus.DRAFT, RoundStatus.READY)
SEED_LIMIT = 2**31  # round.schedule_seed is a 32-bit integer column
SEND_TIME = time(9, 0)  # applications are planned for 09:00 Brussels time
BRUSSELS = ZoneInfo("Europe/Brussels")


class ScheduleError(ValueError):
    """The schedule cannot be generated as asked, with the reason."""


@dataclass(frozen=True)
class ScheduleSettings:
    """What the coordinator chooses; stored in round.planning["schedule"]."""

    start_date: date
    lag_min: int = 1
    lag_max: int = 3
    tests_per_day: int = 10
    seed: int | None = None

    def check(self) -> None:
        """Refuse settings outside the ranges the form offers."""
        if not 1 <= self.lag_min <= self.lag_max <= 20:
            raise ScheduleError(_("The lag between sends is 1 to 20 working days, the minimum at most the maximum."))
        if not 1 <= self.tests_per_day <= 500:
            raise ScheduleError(_("Start 1 to 500 tests per working day."))
        if self.seed is not None and not 0 <= self.seed < SEED_LIMIT:
            raise ScheduleError(_("The seed must be a whole number from 0 to %(max)s.", max=SEED_LIMIT - 1))


@dataclass
class ScheduleResult:
    """What was generated: counts, and what the page warns about (codes only, no identities)."""

    seed: int
    tests: int
    applications: int
    cycle: int
    targets_without_listing: list[str] = field(default_factory=list)
    testers: int = 0


@dataclass(frozen=True)
class _Unit:
    target: Target
    listing: Listing | None


def can_schedule(round_: Round) -> bool:
    return round_.status in SCHEDULABLE


def generate_schedule(
    round_: Round, settings: ScheduleSettings, *, expected_version: int | None = None
) -> ScheduleResult:
    """Replace the round's tests by a new randomised, counterbalanced schedule (audited)."""
    _check_round(round_, expected_version)
    settings.check()
    groups = round_.groups
    profiles = {g.id: _rows(Profile, round_.id, Profile.group_id == g.id) for g in groups}
    templates = _rows(Template, round_.id)
    design = _design(groups, profiles, templates, round_.applications_per_group)
    units, without_listing = _units(round_)
    testers = _testers(round_.organisation_id)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(SEED_LIMIT)
    rng = random.Random(seed)
    _delete_tests(round_)
    tests, applications = _build_tests(round_, units, design, settings, rng, testers, groups, profiles, templates)
    _insert(round_, tests, applications)
    result = ScheduleResult(seed, len(tests), len(applications), design.cycle, without_listing, len(testers))
    _store(round_, settings, result)
    return result


def _design(groups, profiles, templates, per_group: int) -> Design:
    """The design, after checking in plain words that profiles and templates suffice."""
    slots = len(groups) * per_group
    if len(templates) < slots:
        raise ScheduleError(_(
            "A test has %(slots)s applications, so the round needs at least %(slots)s templates (it has %(have)s).",
            slots=slots, have=len(templates)))
    short = [g.label for g in groups if len(profiles[g.id]) < per_group]
    if short:
        raise ScheduleError(_("Each group needs at least %(n)s profile(s); add profiles for: %(groups)s.",
                              n=per_group, groups=", ".join(short)))
    try:
        return Design(tuple(len(profiles[g.id]) for g in groups), len(templates), per_group)
    except DesignError as error:  # the checks above should have caught it
        raise ScheduleError(str(error)) from None


def _check_round(round_: Round, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != round_.version:
        raise ScheduleError(_("Someone else changed this round in the meantime; reload the page and try again."))
    if not can_schedule(round_):
        raise ScheduleError(_("The schedule is fixed once fieldwork has started; it can no longer be generated."))
    if len(round_.groups) < 2:
        raise ScheduleError(_("The round needs a reference group and at least one other group."))
    started = db.session.scalar(
        select(func.count(Application.id))
        .join(Test)
        .outerjoin(Response)
        .where(Test.round_id == round_.id, (Application.sent_at.is_not(None)) | (Response.id.is_not(None)))
    )
    if started:
        raise ScheduleError(_("Applications of this round were already sent or answered; the schedule stays."))


def _rows(model, round_id: int, *criteria) -> list:
    return list(db.session.scalars(select(model).where(model.round_id == round_id, *criteria).order_by(model.id)))


def _units(round_: Round) -> tuple[list[_Unit], list[str]]:
    """One unit per unused listing of each sampled target; a target without one gets one unit."""
    targets = db.session.scalars(
        select(Target).join(RoundTarget, RoundTarget.target_id == Target.id)
        .where(RoundTarget.round_id == round_.id).order_by(Target.id).options(selectinload(Target.listings))
    ).all()
    if not targets:
        raise ScheduleError(_("The round has no sampled targets yet: draw a sample first."))
    used = set(db.session.scalars(
        select(Test.listing_id).where(Test.round_id != round_.id, Test.listing_id.is_not(None))
    ))
    units, without = [], []
    for target in targets:
        listings = [listing for listing in target.listings if listing.id not in used]
        units += [_Unit(target, listing) for listing in listings] or [_Unit(target, None)]
        if not listings:
            without.append(target.code)
    return units, without


def _testers(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.role == Role.TESTER, User.is_active)
        .order_by(User.id)
    ))


def _delete_tests(round_: Round) -> None:
    test_ids = select(Test.id).where(Test.round_id == round_.id)
    db.session.execute(delete(Application).where(Application.test_id.in_(test_ids)))
    db.session.execute(delete(Test).where(Test.round_id == round_.id))


def _build_tests(round_, units, design, settings, rng, testers, groups, profiles, templates) -> tuple[list, list]:
    """Rows of tests (in start order) and of their applications: design rows to units at random,
    start days and testers in turn."""
    rows = design.randomised_rows(len(units), rng)
    start_order = rng.sample(range(len(units)), len(units))
    testers = rng.sample(testers, len(testers))
    first_day = next_working_day(settings.start_date)
    now = utcnow()
    tests, applications = [], []
    for position, index in enumerate(start_order):
        unit, row = units[index], rows[index]
        external_id = f"T-{position + 1:04d}"
        tests.append({
            "round_id": round_.id, "target_id": unit.target.id, "external_id": external_id,
            "listing_id": unit.listing.id if unit.listing else None, "status": TestStatus.PLANNED,
            "tester_id": testers[position % len(testers)].id if testers else None,
            "municipality_id": unit.target.municipality_id, "attributes": {}, "created_at": now,
        })
        day = add_working_days(first_day, position // settings.tests_per_day)
        for planned in sorted(row, key=lambda app: app.send_order):
            if planned.send_order > 1:
                day = add_working_days(day, rng.randint(settings.lag_min, settings.lag_max))
            group = groups[planned.group]
            profile, template = profiles[group.id][planned.profile], templates[planned.template]
            applications.append({
                "external_id": external_id, "group_id": group.id, "profile_id": profile.id,
                "template_id": template.id, "profile_label": profile.name, "template_label": template.name,
                "send_order": planned.send_order, "scheduled_at": _at_nine(day), "attributes": {},
            })
    return tests, applications


def _insert(round_: Round, tests: list[dict], applications: list[dict]) -> None:
    """Bulk inserts (executemany): a web request can schedule thousands of tests in well under a second.

    The test ids are read back by external_id (unique per round) rather than
    with RETURNING, which would send one statement per row on SQLite.
    """
    if not tests:
        return
    db.session.execute(insert(Test), tests)
    ids = dict(db.session.execute(select(Test.external_id, Test.id).where(Test.round_id == round_.id)).all())
    for app in applications:
        app["test_id"] = ids[app.pop("external_id")]
    db.session.execute(insert(Application), applications)


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, SEND_TIME, tzinfo=BRUSSELS).astimezone(UTC)


def _store(round_: Round, settings: ScheduleSettings, result: ScheduleResult) -> None:
    old_seed = round_.schedule_seed
    stored = {**asdict(settings), "start_date": settings.start_date.isoformat(), "seed": result.seed,
              "applications_per_group": round_.applications_per_group}
    stored |= {"tests": result.tests, "applications": result.applications, "cycle": result.cycle,
               "targets_without_listing": result.targets_without_listing, "testers": result.testers,
               "generated_at": utcnow().isoformat()}
    round_.schedule_seed = result.seed
    # A new dict, so that the JSON column is seen as changed.
    round_.planning = {**(round_.planning or {}), "schedule": stored}
    db.session.flush()
    record(
        "schedule.generate",
        round_,
        summary=f"{result.tests} tests, {result.applications} applications, seed {result.seed}",
        changes={"schedule_seed": [old_seed, result.seed]},
        organisation_id=round_.organisation_id,
    )


def remove_schedule(round_: Round, *, expected_version: int | None = None) -> int:
    """Delete the round's tests (before fieldwork, nothing sent), e.g. to draw a new sample; audited."""
    _check_round(round_, expected_version)
    count = db.session.scalar(select(func.count(Test.id)).where(Test.round_id == round_.id)) or 0
    if not count:
        raise ScheduleError(_("The round has no schedule to remove."))
    _delete_tests(round_)
    old_seed = round_.schedule_seed
    round_.schedule_seed = None
    round_.planning = {key: value for key, value in (round_.planning or {}).items() if key != "schedule"}
    db.session.flush()
    record("schedule.remove", round_, summary=f"{count} tests removed",
           changes={"schedule_seed": [old_seed, None]}, organisation_id=round_.organisation_id)
    return count
