"""A profile's mailbox, the messages fetched from it, and the senders known for a target.

New tables beside fieldwork's (none of the big tables is altered). The
mailbox's password never enters the database: `secret_name` names it in the
configuration or in a secret file (mailboxes/secrets.py).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response
from praktijktest.rounds.models import Profile, Round
from praktijktest.targets.models import Target
from praktijktest.timeutil import utcnow


class TlsMode(enum.StrEnum):
    TLS = "tls"  # TLS from the first byte (usually port 993)
    STARTTLS = "starttls"  # plain connection upgraded before login (usually port 143)


class AfterFetch(enum.StrEnum):
    KEEP = "keep"  # read with BODY.PEEK: nothing changes on the server (the default)
    SEEN = "seen"  # mark fetched messages as read
    DELETE = "delete"  # delete them once stored as evidence


class MessageStatus(enum.StrEnum):
    PROPOSED = "proposed"  # one clear candidate: the tester confirms
    AMBIGUOUS = "ambiguous"  # several candidates: the tester picks one
    UNMATCHED = "unmatched"  # none: a coordinator assigns or dismisses it
    CONFIRMED = "confirmed"  # a person confirmed it as the response of an application
    DISMISSED = "dismissed"  # a coordinator decided it answers no application (spam, newsletter)


class ProfileMailbox(db.Model):
    __tablename__ = "profile_mailbox"
    __table_args__ = (CheckConstraint("tls_mode IN ('tls', 'starttls')", name="tls_mode_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profile.id", ondelete="CASCADE"), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column()
    tls_mode: Mapped[str] = mapped_column(String(10), default=TlsMode.TLS)
    username: Mapped[str] = mapped_column(String(254))
    # The name of the password in MAILBOX_PASSWORDS or MAILBOX_SECRETS_DIR; never the password.
    secret_name: Mapped[str] = mapped_column(String(100))
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    # Where the last fetch stopped: UIDs are only comparable within one UIDVALIDITY (RFC 3501, 2.3.1.1).
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    profile: Mapped[Profile] = relationship()

    __mapper_args__ = {"version_id_col": version}


class RoundMail(db.Model):
    """What fetching does to the messages on the server, per round (keep them as they are by default)."""

    __tablename__ = "round_mail"
    __table_args__ = (CheckConstraint("after_fetch IN ('keep', 'seen', 'delete')", name="after_fetch_valid"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True)
    after_fetch: Mapped[str] = mapped_column(String(10), default=AfterFetch.KEEP)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class MailMessage(db.Model):
    """One message fetched from a profile's mailbox, stored as an .eml in the evidence store."""

    __tablename__ = "mail_message"
    __table_args__ = (
        UniqueConstraint("profile_id", "sha256"),
        Index("ix_mail_message_profile_message_id", "profile_id", "message_id"),
        Index("ix_mail_message_round_status", "round_id", "status"),
        CheckConstraint("status IN ('proposed', 'ambiguous', 'unmatched', 'confirmed', 'dismissed')",
                        name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profile.id", ondelete="CASCADE"))
    message_id: Mapped[str | None] = mapped_column(String(998))
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column()
    from_address: Mapped[str] = mapped_column(String(320), default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    # The Date header as the sender wrote it (its time zone kept), and the same moment in UTC.
    date_header: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    utc_offset_minutes: Mapped[int | None] = mapped_column()
    # Message-IDs this one answers (In-Reply-To and References).
    reply_to_ids: Mapped[list] = mapped_column(JSON, default=list)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.UNMATCHED)
    # Why these candidates (thread, sender, window, assigned), shown to the person who confirms.
    match_reasons: Mapped[list] = mapped_column(JSON, default=list)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship()
    profile: Mapped[Profile] = relationship()
    application: Mapped[Application | None] = relationship()
    response: Mapped[Response | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    candidates: Mapped[list[MailCandidate]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MailCandidate.application_id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in (MessageStatus.PROPOSED, MessageStatus.AMBIGUOUS, MessageStatus.UNMATCHED)


class MailCandidate(db.Model):
    """An application a message may answer (a table, not JSON, so a tester's queue can query it)."""

    __tablename__ = "mail_candidate"

    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)

    message: Mapped[MailMessage] = relationship(back_populates="candidates")
    application: Mapped[Application] = relationship()


class TargetMailSender(db.Model):
    """An address ("hr@firm.be") or domain ("@firm.be") a target writes from, learned from a confirmed match."""

    __tablename__ = "target_mail_sender"
    __table_args__ = (UniqueConstraint("target_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(320))
    learned_from_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    target: Mapped[Target] = relationship()
