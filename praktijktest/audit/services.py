"""The one way to write to the audit log. Every write service calls `record`."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db

SYSTEM_ACTOR = "system"


def record(
    action: str,
    obj: Any = None,
    *,
    summary: str = "",
    changes: dict | None = None,
    organisation_id: int | None = None,
    actor=None,
) -> AuditEvent:
    """Add one audit event (flushed with the caller's transaction, never committed here)."""
    actor = actor if actor is not None else _current_actor()
    event_row = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=_object_id(obj),
        summary=summary,
        changes=changes or None,
        organisation_id=organisation_id if organisation_id is not None else _organisation_of(obj, actor),
        user_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", SYSTEM_ACTOR),
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event_row)
    db.session.flush()
    return event_row


def diff(obj: Any, new_values: dict[str, Any]) -> dict[str, list]:
    """The fields of `obj` that `new_values` would change, as {field: [old, new]}."""
    return {
        field: [_jsonable(getattr(obj, field)), _jsonable(value)]
        for field, value in new_values.items()
        if getattr(obj, field) != value
    }


def _current_actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _object_id(obj: Any) -> str | None:
    if obj is None:
        return None
    identity = inspect(obj).identity if hasattr(obj, "__table__") else None
    if identity:
        return ":".join(str(part) for part in identity)
    return str(getattr(obj, "id", "")) or None


def _organisation_of(obj: Any, actor: Any) -> int | None:
    for candidate in (obj, actor):
        org_id = getattr(candidate, "organisation_id", None)
        if org_id is not None:
            return org_id
    if obj is not None and obj.__class__.__name__ == "Organisation":
        return obj.id
    return None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session: Session, _context, _instances) -> None:
    """The application never edits or deletes history; the database refuses it too."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("The audit log is append-only.")
