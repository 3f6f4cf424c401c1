"""Per-target flags of one round: one family over all targets and groups, BH by default.

The family is every (target, group) comparison. Its p-values are the exact
one-sided p-values (method 'exact'), or the KRW z-test p-values with the exact
p-value where the z-test is undefined (SE 0 or a single job: method 'krw').
Mid-p values are descriptive only: BH on mid-p does not control the FDR.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis import evidence
from analysis.fdr import STOREY_MIN_TARGETS, check_q_method, flag_rule, qvalues, tarone_threshold

SENSITIVITY_LAMBDAS = (0.5, 0.6, 0.7)


@dataclass(frozen=True, eq=False)
class Family:
    """Aligned arrays over the family's comparisons, with the flag decisions."""

    p: np.ndarray
    p_source: np.ndarray  # "exact" or "z"
    min_p: np.ndarray  # smallest attainable p (NaN: no informative test)
    favoured: np.ndarray
    informative: np.ndarray
    q: np.ndarray
    pi0: float
    flagged: np.ndarray
    threshold: np.ndarray  # largest p at which the comparison would be flagged, the others held fixed
    fw_threshold: float
    fw_tested: int
    fw_flagged: np.ndarray

    @property
    def size(self) -> int:
        return len(self.p)


def primary_p(method: str, exact_p, exact_min_p, krw_p, informative) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p-values, their source and smallest attainable p of the chosen method (KRW falls back to exact)."""
    exact_p = np.asarray(exact_p, float)
    exact_min = np.where(np.asarray(informative) > 0, exact_min_p, np.nan)
    if method == "exact":
        return exact_p, np.full(len(exact_p), "exact"), exact_min
    krw_p = np.asarray(krw_p, float)
    z_ok = np.isfinite(krw_p)
    p = np.where(z_ok, krw_p, exact_p)
    return p, np.where(z_ok, "z", "exact"), np.where(z_ok, 0.0, exact_min)


def decide(p, p_source, min_p, favoured, informative, fdr: float, q_method: str) -> Family:
    """q-values, flags (with the Storey guard), the alone-threshold and Tarone's family-wise flags."""
    p = np.asarray(p, float)
    check_q_method(q_method, len(p))
    q, pi0 = qvalues(p, q_method) if len(p) else (p.copy(), 1.0)
    flagged = flag_rule(p, q, favoured, fdr)
    others = int(flagged.sum()) - flagged.astype(int)
    threshold = np.minimum(evidence.flag_threshold(others, len(p), fdr, pi0), fdr)
    fw_threshold, fw_tested = tarone_threshold(min_p, fdr)
    with np.errstate(invalid="ignore"):
        fw_flagged = flagged & (p <= fw_threshold) & (min_p <= fw_threshold)
    return Family(p, np.asarray(p_source), np.asarray(min_p, float), np.asarray(favoured, bool),
                  np.asarray(informative), q, pi0, flagged, threshold, fw_threshold, fw_tested, fw_flagged)


def sensitivity(fam: Family, fdr: float, q_method: str, keys: list[str]) -> dict:
    """Flags under the other q-method and, for Storey, other lambdas and the other tie rule."""
    alt = "storey" if q_method == "bh" else "bh"
    out: dict = {"q_method": {"method": alt, "applicable": True}}
    if alt == "storey" and fam.size < STOREY_MIN_TARGETS:
        out["q_method"] |= {"applicable": False, "reason": f"fewer than {STOREY_MIN_TARGETS} target comparisons"}
    else:
        q, _ = qvalues(fam.p, alt)
        out["q_method"] |= _changes(flag_rule(fam.p, q, fam.favoured, fdr), fam.flagged, keys)
    runs = []
    if fam.size >= STOREY_MIN_TARGETS:
        for lam in SENSITIVITY_LAMBDAS:
            for ties in ("above", "at_or_above"):
                q, pi0 = qvalues(fam.p, "storey", lam, ties)
                runs.append({"lambda": lam, "ties": ties, "pi0": pi0,
                             **_changes(flag_rule(fam.p, q, fam.favoured, fdr), fam.flagged, keys)})
    out["storey_lambda"] = runs
    return out


def _changes(alt_flags: np.ndarray, flags: np.ndarray, keys: list[str]) -> dict:
    """Count of flags under the alternative and the comparisons whose flag differs."""
    return {"flagged": int(alt_flags.sum()),
            "newly_flagged": [keys[i] for i in np.flatnonzero(alt_flags & ~flags)],
            "no_longer_flagged": [keys[i] for i in np.flatnonzero(flags & ~alt_flags)]}
