"""Balance checks of the randomisation: group by template and by send order."""
from __future__ import annotations

import numpy as np
from scipy.stats import chi2_contingency

from analysis.data import Applications
from analysis.result import BalanceCheck


def balance_check(factor: str, values: np.ndarray, groups: np.ndarray) -> BalanceCheck:
    """Counts of group by factor level and Pearson's chi-square test of independence.

    With randomised, counterbalanced assignment every group should use every template
    and send position about equally often; a small p-value points at a design flaw.
    Applications with no recorded level are left out and counted in the note.
    """
    known = values != ""
    g_labels, g_idx = np.unique(groups[known], return_inverse=True)
    levels, l_idx = np.unique(values[known], return_inverse=True)
    table = np.bincount(g_idx * len(levels) + l_idx, minlength=len(g_labels) * len(levels))
    table = table.reshape(len(g_labels), len(levels))
    missing = int((~known).sum())
    note = f"{missing} applications without a recorded {factor} left out" if missing else ""
    chi, df, p = None, 0, None
    if table.shape[0] > 1 and table.shape[1] > 1:
        res = chi2_contingency(table, correction=False)
        chi, df, p = float(res.statistic), int(res.dof), float(res.pvalue)
    return BalanceCheck(factor, tuple(map(str, levels)), tuple(map(str, g_labels)),
                        tuple(tuple(int(c) for c in row) for row in table), chi, df, p, note)


def balance_checks(apps: Applications) -> tuple[BalanceCheck, ...]:
    """Balance of every design factor the round recorded (template, send order)."""
    return tuple(
        balance_check(name, getattr(apps, name), apps.group)
        for name in ("template", "send_order")
        if getattr(apps, name) is not None and np.any(getattr(apps, name) != "")
    )
