"""The input layer (analysis/data.py) checked against independent encodings: np.unique, loops over
the rows, and a full re-encoding of a subset against the re-coding that skips the string sort."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.data import Applications, Layout, _labels, _truth, factorize


def _random_apps(seed: int, n: int = 300) -> Applications:
    rng = np.random.default_rng(seed)
    test = rng.integers(0, 60, size=n)
    return Applications(
        test_id=np.char.add("t", test.astype(str)), target=np.char.add("f", (test % 13).astype(str)),
        group=rng.choice(["ma", "be", "tu"], size=n), positive=rng.random(n) < 0.4,
        template=rng.choice(["A", "B"], size=n), send_order=rng.choice(["1", "2"], size=n),
        attributes={"city": rng.choice(["Gent", "Luik", "Brussel"], size=n)},
    )


def _loop_counts(apps: Applications, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """n[t, g] and k[t, g] counted row by row, with the labels looked up in the layout."""
    n = np.zeros((len(layout.tests), len(layout.groups)), dtype=np.int64)
    k = np.zeros_like(n)
    tests, groups = list(layout.tests), list(layout.groups)
    for test, group, positive in zip(apps.test_id, apps.group, apps.positive, strict=True):
        n[tests.index(test), groups.index(group)] += 1
        k[tests.index(test), groups.index(group)] += bool(positive)
    return n, k


@pytest.mark.parametrize("values", [
    ["b", "a", "c", "a", "b", "b"], ["z"], ["x", "x", "x"], list("qwertyuiopasdfghjklzxcvbnmqwerty"), [],
])
def test_factorize_is_np_unique_with_inverse(values):
    arr = np.array(values, dtype=str)
    levels, codes = factorize(arr)
    expected_levels, expected_codes = np.unique(arr, return_inverse=True)
    assert levels.tolist() == expected_levels.tolist()
    assert codes.tolist() == expected_codes.tolist()
    assert codes.dtype == np.int64


def test_labels_turn_missing_into_empty_and_numbers_into_text():
    assert _labels([None, float("nan"), 3, "a", 2.5]).tolist() == ["", "", "3", "a", "2.5"]
    unicode = np.array(["x", "y"])
    assert _labels(unicode) is unicode  # already text: passed through, not copied


@pytest.mark.parametrize("cell, expected", [
    (None, False), (" Yes ", True), ("T", True), ("y", True), ("TRUE", True), ("1", True),
    (" F", False), ("N", False), ("no ", False), ("", False), ("  ", False),
    (2, True), (0.0, False), (1.0, True), (np.bool_(True), True), (False, False),
])
def test_truth_reads_cells_case_and_space_insensitively(cell, expected):
    assert _truth(cell) is expected


def test_truth_refuses_other_text_and_names_the_cell():
    with pytest.raises(ValueError, match=r"cannot read 'ja' as a positive response"):
        _truth("ja")


def test_applications_coerce_every_column():
    apps = Applications(test_id=[1, 2], target=["t", None], group=["x", "y"], positive=[1, 0],
                        template=[None, "B"], send_order=[1, 2], attributes={"age": [30, None]})
    assert apps.test_id.tolist() == ["1", "2"] and apps.test_id.dtype.kind == "U"
    assert apps.target.tolist() == ["t", ""]
    assert apps.positive.dtype == bool and apps.positive.tolist() == [True, False]
    assert apps.template.tolist() == ["", "B"]
    assert apps.send_order.tolist() == ["1", "2"] and apps.send_order.dtype.kind == "U"
    assert apps.attributes["age"].tolist() == ["30", ""]
    assert len(apps) == 2
    assert Applications(test_id=["1"], target=["t"], group=["x"], positive=[True]).template is None


@pytest.mark.parametrize("extra, names", [
    ({"group": ["x"]}, "group"),
    ({"positive": [True, False, True]}, "positive"),
    ({"template": ["A"]}, "template"),
    ({"send_order": ["1", "2", "3"]}, "send_order"),
    ({"attributes": {"city": ["Gent"]}}, r"attributes\[city\]"),
    ({"target": ["t"], "group": ["x"]}, "target, group"),
])
def test_every_column_of_another_length_is_named(extra, names):
    columns = {"test_id": ["a", "b"], "target": ["t", "t"], "group": ["x", "y"], "positive": [True, False]}
    with pytest.raises(ValueError, match=rf"differ in length from test_id \(2\): {names}$"):
        Applications(**(columns | extra))


def test_a_two_dimensional_column_is_refused_even_with_the_right_length():
    with pytest.raises(ValueError, match="positive"):
        Applications(test_id=["a", "b"], target=["t", "t"], group=["x", "y"], positive=[[True, False], [True, True]])


def test_from_records_with_no_rows_is_refused():
    with pytest.raises(ValueError, match="^no applications$"):
        Applications.from_records([])


def test_from_records_reads_design_columns_and_keeps_named_attributes_only():
    rows = [
        {"test_id": "1", "target": "t", "group": "x", "outcome": "invitation", "template": "A",
         "send_order": 1, "city": "Gent", "age": 30},
        {"test_id": "1", "target": "t", "group": "y", "outcome": "rejection", "template": "B",
         "send_order": 2, "city": "Luik", "age": 40},
        {"test_id": "2", "target": "u", "group": "x", "outcome": "information_request", "template": "B",
         "send_order": 2, "city": "Gent", "age": 50},
    ]
    apps = Applications.from_records(rows, attributes=["age"])
    # default positives: invitation and information_request
    assert apps.positive.tolist() == [True, False, True]
    assert apps.template.tolist() == ["A", "B", "B"] and apps.send_order.tolist() == ["1", "2", "2"]
    assert list(apps.attributes) == ["age"] and apps.attributes["age"].tolist() == ["30", "40", "50"]
    every = Applications.from_records(rows)
    assert list(every.attributes) == ["city", "age"]  # the non-core columns, in the rows' order
    bare = Applications.from_records([{k: v for k, v in r.items() if k not in ("template", "send_order")}
                                      for r in rows])
    assert bare.template is None and bare.send_order is None


def test_subset_keeps_every_column_of_the_selected_rows():
    apps = _random_apps(3, 40)
    mask = np.arange(40) % 3 == 1
    sub = apps.subset(mask)
    rows = np.flatnonzero(mask)
    for name in ("test_id", "target", "group", "positive", "template", "send_order"):
        assert getattr(sub, name).tolist() == [getattr(apps, name)[i] for i in rows], name
    assert sub.attributes["city"].tolist() == [apps.attributes["city"][i] for i in rows]
    bare = Applications(test_id=["a", "b"], target=["t", "t"], group=["x", "y"], positive=[True, False])
    assert bare.subset(np.array([False, True])).template is None
    assert bare.subset(np.array([False, True])).send_order is None


@pytest.mark.parametrize("seed", [1, 2])
def test_layout_counts_match_a_loop_over_the_rows(seed):
    apps = _random_apps(seed)
    layout = Layout.of(apps)
    assert layout.tests.tolist() == sorted(set(apps.test_id.tolist()))
    assert layout.groups.tolist() == ["be", "ma", "tu"]
    n, k = _loop_counts(apps, layout)
    assert np.array_equal(layout.n, n) and np.array_equal(layout.k, k)
    assert layout.k.dtype == np.int64
    for row, test in enumerate(apps.test_id):
        assert layout.tests[layout.test_index[row]] == test
        assert layout.groups[layout.group_index[row]] == apps.group[row]
        assert layout.targets[layout.test_target[layout.test_index[row]]] == apps.target[row]


@pytest.mark.parametrize("seed, every", [(1, 2), (2, 3), (4, 7)])
def test_restrict_equals_a_fresh_layout_of_the_subset(seed, every):
    apps = _random_apps(seed)
    # drop whole tests, a group and single rows: codes must be renumbered without gaps
    mask = (np.arange(len(apps)) % every != 0) & (apps.group != "tu")
    fast = Layout.of(apps).restrict(mask, apps.positive[mask])
    fresh = Layout.of(apps.subset(mask))
    for name in ("tests", "targets", "groups", "test_index", "group_index", "test_target", "n", "k"):
        assert np.array_equal(getattr(fast, name), getattr(fresh, name)), name


def test_layout_of_no_applications_is_refused():
    with pytest.raises(ValueError, match="^no applications$"):
        Layout.of(Applications(test_id=[], target=[], group=[], positive=[]))


def test_tests_with_two_targets_are_named_sorted_and_at_most_ten():
    # tests 00..11 each at two targets; the message names the first ten in sorted order
    ids = [f"{i:02d}" for i in range(12)]
    apps = Applications(test_id=ids + ids, target=["a"] * 12 + ["b"] * 12, group=["x"] * 24,
                        positive=[False] * 24)
    with pytest.raises(ValueError) as info:
        Layout.of(apps)
    assert str(info.value) == "tests that belong to more than one target: " + ", ".join(ids[:10])


def test_group_code_is_the_sorted_position_and_unknown_groups_are_listed():
    layout = Layout.of(Applications(test_id=["1", "1", "1"], target=["t"] * 3, group=["tu", "be", "ma"],
                                    positive=[True, False, True]))
    assert [layout.group_code(g) for g in ("be", "ma", "tu")] == [0, 1, 2]
    with pytest.raises(ValueError, match=r"^unknown group 'xx'; groups are be, ma, tu$"):
        layout.group_code("xx")
