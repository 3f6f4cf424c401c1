"""The audit log page: coordinators read their organisation's trail."""
from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from praktijktest.accounts.models import Role
from praktijktest.audit.actions import ACTIONS
from praktijktest.audit.models import AuditEvent
from praktijktest.audit.paging import keyset_page
from praktijktest.pagination import requested_page
from praktijktest.permissions import roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def index():
    filters = _filters()
    page = keyset_page(_query(filters), PAGE_SIZE, before=_id_arg("before"), after=_id_arg("after"),
                       page=requested_page())
    # A fixed list: reading the distinct actions from the log scanned all of it on every view.
    actions = list(ACTIONS)
    if filters["action"] and filters["action"] not in actions:
        actions.append(filters["action"])  # an action from a link stays visibly selected
    return render_template("audit/index.html", page=page, filters=filters, actions=actions)


def _filters() -> dict:
    return {
        "action": request.args.get("action", "").strip(),
        "actor": request.args.get("actor", "").strip(),
        "object_type": request.args.get("object_type", "").strip(),
        "object_id": request.args.get("object_id", "").strip(),
        "date_from": _date_arg("date_from"),
        "date_to": _date_arg("date_to"),
    }


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    # Ids are 32-bit integers on PostgreSQL: a longer number names no event.
    return int(value) if value.isdigit() and len(value) <= 10 and int(value) < 2**31 else None


def _date_arg(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None  # an unreadable date filters nothing rather than failing


def _scoped(query):
    # Coordinators see their own organisation; admins manage them all.
    if current_user.role != Role.ADMIN:
        query = query.where(AuditEvent.organisation_id == current_user.organisation_id)
    return query


def _query(filters: dict):
    query = _scoped(select(AuditEvent))  # keyset_page orders it
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    if filters["actor"]:
        query = query.where(AuditEvent.actor.ilike(f"%{filters['actor']}%"))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    if filters["date_from"]:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters["date_from"], time.min))
    if filters["date_to"]:
        query = query.where(AuditEvent.created_at <= datetime.combine(filters["date_to"], time.max))
    return query
