"""Letters of follow-up: a round's editable letter templates, and every letter recorded as sent.

Kept apart from models.py (cases and steps) so that the letters and the
cases can change independently.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.extensions import db
from praktijktest.targets.models import Target
from praktijktest.timeutil import utcnow


class LetterKind(enum.StrEnum):
    AWARENESS = "awareness"  # to every tested party of a round: what was tested, the overall finding
    DIALOGUE = "dialogue"  # to the party of a case: an invitation to talk, before any formal step


LETTER_LANGUAGES = ("nl", "fr")


class LetterTemplate(db.Model):
    """A round's own wording of one letter in one language; without a row the built-in default is used."""

    __tablename__ = "followup_letter_template"
    __table_args__ = (UniqueConstraint("round_id", "kind", "language", name="uq_followup_letter_template"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300), default="")
    # Jinja source, rendered in the same sandbox as the round's templates (followup/letters.py).
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class SentLetter(db.Model):
    """One letter recorded as sent to one party: which round, which case (if any), when, by whom."""

    __tablename__ = "followup_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("followup_case.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    sent_on: Mapped[date] = mapped_column(Date)
    # SHA-256 of the letter's PDF as generated when the sending was recorded: which text went out.
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    target: Mapped[Target] = relationship()
