"""Frozen result dataclasses; `to_dict()` gives plain JSON values (None, never NaN or inf)."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """Turn numpy scalars, tuples, dataclasses and non-finite floats into JSON-safe values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


class Serialisable:
    """Mixin: `to_dict()` for the frozen result dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (json.dumps(..., allow_nan=False) works)."""
        return plain(self)


@dataclass(frozen=True)
class GroupRate(Serialisable):
    """Positive-response rate of one group with its Wilson 95% interval."""

    group: str
    applications: int
    positives: int
    rate: float | None
    ci95: tuple[float | None, float | None]


@dataclass(frozen=True)
class TestCounts(Serialisable):
    """Tests classified by the share of positives of each group within the test."""

    reference_favoured: int
    group_favoured: int
    equal_positive: int
    no_positive: int


@dataclass(frozen=True)
class Regression(Serialisable):
    """Linear probability model positive ~ is_reference (+ design terms), SE clustered by test."""

    coefficient: float | None
    se_clustered: float | None
    p_value: float | None
    ci95: tuple[float | None, float | None]
    applications: int
    clusters: int
    terms: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class ConditionalLogit(Serialisable):
    """Conditional logit by test (robustness check): odds ratio reference vs group."""

    log_odds_ratio: float | None
    se: float | None
    p_value: float | None
    odds_ratio: float | None
    odds_ratio_ci95: tuple[float | None, float | None]
    informative_tests: int
    note: str = ""


@dataclass(frozen=True)
class Comparison(Serialisable):
    """One group against the reference group, over the tests in which both applied."""

    group: str
    reference: str
    design: str
    tests: int
    tests_left_out: int
    reference_applications: int
    group_applications: int
    reference_rate: float | None
    group_rate: float | None
    rate_difference: float | None
    rate_difference_ci95: tuple[float | None, float | None]
    rate_difference_method: str
    rate_difference_tango_ci95: tuple[float | None, float | None] | None
    rate_ratio: float | None
    rate_ratio_ci95: tuple[float | None, float | None]
    rate_ratio_method: str
    test_counts: TestCounts
    gross_reference_favoured: float | None
    gross_group_favoured: float | None
    net_discrimination: float | None
    net_discrimination_all_tests: float | None
    sign_test_p: float | None
    sign_test_mid_p: float | None
    regression: Regression | None
    conditional_logit: ConditionalLogit | None
    between_target_sd: float | None = None
    sign_test_method: str = "sign"  # "stratified_exact" when groups are unequally many within tests
    sign_test_p_holm: float | None = None  # Holm-adjusted over the comparisons (three or more groups)


@dataclass(frozen=True)
class Heterogeneity(Serialisable):
    """Wald test that the gap (reference minus group) is the same for every value."""

    group: str
    chi2: float | None
    df: int
    p_value: float | None


@dataclass(frozen=True)
class BreakdownValue(Serialisable):
    """Round-level figures restricted to the applications with one attribute value."""

    value: str
    applications: int
    groups: tuple[GroupRate, ...]
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True)
class Breakdown(Serialisable):
    """Figures per value of one attribute and a test of whether the gap differs."""

    attribute: str
    values: tuple[BreakdownValue, ...]
    heterogeneity: tuple[Heterogeneity, ...]
    applications_missing: int


@dataclass(frozen=True)
class BalanceCheck(Serialisable):
    """Counts of group by a design factor (template, send order) with a chi-square test."""

    factor: str
    levels: tuple[str, ...]
    groups: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    chi2: float | None
    df: int
    p_value: float | None
    note: str = ""


@dataclass(frozen=True)
class ExactTarget(Serialisable):
    """Exact conditional test for one target and group (hypergeometric convolution)."""

    p_value: float
    mid_p_value: float | None
    q_value: float | None
    flagged: bool
    informative_tests: int
    reference_positives: int
    group_positives: int
    expected_reference_positives: float
    min_p_value: float | None = None  # smallest p its informative tests could give


@dataclass(frozen=True)
class KrwTarget(Serialisable):
    """Kline, Rose & Walters (2022) large-sample estimates for one target and group."""

    jobs: int
    gap: float | None
    se: float | None
    z: float | None
    p_value: float | None
    q_value: float | None
    flagged: bool
    shrunk_gap: float | None
    p_source: str = "z"  # "exact": SE 0 or one job, the exact test's p-value stands in


@dataclass(frozen=True)
class TargetResult(Serialisable):
    """The evidence about one target (employer, landlord) for one group."""

    target: str
    group: str
    tests: int
    reference_favoured: int
    group_favoured: int
    equal_positive: int
    no_positive: int
    method: str
    p_value: float | None
    mid_p_value: float | None
    q_value: float | None
    flagged: bool
    gap: float | None
    se: float | None
    shrunk_gap: float | None
    posterior_probability: float | None
    evidence_level: str
    evidence: str
    further_tests_needed: int | None
    exact: ExactTarget
    krw: KrwTarget
    informative_tests: int = 0
    p_source: str = "exact"
    min_p_value: float | None = None
    flag_threshold: float | None = None
    familywise_flagged: bool = False
    familywise_threshold: float | None = None
    evidence_facts: dict[str, Any] | None = None
    posterior_interval: tuple[float | None, float | None] | None = None


@dataclass(frozen=True)
class Mixture(Serialisable):
    """Two-type mixture fitted to all targets of a round for one group."""

    group: str
    share_discriminating: float | None
    odds_ratio_discriminating: float | None
    targets: int
    identified: bool
    calibration: dict[str, Any] | None = None  # the checks that decide whether posteriors are shown


@dataclass(frozen=True)
class RoundAnalysis(Serialisable):
    """Everything the statistics engine says about one round."""

    reference_group: str
    applications: int
    tests: int
    target_count: int
    fdr_level: float
    target_method: str
    q_method: str
    groups: tuple[GroupRate, ...]
    comparisons: tuple[Comparison, ...]
    breakdowns: dict[str, Breakdown]
    targets: tuple[TargetResult, ...]
    flagged_targets: int
    between_target_sd: float | None
    mixtures: tuple[Mixture, ...]
    balance: tuple[BalanceCheck, ...]
    notes: tuple[str, ...]
    pi0: float = 1.0
    familywise: dict[str, Any] | None = None
    sensitivity: dict[str, Any] | None = None
    awareness_only: bool = False
    omnibus: dict[str, Any] | None = None  # Cochran's Q across all groups (three or more)
