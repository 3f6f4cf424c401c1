"""Each guard of the security layers has a case that only that guard stops.

A mutation run found that the template sandbox, the `_` check, the template
size limit, the evidence store's `..` and containment checks, its hash check
and HSTS could each be removed with every test still passing, because another
layer (or nothing) covered the same case. Each test below fails when its one
guard is taken away.
"""
from __future__ import annotations

import hashlib
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

def test_a_mutating_method_is_not_a_placeholder():
    # Placeholders offer their values only (no dict methods), so `pop` is an
    # unknown placeholder whether or not the sandbox is there.
    with pytest.raises(TemplateProblem):
        render("{{ profile.attributes.pop }}")


def allow_every_node(tree) -> None:
    """A node check that allows everything: what is refused then is refused by the sandbox alone."""


@pytest.mark.parametrize(("source", "values"), [
    # A plain Jinja environment prints "(<class 'str'>, <class 'object'>)": the way to every loaded class.
    ("{{ ''.__class__.__mro__ }}", {}),
    # ... and "<built-in method append of list object at 0x...>": a list (not wrapped as a placeholder)
    # could be changed by a template; the immutable sandbox refuses its mutating methods.
    ("{{ items.append }}", {"items": []}),
])
def test_the_sandbox_itself_refuses_internals_and_mutating_methods(app, source, values):
    # The node check and the placeholder objects each stop these too; with both out of the way,
    # only ImmutableSandboxedEnvironment does, so this fails if it is replaced by a plain Environment.
    from praktijktest.rounds.materials import render_in_sandbox

    with app.app_context(), pytest.raises(TemplateProblem,
                                          match=r"^The template cannot be filled in: check its placeholders\.$"):
        render_in_sandbox(source, values, allow_every_node)


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
        with pytest.raises(evidence_store.EvidenceStoreError, match="not a path inside the evidence store"):
            evidence_store.resolve("snapshots/escape.pdf")
    finally:
        link.unlink()


def test_verify_detects_a_changed_file_and_an_empty_hash(store):
    saved = evidence_store.save_bytes(b"original", "eml", folder="files")
    assert evidence_store.verify(saved.path, saved.sha256) is True
    assert evidence_store.verify(saved.path, "") is False
    assert evidence_store.verify(saved.path, evidence_store.sha256_of(b"other")) is False
    (store / saved.path).write_bytes(b"originaL")  # replaced by other content, unencrypted as before encryption
    assert evidence_store.verify(saved.path, saved.sha256) is False
    (store / saved.path).write_bytes(b"original")  # the same content unencrypted: an old installation's file
    assert evidence_store.verify(saved.path, saved.sha256) is True


# HSTS -----------------------------------------------------------------------

def test_hsts_is_sent_when_cookies_are_secure_and_not_otherwise(tmp_path):
    secure = make_test_app(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path, SESSION_COOKIE_SECURE=True)
    plain = make_test_app(f"sqlite:///{tmp_path / 'p.sqlite'}", tmp_path, SESSION_COOKIE_SECURE=False)
    header = secure.test_client().get("/login").headers.get("Strict-Transport-Security", "")
    assert "max-age=31536000" in header and "includeSubDomains" in header
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers


def test_saved_files_get_a_random_name_in_their_folder_with_size_and_hash(store):
    saved = evidence_store.save_bytes(b"%PDF-1.4 evidence", ".PDF")
    assert saved.path.startswith("files/") and saved.path.endswith(".pdf")
    assert len(Path(saved.path).stem) == 32 and all(c in "0123456789abcdef" for c in Path(saved.path).stem)
    assert saved.size == len(b"%PDF-1.4 evidence")
    assert saved.sha256 == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()
    nested = evidence_store.save_bytes(b"x", "eml", folder="responses/2026")
    assert nested.path.startswith("responses/2026/") and evidence_store.read_bytes(nested.path) == b"x"
    assert (store / nested.path).read_bytes() != b"x"  # encrypted on disk (test_evidence_encryption.py)


def test_the_store_is_created_with_its_parents(app, tmp_path):
    app.config["EVIDENCE_DIR"], before = str(tmp_path / "a" / "b" / "evidence"), app.config["EVIDENCE_DIR"]
    try:
        with app.app_context():
            assert evidence_store.root() == (tmp_path / "a" / "b" / "evidence").resolve()
            assert evidence_store.root().is_dir()
    finally:
        app.config["EVIDENCE_DIR"] = before


@pytest.mark.parametrize(("path_of", "message"), [
    (lambda store, saved: "", "not a path inside the evidence store"),
    (lambda store, saved: str(store / saved.path), "not a path inside the evidence store"),
    (lambda store, saved: saved.path.replace("/", "\\"), "not a path inside the evidence store"),
    (lambda store, saved: "files/0000.pdf", "the stored file is missing"),
])
def test_each_refusal_says_why(store, path_of, message):
    # An absolute path into the store itself, and a backslash path, are refused by
    # their own checks, not only because no such file exists.
    saved = evidence_store.save_bytes(b"%PDF-1.4", "pdf")
    with pytest.raises(evidence_store.EvidenceStoreError, match=message):
        evidence_store.resolve(path_of(store, saved))


def test_unsafe_names_are_refused_with_the_names(store):
    with pytest.raises(evidence_store.EvidenceStoreError, match="unsafe file name parts: '../up'"):
        evidence_store.save_bytes(b"a", "pdf", folder="../up")


def test_remove_deletes_the_stored_file(store):
    saved = evidence_store.save_bytes(b"temporary upload", "csv", folder="pending")
    evidence_store.remove(saved.path)
    assert not (store / saved.path).exists()


def test_content_addressed_files_are_named_by_their_hash_and_never_overwritten(store):
    data = b"From: werkgever@example.test\r\n\r\nUitnodiging"
    digest = hashlib.sha256(data).hexdigest()
    first = evidence_store.save_content_addressed(data, ".EML")
    assert first.path == f"evidence/{digest[:2]}/{digest}.eml"
    assert (first.sha256, first.size) == (digest, len(data))
    written = (store / first.path).read_bytes()
    again = evidence_store.save_content_addressed(data, "eml")
    assert again == first and (store / first.path).read_bytes() == written  # stored once, not encrypted anew
    assert evidence_store.read_bytes(first.path) == data
    (store / first.path).write_bytes(b"tampered")  # a later save keeps what is there, never rewrites it
    evidence_store.save_content_addressed(data, "eml")
    assert (store / first.path).read_bytes() == b"tampered"
    nested = evidence_store.save_content_addressed(b"x", "pdf", folder="calls/2026")
    assert nested.path.startswith("calls/2026/")


@pytest.mark.parametrize(("suffix", "folder"), [("p/df", "evidence"), ("pdf", "../up"), ("pdf", "a b")])
def test_content_addressed_refuses_unsafe_names(store, suffix, folder):
    with pytest.raises(evidence_store.EvidenceStoreError, match="unsafe file name parts"):
        evidence_store.save_content_addressed(b"x", suffix, folder=folder)
