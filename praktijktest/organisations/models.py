"""An organisation runs rounds; a partnership groups member municipalities."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.extensions import db
from praktijktest.timeutil import utcnow


class OrganisationKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    PARTNERSHIP = "partnership"


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("kind IN ('municipality', 'partnership')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=OrganisationKind.MUNICIPALITY)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Optimistic locking: an edit made from a stale form is refused, not applied.
    version: Mapped[int] = mapped_column(default=1)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="organisation", order_by="Municipality.name", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_partnership(self) -> bool:
        return self.kind == OrganisationKind.PARTNERSHIP

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Municipality(db.Model):
    """A municipality covered by an organisation: itself, or a partnership member."""

    __tablename__ = "municipality"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="municipalities")

    def __repr__(self) -> str:
        return f"<Municipality {self.name!r}>"
