"""Per-target flagging on data with a known truth: the FDR stays at or below its level."""
from __future__ import annotations

import numpy as np

from analysis import Applications, analyse_round


def _round(rng, n_targets=150, tests=40, share_discriminating=0.2):
    """Paired tests; equal treatment: 20%/20% callbacks, discriminating: 50% vs 5%."""
    bad = rng.uniform(size=n_targets) < share_discriminating
    target = np.repeat(np.arange(n_targets), tests)
    p_ref = np.where(bad[target], 0.50, 0.20)
    p_grp = np.where(bad[target], 0.05, 0.20)
    n = n_targets * tests
    test_id = np.repeat(np.arange(n), 2).astype(str)
    apps = Applications(
        test_id=test_id, target=np.repeat(target, 2).astype(str),
        group=np.tile(["ref", "grp"], n),
        positive=np.column_stack([rng.uniform(size=n) < p_ref, rng.uniform(size=n) < p_grp]).ravel(),
    )
    return apps, {str(i) for i in np.flatnonzero(bad)}


def test_flagging_controls_the_false_discovery_rate():
    rng = np.random.default_rng(20240501)
    fdp, power = [], []
    for _ in range(40):
        apps, truth = _round(rng)
        result = analyse_round(apps, "ref", fdr=0.05)
        flagged = {t.target for t in result.targets if t.flagged}
        fdp.append(len(flagged - truth) / max(len(flagged), 1))
        power.append(len(flagged & truth) / max(len(truth), 1))
    fdr = float(np.mean(fdp))
    print(f"simulated FDR {fdr:.4f} (level 0.05), power {np.mean(power):.3f}")
    assert fdr <= 0.05
    assert np.mean(power) > 0.5  # about 20 discordant pairs per discriminating target
