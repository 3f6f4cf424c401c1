"""What fieldwork pages read: the tester's queue, a round's progress, the lists behind its numbers.

Each function sends a fixed number of statements, whatever the number of
applications (tests/fieldwork/test_query_counts.py holds them to it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import contains_eager, joinedload

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.fieldwork.clock import end_of_today, local_date, start_of_day
from praktijktest.fieldwork.models import Application, MysteryCall, Response, Test, TestStatus
from praktijktest.fieldwork.services import close_expired_windows
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import Round, RoundStatus, TestType
from praktijktest.timeutil import as_utc, utcnow

QUEUE_LIMIT = 50
STATES = ("planned", "awaiting", "answered", "no_response", "cancelled")
OPEN_ITEMS = ("unsent", "open_windows", "unverified", "open_declines")


@dataclass(frozen=True)
class QueueItem:
    application: Application
    deadline: datetime | None
    is_overdue: bool


@dataclass
class Queue:
    to_send: list[QueueItem] = field(default_factory=list)
    later: int = 0
    awaiting: list[QueueItem] = field(default_factory=list)
    declines: list[QueueItem] = field(default_factory=list)


def _with_calls(query):
    return query.outerjoin(MysteryCall, MysteryCall.application_id == Application.id)


def _queue_query():
    return (_with_calls(select(Application).join(Application.test).join(Test.round).outerjoin(Application.response))
            .options(contains_eager(Application.test).contains_eager(Test.round),
                     contains_eager(Application.response), joinedload(Application.profile))
            .where(Test.status != TestStatus.CANCELLED, Round.status == RoundStatus.FIELDWORK))


def tester_queue(tester: User, now: datetime | None = None) -> Queue:
    """The tester's work: sends due today or overdue, responses awaited, declines to send."""
    now = now or utcnow()
    today_ends = end_of_today(now)
    today_starts = start_of_day(local_date(now))
    mine = _queue_query().where(Test.tester_id == tester.id)
    queue = Queue()
    from praktijktest.followup.sequential import not_stopped_or_started as open_target

    due = mine.where(Application.sent_at.is_(None), Application.scheduled_at < today_ends, open_target())
    for app in db.session.scalars(due.order_by(Application.scheduled_at, Application.id).limit(QUEUE_LIMIT)):
        queue.to_send.append(QueueItem(app, app.scheduled_at, as_utc(app.scheduled_at) < today_starts))
    queue.later = db.session.scalar(
        select(func.count(Application.id)).join(Application.test).join(Test.round)
        .where(Test.tester_id == tester.id, Round.status == RoundStatus.FIELDWORK, Test.status != TestStatus.CANCELLED,
               Application.sent_at.is_(None), open_target(),
               (Application.scheduled_at >= today_ends) | Application.scheduled_at.is_(None))) or 0
    waiting = mine.where(Application.sent_at.is_not(None), Response.id.is_(None), MysteryCall.id.is_(None))
    for app in db.session.scalars(waiting.order_by(Application.sent_at).limit(QUEUE_LIMIT)):
        closes = as_utc(app.sent_at) + timedelta(days=app.test.round.response_window_days)
        queue.awaiting.append(QueueItem(app, closes, False))
    declines = mine.where(Response.decline_due_at.is_not(None), Response.decline_sent_at.is_(None))
    for app in db.session.scalars(declines.order_by(Response.decline_due_at).limit(QUEUE_LIMIT)):
        due_at = app.response.decline_due_at
        queue.declines.append(QueueItem(app, due_at, as_utc(due_at) < now))
    return queue


def _state():
    """Needs Response and MysteryCall outer-joined (`_with_calls`): a recorded call is an answered application."""
    return case((Test.status == TestStatus.CANCELLED, "cancelled"), (Application.sent_at.is_(None), "planned"),
                (MysteryCall.id.is_not(None), "answered"), (Response.id.is_(None), "awaiting"),
                (Response.outcome == "no_response", "no_response"), else_="answered")


FLAGS = ("verified", "overdue_sends", "overdue_declines", "unverified", "open_declines", "disagreement", "expired")


@dataclass
class Progress:
    totals: dict[str, int]
    by_tester: list[tuple[User | None, dict[str, int]]]
    by_municipality: list[tuple[Municipality | None, dict[str, int]]]
    open: dict[str, int]  # the open items of `open_items`, from the same scan


def _flags(now: datetime, today_starts: datetime, window_closed_before: datetime | None) -> dict:
    live = Test.status != TestStatus.CANCELLED
    # Sent, unanswered and past the response window: what `close_expired_windows` would close.
    expired = (Application.sent_at <= window_closed_before) if window_closed_before is not None else false()
    return {
        "verified": Response.verified_at.is_not(None),
        "overdue_sends": Application.sent_at.is_(None) & (Application.scheduled_at < today_starts) & live,
        "overdue_declines": (Response.decline_due_at < now) & Response.decline_sent_at.is_(None),
        "unverified": Response.id.is_not(None) & (Response.outcome != "no_response") & Response.verified_at.is_(None)
        & live,
        "open_declines": Response.decline_due_at.is_not(None) & Response.decline_sent_at.is_(None) & live,
        "disagreement": _disagreement(),
        "expired": expired & Application.sent_at.is_not(None) & Response.id.is_(None) & MysteryCall.id.is_(None)
        & live,
    }


