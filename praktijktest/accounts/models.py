"""A user has one role in one organisation."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.timeutil import utcnow


class Role(enum.StrEnum):
    """What a user may do; DOMAIN.md, "Who uses it"."""

    ADMIN = "admin"  # manages organisations and accounts, platform-wide
    COORDINATOR = "coordinator"  # designs rounds, reads identities, analyses, follows up
    TESTER = "tester"  # sends applications and records responses of own tests
    VIEWER = "viewer"  # reads pseudonymised results and reports


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'coordinator', 'tester', 'viewer')", name="role_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def get_id(self) -> str:
        # Whether the session still counts is decided by its LoginSession row
        # (accounts/sessions.py), not by anything in the cookie.
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"


class LoginSession(db.Model):
    """One logged-in browser: the server's record that decides whether a session cookie still counts.

    The cookie carries a random token; only its SHA-256 is stored, so a read
    of this table does not yield usable cookies. Deleting the row ends the
    session wherever the cookie has been copied to.
    """

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
