"""SQLite: a transaction holds the write lock from its BEGIN; deferred_begin() reads without it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from praktijktest.database import configure_sqlite, deferred_begin

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'locks.sqlite'}")
    configure_sqlite(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
    yield engine
    engine.dispose()


def _short_wait(connection) -> None:
    connection.connection.driver_connection.execute("PRAGMA busy_timeout=50")


def test_a_second_transaction_waits_for_the_first_and_never_meets_a_stale_snapshot(engine):
    first, second = engine.connect(), engine.connect()
    _short_wait(second)
    try:
        first.begin()
        first.exec_driver_sql("SELECT count(*) FROM item").scalar()  # a read, as a page starts
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            second.begin()  # refused at BEGIN (and waited for), not at its first write
        second.rollback()
        first.exec_driver_sql("INSERT INTO item (name) VALUES ('a')")
        first.commit()
        with second.begin():  # the lock is free: read, then write, on a fresh snapshot
            assert second.exec_driver_sql("SELECT count(*) FROM item").scalar() == 1
            second.exec_driver_sql("INSERT INTO item (name) VALUES ('b')")
    finally:
        first.close()
        second.close()


def test_deferred_begin_reads_while_another_transaction_holds_the_lock(engine):
    writer, reader = engine.connect(), engine.connect()
    _short_wait(reader)
    try:
        writer.begin()
        writer.exec_driver_sql("INSERT INTO item (name) VALUES ('uncommitted')")
        with deferred_begin(), reader.begin():
            assert reader.exec_driver_sql("SELECT count(*) FROM item").scalar() == 0
        writer.commit()
    finally:
        writer.close()
        reader.close()
