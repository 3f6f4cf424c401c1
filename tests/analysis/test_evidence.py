"""Strength of evidence, its codes and sentences, and further tests needed, on rounds built by hand."""
from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.stats import binom, norm
from statsmodels.stats.multitest import multipletests

from analysis import analyse_round
from analysis.evidence import (
    MAX_FURTHER_TESTS,
    flag_threshold,
    fmt_p,
    further_tests_sign,
    further_tests_z,
    level,
    sentence,
)
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


def _sign_p(tests) -> float:
    """One-sided exact sign test on the discordant tests, written out with scipy (not the code's helpers)."""
    b = sum(1 for t in tests if t == FAV)
    d = b + sum(1 for t in tests if t == AGST)
    return float(binom.sf(b - 1, d, 0.5)) if d else 1.0


def test_levels_and_further_tests():
    result = _round()
    by = {t.target: t for t in result.targets}
    assert by["strong"].flagged and by["strong"].evidence_level == "flagged"
    assert by["strong"].further_tests_needed is None
    assert by["few"].evidence_level == "cannot_reach"
    assert by["mixed"].evidence_level == "weak"
    assert by["against"].evidence_level == "no_indication" and by["against"].further_tests_needed is None
    assert result.flagged_targets == 1


def test_further_tests_are_those_that_make_benjamini_hochberg_flag_the_target():
    # Independent of the code: statsmodels' BH on exact sign-test p-values of all 20
    # targets. 'few' (3 of 4 tests favour the reference, none the group) with the same
    # pattern extended by x tests has round(3 (4 + x) / 4) discordant tests, all
    # favouring: p = 2^-m. BH (q = 5%, 20 comparisons, 'strong' also flagged) needs
    # p <= 2 x 0.05 / 20 = 0.005, so m = 8 (2^-8 = 0.0039; 2^-7 = 0.0078): x = 6.
    data = {
        "strong": [FAV] * 12 + [NONE] * 3, "few": [FAV] * 3 + [NONE], "mixed": [FAV] * 5 + [AGST] * 4,
        "against": [AGST] * 3 + [BOTH], "silent": [NONE] * 6 + [BOTH] * 4, "balanced": [FAV] * 10 + [AGST] * 10,
    } | {f"quiet{i}": [NONE, BOTH] for i in range(14)}

    def bh_flags(per_target):
        names = list(per_target)
        flags = multipletests([_sign_p(per_target[n]) for n in names], alpha=0.05, method="fdr_bh")[0]
        return {n for n, f in zip(names, flags, strict=True) if f}

    assert bh_flags(data) == {"strong"}
    assert next(t for t in analyse_round(_pairs(data), "ref").targets if t.target == "few").further_tests_needed == 6
    assert bh_flags(data | {"few": [FAV] * 8 + [NONE] * 2}) == {"strong", "few"}  # x = 6: 10 tests, 8 discordant
    assert bh_flags(data | {"few": [FAV] * 7 + [NONE] * 2}) == {"strong"}  # x = 5: 9 tests, round(6.75) = 7


def test_flag_threshold_is_the_largest_p_that_benjamini_hochberg_still_flags():
    # Hand-worked: q = 5%, 2 others flagged, 20 comparisons: 3 x 0.05 / 20 = 0.0075; with
    # Storey's pi0 = 0.5 the BH level doubles: 0.015. Checked against statsmodels' BH at q / pi0.
    assert flag_threshold(2, 20, 0.05) == pytest.approx(0.0075)
    assert flag_threshold(2, 20, 0.05, pi0=0.5) == pytest.approx(0.015)
    assert flag_threshold(np.array([0, 4]), 10, 0.10, pi0=0.8) == pytest.approx([0.0125, 0.0625])
    others = [1e-5, 2e-4]
    fillers = [0.5 + 0.02 * i for i in range(17)]
    for pi0 in (1.0, 0.5):
        threshold = flag_threshold(2, 20, 0.05, pi0=pi0)
        for p, flagged in ((threshold * 0.999, True), (threshold * 1.001, False)):
            reject = multipletests(others + [p] + fillers, alpha=0.05 / pi0, method="fdr_bh")[0]
            assert bool(reject[2]) is flagged, (pi0, p)
    assert flag_threshold(0, 0, 0.05) == pytest.approx(0.05)  # no comparisons: one, not a division by zero


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"flagged": True, "favoured": True, "informative": 5, "p": 0.001, "min_p": 0.001}, "flagged"),
    ({"flagged": False, "favoured": True, "informative": 5, "p": 0.05, "min_p": 0.001}, "single_target"),
    ({"flagged": False, "favoured": True, "informative": 5, "p": 0.0501, "min_p": 0.001}, "weak"),
    ({"flagged": False, "favoured": True, "informative": 5, "p": 0.04, "min_p": 0.01}, "single_target"),
    ({"flagged": False, "favoured": True, "informative": 5, "p": 0.04, "min_p": 0.0101}, "cannot_reach"),
    ({"flagged": False, "favoured": True, "informative": 5, "p": 0.04, "min_p": None}, "cannot_reach"),
    ({"flagged": True, "favoured": False, "informative": 5, "p": 0.001, "min_p": 0.001}, "no_indication"),
    ({"flagged": False, "favoured": True, "informative": 5, "p": None, "min_p": 0.001}, "no_indication"),
    ({"flagged": True, "favoured": True, "informative": 0, "p": 0.001, "min_p": 0.001}, "no_informative_test"),
])
def test_every_level_at_its_boundary(kwargs, code):
    # threshold 0.01; single target at p <= 0.05 exactly (the round's single-target level).
    assert level(threshold=0.01, **kwargs) == code


