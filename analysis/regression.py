"""Regression checks for multi-application designs: LPM with SE clustered by test, conditional logit."""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.stats import chi2, norm

from analysis.data import factorize
from analysis.result import ConditionalLogit, Regression

# statsmodels (and the pandas it loads) is imported inside the functions that fit
# models: `import analysis` stays light for the app and the command line.


def dummies(design: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for each design factor with more than one level (first level dropped)."""
    columns, names = [], []
    for factor, values in design.items():
        levels, codes = factorize(values)
        for i in range(1, len(levels)):
            columns.append((codes == i).astype(float))
            names.append(f"{factor}[{levels[i]}]")
    return (np.column_stack(columns) if columns else np.empty((n, 0))), names


def _full_rank(x: np.ndarray) -> bool:
    return x.shape[1] == 0 or np.linalg.matrix_rank(x) == x.shape[1]


def lpm_clustered(y, is_ref, clusters, design: dict[str, np.ndarray], level: float = 0.95) -> Regression:
    """OLS of positive on is_reference (+ design dummies), SE clustered by test.

    The coefficient of is_reference is the gap in percentage points; statsmodels'
    cluster-robust covariance (Liang & Zeger 1986; small-sample factor
    G/(G-1) * (N-1)/(N-K), as Stata) gives the SE of Bertrand & Mullainathan (2004).
    Design terms that are collinear with the rest are dropped, not fitted.
    """
    extra, names = dummies(design, len(y))
    x = np.column_stack([np.ones(len(y)), np.asarray(is_ref, float), extra])
    if not _full_rank(x):
        x, names = x[:, :2], []
    clusters = np.asarray(clusters)
    n_clusters = int(np.count_nonzero(np.bincount(clusters))) if len(clusters) else 0
    if n_clusters < 2 or np.ptp(x[:, 1]) == 0:
        return Regression(None, None, None, (None, None), len(y), n_clusters, tuple(names))
    from statsmodels.regression.linear_model import OLS

    fit = OLS(np.asarray(y, float), x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    coef, se = float(fit.params[1]), float(fit.bse[1])
    z = norm.ppf(0.5 + level / 2)
    p = float(2 * norm.sf(abs(coef / se))) if se > 0 else None
    return Regression(coef, se, p, (coef - z * se, coef + z * se), len(y), n_clusters, tuple(names))


def conditional_logit(y, is_ref, clusters, design: dict[str, np.ndarray], level: float = 0.95) -> ConditionalLogit:
    """Conditional logit by test (Chamberlain 1980), a robustness check of the LPM.

    Tests in which every application got the same response carry no information
    in the conditional likelihood, so they are dropped before fitting (the
    estimate is identical, the fit much faster).
    """
    y = np.asarray(y, float)
    clusters = np.asarray(clusters)
    _, inv = np.unique(clusters, return_inverse=True)
    total = np.bincount(inv, weights=y)
    size = np.bincount(inv)
    informative = (total[inv] > 0) & (total[inv] < size[inv])
    n_inf = int(len(np.unique(inv[informative])))
    extra, _ = dummies({k: v[informative] for k, v in design.items()}, int(informative.sum()))
    x = np.column_stack([np.asarray(is_ref, float)[informative], extra])
    if n_inf == 0 or np.ptp(x[:, 0]) == 0:
        return ConditionalLogit(None, None, None, None, (None, None), n_inf, "no informative test")
    x = x[:, _varies_within(x, inv[informative])]
    if not _full_rank(x):
        x = x[:, :1]
    return _fit_conditional_logit(y[informative], x, inv[informative], n_inf, level)


def _varies_within(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Columns that vary within at least one test; the others are absorbed by the test effect."""
    n = np.bincount(groups).astype(float)
    keep = np.ones(x.shape[1], dtype=bool)
    for j in range(1, x.shape[1]):
        s1 = np.bincount(groups, weights=x[:, j])
        s2 = np.bincount(groups, weights=x[:, j] ** 2)
        keep[j] = np.sum(s2 - np.divide(s1 * s1, n, out=np.zeros_like(s1), where=n > 0)) > 1e-9
    return keep


def _fit_conditional_logit(y, x, groups, n_inf: int, level: float) -> ConditionalLogit:
    """Fit statsmodels' ConditionalLogit; a non-converged fit is reported, not hidden."""
    from statsmodels.discrete.conditional_models import ConditionalLogit as _SmConditionalLogit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    note = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fit = _SmConditionalLogit(y, x, groups=groups).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError) as exc:
            return ConditionalLogit(None, None, None, None, (None, None), n_inf, f"could not be fitted: {exc}")
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        note = "the optimiser did not converge; read the estimate with care"
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    beta, se = float(fit.params[0]), float(fit.bse[0])
    if not (math.isfinite(beta) and math.isfinite(se) and se > 0):
        return ConditionalLogit(None, None, None, None, (None, None), n_inf, "separation: the odds ratio is not finite")
    z = norm.ppf(0.5 + level / 2)
    return ConditionalLogit(
        beta, se, float(2 * norm.sf(abs(beta / se))), math.exp(beta),
        (math.exp(beta - z * se), math.exp(beta + z * se)), n_inf, note,
    )


def matched_pairs_logit(b: int, c: int, level: float = 0.95) -> ConditionalLogit:
    """Conditional logit for 1:1 pairs in closed form: odds ratio b/c, Var(log OR) = 1/b + 1/c.

    Breslow NE, Day NE (1980) Statistical Methods in Cancer Research I, IARC 32,
    section 7.2: with one application per group per test, the conditional maximum
    likelihood estimate depends only on the discordant tests.
    """
    if b == 0 or c == 0:
        return ConditionalLogit(None, None, None, None, (None, None), b + c,
                                "no discordant test favours one of the groups: the odds ratio is not finite")
    beta, se = math.log(b / c), math.sqrt(1 / b + 1 / c)
    z = norm.ppf(0.5 + level / 2)
    return ConditionalLogit(beta, se, float(2 * norm.sf(abs(beta / se))), b / c,
                            (math.exp(beta - z * se), math.exp(beta + z * se)), b + c,
                            "closed form for pairs (design terms not included)")


def gap_heterogeneity(y, is_ref, clusters, values) -> tuple[float | None, int, float | None]:
    """Wald test that the reference-minus-group gap is equal across attribute values.

    LPM y ~ C(value) + is_ref + is_ref:C(value), SE clustered by test; chi-square
    on the V-1 interaction coefficients. Returns (chi2, df, p).
    """
    levels, codes = factorize(values)
    df = len(levels) - 1
    if df < 1:
        return None, 0, None
    is_ref = np.asarray(is_ref, float)
    main = np.column_stack([(codes == i).astype(float) for i in range(1, len(levels))])
    x = np.column_stack([np.ones(len(y)), main, is_ref, main * is_ref[:, None]])
    if not _full_rank(x) or np.count_nonzero(np.bincount(clusters)) < 2:
        return None, df, None
    from statsmodels.regression.linear_model import OLS

    fit = OLS(np.asarray(y, float), x).fit(cov_type="cluster", cov_kwds={"groups": np.asarray(clusters)})
    idx = np.arange(x.shape[1] - df, x.shape[1])
    b = fit.params[idx]
    v = fit.cov_params()[np.ix_(idx, idx)]
    try:
        stat = float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        return None, df, None
    return stat, df, float(chi2.sf(stat, df))
