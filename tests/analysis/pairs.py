"""Paired designs written by hand: per target, a list of (reference positive, other positive) tests."""
from __future__ import annotations

from analysis import Applications

FAV, AGST, BOTH, NONE = (True, False), (False, True), (True, True), (False, False)


def _pairs(per_target: dict[str, list[tuple[bool, bool]]]) -> Applications:
    rows = []
    for target, tests in per_target.items():
        for i, (ref, grp) in enumerate(tests):
            rows.append({"test_id": f"{target}-{i}", "target": target, "group": "ref", "positive": ref})
            rows.append({"test_id": f"{target}-{i}", "target": target, "group": "grp", "positive": grp})
    return Applications.from_records(rows)
