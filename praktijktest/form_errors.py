"""Form errors for the error summary at the top of a form and for each field (GOV.UK pattern).

WTForms says "This field is required." whatever the field; the reader should
be told what to do instead, so that one message is replaced by one that
names the field. Nested forms (a round's grounds) are walked too, so that
the summary links to every field with a problem.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from wtforms.form import BaseForm

GENERIC_REQUIRED = ("This field is required.",)
GENERIC_CHOICE = ("Not a valid choice.", "Not a valid choice")


@dataclass(frozen=True)
class FormError:
    field_id: str | None
    message: str


def field_messages(field) -> list[str]:
    """The field's error messages, the generic ones rewritten to say what to do."""
    label = field.label.text if getattr(field, "label", None) else ""
    required = {field.gettext(m) for m in GENERIC_REQUIRED} | set(GENERIC_REQUIRED)
    choice = {field.gettext(m) for m in GENERIC_CHOICE} | set(GENERIC_CHOICE)
    messages = []
    for message in _flat(field.errors):
        if message in required:
            message = _("Fill in “%(label)s”.", label=label) if label else _("Fill in this field.")
        elif message in choice:
            message = _("Choose one of the options for “%(label)s”.", label=label)
        messages.append(str(message))
    return messages


def form_errors(*forms) -> list[FormError]:
    """Every error of `forms` (None and undefined ones skipped), in the order of the fields."""
    return [error for form in forms if _is_form(form) for error in _walk(form)]


def _walk(form) -> Iterator[FormError]:
    for field in form:
        yield from _field_errors(field)


def _field_errors(field) -> Iterator[FormError]:
    if field.type == "FormField":
        yield from _walk(field.form)
    elif field.type == "FieldList":
        for entry in field.entries:
            yield from _field_errors(entry)
    elif field.type == "CSRFTokenField":
        if field.errors:
            yield FormError(None, _("The form had expired or was not sent from this site. Send it again."))
    elif field.errors:
        for message in field_messages(field):
            yield FormError(field.id, message)


def _flat(errors) -> Iterator[str]:
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _flat(value)
    elif isinstance(errors, list | tuple):
        for value in errors:
            yield from _flat(value)
    else:
        yield errors


def _is_form(form) -> bool:
    return isinstance(form, BaseForm)


def init_app(app) -> None:
    app.jinja_env.globals.update(form_errors=form_errors, field_messages=field_messages)
