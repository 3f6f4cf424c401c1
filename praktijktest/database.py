"""Engine settings that differ between SQLite and PostgreSQL.

On SQLite every transaction takes the write lock when it begins (BEGIN
IMMEDIATE). A deferred BEGIN reads from a snapshot and upgrades to a write
lock at its first write; if another connection committed in between, SQLite
refuses the upgrade at once with SQLITE_BUSY_SNAPSHOT ("database is
locked"), which no busy timeout can wait out. Almost every request writes
(each view of an identity, each export and each form is audited), so the
write lock is taken up front and concurrent requests queue on the busy
timeout instead of failing. Why not a retry of the whole unit of work: a
request has effects outside the database (evidence files, a response that
may already be streaming), so running it twice is not safe. The price is
that requests on SQLite run one at a time; see docs/deployment.md.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Set by `deferred_begin` for work that only reads and runs long.
_deferred: ContextVar[bool] = ContextVar("sqlite_deferred_begin", default=False)


@contextmanager
def deferred_begin() -> Iterator[None]:
    """Transactions begun inside this block start with a plain BEGIN (SQLite only).

    For long work that never writes, such as streaming an export after the
    request committed: it then reads from its snapshot without holding the
    write lock that every other request waits for. It must not write: a write
    there can meet SQLITE_BUSY_SNAPSHOT again.
    """
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, enforced foreign keys and real SAVEPOINTs on SQLite."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions
        # begin; otherwise SAVEPOINT does not work (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL loses no committed data on an application crash and
        # is far faster than FULL (SQLite docs, "Write-Ahead Logging").
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # SQLite's own lower() folds ASCII only, so a search for "émile" missed "Émile";
        # Python's folds every letter, as PostgreSQL's ILIKE does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _deferred.get() else "BEGIN IMMEDIATE")
