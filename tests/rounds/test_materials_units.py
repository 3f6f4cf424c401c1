"""Profiles and templates (rounds/materials.py): exact messages, audit events and cleaned values.

A mutation run (make mutation) found that these passed unnoticed: any
message text of a refused profile or attribute line, the audit event of a
new or changed profile (its object, summary, organisation and changes), an
e-mail or phone number lost on update, `key=value` with "=" in the value, a
blank attribute line in the middle, and an empty attribute set in an `if`.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.rounds.materials import (
    SAMPLE_LISTING,
    TemplateProblem,
    add_profile,
    parse_attributes,
    render_text,
    update_profile,
)
from praktijktest.rounds.services import RoundError


@pytest.fixture(autouse=True)
def _english(app):
    with app.app_context():  # no request: the English source texts
        yield


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_new_profile_is_audited_with_its_round_group_and_organisation(make_round, org):
    round_ = make_round()
    group = round_.groups[1]
    profile = add_profile(round_, group, "  Fatima Amrani ", email=" fatima@example.test ", phone="",
                          attributes={"age": "31"})
    assert (profile.name, profile.email, profile.phone) == ("Fatima Amrani", "fatima@example.test", None)
    [event] = events("profile.create")
    assert (event.object_type, event.object_id) == ("Profile", str(profile.id))
    assert event.summary == f"round {round_.id}, group {group.label}"
    assert event.organisation_id == org.id


def test_a_changed_profile_records_each_change_and_keeps_email_and_phone(make_round, org):
    round_ = make_round()
    reference, other = round_.groups[0], round_.groups[1]
    profile = add_profile(round_, reference, "Tom Peeters", email="tom@example.test", phone="0470 11 22 33")
    update_profile(profile, round_, reference, "Tom Peeters", email="tom@example.test", phone=" 0470 99 88 77 ")
    assert (profile.email, profile.phone) == ("tom@example.test", "0470 99 88 77")
    [event] = events("profile.update")
    assert event.changes == {"phone": ["0470 11 22 33", "0470 99 88 77"]}  # same group: no group change
    assert (event.object_type, event.object_id, event.summary) == ("Profile", str(profile.id), f"round {round_.id}")
    assert event.organisation_id == org.id
    update_profile(profile, round_, other, "Tom Peeters", email=" tom.p@example.test ", phone="0470 99 88 77")
    assert profile.email == "tom.p@example.test" and profile.group_id == other.id
    assert events("profile.update")[1].changes == {"email": ["tom@example.test", "tom.p@example.test"],
                                                   "group": [reference.label, other.label]}


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_profile_needs_a_name(make_round, name):
    round_ = make_round()
    with pytest.raises(RoundError, match=r"^A profile needs a name\.$"):
        add_profile(round_, round_.groups[0], name)


def test_a_profile_needs_a_group_of_its_own_round(make_round):
    round_, other = make_round(), make_round(title="Huurmarkt 2026")
    with pytest.raises(RoundError, match=r"^Choose a group of this round\.$"):
        add_profile(round_, other.groups[0], "Tom Peeters")


def test_attribute_lines_keep_everything_after_the_first_equals_sign_and_skip_blank_lines():
    assert parse_attributes("") == {} and parse_attributes(None) == {}
    assert parse_attributes("age=34\n\n  \nnote = huur=750 euro \n") == {"age": "34", "note": "huur=750 euro"}


def test_an_attribute_line_that_is_not_key_value_is_named_with_an_example():
    with pytest.raises(RoundError, match=r"^Line 2: write key=value, with a key of letters, digits and _ "
                                         r"\(for example age=34\)\.$"):
        parse_attributes("age=34\n2de taal=Frans")


def test_an_empty_attribute_set_is_false_in_an_if():
    source = "{% if profile.attributes %}met{% else %}zonder{% endif %}"
    assert render_text(source, {"name": "An", "attributes": {}}, dict(SAMPLE_LISTING)) == "zonder"
    assert render_text(source, {"name": "An", "attributes": {"age": "3"}}, dict(SAMPLE_LISTING)) == "met"


def test_a_whole_placeholder_object_says_which_placeholders_to_use():
    with pytest.raises(TemplateProblem, match=r"^Use a placeholder such as \{\{ profile\.name \}\} or "
                                              r"\{\{ listing\.title \}\}\.$"):
        render_text("{{ profile }}", {"name": "An"}, dict(SAMPLE_LISTING))


def test_a_missing_placeholder_is_named_with_what_to_do():
    with pytest.raises(TemplateProblem, match=r"^The placeholder age does not exist: check its spelling, or give "
                                              r"the profile an attribute with that name\.$"):
        render_text("{{ profile.age }}", {"name": "An"}, dict(SAMPLE_LISTING))
