"""Each guard of the security layers has a case that only that guard stops.

A mutation run found that the template sandbox, the `_` check, the template
size limit, the evidence store's `..` and containment checks, its hash check
and HSTS could each be removed with every test still passing, because another
layer (or nothing) covered the same case. Each test below fails when its one
guard is taken away.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from praktijktest import evidence_store
from praktijktest.rounds.materials import MAX_TEMPLATE_CHARS, SAMPLE_LISTING, TemplateProblem, render_text
from tests.conftest import make_test_app

PROFILE = {"name": "Sam", "email": "sam@example.test", "phone": "", "group": "Belgisch",
           "attributes": {"age": "29"}, "_secret": "leaked"}


def render(source: str) -> str:
    return render_text(source, dict(PROFILE), dict(SAMPLE_LISTING))


# The template sandbox -------------------------------------------------------

def test_a_mutating_method_is_refused_by_the_sandbox_itself():
    # The syntax check allows any attribute name without "_"; only the
    # immutable sandbox stops a dict's mutating method from being reached
    # (a plain Jinja environment prints "<built-in method pop ...>").
    with pytest.raises(TemplateProblem):
        render("{{ profile.attributes.pop }}")


def test_a_key_starting_with_an_underscore_is_refused_even_when_it_exists():
    # Jinja falls back from attribute to item access, and the sandbox does
    # not guard items: only the template check keeps "_" names out.
    with pytest.raises(TemplateProblem):
        render("{{ profile._secret }}")


def test_the_size_limit_is_the_documented_one():
    text = "x" * MAX_TEMPLATE_CHARS
    assert render(text) == text
    with pytest.raises(TemplateProblem, match=str(MAX_TEMPLATE_CHARS)):
        render(text + "x")


# The evidence store ---------------------------------------------------------

@pytest.fixture
def store(app):
    with app.app_context():
        yield Path(app.config["EVIDENCE_DIR"]).resolve()


def test_dot_dot_is_refused_even_when_it_stays_inside_the_store(store):
    saved = evidence_store.save_bytes(b"%PDF-1.4 x", "pdf", folder="snapshots")
    assert evidence_store.resolve(saved.path) == store / saved.path
    with pytest.raises(evidence_store.EvidenceStoreError):
        evidence_store.resolve(f"snapshots/../{saved.path}")


def test_a_symbolic_link_out_of_the_store_is_refused(store, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not evidence")
    (store / "snapshots").mkdir(parents=True, exist_ok=True)
    link = store / "snapshots" / "escape.pdf"
    os.symlink(outside, link)
    try:
        with pytest.raises(evidence_store.EvidenceStoreError):
            evidence_store.resolve("snapshots/escape.pdf")
    finally:
        link.unlink()


def test_verify_detects_a_changed_file_and_an_empty_hash(store):
    saved = evidence_store.save_bytes(b"original", "eml", folder="files")
    assert evidence_store.verify(saved.path, saved.sha256) is True
    assert evidence_store.verify(saved.path, "") is False
    assert evidence_store.verify(saved.path, evidence_store.sha256_of(b"other")) is False
    (store / saved.path).write_bytes(b"originaL")
    assert evidence_store.verify(saved.path, saved.sha256) is False


# HSTS -----------------------------------------------------------------------

def test_hsts_is_sent_when_cookies_are_secure_and_not_otherwise(tmp_path):
    secure = make_test_app(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path, SESSION_COOKIE_SECURE=True)
    plain = make_test_app(f"sqlite:///{tmp_path / 'p.sqlite'}", tmp_path, SESSION_COOKIE_SECURE=False)
    header = secure.test_client().get("/login").headers.get("Strict-Transport-Security", "")
    assert "max-age=31536000" in header and "includeSubDomains" in header
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers
