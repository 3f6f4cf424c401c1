"""Fixtures for the target registry tests: valid enterprise numbers and a coordinator."""
from __future__ import annotations

from collections.abc import Callable
from itertools import count

import pytest

_prefix = count(1_000_001)


def valid_number(first_eight: str) -> str:
    """A valid KBO/BCE number from its first eight digits: the last two are 97 - (first eight mod 97)."""
    return first_eight + f"{97 - int(first_eight) % 97:02d}"


def dotted(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


@pytest.fixture
def next_number() -> Callable[[], str]:
    """Factory: a fresh valid enterprise number (0 followed by 7 running digits, plus the check)."""
    return lambda: valid_number(f"0{next(_prefix):07d}")


@pytest.fixture
def coordinator(login_as, org):
    return login_as("coordinator", org)


@pytest.fixture
def make_target(db, org) -> Callable:
    """Factory: a target in `org` through the service."""
    from praktijktest.targets.services import create_target

    serial = count(1)

    def make(name: str | None = None, kind: str = "employer", organisation=None, **fields):
        return create_target((organisation or org).id, name or f"Bedrijf {next(serial)}", kind, **fields)

    return make


def audit_events(action: str):
    from sqlalchemy import select

    from praktijktest.audit.models import AuditEvent
    from praktijktest.extensions import db

    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture(autouse=True)
def english(request):
    """Pages in English, the source language the assertions are written in (Dutch is the default)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").post("/language", data={"locale": "en"})
