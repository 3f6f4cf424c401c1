"""Fixtures of the data-in-and-out tests: the validation files, a CLI helper, table counts."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import VALIDATION_DIR, validation_file  # noqa: F401  (used by the tests here)


@pytest.fixture
def cli(runner) -> Callable:
    """Run `flask rounds ...`; returns the click result (stderr kept apart)."""

    def invoke(*args: str):
        return runner.invoke(args=["rounds", *map(str, args)])

    return invoke


@pytest.fixture
def import_round(cli, org) -> Callable:
    """Import a file through the CLI into `org`; returns the JSON summary."""

    def run(path: Path, reference: str, name: str = "Imported", market: str = "labour", *extra: str) -> dict:
        result = cli("import", path, "--org", org.name, "--name", name, "--market", market, "--ground", "origin",
                     "--reference", reference, "--format", "json", *extra)
        assert result.exit_code == 0, result.output + result.stderr
        return json.loads(result.stdout)

    return run


@pytest.fixture
def analyse_json(cli) -> Callable:
    def run(round_id: int, *extra: str) -> dict:
        result = cli("analyse", round_id, "--format", "json", *extra)
        assert result.exit_code == 0, result.output + result.stderr
        return json.loads(result.stdout)

    return run


@pytest.fixture
def table_counts(db) -> Callable:
    """Rows in every table of the schema, to prove that a rejected import wrote nothing."""

    def counts() -> dict[str, int]:
        return {name: db.session.scalar(select(func.count()).select_from(table))
                for name, table in db.metadata.tables.items()}

    return counts


def write_csv(path: Path, header: str, rows: list[str], *, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path
