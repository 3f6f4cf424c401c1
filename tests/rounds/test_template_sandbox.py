"""The template sandbox: only placeholder values, and no 500 on deep nesting (issue 12, item 15)."""
from __future__ import annotations

import pytest

from praktijktest.rounds.materials import SAMPLE_LISTING, SAMPLE_PROFILE, TemplateProblem, render_text


@pytest.fixture(autouse=True)
def _english(app):
    with app.app_context():
        yield


@pytest.mark.parametrize("source", ["{{ profile.items }}", "{{ profile.keys }}", "{{ listing.get }}",
                                    "{{ profile.attributes.items }}", "{{ profile }}", "{{ profile.attributes }}"])
def test_dict_methods_and_whole_objects_are_not_placeholders(source):
    with pytest.raises(TemplateProblem):
        render_text(source, dict(SAMPLE_PROFILE, attributes={"age": "34"}), dict(SAMPLE_LISTING))


def test_placeholders_and_filters_still_work():
    profile = dict(SAMPLE_PROFILE, attributes={"age": "34"}, age="34")
    text = ("{{ profile.name | upper }} ({{ profile.attributes.age }})"
            "{% if profile.phone %}, {{ profile.phone }}{% endif %}")
    assert render_text(text, profile, dict(SAMPLE_LISTING)) == "SAM VOORBEELD (34), +32 470 00 00 00"
    assert render_text("{{ profile.missing | default('-') }}", profile, dict(SAMPLE_LISTING)) == "-"


@pytest.mark.parametrize("source", ["{{ " + "(" * 3000 + "profile.name" + ")" * 3000 + " }}",
                                    "{% if profile.name %}" * 3000 + "x" + "{% endif %}" * 3000,
                                    "{{ " + "not " * 5000 + "profile.name }}"])
def test_deep_nesting_is_a_template_problem_not_a_crash(source):
    with pytest.raises(TemplateProblem):
        render_text(source[:20_000], dict(SAMPLE_PROFILE), dict(SAMPLE_LISTING))
