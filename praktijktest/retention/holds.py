"""Legal hold: targets whose data must be kept past retention, with the reason.

A target with an open follow-up case (`praktijktest/followup/`: any state but
closed) is under legal hold: its identity, evidence and notes are needed for
the case, whatever the retention period says.
"""
from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.extensions import db


def legal_holds(target_ids: Collection[int]) -> dict[int, str]:
    """The targets among `target_ids` under legal hold, each with the reason in words."""
    from praktijktest.followup.models import CaseState, FollowUpCase

    if not target_ids:
        return {}
    rows = db.session.execute(
        select(FollowUpCase.target_id, FollowUpCase.id)
        .where(FollowUpCase.target_id.in_(list(target_ids)), FollowUpCase.state != CaseState.CLOSED)
        .order_by(FollowUpCase.id))
    holds: dict[int, str] = {}
    for target_id, case_id in rows:
        holds.setdefault(target_id, _("open follow-up case %(id)s", id=case_id))
    return holds
