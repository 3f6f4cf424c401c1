"""Who may do what: role decorators for routes, object checks for ownership.

Every view is either `@public` or `@roles_required(...)`; `create_app`
refuses to start when a view declares neither (see `check_views_declared`),
so that a new route cannot be left open by forgetting a decorator.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort
from flask_login import current_user

from praktijktest.accounts.models import Role
from praktijktest.extensions import db, login_manager

ALL_ROLES = tuple(Role)
# Roles that may see the identity of tested targets (DOMAIN.md: viewers see codes,
# testers only their own tests).
IDENTITY_ROLES = (Role.COORDINATOR,)


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in (login page, language switch)."""
    view.is_public = True
    return view


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Require a logged-in, active user with one of `roles`; guests go to the login page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(roles)
        return wrapped

    return decorator


def any_role(view: Callable) -> Callable:
    """Any logged-in user, whatever the role."""
    return roles_required(*ALL_ROLES)(view)


def get_owned_or_404(model: type, object_id: Any, organisation_attr: str = "organisation_id"):
    """Load an object of the user's own organisation; another organisation's is a 404.

    A 404, not a 403: a user should not learn that another organisation's
    object exists. Admins manage every organisation and pass.
    """
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if current_user.role != Role.ADMIN and getattr(obj, organisation_attr) != current_user.organisation_id:
        abort(404)
    return obj


def check_views_declared(app: Flask) -> None:
    """Refuse to start if a view is neither public nor role-protected."""
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static"
        and not getattr(view, "is_public", False)
        and not getattr(view, "required_roles", None)
    ]
    if undeclared:
        raise RuntimeError(f"Views without @public or @roles_required: {sorted(undeclared)}")
