"""`to_dict()` of the result dataclasses gives plain JSON types, value for value (analysis/result.py)."""
from __future__ import annotations

import json
import math

import numpy as np

from analysis.result import GroupRate, Heterogeneity, Regression, plain


def test_every_numpy_and_python_type_becomes_its_plain_json_type():
    value = {
        1: np.int64(7), "f": np.float32(0.5), "b": np.bool_(True), "nan": float("nan"), "inf": np.float64(np.inf),
        "ninf": -math.inf, "t": (1, (2.5, None)), "a": np.array([1, 2]), "s": "x", "n": None, "py": True,
    }
    got = plain(value)
    assert got == {"1": 7, "f": 0.5, "b": True, "nan": None, "inf": None, "ninf": None, "t": [1, [2.5, None]],
                   "a": [1, 2], "s": "x", "n": None, "py": True}
    assert [type(got[k]) for k in ("1", "f", "b", "py")] == [int, float, bool, bool]
    assert type(got["a"][0]) is int and type(got["t"]) is list


def test_bools_stay_bools_and_are_not_read_as_integers():
    # bool is a subclass of int: the bool branch must come first, or True would become 1
    assert plain(True) is True and plain(np.bool_(False)) is False
    assert json.dumps(plain([True, np.bool_(False), 1])) == "[true, false, 1]"


def test_dataclass_to_dict_is_nested_plain_values():
    rate = GroupRate("ma", 10, 3, np.float64(0.3), (np.float64(0.1), np.float64(np.nan)))
    assert rate.to_dict() == {"group": "ma", "applications": 10, "positives": 3, "rate": 0.3,
                              "ci95": [0.1, None]}
    reg = Regression(None, None, None, (None, None), 4, 2, ("template[B]",))
    assert reg.to_dict() == {"coefficient": None, "se_clustered": None, "p_value": None, "ci95": [None, None],
                             "applications": 4, "clusters": 2, "terms": ["template[B]"], "note": ""}
    assert plain([Heterogeneity("be", np.float64(math.inf), np.int64(2), None)]) == [
        {"group": "be", "chi2": None, "df": 2, "p_value": None}]
    json.dumps(reg.to_dict(), allow_nan=False)


def test_a_dataclass_type_itself_is_left_as_it_is():
    assert plain(GroupRate) is GroupRate
    other = object()
    assert plain(other) is other
