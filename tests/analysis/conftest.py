"""Fixtures of the statistics tests: the published validation files, read once per session."""
from __future__ import annotations

import csv

import pytest

from analysis import Applications
from tests.conftest import validation_file


def load_validation(name: str) -> list[dict[str, str]]:
    """Rows of one validation CSV (fails on CI, skips elsewhere, when missing)."""
    with validation_file(name).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def bm_rows() -> list[dict[str, str]]:
    return load_validation("bertrand-mullainathan-2004.csv")


@pytest.fixture(scope="session")
def bm(bm_rows) -> Applications:
    """Bertrand & Mullainathan (2004): 4,870 applications to 1,323 ads."""
    return Applications.from_records(bm_rows)


@pytest.fixture(scope="session")
def krw() -> Applications:
    """Kline, Rose & Walters (2022): 83,643 applications at 108 firms."""
    return Applications.from_records(load_validation("kline-rose-walters-2022.csv"))


@pytest.fixture(scope="session")
def inter1() -> Applications:
    """R package callback, data set inter1: eight groups at 310 offers."""
    return Applications.from_records(load_validation("callback-inter1.csv"))


@pytest.fixture(autouse=True)
def _fresh_sequential_caches():
    """Empty analysis.sequential's lru_caches before each test, so each test computes what it checks.

    mutmut runs the clean suite in its own process and then forks one child per mutant: a cache
    filled by the clean run (calibrate, discordant_for_power, maximum_for_power) would hand the
    mutant the original code's answers, and the searches behind them would never run. Sharing
    the cache between tests would also hide which tests reach those searches from its coverage pass.
    """
    from analysis import sequential

    for cached in (sequential.calibrate, sequential.discordant_for_power, sequential.maximum_for_power,
                   sequential._tail_counts):
        cached.cache_clear()