def test_single_target_level_in_a_round():
    # 'near' alone: 10 of 12 discordant tests favour the reference: p = P(B >= 10 | 12) =
    # (66 + 12 + 1) / 4096 = 0.0193 < 0.05, above 0.05 / 20 = 0.0025, which 12 of 12 (2^-12) could reach.
    data = {"near": [FAV] * 10 + [AGST] * 2} | {f"q{i}": [NONE, BOTH] for i in range(19)}
    near = next(t for t in analyse_round(_pairs(data), "ref").targets if t.target == "near")
    assert near.p_value == pytest.approx(79 / 4096)
    assert near.evidence_level == "single_target" and not near.flagged


def test_sentence_counts_come_from_the_facts():
    facts = {"reference": "ref", "group": "grp", "fdr": 0.05, "tests": 10, "reference_favoured": 5,
             "group_favoured": 2, "informative_tests": 7, "comparisons": 20, "p": 0.23, "q": 0.6, "further": 0}
    text = sentence("weak", facts)
    assert text.startswith("In 5 of its 10 tests the ref group got the better response, in 2 the grp group; "
                           "in 3 both were treated alike.")
    assert "p = 0.230" in text and "further test" not in text
    assert "About 4 further tests with" in sentence("weak", facts | {"further": 4})
    assert "In 1 of its 1 test the" in sentence("weak", facts | {"tests": 1, "reference_favoured": 1,
                                                                 "group_favoured": 0})


@pytest.mark.parametrize(("p", "text"), [(None, "not available"), (float("nan"), "not available"),
                                         (0.00009, "< 0.0001"), (0.0001, "0.0001"), (0.00099, "0.00099"),
                                         (0.001, "0.001"), (0.0456, "0.046")])
def test_p_values_are_never_written_as_zero(p, text):
    assert fmt_p(p) == text


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


def test_further_tests_z_is_the_first_job_count_whose_z_reaches_the_threshold():
    # KRW: z grows with sqrt(jobs). Brute force with scipy: the smallest x with
    # P(Z > z sqrt((J + x) / J)) <= threshold.
    x = np.arange(0, MAX_FURTHER_TESTS + 1)
    for jobs, z, thr in [(100, 1.0, 0.025), (40, 0.7, 0.001), (12, 1.5, 0.01), (300, 0.9, 0.0005)]:
        first = int(np.flatnonzero(norm.sf(z * np.sqrt((jobs + x) / jobs)) <= thr)[0])
        assert further_tests_z(np.array([jobs]), np.array([z]), thr)[0] == max(first, 1)
    # 100 jobs, z = 1, one-sided 2.5%: z* = 1.96, 100 x 1.96^2 = 384.1 -> 385 jobs, 285 more.
    assert further_tests_z(np.array([100]), np.array([1.0]), 0.025)[0] == 285


def test_further_tests_z_refuses_what_cannot_be_reached():
    got = further_tests_z(np.array([50, 50, 50, 50]), np.array([0.0, -1.0, np.nan, 0.01]), np.array([0.01] * 4))
    # z <= 0: more of the same never favours the reference; 0.01: 50 (2.33 / 0.01)^2 jobs is past the limit.
    assert got.tolist() == [-1, -1, -1, -1]
    edge = norm.isf(0.01) / np.sqrt((50 + MAX_FURTHER_TESTS) / 50)  # exactly MAX_FURTHER_TESTS more jobs
    # 50 (10050 / 1.001^2) = 10029.9 jobs: ceil, minus 50, is 9980 more.
    assert further_tests_z(np.array([50]), np.array([edge * 1.001]), 0.01)[0] == MAX_FURTHER_TESTS - 20
    assert further_tests_z(np.array([50]), np.array([edge * 0.999]), 0.01)[0] == -1
    assert further_tests_z(np.array([50]), np.array([3.0]), 0.01)[0] == 1  # already past: at least one, never 0


