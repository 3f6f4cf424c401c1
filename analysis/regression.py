"""Regression checks for multi-application designs: LPM with SE clustered by test, conditional logit."""
from __future__ import annotations

import math
import warnings

import numpy as np

from analysis.data import factorize
from analysis.distributions import chi2, norm, t
from analysis.result import ConditionalLogit, Regression

# The least-squares fits are numpy (ols_clustered, below), checked against statsmodels
# in tests/analysis/test_ols_clustered.py. statsmodels (and the pandas and formulaic it
# loads, about a second at start-up) is imported only for the conditional logit, inside
# the function that fits it: `import analysis` and a command-line analysis stay light.


def ols_clustered(y: np.ndarray, x: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their cluster-robust covariance (full-rank `x` with more rows than
    columns, at least two clusters: the callers check both; `clusters` integer codes).

    beta = (X'X)^-1 X'y; V = c (X'X)^-1 [sum_g (X_g' e_g)(X_g' e_g)'] (X'X)^-1 = c A'A with
    A = S (X'X)^-1, S the clusters' score sums X_g' e_g as rows,
    c = G/(G-1) * (N-1)/(N-K): Liang & Zeger (1986); Cameron & Miller (2015), J Human
    Resources 50:317, eq. (11) and section VI.A. The same small-sample factor as Stata's
    `vce(cluster)` and statsmodels' `cov_type="cluster"` (its defaults use_correction and
    df_correction), which the tests compare it with.
    """
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    n, k = x.shape
    # Least squares by QR-based lstsq, not the normal equations: the same conditioning as
    # statsmodels' pinv for the full-rank designs this is called with (_full_rank checks).
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    bread = np.linalg.inv(x.T @ x)
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    g = int(codes.max()) + 1
    # Score sums per cluster: row g is sum over the cluster's rows of x_i * e_i.
    weighted = x * (y - x @ beta)[:, None]
    scores = np.column_stack([np.bincount(codes, weights=weighted[:, j], minlength=g) for j in range(k)])
    # The sandwich as a Gram matrix A'A rather than bread @ meat @ bread: the same product, but a
    # variance that is zero in exact arithmetic (no discordant test) comes out as a sum of squares
    # of round-offs (about 1e-33) instead of one cancellation of order-one terms (about 1e-16,
    # of either sign: 4.4e-17 on one machine, below zero under another BLAS thread count), and a
    # diagonal can never be negative.
    per_cluster = scores @ bread
    factor = g / (g - 1) * (n - 1) / (n - k)
    return beta, factor * (per_cluster.T @ per_cluster)


def dummies(design: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for each design factor with more than one level (first level dropped)."""
    columns, names = [], []
    for factor, values in design.items():
        levels, codes = factorize(values)
        for i in range(1, len(levels)):
            columns.append((codes == i).astype(float))
            names.append(f"{factor}[{levels[i]}]")
    return (np.column_stack(columns) if columns else np.empty((n, 0))), names


# A design factor whose levels explain at least this share of the variance of
# is_reference (R^2) is near-collinear with the groups: with a fixed rotation of
# send orders (callback inter1) its dummies take the group effect's place.
COLLINEAR_R2 = 0.5
NO_VARIATION = "no variation in the outcome: no inference"


def _collinear_factors(design: dict[str, np.ndarray], is_ref: np.ndarray) -> tuple[dict, list[str]]:
    """Design factors kept, and notes on the ones dropped for being near-collinear with the groups."""
    kept, notes = {}, []
    x = np.asarray(is_ref, float)
    total = float(np.sum((x - x.mean()) ** 2))
    for factor, values in design.items():
        _, codes = factorize(values)
        n = np.bincount(codes)
        means = np.bincount(codes, weights=x) / n
        r2 = float(np.sum(n * (means - x.mean()) ** 2)) / total if total > 0 else 0.0
        if r2 >= COLLINEAR_R2:
            notes.append(f"{factor} left out of the model: nearly collinear with the groups (R2 = {r2:.2f})")
        else:
            kept[factor] = values
    return kept, notes


def _full_rank(x: np.ndarray) -> bool:
    return x.shape[1] == 0 or np.linalg.matrix_rank(x) == x.shape[1]


def lpm_clustered(y, is_ref, clusters, design: dict[str, np.ndarray], level: float = 0.95) -> Regression:
    """OLS of positive on is_reference (+ design dummies), SE clustered by test.

    The coefficient of is_reference is the gap in percentage points; the cluster-robust
    covariance of `ols_clustered` (Liang & Zeger 1986; small-sample factor
    G/(G-1) * (N-1)/(N-K), as Stata) gives the SE of Bertrand & Mullainathan (2004).
    Design terms that are collinear with the rest are dropped, not fitted; factors
    nearly collinear with the groups too (COLLINEAR_R2, said in the note). p-value
    and interval use t with G - 1 degrees of freedom, the reference distribution
    that the G/(G-1) small-sample correction implies (Cameron & Miller 2015, J Human
    Resources 50:317, section VI). No variation in the outcome: no inference.
    """
    design, notes = _collinear_factors(design, is_ref) if len(y) else (design, [])
    extra, names = dummies(design, len(y))
    x = np.column_stack([np.ones(len(y)), np.asarray(is_ref, float), extra])
    if not _full_rank(x):
        x, names = x[:, :2], []
    clusters = np.asarray(clusters)
    n_clusters = int(np.count_nonzero(np.bincount(clusters))) if len(clusters) else 0
    note = "; ".join(notes)
    # No inference without two clusters, without both groups, or without a residual degree of
    # freedom (as many applications as coefficients: the small-sample factor divides by N - K).
    if n_clusters < 2 or np.ptp(x[:, 1]) == 0 or len(y) <= x.shape[1]:
        return Regression(None, None, None, (None, None), len(y), n_clusters, tuple(names), note)
    if np.ptp(np.asarray(y, float)) == 0:
        return Regression(0.0, None, None, (None, None), len(y), n_clusters, tuple(names),
                          "; ".join([*notes, NO_VARIATION]))
    params, cov = ols_clustered(y, x, clusters)
    # With no discordant test the variance is zero up to rounding: a sum of squared round-offs
    # (ols_clustered), so its square root is far below the cut-off.
    coef, variance = float(params[1]), float(cov[1, 1])
    se = float(np.sqrt(variance))  # a sum of squares: never negative
    if not se > 1e-12:
        return Regression(coef, None, None, (None, None), len(y), n_clusters, tuple(names),
                          "; ".join([*notes, NO_VARIATION]))
    q = t.ppf(0.5 + level / 2, n_clusters - 1)
    p = float(2 * t.sf(abs(coef / se), n_clusters - 1))
    return Regression(coef, se, p, (coef - q * se, coef + q * se), len(y), n_clusters, tuple(names), note)


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
    separated = _separation(y[informative], x[:, 0], inv[informative])
    if separated:
        return ConditionalLogit(None, None, None, None, (None, None), n_inf, separated)
    x = x[:, _varies_within(x, inv[informative])]
    if not _full_rank(x):
        x = x[:, :1]
    return _fit_conditional_logit(y[informative], x, inv[informative], n_inf, level)


def _separation(y: np.ndarray, is_ref: np.ndarray, groups: np.ndarray) -> str:
    """A note when every informative test gives the reference group its most (or fewest) possible positives.

    Then the conditional likelihood increases without bound in the reference's
    odds ratio (complete separation): there is no finite estimate to report.
    """
    k = np.bincount(groups, weights=y)
    n_ref = np.bincount(groups, weights=is_ref)
    n_all = np.bincount(groups)
    k_ref = np.bincount(groups, weights=y * is_ref)
    most = np.minimum(k, n_ref)
    fewest = np.maximum(0, k - (n_all - n_ref))
    for side, hit in (("the reference group", k_ref == most), ("the other group", k_ref == fewest)):
        if np.all(hit):
            return (f"complete separation: every informative test favoured {side} as far as it could; "
                    "no finite odds ratio")
    return ""


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
    if not _full_rank(x) or np.count_nonzero(np.bincount(clusters)) < 2 or len(y) <= x.shape[1]:
        return None, df, None  # no residual degree of freedom: the small-sample factor divides by N - K
    params, cov = ols_clustered(y, x, clusters)
    idx = np.arange(x.shape[1] - df, x.shape[1])
    b = params[idx]
    v = cov[np.ix_(idx, idx)]
    try:
        stat = float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        return None, df, None
    return stat, df, float(chi2.sf(stat, df))
