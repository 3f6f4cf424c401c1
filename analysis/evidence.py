"""Plain-language strength of evidence per target, and further tests needed to flag it.

Codes are stable identifiers the app translates; the sentences are English.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom, norm

LEVELS = ("strong", "moderate", "weak", "none", "insufficient")
MAX_FURTHER_TESTS = 10_000


def flag_threshold(flagged_others: int, comparisons: int, fdr: float, pi0: float = 1.0) -> float:
    """Largest p-value at which one more comparison is flagged, the others held fixed.

    Benjamini-Hochberg step-up: with R others rejected, a new p <= (R + 1) q / (m pi0)
    makes R + 1 rejections feasible (pi0 = 1 for BH; Storey's estimate otherwise).
    """
    return fdr * (flagged_others + 1) / (max(comparisons, 1) * pi0)


def level(*, flagged: bool, favoured: bool, p: float | None, min_p: float | None, threshold: float) -> str:
    """Evidence code: strong (flagged), none, insufficient (could never be flagged), moderate, weak."""
    if flagged:
        return "strong"
    if not favoured or p is None:
        return "none"
    if min_p is None or min_p > threshold:
        return "insufficient"
    return "moderate" if p <= 0.05 else "weak"


def _fmt_p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "not available"
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def sentence(code: str, *, reference: str, group: str, tests: int, favoured_ref: int, favoured_grp: int,
             p: float | None, q: float | None, fdr: float, comparisons: int,
             posterior: float | None, further: int | None) -> str:
    """English sentence for one target's evidence (the app translates by `code`)."""
    diff = favoured_ref + favoured_grp
    counts = (f"In {diff} of its {_n(tests, 'test')} the two applicants were treated differently; "
              f"the {reference} applicant was favoured {_n(favoured_ref, 'time')} "
              f"and the {group} applicant {_n(favoured_grp, 'time')}.")
    among = f"among {comparisons} target comparisons at a {fdr:.0%} false discovery rate"
    more = (f" About {further} further tests with the same pattern would be needed to flag it."
            if further else "")
    text = {
        "strong": f"Strong evidence of unequal treatment: flagged {among} (p = {_fmt_p(p)}, q = {_fmt_p(q)}).",
        "moderate": (f"Moderate evidence: significant for this target alone (p = {_fmt_p(p)}), "
                     f"but not enough to single it out {among} (q = {_fmt_p(q)}).{more}"),
        "weak": f"Weak evidence: the difference could well be chance (p = {_fmt_p(p)}).{more}",
        "none": f"No indication that the {reference} applicant was favoured.",
        "insufficient": (f"Too few tests to tell: even if every test had favoured the {reference} applicant, "
                         f"this target could not be flagged {among}.{more}"),
    }[code]
    prob = "" if posterior is None or not math.isfinite(posterior) else (
        f" Estimated probability that this target discriminates: {posterior:.2f}.")
    return f"{counts} {text}{prob}"


def further_tests_sign(tests, favoured_ref, favoured_grp, threshold) -> np.ndarray:
    """Further tests with the same pattern until the one-sided sign test reaches `threshold`.

    'Same pattern': the further tests split like the target's tests so far (same share
    with a difference, same share of those favouring the reference). For pairs the
    sign test is the target's exact test; for multi-application tests it is the
    test-level approximation. -1 where the pattern does not favour the reference
    or more than MAX_FURTHER_TESTS would be needed. Vectorised bisection.
    """
    t = np.asarray(tests, float)
    b = np.asarray(favoured_ref, float)
    d = b + np.asarray(favoured_grp, float)
    thr = np.broadcast_to(np.asarray(threshold, float), t.shape)
    ok = (b * 2 > d) & (t > 0)

    def reaches(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.round(d * (t + x) / np.where(t > 0, t, 1))
            k = np.round(m * np.where(d > 0, b / np.where(d > 0, d, 1), 0))
        return binom.sf(k - 1, m, 0.5) <= thr

    lo = np.zeros(t.shape)
    hi = np.full(t.shape, float(MAX_FURTHER_TESTS))
    ok &= reaches(hi)
    for _ in range(int(math.ceil(math.log2(MAX_FURTHER_TESTS))) + 1):
        mid = np.floor((lo + hi) / 2)
        hit = reaches(mid)
        hi = np.where(hit, mid, hi)
        lo = np.where(hit, lo, mid + 1)
    return np.where(ok, np.maximum(hi, 1), -1).astype(np.int64)


def further_tests_z(jobs, z, threshold) -> np.ndarray:
    """KRW method: z grows with sqrt(jobs), so J (z*/z)^2 - J more jobs reach p = threshold."""
    jobs = np.asarray(jobs, float)
    z = np.asarray(z, float)
    target = norm.isf(np.asarray(threshold, float))
    with np.errstate(invalid="ignore", divide="ignore"):
        need = np.ceil(jobs * (target / z) ** 2) - jobs
    ok = np.isfinite(need) & (z > 0) & (need <= MAX_FURTHER_TESTS)
    return np.where(ok, np.maximum(need, 1), -1).astype(np.int64)
