"""A test is one listing answered by two or more applications; each
application gets one response.

Tests and applications keep the free attributes of imported rows (sector,
occupation, ...) as JSON, so any column can be used for breakdowns.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import Profile, Round, RoundGroup, Template
from praktijktest.targets.models import Listing, Target
from praktijktest.timeutil import utcnow


class Outcome(enum.StrEnum):
    INVITATION = "invitation"
    INFORMATION_REQUEST = "information_request"
    REJECTION = "rejection"
    NO_RESPONSE = "no_response"


class TestStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Test(db.Model):
    __tablename__ = "test"
    __test__ = False  # not a pytest test class
    __table_args__ = (
        UniqueConstraint("round_id", "external_id"),
        CheckConstraint(
            "status IN ('planned', 'in_progress', 'completed', 'cancelled')", name="status_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"))
    # The test's identifier in an imported file, or a generated one ("T-0001").
    external_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=TestStatus.PLANNED)
    tester_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[Round] = relationship()
    target: Mapped[Target] = relationship()
    listing: Mapped[Listing | None] = relationship()
    tester: Mapped[User | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    applications: Mapped[list[Application]] = relationship(
        back_populates="test", cascade="all, delete-orphan", order_by="Application.id"
    )


class Application(db.Model):
    """One application (letter, CV or inquiry) sent by one profile in one test."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_test_group", "test_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("test.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("round_group.id"))
    # Planned rounds point at their profiles and templates; imported rounds
    # keep the labels the file gave.
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profile.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("template.id"))
    profile_label: Mapped[str | None] = mapped_column(String(200))
    template_label: Mapped[str | None] = mapped_column(String(100))
    send_order: Mapped[int | None] = mapped_column()
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)

    test: Mapped[Test] = relationship(back_populates="applications")
    group: Mapped[RoundGroup] = relationship()
    profile: Mapped[Profile | None] = relationship()
    template: Mapped[Template | None] = relationship()
    response: Mapped[Response | None] = relationship(back_populates="application", uselist=False)


class Response(db.Model):
    """What an application got within the response window."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('invitation', 'information_request', 'rejection', 'no_response')", name="outcome_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(30))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship(back_populates="response")
    recorded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
