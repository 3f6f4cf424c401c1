"""Retests: several cases in one step, sized by the planning functions, confirmatory analysis on their own
tests, the evidence a case needs, the sequential rule's pre-registration, stops and the tester's queue."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy.stats import binom
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db as _db
from praktijktest.followup import retests, sequential
from praktijktest.followup.models import CaseState, FollowUpCase, IllegalMove
from praktijktest.followup.services import CaseError, move_case, open_case
from praktijktest.rounds.models import RoundTarget
from praktijktest.rounds.preregistration import canonical_design, lock_round
from praktijktest.rounds.services import change_status
from tests.followup.conftest import STRONG, _add_test
from tests.followup.retest_helpers import add_pair, analysed, start_retest

TODAY = date(2026, 11, 30)


@pytest.fixture
def two_flagged(complete_round):
    """(round, snapshot, targets): the first two of four targets flagged (10 of 10 one way), two not."""
    from praktijktest.results.snapshots import run_analysis
    from praktijktest.targets.models import Target

    def make(**fields):
        round_ = complete_round(targets=4, **fields)
        lock_round(round_, awareness_confirmed=True, power_confirmed=True)
        round_.is_awareness_only = False  # as in flagged_round: the cases need a round planned as evidence
        change_status(round_, "fieldwork")
        ids = [
            rt.target_id
            for rt in _db.session.query(RoundTarget).filter_by(round_id=round_.id).order_by(RoundTarget.target_id)
        ]
        number = 0
        for i, target_id in enumerate(ids):
            for ref_pos, other_pos in STRONG if i < 2 else [(True, False), (False, True)]:
                number += 1
                _add_test(round_, target_id, number, ref_pos, other_pos)
        _db.session.flush()
        return round_, run_analysis(round_), [_db.session.get(Target, i) for i in ids]

    return make


def _in_dialogue(snapshot, targets):
    cases = [open_case(snapshot, t.code) for t in targets]
    for case in cases:
        move_case(case, CaseState.DIALOGUE, reason="Gesprek gevoerd", on=TODAY)
    return cases


def _flag_probability_by_enumeration(n, share, disc, comparisons, fdr):
    """Independent of analysis.power: every (m, b), flagged alone when P(Bin(m, 1/2) >= b) <= fdr / comparisons."""
    total = 0.0
    for m in range(n + 1):
        b = np.arange(m + 1)
        flagged = binom.sf(b - 1, m, 0.5) <= fdr / comparisons * (1 + 1e-12)
        total += binom.pmf(m, n, disc) * float(binom.pmf(b, m, share) @ flagged)
    return total


def test_one_retest_for_several_cases_sized_by_the_flag_probability(db, two_flagged):
    round_, snapshot, targets = two_flagged()
    cases = _in_dialogue(snapshot, targets[:2])
    retest = retests.create_retest(cases)
    assert retest.copied_from_id == round_.id and retest.status == "draft"
    assert sorted(db.session.scalars(select(RoundTarget.target_id).filter_by(round_id=retest.id))) == sorted(
        t.id for t in targets[:2]
    )
    assert all(c.state == CaseState.RETEST_PLANNED and c.retest_round_id == retest.id for c in cases)
    info = retest.planning["retest"]
    assert info["source_protocol_sha256"] == round_.protocol_sha256 and info["target_codes"] == sorted(
        t.code for t in targets[:2]
    )
    # The planning inputs of the source round (40 % against 25 %, responses independent within a test).
    disc = 0.4 * 0.75 + 0.25 * 0.6
    share = (disc + 0.15) / (2 * disc)
    n = retest.planned_tests_per_target
    assert _flag_probability_by_enumeration(n, share, disc, 2, 0.05) >= 0.8
    assert _flag_probability_by_enumeration(n - 1, share, disc, 2, 0.05) < 0.8  # the fewest that reach it
    assert info["size"]["flag_probability"] == pytest.approx(_flag_probability_by_enumeration(n, share, disc, 2, 0.05))
    assert "the flag chose this target" in retests.RetestSize(**info["size"]).explanation()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.retest")) is not None


def test_refused_selections_change_nothing(db, two_flagged, flagged_round):
    _, snapshot, targets = two_flagged()
    first, second = open_case(snapshot, targets[0].code), open_case(snapshot, targets[1].code)
    move_case(first, CaseState.DIALOGUE, reason="ok", on=TODAY)
    with pytest.raises(CaseError):
        retests.create_retest([first, second])  # the second is not in dialogue yet
    with pytest.raises(CaseError):
        retests.create_retest([])
    _, other_snapshot, other_targets = flagged_round()
    other = _in_dialogue(other_snapshot, other_targets[:1])[0]
    with pytest.raises(CaseError):
        retests.create_retest([first, other])  # two rounds, two protocols
    assert first.retest_round_id is None and first.state == CaseState.DIALOGUE


def test_the_retest_is_analysed_on_its_own_tests_and_family(db, two_flagged):
    round_, snapshot, targets = two_flagged()
    cases = _in_dialogue(snapshot, targets[:2])
    retest = start_retest(cases)
    own = analysed(retest, [(True, False)] * 3 + [(False, False)], [(True, False)] * 3 + [(True, True)])
    entries = {e["target"]: e for e in own.result["targets"]}
    assert sorted(entries) == sorted(t.code for t in targets[:2])  # only the retested targets
    for entry in entries.values():
        assert entry["tests"] == 4 and entry["evidence_facts"]["comparisons"] == 2  # not 10 + 4, not 4 targets
        assert entry["p_value"] == pytest.approx(binom.sf(2, 3, 0.5))  # 3 of 3 one way, on the retest only
    original = {e["target"]: e for e in snapshot.result["targets"]}
    assert original[targets[0].code]["tests"] == 10  # the original snapshot stands as it was


def test_persistent_and_cleared_need_the_retests_own_result(db, two_flagged):
    _, snapshot, targets = two_flagged()
    strong, weak = _in_dialogue(snapshot, targets[:2])
    retest = start_retest([strong, weak])
    with pytest.raises(IllegalMove, match="run the retest"):
        strong.move(CaseState.RETESTED, reason="done", on=TODAY)
    # The strong target repeats its pattern on 6 new tests; the weak one is balanced.
    number = 0
    for case, pairs in ((strong, [(True, False)] * 6), (weak, [(True, False), (False, True)] * 3)):
        for ref, other in pairs:
            number += 1
            add_pair(retest, case.target_id, number, ref, other)
    from praktijktest.results.snapshots import run_analysis

    run_analysis(retest)
    for case in (strong, weak):
        move_case(case, CaseState.RETESTED, reason="analysed", on=TODAY)
    with pytest.raises(IllegalMove, match="not found again"):
        weak.move(CaseState.PERSISTENT, reason="try", on=TODAY)
    assert weak.state == CaseState.RETESTED
    move_case(weak, CaseState.CLEARED, reason="not found again", on=TODAY)
    move_case(strong, CaseState.PERSISTENT, reason="found again", on=TODAY)
    both = retests.side_by_side(strong)
    assert both.original["tests"] == 10 and both.retest["tests"] == 6 and both.retest_family == 2


def test_case_page_shows_both_results_and_refuses_with_a_message(db, client, login_as, org, two_flagged):
    login_as("coordinator", org)
    _, snapshot, targets = two_flagged(organisation=org)
    case = _in_dialogue(snapshot, targets[:1])[0]
    response = client.post(f"/follow-up/rounds/{case.round_id}/retest", data={"case_id": [str(case.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(FollowUpCase, case.id)
    plan = client.get(f"/follow-up/retests/{case.retest_round_id}")
    assert plan.status_code == 200 and case.round.protocol_sha256 in plan.text
    refused = client.post(
        f"/follow-up/{case.id}/step",
        data={"to_state": "retested", "reason": "x", "occurred_on": "2026-11-30", "version": case.version},
        follow_redirects=True,
    )
    assert "run the retest" in refused.text.replace("’", "'")
    page = client.get(f"/follow-up/{case.id}")
    assert case.snapshot.short_hash in page.text and "retest-result" in page.text


def _rule_round(two_flagged, targets_n=1):
    round_, snapshot, targets = two_flagged()
    cases = _in_dialogue(snapshot, targets[:targets_n])
    return retests.create_retest(cases), cases


def test_rule_is_pre_registered_with_its_exact_error_rates(db, two_flagged):
    from analysis import sequential as seq
    from praktijktest import evidence_store
    from tests.rounds.util import pdf_text

    retest, _ = _rule_round(two_flagged, 2)
    stored = sequential.set_rule(retest, None)
    assert stored["alpha"] == pytest.approx(0.05 / 2) and stored["type_i_error"] <= stored["alpha"]
    rule = seq.Rule.make(stored["max_discordant"], stored["boundary"])
    assert stored["type_i_error"] == pytest.approx(seq.type_i_error(rule))
    # The default maximum keeps the fixed design's exact power (tests/analysis/test_sequential_maximum.py checks
    # the search by brute force); for that it allows more tests than the fixed design, and uses fewer on average.
    from analysis import power as stats

    share, disc = stored["share"], stored["discordance"]
    assert stored["fixed_tests"] == retest.planned_tests_per_target
    assert stored["fixed_power"] == pytest.approx(stats.flag_probability(stored["fixed_tests"], share, disc, 2, 0.05))
    assert stored["power"] >= stored["fixed_power"] and stored["max_tests"] > stored["fixed_tests"]
    shorter = seq.tests_for_discordant(stored["max_discordant"] - 1, disc, stored["fixed_tests"])
    fewer = seq.power_within_tests(stored["max_discordant"] - 1, stored["alpha"], share, disc, shorter)
    assert fewer < stored["fixed_power"]
    sim = stored["simulation"]
    assert sim["expected_tests_alternative"] < sim["fixed_tests"] and sim["expected_tests_null"] < sim["fixed_tests"]
    lock_round(retest, awareness_confirmed=True, power_confirmed=True)
    assert canonical_design(retest)["sequential_rule"]["max_discordant"] == stored["max_discordant"]
    text = pdf_text(evidence_store.read_bytes(retest.preregistration_path))
    assert "stopping rule" in text and "Type I error per target" in text
    with pytest.raises(sequential.RuleError):
        sequential.set_rule(retest, 10)  # locked


def test_rule_refused_outside_paired_draft_retests(db, two_flagged):
    round_, _, _ = two_flagged()
    with pytest.raises(sequential.RuleError):
        sequential.set_rule(round_, None)  # not a retest round (and locked)
    retest, _ = _rule_round(two_flagged)
    with pytest.raises(sequential.RuleError):
        sequential.set_rule(retest, 0)
    assert "sequential" not in retest.planning


def test_a_stopped_target_leaves_the_queue_and_the_progress_says_why(db, client, login_as, org, two_flagged, make_user):
    from praktijktest.fieldwork.models import Application
    from praktijktest.fieldwork.queries import tester_queue
    from praktijktest.fieldwork.services import save_response

    round_, snapshot, targets = two_flagged(organisation=org)
    cases = _in_dialogue(snapshot, targets[:2])
    retest = retests.create_retest(cases)
    stored = sequential.set_rule(retest, 8)
    lock_round(retest, awareness_confirmed=True, power_confirmed=True)
    change_status(retest, "fieldwork")
    tester = make_user("tester", org)
    stopping, running = cases[0].target_id, cases[1].target_id
    first_evidence = next(k for k, e in enumerate(stored["evidence"]) if 1 <= k and e <= k)
    # Complete discordant tests favouring the reference, but the last one's second response still to come.
    for i in range(first_evidence - 1):
        add_pair(retest, stopping, i + 1, True, False, tester_id=tester.id)
    last = add_pair(retest, stopping, 50, True, None, tester_id=tester.id)
    started = add_pair(retest, stopping, 51, None, None, tester_id=tester.id)  # will be under way
    waiting = add_pair(retest, stopping, 52, None, None, tester_id=tester.id)  # not started
    other = add_pair(retest, running, 60, None, None, tester_id=tester.id)
    from datetime import UTC, datetime

    started.applications[0].sent_at = datetime.now(UTC)
    started.mark_progress()
    last.mark_progress()
    db.session.flush()
    before = {i.application.test_id for i in tester_queue(tester).to_send}
    assert {waiting.id, other.id, started.id} <= before
    second = next(a for a in last.applications if a.response is None)
    second.sent_at = datetime.now(UTC)
    save_response(
        second,
        expected_version=None,
        outcome="rejection",
        received_at=datetime.now(UTC),
        channel="email",
        notes="",
        user=tester,
    )
    stop = db.session.scalar(select(sequential.SequentialStop))
    assert (stop.target_id, stop.decision, stop.at_discordant) == (stopping, "evidence", first_evidence)
    after = {i.application.test_id for i in tester_queue(tester).to_send}
    assert waiting.id not in after and {other.id, started.id} <= after  # a started pair is completed
    from praktijktest.fieldwork.services import FieldworkError, mark_sent

    with pytest.raises(FieldworkError, match="stopped this party"):  # the send page opened by URL
        mark_sent(waiting.applications[0], datetime.now(UTC), "email")
    assert waiting.applications[0].sent_at is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.sequential_stop"))
    login_as("coordinator", org)
    page = client.get(f"/rounds/{retest.id}/fieldwork")
    assert page.status_code == 200 and "Stopped for evidence" in page.text
    assert isinstance(db.session.get(Application, second.id).response.id, int)
