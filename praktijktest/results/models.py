"""An analysis snapshot: one stored run of the statistics engine on a round.

Results pages, the round report and (later) dossiers cite a snapshot by its
`sha256`, never a live computation: what was shown can always be shown again.
A snapshot is never changed; re-running the analysis makes a new one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.rounds.models import Round
from praktijktest.timeutil import utcnow


class AnalysisSnapshot(db.Model):
    __tablename__ = "analysis_snapshot"
    __table_args__ = (Index("ix_analysis_snapshot_round_created", "round_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # Copied from the round so that ownership checks need no join.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # SHA-256 of the canonical snapshot (input hash, parameters, result, version): its citation.
    # Not unique: data changed back to an earlier state gives that state's hash again, in a new row.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # SHA-256 of the canonical input: every application with group, test, target code and outcome.
    input_sha256: Mapped[str] = mapped_column(String(64))
    # The locked protocol's hash at the time of the run (None for imported rounds).
    protocol_sha256: Mapped[str | None] = mapped_column(String(64))
    parameters: Mapped[dict] = mapped_column(JSON)
    deviations: Mapped[list] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    software_version: Mapped[str] = mapped_column(String(100))
    applications: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    round: Mapped[Round] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def __repr__(self) -> str:
        return f"<AnalysisSnapshot {self.id} round {self.round_id} {self.short_hash}>"
