"""Flask-Migrate, loaded only when a migration runs.

Importing flask_migrate imports Alembic (about 0.15 s), which every other
command and every web worker would pay at start-up for nothing. This
stand-in takes the same `init_app` arguments, registers a `db` command group
that loads the real one when it is used, and puts a placeholder in
`app.extensions["migrate"]` that does the real `init_app` on first access
(`flask_migrate.upgrade()`, `migrations/env.py`).
"""
from __future__ import annotations

import click


class LazyMigrate:
    def __init__(self):
        self._settings: dict = {}
        self._real = None

    def init_app(self, app, db=None, **kwargs) -> None:
        self._settings = {"db": db, **kwargs}
        app.extensions["migrate"] = _LazyConfig(self, app)
        app.cli.add_command(_LazyDbGroup(self, app), name="db")

    def load(self, app):
        """The real Flask-Migrate, initialised once for `app`."""
        if self._real is None or app.extensions.get("migrate").__class__ is _LazyConfig:
            from flask_migrate import Migrate

            self._real = Migrate()
            self._real.init_app(app, **self._settings)
        return self._real


class _LazyConfig:
    def __init__(self, lazy: LazyMigrate, app):
        self._lazy, self._app = lazy, app

    def __getattr__(self, name: str):
        self._lazy.load(self._app)
        return getattr(self._app.extensions["migrate"], name)


class _LazyDbGroup(click.Group):
    def __init__(self, lazy: LazyMigrate, app):
        super().__init__(name="db", help="Perform database migrations.")
        self._lazy, self._app = lazy, app

    def _group(self) -> click.Group:
        self._lazy.load(self._app)
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra):
        # The real group parses its own options (--directory, -x) and runs its callback.
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name: str):
        return self._group().get_command(ctx, name)
