"""An audit event records who did what to which object, and when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.timeutil import utcnow


class AuditEvent(db.Model):
    """Append-only: the database itself refuses UPDATE and DELETE (see the migration)."""

    __tablename__ = "audit_event"
    # One index per filter of the audit log page, each ordered by time as the page is.
    __table_args__ = (
        Index("ix_audit_event_org_created", "organisation_id", "created_at"),
        Index("ix_audit_event_org_action_created", "organisation_id", "action", "created_at"),
        Index("ix_audit_event_org_object", "organisation_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The e-mail address at the time: the event stays readable if the account changes.
    actor: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text, default="")
    # {"field": [old, new], ...} for changes; free-form details otherwise.
    changes: Mapped[dict | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User | None] = relationship()
