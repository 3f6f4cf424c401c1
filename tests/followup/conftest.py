"""Follow-up fixtures: an analysed round in which exactly one target is flagged."""
from __future__ import annotations

import pytest

from praktijktest import evidence_store
from praktijktest.extensions import db as _db
from praktijktest.fieldwork.models import Application, EvidenceFile, Response, Test, TestStatus
from praktijktest.rounds.models import RoundTarget
from praktijktest.rounds.preregistration import lock_round
from praktijktest.rounds.services import change_status
from tests.results.conftest import english  # noqa: F401  (autouse fixture)
from tests.rounds.conftest import complete_round, draw_sample, make_round  # noqa: F401  (fixtures)

# The first target: 10 tests, the reference group invited and the other not in every one (one-sided
# exact p = 0.5**10 < 0.001); the other three: 2 tests each, one each way (no indication).
STRONG, BALANCED = [(True, False)] * 10, [(True, False), (False, True)]


def _add_test(round_, target_id: int, number: int, ref_positive: bool, other_positive: bool) -> Test:
    ref = next(g for g in round_.groups if g.is_reference)
    other = next(g for g in round_.groups if not g.is_reference)
    test = Test(round_id=round_.id, target_id=target_id, external_id=f"R{round_.id}-T{number:03d}",
                status=TestStatus.COMPLETED)
    _db.session.add(test)
    for order, (group, positive) in enumerate(((ref, ref_positive), (other, other_positive)), start=1):
        application = Application(test=test, group=group, send_order=order)
        response = Response(application=application, outcome="invitation" if positive else "rejection")
        _db.session.add_all([application, response])
        data = f"From: hr@example.test\r\nSubject: {test.external_id} {order}\r\n\r\nSynthetic reply\r\n".encode()
        stored = evidence_store.save_content_addressed(data, "eml")
        _db.session.add(EvidenceFile(response=response, sha256=stored.sha256, path=stored.path, size=stored.size,
                                     kind="eml", media_type="message/rfc822", is_synthetic=True,
                                     original_name=f"reply-{number}-{order}.eml"))
    return test


@pytest.fixture
def flagged_round(complete_round):  # noqa: F811
    """(round, snapshot, [targets]): the first target flagged, the other three not (the first `strong` flagged,
    the others not, when `strong` is given)."""
    from praktijktest.results.snapshots import run_analysis
    from praktijktest.targets.models import Target

    def make(strong: int = 1, **fields):
        round_ = complete_round(targets=4, **fields)
        lock_round(round_, awareness_confirmed=True, power_confirmed=True)
        # Four targets are too few for the planner, which makes the round awareness-only; the cases need a
        # round planned as evidence, so the fixture says so (the awareness rule has its own test).
        round_.is_awareness_only = False
        change_status(round_, "fieldwork")
        ids = [rt.target_id for rt in _db.session.query(RoundTarget).filter_by(round_id=round_.id)
               .order_by(RoundTarget.target_id)]
        number = 0
        for i, target_id in enumerate(ids):
            for ref_pos, other_pos in (STRONG if i < strong else BALANCED):
                number += 1
                _add_test(round_, target_id, number, ref_pos, other_pos)
        _db.session.flush()
        snapshot = run_analysis(round_)
        return round_, snapshot, [_db.session.get(Target, i) for i in ids]

    return make
