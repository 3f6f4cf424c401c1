"""Bertrand & Mullainathan (2004), AER 94(4): figures published in the paper and the validation README."""
from __future__ import annotations

import json

import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis import analyse_round


@pytest.fixture(scope="module")
def result(bm):
    return analyse_round(bm, "white", by=["municipality", "applicant_gender"])


def _rates(groups):
    return {g.group: g for g in groups}


def test_overall_rates_counts_and_ratio(result):
    groups = _rates(result.groups)
    assert (groups["white"].positives, groups["white"].applications) == (235, 2435)
    assert (groups["black"].positives, groups["black"].applications) == (157, 2435)
    assert groups["white"].rate == pytest.approx(0.0965, abs=5e-5)
    assert groups["black"].rate == pytest.approx(0.0645, abs=5e-5)
    comparison = result.comparisons[0]
    assert comparison.rate_ratio == pytest.approx(1.50, abs=5e-3)
    assert comparison.design == "multi_application"
    assert (result.applications, result.tests, result.target_count) == (4870, 1323, 1323)


def test_wilson_intervals_as_published(result):
    groups = _rates(result.groups)
    assert groups["white"].ci95 == pytest.approx((0.0854, 0.1089), abs=5e-5)
    assert groups["black"].ci95 == pytest.approx((0.0554, 0.0749), abs=5e-5)
    # and identical to statsmodels' implementation
    assert groups["white"].ci95 == pytest.approx(proportion_confint(235, 2435, method="wilson"), abs=1e-12)


@pytest.mark.parametrize(
    ("attribute", "value", "white", "black", "ratio"),
    [
        ("municipality", "Chicago", (109, 1352), (73, 1352), 1.49),
        ("municipality", "Boston", (126, 1083), (84, 1083), 1.50),
        ("applicant_gender", "female", (184, 1860), (125, 1886), 1.49),
        ("applicant_gender", "male", (51, 575), (32, 549), 1.52),
    ],
)
def test_breakdowns(result, attribute, value, white, black, ratio):
    by_value = {v.value: v for v in result.breakdowns[attribute].values}[value]
    groups = _rates(by_value.groups)
    assert (groups["white"].positives, groups["white"].applications) == white
    assert (groups["black"].positives, groups["black"].applications) == black
    assert groups["white"].rate / groups["black"].rate == pytest.approx(ratio, abs=5e-3)


def test_gap_does_not_differ_by_city(result):
    het = result.breakdowns["municipality"].heterogeneity[0]
    assert het.df == 1
    assert het.p_value > 0.05  # the paper finds no significant city difference in the gap


def test_test_level_counts_net_rates_and_sign_test(result):
    c = result.comparisons[0]
    counts = c.test_counts
    assert (counts.reference_favoured, counts.group_favoured, counts.equal_positive, counts.no_positive) == (
        111, 46, 63, 1103)
    assert c.net_discrimination == pytest.approx(0.295, abs=5e-4)
    assert c.net_discrimination_all_tests == pytest.approx(0.049, abs=5e-4)
    assert c.sign_test_p == pytest.approx(2.2e-7, rel=0.05)


def test_clustered_linear_probability_model(result):
    reg = result.comparisons[0].regression
    assert reg.coefficient == pytest.approx(0.0320, abs=5e-5)
    assert reg.se_clustered == pytest.approx(0.0062, abs=5e-5)
    assert reg.clusters == 1323
    assert result.comparisons[0].rate_difference == pytest.approx(0.0320, abs=5e-5)


def test_json_has_the_documented_shape(result):
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for key in ("groups", "comparisons", "breakdowns", "targets", "between_target_sd", "fdr_level"):
        assert key in data
    comp = data["comparisons"][0]
    for key in ("rate_difference", "rate_difference_ci95", "rate_ratio", "rate_ratio_ci95", "test_counts",
                "net_discrimination", "net_discrimination_all_tests", "sign_test_p", "regression"):
        assert key in comp
    assert set(comp["regression"]) >= {"coefficient", "se_clustered", "p_value"}
    assert data["breakdowns"]["municipality"]["values"][0]["value"] == "Boston"
    target = data["targets"][0]
    for key in ("target", "group", "tests", "reference_favoured", "group_favoured", "p_value", "mid_p_value",
                "q_value", "flagged", "posterior_probability", "evidence", "evidence_level", "further_tests_needed"):
        assert key in target
