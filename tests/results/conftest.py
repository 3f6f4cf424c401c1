"""Results fixtures: a locked round in fieldwork with responses of known pattern, imported rounds."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from praktijktest.extensions import db as _db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.rounds.preregistration import lock_round
from praktijktest.rounds.services import change_status
from tests.datasets.conftest import cli, import_round, write_csv  # noqa: F401  (fixtures and helper used here)
from tests.rounds.conftest import complete_round, draw_sample, make_round  # noqa: F401,F811  (fixtures)


@pytest.fixture(autouse=True)
def english(request):
    """Pages in English unless a test switches (Dutch is the default)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").post("/language", data={"locale": "en"})


def add_responses(round_, patterns: list[tuple[bool, bool]]) -> list[Test]:
    """One paired test per target of the sample, in order: (reference positive, other positive)."""
    from praktijktest.rounds.models import RoundTarget

    targets = [rt.target_id for rt in _db.session.query(RoundTarget).filter_by(round_id=round_.id)
               .order_by(RoundTarget.target_id)]
    ref = next(g for g in round_.groups if g.is_reference)
    other = next(g for g in round_.groups if not g.is_reference)
    tests = []
    for i, (target_id, (ref_pos, other_pos)) in enumerate(zip(targets, patterns, strict=False)):
        test = Test(round_id=round_.id, target_id=target_id, external_id=f"T{i:04d}", status=TestStatus.COMPLETED)
        _db.session.add(test)
        for order, (group, positive) in enumerate(((ref, ref_pos), (other, other_pos)), start=1):
            application = Application(test=test, group=group, send_order=order)
            _db.session.add(application)
            _db.session.add(Response(application=application, outcome="invitation" if positive else "rejection"))
        tests.append(test)
    _db.session.flush()
    return tests


# 20 tests: reference positive in 12, other in 6; 8 favour the reference, 2 the other, 4 both, 6 neither.
PATTERN = [(True, False)] * 8 + [(False, True)] * 2 + [(True, True)] * 4 + [(False, False)] * 6


@pytest.fixture
def fieldwork_round(complete_round) -> Callable:  # noqa: F811  (the imported fixture)
    """Factory: a locked, pre-registered round in fieldwork with PATTERN's responses (one test per target)."""

    def make(patterns=PATTERN, **fields):
        round_ = complete_round(targets=len(patterns), **fields)
        lock_round(round_, awareness_confirmed=True)
        change_status(round_, "fieldwork")
        add_responses(round_, patterns)
        return round_

    return make


def small_csv(tmp_path, tests: int = 12, seed: int = 7):
    """A finished round in the long format: `tests` paired tests at tests//2 employers, seeded outcomes."""
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    rows = []
    for i in range(tests):
        for group, rate in (("ref", 0.5), ("other", 0.3)):
            outcome = "invitation" if rng.random() < rate else "no_response"
            rows.append(f"t{i},Werkgever {i // 2} BV,{group},{outcome}")
    return write_csv(tmp_path / "round.csv", "test_id,target,group,outcome", rows)
