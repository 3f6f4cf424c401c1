"""The three published data sets of tests/data/validation, imported and analysed through the command line.

Every figure of the README there is checked on the JSON of `rounds analyse`:
the numbers were computed by others (the papers, the R package `callback`).
"""
from __future__ import annotations

import pytest

from tests.conftest import validation_file
from tests.published import INTER1_CALLBACKS, INTER1_PAIRS


def _by(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items}


def test_bertrand_mullainathan_overall_and_by_city(import_round, analyse_json):
    summary = import_round(validation_file("bertrand-mullainathan-2004.csv"), "white")
    assert (summary["applications"], summary["tests"], summary["targets"]) == (4870, 1323, 1323)
    assert summary["warnings"] == []
    doc = analyse_json(summary["round_id"], "--by", "municipality", "--by", "applicant_gender")
    assert doc["round_id"] == summary["round_id"]
    assert (doc["reference_group"], doc["positive_outcomes"]) == ("white", ["invitation", "information_request"])
    assert (doc["applications"], doc["tests"], doc["target_count"], doc["fdr_level"]) == (4870, 1323, 1323, 0.05)
    groups = _by(doc["groups"], "group")
    assert (groups["white"]["positives"], groups["white"]["applications"]) == (235, 2435)
    assert (groups["black"]["positives"], groups["black"]["applications"]) == (157, 2435)
    assert groups["white"]["rate"] == pytest.approx(0.0965, abs=5e-5)
    assert groups["black"]["rate"] == pytest.approx(0.0645, abs=5e-5)
    assert groups["white"]["ci95"] == pytest.approx([0.0854, 0.1089], abs=5e-5)
    assert groups["black"]["ci95"] == pytest.approx([0.0554, 0.0749], abs=5e-5)
    (comparison,) = doc["comparisons"]
    assert (comparison["group"], comparison["reference"]) == ("black", "white")
    assert comparison["rate_ratio"] == pytest.approx(1.50, abs=5e-3)
    assert comparison["test_counts"] == {"reference_favoured": 111, "group_favoured": 46, "equal_positive": 63,
                                         "no_positive": 1103}
    assert comparison["net_discrimination"] == pytest.approx(0.295, abs=5e-4)
    assert comparison["net_discrimination_all_tests"] == pytest.approx(0.049, abs=5e-4)
    assert comparison["sign_test_p"] == pytest.approx(2.2e-7, rel=0.05)
    assert comparison["regression"]["coefficient"] == pytest.approx(0.0320, abs=5e-5)
    assert comparison["regression"]["se_clustered"] == pytest.approx(0.0062, abs=5e-5)
    assert comparison["rate_difference"] == pytest.approx(0.0320, abs=5e-5)
    for attribute, value, white, black, ratio in [
        ("municipality", "Chicago", (109, 1352), (73, 1352), 1.49),
        ("municipality", "Boston", (126, 1083), (84, 1083), 1.50),
        ("applicant_gender", "female", (184, 1860), (125, 1886), 1.49),
        ("applicant_gender", "male", (51, 575), (32, 549), 1.52),
    ]:
        part = _by(_by(doc["breakdowns"][attribute], "value")[value]["groups"], "group")
        assert (part["white"]["positives"], part["white"]["applications"]) == white, value
        assert (part["black"]["positives"], part["black"]["applications"]) == black, value
        assert part["white"]["rate"] / part["black"]["rate"] == pytest.approx(ratio, abs=5e-3), value
    assert doc["heterogeneity"]["municipality"]["tests"][0]["df"] == 1
    assert len(doc["targets"]) == 1323 and all("evidence" in t for t in doc["targets"])


def test_bertrand_mullainathan_text_output(import_round, cli):
    summary = import_round(validation_file("bertrand-mullainathan-2004.csv"), "white")
    result = cli("analyse", summary["round_id"], "--by", "municipality")
    assert result.exit_code == 0, result.output
    assert "235 / 2435" in result.stdout and "9.65%" in result.stdout and "Chicago" in result.stdout


@pytest.mark.slow
def test_kline_rose_walters_with_krw_method(import_round, analyse_json):
    summary = import_round(validation_file("kline-rose-walters-2022.csv"), "white")
    assert (summary["applications"], summary["tests"], summary["targets"]) == (83643, 11114, 108)
    assert any(w.startswith("88 tests have applications of one group only") for w in summary["warnings"])
    doc = analyse_json(summary["round_id"], "--target-method", "krw", "--q-method", "storey")
    groups = _by(doc["groups"], "group")
    assert groups["white"]["rate"] == pytest.approx(0.2506, abs=5e-5)
    assert groups["black"]["rate"] == pytest.approx(0.2301, abs=5e-5)
    (comparison,) = doc["comparisons"]
    assert comparison["tests_left_out"] == 88
    # README: 25.06% - 23.01% = 2.05 pp (from the rounded rates; unrounded 2.04 pp)
    assert groups["white"]["rate"] - groups["black"]["rate"] == pytest.approx(0.0205, abs=1e-4)
    assert comparison["rate_difference"] == pytest.approx(0.0205, abs=1e-4)
    assert doc["between_target_sd"] == pytest.approx(0.0185, abs=5e-5)
    assert doc["target_method"] == "krw" and doc["q_method"] == "storey"
    assert len(doc["targets"]) == 108
    # KRW (2022): 23 firms at a 5% FDR (Storey q-values, Storey-Taylor-Siegmund pi0)
    assert sum(t["flagged"] for t in doc["targets"]) == doc["flagged_targets"] == 23
    # an imported round was never locked: nothing to deviate from
    assert doc["deviations"] == []
    assert doc["sensitivity"]["q_method"]["flagged"] == 17
    for target in doc["targets"]:
        assert {"gap", "se", "shrunk_gap", "p_value", "q_value", "flagged"} <= target.keys()
        assert target["target"].startswith("firm-")  # as imported: the command line runs with operator rights
    pseudonymised = analyse_json(summary["round_id"], "--target-method", "krw", "--q-method", "storey",
                                 "--pseudonymise")
    assert all(t["target"].startswith("W-") for t in pseudonymised["targets"])
    assert pseudonymised["flagged_targets"] == 23
    assert analyse_json(summary["round_id"], "--target-method", "krw")["flagged_targets"] == 17  # BH default


INTER1 = INTER1_PAIRS


def test_callback_inter1_eight_groups(import_round, analyse_json):
    summary = import_round(validation_file("callback-inter1.csv"), "Man.F")
    assert (summary["applications"], summary["tests"]) == (2480, 310)
    doc = analyse_json(summary["round_id"])
    assert {g: (v["positives"], v["applications"]) for g, v in _by(doc["groups"], "group").items()} == {
        g: (n, 310) for g, n in INTER1_CALLBACKS.items()}
    assert _by(doc["groups"], "group")["Man.F"]["ci95"] == pytest.approx([0.2305, 0.3298], abs=5e-5)
    comparisons = _by(doc["comparisons"], "group")
    assert comparisons.keys() == INTER1.keys()
    for group, (neither, only_ref, only_group, both, p) in INTER1.items():
        c = comparisons[group]
        assert c["reference"] == "Man.F" and c["tests"] == 310
        assert c["test_counts"] == {"reference_favoured": only_ref, "group_favoured": only_group,
                                    "equal_positive": both, "no_positive": neither}, group
        assert c["sign_test_p"] == pytest.approx(p, rel=1e-4), group
