"""One comparison on rounds small enough to count by hand: a paired round (with a third group and tests
where only one group applied) and a two-reference-one-other round with templates. Expected values are
counted by hand, worked from closed forms, enumerated, or taken from statsmodels (OLS clustered by test,
conditional logit); the paired intervals come from analysis.paired (checked against published values in
test_paired_intervals.py) fed with the hand-counted cells."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.stats import binomtest, norm, t
from statsmodels.discrete.conditional_models import ConditionalLogit
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.sm_exceptions import ModelWarning

from analysis import Applications, paired
from analysis.comparison import PairSample, compare
from analysis.data import Layout
from analysis.result import TestCounts as Counts
from tests.analysis.test_classification_units import _brute_expected, _brute_stratified

# Paired round: (reference positive, other positive) per test: 3 both, 4 reference only, 1 other only, 2 none
PAIRS = [(1, 1)] * 3 + [(1, 0)] * 4 + [(0, 1)] + [(0, 0)] * 2


def _paired_round():
    rows = []
    for i, (r, g) in enumerate(PAIRS):
        rows += [{"test_id": f"p{i}", "target": f"f{i % 3}", "group": "ref", "positive": bool(r)},
                 {"test_id": f"p{i}", "target": f"f{i % 3}", "group": "grp", "positive": bool(g)}]
    # a third group in some of the same tests, and tests where only one of the two compared groups applied
    rows += [{"test_id": "p0", "target": "f0", "group": "x", "positive": False},
             {"test_id": "p4", "target": "f1", "group": "x", "positive": True},
             {"test_id": "solo-ref", "target": "f0", "group": "ref", "positive": True},
             {"test_id": "solo-grp", "target": "f1", "group": "grp", "positive": False},
             {"test_id": "solo-x", "target": "f2", "group": "x", "positive": True}]
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    return apps, layout, layout.group_code("ref"), layout.group_code("grp")


def _clogit(y, x, clusters) -> float:
    """statsmodels' conditional logit by test, fitted tightly: the coefficient of the first column (tests
    without variation carry no information and are dropped, as statsmodels warns). The analysis uses the
    default optimiser, which stops within about 1e-4 of this optimum: compared at 1e-3."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        fit = ConditionalLogit(y, x, groups=clusters).fit(method="bfgs", gtol=1e-12, maxiter=500, disp=False)
    return float(fit.params[0])


def _rows_of_compared_tests(pairs):
    y = np.array([v for pair in pairs for v in pair], float)
    is_ref = np.tile([1.0, 0.0], len(pairs))
    clusters = np.repeat(np.arange(len(pairs)), 2)
    return y, is_ref, clusters


def test_pair_sample_keeps_the_tests_where_both_applied():
    apps, layout, ref, grp = _paired_round()
    s = PairSample.of(layout, ref, grp)
    assert sorted(layout.tests[s.tests].tolist()) == sorted(f"p{i}" for i in range(10))
    assert s.left_out == 2  # solo-ref and solo-grp; solo-x is not a test of this comparison
    assert s.is_paired and s.n_ref.tolist() == [1] * 10 and s.n_grp.tolist() == [1] * 10
    assert not PairSample.of(Layout.of(Applications.from_records(
        [{"test_id": "a", "target": "f", "group": "ref", "positive": True},
         {"test_id": "b", "target": "f", "group": "grp", "positive": True}])), 0, 1).is_paired  # no test at all


