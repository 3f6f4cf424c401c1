"""The demonstration data: a regional partnership, one account per role, and
two synthetic rounds (a finished labour-market round and a housing round in
fieldwork, see demo_rounds.py).

Everything is created through the services, as a user would, and the
command can run again without creating anything twice.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from praktijktest.accounts.models import Role
from praktijktest.accounts.services import create_user, find_user
from praktijktest.organisations.models import OrganisationKind
from praktijktest.organisations.services import create_organisation, find_organisation

DEMO_ORGANISATION = "Regio Demo"
DEMO_MUNICIPALITIES = ("Demodorp", "Demostad")
DEMO_PASSWORD = "demo"
DEMO_ACCOUNTS = [
    ("admin@demo.example", "Ada Admin", Role.ADMIN),
    ("coordinator@demo.example", "Chris Coördinator", Role.COORDINATOR),
    ("tester@demo.example", "Toon Tester", Role.TESTER),
    ("viewer@demo.example", "Vera Viewer", Role.VIEWER),
]


class DemoError(RuntimeError):
    """The demo cannot be loaded here."""


def load_demo() -> str:
    """Create what is missing of the demo; return a summary with the logins."""
    if current_app.config["PRAKTIJKTEST_ENV"] == "production":
        raise DemoError("The demo data (with password 'demo') is refused when PRAKTIJKTEST_ENV=production.")
    # Texts the services store (a step's reason, say) are written in the municipality's language,
    # not in gettext's fallback English: the command runs outside any request.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _load_demo()


def _load_demo() -> str:
    organisation = find_organisation(DEMO_ORGANISATION) or create_organisation(
        DEMO_ORGANISATION, OrganisationKind.PARTNERSHIP, DEMO_MUNICIPALITIES
    )
    for email, name, role in DEMO_ACCOUNTS:
        if not find_user(email):
            # The demo password is deliberately weak and documented; never in production.
            create_user(email, name, role, organisation, DEMO_PASSWORD, check_strength=False)
    from praktijktest.demo_rounds import load_demo_rounds

    done = load_demo_rounds(organisation, find_user("tester@demo.example"))
    from praktijktest.demo_rounds import LABOUR_TITLE, _find_round
    from praktijktest.followup.demo import load_demo_followup

    done += load_demo_followup(_find_round(organisation, LABOUR_TITLE), find_user("coordinator@demo.example"),
                               find_user("tester@demo.example"))
    return "\n".join([*done, demo_logins()])


def demo_logins() -> str:
    lines = [f"Demo organisation: {DEMO_ORGANISATION} ({', '.join(DEMO_MUNICIPALITIES)})", "Demo logins:"]
    lines += [f"  {email:28} password: {DEMO_PASSWORD}   ({role})" for email, _, role in DEMO_ACCOUNTS]
    return "\n".join(lines)
