"""Round-level comparison of one group with the reference group."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis import classification, paired, regression
from analysis.data import Applications, Layout
from analysis.rates import z_value
from analysis.result import Comparison


@dataclass(frozen=True, eq=False)
class PairSample:
    """The tests in which both groups applied, with their per-test counts."""

    tests: np.ndarray
    n_ref: np.ndarray
    k_ref: np.ndarray
    n_grp: np.ndarray
    k_grp: np.ndarray
    left_out: int

    @classmethod
    def of(cls, layout: Layout, ref: int, grp: int) -> PairSample:
        """Select the tests with at least one application of each group."""
        applied = (layout.n[:, ref] > 0) | (layout.n[:, grp] > 0)
        both = (layout.n[:, ref] > 0) & (layout.n[:, grp] > 0)
        idx = np.flatnonzero(both)
        return cls(idx, layout.n[idx, ref], layout.k[idx, ref], layout.n[idx, grp], layout.k[idx, grp],
                   int(applied.sum() - both.sum()))

    @property
    def is_paired(self) -> bool:
        """Exactly one application of each group in every test."""
        return bool(len(self.tests)) and bool(np.all(self.n_ref == 1) and np.all(self.n_grp == 1))

    def classes(self) -> np.ndarray:
        """Class of each test (reference favoured, group favoured, equal, none)."""
        return classification.classify(self.n_ref, self.k_ref, self.n_grp, self.k_grp)


def _ratio_clustered(s: PairSample, level: float) -> tuple[float | None, tuple[float | None, float | None]]:
    """Ratio of pooled rates with a delta-method interval on the log scale, clustered by test.

    log(P_r / P_g) is linearised per test: u_t = (k_rt - P_r n_rt) / K_r - (k_gt - P_g n_gt) / K_g,
    Var = G/(G-1) sum u_t^2 (ratio-estimator variance under cluster sampling,
    Cochran 1977, Sampling Techniques, section 6.11).
    """
    big_kr, big_kg = s.k_ref.sum(), s.k_grp.sum()
    if big_kr == 0 or big_kg == 0:
        # no reference positive but some of the group: the ratio is 0, not unknown
        ratio = math.inf if big_kr > 0 else (0.0 if big_kg > 0 else None)
        return ratio, (None, None)
    p_r, p_g = big_kr / s.n_ref.sum(), big_kg / s.n_grp.sum()
    u = (s.k_ref - p_r * s.n_ref) / big_kr - (s.k_grp - p_g * s.n_grp) / big_kg
    g = len(u)
    se = math.sqrt(g / (g - 1) * float(np.sum(u * u))) if g > 1 else math.inf
    z = z_value(level)
    ratio = p_r / p_g
    return ratio, (ratio * math.exp(-z * se), ratio * math.exp(z * se))


def _paired_intervals(s: PairSample, classes: np.ndarray, level: float) -> dict:
    """Newcombe and Tango intervals for the difference, Bonett-Price for the ratio."""
    a = int(np.sum((s.k_ref == 1) & (s.k_grp == 1)))
    b = int(np.sum(classes == classification.REFERENCE_FAVOURED))
    c = int(np.sum(classes == classification.GROUP_FAVOURED))
    d = len(classes) - a - b - c
    ratio = (a + b) / (a + c) if a + c else (math.inf if a + b else None)
    return {
        "rate_difference_ci95": paired.newcombe_paired(a, b, c, d, level),
        "rate_difference_method": "newcombe_paired_method10",
        "rate_difference_tango_ci95": paired.tango(b, c, a + b + c + d, level),
        "rate_ratio": ratio,
        "rate_ratio_ci95": paired.bonett_price_ratio(a, b, c, level),
        "rate_ratio_method": "bonett_price_paired",
    }


def _app_rows(apps: Applications, layout: Layout, s: PairSample, ref: int, grp: int) -> np.ndarray:
    """Indices of the applications of either group in the compared tests."""
    in_sample = np.zeros(len(layout.tests), dtype=bool)
    in_sample[s.tests] = True
    g = layout.group_index
    return np.flatnonzero(in_sample[layout.test_index] & ((g == ref) | (g == grp)))


def _design(apps: Applications, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Template and send-order columns of the selected rows, when the round has them.

    A missing value ("") is kept as a level of its own, so that tests without a
    recorded send order stay in the model instead of silently dropping out.
    """
    out = {}
    for name in ("template", "send_order"):
        col = getattr(apps, name)
        if col is not None and np.any(col[rows] != ""):
            out[name] = col[rows]
    return out


