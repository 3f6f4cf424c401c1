"""The demo tester has work on any day the demo is loaded, and `evidence verify` has files to check."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from praktijktest.accounts.services import find_user
from praktijktest.fieldwork.models import EvidenceFile
from praktijktest.fieldwork.queries import tester_queue as queue_of  # "test…" names are collected by pytest
from praktijktest.timeutil import utcnow


@pytest.mark.parametrize("loaded_on", [None, datetime(2027, 1, 1, 10, 0, tzinfo=UTC),  # a public holiday
                                       datetime(2026, 12, 27, 20, 0, tzinfo=UTC)])  # a Sunday evening
def test_the_demo_testers_queue_has_work_on_any_day(runner, db, monkeypatch, loaded_on):
    now = loaded_on or utcnow()
    monkeypatch.setattr("praktijktest.fieldwork.demo.utcnow", lambda: now)
    assert runner.invoke(args=["demo"]).exit_code == 0
    queue = queue_of(find_user("tester@demo.example"), now=now)
    assert any(item.is_overdue for item in queue.to_send) and queue.later > 0
    assert queue.awaiting and len(queue.declines) == 1 and not queue.declines[0].is_overdue
    assert queue.declines[0].application.response.evidence[0].is_synthetic


def test_demo_evidence_is_synthetic_and_verifies(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    files = db.session.scalars(select(EvidenceFile)).all()
    assert len(files) >= 5 and all(f.is_synthetic for f in files)
    assert all(b"(synthetisch)" in f.headers["subject"].encode() for f in files)
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len({f.path for f in files})} files verified, 0 mismatched, 0 missing" in result.output
