"""Profiles (fictitious candidates) and templates (letters, inquiries) of a round.

Templates are Jinja text rendered in `ImmutableSandboxedEnvironment` with a
strict undefined, and restricted further to placeholders with simple filters
and `if`: no loops, no arithmetic, no calls, so that a template can neither
reach Python internals nor run for ever. Every problem is a TemplateProblem
with a readable message, which the forms show next to the field.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import func, select

from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.rounds.models import Profile, Round, RoundGroup, Template
from praktijktest.rounds.services import RoundError, check_editable
from praktijktest.rounds.usage import count_uses

PLACEHOLDER_NAMES = {"profile", "listing"}
ALLOWED_FILTERS = {"upper", "lower", "title", "capitalize", "trim", "default"}
# Node types a template may contain: text, placeholders, attribute access, constants,
# filters, `if` and boolean tests. Everything else (For, Call, Mul, ...) is refused.
ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Const,
    nodes.Filter, nodes.If, nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand, nodes.CondExpr,
)
SAMPLE_PROFILE = {"name": "Sam Voorbeeld", "email": "sam@example.invalid", "phone": "+32 470 00 00 00",
                  "group": "reference"}
SAMPLE_LISTING = {"title": "Administratief medewerker (voorbeeld)", "url": "https://example.invalid/vacature",
                  "occupation": "administratief medewerker", "monthly_rent": "", "seen_on": ""}
MAX_TEMPLATE_CHARS = 20_000

_environment = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined,
                                             keep_trailing_newline=True)


class TemplateProblem(RoundError):
    """A template cannot be rendered: syntax, unknown placeholder, or a forbidden construct."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def profile_context(profile: Profile | None) -> dict:
    """What `{{ profile.* }}` offers: name, email, phone, group and every attribute."""
    if profile is None:
        return dict(SAMPLE_PROFILE)
    attributes = {str(k): str(v) for k, v in (profile.attributes or {}).items()}
    base = {"name": profile.name, "email": profile.email or "", "phone": profile.phone or "",
            "group": profile.group.label}
    return {**attributes, **base, "attributes": attributes}


def listing_context(listing) -> dict:
    """What `{{ listing.* }}` offers; the sample listing when there is none."""
    if listing is None:
        return dict(SAMPLE_LISTING)
    return {"title": listing.title, "url": listing.url or "", "occupation": listing.occupation or "",
            "monthly_rent": "" if listing.monthly_rent is None else str(listing.monthly_rent),
            "seen_on": listing.seen_on.isoformat() if listing.seen_on else ""}


class Placeholders:
    """The values a placeholder may print, and nothing else.

    A plain dict would also offer its methods: `{{ profile.items }}` printed
    `<built-in method items of dict object at 0x...>`. Here an unknown name
    is undefined (StrictUndefined turns it into a TemplateProblem), and the
    object itself cannot be printed.
    """

    __slots__ = ("_values",)

    def __init__(self, values: dict) -> None:
        self._values = {key: Placeholders(value) if isinstance(value, dict) else value
                        for key, value in values.items()}

    def __getitem__(self, key: str):
        return self._values[key]  # KeyError: Jinja makes it undefined

    def __bool__(self) -> bool:
        return bool(self._values)

    def __str__(self) -> str:
        raise TemplateProblem(_("Use a placeholder such as {{ profile.name }} or {{ listing.title }}."))


def render_text(source: str, profile: dict, listing: dict) -> str:
    """Render one template text in the sandbox; TemplateProblem on any error."""
    return render_in_sandbox(source, {"profile": profile, "listing": listing}, _check_tree)