def compare(apps: Applications, layout: Layout, ref: int, grp: int, *, level: float = 0.95,
            with_conditional_logit: bool = True) -> Comparison:
    """All round-level figures of group `grp` against the reference group `ref`."""
    s = PairSample.of(layout, ref, grp)
    classes = s.classes()
    counts = classification.count_classes(classes)
    p_sign, mid_sign = classification.sign_test(counts.reference_favoured, counts.group_favoured)
    if counts.reference_favoured + counts.group_favoured == 0:
        p_sign = mid_sign = None  # no discordant test: no sign test (not p = 1)
    net = classification.net_rates(counts)
    sign_method = "sign"
    if bool(np.any(s.n_ref != s.n_grp)):
        # unequal numbers per group within tests: raw counts and the sign test are biased
        exp_ref, exp_grp = classification.expected_favoured(s.n_ref, s.n_grp, s.k_ref + s.k_grp)
        net = classification.net_rates(counts, exp_ref - exp_grp)
        p_sign, mid_sign, sign_method = (classification.stratified_exact_test(
            s.n_ref, s.n_grp, s.k_ref + s.k_grp, s.k_ref), None, "stratified_exact")
    rows = _app_rows(apps, layout, s, ref, grp)
    y, is_ref, clusters = apps.positive[rows], layout.group_index[rows] == ref, layout.test_index[rows]
    design = _design(apps, rows)
    plain_lpm = regression.lpm_clustered(y, is_ref, clusters, {}, level)
    lpm = regression.lpm_clustered(y, is_ref, clusters, design, level) if design else plain_lpm
    nr, ng = int(s.n_ref.sum()), int(s.n_grp.sum())
    rate_r = s.k_ref.sum() / nr if nr else None
    rate_g = s.k_grp.sum() / ng if ng else None
    diff = rate_r - rate_g if nr and ng else None
    if s.is_paired:
        intervals = _paired_intervals(s, classes, level)
    else:
        ratio, ratio_ci = _ratio_clustered(s, level) if nr and ng else (None, (None, None))
        intervals = {
            "rate_difference_ci95": plain_lpm.ci95, "rate_difference_method": "lpm_clustered_by_test",
            "rate_difference_tango_ci95": None, "rate_ratio": ratio, "rate_ratio_ci95": ratio_ci,
            "rate_ratio_method": "delta_log_ratio_clustered_by_test",
        }
    clogit = None
    if s.is_paired:
        clogit = regression.matched_pairs_logit(counts.reference_favoured, counts.group_favoured, level)
    elif with_conditional_logit and len(rows):
        clogit = regression.conditional_logit(y, is_ref, clusters, design, level)
    return Comparison(
        group=str(layout.groups[grp]), reference=str(layout.groups[ref]),
        design="paired" if s.is_paired else "multi_application", tests=len(s.tests),
        tests_left_out=s.left_out, reference_applications=nr, group_applications=ng,
        reference_rate=rate_r, group_rate=rate_g, rate_difference=diff, **intervals,
        test_counts=counts, **net, sign_test_p=p_sign, sign_test_mid_p=mid_sign, sign_test_method=sign_method,
        regression=lpm if len(rows) else None, conditional_logit=clogit,
    )
