"""Plain-language strength of evidence per target, and further tests needed to flag it.

The evidence level is a stable code, the figures behind it are in `facts`; the
app translates the sentence from both (praktijktest/datasets/evidence_text.py).
The English sentence here follows the same rules (WORDING.md, the project's wording guide): observed
facts first, then what the figure means, one-sided, within this round's set of
targets; a flag depends on the other targets and says so.
"""
from __future__ import annotations

import math

import numpy as np

from analysis.distributions import binom, norm

# flagged: flagged by the FDR screening; single_target: one-sided p <= 0.05 for this
# target alone, not flagged; weak: favoured, p > 0.05; cannot_reach: its informative
# tests cannot reach the flag threshold even all favouring the reference; no_indication:
# informative tests, reference not favoured; no_informative_test: nothing to go on.
LEVELS = ("flagged", "single_target", "weak", "cannot_reach", "no_indication", "no_informative_test")
SINGLE_TARGET_LEVEL = 0.05
MAX_FURTHER_TESTS = 10_000
SCAN_BLOCK = 256


def flag_threshold(flagged_others, comparisons: int, fdr: float, pi0: float = 1.0):
    """Largest p-value at which one more comparison is flagged, the others held fixed.

    Benjamini-Hochberg step-up: with R others rejected, a new p <= (R + 1) q / (m pi0)
    makes R + 1 rejections feasible (pi0 = 1 for BH; Storey's estimate otherwise).
    """
    return fdr * (np.asarray(flagged_others) + 1) / (max(comparisons, 1) * pi0)


def level(*, flagged: bool, favoured: bool, informative: int, p: float | None, min_p: float | None,
          threshold: float) -> str:
    """Evidence code of one target (see LEVELS)."""
    if informative == 0:
        return "no_informative_test"
    if not favoured or p is None:
        return "no_indication"
    if flagged:
        return "flagged"
    if min_p is None or min_p > threshold:
        return "cannot_reach"
    return "single_target" if p <= SINGLE_TARGET_LEVEL else "weak"


def fmt_p(p: float | None) -> str:
    """p- or q-value for a sentence: never "0" (below 0.0001 it reads "< 0.0001")."""
    if p is None or not math.isfinite(p):
        return "not available"
    if p < 1e-4:
        return "< 0.0001"
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _eq(p: float | None) -> str:
    text = fmt_p(p)
    return text if text.startswith("<") else f"= {text}"


def sentence(code: str, f: dict) -> str:
    """English sentence for one target's evidence from its code and facts (see `facts` in flags)."""
    ref, grp, fdr = f["reference"], f["group"], f"{f['fdr']:.0%}"
    alike = f["tests"] - f["reference_favoured"] - f["group_favoured"]
    counts = (f"In {f['reference_favoured']} of its {_n(f['tests'], 'test')} the {ref} group got the better "
              f"response, in {f['group_favoured']} the {grp} group; in {alike} both were treated alike.")
    within = f"within this round's set of {f['comparisons']} target comparisons"
    more = (f" About {_n(f['further'], 'further test')} with the same pattern would be needed to flag it alone."
            if f.get("further") else "")
    p, q = _eq(f["p"]), _eq(f["q"])
    text = {
        "flagged": (f"One-sided p {p}. Flagged for follow-up {within} at a false discovery rate of {fdr} (q {q}): "
                    f"among all flagged targets at most about {fdr} are expected to be flagged wrongly. The flag "
                    f"depends on the other targets of the round."),
        "single_target": (f"One-sided p {p} for this target alone: below 5%, but not enough to flag it {within} "
                          f"(q {q}).{more}"),
        "weak": f"One-sided p {p}: a difference like this is common under equal treatment.{more}",
        "cannot_reach": _cannot_reach(f, within, fdr) + more,
        "no_indication": f"No indication that the {ref} group was favoured at this target (one-sided p {p}).",
        "no_informative_test": ("No informative test: in none of its tests did one group get a better response "
                                "than the other, so these tests say nothing either way."),
    }[code]
    if code == "flagged":
        text += _familywise(f) + (" The round was planned for awareness only: its results are not used as "
                                  "evidence against single targets." if f.get("awareness_only") else
                                  " These are facts that can support a presumption of unequal treatment.")
    return f"{counts} {text}"


def _cannot_reach(f: dict, within: str, fdr: str) -> str:
    k = f["informative_tests"]
    if f["reference_favoured"] == k and f["group_favoured"] == 0 and f.get("paired"):
        return (f"All {_n(k, 'informative test')} favoured the {f['reference']} group, but that is too few to flag "
                f"one target alone {within} at a false discovery rate of {fdr}.")
    return (f"Even if all {_n(k, 'informative test')} had favoured the {f['reference']} group, this target could "
            f"not be flagged alone {within} at a false discovery rate of {fdr}.")


def _familywise(f: dict) -> str:
    thr = fmt_p(f["familywise_threshold"])
    if f.get("familywise_flagged"):
        return f" It also holds on its own under a family-wise rule (Tarone): p is at most {thr}."
    return f" It does not hold on its own under a family-wise rule (Tarone), which needs p at most {thr}."


def further_tests_sign(tests, favoured_ref, favoured_grp, threshold) -> np.ndarray:
    """Further tests with the same pattern until the one-sided sign test reaches `threshold`.

    'Same pattern': the further tests split like the target's tests so far (same share
    with a difference, same share of those favouring the reference). For pairs the
    sign test is the target's exact test; for multi-application tests it is the
    test-level approximation. The p-value saw-tooths as tests are added (rounding
    of counts), so the first crossing is searched by scanning, in vectorised blocks.
    -1 where the pattern does not favour the reference or no crossing is found
    within MAX_FURTHER_TESTS.
    """
    t = np.asarray(tests, float)
    b = np.asarray(favoured_ref, float)
    d = b + np.asarray(favoured_grp, float)
    thr = np.broadcast_to(np.asarray(threshold, float), t.shape)
    found = np.full(t.shape, -1, dtype=np.int64)
    todo = np.flatnonzero((b * 2 > d) & (t > 0))
    for start in range(0, MAX_FURTHER_TESTS + 1, SCAN_BLOCK):
        if not len(todo):
            break
        x = np.arange(start, min(start + SCAN_BLOCK, MAX_FURTHER_TESTS + 1))[None, :]
        tt, bb, dd = t[todo, None], b[todo, None], d[todo, None]
        m = np.round(dd * (tt + x) / tt)
        k = np.round(m * bb / dd)
        hit = binom.sf(k - 1, m, 0.5) <= thr[todo, None]
        has = hit.any(axis=1)
        found[todo[has]] = np.maximum(x[0, hit[has].argmax(axis=1)], 1)
        todo = todo[~has]
    return found


def further_tests_z(jobs, z, threshold) -> np.ndarray:
    """KRW method: z grows with sqrt(jobs), so J (z*/z)^2 - J more jobs reach p = threshold."""
    jobs = np.asarray(jobs, float)
    z = np.asarray(z, float)
    target = norm.isf(np.asarray(threshold, float))
    with np.errstate(invalid="ignore", divide="ignore"):
        need = np.ceil(jobs * (target / z) ** 2) - jobs
    ok = np.isfinite(need) & (z > 0) & (need <= MAX_FURTHER_TESTS)
    return np.where(ok, np.maximum(need, 1), -1).astype(np.int64)