def render_in_sandbox(source: str, values: dict, check_tree) -> str:
    """`source` filled in with `values` (dicts as placeholders) after `check_tree` allowed every node of it.

    TemplateProblem, in words, on any error: too long, a refused node, a Jinja error, too deep.
    """
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateProblem(_("A template can be at most %(n)s characters long.", n=MAX_TEMPLATE_CHARS))
    try:
        tree = _environment.parse(source)
        check_tree(tree)
        return _environment.from_string(tree).render(
            **{key: Placeholders(value) if isinstance(value, dict) else value for key, value in values.items()})
    except TemplateProblem:
        raise
    except TemplateError as error:
        raise TemplateProblem(readable_template_error(error)) from error
    except RecursionError:
        # Parsing and compiling recurse once per nesting level: thousands of brackets exhaust the stack.
        raise TemplateProblem(_("The template is nested too deeply: use fewer brackets and conditions inside "
                                "each other.")) from None


def readable_template_error(error: TemplateError) -> str:
    """Jinja's English message ("'dict object' has no attribute 'x'") said in the reader's words."""
    missing = re.search(r"has no attribute '([^']+)'", error.message or "")
    if missing:
        return _("The placeholder %(name)s does not exist: check its spelling, or give the profile an attribute "
                 "with that name.", name=missing.group(1))
    if isinstance(error, TemplateSyntaxError):
        return _("The template has a writing error on line %(line)s: check that every {{ is closed by }}.",
                 line=error.lineno)
    return _("The template cannot be filled in: check its placeholders.")


def render_template_for(template: Template, profile: Profile | None, listing=None) -> Rendered:
    """Subject and body of `template` for one profile and listing (the samples when None)."""
    profile_data, listing_data = profile_context(profile), listing_context(listing)
    return Rendered(render_text(template.subject, profile_data, listing_data),
                    render_text(template.body, profile_data, listing_data))


def check_template_text(round_: Round, subject: str, body: str) -> None:
    """Render subject and body for every profile of the round (or the sample profile)."""
    profiles = list(round_profiles(round_)) or [None]
    for profile in profiles:
        for source in (subject, body):
            try:
                render_text(source, profile_context(profile), dict(SAMPLE_LISTING))
            except TemplateProblem as problem:
                if profile is None:
                    raise
                raise TemplateProblem(_("For profile %(name)s: %(problem)s", name=profile.name,
                                        problem=problem)) from problem


def round_profiles(round_: Round) -> Iterable[Profile]:
    return db.session.scalars(select(Profile).where(Profile.round_id == round_.id).order_by(Profile.name))


def round_templates(round_: Round) -> Iterable[Template]:
    return db.session.scalars(select(Template).where(Template.round_id == round_.id).order_by(Template.name))


def add_profile(round_: Round, group: RoundGroup, name: str, *, email: str | None = None,
                phone: str | None = None, attributes: dict | None = None) -> Profile:
    """Add a fictitious candidate of `group` to a draft round."""
    check_editable(round_)
    values = _profile_values(round_, group, name, email, phone, attributes, current=None)
    profile = Profile(round_id=round_.id, **values)
    db.session.add(profile)
    db.session.flush()
    record("profile.create", profile, summary=f"round {round_.id}, group {group.label}",
           organisation_id=round_.organisation_id)
    return profile


def update_profile(profile: Profile, round_: Round, group: RoundGroup, name: str, *, email=None, phone=None,
                   attributes: dict | None = None) -> Profile:
    """Change a profile of a draft round."""
    check_editable(round_)
    values = _profile_values(round_, group, name, email, phone, attributes, current=profile)
    changes = diff(profile, {k: v for k, v in values.items() if k != "group"})
    if profile.group_id != group.id:
        changes["group"] = [profile.group.label, group.label]
    for key, value in values.items():
        setattr(profile, key, value)
    db.session.flush()
    if changes:
        record("profile.update", profile, summary=f"round {round_.id}", changes=changes,
               organisation_id=round_.organisation_id)
    return profile


def delete_profile(profile: Profile, round_: Round) -> None:
    """Remove a profile of a draft round that no application uses."""
    check_editable(round_)
    _refuse_if_used("profile", profile.id, _("This profile is used by applications and cannot be deleted."))
    record("profile.delete", profile, summary=f"round {round_.id}", organisation_id=round_.organisation_id)
    db.session.delete(profile)
    db.session.flush()


