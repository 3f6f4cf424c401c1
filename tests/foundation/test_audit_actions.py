"""The audit log's fixed list of actions names every action the code records."""
from __future__ import annotations

import ast
from pathlib import Path

import praktijktest
from praktijktest.audit.actions import ACTIONS

PACKAGE = Path(praktijktest.__file__).parent


def _string_values(node: ast.AST) -> set[str]:
    """The literal strings an expression can be: "a", or "a" if x else "b"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _string_values(node.body) | _string_values(node.orelse)
    return set()


def recorded_actions() -> set[str]:
    """Actions passed to `record(...)` anywhere in the package, as literals or through a local name."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, set[str]] = {}  # every value a local name is given, in any branch
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    pairs = [(target, node.value)]
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        pairs = list(zip(target.elts, node.value.elts, strict=False))  # a, b = "x", ...
                    for name, value in pairs:
                        if isinstance(name, ast.Name):
                            assigned.setdefault(name.id, set()).update(_string_values(value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record" and node.args:
                first = node.args[0]
                found |= _string_values(first) or assigned.get(getattr(first, "id", ""), set())
    return found


def test_every_recorded_action_is_in_the_list():
    recorded = recorded_actions()
    assert {"login", "round.export", "round.export_identities", "target.identity_view"} <= recorded
    assert sorted(recorded - set(ACTIONS)) == []


def test_the_list_names_no_action_that_is_never_recorded():
    assert sorted(set(ACTIONS) - recorded_actions()) == []


def test_every_place_an_identity_is_shown_has_a_name_in_words():
    from praktijktest.audit.labels import VIEW_LABELS

    views = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_identity_view":
                assert len(node.args) >= 2, f"{path}: record_identity_view without a view"
                views |= _string_values(node.args[1])
    assert {"registry", "fieldwork test page", "results table"} <= views
    assert sorted(views - VIEW_LABELS.keys()) == []


def test_every_changed_field_the_code_records_has_a_label_in_words():
    # The audit page shows `changes` as "label: old → new"; an unlabelled field would show its code name in English.
    from praktijktest.audit.labels import FIELD_LABELS

    fields = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record":
                for keyword in node.keywords:
                    if keyword.arg == "changes" and isinstance(keyword.value, ast.Dict):
                        fields |= {key.value for key in keyword.value.keys if isinstance(key, ast.Constant)}
    assert {"round_id", "sent_at", "outcome"} <= fields
    assert sorted(fields - set(FIELD_LABELS)) == []
