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
        # The session remembers the password too (its hash's tail): changing
        # the password logs out every other session of the account.
        return f"{self.id}:{self.password_hash[-12:]}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"
