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


# Templates ------------------------------------------------------------------------

LETTER = "Geachte,\n{{ profile.name }} solliciteert voor {{ listing.title }}."


def test_templates_are_audited_with_their_round_and_name_and_texts_are_not_copied_into_the_log(make_round, org):
    from praktijktest.rounds.materials import add_template, delete_template, update_template

    round_ = make_round()
    template = add_template(round_, " Versie A ", "Sollicitatie", LETTER)
    [created] = events("template.create")
    assert (created.object_type, created.object_id) == ("Template", str(template.id))
    assert (created.summary, created.organisation_id) == (f"round {round_.id}: Versie A", org.id)
    update_template(template, round_, "Versie A", "Sollicitatie", LETTER)  # nothing changed: no event
    assert events("template.update") == []
    update_template(template, round_, "Versie B", "Kandidatuur", LETTER + "\nGroeten")
    assert (template.name, template.subject, template.body) == ("Versie B", "Kandidatuur", LETTER + "\nGroeten")
    [updated] = events("template.update")
    assert updated.changes == {"name": ["Versie A", "Versie B"], "subject": ["…", "…"], "body": ["…", "…"]}
    assert (updated.object_type, updated.object_id) == ("Template", str(template.id))
    assert (updated.summary, updated.organisation_id) == (f"round {round_.id}: Versie B", org.id)
    template_id = template.id
    delete_template(template, round_)
    [deleted] = events("template.delete")
    assert (deleted.object_type, deleted.object_id) == ("Template", str(template_id))
    assert (deleted.summary, deleted.organisation_id) == (f"round {round_.id}: Versie B", org.id)


def test_a_deleted_profile_is_audited(make_round, org):
    from praktijktest.rounds.materials import delete_profile

    round_ = make_round()
    profile = add_profile(round_, round_.groups[0], "Tom Peeters")
    profile_id = profile.id
    delete_profile(profile, round_)
    [event] = events("profile.delete")
    assert (event.object_type, event.object_id, event.summary) == ("Profile", str(profile_id), f"round {round_.id}")
    assert event.organisation_id == org.id


def test_template_names_are_required_and_unique_per_round_only(make_round):
    from praktijktest.rounds.materials import add_template, round_templates

    round_, other = make_round(), make_round(title="Huurmarkt 2026")
    with pytest.raises(RoundError, match=r"^A template needs a name\.$"):
        add_template(round_, None, "x", "y")
    add_template(round_, "Versie C", "x", "y")
    empty = add_template(round_, "Leeg", None, None)
    assert (empty.subject, empty.body) == ("", "")
    with pytest.raises(RoundError, match=r"^This round already has a template named VERSIE C\.$"):
        add_template(round_, "VERSIE C", "x", "y")
    add_template(other, "Versie C", "x", "y")  # another round may use the same name
    assert [t.name for t in round_templates(round_)] == ["Leeg", "Versie C"]  # by name, not as added
    assert [t.name for t in round_templates(other)] == ["Versie C"]


def test_profiles_of_a_round_come_by_name(make_round):
    from praktijktest.rounds.materials import round_profiles

    round_ = make_round()
    for name in ("Zoë", "An", "Marc"):
        add_profile(round_, round_.groups[0], name)
    assert [p.name for p in round_profiles(round_)] == ["An", "Marc", "Zoë"]


def test_profiles_and_templates_that_applications_use_cannot_be_deleted(complete_round):
    from datetime import date

    from praktijktest.rounds.materials import delete_profile, delete_template, round_profiles, round_templates
    from praktijktest.schedule.services import ScheduleSettings, generate_schedule

    round_ = complete_round(targets=2)
    generate_schedule(round_, ScheduleSettings(start_date=date(2026, 12, 7), seed=7))
    with pytest.raises(RoundError, match=r"^This profile is used by applications and cannot be deleted\.$"):
        delete_profile(next(iter(round_profiles(round_))), round_)
    with pytest.raises(RoundError, match=r"^This template is used by applications and cannot be deleted\.$"):
        delete_template(next(iter(round_templates(round_))), round_)


def test_a_listing_offers_its_fields_to_templates():
    from types import SimpleNamespace

    from praktijktest.rounds.materials import listing_context

    listing = SimpleNamespace(title="Magazijnier", url=None, occupation="magazijnier", monthly_rent=None,
                              seen_on=None)
    values = listing_context(listing)
    assert values == {"title": "Magazijnier", "url": "", "occupation": "magazijnier", "monthly_rent": "",
                      "seen_on": ""}
    assert render_text("{{ listing.title }}", {"name": "An"}, values) == "Magazijnier"


def test_a_profile_and_a_listing_fill_in_every_placeholder(make_round):
    from datetime import date
    from types import SimpleNamespace

    from praktijktest.rounds.materials import add_template, profile_context, render_template_for

    round_ = make_round()
    group = round_.groups[1]
    profile = add_profile(round_, group, "Fatima Amrani", email="fatima@example.test", phone="0470 12 34 56",
                          attributes={"age": "31", "name": "not this one"})
    assert profile_context(profile) == {"age": "31", "name": "Fatima Amrani", "email": "fatima@example.test",
                                        "phone": "0470 12 34 56", "group": group.label,
                                        "attributes": {"age": "31", "name": "not this one"}}
    listing = SimpleNamespace(title="Studio", url="https://example.test/1", occupation=None, monthly_rent=650,
                              seen_on=date(2026, 5, 4))
    template = add_template(round_, "Huur", "{{ listing.title }} ({{ listing.monthly_rent }} euro), {{ profile.name }}",
                            "{{ profile.name }}, {{ profile.email }}, {{ profile.phone }}, {{ profile.group }}, "
                            "{{ profile.attributes.age }}; {{ listing.url }} [{{ listing.occupation }}] "
                            "{{ listing.seen_on }}")
    rendered = render_template_for(template, profile, listing)
    assert rendered.subject == "Studio (650 euro), Fatima Amrani"
    assert rendered.body == (f"Fatima Amrani, fatima@example.test, 0470 12 34 56, {group.label}, 31; "
                             "https://example.test/1 [] 2026-05-04")
    bare = add_profile(round_, group, "Sam Peeters")
    assert bare.email is None and bare.phone is None
    assert profile_context(bare) == {"name": "Sam Peeters", "email": "", "phone": "", "group": group.label,
                                     "attributes": {}}


def test_a_template_nested_too_deeply_says_so():
    with pytest.raises(TemplateProblem, match=r"^The template is nested too deeply: use fewer brackets and "
                                              r"conditions inside each other\.$"):
        render_text("{{ " + "(" * 3000 + "profile.name" + ")" * 3000 + " }}", {"name": "An"}, dict(SAMPLE_LISTING))
