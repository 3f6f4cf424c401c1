"""How many rows of other packages use a round's objects, without rounds importing them.

Fieldwork depends on rounds (its tests and applications point at rounds,
profiles, templates and groups), never the other way round. Where a round
page or a rounds rule needs to know whether something is used (a profile
that applications send, the number of tests of a round), it asks here, and
the fieldwork package registers the counter when its models load.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

# kind ("profile", "template", "group": applications using it; "round_tests",
# "round_applications": per round) and ids -> {id: count}
Counter = Callable[[str, Sequence[int]], dict[int, int]]
_counters: list[Counter] = []

KINDS = ("profile", "template", "group", "round_tests", "round_applications")


def register(counter: Counter) -> None:
    """Add a counter (fieldwork registers one); registering twice is harmless."""
    if counter not in _counters:
        _counters.append(counter)


def count_uses(kind: str, ids: Sequence[int]) -> dict[int, int]:
    """{id: how many rows use it} over every registered counter; ids without uses give 0."""
    if kind not in KINDS:
        raise ValueError(f"unknown usage kind {kind!r}")
    totals = {object_id: 0 for object_id in ids}
    for counter in _counters:
        for object_id, n in counter(kind, list(ids)).items():
            totals[object_id] = totals.get(object_id, 0) + n
    return totals
