"""HTTP security headers: a strict Content-Security-Policy and friends."""
from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_login import current_user

# No inline script or style anywhere: everything is served from /static.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def _has_nul(values) -> bool:
    return any("\x00" in value for _, items in values.lists() for value in items)


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_characters():
        # No text a person types contains NUL, PostgreSQL cannot store it, and
        # it truncates strings in C libraries: refuse it once, for every form.
        if _has_nul(request.args) or (request.method == "POST" and _has_nul(request.form)):
            abort(400)

    @app.after_request
    def _set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and current_user.is_authenticated:
            # Pages of logged-in users may hold personal data: no shared or disk caches.
            headers["Cache-Control"] = "no-store"
        return response
