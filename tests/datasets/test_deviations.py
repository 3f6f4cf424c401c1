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


def _analyse_calls(monkeypatch) -> list:
    """The positive outcomes of every engine run the sensitivity section asks for (the command's own main
    analysis calls its imported name, not this one)."""
    from praktijktest.datasets import adapter

    calls, original = [], adapter.analyse
    monkeypatch.setattr(adapter, "analyse", lambda *a, **k: calls.append(k.get("positive")) or original(*a, **k))
    return calls


def test_invitation_only_reuses_the_main_result_when_the_same_responses_are_positive(
        db, import_round, analyse_json, monkeypatch, tmp_path):
    # No information request in this file: invitation-only marks the same responses positive,
    # so the engine gets the same input and the sensitivity is the main result itself.
    summary = import_round(validation_file("bertrand-mullainathan-2004.csv"), "white")
    calls = _analyse_calls(monkeypatch)
    reused = analyse_json(summary["round_id"])["sensitivity"]["invitation_only"]
    assert calls == []  # no second engine run
    from praktijktest.datasets import adapter

    monkeypatch.setattr(adapter, "_same_positives", lambda *args: False)
    recomputed = analyse_json(summary["round_id"])["sensitivity"]["invitation_only"]
    assert calls == [("invitation",)]
    assert reused == recomputed and reused["applicable"]


def test_invitation_only_is_computed_again_when_an_information_request_counts(
        db, import_round, analyse_json, monkeypatch, tmp_path):
    rows = ["test_id,target,group,outcome"]
    for i in range(40):
        # The other group gets information requests where the reference gets invitations:
        # positive in the main analysis, negative under invitation-only.
        rows += [f"t{i},Werkgever {i % 4},ref,invitation",
                 f"t{i},Werkgever {i % 4},other,{'information_request' if i % 2 else 'rejection'}"]
    path = tmp_path / "requests.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = import_round(path, "ref")
    calls = _analyse_calls(monkeypatch)
    doc = analyse_json(summary["round_id"])
    assert calls == [("invitation",)]
    main = doc["sensitivity"]["invitation_only"]
    # Employers 0 and 2 (even tests) reject the other group: 10 of 10 tests favour the reference in both
    # analyses. Employers 1 and 3 send it information requests: ties in the main analysis, but 10 of 10
    # for the reference under invitation-only (one-sided p = 2^-10 each), so they are flagged there too.
    assert main["applicable"] and main["flagged"] == 4
    assert len(main["newly_flagged"]) == 2 and main["no_longer_flagged"] == []
