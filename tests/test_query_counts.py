"""List pages cost a fixed number of queries, however many rows they show.

One query per row is invisible with five rows and a bug with ten thousand;
each test counts the statements a page sends with few and with more rows.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from praktijktest.rounds.services import GroundSpec, create_round


@contextmanager
def counted_statements(db):
    """Count the SQL statements sent on the test's connection."""
    connection = db.session.get_bind()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def statements_for(client, db, url: str) -> int:
    with counted_statements(db) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def add_rounds(org, count: int) -> None:
    for number in range(count):
        create_round(org, f"Ronde {number}", "labour", [GroundSpec("origin", f"ref{number}", [f"other{number}"])])


def test_round_list(client, db, login_as, org):
    login_as("coordinator", org)
    add_rounds(org, 2)
    few = statements_for(client, db, "/rounds/")
    add_rounds(org, 8)
    assert statements_for(client, db, "/rounds/") == few


def test_organisation_and_user_lists(client, db, login_as, make_org, make_user):
    login_as("admin")
    make_org(members=("A", "B"))
    few = (statements_for(client, db, "/admin/organisations/"), statements_for(client, db, "/admin/users/"))
    for number in range(6):
        organisation = make_org(members=(f"X{number}", f"Y{number}"))
        make_user("viewer", organisation)
    more = (statements_for(client, db, "/admin/organisations/"), statements_for(client, db, "/admin/users/"))
    assert more == few
