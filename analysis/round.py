"""analyse_round: every figure of a round, from application-level arrays to one frozen result."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from analysis import evidence
from analysis.balance import balance_checks
from analysis.bayes import MixtureFit, fit_mixture
from analysis.breakdowns import breakdown
from analysis.comparison import PairSample, compare
from analysis.data import Applications, Layout
from analysis.fdr import qvalues
from analysis.krw import KrwEstimates, krw_estimates
from analysis.rates import group_rates
from analysis.result import ExactTarget, KrwTarget, Mixture, RoundAnalysis, TargetResult
from analysis.targets import TargetTests, target_tests

# statsmodels' ConditionalLogit loops over tests in Python: about 1 s per 1,000
# informative tests. Above this many it is skipped unless asked for explicitly.
CONDITIONAL_LOGIT_AUTO_MAX = 2000
DEFAULT_Q = {"exact": "bh", "krw": "storey"}


@dataclass(frozen=True, eq=False)
class _Block:
    """Target-level arrays of one comparison (aligned by target)."""

    group: str
    tt: TargetTests
    kr: KrwEstimates
    mix: MixtureFit


def _mixture(layout: Layout, ref: int, grp: int, n_targets: int) -> MixtureFit:
    """Fit the two-type mixture on the informative tests of one comparison."""
    s = PairSample.of(layout, ref, grp)
    _, owner = np.unique(layout.test_target[s.tests], return_inverse=True)
    total, size = s.k_ref + s.k_grp, s.n_ref + s.n_grp
    inf = (total > 0) & (total < size)
    return fit_mixture(owner[inf], s.n_ref[inf], s.n_grp[inf], total[inf], s.k_ref[inf], n_targets)


def _blocks(layout: Layout, ref: int, others: list[int]) -> list[_Block]:
    """Exact tests, KRW estimates and mixture posteriors per comparison."""
    out = []
    for g in others:
        tt = target_tests(layout, ref, g)
        if len(tt.target):
            out.append(_Block(str(layout.groups[g]), tt, krw_estimates(layout, ref, g),
                              _mixture(layout, ref, g, len(tt.target))))
    return out


def _family_q(p: np.ndarray, method: str) -> tuple[np.ndarray, float, int]:
    """q-values over the finite p-values of the family; NaN elsewhere."""
    q = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    pi0 = 1.0
    if ok.any():
        q[ok], pi0 = qvalues(p[ok], method)
    return q, pi0, int(ok.sum())


def _target_results(blocks, layout, reference, fdr, method, q_method, use_mid_p):
    """Assemble TargetResult objects: primary method, both methods nested, evidence."""
    chosen = [(b.tt.mid_p_value if use_mid_p else b.tt.p_value) for b in blocks]
    exact_p = np.concatenate(chosen) if blocks else np.array([])
    if use_mid_p:
        exact_p = np.where(np.isnan(exact_p), 1.0, exact_p)
    krw_p = np.concatenate([b.kr.p_value for b in blocks]) if blocks else np.array([])
    eq, e_pi0, e_m = _family_q(exact_p, q_method if method == "exact" else DEFAULT_Q["exact"])
    kq, k_pi0, k_m = _family_q(krw_p, q_method if method == "krw" else DEFAULT_Q["krw"])
    ref_pos = np.concatenate([b.tt.reference_positives for b in blocks]) if blocks else np.array([])
    expected = np.concatenate([b.tt.expected for b in blocks]) if blocks else np.array([])
    gap = np.concatenate([b.kr.gap for b in blocks]) if blocks else np.array([])
    e_flag = (eq <= fdr) & (ref_pos > expected + 1e-9)
    k_flag = (kq <= fdr) & (gap > 0)
    flags = e_flag if method == "exact" else k_flag
    pi0, m = (e_pi0, e_m) if method == "exact" else (k_pi0, k_m)
    thr = evidence.flag_threshold(int(flags.sum()) - flags.astype(int), m, fdr, pi0)
    results, offset = [], 0
    for b in blocks:
        sl = slice(offset, offset + len(b.tt.target))
        results.extend(_block_results(b, layout, reference, fdr, method, m, exact_p[sl], eq[sl], e_flag[sl],
                                      kq[sl], k_flag[sl], thr[sl]))
        offset = sl.stop
    return tuple(results)


def _f(x) -> float | None:
    return float(x) if np.isfinite(x) else None


def _block_results(b, layout, reference, fdr, method, m, ep, eq, ef, kq, kf, thr):
    """TargetResult for every target of one comparison."""
    tt, kr = b.tt, b.kr
    cls = tt.classes
    if method == "exact":
        further = evidence.further_tests_sign(tt.tests, cls[:, 0], cls[:, 1], thr)
    else:
        further = evidence.further_tests_z(kr.jobs, kr.z, thr)
    out = []
    for i, code in enumerate(tt.target):
        exact = ExactTarget(float(tt.p_value[i]), _f(tt.mid_p_value[i]), _f(eq[i]), bool(ef[i]),
                            int(tt.informative[i]), int(tt.reference_positives[i]),
                            int(tt.group_positives[i]), float(tt.expected[i]))
        krw = KrwTarget(int(kr.jobs[i]), _f(kr.gap[i]), _f(kr.se[i]), _f(kr.z[i]), _f(kr.p_value[i]),
                        _f(kq[i]), bool(kf[i]), _f(kr.shrunk_gap[i]))
        if method == "exact":
            p, q, flagged = _f(ep[i]), exact.q_value, exact.flagged
            favoured = tt.reference_positives[i] > tt.expected[i] + 1e-9
            min_p = float(tt.min_p_value[i]) if tt.informative[i] else None
        else:
            p, q, flagged = krw.p_value, krw.q_value, krw.flagged
            favoured = bool(kr.gap[i] > 0)
            min_p = 0.0 if krw.se is not None else None
        # An unidentified mixture gives no posterior rather than an arbitrary one.
        posterior = _f(b.mix.posterior[i]) if b.mix.converged else None
        level = evidence.level(flagged=flagged, favoured=favoured, p=p, min_p=min_p, threshold=float(thr[i]))
        fur = None if flagged or further[i] < 0 else int(further[i])
        text = evidence.sentence(level, reference=reference, group=b.group, tests=int(tt.tests[i]),
                                 favoured_ref=int(cls[i, 0]), favoured_grp=int(cls[i, 1]), p=p, q=q, fdr=fdr,
                                 comparisons=m, posterior=posterior if tt.informative[i] else None, further=fur)
        out.append(TargetResult(
            target=str(layout.targets[code]), group=b.group, tests=int(tt.tests[i]),
            reference_favoured=int(cls[i, 0]), group_favoured=int(cls[i, 1]), equal_positive=int(cls[i, 2]),
            no_positive=int(cls[i, 3]), method=method, p_value=p, mid_p_value=exact.mid_p_value, q_value=q,
            flagged=flagged, gap=krw.gap, se=krw.se, shrunk_gap=krw.shrunk_gap, posterior_probability=posterior,
            evidence_level=level, evidence=text, further_tests_needed=fur, exact=exact, krw=krw,
        ))
    return out


def _clogit_choice(layout: Layout, ref: int, grp: int, requested: bool | None) -> tuple[bool, str]:
    """Fit the conditional logit? Auto mode skips it when it would dominate the run time."""
    if requested is not None:
        return requested, ""
    s = PairSample.of(layout, ref, grp)
    total, size = s.k_ref + s.k_grp, s.n_ref + s.n_grp
    informative = int(np.sum((total > 0) & (total < size)))
    if s.is_paired or informative <= CONDITIONAL_LOGIT_AUTO_MAX:
        return True, ""
    return False, (f"conditional logit for {layout.groups[grp]} skipped: {informative} informative tests "
                   f"(over {CONDITIONAL_LOGIT_AUTO_MAX}); pass conditional_logit=True to fit it (slow)")


def analyse_round(
    apps: Applications,
    reference: str,
    by: list[str] | tuple[str, ...] = (),
    fdr: float = 0.05,
    target_method: str = "exact",
    q_method: str | None = None,
    *,
    level: float = 0.95,
    conditional_logit: bool | None = None,
    use_mid_p: bool = False,
) -> RoundAnalysis:
    """Analyse one round: group rates, comparisons with the reference group, breakdowns, targets.

    target_method 'exact' (default) flags targets by the exact conditional test with
    Benjamini-Hochberg q-values; 'krw' by Kline-Rose-Walters z-tests with Storey
    q-values. q_method overrides the q-values of the chosen method ('bh' or 'storey').
    """
    if target_method not in DEFAULT_Q:
        raise ValueError(f"unknown target_method {target_method!r}: use 'exact' or 'krw'")
    if not 0 < fdr < 1:
        raise ValueError("fdr must lie between 0 and 1")
    q_method = q_method or DEFAULT_Q[target_method]
    layout = Layout.of(apps)
    ref = layout.group_code(reference)
    others = [g for g in range(len(layout.groups)) if g != ref]
    notes, comparisons = [], []
    for g in others:
        run, note = _clogit_choice(layout, ref, g, conditional_logit)
        notes += [note] if note else []
        comparisons.append(compare(apps, layout, ref, g, level=level, with_conditional_logit=run))
    blocks = _blocks(layout, ref, others)
    sd = {b.group: b.kr.between_sd for b in blocks}
    comparisons = [dataclasses.replace(c, between_target_sd=sd.get(c.group)) for c in comparisons]
    targets = _target_results(blocks, layout, reference, fdr, target_method, q_method, use_mid_p)
    return RoundAnalysis(
        reference_group=reference, applications=len(apps), tests=len(layout.tests),
        target_count=len(layout.targets), fdr_level=fdr, target_method=target_method, q_method=q_method,
        groups=group_rates(layout, level), comparisons=tuple(comparisons),
        breakdowns={name: breakdown(apps, layout, name, reference, level) for name in by},
        targets=targets, flagged_targets=sum(t.flagged for t in targets),
        between_target_sd=next(iter(sd.values())) if len(sd) == 1 else None,
        mixtures=tuple(Mixture(b.group, b.mix.share, b.mix.odds_ratio, len(b.tt.target), b.mix.converged)
                       for b in blocks),
        balance=balance_checks(apps), notes=tuple(notes),
    )