def test_further_tests_sign_refuses_patterns_that_do_not_favour_the_reference():
    got = further_tests_sign(np.array([10, 10, 0, 10]), np.array([3, 3, 0, 0]), np.array([3, 4, 0, 0]), 0.01)
    assert got.tolist() == [-1, -1, -1, -1]  # tie, against, no tests, no discordant test
    # 5 of 6 tests discordant, 3 favour and 2 against: p grows with m only slowly; the search stops at the limit.
    assert further_tests_sign(np.array([6]), np.array([3]), np.array([2]), 1e-100)[0] == -1


def test_further_tests_z_counts_exactly_the_limit_and_are_integers():
    # 100 jobs with z = z* sqrt(100 / 10099.5): 100 (z* / z)^2 = 10099.5 jobs, ceil 10100,
    # so exactly MAX_FURTHER_TESTS = 10000 more: still within the limit.
    z = norm.isf(0.01) * np.sqrt(100 / 10_099.5)
    got = further_tests_z(np.array([100, 100]), np.array([z, -z]), 0.01)
    assert got.tolist() == [MAX_FURTHER_TESTS, -1]
    assert got.dtype == np.int64  # a count of tests, never a float such as 10000.0


def test_further_tests_z_with_no_effect_and_a_one_half_threshold_is_quiet():
    # z = 0 and threshold 0.5 (z* = 0): 0 / 0 is undefined; no warning escapes (warnings are
    # errors under the test settings), and no further tests are promised.
    assert further_tests_z(np.array([50]), np.array([0.0]), 0.5).tolist() == [-1]


def test_further_tests_z_takes_decimal_figures():
    # Figures from a NUMERIC column arrive as Decimal; 100 jobs, z = 1, 2.5%: 285 (as above).
    from decimal import Decimal
    got = further_tests_z([Decimal("100")], [Decimal("1.0")], Decimal("0.025"))
    assert got.tolist() == [285]


def _sign_p_after(x, tests, b, d):
    """One-sided sign-test p after x further tests of the same pattern, written out with scipy."""
    m = np.round(d * (tests + x) / tests)
    return binom.sf(np.round(m * b / d) - 1, m, 0.5)


def test_further_tests_sign_finds_crossings_up_to_the_limit_and_not_past_it():
    # Brute force over every x in 0..10001. (27, 15, 12): p after 10000 more tests is lower than
    # after any fewer, so with that p as threshold the first crossing is exactly 10000 (p equal
    # to the threshold counts). (100, 51, 49): the first record past 9999 is at 10001, one past
    # the limit: not found. Several patterns in one call, each searched on its own.
    x = np.arange(MAX_FURTHER_TESTS + 2)
    at_limit = _sign_p_after(x, 27, 15, 27)
    assert at_limit[MAX_FURTHER_TESTS] < at_limit[:MAX_FURTHER_TESTS].min()
    past = _sign_p_after(x, 100, 51, 100)
    assert past[MAX_FURTHER_TESTS + 1] < past[:MAX_FURTHER_TESTS + 1].min()
    cases = [(7, 5, 1, 0.003), (27, 15, 12, at_limit[MAX_FURTHER_TESTS]), (13, 6, 2, 0.0004),
             (100, 51, 49, past[MAX_FURTHER_TESTS + 1]), (10, 9, 0, 0.01), (100, 55, 45, 0.01)]
    tests, b, c, thr = (np.array(v) for v in zip(*cases, strict=True))
    expected = []
    for t_, b_, c_, thr_ in cases:
        hits = np.flatnonzero(_sign_p_after(x[:MAX_FURTHER_TESTS + 1], t_, b_, b_ + c_) <= thr_)
        expected.append(max(int(hits[0]), 1) if len(hits) else -1)
    assert expected[1] == MAX_FURTHER_TESTS and expected[3] == -1 and expected[4] == 1  # 2^-9 <= 0.01 already
    assert any(e > 256 for e in expected if e != MAX_FURTHER_TESTS)  # a crossing past the first scan block
    assert further_tests_sign(tests, b, c, thr).tolist() == expected


def test_further_tests_sign_at_a_threshold_hit_exactly():
    # 4 tests, all favouring the reference: p = 2^-(4 + x); 2^-8 is reached exactly at x = 4.
    assert further_tests_sign(np.array([4]), np.array([4]), np.array([0]), 2.0**-8)[0] == 4
    # One test favouring the reference: p = 2^-(1 + x) <= 0.01 from 1 + x = 7 (2^-7 = 0.0078).
    assert further_tests_sign(np.array([1]), np.array([1]), np.array([0]), 0.01)[0] == 6