def add_template(round_: Round, name: str, subject: str, body: str) -> Template:
    """Add a template to a draft round after rendering it for every profile."""
    check_editable(round_)
    values = _template_values(round_, name, subject, body, current=None)
    template = Template(round_id=round_.id, **values)
    db.session.add(template)
    db.session.flush()
    record("template.create", template, summary=f"round {round_.id}: {template.name}",
           organisation_id=round_.organisation_id)
    return template


def update_template(template: Template, round_: Round, name: str, subject: str, body: str) -> Template:
    """Change a template of a draft round; the new text must render for every profile."""
    check_editable(round_)
    values = _template_values(round_, name, subject, body, current=template)
    changes = diff(template, values)
    for key, value in values.items():
        setattr(template, key, value)
    db.session.flush()
    if changes:
        # Letter texts can be long: the log says that they changed, not how.
        changes = {k: (v if k == "name" else ["…", "…"]) for k, v in changes.items()}
        record("template.update", template, summary=f"round {round_.id}: {template.name}", changes=changes,
               organisation_id=round_.organisation_id)
    return template


def delete_template(template: Template, round_: Round) -> None:
    """Remove a template of a draft round that no application uses."""
    check_editable(round_)
    _refuse_if_used("template", template.id, _("This template is used by applications and cannot be deleted."))
    record("template.delete", template, summary=f"round {round_.id}: {template.name}",
           organisation_id=round_.organisation_id)
    db.session.delete(template)
    db.session.flush()


def parse_attributes(text: str) -> dict[str, str]:
    """`key=value` lines into a dict; RoundError names the line that is not one."""
    attributes: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise RoundError(_("Line %(n)s: write key=value, with a key of letters, digits and _ (for example "
                               "age=34).", n=number))
        attributes[key] = value.strip()
    return attributes


def _profile_values(round_, group, name, email, phone, attributes, current) -> dict:
    name = (name or "").strip()
    if not name:
        raise RoundError(_("A profile needs a name."))
    if group.round_id != round_.id:
        raise RoundError(_("Choose a group of this round."))
    _refuse_duplicate(Profile, round_, name, current, _("This round already has a profile named %(name)s."))
    return {"group": group, "name": name, "email": (email or "").strip() or None,
            "phone": (phone or "").strip() or None, "attributes": dict(attributes or {})}


def _template_values(round_, name, subject, body, current) -> dict:
    name = (name or "").strip()
    if not name:
        raise RoundError(_("A template needs a name."))
    _refuse_duplicate(Template, round_, name, current, _("This round already has a template named %(name)s."))
    check_template_text(round_, subject or "", body or "")
    return {"name": name, "subject": subject or "", "body": body or ""}


def _refuse_duplicate(model, round_, name, current, message) -> None:
    query = select(model.id).where(model.round_id == round_.id, func.lower(model.name) == name.lower())
    existing = db.session.scalar(query)
    if existing is not None and (current is None or existing != current.id):
        raise RoundError(message % {"name": name})


def _refuse_if_used(kind: str, object_id: int, message: str) -> None:
    if count_uses(kind, [object_id])[object_id]:
        raise RoundError(message)


def _check_tree(tree: nodes.Template) -> None:
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise TemplateProblem(_("Only placeholders such as {{ profile.name }} and {{ listing.title }}, simple "
                                    "filters and if are allowed in a template."))
        if isinstance(node, nodes.Name) and node.name not in PLACEHOLDER_NAMES:
            raise TemplateProblem(_("Unknown placeholder %(name)s: use profile.… or listing.…", name=node.name))
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            raise TemplateProblem(_("The filter %(name)s is not allowed.", name=node.name))
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise TemplateProblem(_("Unknown placeholder %(name)s.", name=node.attr))
