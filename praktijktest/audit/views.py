"""The audit log page: coordinators read their organisation's trail."""
from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from praktijktest.accounts.models import Role
from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.pagination import paginate
from praktijktest.permissions import roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def index():
    filters = _filters()
    query = _query(filters)
    page = paginate(query, PAGE_SIZE)
    actions = db.session.scalars(_scoped(select(AuditEvent.action).distinct()).order_by(AuditEvent.action))
    return render_template("audit/index.html", page=page, filters=filters, actions=list(actions))


def _filters() -> dict:
    return {
        "action": request.args.get("action", "").strip(),
        "actor": request.args.get("actor", "").strip(),
        "object_type": request.args.get("object_type", "").strip(),
        "object_id": request.args.get("object_id", "").strip(),
        "date_from": _date_arg("date_from"),
        "date_to": _date_arg("date_to"),
    }


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
    query = _scoped(select(AuditEvent)).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
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
