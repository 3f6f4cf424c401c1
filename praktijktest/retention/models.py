"""Retention periods: how long an organisation keeps each kind of data after a round ends."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from praktijktest.extensions import db
from praktijktest.timeutil import utcnow


class RetentionPeriod(db.Model):
    """One organisation's period for one kind of data; a missing row means the default applies."""

    __tablename__ = "retention_period"
    __table_args__ = (UniqueConstraint("organisation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    months: Mapped[int] = mapped_column()
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class DataRequest(db.Model):
    """A request from a tested person about their data (GDPR art. 15-21), with its deadline and decision.

    The tool records the decision and its reason; whether enforcement
    justifies a restriction is the organisation's call, not the software's.
    """

    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # access, rectification, erasure, objection
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(20))  # granted, partly, refused
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AccountRetention(db.Model):
    """When an account's active flag last changed, and whether retention has anonymised it.

    `retention apply` counts a tester's inactivity from the latest of the
    account's creation, its last login and this change (so that an account an
    administrator reactivates gets a new period), and anonymises a deactivated
    account only some time after its deactivation. A missing row: never changed.
    """

    __tablename__ = "account_retention"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    active_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
