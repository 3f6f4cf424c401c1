"""Adherence to the pre-registration: every deviation is listed; the sensitivity section shows robustness."""
from __future__ import annotations

from praktijktest.rounds.models import Round
from tests.conftest import validation_file


def _as_locked(db, round_id: int, fdr: float = 0.05, positive=("invitation", "information_request")) -> None:
    """Give an imported round the pre-registered design a lock would have stored (what `registered` reads)."""
    round_ = db.session.get(Round, round_id)
    round_.planning = {**(round_.planning or {}),
                       "preregistration": {"design": {"fdr_level": fdr, "positive_outcomes": list(positive)}}}
    db.session.commit()


def test_deviations_from_the_preregistration_are_listed(db, import_round, analyse_json):
    summary = import_round(validation_file("callback-inter1.csv"), "Man.F")
    _as_locked(db, summary["round_id"])
    assert analyse_json(summary["round_id"])["deviations"] == []
    doc = analyse_json(summary["round_id"], "--fdr", "0.1", "--positive", "invitation")
    assert {d["item"]: (d["registered"], d["used"]) for d in doc["deviations"]} == {
        "fdr_level": (0.05, 0.1), "positive_outcomes": (["information_request", "invitation"], ["invitation"])}
    doc = analyse_json(summary["round_id"], "--q-method", "storey")
    assert doc["deviations"] == [{"item": "q_method", "registered": "bh", "used": "storey"}]


def test_sensitivity_section(db, import_round, analyse_json):
    summary = import_round(validation_file("bertrand-mullainathan-2004.csv"), "white")
    doc = analyse_json(summary["round_id"])
    sensitivity = doc["sensitivity"]
    assert sensitivity["q_method"]["method"] == "storey" and sensitivity["q_method"]["applicable"]
    assert sensitivity["invitation_only"]["applicable"]
    assert sensitivity["invitation_only"]["positive_outcomes"] == ["invitation"]
    assert [(r["lambda"], r["ties"]) for r in sensitivity["storey_lambda"]][:2] == [(0.5, "above"),
                                                                                 (0.5, "at_or_above")]


def test_the_text_summary_prints_the_deviations(db, import_round, cli):
    summary = import_round(validation_file("callback-inter1.csv"), "Man.F")
    _as_locked(db, summary["round_id"])
    result = cli("analyse", summary["round_id"], "--fdr", "0.1")
    assert "Deviation from the pre-registration: fdr_level registered 0.05, used 0.1" in result.stdout


def test_storey_on_a_small_round_is_a_clear_error(import_round, cli):
    summary = import_round(validation_file("callback-inter1.csv"), "Man.F")
    result = cli("analyse", summary["round_id"], "--q-method", "storey", "--target-method", "exact")
    # 310 offers x 7 groups = 2,170 comparisons: allowed; the refusal is for small families (test_flags)
    assert result.exit_code == 0
    krw = cli("analyse", summary["round_id"], "--target-method", "krw")
    assert krw.exit_code == 2 and "tests per target" in krw.stderr