def test_paired_comparison_by_hand():
    apps, layout, ref, grp = _paired_round()
    c = compare(apps, layout, ref, grp)
    assert (c.group, c.reference, c.design) == ("grp", "ref", "paired")
    assert (c.tests, c.tests_left_out, c.reference_applications, c.group_applications) == (10, 2, 10, 10)
    assert (c.reference_rate, c.group_rate, c.rate_difference) == (0.7, 0.4, pytest.approx(0.3))
    assert c.test_counts == Counts(4, 1, 3, 2)
    # 4 of 5 discordant tests favour the reference: p = 2 (5 + 1) / 32, mid-p = 2 (6 / 32 - 5 / 64) = 14 / 64
    assert c.sign_test_p == pytest.approx(binomtest(4, 5).pvalue) == pytest.approx(0.375)
    assert c.sign_test_mid_p == pytest.approx(14 / 64) and c.sign_test_method == "sign"
    assert (c.gross_reference_favoured, c.gross_group_favoured, c.net_discrimination,
            c.net_discrimination_all_tests) == (0.5, 0.125, 0.375, 0.3)
    # ratio of rates (a + b) / (a + c) = 7 / 4; intervals from the cells a = 3, b = 4, c = 1, d = 2
    assert c.rate_ratio == 7 / 4 and c.rate_ratio_method == "bonett_price_paired"
    assert c.rate_ratio_ci95 == paired.bonett_price_ratio(3, 4, 1, 0.95)
    assert c.rate_difference_ci95 == paired.newcombe_paired(3, 4, 1, 2, 0.95)
    assert c.rate_difference_method == "newcombe_paired_method10"
    assert c.rate_difference_tango_ci95 == paired.tango(4, 1, 10, 0.95)
    # conditional logit of pairs: odds ratio b / c = 4, Var(log OR) = 1/4 + 1/1 (Breslow & Day 1980, 7.2)
    cl = c.conditional_logit
    assert cl.odds_ratio == 4 and cl.log_odds_ratio == pytest.approx(math.log(4))
    assert cl.se == pytest.approx(math.sqrt(1.25)) and cl.informative_tests == 5
    # the linear probability model over the 20 applications of the 10 tests, clustered by test
    y, is_ref, clusters = _rows_of_compared_tests(PAIRS)
    fit = OLS(y, np.column_stack([np.ones(20), is_ref])).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    reg = c.regression
    assert reg.coefficient == pytest.approx(0.3) and reg.se_clustered == pytest.approx(fit.bse[1], rel=1e-9)
    assert (reg.applications, reg.clusters, reg.terms) == (20, 10, ())


def test_paired_comparison_at_another_level():
    apps, layout, ref, grp = _paired_round()
    c = compare(apps, layout, ref, grp, level=0.9)
    assert c.rate_difference_ci95 == paired.newcombe_paired(3, 4, 1, 2, 0.9)
    assert c.rate_difference_tango_ci95 == paired.tango(4, 1, 10, 0.9)
    assert c.rate_ratio_ci95 == paired.bonett_price_ratio(3, 4, 1, 0.9)
    z = norm.ppf(0.95)
    assert c.conditional_logit.odds_ratio_ci95 == (pytest.approx(4 * math.exp(-z * math.sqrt(1.25))),
                                                   pytest.approx(4 * math.exp(z * math.sqrt(1.25))))
    y, is_ref, clusters = _rows_of_compared_tests(PAIRS)
    fit = OLS(y, np.column_stack([np.ones(20), is_ref])).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    q = t.ppf(0.95, 9)
    assert c.regression.ci95 == (pytest.approx(0.3 - q * fit.bse[1]), pytest.approx(0.3 + q * fit.bse[1]))


# Two reference applications and one other per test: (reference positives of 2, other positive of 1)
MULTI = [(2, 1), (2, 0), (1, 0), (1, 1), (0, 1), (0, 0), (2, 1), (1, 0)]


def _multi_round(templates: bool = True, send_order: str = ""):
    rows = []
    for i, (kr, kg) in enumerate(MULTI):
        for j in range(2):
            rows.append({"test_id": f"m{i}", "target": f"f{i % 2}", "group": "ref", "positive": j < kr,
                         "template": ("A" if (i + j) % 2 else "B") if templates else "", "send_order": send_order})
        rows.append({"test_id": f"m{i}", "target": f"f{i % 2}", "group": "grp", "positive": bool(kg),
                     "template": ("A" if i % 4 < 2 else "B") if templates else "", "send_order": send_order})
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    return apps, layout, layout.group_code("ref"), layout.group_code("grp"), rows


