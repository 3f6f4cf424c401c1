"""Kline, Rose & Walters (2022), QJE 137(4): gap, between-firm SD and firms flagged (validation README)."""
from __future__ import annotations

import json

import pytest

from analysis import analyse_round


@pytest.fixture(scope="module")
def result(krw):
    return analyse_round(krw, "white", target_method="krw", q_method="storey")


def test_contact_rates_and_gap(result):
    groups = {g.group: g for g in result.groups}
    assert groups["white"].rate == pytest.approx(0.2506, abs=5e-5)
    assert groups["black"].rate == pytest.approx(0.2301, abs=5e-5)
    assert groups["white"].rate - groups["black"].rate == pytest.approx(0.0205, abs=5e-5)
    comparison = result.comparisons[0]
    # 88 jobs with one group count in the rates, not in the comparison
    assert comparison.tests_left_out == 88
    assert comparison.tests == 11114 - 88
    assert comparison.rate_difference == pytest.approx(0.0205, abs=1e-4)


def test_between_firm_sd(result):
    assert result.between_target_sd == pytest.approx(0.0185, abs=5e-5)
    assert result.comparisons[0].between_target_sd == pytest.approx(0.0185, abs=5e-5)


def test_storey_flags_the_published_23_firms(result):
    # KRW (2022) flag 23 firms at a 5% FDR; the Storey-Taylor-Siegmund pi0 gives the same.
    assert result.q_method == "storey"
    assert result.flagged_targets == 23
    assert len(result.targets) == 108


def test_benjamini_hochberg_is_the_default_and_flags_17(krw):
    bh = analyse_round(krw, "white", target_method="krw")
    assert bh.q_method == "bh" and bh.flagged_targets == 17


def test_storey_pi0_as_in_readme(result):
    from analysis.fdr import storey_pi0

    p = [t.krw.p_value for t in result.targets]
    # README: Storey (2002) pi0 = #{p > 0.5} / (108 * 0.5) = 0.389, i.e. 21 p-values above 0.5;
    # the STS estimator adds one to the count.
    above = round(0.389 * 108 * 0.5)
    assert storey_pi0(p) == pytest.approx((1 + above) / (108 * 0.5), abs=1e-12)
    assert result.pi0 == pytest.approx(storey_pi0(p))


def test_sensitivity_of_the_marginal_flags(result):
    runs = result.sensitivity["storey_lambda"]
    assert {(r["lambda"], r["ties"]) for r in runs} == {(lam, t) for lam in (0.5, 0.6, 0.7)
                                                          for t in ("above", "at_or_above")}
    assert result.sensitivity["q_method"]["method"] == "bh"
    assert result.sensitivity["q_method"]["flagged"] == 17
    assert len(result.sensitivity["q_method"]["no_longer_flagged"]) == 6


def test_shrinkage_pulls_towards_the_mean(result):
    mean = sum(t.gap for t in result.targets) / len(result.targets)
    for t in result.targets:
        assert abs(t.shrunk_gap - mean) <= abs(t.gap - mean) + 1e-12


def test_krw_json_shape(result):
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["between_target_sd"] == pytest.approx(0.0185, abs=5e-5)
    target = data["targets"][0]
    for key in ("gap", "se", "shrunk_gap", "p_value", "q_value", "flagged"):
        assert key in target
    assert data["target_method"] == "krw"
