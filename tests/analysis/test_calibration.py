"""The mixture posterior is shown only where the round's own fit passes a curvature and a calibration check."""
from __future__ import annotations

import numpy as np

from analysis import Applications, analyse_round
from analysis.bayes import fit_mixture
from analysis.calibration import MAX_CALIBRATION_GAP, calibration_gap


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
