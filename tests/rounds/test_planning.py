"""The planning panel shows analysis.power's figures for the round's design, and warns in plain words."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from analysis import power
from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.models import Round
from praktijktest.rounds.planning import evidence_plan, save_planning
from praktijktest.rounds.services import GroundSpec, RoundError
from tests.conftest import visible_text
from tests.rounds.util import fresh

INPUTS = {"reference_rate": 0.40, "other_rate": 0.25, "discordance": 0.30, "alpha": 0.05, "power": 0.80,
          "targets": None}


def test_figures_are_the_analysis_functions(make_round, draw_sample):
    round_ = make_round(planned_tests_per_target=4, fdr_level=0.05)
    draw_sample(round_, 30)
    plan = evidence_plan(round_, INPUTS)
    needed = power.tests_needed(0.15, 0.30, 0.05, 0.80)
    assert plan.gap == pytest.approx(0.15)
    assert (plan.tests_needed_exact, plan.tests_needed_connor) == (needed.exact, needed.connor)
    at_planned = power.mcnemar_power(120, plan.gap, 0.30, 0.05)
    assert plan.planned_tests == 120 and plan.power_exact_at_planned == at_planned.exact
    assert plan.power_connor_at_planned == at_planned.connor
    assert plan.targets == 30 and plan.targets_from_sample and plan.comparisons == 30
    assert plan.min_tests_to_flag == power.min_discordant_to_flag(30, 0.05) == 10  # log2(30 / 0.05) = 9.2
    assert plan.can_flag is False
    assert plan.tests_to_flag_expected == power.tests_per_target((0.30 + 0.15) / 0.60, 0.30, 30, 0.05)


def test_discordance_defaults_to_independent_responses(make_round):
    plan = evidence_plan(make_round(), {**INPUTS, "discordance": None, "targets": 10})
    assert plan.is_discordance_assumed and plan.discordance == pytest.approx(0.4 * 0.75 + 0.25 * 0.6)


def test_every_compared_group_counts_as_a_comparison(make_round):
    round_ = make_round(grounds=[GroundSpec("origin", "Belgisch", ["Marokkaans", "Turks"])])
    plan = evidence_plan(round_, {**INPUTS, "targets": 40})
    assert plan.comparisons == 80 and plan.min_tests_to_flag == power.min_discordant_to_flag(80, 0.05)


@pytest.mark.parametrize(("per_target", "can_flag"), [(3, False), (10, True)])
def test_flaggable_only_from_log2_of_targets_over_q(make_round, per_target, can_flag):
    plan = evidence_plan(make_round(planned_tests_per_target=per_target), {**INPUTS, "targets": 50})
    assert plan.min_tests_to_flag == 10 and plan.can_flag is can_flag  # log2(50 / 0.05) = 9.97


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
    assert "With 3 tests per employer no single employer can be flagged on its own evidence" in text
    assert "You would need at least 10 tests per employer" in text  # log2(40 / 0.05) = 9.6
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
    assert "Met 3 tests per werkgever kan geen enkele werkgever op eigen bewijs gesignaleerd worden" in text
    assert "minstens 10 tests per werkgever nodig" in text
