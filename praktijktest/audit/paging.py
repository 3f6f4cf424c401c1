"""Keyset pagination of the audit log: a page costs the same at the top and 100,000 events deep.

OFFSET makes the database read and throw away every newer event first, and
a full COUNT(*) reads the whole (filtered) log on every view. Here a page
starts after the event the previous page ended with (`before`) or before
the one the next page began with (`after`), found through the indexes on
(organisation, created_at); "page x of y" counts at most COUNT_LIMIT events
and says "more than" beyond that. The page number in the URL is only for
that label.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db

# Events counted for "page x of y"; a longer log says "page x of more than y".
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class KeysetPage:
    """One page of events, newest first, and the arguments of the pages beside it."""

    items: list[AuditEvent]
    page: int
    pages: int  # the last page, or the last counted one when `is_more`
    is_more: bool  # more events than COUNT_LIMIT: `pages` is a lower bound
    newer: dict | None  # query arguments of the newer page, None on the first
    older: dict | None  # query arguments of the older page, None on the last


def keyset_page(query: Select, per_page: int, *, before: int | None, after: int | None, page: int) -> KeysetPage:
    """The page of `query` (select(AuditEvent) with its filters, unordered) that the cursor names."""
    anchor = db.session.get(AuditEvent, before or after) if (before or after) else None
    if anchor is not None and not before:
        rows = _newer_than(query, anchor, per_page)
        has_newer, has_older = len(rows) > per_page, True
        rows = list(reversed(rows[:per_page]))
    else:
        rows = _older_than(query, anchor, per_page)
        has_newer, has_older = anchor is not None, len(rows) > per_page
        rows = rows[:per_page]
    pages, is_more = _page_count(query, per_page)
    # The number in the URL only labels the page; keep it between what the cursor and the count allow.
    page = max(page, 2) if has_newer else 1
    if not is_more:
        page = min(page, pages)
    return KeysetPage(
        items=rows, page=page, pages=pages, is_more=is_more,
        newer={"after": rows[0].id, "page": page - 1} if has_newer and rows else None,
        older={"before": rows[-1].id, "page": page + 1} if has_older and rows else None,
    )


def _older_than(query: Select, anchor: AuditEvent | None, per_page: int) -> list[AuditEvent]:
    if anchor is not None:
        # The first condition alone is what the index range serves; the second breaks ties in time.
        query = query.where(AuditEvent.created_at <= anchor.created_at, or_(
            AuditEvent.created_at < anchor.created_at,
            and_(AuditEvent.created_at == anchor.created_at, AuditEvent.id < anchor.id),
        ))
    ordered = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return list(db.session.scalars(ordered.limit(per_page + 1)))


def _newer_than(query: Select, anchor: AuditEvent, per_page: int) -> list[AuditEvent]:
    query = query.where(AuditEvent.created_at >= anchor.created_at, or_(
        AuditEvent.created_at > anchor.created_at,
        and_(AuditEvent.created_at == anchor.created_at, AuditEvent.id > anchor.id),
    ))
    ordered = query.order_by(AuditEvent.created_at.asc(), AuditEvent.id.asc())
    return list(db.session.scalars(ordered.limit(per_page + 1)))


def _page_count(query: Select, per_page: int) -> tuple[int, bool]:
    """(pages, is_more): the count reads at most COUNT_LIMIT + 1 index entries."""
    counted = query.with_only_columns(AuditEvent.id).order_by(None).limit(COUNT_LIMIT + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted))
    if total > COUNT_LIMIT:
        return COUNT_LIMIT // per_page, True
    return max((total + per_page - 1) // per_page, 1), False
