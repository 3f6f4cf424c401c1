"""A round tests one market on one or more grounds, each with a reference group.

Status changes only through `Round.transition_to` (and its named wrappers),
which refuses illegal transitions:

    draft -> ready -> fieldwork -> analysed -> reported -> archived
    (any status before archived) -> cancelled, with a reason

An imported finished round is created directly as `analysed`.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality, Organisation
from praktijktest.timeutil import utcnow


class Market(enum.StrEnum):
    LABOUR = "labour"
    HOUSING = "housing"


class TestType(enum.StrEnum):
    CORRESPONDENCE = "correspondence"
    MYSTERY_CALL = "mystery_call"  # asking an agency to exclude a group


class Ground(enum.StrEnum):
    """Protected criteria a round can test (DOMAIN.md, "The method")."""

    ORIGIN = "origin"
    AGE = "age"
    GENDER = "gender"
    DISABILITY = "disability"
    SEXUAL_ORIENTATION = "sexual_orientation"
    FAMILY_SITUATION = "family_situation"
    LANGUAGE = "language"
    OTHER = "other"


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    READY = "ready"  # protocol locked and pre-registered
    FIELDWORK = "fieldwork"
    ANALYSED = "analysed"
    REPORTED = "reported"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"


ALLOWED_TRANSITIONS: dict[RoundStatus, set[RoundStatus]] = {
    RoundStatus.DRAFT: {RoundStatus.READY, RoundStatus.CANCELLED},
    RoundStatus.READY: {RoundStatus.FIELDWORK, RoundStatus.CANCELLED},
    RoundStatus.FIELDWORK: {RoundStatus.ANALYSED, RoundStatus.CANCELLED},
    RoundStatus.ANALYSED: {RoundStatus.REPORTED, RoundStatus.CANCELLED},
    RoundStatus.REPORTED: {RoundStatus.ARCHIVED, RoundStatus.CANCELLED},
    RoundStatus.ARCHIVED: set(),
    RoundStatus.CANCELLED: set(),
}

OUTCOMES = ("invitation", "information_request", "rejection", "no_response")
DEFAULT_POSITIVE_OUTCOMES = ("invitation", "information_request")


class IllegalTransition(ValueError):
    """The round cannot move from its status to the one asked for.

    The message is English, for logs and the command line; `code` and the two
    statuses let a page say it in the reader's language (rounds.labels).
    """

    def __init__(self, message: str, code: str, from_status: str, to_status: str) -> None:
        super().__init__(message)
        self.code, self.from_status, self.to_status = code, from_status, to_status


class Round(db.Model):
    __tablename__ = "round"
    __table_args__ = (
        CheckConstraint("market IN ('labour', 'housing')", name="market_valid"),
        CheckConstraint("test_type IN ('correspondence', 'mystery_call')", name="test_type_valid"),
        CheckConstraint(
            "status IN ('draft', 'ready', 'fieldwork', 'analysed', 'reported', 'archived', 'cancelled')",
            name="status_valid",
        ),
        CheckConstraint("fdr_level > 0 AND fdr_level < 1", name="fdr_level_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    market: Mapped[str] = mapped_column(String(20))
    test_type: Mapped[str] = mapped_column(String(20), default=TestType.CORRESPONDENCE)
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.DRAFT)
    positive_outcomes: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_POSITIVE_OUTCOMES))
    response_window_days: Mapped[int] = mapped_column(default=14)
    fdr_level: Mapped[float] = mapped_column(Float, default=0.05)
    planned_tests_per_target: Mapped[int | None] = mapped_column()
    protocol: Mapped[str] = mapped_column(Text, default="")
    # How the round came to be: planned in the app, or imported from a file.
    source: Mapped[str] = mapped_column(String(20), default="planned")
    source_filename: Mapped[str | None] = mapped_column(String(255))
    # Demo and simulated rounds say so wherever they are shown.
    is_synthetic: Mapped[bool] = mapped_column(default=False)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    protocol_sha256: Mapped[str | None] = mapped_column(String(64))
    # The stored pre-registration PDF (in the evidence store), made when locked.
    preregistration_path: Mapped[str | None] = mapped_column(String(500))
    # Seeds are stored so that the sample and the schedule can be reproduced.
    sampling_seed: Mapped[int | None] = mapped_column()
    schedule_seed: Mapped[int | None] = mapped_column()
    # Planning inputs (expected rates, lag, power) and the sampling summary.
    planning: Mapped[dict] = mapped_column(JSON, default=dict)
    # Too few tests per target to ever flag one: the coordinator confirmed
    # that the round is for awareness only.
    is_awareness_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    # Kept by database triggers on test and application (migration scale_page_costs), so that
    # the round pages read two numbers instead of counting every application. Never set them here.
    test_count: Mapped[int] = mapped_column(default=0, server_default="0")
    application_count: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped[Organisation] = relationship()
    grounds: Mapped[list[RoundGround]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundGround.id"
    )
    municipalities: Mapped[list[Municipality]] = relationship(secondary="round_municipality")

    __mapper_args__ = {"version_id_col": version}

    @property
    def groups(self) -> list[RoundGroup]:
        return [group for ground in self.grounds for group in ground.groups]

    @property
    def applications_per_group(self) -> int:
        """Applications of each group in one test: 1 for pairs, more for multi-application designs."""
        return int((self.planning or {}).get("applications_per_group", 1))

    @property
    def applications_per_test(self) -> int:
        """Every test sends `applications_per_group` applications of each group of the round."""
        return len(self.groups) * self.applications_per_group

    @property
    def is_locked(self) -> bool:
        """Once ready, nothing that affects the analysis may change."""
        return self.status != RoundStatus.DRAFT

    def can_transition_to(self, status: str) -> bool:
        return RoundStatus(status) in ALLOWED_TRANSITIONS[RoundStatus(self.status)]

    def transition_to(self, status: str, *, reason: str | None = None) -> None:
        """Move to `status`, or raise IllegalTransition."""
        target = RoundStatus(status)
        if not self.can_transition_to(target):
            raise IllegalTransition(f"A round cannot go from {self.status} to {target}.", "not_allowed",
                                    self.status, target)
        if target == RoundStatus.CANCELLED:
            if not (reason and reason.strip()):
                raise IllegalTransition("Cancelling a round needs a reason.", "reason_required", self.status, target)
            self.cancel_reason = reason.strip()
        if target == RoundStatus.READY:
            self.locked_at = utcnow()
        self.status = target

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.title!r} {self.status}>"


class RoundGround(db.Model):
    """One ground tested in a round (origin, age, ...), with its groups."""

    __tablename__ = "round_ground"
    __table_args__ = (UniqueConstraint("round_id", "ground"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    ground: Mapped[str] = mapped_column(String(40))
    # For grounds outside the fixed list ("other"), what it is.
    description: Mapped[str] = mapped_column(String(200), default="")

    round: Mapped[Round] = relationship(back_populates="grounds")
    groups: Mapped[list[RoundGroup]] = relationship(
        back_populates="ground", cascade="all, delete-orphan", order_by="RoundGroup.id"
    )

    @property
    def reference_group(self) -> RoundGroup | None:
        return next((g for g in self.groups if g.is_reference), None)


class RoundGroup(db.Model):
    """A group signalled by the profiles: the reference group or another one."""

    __tablename__ = "round_group"
    __table_args__ = (UniqueConstraint("round_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    ground_id: Mapped[int] = mapped_column(ForeignKey("round_ground.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    is_reference: Mapped[bool] = mapped_column(default=False)

    ground: Mapped[RoundGround] = relationship(back_populates="groups")
    round: Mapped[Round] = relationship(overlaps="groups")

    def __repr__(self) -> str:
        return f"<RoundGroup {self.label!r}{' (reference)' if self.is_reference else ''}>"


round_municipality = db.Table(
    "round_municipality",
    db.Column("round_id", ForeignKey("round.id", ondelete="CASCADE"), primary_key=True),
    db.Column("municipality_id", ForeignKey("municipality.id"), primary_key=True),
)


class Profile(db.Model):
    """A fictitious candidate of one group, with contact details of its own."""

    __tablename__ = "profile"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("round_group.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)

    group: Mapped[RoundGroup] = relationship()


class Template(db.Model):
    """An interchangeable version of the letter and CV, or of the housing inquiry."""

    __tablename__ = "template"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300), default="")
    # Jinja source, rendered in a sandbox with `profile` and `listing`.
    body: Mapped[str] = mapped_column(Text, default="")


class RoundTarget(db.Model):
    """A target drawn into a round's sample, with the stratum it was drawn from."""

    __tablename__ = "round_target"

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), primary_key=True, index=True)
    stratum: Mapped[str] = mapped_column(String(300), default="")
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
