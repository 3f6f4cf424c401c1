"""Three or more groups: Cochran's Q across groups and Holm-adjusted comparisons with the reference."""
from __future__ import annotations

import numpy as np

from analysis.data import Layout
from analysis.distributions import chi2


def holm(p) -> list[float | None]:
    """Holm (1979, Scand J Statist 6:65) step-down adjusted p-values; None stays None."""
    idx = [i for i, v in enumerate(p) if v is not None]
    vals = np.array([p[i] for i in idx], dtype=float)
    out: list[float | None] = [None] * len(p)
    if not len(vals):
        return out
    order = np.argsort(vals, kind="stable")
    m = len(vals)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * vals[order])
    for rank, j in enumerate(order):
        out[idx[j]] = float(min(1.0, adjusted[rank]))
    return out


def cochran_q(layout: Layout) -> dict | None:
    """Cochran (1950, Biometrika 37:256) Q test that all groups have the same positive rate.

    Over the tests in which every group sent exactly one application (complete
    blocks): Q = (k - 1)(k sum C_j^2 - N^2) / (k N - sum R_i^2), C_j the positives
    of group j, R_i those of test i, N the total; chi-square with k - 1 df.
    None with fewer than three groups.
    """
    k = len(layout.groups)
    if k < 3:
        return None
    complete = np.all(layout.n == 1, axis=1)
    x = layout.k[complete]
    note = "" if complete.all() else (f"{int((~complete).sum())} tests without exactly one application of every "
                                      "group left out")
    c, r = x.sum(axis=0), x.sum(axis=1)
    n = int(x.sum())
    denom = k * n - float(np.sum(r * r))
    if not len(x) or denom <= 0:
        return {"method": "cochran_q", "q": None, "df": k - 1, "p_value": None, "tests": int(len(x)),
                "note": "; ".join(v for v in (note, "no variation within tests: no inference") if v)}
    q = (k - 1) * (k * float(np.sum(c * c)) - n * n) / denom
    return {"method": "cochran_q", "q": q, "df": k - 1, "p_value": float(chi2.sf(q, k - 1)), "tests": int(len(x)),
            "note": note}