def test_further_tests_sign_promises_nothing_for_patterns_that_do_not_favour_the_reference():
    # A tie (3 and 3) or a pattern against (3 and 4) never favours the reference, even at a
    # threshold so lax that their own p-values (0.66 and 0.77) pass it; no tests: nothing to extend.
    got = further_tests_sign(np.array([10, 10, 0]), np.array([3, 3, 1]), np.array([3, 4, 0]), 0.9)
    assert got.tolist() == [-1, -1, -1]
    assert got.dtype == np.int64


def test_further_tests_sign_takes_decimal_figures():
    # 4 tests, all favouring: 2^-8 reached at x = 4, as above, from Decimal counts.
    from decimal import Decimal
    assert further_tests_sign([Decimal(4)], [Decimal(4)], [Decimal(0)], Decimal("0.00390625")).tolist() == [4]


# Whole sentences, written out by hand from the rules in WORDING.md (observed facts first, then what
# the figure means, one-sided, within this round's set of targets; a flag depends on the others).
_FACTS = {"reference": "ref", "group": "grp", "fdr": 0.05, "tests": 10, "reference_favoured": 7,
          "group_favoured": 1, "informative_tests": 8, "comparisons": 20, "p": 0.00012, "q": 0.00003,
          "further": 0, "familywise_threshold": 0.004}
_COUNTS = ("In 7 of its 10 tests the ref group got the better response, in 1 the grp group; "
           "in 2 both were treated alike. ")
_WITHIN = "within this round's set of 20 target comparisons"
_FLAG = (f"One-sided p = 0.00012. Flagged for follow-up {_WITHIN} at a false discovery rate of 5% (q < 0.0001): "
         "among all flagged targets at most about 5% are expected to be flagged wrongly. The flag depends on the "
         "other targets of the round.")


@pytest.mark.parametrize(("code", "extra", "expected"), [
    ("flagged", {"familywise_flagged": True},
     _COUNTS + _FLAG + " It also holds on its own under a family-wise rule (Tarone): p is at most 0.004. These "
     "are facts that can support a presumption of unequal treatment."),
    ("flagged", {"familywise_flagged": False, "awareness_only": True},
     _COUNTS + _FLAG + " It does not hold on its own under a family-wise rule (Tarone), which needs p at most "
     "0.004. The round was planned for awareness only: its results are not used as evidence against single "
     "targets."),
    ("single_target", {"p": 0.0351, "q": 0.42, "further": 3},
     _COUNTS + f"One-sided p = 0.035 for this target alone: below 5%, but not enough to flag it {_WITHIN} "
     "(q = 0.420). About 3 further tests with the same pattern would be needed to flag it alone."),
    ("weak", {"p": 0.23},
     _COUNTS + "One-sided p = 0.230: a difference like this is common under equal treatment."),
    ("cannot_reach", {"tests": 4, "reference_favoured": 3, "group_favoured": 0, "informative_tests": 3,
                      "paired": True},
     "In 3 of its 4 tests the ref group got the better response, in 0 the grp group; in 1 both were treated "
     f"alike. All 3 informative tests favoured the ref group, but that is too few to flag one target alone "
     f"{_WITHIN} at a false discovery rate of 5%."),
    ("cannot_reach", {"paired": True},  # 7 of 8 favour the reference, 1 the group: not 'all'
     _COUNTS + f"Even if all 8 informative tests had favoured the ref group, this target could not be flagged "
     f"alone {_WITHIN} at a false discovery rate of 5%."),
    ("cannot_reach", {"tests": 4, "reference_favoured": 3, "group_favoured": 0, "informative_tests": 3,
                      "paired": False},  # multi-application tests: 'all' would not be the best case
     "In 3 of its 4 tests the ref group got the better response, in 0 the grp group; in 1 both were treated "
     f"alike. Even if all 3 informative tests had favoured the ref group, this target could not be flagged "
     f"alone {_WITHIN} at a false discovery rate of 5%."),
    ("no_indication", {"p": 0.62},
     _COUNTS + "No indication that the ref group was favoured at this target (one-sided p = 0.620)."),
    ("no_informative_test", {},
     _COUNTS + "No informative test: in none of its tests did one group get a better response than the other, "
               "so these tests say nothing either way."),
])
def test_whole_sentence_of_every_level(code, extra, expected):
    assert sentence(code, _FACTS | extra) == expected
