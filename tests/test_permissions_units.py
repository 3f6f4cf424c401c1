"""The role decorators themselves (praktijktest/permissions.py), applied at test time.

The app's own views are decorated when their modules are imported, before
any mutant is switched on, so a mutation run could change `public`,
`roles_required` or `any_role` with every page test still passing. Here the
decorators are applied inside the tests, to views of a bare Flask app.
"""
from __future__ import annotations

import pytest
from flask import Flask
from flask_login import login_user, logout_user
from werkzeug.exceptions import Forbidden

from praktijktest.accounts.models import Role
from praktijktest.permissions import ALL_ROLES, any_role, check_views_declared, public, roles_required


def test_public_and_role_views_are_declared_and_a_bare_view_is_named():
    def page():
        return "page"

    bare = Flask("bare")
    bare.add_url_rule("/open", "open", public(lambda: "open"))
    bare.add_url_rule("/staff", "staff", roles_required(Role.COORDINATOR)(page))
    check_views_declared(bare)  # both declared: no error
    assert bare.view_functions["open"].is_public is True
    assert bare.view_functions["staff"].required_roles == (Role.COORDINATOR,)
    bare.add_url_rule("/forgotten", "forgotten", lambda: "forgotten")
    with pytest.raises(RuntimeError, match=r"^Views without @public or @roles_required: \['forgotten'\]$"):
        check_views_declared(bare)


def test_any_role_lets_every_role_in_and_runs_the_view(app, make_user):
    def overview(number):
        return f"overview {number}"

    wrapped = any_role(overview)
    assert wrapped.required_roles == ALL_ROLES == (Role.ADMIN, Role.COORDINATOR, Role.TESTER, Role.VIEWER)
    assert wrapped.__name__ == "overview"
    for role in ALL_ROLES:
        with app.test_request_context("/"):
            login_user(make_user(role.value))
            assert wrapped(7) == "overview 7"


def test_a_role_view_refuses_other_roles_and_sends_guests_to_the_login_page(app, make_user):
    wrapped = roles_required(Role.COORDINATOR, Role.ADMIN)(lambda: "identities")
    with app.test_request_context("/"):
        login_user(make_user("viewer"))
        with pytest.raises(Forbidden):
            wrapped()
    with app.test_request_context("/"):
        login_user(make_user("admin"))
        assert wrapped() == "identities"
    with app.test_request_context("/"):
        logout_user()
        response = wrapped()
        assert response.status_code == 302 and "/login" in response.location
