"""Retention fixtures: the results fixtures (a round in fieldwork with known responses)."""
from tests.results.conftest import english, fieldwork_round  # noqa: F401  (fixtures)
from tests.rounds.conftest import complete_round, draw_sample, make_round  # noqa: F401  (fixtures)
