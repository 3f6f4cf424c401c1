"""Profiles and templates: CRUD while draft, and templates rendered in a sandbox that reports problems."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.materials import (
    SAMPLE_LISTING,
    TemplateProblem,
    add_profile,
    add_template,
    parse_attributes,
    render_template_for,
    render_text,
)
from praktijktest.rounds.models import Profile, Template
from praktijktest.rounds.services import RoundError
from tests.rounds.conftest import LETTER

PROFILE = {"name": "Sam", "email": "sam@example.test", "phone": "", "group": "Belgisch", "age": "29"}

# Each attack with the message of the guard that must stop it: a message from another guard
# (or Jinja's own "cannot be filled in") would mean the intended guard let it through.
ONLY = "Only placeholders such as {{ profile.name }} and {{ listing.title }}, simple filters and if are allowed"
ATTACKS = [
    ("{{ ''.__class__ }}", "Unknown placeholder __class__."),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ONLY),  # the call and subscript are refused first
    ("{{ profile.__class__ }}", "Unknown placeholder __class__."),
    ("{{ profile.name.__class__.__base__ }}", "Unknown placeholder __base__."),
    ("{{ cycler.__init__.__globals__ }}", "Unknown placeholder __globals__."),
    ("{{ config }}", "Unknown placeholder config: use profile."),
    ("{{ self }}", "Unknown placeholder self: use profile."),
    ("{{ lipsum.__globals__ }}", "Unknown placeholder __globals__."),
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", ONLY),
    ("{{ 'x' * 1000000000 }}", ONLY),
    ("{{ profile.name.format(1) }}", ONLY),
    ("{{ profile['name'] }}", ONLY),
    ("{% set x = 1 %}", ONLY),
    ("{% include 'base.html' %}", ONLY),
    ("{{ profile.name|attr('__class__') }}", "The filter attr is not allowed."),
    ("{{ profile.name }", "The template has a writing error on line 1"),
]


def _problem(source: str) -> str:
    with pytest.raises(TemplateProblem) as problem:
        render_text(source, dict(PROFILE), dict(SAMPLE_LISTING))
    return str(problem.value)


@pytest.mark.parametrize(("source", "message"), ATTACKS)
def test_sandbox_refuses_attacks_with_the_message_of_its_guard(source, message):
    assert _problem(source).startswith(message)


@pytest.mark.parametrize(("source", "name"), [("{{ profile.nmae }}", "nmae"), ("{{ listing.company }}", "company"),
                                              ("{% if profile.wage %}x{% endif %}", "wage")])
def test_unknown_attributes_are_named(source, name):
    assert _problem(source).startswith(f"The placeholder {name} does not exist: check its spelling")


def test_unknown_names_are_named():
    assert _problem("{{ employer.name }}") == "Unknown placeholder employer: use profile.… or listing.…"


def test_too_long_templates_are_refused_before_parsing():
    from praktijktest.rounds.materials import MAX_TEMPLATE_CHARS

    assert render_text("x" * MAX_TEMPLATE_CHARS, dict(PROFILE), dict(SAMPLE_LISTING)) == "x" * MAX_TEMPLATE_CHARS
    assert _problem("x" * (MAX_TEMPLATE_CHARS + 1)) == (
        f"A template can be at most {MAX_TEMPLATE_CHARS} characters long.")


def test_placeholders_filters_and_if_render_without_escaping():
    source = "{{ profile.name|upper }} <{{ profile.email }}> {% if profile.age %}({{ profile.age }}){% endif %} & co"
    assert render_text(source, dict(PROFILE), dict(SAMPLE_LISTING)) == "SAM <sam@example.test> (29) & co"


def test_template_renders_for_profile_and_listing(make_round):
    round_ = make_round()
    profile = add_profile(round_, round_.groups[1], "Yassine El Amrani", email="yassine@example.test")
    template = add_template(round_, "Versie A", "Sollicitatie {{ listing.title }}", LETTER)
    rendered = render_template_for(template, profile, None)
    assert rendered.subject == f"Sollicitatie {SAMPLE_LISTING['title']}"
    assert rendered.body.endswith("Yassine El Amrani")


def test_saving_a_template_checks_every_profile(make_round):
    round_ = make_round()
    add_profile(round_, round_.groups[0], "Tom Peeters", attributes={"age": "29"})
    add_profile(round_, round_.groups[1], "Mohamed Benali")
    with pytest.raises(TemplateProblem, match="^For profile Mohamed Benali: The placeholder age does not exist"):
        add_template(round_, "Versie A", "", "Leeftijd: {{ profile.age }}")


def test_template_form_shows_problems_as_form_errors(db, client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    for body in ("{{ ''.__class__ }}", "{{ profile.nmae }}", "{{ profile.name", "{% for x in y %}{% endfor %}"):
        response = client.post(f"/rounds/{round_.id}/templates", data={"name": "A", "subject": "", "body": body})
        assert response.status_code == 200, body
        assert 'class="field-error"' in response.get_data(as_text=True), body
    assert db.session.scalars(select(Template).where(Template.round_id == round_.id)).all() == []


def test_profile_and_template_crud_through_the_pages(db, client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    group = round_.groups[1]
    data = {"name": "Fatima Amrani", "group": str(group.id), "email": "fatima@example.com", "phone": "0470 12 34 56",
            "attributes": "age=31\ndiploma=bachelor"}
    assert client.post(f"/rounds/{round_.id}/profiles", data=data).status_code == 302
    profile = db.session.scalars(select(Profile).where(Profile.round_id == round_.id)).one()
    assert profile.attributes == {"age": "31", "diploma": "bachelor"} and profile.group_id == group.id
    data["attributes"] = "age 31"
    response = client.post(f"/rounds/{round_.id}/profiles/{profile.id}/edit", data=data)
    assert response.status_code == 200 and "Line 1" in response.get_data(as_text=True)
    data["attributes"] = "age=32"
    client.post(f"/rounds/{round_.id}/profiles/{profile.id}/edit", data=data)
    db.session.expire_all()
    assert db.session.get(Profile, profile.id).attributes == {"age": "32"}
    client.post(f"/rounds/{round_.id}/templates", data={"name": "A", "subject": "Re: {{ listing.title }}",
                                                        "body": "Groeten, {{ profile.name }} ({{ profile.age }})"})
    template = db.session.scalars(select(Template).where(Template.round_id == round_.id)).one()
    preview = client.get(f"/rounds/{round_.id}/templates/{template.id}/preview").get_data(as_text=True)
    assert "Groeten, Fatima Amrani (32)" in preview and SAMPLE_LISTING["title"] in preview
    template_id, profile_id = template.id, profile.id
    client.post(f"/rounds/{round_.id}/templates/{template_id}/delete")
    client.post(f"/rounds/{round_.id}/profiles/{profile_id}/delete")
    db.session.expire_all()
    assert db.session.get(Template, template_id) is None and db.session.get(Profile, profile_id) is None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("profile.%")
                                                                     | AuditEvent.action.like("template.%"))))
    assert actions == {"profile.create", "profile.update", "profile.delete", "template.create", "template.delete"}


def test_profile_of_another_round_is_not_found(client, login_as, org, make_round):
    first, second = make_round(), make_round(title="Tweede")
    profile = add_profile(first, first.groups[0], "Tom")
    login_as("coordinator", org)
    assert client.get(f"/rounds/{second.id}/profiles/{profile.id}/edit").status_code == 404


def test_duplicate_names_and_bad_attributes_are_refused(make_round):
    round_ = make_round()
    add_profile(round_, round_.groups[0], "Tom")
    with pytest.raises(RoundError, match="^This round already has a profile named tom.$"):
        add_profile(round_, round_.groups[1], "tom")
    with pytest.raises(RoundError, match="^Line 2: write key=value"):
        parse_attributes("age=3\n= x")
