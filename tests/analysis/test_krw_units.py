"""The KRW minimum-jobs check and the exact-size programme at their edges, with hand-built rounds and
an enumeration of every job outcome."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import norm

from analysis import Applications
from analysis.data import Layout
from analysis.krw import MIN_JOBS_PER_TARGET, check_jobs, pair_gap_null, z_test_size


def _round(tests_per_target: dict[str, int], ref_apps: int = 1, grp_apps: int = 1, grp_elsewhere: bool = False):
    """A round in which every test has `ref_apps` reference and `grp_apps` other applications (or, with
    `grp_elsewhere`, the other group applies only in tests of its own)."""
    rows = []
    for target, count in tests_per_target.items():
        for i in range(count):
            test = f"{target}-{i}"
            for j in range(ref_apps):
                rows.append({"test_id": test, "target": target, "group": "ref", "positive": (i + j) % 2 == 0})
            for j in range(grp_apps):
                rows.append({"test_id": f"{test}-alone" if grp_elsewhere else test, "target": target,
                             "group": "grp", "positive": (i + j) % 3 == 0})
    layout = Layout.of(Applications.from_records(rows))
    return layout, layout.group_code("ref"), layout.group_code("grp")


def test_the_pairs_minimum_is_reached_at_exactly_its_value():
    assert MIN_JOBS_PER_TARGET == {"pairs": 150, "multi": 100}
    check_jobs(*_round({"a": 150, "b": 150, "c": 150}))  # median 150: enough
    check_jobs(*_round({"a": 10, "b": 150, "c": 400}))  # the median counts, not the smallest target
    with pytest.raises(ValueError, match=r"needs at least 150 tests per target \(median; this round: 149\)"):
        check_jobs(*_round({"a": 149, "b": 149, "c": 500}))


def test_one_reference_and_two_other_applications_is_a_multi_application_design():
    # not every test has exactly one application of each group: the multi-application minimum (100) applies
    check_jobs(*_round({"a": 120, "b": 120}, ref_apps=1, grp_apps=2))
    check_jobs(*_round({"a": 120, "b": 120}, ref_apps=2, grp_apps=1))
    with pytest.raises(ValueError, match=r"needs at least 100 tests per target \(median; this round: 99\)"):
        check_jobs(*_round({"a": 99, "b": 99}, ref_apps=2, grp_apps=2))


def test_a_round_where_the_groups_never_meet_has_no_jobs_per_target():
    with pytest.raises(ValueError, match=r"\(median; this round: 0\)"):
        check_jobs(*_round({"a": 200, "b": 200}, grp_elsewhere=True))


def _enumerated_size(jobs: int, values, probs, reject) -> float:
    """Sum of the probabilities of every sequence of `jobs` i.i.d. gaps that `reject(mean, sd)` rejects."""
    total = 0.0
    for seq in itertools.product(range(len(values)), repeat=jobs):
        gaps = [values[i] for i in seq]
        mean = sum(gaps) / jobs
        var = sum((g - mean) ** 2 for g in gaps) / (jobs - 1)
        if var > 1e-9 and reject(mean, math.sqrt(var)):
            total += math.prod(probs[i] for i in seq)
    return total


def test_size_counts_the_jobs_whose_p_equals_alpha():
    """The analysis flags when the KRW p = norm.sf(z) is at or below the threshold, so the size at alpha
    counts the outcomes with p = alpha. With 5 pairs, 1 of +1 and 4 of 0 gives mean 1/5, variance
    (1 - 5/25) / 4 = 1/5, z = (1/5) / sqrt(1/25) = 1 exactly (as do 3 of +1, 1 of -1, 1 of 0: mean 2/5,
    variance (4 - 20/25) / 4 = 4/5, z = (2/5) / (2/5) = 1); at alpha = norm.sf(1) these jobs are rejected.
    Expected: every one of the 3^5 outcomes, z >= 1 decided in exact fractions (z^2 = 5 mean^2 / var)."""
    values, probs = pair_gap_null(0.4)
    alpha = float(norm.sf(1.0))
    assert norm.isf(alpha) == 1.0  # the critical value is 1 exactly in floating point

    def z_at_least_one(seq):
        mean = Fraction(sum(seq), 5)
        var = sum((g - mean) ** 2 for g in seq) / 4
        return var > 0 and mean > 0 and 5 * mean**2 >= var

    def z_is_one(seq):
        mean = Fraction(sum(seq), 5)
        var = sum((g - mean) ** 2 for g in seq) / 4
        return var > 0 and mean > 0 and 5 * mean**2 == var

    weight = dict(zip((-1, 0, 1), probs, strict=True))
    outcomes = list(itertools.product((-1, 0, 1), repeat=5))
    expected = sum(math.prod(weight[g] for g in seq) for seq in outcomes if z_at_least_one(seq))
    assert sum(math.prod(weight[g] for g in seq) for seq in outcomes if z_is_one(seq)) > 0.1  # the tie's mass
    assert z_test_size(5, values, probs, alpha) == pytest.approx(expected, rel=1e-12)


def test_size_of_three_valued_gaps_by_enumeration_with_whole_number_floats():
    # gaps -1, 0, +2 given as floats: read as the integers they are
    values, probs = [-1.0, 0.0, 2.0], [0.3, 0.5, 0.2]
    expected = _enumerated_size(6, [-1, 0, 2], probs, lambda mean, sd: mean / (sd / math.sqrt(6)) > norm.isf(0.05))
    assert z_test_size(6, np.array(values), np.array(probs), 0.05) == pytest.approx(expected, rel=1e-12)
    assert z_test_size(6, values, probs, 0.05) == pytest.approx(expected, rel=1e-12)


def test_size_refuses_values_and_probabilities_of_different_lengths():
    with pytest.raises(ValueError):
        z_test_size(5, np.array([-1, 0, 1]), np.array([0.5, 0.5]), 0.05)
    with pytest.raises(ValueError):
        z_test_size(5, np.array([-1, 1]), np.array([0.25, 0.5, 0.25]), 0.05)


# KRW estimates on a round small enough to work on paper: per target, jobs of (n_ref, k_ref, n_grp, k_grp)
KRW_ROUND = {
    "A": [(1, 1, 1, 0), (1, 0, 1, 0), (1, 1, 1, 0), (1, 0, 1, 1)],  # gaps 1, 0, 1, -1
    "B": [(2, 2, 2, 0), (2, 2, 2, 1), (2, 2, 2, 0), (2, 1, 2, 0)],  # gaps 1, 1/2, 1, 1/2
    "C": [(1, 1, 1, 0)] * 3,  # gaps 1, 1, 1: SE 0
    "D": [(1, 1, 1, 1)],  # one job: no SE
    "E": [(1, 0, 1, 1), (1, 1, 1, 0)],  # gaps -1, 1
    "H": [(1, 0, 1, 1), (1, 0, 1, 1), (1, 0, 1, 1), (1, 0, 1, 0)],  # gaps -1, -1, -1, 0
}


def _krw_layout(jobs_by_target):
    rows = []
    for target, jobs in jobs_by_target.items():
        for i, (nr, kr, ng, kg) in enumerate(jobs):
            rows += [{"test_id": f"{target}{i}", "target": target, "group": "ref", "positive": j < kr}
                     for j in range(nr)]
            rows += [{"test_id": f"{target}{i}", "target": target, "group": "grp", "positive": j < kg}
                     for j in range(ng)]
    rows.append({"test_id": "lonely", "target": "A", "group": "ref", "positive": True})  # no other group
    layout = Layout.of(Applications.from_records(rows))
    return layout, layout.group_code("ref"), layout.group_code("grp")


def _by_hand(jobs_by_target):
    """KRW (2022) section IV with plain Python: gaps, SEs, the pooled SE for SE-0 targets, the bias-corrected
    between-target SD and the linear empirical Bayes shrinkage."""
    out = {}
    for target, jobs in jobs_by_target.items():
        gaps = [kr / nr - kg / ng for nr, kr, ng, kg in jobs]
        j = len(gaps)
        mean = sum(gaps) / j
        ss = sum((g - mean) ** 2 for g in gaps)
        se = math.sqrt(ss / (j - 1)) / math.sqrt(j) if j > 1 else math.nan
        out[target] = {"jobs": j, "gap": mean, "ss": ss, "se": se}
    several = [v for v in out.values() if v["jobs"] > 1]
    pooled = math.sqrt(sum(v["ss"] for v in several) / sum(v["jobs"] - 1 for v in several))
    for v in out.values():
        v["se_eb"] = v["se"] if v["se"] > 0 else (pooled / math.sqrt(v["jobs"]) if v["jobs"] > 1 else math.nan)
    ok = [v for v in out.values() if math.isfinite(v["se_eb"])]
    f = len(ok)
    mu = sum(v["gap"] for v in ok) / f
    var = sum((v["gap"] - mu) ** 2 - (f - 1) / f * v["se_eb"] ** 2 for v in ok) / f
    sd = math.sqrt(max(var, 0.0))
    for v in out.values():
        weight = sd**2 / (sd**2 + v["se_eb"] ** 2)
        v["shrunk"] = mu + weight * (v["gap"] - mu) if math.isfinite(v["se_eb"]) else math.nan
    return out, mu, sd


def _nan_equal(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-15)


def test_krw_estimates_by_hand():
    from analysis.krw import krw_estimates

    layout, ref, grp = _krw_layout(KRW_ROUND)
    est = krw_estimates(layout, ref, grp)
    expected, mu, sd = _by_hand(KRW_ROUND)
    assert sd > 0  # the round has between-target spread left after the sampling variance
    assert est.mean_gap == pytest.approx(mu, rel=1e-12) and est.between_sd == pytest.approx(sd, rel=1e-12)
    labels = [str(layout.targets[t]) for t in est.target]
    assert sorted(labels) == sorted(KRW_ROUND)
    for i, label in enumerate(labels):
        e = expected[label]
        assert est.jobs[i] == e["jobs"] and _nan_equal(est.gap[i], e["gap"]), label
        assert _nan_equal(est.se[i], e["se"]), label
        z = e["gap"] / e["se"] if e["se"] > 0 else math.nan
        assert _nan_equal(est.z[i], z) and _nan_equal(est.p_value[i], float(norm.sf(z))), label
        assert _nan_equal(est.shrunk_gap[i], e["shrunk"]), label
    # target E: mean 0, SD sqrt(2), SE 1: z = 0, p = 1/2; target C: SE 0, no z
    e_index, c_index = labels.index("E"), labels.index("C")
    assert est.se[e_index] == pytest.approx(1.0) and est.p_value[e_index] == pytest.approx(0.5)
    assert est.se[c_index] == 0 and math.isnan(est.z[c_index]) and math.isnan(est.p_value[c_index])


def test_krw_between_sd_needs_two_targets_with_an_se():
    from analysis.krw import krw_estimates

    # one target with an SE (and one with a single job): the mean, but no between-target SD, nothing shrunk
    layout, ref, grp = _krw_layout({"A": KRW_ROUND["A"], "D": KRW_ROUND["D"]})
    est = krw_estimates(layout, ref, grp)
    assert est.mean_gap == pytest.approx(0.25) and est.between_sd is None
    assert np.all(np.isnan(est.shrunk_gap))
    # no target with more than one job: neither
    layout, ref, grp = _krw_layout({"D": KRW_ROUND["D"], "F": [(1, 1, 1, 0)]})
    est = krw_estimates(layout, ref, grp)
    assert est.mean_gap is None and est.between_sd is None and np.all(np.isnan(est.se))


def test_krw_between_sd_is_floored_at_zero():
    from analysis.krw import krw_estimates

    # two targets with the same gap and sampling noise: the corrected variance is negative, the SD 0, and
    # every estimate is shrunk all the way to the mean
    same = {"A": KRW_ROUND["A"], "G": KRW_ROUND["A"]}
    layout, ref, grp = _krw_layout(same)
    est = krw_estimates(layout, ref, grp)
    assert est.between_sd == 0.0 and est.shrunk_gap.tolist() == pytest.approx([0.25, 0.25])


def test_krw_pooled_sd_with_one_degree_of_freedom():
    from analysis.krw import krw_estimates

    # the only target with more than one job has two equal gaps: the pooled within-target SD over its
    # one degree of freedom is 0, so its SE for the between-target figures is 0 (finite): it gives the mean
    layout, ref, grp = _krw_layout({"C": [(1, 1, 1, 0)] * 2, "D": KRW_ROUND["D"]})
    est = krw_estimates(layout, ref, grp)
    assert est.mean_gap == 1.0 and est.between_sd is None


def test_krw_estimates_of_equal_gaps_everywhere_raise_no_floating_point_warning():
    from analysis.krw import krw_estimates

    # every job's gap is 1: SEs 0, pooled SD 0, between SD 0; the shrinkage weight is 0 / 0 (undefined)
    # and must not escape as a RuntimeWarning (warnings are errors in this suite)
    layout, ref, grp = _krw_layout({"C": [(1, 1, 1, 0)] * 3, "G": [(1, 1, 1, 0)] * 4})
    est = krw_estimates(layout, ref, grp)
    assert est.between_sd == 0.0 and est.mean_gap == 1.0 and est.se.tolist() == [0.0, 0.0]
