"""Fieldwork depends on rounds, never the reverse (issue 9, "Where it lives")."""
from __future__ import annotations

import ast
from pathlib import Path

ROUNDS = Path(__file__).resolve().parents[2] / "praktijktest" / "rounds"


def test_rounds_never_imports_fieldwork():
    offenders = []
    for path in ROUNDS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            offenders += [f"{path.name}: {name}" for name in names if name.startswith("praktijktest.fieldwork")]
    assert offenders == []


def test_rounds_still_sees_applications_through_the_registered_counter(db, org):
    from praktijktest.rounds.services import round_counts
    from tests.conftest import make_round_objects

    ids = make_round_objects(org)
    assert round_counts([ids["round_id"]])[ids["round_id"]] == {"targets": 1, "tests": 1, "applications": 1}
