"""The two-type mixture recovers a known truth."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import logsumexp
from scipy.stats import nchypergeom_fisher

from analysis.bayes import _best_share, _log_norm, _patterns, _profile, fit_mixture


def _simulate(rng, n_targets=400, tests=10, share=0.3, odds_ratio=6.0):
    """Pairs with one positive each (discordant): P(reference) = 1/2 or psi / (1 + psi)."""
    bad = rng.uniform(size=n_targets) < share
    owner = np.repeat(np.arange(n_targets), tests)
    p_ref = np.where(bad[owner], odds_ratio / (1 + odds_ratio), 0.5)
    observed = (rng.uniform(size=owner.size) < p_ref).astype(int)
    ones = np.ones(owner.size, dtype=int)
    return bad, fit_mixture(owner, ones, ones, ones, observed, n_targets)


def test_recovers_share_and_odds_ratio():
    bad, fit = _simulate(np.random.default_rng(11))
    assert fit.converged
    assert fit.share == pytest.approx(0.3, abs=0.07)
    assert fit.odds_ratio == pytest.approx(6.0, rel=0.4)


def test_posteriors_are_calibrated():
    bad, fit = _simulate(np.random.default_rng(12), n_targets=2000)
    high = fit.posterior > 0.8
    low = fit.posterior < 0.2
    # among targets with posterior > 0.8 most discriminate, among < 0.2 few do
    assert bad[high].mean() > 0.8
    assert bad[low].mean() < 0.2
    assert np.mean(fit.posterior) == pytest.approx(bad.mean(), abs=0.05)


def test_one_pair_per_target_is_not_identified():
    owner = np.arange(50)
    ones = np.ones(50, dtype=int)
    fit = fit_mixture(owner, ones, ones, ones, (owner % 3 > 0).astype(int), 50)
    assert not fit.converged


def test_no_informative_tests():
    fit = fit_mixture(np.array([], int), *(np.array([], int),) * 4, 3)
    assert fit.share is None and fit.odds_ratio is None and np.isnan(fit.posterior).all()
    assert fit.posterior.shape == (3,) and fit.converged is False  # a bool field: not None, not True


def _design(seed=5, targets=60, per=4, share=0.3, odds_ratio=5.0):
    """Tests of 1-2 reference and 1-2 other applications with 1..n-1 positives; reference positives drawn from
    Fisher's noncentral hypergeometric (scipy), odds ratio 1 or `odds_ratio` by the target's type."""
    rng = np.random.default_rng(seed)
    owner = np.repeat(np.arange(targets), per)
    nr, ng = rng.integers(1, 3, size=owner.size), rng.integers(1, 3, size=owner.size)
    k = np.array([rng.integers(1, a + b) for a, b in zip(nr, ng, strict=True)])
    bad = rng.uniform(size=targets) < share
    psi = np.where(bad[owner], odds_ratio, 1.0)
    y = np.array([nchypergeom_fisher.rvs(a + b, a, kk, p, random_state=rng)
                  for a, b, kk, p in zip(nr, ng, k, psi, strict=True)])
    return owner, nr, ng, k, y


def _log_likelihoods(owner, nr, ng, k, y, targets):
    """log L0 and log L1(log psi) per target, by enumerating each test's support with math.comb."""
    width = int(max(nr.max(), k.max())) + 1
    w = np.zeros((len(y), width))
    for i, (a, b, kk) in enumerate(zip(nr, ng, k, strict=True)):
        for j in range(width):
            if 0 <= kk - j <= b and j <= a:
                w[i, j] = math.comb(int(a), j) * math.comb(int(b), int(kk - j))
    support = np.arange(width)

    def per_target(log_psi):
        per_test = np.log(w[np.arange(len(y)), y]) + y * log_psi - np.log((w * np.exp(support * log_psi)).sum(1))
        return np.bincount(owner, per_test, minlength=targets)

    return per_target


