"""The main navigation: which links each role sees.

A feature adds its entry here; the base template shows the entries whose
roles include the user's role (the routes check the role again).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from praktijktest.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when rendered
    roles: tuple[str, ...]


NAVIGATION: list[NavItem] = [
    NavItem("core.home", _l("Home"), tuple(Role)),
    NavItem("organisations.index", _l("Organisations"), (Role.ADMIN,)),
    NavItem("user_admin.index", _l("Users"), (Role.ADMIN,)),
    NavItem("fieldwork.queue", _l("My tests"), (Role.TESTER,)),
    NavItem("rounds.index", _l("Rounds"), (Role.COORDINATOR, Role.VIEWER)),
    NavItem("targets.index", _l("Targets"), (Role.COORDINATOR,)),
    NavItem("followup.index", _l("Follow-up"), (Role.COORDINATOR,)),
    NavItem("contracts.index", _l("Contractors"), (Role.COORDINATOR, Role.VIEWER)),
    NavItem("datasets.upload", _l("Import a round"), (Role.COORDINATOR,)),
    NavItem("audit.index", _l("Audit log"), (Role.COORDINATOR, Role.ADMIN)),
    NavItem("retention.periods", _l("Retention"), (Role.COORDINATOR,)),
]


def items_for_current_user() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [item for item in NAVIGATION if current_user.role in item.roles]


def init_app(app: Flask) -> None:
    from praktijktest.accounts.forms import ROLE_LABELS

    @app.context_processor
    def _navigation():
        return {"navigation": items_for_current_user(), "role_label": lambda role: ROLE_LABELS.get(role, role)}
