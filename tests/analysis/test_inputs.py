"""Input parsing and degenerate comparisons (issue 8, item 14)."""
from __future__ import annotations

import pytest

from analysis import Applications, analyse_round


def test_text_false_and_zero_are_not_positive():
    rows = [{"test_id": str(i), "target": "t", "group": "x", "positive": v}
            for i, v in enumerate(["False", "0", "no", "", "True", "1", True, 0])]
    assert Applications.from_records(rows).positive.tolist() == [False] * 4 + [True] * 3 + [False]


def test_unreadable_positive_is_refused():
    with pytest.raises(ValueError, match="positive"):
        Applications.from_records([{"test_id": "1", "target": "t", "group": "x", "positive": "maybe"}])


def test_no_discordant_test_gives_no_sign_test():
    rows = []
    for i in range(5):
        rows += [{"test_id": str(i), "target": f"t{i}", "group": "ref", "positive": i % 2 == 0},
                 {"test_id": str(i), "target": f"t{i}", "group": "grp", "positive": i % 2 == 0}]
    comparison = analyse_round(Applications.from_records(rows), "ref").comparisons[0]
    assert comparison.sign_test_p is None and comparison.sign_test_mid_p is None


def test_reference_rate_zero_gives_ratio_zero():
    rows = []
    for i in range(6):  # two reference and two other applications per test: the clustered ratio
        rows += [{"test_id": str(i), "target": f"t{i}", "group": "ref", "positive": False}] * 2
        rows += [{"test_id": str(i), "target": f"t{i}", "group": "grp", "positive": i < 3},
                 {"test_id": str(i), "target": f"t{i}", "group": "grp", "positive": False}]
    comparison = analyse_round(Applications.from_records(rows), "ref").comparisons[0]
    assert comparison.reference_rate == 0 and comparison.rate_ratio == 0.0