def test_fit_is_the_maximum_likelihood_and_posteriors_follow_bayes_rule():
    owner, nr, ng, k, y = _design()
    ll = _log_likelihoods(owner, nr, ng, k, y, 61)
    # the enumeration is Fisher's noncentral hypergeometric (scipy) at some odds ratio
    assert ll(np.log(3.0)).sum() == pytest.approx(
        nchypergeom_fisher.logpmf(y, nr + ng, nr, k, 3.0).sum(), rel=1e-12)

    def minus_ll(v):
        pi, log_psi = v
        if not 0 < pi < 1:
            return np.inf
        return -np.sum(np.logaddexp(np.log1p(-pi) + ll(0.0), np.log(pi) + ll(log_psi)))

    best = minimize(minus_ll, [0.3, 1.5], method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})
    fit = fit_mixture(owner, nr, ng, k, y, 61)  # owner 60 has no test
    assert fit.converged
    assert fit.share == pytest.approx(best.x[0], abs=1e-4)
    assert np.log(fit.odds_ratio) == pytest.approx(best.x[1], abs=1e-4)
    # posterior: pi L1 / (pi L1 + (1 - pi) L0) at the fitted values; a target without tests keeps the prior
    l0, l1 = ll(0.0), ll(np.log(fit.odds_ratio))
    expected = fit.share / (fit.share + (1 - fit.share) * np.exp(l0 - l1))
    assert fit.posterior == pytest.approx(expected, rel=1e-9)
    assert fit.posterior[60] == pytest.approx(fit.share, rel=1e-12)
    assert fit.log_ratio(np.log(2.0)) == pytest.approx(ll(np.log(2.0)) - l0, rel=1e-9, abs=1e-12)


