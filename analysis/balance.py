"""Balance checks of the randomisation: group by template and by send order."""
from __future__ import annotations

import numpy as np

from analysis.classification import sign_test
from analysis.data import Applications, factorize
from analysis.distributions import chi2
from analysis.result import BalanceCheck


def pearson_chi_square(table) -> tuple[float, int, float]:
    """Pearson's X^2 test of independence of a table with no empty row or column.

    X^2 = sum (O - E)^2 / E with E = row total * column total / grand total, on
    (r - 1)(c - 1) degrees of freedom: scipy.stats.chi2_contingency with
    correction=False (checked against it in tests/analysis/test_balance.py), without
    importing scipy.stats (analysis/distributions.py says why).
    """
    observed = np.asarray(table, dtype=float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    stat = float(np.sum((observed - expected) ** 2 / expected))
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return stat, df, float(chi2.sf(stat, df))


def _is_permutation_design(tests, g_idx, l_idx, groups: int, levels: int) -> bool:
    """Every test has one application per group and uses every level once (complementary levels)."""
    if groups != levels:
        return False
    _, t = factorize(tests)
    per_group = np.bincount(t * groups + g_idx, minlength=(t.max() + 1) * groups)
    per_level = np.bincount(t * levels + l_idx, minlength=(t.max() + 1) * levels)
    return bool(np.all(per_group == 1) and np.all(per_level == 1))


def _per_test(table, g: int) -> tuple[float | None, float, str]:
    """Balance counted per test when the levels within a test are complementary.

    Two groups, two levels: a test is one Bernoulli draw (reference on level 1 or
    not), so the exact binomial test on the tests; the application-level chi-square
    counts each test twice (60 of 100 tests: 0.0047 against the binomial 0.057).
    G groups permuted over G levels: Pearson's X^2 on the table has expectation
    G(G-1) under random permutations instead of (G-1)^2, so X^2 (G-1)/G is
    referred to chi-square with (G-1)^2 df (a moment correction). `table` is G x G, g = G.
    """
    if g == 2:
        tests_n = int(table[0].sum())
        p = sign_test(int(table[0, 0]), tests_n - int(table[0, 0]))[0]
        return None, p, f"levels are complementary within each test: exact binomial test over {tests_n} tests"
    stat = pearson_chi_square(table)[0] * (g - 1) / g
    return stat, float(chi2.sf(stat, (g - 1) ** 2)), ("levels are permuted within each test: chi-square scaled "
                                                       "by (G-1)/G")


def balance_check(factor: str, values: np.ndarray, groups: np.ndarray,
                  test_ids: np.ndarray | None = None) -> BalanceCheck:
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
        chi, df, p = pearson_chi_square(table)
        if test_ids is not None and _is_permutation_design(test_ids[known], g_idx, l_idx, len(g_labels), len(levels)):
            chi, p, how = _per_test(table, len(g_labels))
            note = "; ".join(x for x in (note, how) if x)
    return BalanceCheck(factor, tuple(map(str, levels)), tuple(map(str, g_labels)),
                        tuple(tuple(int(c) for c in row) for row in table), chi, df, p, note)


def balance_checks(apps: Applications) -> tuple[BalanceCheck, ...]:
    """Balance of every design factor the round recorded (template, send order)."""
    return tuple(
        balance_check(name, getattr(apps, name), apps.group, apps.test_id)
        for name in ("template", "send_order")
        if getattr(apps, name) is not None and np.any(getattr(apps, name) != "")
    )
