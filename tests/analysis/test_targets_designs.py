"""Per-target counts and exact p-values of designs with more than one application per group, worked by hand."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import hypergeom

from analysis import Applications
from analysis.data import Layout
from analysis.targets import exact_tail, target_tests

# (test, target, reference positives of reference applications, other positives of other applications)
DESIGN = [
    ("t1", "A", (1, 1), (0,)),     # 2 + 1, 2 positives both reference: informative
    ("t2", "A", (1, 1), (1,)),     # 2 + 1, all positive: not informative (total = size)
    ("t3", "A", (0,), (0, 0)),     # 1 + 2, none positive: not informative (total = 0)
    ("t4", "A", (0,), (1, 0)),     # 1 + 2, one positive, the other group's: informative
    ("t5", "A", (1,), (1,)),       # pair, both positive: not informative
    ("t6", "A", (1,), (1, 0)),     # 1 + 2, 2 positives, one each: informative
    ("u1", "B", (1,), (0,)),       # pair favouring the reference
    ("u2", "B", (1, 0), ()),       # only the reference applied: not a test of this comparison
    ("v1", "C", (1,), ()),         # target with no test of both groups: absent
]


def _layout() -> Layout:
    rows = [{"test_id": test, "target": target, "group": group, "positive": bool(p)}
            for test, target, ref, grp in DESIGN
            for group, outcomes in (("ref", ref), ("grp", grp)) for p in outcomes]
    return Layout.of(Applications.from_records(rows))


def test_counts_and_exact_p_of_a_multi_application_design():
    layout = _layout()
    tt = target_tests(layout, layout.group_code("ref"), layout.group_code("grp"))
    assert layout.targets[tt.target].tolist() == ["A", "B"]  # C: no test with both groups
    assert tt.tests.tolist() == [6, 1]
    assert tt.informative.tolist() == [3, 1]
    assert tt.reference_positives.tolist() == [6, 1] and tt.group_positives.tolist() == [4, 0]
    assert tt.reference_positives.dtype == tt.group_positives.dtype == np.int64  # counts, written as integers
    # classes (reference favoured, group favoured, equal, none) by share: t1 t6 | t4 | t2 t5 | t3
    assert tt.classes.tolist() == [[2, 1, 2, 1], [1, 0, 0, 0]]
    # expected reference positives, n_ref K / size over every test: 4/3 + 2 + 0 + 1/3 + 1 + 2/3
    assert tt.expected == pytest.approx([16 / 3, 1 / 2])
    # A, by hand: x1 in {1: 2/3, 2: 1/3}, x4 in {0: 2/3, 1: 1/3}, x6 in {0: 1/3, 1: 2/3}; observed
    # S = 2 + 0 + 1 = 3. P(S >= 3) = 1/3 (1 - 2/3 x 1/3) + 2/3 (1/3 x 2/3) = 7/27 + 4/27 = 11/27;
    # P(S = 3) = 1/3 (1/9 + 4/9) + 4/27 = 9/27, so mid-p = 11/27 - 4.5/27 = 13/54. The smallest
    # attainable p: every test at its most favourable count, 1/3 x 1/3 x 2/3 = 2/27.
    # B: one discordant pair favouring the reference: p = 1/2, mid-p 1/4, min p 1/2.
    assert tt.p_value == pytest.approx([11 / 27, 1 / 2], rel=1e-12)
    assert tt.mid_p_value == pytest.approx([13 / 54, 1 / 4], rel=1e-12)
    assert tt.min_p_value == pytest.approx([2 / 27, 1 / 2], rel=1e-12)


def test_a_target_without_informative_tests_has_p_one_and_no_mid_p():
    rows = [{"test_id": "t", "target": "A", "group": g, "positive": True} for g in ("ref", "ref", "grp")]
    layout = Layout.of(Applications.from_records(rows))
    tt = target_tests(layout, layout.group_code("ref"), layout.group_code("grp"))
    assert tt.informative.tolist() == [0] and tt.p_value.tolist() == [1.0]
    assert np.isnan(tt.mid_p_value[0]) and tt.min_p_value.tolist() == [1.0]  # empty product


def test_targets_with_different_numbers_of_tests_in_one_call():
    # Three targets with 1, 3 and 2 tests given out of order (owners 2, 0, 1, 0, 2, 0): the
    # convolution runs over targets sorted by their number of tests; each p against enumeration.
    tests = [(2, 2, 1, 2, 1), (0, 1, 1, 1, 1), (1, 3, 2, 3, 2), (0, 2, 2, 2, 2), (2, 1, 3, 2, 0), (0, 1, 2, 1, 0)]
    owner, n_ref, n_grp, total, observed = (np.array(c) for c in zip(*tests, strict=True))
    p, mid = exact_tail(owner, n_ref, n_grp, total, observed, 4)
    for who in range(3):
        mine = [t for t in tests if t[0] == who]
        supports = [[(x, hypergeom.pmf(x, nr + ng, nr, k)) for x in range(max(0, k - ng), min(k, nr) + 1)]
                    for _, nr, ng, k, _ in mine]
        s = sum(t[4] for t in mine)
        dist = {}
        for combo in itertools.product(*supports):
            value = sum(x for x, _ in combo)
            dist[value] = dist.get(value, 0.0) + float(np.prod([pr for _, pr in combo]))
        tail = sum(pr for value, pr in dist.items() if value >= s)
        assert p[who] == pytest.approx(tail, rel=1e-12)
        assert mid[who] == pytest.approx(tail - dist.get(s, 0.0) / 2, rel=1e-12)
    assert p[3] == 1.0 and np.isnan(mid[3])  # no tests: p = 1, mid-p undefined


def test_more_targets_than_one_chunk_equal_the_sign_test():
    # 600 targets of discordant pairs (two chunks of 256 and a part): target i has d = 1 + i % 9
    # pairs of which b = i % (d + 1) favour the reference; p = P(Bin(d, 1/2) >= b), scipy's binomial.
    from scipy.stats import binom
    owners, observed, expected = [], [], []
    for i in range(600):
        d = 1 + i % 9
        b = i % (d + 1)
        owners += [i] * d
        observed += [1] * b + [0] * (d - b)
        expected.append(binom.sf(b - 1, d, 0.5))
    ones = np.ones(len(owners), int)
    p, _ = exact_tail(np.array(owners), ones, ones, ones, np.array(observed), 600)
    assert p == pytest.approx(expected, rel=1e-12)


def test_a_wide_test_after_a_narrow_one_keeps_its_whole_distribution():
    # Target 0: a discordant pair, then a 3 + 3 test with 3 positives, all reference (support 0..3,
    # pmf 1, 9, 9, 1 over 20); target 1: one pair. For target 0, S = x1 + x2 with x1 in {0, 1} (1/2
    # each); observed 1 + 3 = 4: P(S >= 4) = 1/2 x 1/20 = 1/40; P(S = 4) the same, mid-p = 1/80.
    p, mid = exact_tail(np.array([0, 0, 1]), np.array([1, 3, 1]), np.array([1, 3, 1]), np.array([1, 3, 1]),
                        np.array([1, 3, 0]), 2)
    assert p == pytest.approx([1 / 40, 1.0], rel=1e-12)
    assert mid == pytest.approx([1 / 80, 3 / 4], rel=1e-12)


def test_p_is_never_above_one_when_the_rounded_mass_is():
    # 33 tests observed at their lowest possible count: p = P(S >= minimum) = 1 exactly. The 33
    # convolved hypergeometric pmfs add up to 1 + 2.7e-15 in floating point; p must still be <= 1.
    n_ref = np.array([
        1, 4, 3, 2, 3, 4, 3, 1, 4, 1, 2, 4, 3, 3, 1, 3, 1, 2, 1, 3, 3, 1, 2, 4, 4, 4, 4, 2, 4, 4, 4, 4, 3])
    n_grp = np.array([
        1, 2, 4, 3, 2, 3, 3, 2, 4, 2, 3, 1, 1, 1, 2, 1, 1, 4, 4, 3, 1, 4, 3, 1, 4, 2, 3, 2, 4, 1, 4, 1, 4])
    total = np.array([
        1, 1, 5, 3, 1, 2, 5, 1, 2, 2, 4, 1, 3, 3, 2, 1, 1, 4, 1, 3, 3, 1, 1, 4, 2, 2, 1, 1, 7, 4, 2, 4, 6])
    lowest = np.maximum(0, total - n_grp)
    p, mid = exact_tail(np.zeros(33, int), n_ref, n_grp, total, lowest, 1)
    assert p[0] == 1.0
    assert 0.0 <= mid[0] <= 1.0
