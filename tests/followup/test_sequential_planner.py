"""The retest planner shows the default sequential rule against the fixed design, and saves it."""

from __future__ import annotations

import re

from analysis import power as stats
from praktijktest.extensions import db as _db
from praktijktest.followup import retests, sequential
from praktijktest.rounds.models import Round
from tests.followup.test_retests import _in_dialogue, two_flagged  # noqa: F401  (fixture)


def _plan(db, org, two_flagged):  # noqa: F811
    _, snapshot, targets = two_flagged(organisation=org)
    retest = retests.create_retest(_in_dialogue(snapshot, targets[:2]))
    _db.session.commit()
    return retest


def test_planner_shows_the_default_maximum_beside_the_fixed_design(db, client, login_as, org, two_flagged):  # noqa: F811
    retest = _plan(db, org, two_flagged)
    login_as("coordinator", org)
    page = client.get(f"/follow-up/retests/{retest.id}")
    assert page.status_code == 200
    preview = sequential.compute_rule(retest)
    fixed = retest.planned_tests_per_target
    share, disc = preview["share"], preview["discordance"]
    assert preview["fixed_power"] == stats.flag_probability(fixed, share, disc, 2, retest.fdr_level)
    assert preview["power"] >= preview["fixed_power"] and preview["max_tests"] > fixed
    text = re.sub(r"\s+", " ", page.text)
    assert "Fixed design without the rule" in text
    assert f"may need up to {preview['max_tests']} tests instead of {fixed}" in text
    assert f'value="{preview["max_discordant"]}"' in page.text  # the default, ready to save
    # Saving with the field left empty stores that default; the round's planned tests stay the fixed design's.
    saved = client.post(f"/follow-up/retests/{retest.id}/rule",
                        data={"action": "set", "max_discordant": "", "version": str(retest.version)})
    assert saved.status_code == 302
    _db.session.expire_all()
    stored = sequential.stored_rule(_db.session.get(Round, retest.id))
    assert (stored["max_discordant"], stored["max_tests"]) == (preview["max_discordant"], preview["max_tests"])
    assert _db.session.get(Round, retest.id).planned_tests_per_target == fixed


def test_planner_refuses_a_maximum_that_is_not_a_number_without_changing_anything(db, client, login_as, org,
                                                                                 two_flagged):  # noqa: F811
    retest = _plan(db, org, two_flagged)
    login_as("coordinator", org)
    page = client.get(f"/follow-up/retests/{retest.id}?max_discordant=veel")
    assert page.status_code == 200 and "must be a whole number" in page.text
    refused = client.post(f"/follow-up/retests/{retest.id}/rule",
                          data={"action": "set", "max_discordant": "9999", "version": str(retest.version)},
                          follow_redirects=True)
    assert refused.status_code == 200 and "must lie between 1 and 400" in refused.text
    _db.session.expire_all()
    assert sequential.stored_rule(_db.session.get(Round, retest.id)) is None