def test_patterns_are_the_unique_tests_with_log_binomial_weights():
    nr, ng, k = np.array([1, 2, 3, 1, 2]), np.array([1, 1, 2, 1, 3]), np.array([1, 2, 3, 1, 4])
    inverse, logw, ys = _patterns(nr, ng, k)
    assert inverse[0] == inverse[3] and len(set(inverse.tolist())) == 4 and logw.shape[0] == 4
    for i in range(5):
        row = inverse[i]
        support = range(max(0, k[i] - ng[i]), min(k[i], nr[i]) + 1)
        valid = np.isfinite(logw[row])
        assert ys[row][valid].tolist() == list(support)
        assert np.all(logw[row][~valid] == -np.inf) and np.all(ys[row][~valid] == 0)
        assert logw[row][valid] == pytest.approx(
            [math.log(math.comb(nr[i], j) * math.comb(ng[i], k[i] - j)) for j in support], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("log_psi", [0.0, 0.7, -2.0, 800.0])
def test_log_normaliser_is_the_log_sum_and_does_not_overflow(log_psi):
    _, logw, ys = _patterns(np.array([3, 2]), np.array([2, 2]), np.array([3, 1]))
    expected = logsumexp(logw + ys * log_psi, axis=1)
    assert _log_norm(logw, ys, log_psi) == pytest.approx(expected, rel=1e-12)


def test_best_share_maximises_the_mixture_likelihood():
    delta = np.array([2.0, -1.0, 0.5, -0.3, 3.0, -2.0, 0.1])

    def minus_ll(pi):
        return -np.sum(np.log(1 - pi + pi * np.exp(delta)))

    best = minimize_scalar(minus_ll, bounds=(0, 1), method="bounded", options={"xatol": 1e-12})
    assert 0 < best.x < 1 and _best_share(delta) == pytest.approx(best.x, abs=1e-8)
    value, pi = _profile(delta)
    assert pi == _best_share(delta) and value == pytest.approx(-minus_ll(pi), rel=1e-12)


def test_best_share_at_the_edges():
    # every target more likely equal (delta < 0): the score at pi = 0, sum(e^delta - 1), is negative: pi = 0
    assert _best_share(np.array([-1.0, -0.5])) == 0.0 and _profile(np.array([-1.0, -0.5])) == (0.0, 0.0)
    # sum(e^delta - 1) = 0 exactly (one at log 2, one at log 0.5... e - 1 = 1 and 0.5 - 1 = -0.5, twice):
    # the score at 0 is 0, not positive: pi = 0
    assert _best_share(np.log(np.array([2.0, 0.5, 0.5]))) == 0.0
    # every target far more likely to discriminate, one at e^800 (clamped, no overflow): pi = 1
    delta = np.array([3.0, 800.0, 2.0])
    assert _best_share(delta) == 1.0 and _profile(delta) == (pytest.approx(805.0), 1.0)


def test_two_discordant_pairs_per_target_are_identified():
    # each target: two pairs with one positive; 20 targets both to the reference, 14 split, 6 both to the
    # other group (more at the ends than one binomial gives). Span 2 per target: the statistic takes three
    # values, so pi and psi are identified.
    per_target = [(1, 1)] * 20 + [(1, 0)] * 14 + [(0, 0)] * 6
    owner = np.repeat(np.arange(40), 2)
    y = np.array(per_target).ravel()
    ones = np.ones(80, int)
    fit = fit_mixture(owner, ones, ones, ones, y, 40)
    assert fit.converged and 0 < fit.share < 1
    # all to the reference: the likelihood rises all the way to the bound, so the odds ratio is the bound
    # itself, 100 (not a point of the bounded search just inside it); not identified
    fit = fit_mixture(owner, ones, ones, ones, np.ones(80, int), 40)
    assert not fit.converged and fit.odds_ratio == pytest.approx(100.0, rel=1e-12)


def test_best_share_in_closed_form_with_a_small_score_at_zero():
    # r = e^delta - 1 = (0.5, -0.4): the score at 0 is 0.1 (positive but small), and
    # 0.5 / (1 + 0.5 pi) = 0.4 / (1 - 0.4 pi) gives 0.5 - 0.2 pi = 0.4 + 0.2 pi, pi = 1/4.
    assert _best_share(np.log(np.array([1.5, 0.6]))) == pytest.approx(0.25, abs=1e-9)


def test_best_share_without_information_is_zero():
    # delta = 0 for every target (no test tells the types apart): the likelihood is flat in pi and the
    # share stays 0 (no target is called a discriminator), not 1
    assert _best_share(np.zeros(5)) == 0.0


def test_best_share_of_ten_thousand_overwhelming_targets_does_not_overflow():
    # delta is clamped at 700 before expm1: 10,000 x e^700 = 1.0e308 is still a float (e^701 x 10,000 is not),
    # and warnings are errors in this suite
    assert _best_share(np.full(10000, 800.0)) == 1.0


def _delta_with_score_zero_at_the_top():
    """delta = (log 2, d) with the score at t = 1 - 1e-12 exactly 0.0 in floating point, or None.

    r = (1, r2) with r2 / (1 + t r2) = -1 / (1 + t): r2 = -1 / (1 + 2t), d = log1p(r2) ~ log(2/3). Which
    float d gives exactly 0.0 depends on the machine's expm1 (numpy picks SIMD code by CPU: one machine
    gave 0.0 at -0.4054651081084978, another -1.1e-16 there), so the floats around the root are searched
    here, on the machine that runs the test.
    """
    t = 1 - 1e-12
    start = math.log1p(-1 / (1 + 2 * t))
    below = above = start
    for _ in range(400):
        for d in (below, above):
            delta = np.array([math.log(2.0), d])
            r = np.expm1(delta)
            if float(np.sum(r / (1 + t * r))) == 0.0:
                return delta
        below, above = math.nextafter(below, -math.inf), math.nextafter(above, math.inf)
    return None


def test_best_share_is_one_when_the_score_at_the_top_is_exactly_zero():
    # The score at 0 is 1 + r2 > 0 and the score at the top is exactly 0: the maximum is at the top and
    # the share is 1 (a `> 0` at the top would search inside instead).
    delta = _delta_with_score_zero_at_the_top()
    assert delta is not None, "no float within 400 steps of log(2/3) puts the score at exactly 0.0"
    assert _best_share(delta) == 1.0


def _pairs_with(counts):
    """Discordant pairs: counts is a list of (targets, pairs each, of which to the reference)."""
    owner, y, t = [], [], 0
    for targets, pairs, ref in counts:
        for _ in range(targets):
            owner += [t] * pairs
            y += [1] * ref + [0] * (pairs - ref)
            t += 1
    ones = np.ones(len(y), int)
    return fit_mixture(np.array(owner), ones, ones, ones, np.array(y), t)


@pytest.mark.parametrize(("counts", "ref", "pairs"), [
    # 30 targets 6 of 10 to the reference, 70 targets 5 of 10: less spread than one binomial, so every
    # target is of the discriminating type (share 1) and theta = 530 / 1000, log psi = log(530 / 470) = 0.120,
    # between the first two points of the odds-ratio grid (0.020 and 0.179)
    ([(30, 10, 6), (70, 10, 5)], 530, 1000),
    # 90 targets 99 of 100, 10 targets 98 of 100: theta = 9890 / 10000, log psi = log(9890 / 110) = 4.499,
    # between the last two grid points (4.445 and log 100 = 4.605)
    ([(90, 100, 99), (10, 100, 98)], 9890, 10000),
])
def test_odds_ratio_between_the_grid_ends_is_found(counts, ref, pairs):
    # with share 1 the likelihood is binomial in theta = psi / (1 + psi): the maximum is theta = ref / pairs
    fit = _pairs_with(counts)
    assert fit.share == 1.0
    assert np.all(fit.posterior == 1.0)  # prior 1: every target discriminates, whatever its own tests say
    assert not fit.converged  # a share at its edge is not an interior maximum
    assert math.log(fit.odds_ratio) == pytest.approx(math.log(ref / (pairs - ref)), abs=1e-4)


def test_share_zero_gives_posteriors_zero():
    # every target 5 of 10 pairs to the reference: under a discriminating type (theta > 1/2) each target's
    # likelihood ratio is (2 theta)^5 (2 (1 - theta))^5 = (4 theta (1 - theta))^5 < 1, so the share is 0 and,
    # with prior 0, no target is a discriminator
    fit = _pairs_with([(40, 10, 5)])
    assert fit.share == 0.0 and np.all(fit.posterior == 0.0) and not fit.converged


def test_identified_only_below_the_odds_ratio_bound():
    # 10 targets 49 of 50 pairs to the reference, 30 targets 25 of 50: share 1/4 and psi = 49 (theta = 49/50),
    # an interior maximum well inside the bound of 100: identified
    fit = _pairs_with([(10, 50, 49), (30, 50, 25)])
    assert fit.converged and fit.share == pytest.approx(0.25, abs=1e-6)
    assert fit.odds_ratio == pytest.approx(49.0, rel=1e-4)
    # 10 targets 10 of 10: their theta is 1, so psi runs to the bound 100: not identified
    fit = _pairs_with([(10, 10, 10), (30, 10, 5)])
    assert fit.odds_ratio == pytest.approx(100.0, rel=1e-12) and 0 < fit.share < 1 and not fit.converged


def test_tests_that_cannot_vary_do_not_identify_the_mixture():
    # each target: one discordant pair and one test of 2 reference and 1 other application, all 3 positive
    # (2 reference positives whatever the type: no information). Each target's statistic takes two values,
    # the ridge of one pair per target: not identified, however many tests it has.
    per_target = [1] * 25 + [0] * 15
    owner = np.repeat(np.arange(40), 2)
    n_ref, n_grp, total = np.tile([1, 2], 40), np.ones(80, int), np.tile([1, 3], 40)
    y = np.column_stack([per_target, np.full(40, 2)]).ravel()
    fit = fit_mixture(owner, n_ref, n_grp, total, y, 40)
    assert 0 < fit.share < 1 and fit.odds_ratio < 99 and not fit.converged
