"""praktijktest: discrimination practice tests for Belgian municipalities."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Response

from praktijktest import errors, form_errors, i18n, navigation, security
from praktijktest.config import load_config
from praktijktest.database import configure_sqlite
from praktijktest.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, *, pages: bool = True) -> Flask:
    """Build the application; `config` overrides what the environment says.

    Without `pages` the app has no routes (no blueprints, nothing to serve): for a
    command-line process that only reads and writes data (`wsgi.py` decides which),
    whose start-up is then about 0.2 s shorter.
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    app.config.update(config or {})
    from praktijktest import evidence_store

    evidence_store.check_keys(app)  # production: no start without the evidence key file
    app.jinja_env.add_extension("jinja2.ext.do")
    _trust_proxies(app)
    _init_extensions(app)
    if pages:
        _register_blueprints(app)
    _init_request_transaction(app)
    errors.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    from praktijktest import maintenance

    maintenance.init_app(app)
    form_errors.init_app(app)
    from praktijktest.audit import labels as audit_labels

    audit_labels.init_app(app)
    from praktijktest.cli import register_commands

    register_commands(app)
    if pages:
        from praktijktest.permissions import check_views_declared

        check_views_declared(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from their headers.

    Without it every client had the proxy's address: one login limit for
    the whole site, and the proxy's address in every audit event. With 0
    (the default) the headers are ignored, so a client cannot forge them.
    """
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _init_extensions(app: Flask) -> None:
    import praktijktest.models  # noqa: F401  (all tables on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Log in to see this page.")
    with app.app_context():
        configure_sqlite(db.engine)

    from praktijktest.accounts.sessions import load_session_user

    # A session counts only while its server-side row exists (accounts/sessions.py).
    login_manager.user_loader(load_session_user)


def _register_blueprints(app: Flask) -> None:
    from praktijktest.accounts import admin_views as user_admin
    from praktijktest.accounts import views as accounts
    from praktijktest.audit import views as audit
    from praktijktest.core import views as core
    from praktijktest.organisations import views as organisations

    for module in (core, accounts, user_admin, organisations, audit):
        app.register_blueprint(module.bp)
    from praktijktest.targets import import_views, listing_views, sampling_views
    from praktijktest.targets import views as targets

    for module in (targets, import_views, listing_views, sampling_views):
        app.register_blueprint(module.bp)
    from praktijktest.rounds import views as rounds

    app.register_blueprint(rounds.bp)
    from praktijktest.datasets import views as datasets

    app.register_blueprint(datasets.bp)
    from praktijktest.schedule import views as schedule

    app.register_blueprint(schedule.bp)
    from praktijktest import examples

    app.register_blueprint(examples.bp)
    from praktijktest.results import views as results

    app.register_blueprint(results.bp)
    from praktijktest.fieldwork import round_views as fieldwork_rounds
    from praktijktest.fieldwork import views as fieldwork

    app.register_blueprint(fieldwork.bp)
    app.register_blueprint(fieldwork_rounds.bp)
    from praktijktest.mailboxes import views as mailboxes

    app.register_blueprint(mailboxes.bp)
    from praktijktest.followup import views as followup

    app.register_blueprint(followup.bp)
    from praktijktest.followup import letter_views as followup_letters

    app.register_blueprint(followup_letters.bp)
    from praktijktest.followup import contract_views as contracts

    app.register_blueprint(contracts.bp)
    from praktijktest.retention import request_views as data_requests
    from praktijktest.retention import views as retention

    app.register_blueprint(retention.bp)
    app.register_blueprint(data_requests.bp)


def _init_request_transaction(app: Flask) -> None:
    """One transaction per request: services flush, the request commits once."""

    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
