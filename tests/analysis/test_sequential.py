"""The truncated sequential sign test against brute-force enumeration, scipy and seeded simulation."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from analysis import sequential as seq


@cache
def _scipy_p(b, k):
    return binomtest(b, k, alternative="greater").pvalue


def _brute_decision(path, boundary, max_discordant):
    """An independent reading of the rule: scipy's exact test at each look, future reachability by trying
    every later look with all further tests favouring the reference."""
    b = 0
    for k, favours in enumerate(path, start=1):
        b += favours
        if _scipy_p(b, k) <= boundary * (1 + 1e-12):
            return "evidence", k
        reachable = any(
            _scipy_p(b + extra, k + extra) <= boundary * (1 + 1e-12) for extra in range(1, max_discordant - k + 1)
        )
        if not reachable:
            return "futility", k
    return "continuing", len(path)


def _brute_characteristics(max_discordant, boundary, share):
    """Every one of the 2^N full sign sequences, weighted; the first stop decides."""
    evidence, futility = np.zeros(max_discordant + 1), np.zeros(max_discordant + 1)
    for path in itertools.product((0, 1), repeat=max_discordant):
        weight = share ** sum(path) * (1 - share) ** (max_discordant - sum(path))
        decision, k = _brute_decision(path, boundary, max_discordant)
        (evidence if decision == "evidence" else futility)[k] += weight
    return evidence, futility


@pytest.mark.parametrize(
    ("n", "boundary", "share"), [(8, 0.05, 0.5), (10, 0.02, 0.75), (12, 0.01, 0.5), (11, 0.1, 0.65), (6, 0.001, 0.9)]
)
def test_enumeration_matches_brute_force(n, boundary, share):
    rule = seq.Rule.make(n, boundary)
    exact = seq.operating_characteristics(rule, share)
    evidence, futility = _brute_characteristics(n, boundary, share)
    assert np.allclose(exact.evidence_at, evidence, atol=1e-12)
    if rule.can_stop_for_evidence:
        assert np.allclose(exact.futility_at, futility, atol=1e-12)
    else:  # the brute force only notices at the first look what the rule knows before it
        assert sum(exact.futility_at) == pytest.approx(1.0) and exact.p_evidence == 0
    assert sum(exact.evidence_at) + sum(exact.futility_at) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("boundary", [0.05, 0.01, 0.0031, 0.5**7])
def test_evidence_bounds_match_scipy(boundary):
    bounds = seq.evidence_bounds(60, boundary)
    for k in range(1, 61):
        reaching = [b for b in range(k + 1) if binom.sf(b - 1, k, 0.5) <= boundary * (1 + 1e-12)]
        assert bounds[k] == (min(reaching) if reaching else k + 1)


def test_repeated_looks_raise_the_type_i_error_above_the_nominal_boundary():
    """Armitage, McPherson & Rowe (1969): testing at every look inflates the error; the rule's exact
    figure says by how much, and calibration brings it back under the level."""
    naive = seq.Rule.make(60, 0.05)
    assert seq.type_i_error(naive) > 0.05
    calibrated = seq.calibrate(60, 0.05)
    assert seq.type_i_error(calibrated) <= 0.05 and calibrated.boundary < 0.05


@pytest.mark.parametrize(("n", "alpha"), [(20, 0.05), (35, 0.0125), (50, 0.01)])
def test_calibration_is_the_largest_attainable_boundary_under_alpha(n, alpha):
    rule = seq.calibrate(n, alpha)
    assert seq.type_i_error(rule) <= alpha
    larger = [p for p in seq._attainable_p_values(n) if rule.boundary < p <= 0.5]
    assert seq.type_i_error(seq.Rule.make(n, larger[0])) > alpha


def _simulate_paths(rule, share, runs, rng):
    """Direct simulation, one path at a time, with the rule's own decide (known truth: the share)."""
    hits, lengths = 0, []
    for _ in range(runs):
        b = 0
        for k in range(1, rule.max_discordant + 1):
            b += rng.random() < share
            decision = rule.decide(k, b)
            if decision != seq.CONTINUING:
                break
        hits += decision == seq.EVIDENCE
        lengths.append(k)
    return hits / runs, float(np.mean(lengths))


@pytest.mark.parametrize("share", [0.5, 0.8])
def test_seeded_simulation_agrees_with_the_exact_figures(share):
    rule = seq.calibrate(30, 0.0125)
    exact = seq.operating_characteristics(rule, share)
    rate, mean_k = _simulate_paths(rule, share, 20000, np.random.default_rng(11))
    se = max(np.sqrt(exact.p_evidence * (1 - exact.p_evidence) / 20000), 1e-4)
    assert abs(rate - exact.p_evidence) < 4 * se
    assert mean_k == pytest.approx(exact.expected_discordant, rel=0.03)


def test_expected_tests_follow_walds_identity_and_the_cap():
    """With a cap that never binds, tests used = discordant tests used / discordance in expectation (Wald's
    identity); with a binding cap the evidence rate is the exact P(evidence within n tests)."""
    rule, disc, share = seq.calibrate(25, 0.0125), 0.3, 0.8
    exact = seq.operating_characteristics(rule, share)
    tests, _ = seq.simulate_tests(rule, 400, disc, share, 20000, np.random.default_rng(5))
    assert tests.mean() == pytest.approx(exact.expected_discordant / disc, rel=0.03)
    _, evidence = seq.simulate_tests(rule, 40, disc, share, 20000, np.random.default_rng(6))
    p = exact.p_evidence_within(40, disc)
    assert abs(evidence.mean() - p) < 4 * np.sqrt(p * (1 - p) / 20000)


def test_the_sequential_rule_saves_tests_against_the_fixed_design():
    """Same pattern, comparable power: fewer tests on average under both truths (Avivi et al. 2021)."""
    disc, share, alpha = 0.3, 0.8, 0.0125
    n = seq.discordant_for_power(alpha, share, 0.8)
    assert n is not None
    rule = seq.calibrate(n, alpha)
    assert seq.operating_characteristics(rule, share).p_evidence >= 0.8
    fixed_tests = int(np.ceil(n / disc * 1.3))
    sim = seq.simulate(rule, fixed_tests, fixed_tests, disc, share, runs=4000, seed=3)
    assert sim.expected_tests_alternative < fixed_tests and sim.expected_tests_null < fixed_tests


def test_paths_stop_at_the_first_crossing_and_report_the_overrun():
    rule = seq.Rule.make(10, 0.05)  # evidence at 5 of 5; futility once 9 of 10 is out of reach
    stopped = seq.decide_path(rule, [True] * 5 + [False, True])
    assert (stopped.decision, stopped.at_discordant, stopped.reference, stopped.overrun) == ("evidence", 5, 5, 2)
    assert stopped.p_value == pytest.approx(binomtest(5, 5, alternative="greater").pvalue)
    assert seq.decide_path(rule, [False, False]).decision == seq.FUTILITY
    assert seq.decide_path(rule, [True, True]).decision == seq.CONTINUING
    never = seq.Rule.make(3, 0.01)  # 1/8 > 0.01: no path can reach it
    assert not never.can_stop_for_evidence and seq.decide_path(never, []).decision == seq.FUTILITY


def test_design_prints_consistent_rates():
    d = seq.design(30, 90, 0.0125, 4, 0.8, 0.3)
    assert d.type_i_error <= 0.0125 and d.family_wise_bound == pytest.approx(4 * d.type_i_error)
    assert d.power <= d.power_discordant + 1e-12
