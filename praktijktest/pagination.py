"""Paging through long lists, safe against any `page` a URL can carry."""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination

from praktijktest.extensions import db

# Far beyond any real list; keeps the SQL OFFSET inside a 64-bit integer.
MAX_PAGE = 1_000_000


def requested_page() -> int:
    """The `page` query argument as a page number from 1 to MAX_PAGE (1 when unreadable)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query, per_page: int) -> Pagination:
    """One page of `query`, as the request asks for it; an empty page past the end."""
    return db.paginate(query, page=requested_page(), per_page=per_page, max_per_page=per_page, error_out=False)
