"""Strength of evidence, its codes and sentences, and further tests needed, on rounds built by hand."""
from __future__ import annotations

import re

import numpy as np
from scipy.stats import binom

from analysis import analyse_round
from analysis.evidence import further_tests_sign
from tests.analysis.pairs import AGST, BOTH, FAV, NONE, _pairs  # noqa: F401


def _round(**extra):
    data = {
        "strong": [FAV] * 12 + [NONE] * 3,
        "few": [FAV] * 3 + [NONE],
        "mixed": [FAV] * 5 + [AGST] * 4,
        "against": [AGST] * 3 + [BOTH],
        "silent": [NONE] * 6 + [BOTH] * 4,
        "balanced": [FAV] * 10 + [AGST] * 10,
    }
    data |= {f"quiet{i}": [NONE, BOTH] for i in range(14)}
    return analyse_round(_pairs(data), "ref", **extra)


def test_levels_and_further_tests():
    result = _round()
    by = {t.target: t for t in result.targets}
    assert by["strong"].flagged and by["strong"].evidence_level == "flagged"
    assert by["strong"].further_tests_needed is None
    assert by["few"].evidence_level == "cannot_reach"
    assert by["mixed"].evidence_level == "weak"
    assert by["against"].evidence_level == "no_indication" and by["against"].further_tests_needed is None
    # 'few': 3 of its 4 tests favour the reference, none the group. With 'strong'
    # flagged, BH flags it too once p <= 0.05 * 2 / 20 = 0.005, i.e. 2^-m with
    # m = 8 discordant tests: 8 / (3/4) = 10.7 tests in all, 6 or 7 more.
    assert result.flagged_targets == 1
    assert 2.0**-8 <= 0.005 < 2.0**-7
    assert by["few"].further_tests_needed in (6, 7)


def test_no_informative_test_is_not_no_indication():
    by = {t.target: t for t in _round().targets}
    assert by["silent"].evidence_level == "no_informative_test"
    assert by["balanced"].evidence_level == "no_indication"
    assert "No informative test" in by["silent"].evidence
    assert "No informative test" not in by["balanced"].evidence


def test_sentences_say_what_a_flag_is_and_never_overclaim():
    by = {t.target: t for t in _round().targets}
    flagged = by["strong"].evidence
    assert "Strong evidence" not in flagged
    assert "depends on the other targets" in flagged and "within this round's set of 20" in flagged
    assert "One-sided p" in flagged and "Tarone" in flagged
    # all of its informative tests favoured the reference: no counterfactual "even if"
    few = by["few"].evidence
    assert "Even if" not in few and "All 3 informative tests favoured the ref group" in few
    assert "the two applicants" not in few and "ref group got the better response" in few
    for t in by.values():
        assert not re.search(r"[pq] = 0(?![.\d])", t.evidence)
        assert "1 further tests" not in t.evidence
        assert "probability that this target discriminates" not in t.evidence


def test_counterfactual_speaks_of_informative_tests():
    # 24 tests, 6 discordant (all favouring the reference): the statement is about the 6.
    data = {"big": [FAV] * 6 + [NONE] * 18} | {f"q{i}": [NONE, BOTH] for i in range(40)}
    by = {t.target: t for t in analyse_round(_pairs(data), "ref").targets}
    assert by["big"].evidence_level == "cannot_reach"
    assert "All 6 informative tests" in by["big"].evidence


def test_awareness_only_rounds_say_so():
    flagged = next(t for t in _round(awareness_only=True).targets if t.flagged)
    assert "awareness only" in flagged.evidence
    assert "presumption" not in flagged.evidence


def test_one_further_test_is_singular():
    # p = 2^-7 = 0.0078 > 0.05 * 2 / 20 = 0.005 with 'strong' flagged; one more favouring test gives 2^-8.
    data = {"strong": [FAV] * 12 + [NONE] * 3, "near": [FAV] * 7} | {f"q{i}": [NONE, BOTH] for i in range(18)}
    near = next(t for t in analyse_round(_pairs(data), "ref").targets if t.target == "near")
    assert near.further_tests_needed == 1
    assert "About 1 further test with" in near.evidence


def test_further_tests_sign_reaches_the_threshold():
    extra = further_tests_sign(np.array([10]), np.array([6]), np.array([1]), 0.001)[0]

    def p_after(x):
        m = round(7 * (10 + x) / 10)
        return binom.sf(round(m * 6 / 7) - 1, m, 0.5)

    assert p_after(extra) <= 0.001 < p_after(extra - 1)


def test_further_tests_is_the_first_crossing():
    # Brute force over x: the rounding makes p saw-tooth, the answer is the smallest crossing.
    for tests, b, c, thr in [(7, 5, 1, 0.003), (13, 6, 2, 0.0004), (9, 4, 1, 0.01), (30, 11, 6, 0.001)]:
        d = b + c

        def p_after(x, tests=tests, b=b, d=d):
            m = round(d * (tests + x) / tests)
            return binom.sf(round(m * b / d) - 1, m, 0.5)

        first = next(x for x in range(0, 10_001) if p_after(x) <= thr)
        assert further_tests_sign(np.array([tests]), np.array([b]), np.array([c]), thr)[0] == max(first, 1)
