"""A target is a tested employer, landlord or agency; a listing is one of its ads.

Identities (name, enterprise number, address, contact) are personal data
when the target is a natural person: only coordinators see them, everyone
else sees the pseudonym `code`, and every view of an identity is audited.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality
from praktijktest.timeutil import utcnow


class TargetKind(enum.StrEnum):
    EMPLOYER = "employer"
    LANDLORD = "landlord"
    AGENCY = "agency"


class Target(db.Model):
    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        CheckConstraint("kind IN ('employer', 'landlord', 'agency')", name="kind_valid"),
        Index("ix_target_org_enterprise_number", "organisation_id", "enterprise_number"),
        Index("ix_target_org_name", "organisation_id", "name"),
        # The registry search, ILIKE '%q%' on name and code: trigram GIN indexes on PostgreSQL
        # (pg_trgm); SQLite gets plain indexes of the same names (migration scale_page_costs).
        Index("ix_target_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        Index("ix_target_code_trgm", "code", postgresql_using="gin", postgresql_ops={"code": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The pseudonym shown to everyone who may not see identities ("W-3F7K").
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=TargetKind.EMPLOYER)
    # KBO/BCE number, 10 digits, stored without dots; None for private landlords.
    enterprise_number: Mapped[str | None] = mapped_column(String(10))
    nace_code: Mapped[str | None] = mapped_column(String(10))
    sector: Mapped[str | None] = mapped_column(String(200))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    municipality_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    is_contractor: Mapped[bool] = mapped_column(default=False)
    contract_reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    municipality: Mapped[Municipality | None] = relationship()
    listings: Mapped[list[Listing]] = relationship(back_populates="target", order_by="Listing.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Target {self.id} {self.code}>"


class Listing(db.Model):
    """A vacancy or rental ad of a target, as seen when it was tested."""

    __tablename__ = "listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    seen_on: Mapped[date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(200))
    monthly_rent: Mapped[float | None] = mapped_column(Numeric(10, 2))
    # The stored snapshot of the ad (a file in the evidence store) and its hash.
    snapshot_path: Mapped[str | None] = mapped_column(String(500))
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    target: Mapped[Target] = relationship(back_populates="listings")

    @property
    def organisation_id(self) -> int:
        """The owning organisation, for `get_owned_or_404`."""
        return self.target.organisation_id
