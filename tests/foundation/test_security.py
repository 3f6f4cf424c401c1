"""Configuration, security headers and error pages."""
from __future__ import annotations

import pytest

from praktijktest import create_app
from praktijktest.config import ConfigError, load_config


@pytest.fixture(autouse=True)
def seal_files(tmp_path, monkeypatch):
    """Production needs the dossier seal's key and certificate files; these tests are about other settings."""
    key, cert = tmp_path / "seal-key.pem", tmp_path / "seal-cert.pem"
    key.write_text("key"), cert.write_text("cert")
    monkeypatch.setenv("DOSSIER_SEAL_KEY_FILE", str(key))
    monkeypatch.setenv("DOSSIER_SEAL_CERT_FILE", str(cert))
    return key, cert


@pytest.mark.parametrize("missing", ["DOSSIER_SEAL_KEY_FILE", "DOSSIER_SEAL_CERT_FILE"])
def test_production_refuses_to_start_without_the_dossier_seal(tmp_path, monkeypatch, missing):
    monkeypatch.setenv("PRAKTIJKTEST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 3)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        load_config(tmp_path)
    monkeypatch.setenv(missing, str(tmp_path / "absent.pem"))
    with pytest.raises(ConfigError, match="absent.pem"):
        load_config(tmp_path)


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PRAKTIJKTEST_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config(tmp_path)


@pytest.mark.parametrize("name", ["Production", "PRODUCTION", "prod", "production ", "staging"])
def test_unknown_environment_names_are_refused(tmp_path, monkeypatch, name):
    monkeypatch.setenv("PRAKTIJKTEST_ENV", name)
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 3)
    with pytest.raises(ConfigError, match="PRAKTIJKTEST_ENV"):
        load_config(tmp_path)


@pytest.mark.parametrize("key", ["a", "x" * 64, "short-but-varied-KEY-1", "ab" * 40])
def test_production_refuses_a_weak_secret_key(tmp_path, monkeypatch, key):
    monkeypatch.setenv("PRAKTIJKTEST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path)


def test_production_accepts_generated_keys(tmp_path, monkeypatch):
    import secrets

    monkeypatch.setenv("PRAKTIJKTEST_ENV", "production")
    for _ in range(200):  # random keys: none of them may be refused
        monkeypatch.setenv("SECRET_KEY", secrets.choice([secrets.token_hex(16), secrets.token_hex(32),
                                                         secrets.token_urlsafe(32)]))
        assert load_config(tmp_path)["PRAKTIJKTEST_ENV"] == "production"


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("PRAKTIJKTEST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 3)
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PRAKTIJKTEST_ENV", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 64 and first == load_config(tmp_path)["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'praktijktest.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_security_headers_and_strict_csp(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html


def test_every_security_header_has_its_intended_value(client):
    # Written out by hand (OWASP Secure Headers): each directive of the CSP, and each header, is one
    # decision; a typo in any of them must fail here, not only the few the test above looks at.
    headers = client.get("/login").headers
    assert headers["Content-Security-Policy"].split("; ") == [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
        "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    # The login page holds no personal data: only logged-in pages are kept out of caches.
    assert "no-store" not in headers.get("Cache-Control", "")


def test_a_nul_in_the_query_of_a_post_is_refused_too(client):
    assert client.post("/login?next=%00", data={"email": "a@example.test", "password": "x"}).status_code == 400
    assert client.get("/login?next=/").status_code == 200


def test_pages_with_personal_data_are_not_cached(client, login_as):
    login_as("coordinator")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly(client, make_user):
    from tests.conftest import log_in

    user = make_user("viewer")
    response = log_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_404_page(client, login_as):
    login_as("viewer")
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Fout 404" in response.get_data(as_text=True)


def test_unexpected_error_gives_the_500_page(tmp_path):
    from tests.conftest import FAST_HASHING

    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
            "SECRET_KEY": "t",
            **FAST_HASHING,
        }
    )

    @app.get("/boom")
    def boom():  # a route added after start-up, only for this test
        raise RuntimeError("internal detail 7f3a")

    boom.is_public = True
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Fout 500" in response.get_data(as_text=True)
    assert "7f3a" not in response.get_data(as_text=True)


def test_app_refuses_a_view_without_permission_declaration(tmp_path):
    from flask import Blueprint

    from praktijktest import permissions

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.sqlite'}", "SECRET_KEY": "t"})
    bp = Blueprint("careless", __name__)
    bp.add_url_rule("/open", "open", lambda: "data")
    app.register_blueprint(bp)
    with pytest.raises(RuntimeError, match="careless.open"):
        permissions.check_views_declared(app)


def test_nul_characters_are_refused_before_any_view(client, make_user):
    user = make_user("viewer")
    response = client.post("/login", data={"email": user.email + "\x00", "password": "x"})
    assert response.status_code == 400
    assert client.get("/login?next=%00").status_code == 400