def test_two_references_and_one_other_by_hand():
    apps, layout, ref, grp, rows = _multi_round()
    c = compare(apps, layout, ref, grp)
    assert c.design == "multi_application" and (c.tests, c.tests_left_out) == (8, 0)
    assert (c.reference_applications, c.group_applications) == (16, 8)
    # 9 of 16 reference applications positive, 4 of 8 others
    assert (c.reference_rate, c.group_rate) == (9 / 16, 0.5) and c.rate_difference == pytest.approx(1 / 16)
    # shares: 1 = 1 equal, 1 > 0, 1/2 > 0, 1/2 < 1, 0 < 1, none, 1 = 1, 1/2 > 0
    assert c.test_counts == Counts(3, 2, 2, 1)
    patterns = [(2, 1, kr + kg) for kr, kg in MULTI]
    exp_ref, exp_grp = _brute_expected(patterns)
    assert c.net_discrimination == pytest.approx((3 - 2 - (exp_ref - exp_grp)) / 7)
    assert c.net_discrimination_all_tests == pytest.approx((3 - 2 - (exp_ref - exp_grp)) / 8)
    assert c.gross_reference_favoured == 3 / 7 and c.gross_group_favoured == 2 / 7
    assert c.sign_test_method == "stratified_exact" and c.sign_test_mid_p is None
    assert c.sign_test_p == pytest.approx(_brute_stratified([(2, 1, kr + kg, kr) for kr, kg in MULTI]), rel=1e-9)
    # ratio of pooled rates with the linearised variance clustered by test (Cochran 1977, 6.11), by hand
    p_r, p_g, big_r, big_g = 9 / 16, 0.5, 9, 4
    u = [(kr - p_r * 2) / big_r - (kg - p_g * 1) / big_g for kr, kg in MULTI]
    se = math.sqrt(8 / 7 * sum(x * x for x in u))
    z = norm.ppf(0.975)
    assert c.rate_ratio == pytest.approx(1.125) and c.rate_ratio_method == "delta_log_ratio_clustered_by_test"
    assert c.rate_ratio_ci95 == (pytest.approx(1.125 * math.exp(-z * se)), pytest.approx(1.125 * math.exp(z * se)))
    # the difference's interval is the plain model's (no design terms); the reported model has the template
    y = np.array([r["positive"] for r in rows], float)
    is_ref = np.array([r["group"] == "ref" for r in rows], float)
    clusters = np.repeat(np.arange(8), 3)
    template_b = np.array([r["template"] == "B" for r in rows], float)
    plain = OLS(y, np.column_stack([np.ones(24), is_ref])).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    q = t.ppf(0.975, 7)
    assert c.rate_difference_method == "lpm_clustered_by_test" and c.rate_difference_tango_ci95 is None
    assert c.rate_difference_ci95 == (pytest.approx(plain.params[1] - q * plain.bse[1]),
                                      pytest.approx(plain.params[1] + q * plain.bse[1]))
    full = OLS(y, np.column_stack([np.ones(24), is_ref, template_b])).fit(
        cov_type="cluster", cov_kwds={"groups": clusters})
    assert c.regression.coefficient == pytest.approx(full.params[1], abs=1e-12)
    assert c.regression.se_clustered == pytest.approx(full.bse[1], rel=1e-9)
    assert len(c.regression.terms) == 1 and "template" in c.regression.terms[0]
    # conditional logit by test with the template, against statsmodels
    assert c.conditional_logit.log_odds_ratio == pytest.approx(
        _clogit(y, np.column_stack([is_ref, template_b]), clusters), abs=1e-3)


def test_without_templates_the_model_has_no_design_terms_and_the_logit_can_be_left_out():
    apps, layout, ref, grp, rows = _multi_round(templates=False)
    c = compare(apps, layout, ref, grp, with_conditional_logit=False)
    assert c.regression.terms == () and c.conditional_logit is None
    y = np.array([r["positive"] for r in rows], float)
    is_ref = np.array([r["group"] == "ref" for r in rows], float)
    plain = OLS(y, np.column_stack([np.ones(24), is_ref])).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(np.arange(8), 3)})
    assert c.regression.coefficient == pytest.approx(plain.params[1], abs=1e-12)
    # the same send order for every application: a factor of one level, no term
    apps, layout, ref, grp, _ = _multi_round(templates=False, send_order="1")
    c = compare(apps, layout, ref, grp)
    assert c.regression.terms == () and c.regression.coefficient == pytest.approx(plain.params[1], abs=1e-12)
    assert c.conditional_logit.log_odds_ratio == pytest.approx(
        _clogit(y, is_ref[:, None], np.repeat(np.arange(8), 3)), abs=1e-3)


def _ratio_round(ref_pos, grp_pos, n_ref=2, n_grp=1):
    rows = []
    for i, (kr, kg) in enumerate(zip(ref_pos, grp_pos, strict=True)):
        rows += [{"test_id": f"t{i}", "target": "f", "group": "ref", "positive": j < kr} for j in range(n_ref)]
        rows += [{"test_id": f"t{i}", "target": "f", "group": "grp", "positive": j < kg} for j in range(n_grp)]
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    return compare(apps, layout, layout.group_code("ref"), layout.group_code("grp"), with_conditional_logit=False)


