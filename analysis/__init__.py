"""praktijktest statistics engine: pure numpy/scipy/statsmodels, no Flask, no SQLAlchemy.

Input: `Applications` (one entry per sent application). Output: frozen dataclasses
whose `to_dict()` is plain JSON. See docs/statistics.md for formulas and sources.
"""
from analysis.data import DEFAULT_POSITIVE, Applications
from analysis.power import (
    flag_probability,
    mcnemar_power,
    min_discordant_to_flag,
    tests_needed,
    tests_per_target,
)
from analysis.result import RoundAnalysis
from analysis.round import analyse_round

__all__ = [
    "DEFAULT_POSITIVE", "Applications", "RoundAnalysis", "analyse_round", "flag_probability",
    "mcnemar_power", "min_discordant_to_flag", "tests_needed", "tests_per_target",
]
