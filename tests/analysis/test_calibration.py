"""The mixture posterior is shown only where the round's own fit passes a curvature and a calibration check."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import nchypergeom_fisher

from analysis import Applications, analyse_round, calibration
from analysis.bayes import GRID, MixtureFit, _patterns, fit_mixture
from analysis.calibration import (
    MAX_CALIBRATION_GAP,
    MAX_SHARE_WIDTH,
    MIN_BAND,
    REPLICATES,
    SHARES,
    _draw,
    calibration_gap,
    check,
    posterior_range,
    share_interval,
)


def _round(seed, targets, pairs, share, p_ref_bad, p_grp_bad, fair=0.3):
    rng = np.random.default_rng(seed)
    bad = rng.uniform(size=targets) < share
    target = np.repeat(np.arange(targets), pairs)
    n = targets * pairs
    p_ref = np.where(bad[target], p_ref_bad, fair)
    p_grp = np.where(bad[target], p_grp_bad, fair)
    apps = Applications(
        test_id=np.repeat(np.arange(n), 2).astype(str), target=np.repeat(target, 2).astype(str),
        group=np.tile(["ref", "grp"], n),
        positive=np.column_stack([rng.uniform(size=n) < p_ref, rng.uniform(size=n) < p_grp]).ravel(),
    )
    return apps, bad


def test_bertrand_mullainathan_posterior_is_withheld(bm):
    result = analyse_round(bm, "white")
    check = result.mixtures[0].calibration
    # issue 8: the profile likelihood for the share is flat from 0.24 to 1.00
    assert not check["passed"] and not check["curvature_ok"]
    assert check["share_interval"][0] < 0.3 and check["share_interval"][1] > 0.95
    assert all(t.posterior_probability is None for t in result.targets)  # the 1,103 silent ads got 0.63


def test_calibration_check_catches_the_reviewed_case():
    # 100 targets x 10 pairs, 30% discriminators: a reported 0.80 was right 59% of the time.
    apps, _ = _round(1, 100, 10, 0.3, 0.5, 0.15)
    result = analyse_round(apps, "ref")
    assert all(t.posterior_probability is None for t in result.targets)
    pos = apps.positive.reshape(-1, 2)
    owner = np.arange(1000) // 10
    total = pos.sum(axis=1)
    inf = total == 1
    ones = np.ones(int(inf.sum()), int)
    fit = fit_mixture(owner[inf], ones, ones, total[inf], pos[inf, 0].astype(int), 100)
    assert calibration_gap(fit, owner[inf], ones, ones, total[inf], 100) > MAX_CALIBRATION_GAP


def test_a_well_identified_round_shows_calibrated_posteriors():
    apps, bad = _round(2, 300, 30, 0.3, 0.7, 0.05)
    result = analyse_round(apps, "ref")
    assert result.mixtures[0].calibration["passed"]
    shown = [t for t in result.targets if t.posterior_probability is not None]
    assert shown and all(t.informative_tests > 0 for t in shown)
    for t in shown:
        low, high = t.posterior_interval
        assert low - 1e-12 <= t.posterior_probability <= high + 1e-12
    high = [t for t in shown if t.posterior_probability > 0.8]
    truth = np.array([bad[int(t.target)] for t in high])
    assert truth.mean() >= 0.8  # known truth of the simulation
    assert all("probab" not in t.evidence for t in result.targets)


def _fake_fit(share, odds_ratio=2.0, log_ratio=None, converged=True, n=3):
    return MixtureFit(share, odds_ratio, np.full(n, 0.5), converged, log_ratio)


def test_share_interval_is_the_profile_likelihood_interval_on_the_grid():
    # the (20, 14, 6) round of test_bayes five times over: two discordant pairs per target, identified
    per_target = [(1, 1)] * 100 + [(1, 0)] * 70 + [(0, 0)] * 30
    owner, ones = np.repeat(np.arange(200), 2), np.ones(400, int)
    fit = fit_mixture(owner, ones, ones, ones, np.array(per_target).ravel(), 200)
    assert fit.converged
    # brute force: for each share on the grid, the largest log-likelihood over the odds-ratio grid (and the
    # fitted odds ratio); keep the shares within chi-square(1) 95% / 2 of the best, the fit itself included.
    log_psis = [*GRID, math.log(fit.odds_ratio)]
    deltas = [fit.log_ratio(g) for g in log_psis]

    def ll(s, d):
        return sum(math.log(1 - s + s * math.exp(x)) for x in d)

    profile = [max(ll(s, d) for d in deltas) for s in SHARES]
    best = max(max(profile), ll(fit.share, deltas[-1]))
    inside = [s for s, v in zip(SHARES, profile, strict=True) if 2 * (best - v) <= 3.841458820694124]
    assert share_interval(fit) == (pytest.approx(min(inside), abs=0), pytest.approx(max(inside), abs=0))
    assert 0.01 < min(inside) < fit.share < max(inside) < 0.99


def test_share_interval_falls_back_to_the_estimate_when_no_grid_share_is_inside():
    # 40 sure discriminators (delta = +20) and 1,960 sure non-discriminators (delta = -20): the log-
    # likelihood is about 40 log s + 1960 log(1 - s), peaked at 0.02, which is not on the grid (0.01, 0.03,
    # ...): at 0.01 it is 40 log(1/2) + 1960 log(0.99/0.98) = -7.8 below the top, at 0.03
    # 40 log(3/2) + 1960 log(0.97/0.98) = -3.9; 2 x 3.9 > 3.84.
    # The odds-ratio grid carries no information here (delta 0); only the fitted odds ratio (2) does, so the
    # top is the fit's own likelihood, not a grid point's.
    delta = np.r_[np.full(40, 20.0), np.full(1960, -20.0)]
    fit = _fake_fit(0.02, log_ratio=lambda g: delta if g == math.log(2.0) else np.zeros_like(delta))
    assert share_interval(fit) == (0.02, 0.02)
    # 30 and 70: the interval of log-likelihood 30 log s + 70 log(1 - s), worked on the grid
    delta = np.r_[np.full(30, 20.0), np.full(70, -20.0)]
    fit = _fake_fit(0.3, log_ratio=lambda g: delta)

    def ll(s):
        return 30 * math.log(s + (1 - s) * math.exp(-20)) + 70 * math.log(1 - s + s * math.exp(-20))

    inside = [s for s in SHARES if 2 * (ll(0.3) - ll(s)) <= 3.841458820694124]
    assert share_interval(fit) == (min(inside), max(inside))


def _banded(monkeypatch, share, first, second, owners=8, n_owners=10):
    """calibration_gap with the refitted posteriors fixed: `first` for replicates 1-10, `second` for 11-20."""
    calls = []

    def refit(owner, n_ref, n_grp, total, observed, n):
        calls.append(1)
        return MixtureFit(0.5, 2.0, np.array(first if len(calls) <= 10 else second), True)

    monkeypatch.setattr(calibration, "fit_mixture", refit)
    owner = np.arange(owners)
    ones = np.ones(owners, int)
    gap = calibration_gap(_fake_fit(share), owner, ones, ones, ones, n_owners)
    assert len(calls) == REPLICATES == 20
    return gap


# Owners 0-7 have a test, 8 and 9 none (left out). Band b holds posteriors in [b / 5, (b + 1) / 5), 1.0 in band 4.
# Band 0: owners 0-2 at 0.1 (60 values, mean 0.1). Band 1: owner 6 at 0.2 (20 values) and owner 5 at 0.3 in
# replicates 11-20 (10): 30 < 50, left out. Band 3: owner 7 at 0.7 (20 values), left out. Band 4: owners 3 (1.0),
# 4 (0.9) and owner 5 at 0.8 in replicates 1-10: 50 values, exactly MIN_BAND, mean (20 + 18 + 8) / 50 = 0.92.
# Owners 8 and 9 (0.99) would join band 4 if owners without tests were counted.
FIRST = [0.1, 0.1, 0.1, 1.0, 0.9, 0.8, 0.2, 0.7, 0.99, 0.99]
SECOND = [0.1, 0.1, 0.1, 1.0, 0.9, 0.3, 0.2, 0.7, 0.99, 0.99]


def test_calibration_gap_by_band_when_no_target_discriminates(monkeypatch):
    # share 0: no drawn target discriminates, each band's gap is its mean posterior: max(0.1, 0.92)
    assert MIN_BAND == 50
    assert _banded(monkeypatch, 0.0, FIRST, SECOND) == pytest.approx(0.92, abs=1e-12)


def test_calibration_gap_by_band_when_every_target_discriminates(monkeypatch):
    # share 1: every drawn target discriminates: gaps |0.1 - 1| = 0.9 and |0.92 - 1| = 0.08
    assert _banded(monkeypatch, 1.0, FIRST, SECOND) == pytest.approx(0.9, abs=1e-12)


def test_calibration_gap_of_a_band_below_fifty_values_only(monkeypatch):
    # band 3 gets owner 6 at 0.7 (20 values) with 3 and 4 at 0.6 in replicates 1-10 (20): 40 < 50;
    # band 0 has owners 0-2 (60): the only band counted. No band at all: infinite.
    first = [0.1, 0.1, 0.1, 0.6, 0.6, 0.1, 0.7, 0.1, 0.0, 0.0]
    second = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7, 0.1, 0.0, 0.0]
    # band 0 holds 0.1 from owners 0-2, 5 and 7 (100) plus 3 and 4 in 11-20 (20): mean 0.1; band 3 (40) left out
    assert _banded(monkeypatch, 0.0, first, second) == pytest.approx(0.1, abs=1e-12)
    assert _banded(monkeypatch, 0.0, [0.1, 0.9], [0.1, 0.9], owners=2, n_owners=2) == math.inf


def test_draws_follow_fishers_noncentral_hypergeometric():
    # tests of (2 ref, 3 other, 2 positives) and (1, 1, 1); owners 0-1999 fair, 2000-3999 discriminate
    # (odds ratio 4). Frequencies of each number of reference positives within 4.5 standard errors of
    # scipy's pmf (20,000 tests per cell).
    n = 4000
    owner = np.repeat(np.arange(n), 20)
    kind = np.tile(np.r_[np.zeros(10, int), np.ones(10, int)], n)
    n_ref, n_grp, total = np.where(kind == 0, 2, 1), np.where(kind == 0, 3, 1), np.where(kind == 0, 2, 1)
    pattern, logw, ys = _patterns(n_ref, n_grp, total)
    bad = np.arange(n) >= n // 2
    out = _draw(np.random.default_rng(3), pattern, logw, ys, owner, bad, math.log(4.0))
    for is_bad, psi in ((False, 1.0), (True, 4.0)):
        for kd, (a, b, k) in enumerate(((2, 3, 2), (1, 1, 1))):
            cell = out[(kind == kd) & (bad[owner] == is_bad)]
            for y in range(k + 1):
                p = nchypergeom_fisher.pmf(y, a + b, a, k, psi)
                assert abs(np.mean(cell == y) - p) <= 4.5 * math.sqrt(p * (1 - p) / len(cell)) + 1e-12


def test_check_needs_an_identified_fit():
    assert check(_fake_fit(0.3, converged=False, log_ratio=lambda g: 0), *([None] * 5)) == {
        "passed": False, "reason": "not identified"}
    assert check(_fake_fit(0.3), *([None] * 5)) == {"passed": False, "reason": "not identified"}


def test_check_at_its_limits(monkeypatch):
    fit = _fake_fit(0.3, log_ratio=lambda g: 0)
    gap = {"value": 0.1}
    monkeypatch.setattr(calibration, "calibration_gap", lambda *a: gap["value"])
    # width 0.5 - 0.2 = 0.3 (exactly MAX_SHARE_WIDTH in floating point) and gap 0.1: both at the limit, passed
    monkeypatch.setattr(calibration, "share_interval", lambda f: (0.2, 0.5))
    assert 0.5 - 0.2 == MAX_SHARE_WIDTH and MAX_CALIBRATION_GAP == 0.1
    assert check(fit, *([None] * 5)) == {"share_interval": [0.2, 0.5], "curvature_ok": True, "calibration_gap": 0.1,
                                         "calibration_ok": True, "replicates": 20, "passed": True, "reason": ""}
    gap["value"] = 0.10000001
    assert check(fit, *([None] * 5)) == {
        "share_interval": [0.2, 0.5], "curvature_ok": True, "calibration_gap": 0.10000001, "calibration_ok": False,
        "replicates": 20, "passed": False, "reason": "the posteriors are not calibrated on this design"}
    monkeypatch.setattr(calibration, "share_interval", lambda f: (0.2, 0.50000001))
    assert check(fit, *([None] * 5)) == {
        "share_interval": [0.2, 0.50000001], "curvature_ok": False, "passed": False,
        "reason": "the likelihood is too flat in the share of discriminating targets"}


def test_posterior_range_at_the_ends_of_the_share_interval():
    # delta at log psi: log psi x (1, -1, 0) with psi = 3; posterior at share s: s e^d / (1 - s + s e^d)
    fit = _fake_fit(0.3, odds_ratio=3.0, log_ratio=lambda g: g * np.array([1.0, -1.0, 0.0]))
    low, high = posterior_range(fit, (0.6, 0.2))  # given high end first: still low <= high

    def post(s, d):
        return s * math.exp(d) / (1 - s + s * math.exp(d))

    d = [math.log(3.0), -math.log(3.0), 0.0]
    assert low == pytest.approx([post(0.2, x) for x in d], rel=1e-12)
    assert high == pytest.approx([post(0.6, x) for x in d], rel=1e-12)


def test_calibration_gap_is_reproducible_with_its_documented_seed():
    # the same round gives the same gap on every run (a report can be recomputed): the bootstrap is seeded,
    # by default with 20221 as the signature says
    per_target = [(1, 1)] * 20 + [(1, 0)] * 14 + [(0, 0)] * 6
    owner, ones = np.repeat(np.arange(40), 2), np.ones(80, int)
    fit = fit_mixture(owner, ones, ones, ones, np.array(per_target).ravel(), 40)
    gap = calibration_gap(fit, owner, ones, ones, ones, 40)
    assert calibration_gap(fit, owner, ones, ones, ones, 40) == gap
    assert calibration_gap(fit, owner, ones, ones, ones, 40, seed=20221) == gap


def test_draws_from_large_tests_do_not_overflow():
    # a test of 200 reference and 200 other applications with 200 positives at odds ratio 100: log C(200, y)
    # + log C(200, 200 - y) + y log 100 reaches about 1,000, beyond exp's range (709), next to pairs whose
    # log weights are about 0. Each row must be scaled by its own largest term. Means against scipy's.
    n_ref = np.r_[np.full(400, 200), np.ones(400, int)]
    total = n_ref.copy()
    pattern, logw, ys = _patterns(n_ref, n_ref, total)
    owner = np.arange(800)
    bad = np.ones(800, bool)
    out = _draw(np.random.default_rng(4), pattern, logw, ys, owner, bad, math.log(100.0))
    big = nchypergeom_fisher(400, 200, 200, 100.0)
    assert abs(out[:400].mean() - big.mean()) <= 4.5 * big.std() / math.sqrt(400)
    pair = nchypergeom_fisher.mean(2, 1, 1, 100.0)  # 100 / 101
    assert abs(out[400:].mean() - pair) <= 4.5 * math.sqrt(pair * (1 - pair) / 400)