def _scan(round_: Round, now: datetime) -> list[tuple]:
    """One pass over the round's applications: (tester, municipality, state, n, flag sums...).

    The state is computed in a subquery and grouped outside it: PostgreSQL does not
    accept a CASE with bound parameters in both the select list and GROUP BY.
    """
    # Mystery calls have no response window (as in `close_expired_windows`).
    window = (None if round_.test_type == TestType.MYSTERY_CALL
              else now - timedelta(days=round_.response_window_days))
    flags = _flags(now, start_of_day(local_date(now)), window)
    rows = (select(Test.tester_id.label("tester"), Test.municipality_id.label("place"), _state().label("state"),
                   *(case((condition, 1), else_=0).label(name) for name, condition in flags.items()))
            .select_from(Application).join(Application.test).outerjoin(Application.response)
            .outerjoin(MysteryCall, MysteryCall.application_id == Application.id)
            .where(Test.round_id == round_.id).subquery())
    return db.session.execute(
        select(rows.c.tester, rows.c.place, rows.c.state, func.count(), *(func.sum(rows.c[name]) for name in flags))
        .group_by(rows.c.tester, rows.c.place, rows.c.state)).all()


def round_progress(round_: Round, now: datetime | None = None) -> Progress:
    """Applications of the round by state, overall, per tester and per municipality, with the open items.

    Expired response windows are closed first, as everywhere responses are read; the
    scan itself tells whether any window expired, so that the usual view (none did)
    costs one pass over the round's applications instead of two.
    """
    now = now or utcnow()
    rows = _scan(round_, now)
    if any(row[-1] for row in rows):  # the "expired" sum, the last flag
        close_expired_windows([round_.id], now=now)
        rows = _scan(round_, now)
    blank = lambda: dict.fromkeys((*STATES, *FLAGS), 0)  # noqa: E731
    totals, by_tester, by_place = blank(), {}, {}
    for tester, place, state, n, *sums in rows:
        for row in (totals, by_tester.setdefault(tester, blank()), by_place.setdefault(place, blank())):
            row[state] += n
            for name, value in zip(FLAGS, sums, strict=True):
                row[name] += int(value or 0)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([k for k in by_tester if k])))}
    places = {m.id: m for m in db.session.scalars(
        select(Municipality).where(Municipality.id.in_([k for k in by_place if k])))}
    open_ = {"unsent": totals["planned"], "open_windows": totals["awaiting"], "unverified": totals["unverified"],
             "open_declines": totals["open_declines"]}
    return Progress(
        totals,
        sorted(((users.get(k), v) for k, v in by_tester.items()), key=lambda p: p[0].name if p[0] else ""),
        sorted(((places.get(k), v) for k, v in by_place.items()), key=lambda p: p[0].name if p[0] else ""),
        open_,
    )


def open_items(round_: Round, now: datetime | None = None) -> dict[str, int]:
    """What is still open before fieldwork can close, as counts (OPEN_ITEMS): the progress page's figures."""
    return round_progress(round_, now).open


LIST_FILTERS = {
    **{state: lambda s=state: _state() == s for state in STATES},
    "verified": lambda: Response.verified_at.is_not(None),
    "unverified": lambda: (Response.id.is_not(None) & (Response.outcome != "no_response")
                           & Response.verified_at.is_(None)),
    "open_declines": lambda: Response.decline_due_at.is_not(None) & Response.decline_sent_at.is_(None),
    "disagreement": lambda: _disagreement(),
}


def _disagreement():
    return (Response.second_outcome.is_not(None) & (Response.second_outcome != Response.outcome)
            & Response.verified_at.is_(None))


def disagreement_count(round_: Round) -> int:
    """Responses whose second entry differs from the first and that no coordinator has resolved."""
    return db.session.scalar(select(func.count(Response.id)).join(Response.application).join(Application.test)
                             .where(Test.round_id == round_.id, _disagreement())) or 0


def application_list(round_: Round, state: str | None, *, tester_id=None, municipality_id=None,
                     overdue: str | None = None, page: int = 1, per_page: int = 50, now=None):
    """(applications, total) of a round behind one number of the progress page."""
    now = now or utcnow()
    query = (_with_calls(select(Application).join(Application.test).outerjoin(Application.response))
             .where(Test.round_id == round_.id)
             .options(contains_eager(Application.test).joinedload(Test.tester), contains_eager(Application.response),
                      joinedload(Application.profile), joinedload(Application.group)))
    if state in LIST_FILTERS:
        query = query.where(LIST_FILTERS[state]())
    if overdue == "sends":
        query = query.where(Application.sent_at.is_(None), Test.status != TestStatus.CANCELLED,
                            Application.scheduled_at < start_of_day(local_date(now)))
    elif overdue == "declines":
        query = query.where(Response.decline_due_at < now, Response.decline_sent_at.is_(None))
    if tester_id == 0:
        query = query.where(Test.tester_id.is_(None))
    elif tester_id:
        query = query.where(Test.tester_id == tester_id)
    if municipality_id == 0:
        query = query.where(Test.municipality_id.is_(None))
    elif municipality_id:
        query = query.where(Test.municipality_id == municipality_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.order_by(Test.external_id, Application.send_order, Application.id)
                              .limit(per_page).offset((page - 1) * per_page)).unique().all()
    return list(rows), total


def cancelled_tests(round_: Round) -> list[Test]:
    """The round's cancelled tests with their reasons: analysis leaves them out and names them."""
    return list(db.session.scalars(select(Test).where(Test.round_id == round_.id,
                                                      Test.status == TestStatus.CANCELLED).order_by(Test.external_id)))


def verified_only():
    """The condition for 'only verified responses' (a response a coordinator confirmed)."""
    return Response.verified_at.is_not(None)


@dataclass(frozen=True)
class PageInfo:
    """What the `pager` macro reads, for lists paged by hand."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_info(page: int, total: int, per_page: int) -> PageInfo:
    return PageInfo(page, max((total + per_page - 1) // per_page, 1))
