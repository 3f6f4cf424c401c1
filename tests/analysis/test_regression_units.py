"""analysis/regression.py function by function: the closed-form pairs logit, the conditional logit
and the clustered LPM against statsmodels, and every early return with the values it promises."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.stats import chi2, norm, t
from statsmodels.discrete.conditional_models import ConditionalLogit as SmConditionalLogit
from statsmodels.regression.linear_model import OLS

from analysis.regression import (
    NO_VARIATION,
    _separation,
    conditional_logit,
    dummies,
    gap_heterogeneity,
    lpm_clustered,
    matched_pairs_logit,
)


def _sm_cluster(y, x, clusters):
    fit = OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    return np.asarray(fit.params), np.asarray(fit.cov_params())


def _pair_rows(pattern: list[tuple[int, int]]):
    """y, is_ref, test of paired tests (reference positive, other positive)."""
    y, ref, test = [], [], []
    for i, (r, o) in enumerate(pattern):
        y += [r, o]
        ref += [1, 0]
        test += [i, i]
    return np.array(y, float), np.array(ref, float), np.array(test)


def _two_plus_two(seed: int, tests: int):
    """Two reference and two other applications per test, a template A/B varying within tests."""
    rng = np.random.default_rng(seed)
    test = np.repeat(np.arange(tests), 4)
    is_ref = np.tile([1.0, 1.0, 0.0, 0.0], tests)
    template = np.where(rng.random(4 * tests) < 0.5, "A", "B")
    base = np.repeat(rng.normal(-0.5, 1.0, tests), 4)
    y = (rng.random(4 * tests) < 1 / (1 + np.exp(-(base + 0.7 * is_ref + 0.3 * (template == "B"))))).astype(float)
    return y, is_ref, test, template


# ---------------------------------------------------------------- matched pairs, closed form

@pytest.mark.parametrize("b, c, level", [(12, 5, 0.95), (3, 9, 0.90), (1, 1, 0.99)])
def test_matched_pairs_logit_is_statsmodels_conditional_logit_on_the_pairs(b, c, level):
    y, ref, test = _pair_rows([(1, 0)] * b + [(0, 1)] * c)
    fit = SmConditionalLogit(y, ref[:, None], groups=test).fit(disp=False)
    beta, se = float(fit.params[0]), float(fit.bse[0])
    got = matched_pairs_logit(b, c, level)
    assert got.log_odds_ratio == pytest.approx(beta, abs=1e-4)
    assert got.se == pytest.approx(se, rel=1e-4)
    # closed form: log(b/c), sqrt(1/b + 1/c), Wald z
    assert got.log_odds_ratio == pytest.approx(math.log(b / c), rel=1e-12, abs=1e-15)
    assert got.se == pytest.approx(math.sqrt(1 / b + 1 / c), rel=1e-12)
    assert got.odds_ratio == pytest.approx(b / c, rel=1e-12)
    z = norm.ppf((1 + level) / 2)
    assert got.odds_ratio_ci95 == pytest.approx((b / c * math.exp(-z * got.se), b / c * math.exp(z * got.se)))
    assert got.p_value == pytest.approx(2 * norm.sf(abs(math.log(b / c)) / math.sqrt(1 / b + 1 / c)), rel=1e-10)
    assert got.informative_tests == b + c
    assert got.note == "closed form for pairs (design terms not included)"


@pytest.mark.parametrize("b, c", [(0, 4), (6, 0), (0, 0)])
def test_matched_pairs_logit_without_discordance_on_one_side_is_not_finite(b, c):
    got = matched_pairs_logit(b, c)
    assert (got.log_odds_ratio, got.se, got.p_value, got.odds_ratio, got.odds_ratio_ci95) == (
        None, None, None, None, (None, None))
    assert got.informative_tests == b + c
    assert got.note == "no discordant test favours one of the groups: the odds ratio is not finite"


# ---------------------------------------------------------------- conditional logit

@pytest.mark.parametrize("level", [0.95, 0.9])
def test_conditional_logit_with_a_design_term_is_statsmodels_on_every_test(level):
    y, is_ref, test, template = _two_plus_two(7, 250)
    x = np.column_stack([is_ref, (template == "B").astype(float)])
    total = np.bincount(test, weights=y)
    keep = ((total > 0) & (total < 4))[test]
    # statsmodels on the informative tests only (it drops the others itself, with a warning)
    fit = SmConditionalLogit(y[keep], x[keep], groups=test[keep]).fit(disp=False)
    beta, se = float(fit.params[0]), float(fit.bse[0])
    got = conditional_logit(y, is_ref, test, {"template": template}, level)
    assert got.log_odds_ratio == pytest.approx(beta, rel=1e-5)
    assert got.se == pytest.approx(se, rel=1e-5)
    assert got.odds_ratio == pytest.approx(math.exp(beta), rel=1e-5)
    z = norm.ppf((1 + level) / 2)
    assert got.odds_ratio_ci95 == pytest.approx((math.exp(beta - z * se), math.exp(beta + z * se)), rel=1e-5)
    assert got.p_value == pytest.approx(2 * norm.sf(abs(beta / se)), rel=1e-4)
    assert got.informative_tests == len(np.unique(test[keep]))
    assert got.note == ""


def test_a_design_term_constant_within_every_test_is_absorbed_not_fitted():
    y, is_ref, test, _ = _two_plus_two(8, 200)
    city = np.where(test % 3 == 0, "Gent", "Luik")  # the same for all applications of a test
    with_city = conditional_logit(y, is_ref, test, {"city": city})
    alone = conditional_logit(y, is_ref, test, {})
    assert with_city.log_odds_ratio is not None and with_city.note == ""
    assert with_city.log_odds_ratio == pytest.approx(alone.log_odds_ratio, rel=1e-9)
    assert with_city.se == pytest.approx(alone.se, rel=1e-9)


def test_conditional_logit_with_no_informative_test():
    # every test: all four positive, or none
    test = np.repeat(np.arange(6), 4)
    y = np.repeat([1.0, 0.0, 1.0, 0.0, 0.0, 1.0], 4)
    got = conditional_logit(y, np.tile([1.0, 1.0, 0.0, 0.0], 6), test, {})
    assert got.odds_ratio is None and got.informative_tests == 0 and got.note == "no informative test"
    assert (got.log_odds_ratio, got.se, got.p_value, got.odds_ratio_ci95) == (None, None, None, (None, None))


def test_conditional_logit_when_the_informative_tests_hold_one_group_only():
    # group sizes differ by test: the informative tests (0, 1) have reference applications only
    test = np.array([0, 0, 1, 1, 2, 2])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    is_ref = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    got = conditional_logit(y, is_ref, test, {})
    assert got.odds_ratio is None and got.informative_tests == 2 and got.note == "no informative test"


@pytest.mark.parametrize("favoured", ["reference", "other"])
def test_complete_separation_either_way_is_named(favoured):
    # two plus two: in every informative test the favoured group has all the positives it can
    rows = [(1, 1, 0, 0), (1, 0, 0, 0), (1, 1, 1, 0), (0, 0, 0, 0), (1, 1, 1, 1)]
    if favoured == "other":
        rows = [(c, d, a, b) for a, b, c, d in rows]
    y = np.array(rows, float).ravel()
    test = np.repeat(np.arange(len(rows)), 4)
    got = conditional_logit(y, np.tile([1.0, 1.0, 0.0, 0.0], len(rows)), test, {})
    side = "the reference group" if favoured == "reference" else "the other group"
    assert got.odds_ratio is None and got.informative_tests == 3
    assert (got.log_odds_ratio, got.se, got.p_value, got.odds_ratio_ci95) == (None, None, None, (None, None))
    assert got.note == (f"complete separation: every informative test favoured {side} as far as it could; "
                        "no finite odds ratio")


def test_separation_needs_every_informative_test_at_the_extreme():
    # test 0 at the reference's extreme (both its positives), test 1 in between (one of two)
    y = np.array([1, 1, 0, 0, 1, 0, 1, 0], float)
    is_ref = np.tile([1.0, 1.0, 0.0, 0.0], 2)
    groups = np.repeat([0, 1], 4)
    assert _separation(y, is_ref, groups) == ""
    assert _separation(y[:4], is_ref[:4], groups[:4]).startswith("complete separation")
    # unequal sizes: one reference and three others, two positives, the reference's one of them
    assert _separation(np.array([1.0, 1, 0, 0]), np.array([1.0, 0, 0, 0]), np.zeros(4, int)).endswith(
        "favoured the reference group as far as it could; no finite odds ratio")
    # the reference without a positive while two of three others have one: fewest = max(0, 2 - 3) = 0
    assert "the other group" in _separation(np.array([0.0, 1, 1, 0]), np.array([1.0, 0, 0, 0]),
                                            np.zeros(4, int))


# ---------------------------------------------------------------- LPM clustered by test

def test_dummies_name_every_level_but_the_first():
    values = np.array(["B", "A", "C", "A"])
    columns, names = dummies({"template": values, "order": np.array(["1", "1", "1", "1"])}, 4)
    assert names == ["template[B]", "template[C]"]
    assert columns.tolist() == [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    empty, none = dummies({}, 3)
    assert empty.shape == (3, 0) and none == []


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_lpm_with_design_dummies_is_statsmodels_with_t_on_g_minus_1(level):
    y, is_ref, test, template = _two_plus_two(11, 120)
    reg = lpm_clustered(y, is_ref, test, {"template": template}, level)
    x = np.column_stack([np.ones(len(y)), is_ref, (template == "B").astype(float)])
    params, cov = _sm_cluster(y, x, test)
    coef, se = params[1], math.sqrt(cov[1, 1])
    q = t.ppf((1 + level) / 2, 119)
    assert reg.coefficient == pytest.approx(coef, rel=1e-10)
    assert reg.se_clustered == pytest.approx(se, rel=1e-9)
    assert reg.p_value == pytest.approx(2 * t.sf(abs(coef) / se, 119), rel=1e-8)
    assert reg.ci95 == pytest.approx((coef - q * se, coef + q * se), rel=1e-9)
    assert (reg.applications, reg.clusters, reg.terms, reg.note) == (480, 120, ("template[B]",), "")


def test_lpm_counts_only_clusters_in_use():
    # test codes 3 and 8 in use (bincount sees 9 slots): two clusters
    y = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    reg = lpm_clustered(y, np.tile([1.0, 0.0], 4), np.array([3, 3, 3, 3, 8, 8, 8, 8]), {})
    assert reg.clusters == 2


def test_lpm_of_one_test_has_no_inference():
    reg = lpm_clustered(np.array([1.0, 0.0]), np.array([1.0, 0.0]), np.array([0, 0]), {})
    assert (reg.coefficient, reg.se_clustered, reg.p_value, reg.ci95) == (None, None, None, (None, None))
    assert (reg.applications, reg.clusters, reg.note) == (2, 1, "")


def test_lpm_of_one_group_only_has_no_inference_even_with_a_design():
    reg = lpm_clustered(np.array([1.0, 0.0, 1.0]), np.ones(3), np.array([0, 1, 2]),
                        {"template": np.array(["A", "B", "A"])})
    assert (reg.coefficient, reg.p_value, reg.clusters, reg.note) == (None, None, 3, "")


def test_lpm_with_no_variation_in_the_outcome_reports_a_zero_gap_and_says_why():
    reg = lpm_clustered(np.zeros(8), np.tile([1.0, 0.0], 4), np.repeat(np.arange(4), 2), {})
    assert (reg.coefficient, reg.se_clustered, reg.p_value, reg.ci95) == (0.0, None, None, (None, None))
    assert reg.note == NO_VARIATION and reg.clusters == 4


def test_lpm_with_no_discordant_test_has_a_gap_but_no_standard_error():
    # every pair concordant: y varies between tests, the gap is 0 and its clustered variance 0
    y, ref, test = _pair_rows([(1, 1), (0, 0), (1, 1), (0, 0), (0, 0)])
    reg = lpm_clustered(y, ref, test, {})
    assert reg.coefficient == pytest.approx(0.0, abs=1e-12)
    assert (reg.se_clustered, reg.p_value, reg.ci95, reg.note) == (None, None, (None, None), NO_VARIATION)


def test_a_factor_explaining_exactly_half_the_groups_variance_leaves_the_model():
    # per test: ref, ref, other, other with templates a, b, b, c: level means of is_reference
    # 1, 1/2, 0 around 1/2: R2 = (1/4 + 0 + 1/4) / 1 = 0.5, the threshold itself (>=)
    y = np.array([1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1], float)
    tests = 5
    is_ref = np.tile([1.0, 1.0, 0.0, 0.0], tests)
    template = np.tile(["a", "b", "b", "c"], tests)
    reg = lpm_clustered(y, is_ref, np.repeat(np.arange(tests), 4), {"template": template})
    assert reg.note == "template left out of the model: nearly collinear with the groups (R2 = 0.50)"
    assert reg.terms == ()
    plain = lpm_clustered(y, is_ref, np.repeat(np.arange(tests), 4), {})
    assert reg.coefficient == pytest.approx(plain.coefficient) and reg.se_clustered == pytest.approx(plain.se_clustered)


def test_a_factor_below_half_stays_in_the_model():
    # templates a, b, a, b: level means 1/2 and 1/2, R2 = 0
    y, is_ref, test, _ = _two_plus_two(12, 40)
    reg = lpm_clustered(y, is_ref, test, {"template": np.tile(["a", "b", "a", "b"], 40)})
    assert reg.terms == ("template[b]",) and reg.note == ""


def test_collinear_note_is_kept_beside_no_variation():
    y = np.zeros(8)
    reg = lpm_clustered(y, np.tile([1.0, 0.0], 4), np.repeat(np.arange(4), 2),
                        {"send_order": np.tile(["1", "2"], 4)})
    assert reg.note == ("send_order left out of the model: nearly collinear with the groups (R2 = 1.00); "
                        + NO_VARIATION)


def test_design_terms_collinear_with_the_rest_are_dropped():
    # two factors that are the same split of the rows: together not of full rank
    y, is_ref, test, template = _two_plus_two(13, 60)
    reg = lpm_clustered(y, is_ref, test, {"template": template, "copy": np.where(template == "A", "x", "y")})
    plain = lpm_clustered(y, is_ref, test, {})
    assert reg.terms == ()
    assert reg.coefficient == pytest.approx(plain.coefficient, rel=1e-12)
    assert reg.se_clustered == pytest.approx(plain.se_clustered, rel=1e-10)


# ---------------------------------------------------------------- gap heterogeneity

def test_heterogeneity_over_three_values_is_the_wald_test_on_statsmodels_covariance():
    rng = np.random.default_rng(21)
    tests = 300
    test = np.repeat(np.arange(tests), 2)
    is_ref = np.tile([1.0, 0.0], tests)
    value = np.repeat(rng.choice(["Gent", "Luik", "Mons"], size=tests), 2)
    y = (rng.random(2 * tests) < 0.25 + 0.1 * is_ref * (value == "Luik")).astype(float)
    stat, df, p = gap_heterogeneity(y, is_ref, test, value)
    luik, mons = (value == "Luik").astype(float), (value == "Mons").astype(float)
    x = np.column_stack([np.ones(2 * tests), luik, mons, is_ref, luik * is_ref, mons * is_ref])
    params, cov = _sm_cluster(y, x, test)
    b, v = params[4:], cov[4:, 4:]
    expected = float(b @ np.linalg.solve(v, b))
    assert df == 2
    assert stat == pytest.approx(expected, rel=1e-8)
    assert p == pytest.approx(chi2.sf(expected, 2), rel=1e-7)


def test_heterogeneity_needs_two_values_two_tests_and_a_full_rank_design():
    y, ref, test = _pair_rows([(1, 0), (0, 1), (1, 1), (1, 0)])
    assert gap_heterogeneity(y, ref, test, np.array(["Gent"] * 8)) == (None, 0, None)
    # one test only
    assert gap_heterogeneity(y[:2], ref[:2], test[:2], np.array(["Gent", "Luik"])) == (None, 1, None)
    # value Luik only on reference applications: its interaction equals its main effect
    values = np.array(["Luik", "Gent"] * 4)
    assert gap_heterogeneity(y, ref, test, values) == (None, 1, None)



def test_heterogeneity_with_exactly_two_tests_is_reported():
    # two tests, each with a reference and another applicant of either value: full rank, G = 2
    y = np.array([1, 0, 0, 1, 1, 1, 0, 0], float)
    is_ref = np.array([1, 1, 0, 0, 1, 1, 0, 0], float)
    values = np.array(["Gent", "Luik"] * 4)
    test = np.repeat([0, 1], 4)
    stat, df, p = gap_heterogeneity(y, is_ref, test, values)
    luik = (values == "Luik").astype(float)
    params, cov = _sm_cluster(y, np.column_stack([np.ones(8), luik, is_ref, luik * is_ref]), test)
    assert df == 1
    assert stat == pytest.approx(params[3] ** 2 / cov[3, 3], rel=1e-8)
    assert p == pytest.approx(chi2.sf(stat, 1), rel=1e-8)


def test_a_design_term_varying_within_a_single_test_stays_in_the_model():
    # the template is B for two of the four applications of one informative test only (within-test
    # sum of squares 2 x 2 / 4 = 1): still a column of the fit, as statsmodels fits it
    y, is_ref, test, _ = _two_plus_two(7, 250)
    template = np.full(len(y), "A")
    template[test == 3] = ["A", "B", "B", "A"]
    total = np.bincount(test, weights=y)
    keep = ((total > 0) & (total < 4))[test]
    x = np.column_stack([is_ref, template == "B"]).astype(float)[keep]
    fit = SmConditionalLogit(y[keep], x, groups=test[keep]).fit(disp=False)
    got = conditional_logit(y, is_ref, test, {"template": template})
    assert got.log_odds_ratio == pytest.approx(float(fit.params[0]), rel=1e-6)
    assert got.se == pytest.approx(float(fit.bse[0]), rel=1e-6)
    # and it matters: without the term the estimate is 0.7 % lower
    assert abs(conditional_logit(y, is_ref, test, {}).log_odds_ratio - got.log_odds_ratio) > 1e-3


# ---------------------------------------------------------------- what the fit reports when statsmodels fails

class _Fit:
    """A fitted result as statsmodels returns it: params and bse."""

    def __init__(self, beta, se):
        self.params, self.bse = np.array([beta]), np.array([se])


def _patch_fit(monkeypatch, fit):
    monkeypatch.setattr(SmConditionalLogit, "fit", lambda self, **kwargs: fit(self))


@pytest.mark.parametrize("error", [np.linalg.LinAlgError("Singular matrix"), ValueError("bad groups")])
def test_a_fit_that_raises_is_reported_not_hidden(monkeypatch, error):
    def fit(model):
        raise error
    _patch_fit(monkeypatch, fit)
    y, is_ref, test, _ = _two_plus_two(7, 60)
    got = conditional_logit(y, is_ref, test, {})
    assert (got.log_odds_ratio, got.se, got.p_value, got.odds_ratio, got.odds_ratio_ci95) == (
        None, None, None, None, (None, None))
    total = np.bincount(test, weights=y)
    assert got.informative_tests == int(np.sum((total > 0) & (total < 4)))
    assert got.note == f"could not be fitted: {error}"


@pytest.mark.parametrize("beta, se", [(np.nan, 0.3), (0.4, np.inf), (0.4, 0.0), (np.inf, 1.0)])
def test_a_fit_without_a_finite_estimate_and_positive_se_is_separation(monkeypatch, beta, se):
    _patch_fit(monkeypatch, lambda model: _Fit(beta, se))
    y, is_ref, test, _ = _two_plus_two(7, 60)
    got = conditional_logit(y, is_ref, test, {})
    assert (got.log_odds_ratio, got.se, got.p_value, got.odds_ratio, got.odds_ratio_ci95) == (
        None, None, None, None, (None, None))
    assert got.informative_tests > 0
    assert got.note == "separation: the odds ratio is not finite"


def test_non_convergence_is_noted_and_other_warnings_pass_through(monkeypatch):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    def fit(model):
        warnings.warn("Maximum Likelihood optimization failed to converge", ConvergenceWarning, stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
        return _Fit(math.log(2.0), 0.5)
    _patch_fit(monkeypatch, fit)
    y, is_ref, test, _ = _two_plus_two(7, 60)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = conditional_logit(y, is_ref, test, {})
    assert [(w.category, str(w.message)) for w in seen] == [(UserWarning, "something else")]
    assert got.note == "the optimiser did not converge; read the estimate with care"
    # the estimate is still reported: OR 2, Wald z = log 2 / 0.5, interval exp(log 2 -+ 1.959964 x 0.5)
    assert got.odds_ratio == pytest.approx(2.0) and got.se == 0.5
    assert got.p_value == pytest.approx(2 * norm.sf(math.log(2.0) / 0.5))
    assert got.odds_ratio_ci95 == pytest.approx((2 * math.exp(-1.959964 * 0.5), 2 * math.exp(1.959964 * 0.5)),
                                                rel=1e-6)


def test_a_converged_fit_has_an_empty_note_and_passes_no_warning(monkeypatch):
    _patch_fit(monkeypatch, lambda model: _Fit(-0.2, 0.1))
    y, is_ref, test, _ = _two_plus_two(7, 60)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = conditional_logit(y, is_ref, test, {})
    assert seen == [] and got.note == "" and got.odds_ratio == pytest.approx(math.exp(-0.2))


def test_design_terms_not_of_full_rank_leave_only_the_group_in_the_conditional_logit():
    # two copies of the same template split: together not of full rank, both dropped
    y, is_ref, test, template = _two_plus_two(8, 200)
    twice = conditional_logit(y, is_ref, test, {"template": template, "copy": np.where(template == "A", "x", "y")})
    alone = conditional_logit(y, is_ref, test, {})
    assert twice.log_odds_ratio == pytest.approx(alone.log_odds_ratio, rel=1e-9)
    assert twice.se == pytest.approx(alone.se, rel=1e-9)


def test_default_level_is_95_percent():
    got = matched_pairs_logit(12, 5)
    se = math.sqrt(1 / 12 + 1 / 5)
    assert got.odds_ratio_ci95 == pytest.approx((2.4 * math.exp(-1.959964 * se), 2.4 * math.exp(1.959964 * se)),
                                                rel=1e-6)
    y, is_ref, test, _ = _two_plus_two(7, 250)
    a, b = conditional_logit(y, is_ref, test, {}), conditional_logit(y, is_ref, test, {}, 0.95)
    assert a.odds_ratio_ci95 == b.odds_ratio_ci95


def test_lpm_early_returns_keep_terms_counts_and_every_note():
    # one test of four (ref A, ref B, other A, other B): full rank with template, but one cluster
    reg = lpm_clustered(np.array([1.0, 0, 1, 1]), np.array([1.0, 1, 0, 0]), np.zeros(4, int),
                        {"template": np.array(["A", "B", "A", "B"])})
    assert (reg.coefficient, reg.applications, reg.clusters, reg.terms, reg.note) == (None, 4, 1, ("template[B]",), "")
    # one pair with two send orders: R2 = 1 (total sum of squares 1/2), left out, said even without inference
    reg = lpm_clustered(np.array([1.0, 0]), np.array([1.0, 0]), np.zeros(2, int), {"send_order": np.array(["1", "2"])})
    assert reg.note == "send_order left out of the model: nearly collinear with the groups (R2 = 1.00)"
    # two such factors: both notes, joined by "; "
    reg = lpm_clustered(np.array([1.0, 0]), np.array([1.0, 0]), np.zeros(2, int),
                        {"send_order": np.array(["1", "2"]), "template": np.array(["A", "B"])})
    assert reg.note == ("send_order left out of the model: nearly collinear with the groups (R2 = 1.00); "
                        "template left out of the model: nearly collinear with the groups (R2 = 1.00)")
    empty = lpm_clustered(np.array([]), np.array([]), np.array([], int), {})
    assert (empty.coefficient, empty.applications, empty.clusters) == (None, 0, 0)


def test_lpm_with_every_application_positive_reports_exactly_zero():
    reg = lpm_clustered(np.ones(8), np.tile([1.0, 0.0], 4), np.repeat(np.arange(4), 2), {})
    assert (reg.coefficient, reg.se_clustered, reg.p_value, reg.note) == (0.0, None, None, NO_VARIATION)


def test_lpm_with_exactly_two_tests_and_its_default_level():
    y = np.array([1.0, 0, 1, 0, 0, 1, 1, 1])
    is_ref = np.array([1.0, 1, 0, 0, 1, 1, 0, 0])
    test = np.repeat([0, 1], 4)
    reg = lpm_clustered(y, is_ref, test, {})
    params, cov = _sm_cluster(y, np.column_stack([np.ones(8), is_ref]), test)
    se = math.sqrt(cov[1, 1])
    assert reg.clusters == 2 and reg.coefficient == pytest.approx(params[1]) and reg.se_clustered == pytest.approx(se)
    q = t.ppf(0.975, 1)  # default level 95 %, t with G - 1 = 1 degree of freedom
    assert reg.ci95 == pytest.approx((params[1] - q * se, params[1] + q * se))


def test_lpm_without_inference_still_reports_its_counts_terms_and_notes():
    y, ref, test = _pair_rows([(1, 1), (0, 0), (1, 1), (0, 0), (0, 0)])  # no discordant pair: se 0
    template = np.tile(["A", "B"], 5)  # B always the other applicant: collinear with the groups
    reg = lpm_clustered(y, ref, test, {"template": template})
    assert (reg.applications, reg.clusters, reg.terms) == (10, 5, ())
    assert reg.note == ("template left out of the model: nearly collinear with the groups (R2 = 1.00); "
                        + NO_VARIATION)
    city = np.repeat(["Gent", "Luik", "Gent", "Luik", "Gent"], 2)  # constant within pairs, kept
    reg = lpm_clustered(y, ref, test, {"city": city})
    assert (reg.se_clustered, reg.applications, reg.terms, reg.note) == (None, 10, ("city[Luik]",), NO_VARIATION)
    flat = lpm_clustered(np.zeros(10), ref, test, {"city": city})
    assert (flat.coefficient, flat.applications, flat.terms) == (0.0, 10, ("city[Luik]",))


def test_the_conditional_logit_prints_nothing(capfd):
    # `rounds analyse --format json` writes the result to standard output: an optimiser's
    # progress lines there ("Optimization terminated successfully ...") would break the JSON.
    y, is_ref, test, template = _two_plus_two(7, 250)
    got = conditional_logit(y, is_ref, test, {"template": template})
    assert got.log_odds_ratio is not None
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
