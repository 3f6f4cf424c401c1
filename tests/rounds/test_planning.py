"""The planning panel's power figures for the round's design, and its warnings in plain words.

Every expected figure is computed here independently of analysis.power: brute-force
enumeration with scipy's binomial, Connor's closed form, or worked by hand.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, norm
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.models import Round
from praktijktest.rounds.planning import evidence_plan, save_planning
from praktijktest.rounds.services import GroundSpec, RoundError
from tests.conftest import visible_text
from tests.rounds.util import fresh

INPUTS = {"reference_rate": 0.40, "other_rate": 0.25, "discordance": 0.30, "alpha": 0.05, "power": 0.80,
          "targets": None}


def test_figures_agree_with_independent_computations(make_round, draw_sample):
    round_ = make_round(planned_tests_per_target=4, fdr_level=0.05)
    draw_sample(round_, 30)
    plan = evidence_plan(round_, INPUTS)
    assert plan.gap == pytest.approx(0.15)
    # Connor (1987) eq. (2), written out: (z_.025 sqrt(.30) + z_.20 sqrt(.30 - .15^2))^2 / .15^2 = 102.3 -> 103.
    za, zb = norm.isf(0.025), norm.isf(0.20)
    connor = (za * math.sqrt(0.30) + zb * math.sqrt(0.30 - 0.15**2)) ** 2 / 0.15**2
    assert connor == pytest.approx(102.26, abs=0.01) and plan.tests_needed_connor == 103
    powers = _exact_power_by_n(200, 0.15, 0.30, 0.05)
    assert plan.tests_needed_exact == int(np.flatnonzero(powers >= 0.80)[0])  # every smaller n is below 80%
    assert plan.planned_tests == 120 and plan.power_exact_at_planned == pytest.approx(powers[120], rel=1e-9)
    connor_power = norm.cdf((0.15 * math.sqrt(120) - za * math.sqrt(0.30)) / math.sqrt(0.30 - 0.15**2))
    assert plan.power_connor_at_planned == pytest.approx(connor_power, rel=1e-12)
    assert plan.targets == 30 and plan.targets_from_sample and plan.comparisons == 30
    assert plan.min_tests_to_flag == 10  # 2^-10 = 0.00098 <= 0.05 / 30 = 0.00167 < 2^-9 = 0.00195
    share = (0.30 + 0.15) / 0.60
    assert plan.tests_to_flag_expected == _first_expected_pattern_flag(share, 0.30, 0.05 / 30)
    assert plan.flag_probability == pytest.approx(_enumerated(4, share, 0.30, 0.05 / 30), abs=1e-15)
    assert plan.can_flag is False and plan.expected_informative_tests == pytest.approx(4 * 0.30)
    flag_by_n = _flag_probability_by_n(400, share, 0.30, 0.05 / 30)
    assert plan.tests_per_target_for_power == int(np.flatnonzero(flag_by_n >= 0.80)[0])


def _enumerated(tests, share, discordance, threshold):
    """P(flag alone) by brute force: every (discordant, favouring) count, its one-sided exact p."""
    return sum(binom.pmf(m, tests, discordance) * binom.pmf(b, m, share)
               for m in range(tests + 1) for b in range(m + 1) if binom.sf(b - 1, m, 0.5) <= threshold)


def _exact_power_by_n(max_tests, gap, discordance, alpha):
    """Power of the two-sided exact McNemar test for n = 0..max_tests, by brute force over (m, b):
    m ~ Bin(n, discordance) discordant tests, b | m ~ Bin(m, p10 / discordance), rejected when
    min(1, 2 min(P(B <= b), P(B >= b))) <= alpha under B ~ Bin(m, 1/2)."""
    share = (discordance + gap) / 2 / discordance
    reject = np.zeros(max_tests + 1)
    for m in range(max_tests + 1):
        b = np.arange(m + 1)
        two_sided = np.minimum(1.0, 2 * np.minimum(binom.cdf(b, m, 0.5), binom.sf(b - 1, m, 0.5)))
        reject[m] = binom.pmf(b, m, share)[two_sided <= alpha].sum()
    return np.array([binom.pmf(np.arange(n + 1), n, discordance) @ reject[:n + 1] for n in range(max_tests + 1)])


def _flag_probability_by_n(max_tests, share, discordance, threshold):
    """P(flag alone) for n = 0..max_tests: the brute force of `_enumerated`, one row of b per m."""
    given = np.zeros(max_tests + 1)
    for m in range(max_tests + 1):
        b = np.arange(m + 1)
        given[m] = binom.pmf(b, m, share)[binom.sf(b - 1, m, 0.5) <= threshold].sum()
    return np.array([binom.pmf(np.arange(n + 1), n, discordance) @ given[:n + 1] for n in range(max_tests + 1)])


def _first_expected_pattern_flag(share, discordance, threshold, max_tests=2000):
    """Smallest n whose expected counts (round(n d) discordant, round(share x that) favouring) reach the threshold."""
    for n in range(1, max_tests + 1):
        m = round(n * discordance)
        if m and binom.sf(round(m * share) - 1, m, 0.5) <= threshold:
            return n
    return None


def test_discordance_defaults_to_independent_responses(make_round):
    plan = evidence_plan(make_round(), {**INPUTS, "discordance": None, "targets": 10})
    assert plan.is_discordance_assumed and plan.discordance == pytest.approx(0.4 * 0.75 + 0.25 * 0.6)


def test_every_compared_group_counts_as_a_comparison(make_round):
    round_ = make_round(grounds=[GroundSpec("origin", "Belgisch", ["Marokkaans", "Turks"])])
    plan = evidence_plan(round_, {**INPUTS, "targets": 40})
    assert plan.comparisons == 80 and plan.min_tests_to_flag == 11  # log2(80 / 0.05) = log2(1600) = 10.6


def test_the_gate_uses_the_flag_probability_not_the_best_case(make_round):
    # Issue 8: 40% vs 30% (discordance 46% assumed), 100 targets, FDR 5%, 11 tests per target:
    # 11 >= log2(100 / 0.05) passed the old gate; the expected pattern is flagged with about 1e-6.
    inputs = {**INPUTS, "other_rate": 0.30, "discordance": None, "targets": 100}
    plan = evidence_plan(make_round(planned_tests_per_target=11), inputs)
    assert plan.min_tests_to_flag == 11
    share = (0.46 + 0.10) / 0.92
    assert plan.flag_probability == pytest.approx(_enumerated(11, share, 0.46, 0.05 / 100), rel=1e-9)
    assert plan.flag_probability < 1e-5 and plan.can_flag is False and plan.needs_awareness_confirmation


@pytest.mark.parametrize(("per_target", "can_flag"), [(12, False), (15, True)])
def test_flaggable_when_the_expected_pattern_reaches_the_power(make_round, per_target, can_flag):
    strong = {"reference_rate": 0.9, "other_rate": 0.1, "discordance": 0.82, "alpha": 0.05, "power": 0.8,
              "targets": 20}
    plan = evidence_plan(make_round(planned_tests_per_target=per_target), strong)
    expected = _enumerated(per_target, (0.82 + 0.8) / 1.64, 0.82, 0.05 / 20)
    assert plan.flag_probability == pytest.approx(expected, rel=1e-9)
    assert bool(expected >= 0.8) is can_flag and plan.can_flag is can_flag


def test_twelve_tests_in_all_warn_about_the_round(make_round):
    plan = evidence_plan(make_round(planned_tests_per_target=6), {**INPUTS, "targets": 2})
    assert plan.planned_tests == 12
    assert plan.power_exact_at_planned == pytest.approx(_exact_power_by_n(12, 0.15, 0.30, 0.05)[12], rel=1e-9)
    assert plan.power_exact_at_planned < 0.8 and plan.needs_power_confirmation


def test_the_plan_is_stored_and_not_recomputed_on_view(make_round, monkeypatch):
    from praktijktest.rounds import planning

    round_ = make_round(planned_tests_per_target=4)
    saved = save_planning(round_, {**INPUTS, "targets": 30})
    planning.plan_figures.cache_clear()

    def fail(*args, **kwargs):
        raise AssertionError("recomputed")

    monkeypatch.setattr(planning.stats, "tests_needed", fail)
    assert evidence_plan(round_) == saved  # from round.planning["power"]["figures"]
    round_.planned_tests_per_target = 5  # the design changed: the stored figures no longer apply
    with pytest.raises(AssertionError, match="recomputed"):
        evidence_plan(round_)


@pytest.mark.parametrize("bad", [{"other_rate": 0.5}, {"discordance": 0.1}, {"alpha": 0.7}, {"power": 1.0}])
def test_impossible_inputs_are_refused(make_round, bad):
    with pytest.raises(RoundError):
        save_planning(make_round(), {**INPUTS, **bad})


def test_panel_warns_in_plain_words_and_saves_inputs(db, client, login_as, org, make_round, draw_sample):
    round_ = make_round(planned_tests_per_target=3)
    draw_sample(round_, 40)
    login_as("coordinator", org)
    data = {"reference_rate": "40", "other_rate": "", "gap": "15", "discordance": "", "alpha": "5", "power": "80",
            "version": str(round_.version)}
    response = client.post(f"/rounds/{round_.id}/planning", data=data)
    assert response.status_code == 302
    stored = fresh(db, Round, round_.id).planning["power"]
    assert stored["reference_rate"] == 0.4 and stored["other_rate"] == pytest.approx(0.25)
    text = visible_text(client.get(f"/rounds/{round_.id}").get_data(as_text=True))
    assert "With 3 tests per employer, of which about 1.4 informative" in text  # 3 x 0.45
    # 3 tests can never reach the 10 informative tests one target alone needs: probability 0
    assert "is flagged alone with a probability of 0% (false discovery rate 5% over 40 comparisons)" in text
    assert "With 120 tests in all, the round is unlikely to detect a gap of 15% at all" in text
    assert "Several employers with an extreme pattern can be flagged together" in text
    assert "could ever flag" not in text
    assert "Probability that a target with the expected pattern is flagged alone 0%" in text
    assert "Informative tests per target you can expect 1.35" in text
    assert "Fewest informative tests with which one target alone can be flagged 10" in text  # log2(40 / 0.05)
    plan = evidence_plan(fresh(db, Round, round_.id))
    needed = plan.tests_per_target_for_power
    assert f"Tests per target for a probability of 80.0% to flag such a target alone {needed}" in text
    assert "This round is for awareness only" in text
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.planning")).one()


def test_bad_planning_input_is_a_form_error(client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    for data in ({"reference_rate": "veertig"}, {"reference_rate": "20", "other_rate": "30"}, {"reference_rate": "40"}):
        response = client.post(f"/rounds/{round_.id}/planning", data={"alpha": "5", "power": "80", **data})
        assert response.status_code == 200, data
        page = response.get_data(as_text=True)
        assert 'class="field-error"' in page or "flash-error" in page, data


def test_the_warning_reads_in_dutch(client, login_as, org, make_round):
    round_ = make_round(planned_tests_per_target=3)
    save_planning(round_, {**INPUTS, "targets": 40})
    login_as("coordinator", org)
    client.post("/language", data={"locale": "nl_BE"})
    text = visible_text(client.get(f"/rounds/{round_.id}").get_data(as_text=True))
    assert "Met 3 tests per werkgever, waarvan ongeveer 0,9 informatief" in text  # 3 x 0.30
    assert "alleen op eigen kracht aangeduid" in text
