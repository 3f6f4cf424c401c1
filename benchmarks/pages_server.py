"""The WSGI app the page benchmark serves with gunicorn: the real app plus one bare page.

The bare page runs through the same app (session, login, request
transaction, security headers) but does no work of its own, so a page's
p95 beside it shows what the page itself costs. It exists only here,
never in the application.
"""
from __future__ import annotations

from praktijktest import create_app
from praktijktest.permissions import public

app = create_app()


@public
def _bare() -> str:
    return "ok"


app.add_url_rule("/_bench/bare", "bench_bare", _bare)
