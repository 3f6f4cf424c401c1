"""Legal hold: targets whose data must be kept past retention, with the reason.

A target with an open follow-up case (issue 11, `praktijktest/followup/`)
is under legal hold: its identity, evidence and notes are needed for the
case, whatever the retention period says. That model is not on this branch;
this function is the one place the integrator connects it to.
"""
from __future__ import annotations

from collections.abc import Collection


def legal_holds(target_ids: Collection[int]) -> dict[int, str]:
    """The targets among `target_ids` under legal hold, each with the reason in words (none yet)."""
    return {}
