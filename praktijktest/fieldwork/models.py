"""A test is one listing answered by two or more applications; each
application gets one response.

Tests and applications keep the free attributes of imported rows (sector,
occupation, ...) as JSON, so any column can be used for breakdowns.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality
from praktijktest.rounds import usage
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
        # The tester's queue asks for "this tester's tests in these rounds" (20261202_fieldwork_page_indexes).
        Index("ix_test_tester_round", "tester_id", "round_id"),
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
    # A cancelled test (the ad was withdrawn before every application went out)
    # stays in the round, is left out of the analysis and is named in the output.
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    round: Mapped[Round] = relationship()
    target: Mapped[Target] = relationship()
    listing: Mapped[Listing | None] = relationship()
    tester: Mapped[User | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    applications: Mapped[list[Application]] = relationship(
        back_populates="test", cascade="all, delete-orphan", order_by="Application.id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == TestStatus.CANCELLED

    def cancel(self, reason: str, when: datetime) -> None:
        """Cancel the test (only before it is completed), keeping the reason; ValueError otherwise."""
        if self.status in (TestStatus.CANCELLED, TestStatus.COMPLETED):
            raise ValueError(f"A {self.status} test cannot be cancelled.")
        if not (reason and reason.strip()):
            raise ValueError("Cancelling a test needs a reason.")
        self.status, self.cancel_reason, self.cancelled_at = TestStatus.CANCELLED, reason.strip(), when

    def mark_progress(self) -> None:
        """planned -> in_progress once an application is sent; -> completed once each has a response."""
        if self.is_cancelled:
            return
        if all(app.response is not None for app in self.applications):
            self.status = TestStatus.COMPLETED
        elif any(app.sent_at is not None for app in self.applications):
            self.status = TestStatus.IN_PROGRESS


class Application(db.Model):
    """One application (letter, CV or inquiry) sent by one profile in one test."""

    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_test_group", "test_id", "group_id"),
        # Window closing and the progress scan read sent_at and scheduled_at of a round's applications.
        Index("ix_application_test_sent", "test_id", "sent_at", "scheduled_at"),
    )

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
    sent_channel: Mapped[str | None] = mapped_column(String(20))
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
    # How the response came in (e-mail, phone, ...); None for imported and closed-window rows.
    channel: Mapped[str | None] = mapped_column(String(20))
    # Second entry: a coordinator confirmed the response against its evidence.
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Second entry by another tester (when the round asks for it): their outcome, entered blind.
    # Equal to `outcome`: verified; different: a disagreement a coordinator resolves.
    second_outcome: Mapped[str | None] = mapped_column(String(30))
    second_entry_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    second_entry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A positive response is declined politely within one working day (DOMAIN.md, ethics).
    decline_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship(back_populates="response")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    evidence: Mapped[list[EvidenceFile]] = relationship(back_populates="response", order_by="EvidenceFile.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_disagreement(self) -> bool:
        """A second tester entered another outcome, and no coordinator has resolved it yet."""
        return self.second_outcome is not None and self.second_outcome != self.outcome and self.verified_at is None


class EvidenceKind(enum.StrEnum):
    EML = "eml"
    MSG = "msg"
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    AUDIO = "audio"


class EvidenceFile(db.Model):
    """One evidence file of a response, stored content-addressed with its SHA-256.

    Rows are never changed or deleted by the application (see `_refuse_evidence_rewrites`).
    """

    __tablename__ = "evidence_file"
    __table_args__ = (
        CheckConstraint("kind IN ('eml', 'msg', 'pdf', 'png', 'jpeg', 'audio')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(10))
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    # For e-mails: sender, date and subject read from the headers when uploaded.
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    is_synthetic: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    response: Mapped[Response] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship()


class RoundFieldwork(db.Model):
    """Fieldwork settings of a round and, once closed, the closed-fieldwork record.

    Kept beside the round (not on it) so that the round's own model and status
    machine stay as they are: analysis can require `closed_at` before it runs.
    """

    __tablename__ = "round_fieldwork"
    __table_args__ = (CheckConstraint("second_entry IN ('coordinator', 'tester')", name="second_entry_valid"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True)
    # Suggested decline texts per profile language (nl, fr, en); empty: the defaults.
    decline_texts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Who confirms each response against its evidence: a coordinator, or a second tester.
    second_entry: Mapped[str] = mapped_column(String(20), default="coordinator")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The open items accepted when closing: {item: {"count": n, "reason": text}}; reports print them.
    accepted_open_items: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship()
    closed_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


@event.listens_for(Session, "before_flush")
def _refuse_evidence_rewrites(session: Session, _context, _instances) -> None:
    """Evidence, once stored, is never changed or deleted through the application."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, EvidenceFile) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("Evidence files are never changed or deleted.")


def _count_uses(kind: str, ids: list[int]) -> dict[int, int]:
    """The counter `rounds.usage` asks: applications per profile, template or group; tests per round."""
    from sqlalchemy import func, select

    if not ids:
        return {}
    columns = {"profile": Application.profile_id, "template": Application.template_id,
               "group": Application.group_id}
    if kind in columns:
        query = select(columns[kind], func.count()).where(columns[kind].in_(ids)).group_by(columns[kind])
    elif kind == "round_tests":
        query = select(Test.round_id, func.count()).where(Test.round_id.in_(ids)).group_by(Test.round_id)
    else:
        query = (select(Test.round_id, func.count(Application.id)).join(Application.test)
                 .where(Test.round_id.in_(ids)).group_by(Test.round_id))
    return dict(db.session.execute(query).all())


usage.register(_count_uses)


class CallAnswer(enum.StrEnum):
    AGREED = "agreed"  # the agency agreed to exclude the group
    REFUSED = "refused"
    EVASIVE = "evasive"


class MysteryCall(db.Model):
    """A mystery call (test type mystery_call): the tester asks an agency to exclude a group.

    One per application; the call is the "send" of that application. It has no
    response row, so response windows and the correspondence analysis leave it alone.
    """

    __tablename__ = "mystery_call"
    __table_args__ = (CheckConstraint("answer IN ('agreed', 'refused', 'evasive')", name="answer_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    called_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The recording (audio), stored content-addressed in the evidence store, with its hash.
    recording_path: Mapped[str | None] = mapped_column(String(500))
    recording_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship()

    __mapper_args__ = {"version_id_col": version}
