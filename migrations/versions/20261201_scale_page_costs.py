"""Page costs that do not grow with the data: stored round counts, audit-log indexes, trigram target search.

- round.test_count and round.application_count, kept by triggers on test and
  application, so that the round list and detail read two columns instead of
  counting every application (220,000 in the scale issue). Triggers rather
  than service code: tests and applications are written by the schedule,
  the import and fieldwork, and a count kept by hand in each would drift.
  On PostgreSQL the triggers are per statement with transition tables: a
  per-row UPDATE of the same round row would make 20,000 row versions for one
  schedule. Applications find their round through their group (round_group),
  which still exists while a test's applications are cascaded away.
- Indexes for the audit log's filters: action and object within an
  organisation, each ordered by time as the page is.
- On PostgreSQL, trigram (pg_trgm) GIN indexes on the name and code of
  targets, so that the registry search ILIKE '%q%' does not read every
  target. SQLite has no such index (it gets plain ones of the same names, so
  that model and migrations agree); its lower() LIKE stays correct there.

Revision ID: scale_page_costs
Revises: results_analysis_snapshot
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "scale_page_costs"
down_revision = "results_analysis_snapshot"
branch_labels = None
depends_on = None

POSTGRESQL_FUNCTIONS = """
CREATE FUNCTION round_count_tests() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE round r SET test_count = r.test_count + d.n
        FROM (SELECT round_id, count(*) AS n FROM changed_rows GROUP BY round_id) d WHERE r.id = d.round_id;
    ELSE
        UPDATE round r SET test_count = r.test_count - d.n
        FROM (SELECT round_id, count(*) AS n FROM changed_rows GROUP BY round_id) d WHERE r.id = d.round_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION round_count_applications() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE round r SET application_count = r.application_count + d.n
        FROM (SELECT g.round_id, count(*) AS n FROM changed_rows a JOIN round_group g ON g.id = a.group_id
              GROUP BY g.round_id) d WHERE r.id = d.round_id;
    ELSE
        UPDATE round r SET application_count = r.application_count - d.n
        FROM (SELECT g.round_id, count(*) AS n FROM changed_rows a JOIN round_group g ON g.id = a.group_id
              GROUP BY g.round_id) d WHERE r.id = d.round_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_TRIGGERS = {
    "round_count_test_insert": "AFTER INSERT ON test BEGIN "
    "UPDATE round SET test_count = test_count + 1 WHERE id = NEW.round_id; END",
    "round_count_test_delete": "AFTER DELETE ON test BEGIN "
    "UPDATE round SET test_count = test_count - 1 WHERE id = OLD.round_id; END",
    "round_count_application_insert": "AFTER INSERT ON application BEGIN "
    "UPDATE round SET application_count = application_count + 1 "
    "WHERE id = (SELECT round_id FROM round_group WHERE id = NEW.group_id); END",
    "round_count_application_delete": "AFTER DELETE ON application BEGIN "
    "UPDATE round SET application_count = application_count - 1 "
    "WHERE id = (SELECT round_id FROM round_group WHERE id = OLD.group_id); END",
}

BACKFILL = (
    "UPDATE round SET test_count = (SELECT count(*) FROM test WHERE test.round_id = round.id), "
    "application_count = (SELECT count(*) FROM application JOIN round_group ON round_group.id = application.group_id "
    "WHERE round_group.round_id = round.id)"
)


def upgrade():
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("application_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(BACKFILL)
    _create_count_triggers()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_org_action_created", ["organisation_id", "action", "created_at"])
        batch_op.create_index("ix_audit_event_org_object", ["organisation_id", "object_type", "object_id"])
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm ships with PostgreSQL (contrib); creating it needs a superuser or a trusted-extension owner.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The extension may live in another schema than ours (it is one per database): name it.
        schema = op.get_bind().exec_driver_sql(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        ).scalar_one()
        for column in ("name", "code"):
            op.execute(f"CREATE INDEX ix_target_{column}_trgm ON target USING gin ({column} {schema}.gin_trgm_ops)")
    else:
        # SQLite has no trigram index; plain ones of the same names keep model and databases alike.
        for column in ("name", "code"):
            op.execute(f"CREATE INDEX ix_target_{column}_trgm ON target ({column})")


def downgrade():
    op.execute("DROP INDEX ix_target_code_trgm")
    op.execute("DROP INDEX ix_target_name_trgm")
    # pg_trgm stays: other objects of the database may use it, and dropping it needs a superuser.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_org_object")
        batch_op.drop_index("ix_audit_event_org_action_created")
    _drop_count_triggers()
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("application_count")
        batch_op.drop_column("test_count")


def _create_count_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTIONS)
        for table, function in (("test", "round_count_tests"), ("application", "round_count_applications")):
            for operation, transition in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER round_count_{table}_{operation.lower()} AFTER {operation} ON {table} "
                    f"REFERENCING {transition} TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def _drop_count_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("test", "application"):
            for operation in ("insert", "delete"):
                op.execute(f"DROP TRIGGER round_count_{table}_{operation} ON {table}")
        op.execute("DROP FUNCTION round_count_applications()")
        op.execute("DROP FUNCTION round_count_tests()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
