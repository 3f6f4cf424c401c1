"""Exact per-target test: the reference group's share of the positives within each test.

Conditional on the number of positives K in a test with n_ref reference and n_grp
other applications, under equal treatment the number of positives of the
reference group is hypergeometric (the permutation argument of Fisher's exact
test). Summing over a target's tests, its distribution is the convolution of
those hypergeometric distributions; the one-sided p-value is P(S >= s_obs). For
pairs this is the exact sign (McNemar) test on the discordant tests.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.comparison import PairSample
from analysis.data import Layout
from analysis.distributions import hypergeom

CHUNK = 256


@dataclass(frozen=True, eq=False)
class TargetTests:
    """Per-target counts and exact p-values for one comparison (arrays, one entry per target)."""

    target: np.ndarray
    tests: np.ndarray
    classes: np.ndarray
    informative: np.ndarray
    reference_positives: np.ndarray
    group_positives: np.ndarray
    expected: np.ndarray
    p_value: np.ndarray
    mid_p_value: np.ndarray
    min_p_value: np.ndarray


def _pmf_matrix(n_ref, n_grp, total):
    """Hypergeometric pmf of the reference positives in each test, on offsets from the lowest value."""
    lo = np.maximum(0, total - n_grp)
    hi = np.minimum(total, n_ref)
    width = hi - lo + 1
    offsets = np.arange(int(width.max()) if len(width) else 1)
    x = lo[:, None] + offsets[None, :]
    pmf = hypergeom.pmf(x, (n_ref + n_grp)[:, None], n_ref[:, None], total[:, None])
    pmf[offsets[None, :] >= width[:, None]] = 0.0
    return pmf, lo, width


def _convolve_chunk(pmf, width, starts, counts, length: int) -> np.ndarray:
    """Distribution of the summed offsets for targets whose tests are contiguous rows of pmf.

    Targets are sorted by number of tests (descending), so at slot j the targets
    that still have a j-th test form a prefix: one vectorised convolution step per
    slot and kernel offset, never a loop over applications or tests.
    """
    dist = np.zeros((len(starts), length))
    dist[:, 0] = 1.0
    cur = 1
    for j in range(int(counts.max())):
        active = int(np.sum(counts > j))
        ker = pmf[starts[:active] + j]
        w = int(width[starts[:active] + j].max())
        new = np.zeros((active, cur + w - 1))
        for o in range(w):
            new[:, o:o + cur] += dist[:active, :cur] * ker[:, o:o + 1]
        # No row's support exceeds `length` (its own span), so the cut only drops zeros.
        cur = min(cur + w - 1, length)
        dist[:active, :cur] = new[:, :cur]
    return dist


def exact_tail(owner, n_ref, n_grp, total, observed, n_owners):
    """One-sided exact p and mid-p per owner (target) from its informative tests."""
    p = np.ones(n_owners)
    mid = np.full(n_owners, np.nan)
    if len(owner) == 0:
        return p, mid
    order = np.argsort(owner, kind="stable")
    owner, n_ref, n_grp, total, observed = (a[order] for a in (owner, n_ref, n_grp, total, observed))
    pmf, lo, width = _pmf_matrix(n_ref, n_grp, total)
    y_obs = np.bincount(owner, weights=observed - lo, minlength=n_owners).astype(np.int64)
    span = np.bincount(owner, weights=width - 1, minlength=n_owners).astype(np.int64)
    counts_all = np.bincount(owner, minlength=n_owners)
    starts_all = np.concatenate([[0], np.cumsum(counts_all)[:-1]])
    present = np.flatnonzero(counts_all)
    present = present[np.argsort(-counts_all[present], kind="stable")]
    for c0 in range(0, len(present), CHUNK):
        chunk = present[c0:c0 + CHUNK]
        dist = _convolve_chunk(pmf, width, starts_all[chunk], counts_all[chunk], int(span[chunk].max()) + 1)
        tail = np.cumsum(dist[:, ::-1], axis=1)[:, ::-1]
        y = y_obs[chunk]
        p[chunk] = np.clip(tail[np.arange(len(chunk)), y], 0, 1)
        mid[chunk] = np.clip(p[chunk] - 0.5 * dist[np.arange(len(chunk)), y], 0, 1)
    return p, mid


def target_tests(layout: Layout, ref: int, grp: int) -> TargetTests:
    """Counts and exact p-values of every target with at least one test with both groups."""
    s = PairSample.of(layout, ref, grp)
    owner_all = layout.test_target[s.tests]
    targets, owner = np.unique(owner_all, return_inverse=True)
    nt = len(targets)
    classes = np.bincount(owner * 4 + s.classes(), minlength=nt * 4).reshape(nt, 4)
    total = s.k_ref + s.k_grp
    size = s.n_ref + s.n_grp
    inf = (total > 0) & (total < size)
    expected = np.bincount(owner, weights=s.n_ref * total / size, minlength=nt)
    p, mid = exact_tail(owner[inf], s.n_ref[inf], s.n_grp[inf], total[inf], s.k_ref[inf], nt)
    # The smallest p-value the target's informative tests could give: every positive
    # of every test going to the reference group as far as the test allows.
    best = hypergeom.logpmf(np.minimum(total, s.n_ref)[inf], size[inf], s.n_ref[inf], total[inf])
    min_p = np.exp(np.bincount(owner[inf], weights=best, minlength=nt))
    return TargetTests(
        target=targets, tests=np.bincount(owner, minlength=nt), classes=classes,
        informative=np.bincount(owner[inf], minlength=nt),
        reference_positives=np.bincount(owner, weights=s.k_ref, minlength=nt).astype(np.int64),
        group_positives=np.bincount(owner, weights=s.k_grp, minlength=nt).astype(np.int64),
        expected=expected, p_value=p, mid_p_value=mid, min_p_value=min_p,
    )

