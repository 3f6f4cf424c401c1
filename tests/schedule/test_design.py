"""The counterbalanced design, without a database: exact balance per cycle, bounded otherwise."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from praktijktest.schedule.design import Design, DesignError

DESIGNS = [
    ((1, 1), 2, 1),
    ((2, 2), 2, 1),
    ((2, 2), 3, 1),
    ((1, 2), 4, 1),
    ((3, 3), 3, 1),
    ((1, 1, 1), 3, 1),
    ((2, 3), 2, 1),
    ((2, 2), 4, 2),
    ((2, 3), 5, 2),
]


def spreads(rows, design: Design, with_profile_order: bool = False) -> tuple[int, ...]:
    """Largest max - min within a row of group x template, group x order, profile x template
    (and profile x order)."""
    gt, go, pt, po = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        for app in row:
            gt[app.group, app.template] += 1
            go[app.group, app.send_order] += 1
            pt[(app.group, app.profile), app.template] += 1
            po[(app.group, app.profile), app.send_order] += 1
    groups = range(len(design.profiles_per_group))
    profiles = [(g, p) for g in groups for p in range(design.profiles_per_group[g])]

    def spread(counts, rows_, columns):
        return max(max(counts[r, c] for c in columns) - min(counts[r, c] for c in columns) for r in rows_)

    templates, orders = range(design.templates), range(1, design.slots + 1)
    result = spread(gt, groups, templates), spread(go, groups, orders), spread(pt, profiles, templates)
    return (*result, spread(po, profiles, orders)) if with_profile_order else result


@pytest.mark.parametrize("profiles, templates, per_group", DESIGNS)
def test_every_row_is_a_valid_test(profiles, templates, per_group):
    design = Design(profiles, templates, per_group)
    for i in range(design.cycle):
        row = design.row(i)
        assert len({app.template for app in row}) == design.slots  # no letter sent twice to one ad
        assert sorted(app.send_order for app in row) == list(range(1, design.slots + 1))
        for g in range(len(profiles)):
            assert len({app.profile for app in row if app.group == g}) == per_group  # distinct candidates


@pytest.mark.parametrize("profiles, templates, per_group", DESIGNS)
def test_exact_at_every_cycle_and_bounded_in_between(profiles, templates, per_group):
    design = Design(profiles, templates, per_group)
    for n in range(1, 2 * design.cycle + 1):
        gt, go, pt = spreads([design.row(i) for i in range(n)], design)
        if n % design.cycle == 0:
            assert spreads([design.row(i) for i in range(n)], design, with_profile_order=True) == (0, 0, 0, 0), n
        assert gt <= per_group and go <= per_group and pt <= 1, (n, gt, go, pt)


def test_randomisation_keeps_the_balance_and_depends_on_the_seed():
    design = Design((2, 2), 2)
    first = design.randomised_rows(200, random.Random(7))
    assert spreads(first, design) == (0, 0, 0)  # 200 is a multiple of the cycle, 8
    assert design.randomised_rows(200, random.Random(7)) == first
    assert design.randomised_rows(200, random.Random(8)) != first


@pytest.mark.parametrize(
    "profiles, templates, per_group, message",
    [((1,), 2, 1, "two groups"), ((1, 1), 1, 1, "templates"), ((1, 2), 4, 2, "profile")],
)
def test_refuses_designs_that_cannot_work(profiles, templates, per_group, message):
    with pytest.raises(DesignError, match=message):
        Design(profiles, templates, per_group)
