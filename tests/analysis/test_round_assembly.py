"""analyse_round puts every figure in its place (analysis/round.py).

A paired round small enough to work by hand: three groups (a, b and the reference "ref"), every test
one application of each, five targets. Each target result is checked against the sign test worked
with scipy.stats.binom, Benjamini-Hochberg by statsmodels, and the thresholds worked in the comments.
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from scipy.stats import binom, norm
from statsmodels.stats.multitest import multipletests

from analysis import Applications, analyse_round
from analysis import round as round_module
from analysis.data import Layout

# per target: tests as (ref positive, a positive, b positive)
ROUND = {
    "t1": [(1, 0, 0)] * 8,
    "t2": [(1, 0, 1), (0, 1, 0), (1, 1, 0), (0, 0, 0), (0, 1, 1)],
    "t3": [(0, 0, 0)] * 3 + [(1, 1, 1)],
    "t4": [(1, 0, 0)] * 3,
    "t5": [(1, 0, 1)] * 6 + [(0, 1, 1)],
}
FDR = 0.05


def _apps(design=ROUND) -> Applications:
    rows = []
    for target, tests in design.items():
        for i, positives in enumerate(tests):
            for group, positive in zip(("ref", "a", "b"), positives, strict=True):
                rows.append({"test_id": f"{target}-{i}", "target": target, "group": group, "positive": bool(positive)})
    return Applications.from_records(rows)


def _classes(target: str, column: int) -> tuple[int, int, int, int]:
    """(reference alone, group alone, both, neither) for one target and group column (1 = a, 2 = b)."""
    pairs = [(t[0], t[column]) for t in ROUND[target]]
    return pairs.count((1, 0)), pairs.count((0, 1)), pairs.count((1, 1)), pairs.count((0, 0))


def _sign_p(b: int, c: int) -> float:
    return float(binom.sf(b - 1, b + c, 0.5))


def _further_by_scan(tests: int, b: int, c: int, threshold: float) -> int:
    """The documented rule, enumerated: x more tests split like these (rounded), first x >= 1 reaching threshold."""
    d = b + c
    for x in range(0, 10_001):
        m = round(d * (tests + x) / tests)
        k = round(m * b / d)
        if binom.sf(k - 1, m, 0.5) <= threshold:
            return max(x, 1)
    raise AssertionError("no crossing")


# Function scope on purpose: mutmut runs a mutant against the tests that reached it, and a
# module-scoped fixture reaches the code in the first test only.
@pytest.fixture
def result():
    return analyse_round(_apps(), "ref", fdr=FDR, awareness_only=True)


def test_round_level_counts_and_settings(result):
    assert (result.reference_group, result.applications, result.tests, result.target_count) == ("ref", 81, 27, 5)
    assert (result.fdr_level, result.target_method, result.q_method, result.pi0) == (FDR, "exact", "bh", 1.0)
    assert result.awareness_only is True
    assert [g.group for g in result.groups] == ["a", "b", "ref"]
    assert [c.group for c in result.comparisons] == ["a", "b"]
    assert [(m.group, m.targets) for m in result.mixtures] == [("a", 5), ("b", 5)]
    # two comparisons: no single between-target SD for the round, one per comparison
    assert result.between_target_sd is None
    assert [t.group for t in result.targets] == ["a"] * 5 + ["b"] * 5
    assert [t.target for t in result.targets] == ["t1", "t2", "t3", "t4", "t5"] * 2
    json.dumps(result.to_dict(), allow_nan=False)


def test_every_target_has_its_own_counts_p_values_and_expected_positives(result):
    for t in result.targets:
        column = 1 if t.group == "a" else 2
        b, c, both, neither = _classes(t.target, column)
        assert (t.tests, t.reference_favoured, t.group_favoured, t.equal_positive, t.no_positive) == (
            len(ROUND[t.target]), b, c, both, neither), (t.target, t.group)
        assert t.informative_tests == t.exact.informative_tests == b + c
        assert t.method == "exact" and t.p_source == "exact" and t.krw.p_source == "exact"
        assert t.p_value == pytest.approx(_sign_p(b, c)) and t.exact.p_value == pytest.approx(t.p_value)
        if b + c:
            mid = binom.sf(b, b + c, 0.5) + 0.5 * binom.pmf(b, b + c, 0.5)
            assert t.mid_p_value == pytest.approx(mid) and t.exact.mid_p_value == pytest.approx(mid)
            assert t.min_p_value == pytest.approx(0.5 ** (b + c))
            assert t.exact.min_p_value == pytest.approx(t.min_p_value)
        else:
            assert t.min_p_value is None and t.exact.min_p_value is None
        assert (t.exact.reference_positives, t.exact.group_positives) == (b + both, c + both)
        # given one positive in a pair, either is equally likely: expected b + c halves, plus both
        assert t.exact.expected_reference_positives == pytest.approx((b + c) / 2 + both)


def test_q_values_are_benjamini_hochberg_over_all_ten_comparisons(result):
    p = [_sign_p(*_classes(t.target, 1 if t.group == "a" else 2)[:2]) for t in result.targets]
    q = multipletests(p, alpha=FDR, method="fdr_bh")[1]
    assert [t.q_value for t in result.targets] == pytest.approx(list(q))
    assert [t.exact.q_value for t in result.targets] == pytest.approx(list(q))
    assert all(t.krw.q_value is None for t in result.targets)  # the KRW q-value belongs to method krw


def test_flags_thresholds_and_levels_worked_by_hand(result):
    # p: a (2^-8, 7/8, 1, 1/8, 1/16) and b (2^-8, 3/4, 1, 1/8, 1): BH q of the two 2^-8 = 10/2 2^-8
    # = 0.0195 <= 0.05; the next, 1/16, has q = 10/3 1/16 = 0.21. Two flagged (t1 for a and b).
    # Alone-threshold (R + 1) 0.05 / 10: flagged ones R = 1 other, 0.01; the rest R = 2, 0.015.
    flagged = [(t.target, t.group) for t in result.targets if t.flagged]
    assert flagged == [("t1", "a"), ("t1", "b")]
    assert result.flagged_targets == 2
    assert all(t.exact.flagged == t.flagged and t.krw.flagged is False for t in result.targets)
    assert [t.flag_threshold for t in result.targets] == pytest.approx([0.01, 0.015, 0.015, 0.015, 0.015] * 2)
    levels = {(t.target, t.group): t.evidence_level for t in result.targets}
    assert levels == {
        ("t1", "a"): "flagged", ("t1", "b"): "flagged",
        ("t2", "a"): "no_indication",  # reference positives 2 < expected 2.5
        ("t2", "b"): "no_indication",  # 2 = expected 2: not favoured
        ("t3", "a"): "no_informative_test", ("t3", "b"): "no_informative_test",
        ("t4", "a"): "cannot_reach", ("t4", "b"): "cannot_reach",  # min p 1/8 > 0.015
        ("t5", "a"): "weak",  # min p 2^-7 <= 0.015, p 1/16 > 0.05
        ("t5", "b"): "no_indication",
    }


def test_familywise_tarone_worked_by_hand(result):
    # finite min p: 2^-8, 2^-8, 2^-7, 1/8, 1/8, 1/4, 1/2 (b at t5: one test, the group's).
    # K = 1: 3 at or below 0.05; K = 2: 3 at or below 0.025; K = 3: 3 at or below 0.0167 <= 3.
    assert result.familywise == {"method": "tarone", "level": FDR, "threshold": pytest.approx(FDR / 3),
                                 "tested": 3, "flagged": 2}
    assert [t.familywise_flagged for t in result.targets] == [True] + [False] * 4 + [True] + [False] * 4
    assert all(t.familywise_threshold == pytest.approx(FDR / 3) for t in result.targets)


def test_further_tests_only_where_a_flag_is_within_reach(result):
    further = {(t.target, t.group): t.further_tests_needed for t in result.targets}
    # t4: 3 of 3 favour the reference; 2^-(3 + x) <= 0.015 first at x = 4 (2^-7 = 0.0078, 2^-6 = 0.0156)
    assert further[("t4", "a")] == further[("t4", "b")] == 4
    assert further[("t5", "a")] == _further_by_scan(7, 6, 1, 0.015)
    for key in [("t1", "a"), ("t1", "b"), ("t2", "a"), ("t2", "b"), ("t3", "a"), ("t3", "b"), ("t5", "b")]:
        assert further[key] is None, key
    assert all(t.evidence_facts["further"] == t.further_tests_needed for t in result.targets)


def test_krw_figures_of_each_target_are_its_per_test_gaps(result):
    for t in result.targets:
        column = 1 if t.group == "a" else 2
        gaps = np.array([r[0] - r[column] for r in ROUND[t.target]], float)
        assert t.krw.jobs == len(gaps)
        assert t.gap == pytest.approx(gaps.mean()) and t.krw.gap == pytest.approx(gaps.mean())
        se = gaps.std(ddof=1) / np.sqrt(len(gaps))
        if se > 0:
            assert t.se == pytest.approx(se) and t.krw.se == pytest.approx(se)
            assert t.krw.z == pytest.approx(gaps.mean() / se)
            assert t.krw.p_value == pytest.approx(norm.sf(gaps.mean() / se))  # one-sided, KRW's normal z-test
        else:  # every test the same gap: no z-test
            assert t.krw.z is None and t.krw.p_value is None
        assert t.shrunk_gap == t.krw.shrunk_gap


def test_evidence_facts_and_sentence_carry_the_target_figures(result):
    for t in result.targets:
        f = t.evidence_facts
        assert f == {
            "reference": "ref", "group": t.group, "tests": t.tests, "informative_tests": t.informative_tests,
            "reference_favoured": t.reference_favoured, "group_favoured": t.group_favoured, "p": t.p_value,
            "q": t.q_value, "fdr": FDR, "comparisons": 10, "min_p": t.min_p_value, "flag_threshold": t.flag_threshold,
            "further": t.further_tests_needed, "familywise_flagged": t.familywise_flagged,
            "familywise_threshold": t.familywise_threshold, "method": "exact", "p_source": "exact", "paired": True,
            "awareness_only": True,
        }
        if t.evidence_level != "no_informative_test":
            assert f"In {t.reference_favoured} of its {t.tests} tests the ref group" in t.evidence
    assert "10 target comparisons" in result.targets[0].evidence


def test_posteriors_only_for_targets_with_an_informative_test(result):
    for t in result.targets:
        if t.informative_tests == 0:
            assert t.posterior_probability is None and t.posterior_interval is None
    for mixture in result.mixtures:
        passed = mixture.calibration["passed"]
        shown = [t for t in result.targets if t.group == mixture.group and t.informative_tests]
        assert all((t.posterior_interval is not None) == passed for t in shown)
        assert all((t.posterior_probability is not None) == passed for t in shown)


def test_a_single_comparison_gives_the_round_its_between_target_sd():
    apps = _apps()
    two = apps.subset(apps.group != "b")
    result = analyse_round(two, "ref")
    assert len(result.comparisons) == 1
    assert result.between_target_sd == result.comparisons[0].between_target_sd


@pytest.mark.parametrize("fdr", [0.0, 1.0, -0.1, 1.5])
def test_fdr_outside_zero_one_is_refused(fdr):
    with pytest.raises(ValueError, match="^fdr must lie between 0 and 1$"):
        analyse_round(_apps(), "ref", fdr=fdr)


def test_unknown_target_method_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"^unknown target_method 'bayes': use 'exact' or 'krw'$"):
        analyse_round(_apps(), "ref", target_method="bayes")


def _two_plus_one(informative: int, concordant: int = 3) -> Layout:
    """Tests of two reference and one other application; `informative` of them with one positive."""
    rows = []
    for i in range(informative + concordant):
        positive = i < informative
        rows += [{"test_id": str(i), "target": "t", "group": "ref", "positive": positive},
                 {"test_id": str(i), "target": "t", "group": "ref", "positive": False},
                 {"test_id": str(i), "target": "t", "group": "x", "positive": False}]
    return Layout.of(Applications.from_records(rows))


def test_conditional_logit_is_fitted_up_to_2000_informative_tests_and_skipped_above():
    at = _two_plus_one(2000)
    assert round_module._clogit_choice(at, 0, 1, None) == (True, "")
    over = _two_plus_one(2001)
    run, note = round_module._clogit_choice(over, 0, 1, None)
    assert run is False
    assert note == ("conditional logit for x skipped: 2001 informative tests (over 2000); "
                    "pass conditional_logit=True to fit it (slow)")
    assert round_module._clogit_choice(over, 0, 1, True) == (True, "")
    assert round_module._clogit_choice(at, 0, 1, False) == (False, "")


def test_paired_rounds_always_get_the_closed_form_logit():
    rows = []
    for i in range(2001):
        rows += [{"test_id": str(i), "target": "t", "group": "ref", "positive": True},
                 {"test_id": str(i), "target": "t", "group": "x", "positive": False}]
    layout = Layout.of(Applications.from_records(rows))
    assert round_module._clogit_choice(layout, 0, 1, None) == (True, "")


def test_a_skipped_conditional_logit_is_said_in_the_notes(monkeypatch):
    monkeypatch.setattr(round_module, "CONDITIONAL_LOGIT_AUTO_MAX", 2)
    rows = []
    for i, (r1, r2, o) in enumerate([(1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (0, 0, 0)]):
        for group, positive in (("ref", r1), ("ref", r2), ("x", o)):
            rows.append({"test_id": str(i), "target": f"t{i % 2}", "group": group, "positive": bool(positive)})
    result = analyse_round(Applications.from_records(rows), "ref")
    assert result.comparisons[0].conditional_logit is None
    assert result.notes[0] == ("conditional logit for x skipped: 4 informative tests (over 2); "
                               "pass conditional_logit=True to fit it (slow)")


# ---------------------------------------------------------------- method krw

KRW_ROUND = {
    "allref": [(1, 0)] * 150,  # every job gap 1: SE 0, no z-test, the exact p stands in
    "mixed": [(1, 0)] * 55 + [(0, 1)] * 45 + [(0, 0)] * 50,
    "null1": [(1, 0)] * 40 + [(0, 1)] * 40 + [(1, 1)] * 70,
    "null2": [(1, 0)] * 30 + [(0, 1)] * 45 + [(0, 0)] * 75,
    "alike": [(1, 1)] * 75 + [(0, 0)] * 75,  # every job gap 0: SE 0 as well, exact p = 1, not flagged
}


# Function scope on purpose: mutmut runs a mutant against the tests that reached it, and a
# module-scoped fixture reaches the code in the first test only.
@pytest.fixture
def krw_result():
    rows = []
    for target, tests in KRW_ROUND.items():
        for i, (r, o) in enumerate(tests):
            rows += [{"test_id": f"{target}-{i}", "target": target, "group": "ref", "positive": bool(r)},
                     {"test_id": f"{target}-{i}", "target": target, "group": "x", "positive": bool(o)}]
    return analyse_round(Applications.from_records(rows), "ref", target_method="krw")


def test_krw_p_values_are_the_z_test_with_the_exact_test_where_it_is_undefined(krw_result):
    from scipy.stats import norm

    by = {t.target: t for t in krw_result.targets}
    expected_p = {}
    for name, tests in KRW_ROUND.items():
        gaps = np.array([r - o for r, o in tests], float)
        se = gaps.std(ddof=1) / np.sqrt(len(gaps))
        expected_p[name] = float(norm.sf(gaps.mean() / se)) if se > 0 else (0.5 ** 150 if name == "allref" else 1.0)
    assert by["allref"].p_source == "exact" and by["allref"].krw.p_source == "exact"
    assert by["alike"].p_source == "exact"
    assert all(by[n].p_source == "z" for n in ("mixed", "null1", "null2"))
    assert [t.p_value for t in krw_result.targets] == pytest.approx([expected_p[t.target] for t in krw_result.targets])
    q = multipletests([expected_p[t.target] for t in krw_result.targets], method="fdr_bh")[1]
    assert [t.krw.q_value for t in krw_result.targets] == pytest.approx(list(q))
    assert all(t.exact.q_value is None and t.exact.flagged is False for t in krw_result.targets)
    assert [t.krw.flagged for t in krw_result.targets] == [t.flagged for t in krw_result.targets]
    assert by["allref"].flagged and by["allref"].evidence_facts["method"] == "krw"
    # the z-test's smallest attainable p is 0, the exact fall-back's 2^-150
    assert by["mixed"].min_p_value == 0.0 and by["allref"].min_p_value == pytest.approx(0.5 ** 150)


def test_krw_further_tests_grow_the_z_statistic_with_the_square_root_of_the_jobs(krw_result):
    from scipy.stats import norm

    t = next(t for t in krw_result.targets if t.target == "mixed")
    gaps = np.array([r - o for r, o in KRW_ROUND["mixed"]], float)
    z = gaps.mean() / (gaps.std(ddof=1) / np.sqrt(150))  # 0.0667 / 0.0667 = 1.00, p = 0.16
    assert t.krw.z == pytest.approx(z)
    assert not t.flagged and t.evidence_level == "weak"  # favoured, min p 0, p > 0.05
    # z reaches z* = isf(threshold) after J (z*/z)^2 jobs: J (z*/z)^2 - J more
    need = int(np.ceil(150 * (norm.isf(t.flag_threshold) / z) ** 2)) - 150
    assert t.further_tests_needed == need and need > 1


def test_krw_notes_say_how_many_comparisons_fell_back_to_the_exact_test(krw_result):
    assert krw_result.notes == (
        "KRW z-test undefined (standard error 0 or a single test) for 2 target comparison(s): "
        "their exact one-sided p-value is used instead",)
    assert krw_result.target_method == "krw"


def test_exact_method_has_no_fall_back_note(result):
    assert result.notes == ()


# ---------------------------------------------------------------- notes on the q-method

def _storey_round() -> Applications:
    """50 paired targets with p-values chosen by their counts (p = P(Bin(d, 1/2) >= b))."""
    kinds = ([[(1, 0)] * 7] * 10  # p = 2^-7 = 0.0078
             + [[(1, 0)] * 5] * 10  # 2^-5 = 0.031
             + [[(1, 0)] * 4] * 10  # 2^-4 = 0.0625
             + [[(1, 0)] * 2 + [(0, 1)]] * 10  # P(Bin(3) >= 2) = 0.5
             + [[(1, 0)] * 2 + [(0, 1)] * 2] * 5  # 11/16 = 0.6875
             + [[(1, 0), (0, 1)]] * 5)  # 3/4
    rows = []
    for t, tests in enumerate(kinds):
        for i, (r, o) in enumerate(tests):
            rows += [{"test_id": f"{t}-{i}", "target": f"t{t:02d}", "group": "ref", "positive": bool(r)},
                     {"test_id": f"{t}-{i}", "target": f"t{t:02d}", "group": "x", "positive": bool(o)}]
    return Applications.from_records(rows)


def test_q_method_notes_worked_by_hand():
    # BH at 0.05 over 50: rank 10 bound 0.01 >= 2^-7, rank 20 bound 0.02 < 2^-5: 10 flagged.
    # Storey pi0 = (1 + #{p > lam}) / (50 (1 - lam)): lam 0.5 (11/25 = 0.44), 0.6 (11/20), 0.7 (6/15)
    # all let rank 20 through (bound 0.05 * 20 / (50 pi0) >= 0.031; 2^-4 fails the p <= 0.05 guard): 20.
    # Counting p = lam as above at lam 0.5: pi0 = 21/25, rank-20 bound 0.024 < 0.031: 10 flagged.
    apps = _storey_round()
    bh = analyse_round(apps, "ref")
    assert bh.flagged_targets == 10
    assert bh.notes == ("with q-method storey 20 comparison(s) would be flagged (here 10)",
                        "Storey q-values with lambda 0.5, 0.6, 0.7 and either tie rule flag 10 to 20 comparison(s)")
    storey = analyse_round(apps, "ref", q_method="storey")
    assert storey.flagged_targets == 20 and storey.pi0 == pytest.approx(0.44)
    assert storey.notes[0] == "with q-method bh 10 comparison(s) would be flagged (here 20)"


def test_one_storey_count_is_written_once():
    # ten targets at p = 2^-7 and forty at p = 1 (one test, the other group's): pi0 = min(1, 41 / 25) = 1
    # at every lambda and tie rule, so Storey is BH and every run flags the same ten.
    rows = []
    for t in range(50):
        tests = [(1, 0)] * 7 if t < 10 else [(0, 1)]
        for i, (r, o) in enumerate(tests):
            rows += [{"test_id": f"{t}-{i}", "target": f"t{t:02d}", "group": "ref", "positive": bool(r)},
                     {"test_id": f"{t}-{i}", "target": f"t{t:02d}", "group": "x", "positive": bool(o)}]
    result = analyse_round(Applications.from_records(rows), "ref")
    assert result.notes == ("with q-method storey 10 comparison(s) would be flagged (here 10)",
                            "Storey q-values with lambda 0.5, 0.6, 0.7 and either tie rule flag 10 comparison(s)")


def test_krw_favoured_means_a_positive_gap(krw_result):
    # null1: 40 against 40, gap exactly 0, not favoured; null2 favours the other group
    levels = {t.target: t.evidence_level for t in krw_result.targets}
    assert levels == {"allref": "flagged", "mixed": "weak", "null1": "no_indication", "null2": "no_indication",
                      "alike": "no_informative_test"}
    assert [t.further_tests_needed is None for t in krw_result.targets] == [True, True, False, True, True]


def test_a_round_where_no_group_meets_the_reference_has_no_targets():
    rows = [{"test_id": "1", "target": "t", "group": "ref", "positive": True},
            {"test_id": "2", "target": "u", "group": "x", "positive": False},
            {"test_id": "2", "target": "u", "group": "y", "positive": True}]
    result = analyse_round(Applications.from_records(rows), "ref")
    assert result.targets == () and result.mixtures == () and result.flagged_targets == 0
    assert [(c.group, c.tests) for c in result.comparisons] == [("x", 0), ("y", 0)]
    # Tarone over no comparison: K = 1, nothing tested
    assert result.familywise == {"method": "tarone", "level": 0.05, "threshold": 0.05, "tested": 0, "flagged": 0}
    assert result.between_target_sd is None and result.notes == ()


def test_a_group_that_never_meets_the_reference_gets_no_targets_but_the_others_keep_theirs():
    apps = _apps()
    rows = [{"test_id": f"{k}", "target": "elsewhere", "group": "c", "positive": True} for k in ("z1", "z2")]
    extra = Applications.from_records(rows)
    both = Applications(test_id=np.concatenate([apps.test_id, extra.test_id]),
                        target=np.concatenate([apps.target, extra.target]),
                        group=np.concatenate([apps.group, extra.group]),
                        positive=np.concatenate([apps.positive, extra.positive]))
    result = analyse_round(both, "ref")
    assert [c.group for c in result.comparisons] == ["a", "b", "c"]
    assert [t.group for t in result.targets] == ["a"] * 5 + ["b"] * 5
    assert [m.group for m in result.mixtures] == ["a", "b"]
    assert [t.flagged for t in result.targets] == [True] + [False] * 4 + [True] + [False] * 4


def test_mixture_and_posteriors_are_the_fit_on_the_informative_tests():
    # 120 targets x 20 pairs, 30 % of targets at 0.7 against 0.05 (tests/analysis/test_calibration.py):
    # a round whose mixture passes its checks. Its figures must be those of fit_mixture and
    # calibration on the informative pairs (exactly one positive), target by target.
    from analysis import calibration
    from analysis.bayes import fit_mixture
    from tests.analysis.test_calibration import _round

    apps, _ = _round(2, 120, 20, 0.3, 0.7, 0.05)
    result = analyse_round(apps, "ref", conditional_logit=False)
    # tests and targets are coded in the order of their labels as text ("0", "1", "10", "100", ...)
    tests = sorted(range(2400), key=str)
    pos = apps.positive.reshape(-1, 2)[tests]
    # targets likewise
    code = {label: k for k, label in enumerate(sorted(str(i) for i in range(120)))}
    owner = np.array([code[str(i // 20)] for i in tests])
    inf = pos.sum(axis=1) == 1
    ones = np.ones(int(inf.sum()), int)
    args = (owner[inf], ones, ones, ones)
    fit = fit_mixture(*args, pos[inf, 0].astype(int), 120)
    check = calibration.check(fit, *args, 120)
    assert check["passed"]
    mixture = result.mixtures[0]
    assert (mixture.share_discriminating, mixture.odds_ratio_discriminating, mixture.identified) == (
        pytest.approx(fit.share), pytest.approx(fit.odds_ratio), fit.converged)
    assert mixture.calibration == check and mixture.targets == 120
    lo, hi = calibration.posterior_range(fit, tuple(check["share_interval"]))
    for i, t in enumerate(result.targets):
        assert code[t.target] == i
        assert t.posterior_probability == pytest.approx(fit.posterior[i])
        assert t.posterior_interval == pytest.approx((lo[i], hi[i]))
    # one more target whose three pairs are all concordant: no posterior and no band for it
    extra = Applications(test_id=np.repeat(["z0", "z1", "z2"], 2), target=np.full(6, "z"),
                         group=np.tile(["ref", "grp"], 3), positive=np.ones(6, bool))
    more = Applications(test_id=np.concatenate([apps.test_id, extra.test_id]),
                        target=np.concatenate([apps.target, extra.target]),
                        group=np.concatenate([apps.group, extra.group]),
                        positive=np.concatenate([apps.positive, extra.positive]))
    with_z = analyse_round(more, "ref", conditional_logit=False)
    assert with_z.mixtures[0].calibration["passed"]
    z = next(t for t in with_z.targets if t.target == "z")
    assert z.informative_tests == 0 and z.posterior_probability is None and z.posterior_interval is None


def test_shrunk_gaps_are_krw_estimates_of_each_comparison(result):
    # the empirical-Bayes step itself is tested in test_validation_kline_rose_walters; here: each
    # target gets its own comparison's shrunk gap
    from analysis.krw import krw_estimates

    layout = Layout.of(_apps())
    ref = layout.group_code("ref")
    expected = []
    for group in ("a", "b"):
        est = krw_estimates(layout, ref, layout.group_code(group))
        expected += [None if not np.isfinite(v) else float(v) for v in est.shrunk_gap]
    assert any(v is not None for v in expected)
    assert [t.krw.shrunk_gap for t in result.targets] == pytest.approx(expected)
    assert [t.shrunk_gap for t in result.targets] == pytest.approx(expected)


def test_multi_application_targets_favoured_by_expected_positives_not_by_the_mean_gap():
    # Five comparisons (ref-x at four targets, ref-y at p21), none flagged: alone-threshold 0.05 / 5 = 0.01.
    # w: tests (1+1: ref +) and (2+2: ref 0 of 2, x 1 of 2): expected ref positives 1/2 + 2/4 = 1 = observed,
    #    not favoured, though the mean job gap (1 - 1/2) / 2 = 0.25 is positive.
    # big: (1 ref +, 5 x -) and a pair won by x: expected 1/6 + 1/2 = 0.67 < 1, favoured; but one test
    #    favours each side, so no pattern of further tests favours the reference: no count.
    # nf: 3 pairs won by ref, 2 tests (1 ref -, 5 x +): expected 1.5 + 2 x 5/6 = 3.17 > 3, not favoured.
    # p21: 2 pairs won by ref, 1 by x: 2 > 1.5, favoured by half a positive; min p 1/8 > 0.01.
    # p21 for y (the third applicant, never positive): 2 of 2 discordant for ref, min p 1/4 > 0.01.
    ref, x, y = "ref", "x", "y"
    design = {
        "w": [[(ref, 1), (x, 0)], [(ref, 0), (ref, 0), (x, 1), (x, 0)]],
        "p21": [[(ref, 1), (x, 0), (y, 0)], [(ref, 1), (x, 0), (y, 0)], [(ref, 0), (x, 1), (y, 0)]],
        "big": [[(ref, 1)] + [(x, 0)] * 5, [(ref, 0), (x, 1)]],
        "nf": [[(ref, 1), (x, 0)]] * 3 + [[(ref, 0)] + [(x, 1)] * 5] * 2,
    }
    rows = [{"test_id": f"{target}-{i}", "target": target, "group": group, "positive": bool(positive)}
            for target, tests in design.items() for i, apps in enumerate(tests) for group, positive in apps]
    result = analyse_round(Applications.from_records(rows), "ref")
    got = {(t.target, t.group): (t.evidence_level, t.further_tests_needed) for t in result.targets}
    assert got == {
        ("big", "x"): ("cannot_reach", None), ("nf", "x"): ("no_indication", None),
        ("p21", "x"): ("cannot_reach", _further_by_scan(3, 2, 1, 0.01)), ("w", "x"): ("no_indication", None),
        ("p21", "y"): ("cannot_reach", _further_by_scan(3, 2, 0, 0.01)),
    }
    assert all(t.flag_threshold == pytest.approx(0.01) for t in result.targets)
    w = next(t for t in result.targets if t.target == "w")
    assert w.exact.expected_reference_positives == pytest.approx(1.0) and w.gap == pytest.approx(0.25)


# ---------------------------------------------------------------- the round's other parts, in their places

def _with_city(apps: Applications) -> Applications:
    city = np.where(np.char.startswith(apps.target, "t1") | np.char.startswith(apps.target, "t2"), "Gent", "Luik")
    return Applications(test_id=apps.test_id, target=apps.target, group=apps.group, positive=apps.positive,
                        attributes={"city": city})


def test_the_round_carries_each_module_s_figures_at_its_level():
    # The figures themselves are checked in their own modules' tests; here: each is the one of this
    # round, at the requested level, in its place.
    from analysis.balance import balance_checks
    from analysis.breakdowns import breakdown
    from analysis.comparison import compare
    from analysis.omnibus import cochran_q
    from analysis.rates import group_rates

    apps = _with_city(_apps())
    layout = Layout.of(apps)
    result = analyse_round(apps, "ref", by=["city"], level=0.9)
    ref = layout.group_code("ref")
    assert result.groups == group_rates(layout, 0.9) and result.groups != group_rates(layout, 0.95)
    expected = [dataclasses.replace(compare(apps, layout, ref, g, level=0.9), between_target_sd=c.between_target_sd,
                                    sign_test_p_holm=c.sign_test_p_holm)
                for g, c in zip((0, 1), result.comparisons, strict=True)]
    assert list(result.comparisons) == expected
    assert result.breakdowns == {"city": breakdown(apps, layout, "city", "ref", 0.9)}
    assert result.balance == balance_checks(apps)
    assert result.omnibus == cochran_q(layout) and result.omnibus is not None  # three groups
    assert result.sensitivity == {"q_method": {"method": "storey", "applicable": False,
                                               "reason": "fewer than 50 target comparisons"}, "storey_lambda": []}
    assert analyse_round(apps, "ref").breakdowns == {} and analyse_round(apps, "ref").awareness_only is False


def test_holm_adjusts_the_sign_tests_of_two_or_more_comparisons_only(result):
    p = [c.sign_test_p for c in result.comparisons]
    holm = multipletests(p, method="holm")[1]
    assert [c.sign_test_p_holm for c in result.comparisons] == pytest.approx(list(holm))
    apps = _apps()
    single = analyse_round(apps.subset(apps.group != "b"), "ref")
    assert single.comparisons[0].sign_test_p_holm is None


def test_krw_is_refused_with_too_few_tests_per_target():
    with pytest.raises(ValueError, match="target_method 'krw' needs at least 150 tests per target"):
        analyse_round(_apps(), "ref", target_method="krw")


def test_conditional_logit_as_requested_for_every_comparison(monkeypatch):
    # two plus one per test (not pairs): fitted when asked, left out when not; skipped notes for each group
    rows = []
    for i, (r1, r2, o, o2) in enumerate([(1, 0, 0, 1), (0, 1, 0, 0), (1, 1, 0, 1), (0, 0, 1, 0), (1, 0, 1, 1)] * 3):
        for group, positive in (("ref", r1), ("ref", r2), ("x", o), ("y", o2)):
            rows.append({"test_id": str(i), "target": f"t{i % 3}", "group": group, "positive": bool(positive)})
    apps = Applications.from_records(rows)
    assert all(c.conditional_logit is not None for c in analyse_round(apps, "ref", conditional_logit=True).comparisons)
    assert all(c.conditional_logit is None for c in analyse_round(apps, "ref", conditional_logit=False).comparisons)
    monkeypatch.setattr(round_module, "CONDITIONAL_LOGIT_AUTO_MAX", 2)
    notes = analyse_round(apps, "ref").notes
    assert [n.split(" skipped")[0] for n in notes[:2]] == ["conditional logit for x", "conditional logit for y"]


def test_storey_note_with_three_counts_gives_the_lowest_and_the_highest():
    # p: ten 2^-7, five 2^-6, ten 2^-5, eight P(Bin(3) >= 2) = 1/2, seventeen 1 (one test won by x).
    # BH: 10 (rank 15 bound 0.015 < 2^-6). Storey pi0 = (1 + #{p > lam}) / (50 (1 - lam)):
    # lam 0.5: 18/25 = 0.72, every rank up to 25 passes (bound 0.05 x 25 / 36 = 0.035 >= 2^-5): 25;
    # lam 0.6: 18/20 = 0.9, rank 15 passes (0.0167 >= 2^-6), rank 25 not (0.028 < 2^-5): 15;
    # lam 0.7 and ties at 0.5 counted: pi0 1, as BH: 10. Three counts, the note gives 10 to 25.
    kinds = ([[(1, 0)] * 7] * 10 + [[(1, 0)] * 6] * 5 + [[(1, 0)] * 5] * 10
             + [[(1, 0)] * 2 + [(0, 1)]] * 8 + [[(0, 1)]] * 17)
    rows = []
    for t, tests in enumerate(kinds):
        for i, (r, o) in enumerate(tests):
            rows += [{"test_id": f"{t}-{i}", "target": f"t{t:02d}", "group": "ref", "positive": bool(r)},
                     {"test_id": f"{t}-{i}", "target": f"t{t:02d}", "group": "x", "positive": bool(o)}]
    notes = analyse_round(Applications.from_records(rows), "ref").notes
    assert notes == ("with q-method storey 25 comparison(s) would be flagged (here 10)",
                     "Storey q-values with lambda 0.5, 0.6, 0.7 and either tie rule flag 10 to 25 comparison(s)")