def test_ratio_of_pooled_rates_when_one_group_has_no_positive():
    none_ref = _ratio_round([0, 0, 0], [1, 0, 1])
    assert none_ref.rate_ratio == 0.0 and none_ref.rate_ratio_ci95 == (None, None)
    none_grp = _ratio_round([1, 2, 0], [0, 0, 0])
    assert none_grp.rate_ratio == math.inf and none_grp.rate_ratio_ci95 == (None, None)
    neither = _ratio_round([0, 0], [0, 0])
    assert neither.rate_ratio is None and neither.rate_ratio_ci95 == (None, None)
    assert (neither.reference_rate, neither.group_rate, neither.rate_difference) == (0.0, 0.0, 0.0)


def test_ratio_of_one_test_has_an_unbounded_interval():
    one = _ratio_round([1], [1])
    assert one.rate_ratio == pytest.approx(0.5) and one.rate_ratio_ci95 == (0.0, math.inf)


def test_a_comparison_without_discordant_tests_has_no_sign_test():
    # pairs with only concordant tests
    rows = [{"test_id": f"c{i}", "target": "f", "group": g, "positive": i % 2 == 0}
            for i in range(6) for g in ("ref", "grp")]
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    c = compare(apps, layout, layout.group_code("ref"), layout.group_code("grp"))
    assert c.sign_test_p is None and c.sign_test_mid_p is None and c.test_counts == Counts(0, 0, 3, 3)


def test_a_template_recorded_for_some_tests_only_keeps_the_missing_value_as_a_level():
    apps, layout, ref, grp, rows = _multi_round()
    for r in rows:
        if int(r["test_id"][1:]) >= 4:
            r["template"] = ""  # no template recorded in the last four tests
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    c = compare(apps, layout, layout.group_code("ref"), layout.group_code("grp"), with_conditional_logit=False)
    assert len(c.regression.terms) == 2  # A and B against the missing value (or its equivalent coding)
    y = np.array([r["positive"] for r in rows], float)
    is_ref = np.array([r["group"] == "ref" for r in rows], float)
    level_a = np.array([r["template"] == "A" for r in rows], float)
    level_b = np.array([r["template"] == "B" for r in rows], float)
    fit = OLS(y, np.column_stack([np.ones(24), is_ref, level_a, level_b])).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(np.arange(8), 3)})
    assert c.regression.coefficient == pytest.approx(fit.params[1], abs=1e-12)
    assert c.regression.se_clustered == pytest.approx(fit.bse[1], rel=1e-9)


def test_groups_that_never_share_a_test_have_nothing_to_compare():
    rows = [{"test_id": f"r{i}", "target": "f", "group": "ref", "positive": True} for i in range(3)]
    rows += [{"test_id": f"g{i}", "target": "f", "group": "grp", "positive": i == 0} for i in range(2)]
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    c = compare(apps, layout, layout.group_code("ref"), layout.group_code("grp"))
    assert (c.design, c.tests, c.tests_left_out) == ("multi_application", 0, 5)
    assert (c.reference_applications, c.group_applications) == (0, 0)
    assert (c.reference_rate, c.group_rate, c.rate_difference) == (None, None, None)
    assert (c.rate_ratio, c.rate_ratio_ci95) == (None, (None, None))
    assert c.regression is None and c.conditional_logit is None and c.sign_test_p is None
    assert c.test_counts == Counts(0, 0, 0, 0)


def test_ratio_of_pooled_rates_with_a_single_positive_on_one_side():
    assert _ratio_round([1, 0, 0], [0, 0, 0]).rate_ratio == math.inf  # one reference positive, none other
    assert _ratio_round([0, 0, 0], [0, 1, 0]).rate_ratio == 0.0  # one positive of the other group


def _cochran_interval(ref_pos, grp_pos, n_ref, n_grp, level=0.95):
    """Ratio of pooled rates and its delta-method interval on the log scale, clustered by test (Cochran
    1977, 6.11), in plain Python: u_t = (k_rt - P_r n_r) / K_r - (k_gt - P_g n_g) / K_g, Var = G/(G-1) sum u^2."""
    g = len(ref_pos)
    big_r, big_g = sum(ref_pos), sum(grp_pos)
    p_r, p_g = big_r / (n_ref * g), big_g / (n_grp * g)
    u = [(kr - p_r * n_ref) / big_r - (kg - p_g * n_grp) / big_g for kr, kg in zip(ref_pos, grp_pos, strict=True)]
    se = math.sqrt(g / (g - 1) * sum(x * x for x in u))
    z = norm.ppf(0.5 + level / 2)
    ratio = p_r / p_g
    return ratio, (ratio * math.exp(-z * se), ratio * math.exp(z * se))


@pytest.mark.parametrize(("ref_pos", "grp_pos", "n_ref", "n_grp"), [
    ([1, 0, 1, 1, 0], [2, 1, 0, 1, 2], 1, 2),  # one reference and two others per test
    ([2, 1], [0, 1], 2, 1),  # two tests: G / (G - 1) = 2
    ([3, 1, 2, 0], [1, 2, 2, 1], 3, 2),
])
def test_ratio_interval_by_hand(ref_pos, grp_pos, n_ref, n_grp):
    c = _ratio_round(ref_pos, grp_pos, n_ref, n_grp)
    ratio, (lo, hi) = _cochran_interval(ref_pos, grp_pos, n_ref, n_grp)
    assert c.rate_ratio == pytest.approx(ratio) and c.rate_ratio_ci95 == (pytest.approx(lo), pytest.approx(hi))


def _pairs_compare(pairs, **kwargs):
    rows = []
    for i, (r, g) in enumerate(pairs):
        rows += [{"test_id": f"p{i}", "target": "f", "group": "ref", "positive": bool(r)},
                 {"test_id": f"p{i}", "target": "f", "group": "grp", "positive": bool(g)}]
    apps = Applications.from_records(rows)
    layout = Layout.of(apps)
    return compare(apps, layout, layout.group_code("ref"), layout.group_code("grp"), **kwargs)


def test_paired_ratio_of_rates_at_its_edges():
    # a = 1 both, b = 2 reference only, c = 1 other only: (a + b) / (a + c) = 3 / 2
    assert _pairs_compare([(1, 1), (1, 0), (1, 0), (0, 1), (0, 0)]).rate_ratio == 1.5
    # no positive of the other group (a = c = 0) but some of the reference: infinite; none at all: no ratio
    assert _pairs_compare([(1, 0), (1, 0), (0, 0)]).rate_ratio == math.inf
    assert _pairs_compare([(0, 0), (0, 0), (0, 0)]).rate_ratio is None


def test_paired_sign_test_of_as_many_discordant_tests_each_way_is_one():
    c = _pairs_compare([(1, 0), (1, 0), (0, 1), (0, 1), (1, 1)])
    # b = c = 2: P(|X - 2| >= 0) = 1 for X ~ Bin(4, 1/2); mid-p 2 (11/16 - 6/32) = 1
    assert c.sign_test_p == pytest.approx(binomtest(2, 4).pvalue) == pytest.approx(1.0)
    assert c.sign_test_mid_p == pytest.approx(1.0)


def test_model_with_templates_at_another_level():
    apps, layout, ref, grp, rows = _multi_round()
    c = compare(apps, layout, ref, grp, level=0.9, with_conditional_logit=False)
    y = np.array([r["positive"] for r in rows], float)
    is_ref = np.array([r["group"] == "ref" for r in rows], float)
    template_b = np.array([r["template"] == "B" for r in rows], float)
    full = OLS(y, np.column_stack([np.ones(24), is_ref, template_b])).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(np.arange(8), 3)})
    q = t.ppf(0.95, 7)
    assert c.regression.ci95 == (pytest.approx(full.params[1] - q * full.bse[1]),
                                 pytest.approx(full.params[1] + q * full.bse[1]))


def test_conditional_logit_with_templates_at_another_level():
    apps, layout, ref, grp, rows = _multi_round()
    c = compare(apps, layout, ref, grp, level=0.9)
    y = np.array([r["positive"] for r in rows], float)
    is_ref = np.array([r["group"] == "ref" for r in rows], float)
    template_b = np.array([r["template"] == "B" for r in rows], float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        fit = ConditionalLogit(y, np.column_stack([is_ref, template_b]), groups=np.repeat(np.arange(8), 3)).fit(
            method="bfgs", gtol=1e-12, maxiter=500, disp=False)
    z = norm.ppf(0.95)
    lo, hi = c.conditional_logit.odds_ratio_ci95
    assert math.log(lo) == pytest.approx(fit.params[0] - z * fit.bse[0], abs=2e-3)
    assert math.log(hi) == pytest.approx(fit.params[0] + z * fit.bse[0], abs=2e-3)
