"""analyse_round: every figure of a round, from application-level arrays to one frozen result."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from analysis import calibration, evidence, flags
from analysis.balance import balance_checks
from analysis.bayes import MixtureFit, fit_mixture
from analysis.breakdowns import breakdown
from analysis.comparison import PairSample, compare
from analysis.data import Applications, Layout
from analysis.krw import KrwEstimates, check_jobs, krw_estimates
from analysis.omnibus import cochran_q, holm
from analysis.rates import group_rates
from analysis.result import ExactTarget, KrwTarget, Mixture, RoundAnalysis, TargetResult
from analysis.targets import TargetTests, target_tests

# statsmodels' ConditionalLogit loops over tests in Python: about 1 s per 1,000
# informative tests. Above this many it is skipped unless asked for explicitly.
CONDITIONAL_LOGIT_AUTO_MAX = 2000
TARGET_METHODS = ("exact", "krw")


@dataclass(frozen=True, eq=False)
class _Block:
    """Target-level arrays of one comparison (aligned by target)."""

    group: str
    tt: TargetTests
    kr: KrwEstimates
    mix: MixtureFit
    paired: bool
    mix_check: dict


def _mixture(layout: Layout, ref: int, grp: int, n_targets: int) -> tuple[MixtureFit, dict]:
    """Fit the two-type mixture on the informative tests of one comparison, and check it (calibration)."""
    s = PairSample.of(layout, ref, grp)
    _, owner = np.unique(layout.test_target[s.tests], return_inverse=True)
    total, size = s.k_ref + s.k_grp, s.n_ref + s.n_grp
    inf = (total > 0) & (total < size)
    args = (owner[inf], s.n_ref[inf], s.n_grp[inf], total[inf])
    fit = fit_mixture(*args, s.k_ref[inf], n_targets)
    return fit, calibration.check(fit, *args, n_targets)


def _blocks(layout: Layout, ref: int, others: list[int]) -> list[_Block]:
    """Exact tests, KRW estimates and mixture posteriors per comparison."""
    out = []
    for g in others:
        tt = target_tests(layout, ref, g)
        if len(tt.target):
            mix, mix_check = _mixture(layout, ref, g, len(tt.target))
            out.append(_Block(str(layout.groups[g]), tt, krw_estimates(layout, ref, g), mix,
                              PairSample.of(layout, ref, g).is_paired, mix_check))
    return out


def _cat(blocks, get) -> np.ndarray:
    return np.concatenate([get(b) for b in blocks]) if blocks else np.array([])


def _family(blocks, fdr, method, q_method) -> flags.Family:
    """One family over every target and group: p-values of the method, q-values, flags."""
    p, source, min_p = flags.primary_p(method, _cat(blocks, lambda b: b.tt.p_value),
                                       _cat(blocks, lambda b: b.tt.min_p_value), _cat(blocks, lambda b: b.kr.p_value),
                                       _cat(blocks, lambda b: b.tt.informative))
    if method == "exact":
        favoured = _cat(blocks, lambda b: b.tt.reference_positives) > _cat(blocks, lambda b: b.tt.expected) + 1e-9
    else:
        favoured = _cat(blocks, lambda b: b.kr.gap) > 0
    return flags.decide(p, source, min_p, favoured, _cat(blocks, lambda b: b.tt.informative), fdr, q_method)


def _target_results(blocks, layout, reference, fdr, method, fam: flags.Family, awareness_only: bool):
    """Assemble TargetResult objects: primary method, both methods nested, evidence."""
    results, offset = [], 0
    for b in blocks:
        sl = slice(offset, offset + len(b.tt.target))
        results.extend(_block_results(b, layout, reference, fdr, method, fam, sl, awareness_only))
        offset = sl.stop
    return tuple(results)


def _f(x) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _posteriors(b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior and its band per target, NaN unless the mixture passed its checks."""
    n = len(b.tt.target)
    if not b.mix_check["passed"]:
        return np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    lo, hi = calibration.posterior_range(b.mix, tuple(b.mix_check["share_interval"]))
    return b.mix.posterior, lo, hi


def _further(b, method, fam: flags.Family, sl) -> np.ndarray:
    """Further tests needed per target; the exact count where the KRW z-test fell back to exact."""
    cls = b.tt.classes
    sign = evidence.further_tests_sign(b.tt.tests, cls[:, 0], cls[:, 1], fam.threshold[sl])
    if method == "exact":
        return sign
    return np.where(fam.p_source[sl] == "z", evidence.further_tests_z(b.kr.jobs, b.kr.z, fam.threshold[sl]), sign)


def _block_results(b, layout, reference, fdr, method, fam: flags.Family, sl, awareness_only):
    """TargetResult for every target of one comparison."""
    tt, kr = b.tt, b.kr
    cls = tt.classes
    further = _further(b, method, fam, sl)
    p, q, fl, thr, min_p = fam.p[sl], fam.q[sl], fam.flagged[sl], fam.threshold[sl], fam.min_p[sl]
    source, fw = fam.p_source[sl], fam.fw_flagged[sl]
    paired = b.paired
    post, post_lo, post_hi = _posteriors(b)
    out = []
    for i, code in enumerate(tt.target):
        e_flag = bool(fl[i]) if method == "exact" else False
        k_flag = bool(fl[i]) if method == "krw" else False
        exact = ExactTarget(float(tt.p_value[i]), _f(tt.mid_p_value[i]), _f(q[i]) if method == "exact" else None,
                            e_flag, int(tt.informative[i]), int(tt.reference_positives[i]),
                            int(tt.group_positives[i]), float(tt.expected[i]),
                            _f(tt.min_p_value[i]) if tt.informative[i] else None)
        krw = KrwTarget(int(kr.jobs[i]), _f(kr.gap[i]), _f(kr.se[i]), _f(kr.z[i]), _f(kr.p_value[i]),
                        _f(q[i]) if method == "krw" else None, k_flag, _f(kr.shrunk_gap[i]), str(source[i]))
        lvl = evidence.level(flagged=bool(fl[i]), favoured=bool(fam.favoured[i + sl.start]),
                             informative=int(tt.informative[i]), p=_f(p[i]), min_p=_f(min_p[i]),
                             threshold=float(thr[i]))
        fur = None if fl[i] or further[i] < 0 or lvl in ("no_indication", "no_informative_test") else int(further[i])
        facts = {
            "reference": reference, "group": b.group, "tests": int(tt.tests[i]),
            "informative_tests": int(tt.informative[i]), "reference_favoured": int(cls[i, 0]),
            "group_favoured": int(cls[i, 1]), "p": _f(p[i]), "q": _f(q[i]), "fdr": fdr,
            "comparisons": fam.size, "min_p": _f(min_p[i]), "flag_threshold": float(thr[i]), "further": fur,
            "familywise_flagged": bool(fw[i]), "familywise_threshold": fam.fw_threshold,
            "method": method, "p_source": str(source[i]), "paired": paired, "awareness_only": awareness_only,
        }
        out.append(TargetResult(
            target=str(layout.targets[code]), group=b.group, tests=int(tt.tests[i]),
            reference_favoured=int(cls[i, 0]), group_favoured=int(cls[i, 1]), equal_positive=int(cls[i, 2]),
            no_positive=int(cls[i, 3]), method=method, p_value=_f(p[i]), mid_p_value=exact.mid_p_value,
            q_value=_f(q[i]), flagged=bool(fl[i]), gap=krw.gap, se=krw.se, shrunk_gap=krw.shrunk_gap,
            # Shown only where the round's own fit passes the checks, never for a target
            # without an informative test; in no sentence and no flag (docs/statistics.md).
            posterior_probability=_f(post[i]) if tt.informative[i] else None,
            posterior_interval=(_f(post_lo[i]), _f(post_hi[i])) if tt.informative[i] and b.mix_check["passed"]
            else None, evidence_level=lvl, evidence=evidence.sentence(lvl, facts),
            further_tests_needed=fur, exact=exact, krw=krw, informative_tests=int(tt.informative[i]),
            p_source=str(source[i]), min_p_value=_f(min_p[i]), flag_threshold=float(thr[i]),
            familywise_flagged=bool(fw[i]), familywise_threshold=fam.fw_threshold, evidence_facts=facts,
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
    q_method: str = "bh",
    *,
    level: float = 0.95,
    conditional_logit: bool | None = None,
    awareness_only: bool = False,
) -> RoundAnalysis:
    """Analyse one round: group rates, comparisons with the reference group, breakdowns, targets.

    target_method 'exact' (default) flags targets by the exact conditional test;
    'krw' by Kline-Rose-Walters z-tests (refused with too few tests per target; the
    exact test stands in where a target's z-test is undefined). q_method 'bh'
    (default) or 'storey' (explicit, at least STOREY_MIN_TARGETS comparisons).
    awareness_only: the round was locked as awareness-only; its sentences say so.
    """
    if target_method not in TARGET_METHODS:
        raise ValueError(f"unknown target_method {target_method!r}: use 'exact' or 'krw'")
    if not 0 < fdr < 1:
        raise ValueError("fdr must lie between 0 and 1")
    layout = Layout.of(apps)
    ref = layout.group_code(reference)
    others = [g for g in range(len(layout.groups)) if g != ref]
    if target_method == "krw":
        for g in others:
            check_jobs(layout, ref, g)
    notes, comparisons = [], []
    for g in others:
        run, note = _clogit_choice(layout, ref, g, conditional_logit)
        notes += [note] if note else []
        comparisons.append(compare(apps, layout, ref, g, level=level, with_conditional_logit=run))
    blocks = _blocks(layout, ref, others)
    sd = {b.group: b.kr.between_sd for b in blocks}
    comparisons = [dataclasses.replace(c, between_target_sd=sd.get(c.group)) for c in comparisons]
    if len(comparisons) > 1:
        adjusted = holm([c.sign_test_p for c in comparisons])
        comparisons = [dataclasses.replace(c, sign_test_p_holm=a) for c, a in zip(comparisons, adjusted, strict=True)]
    fam = _family(blocks, fdr, target_method, q_method)
    targets = _target_results(blocks, layout, reference, fdr, target_method, fam, awareness_only)
    keys = [f"{t.target} ({t.group})" for t in targets]
    sens = flags.sensitivity(fam, fdr, q_method, keys)
    notes += _target_notes(fam, target_method, sens)
    return RoundAnalysis(
        reference_group=reference, applications=len(apps), tests=len(layout.tests),
        target_count=len(layout.targets), fdr_level=fdr, target_method=target_method, q_method=q_method,
        groups=group_rates(layout, level), comparisons=tuple(comparisons),
        breakdowns={name: breakdown(apps, layout, name, reference, level) for name in by},
        targets=targets, flagged_targets=sum(t.flagged for t in targets),
        between_target_sd=next(iter(sd.values())) if len(sd) == 1 else None,
        mixtures=tuple(Mixture(b.group, b.mix.share, b.mix.odds_ratio, len(b.tt.target), b.mix.converged,
                               b.mix_check) for b in blocks),
        balance=balance_checks(apps), notes=tuple(notes), pi0=fam.pi0,
        familywise={"method": "tarone", "level": fdr, "threshold": fam.fw_threshold, "tested": fam.fw_tested,
                    "flagged": int(fam.fw_flagged.sum())},
        sensitivity=sens, awareness_only=awareness_only, omnibus=cochran_q(layout),
    )


def _target_notes(fam: flags.Family, method: str, sens: dict) -> list[str]:
    """Notes on the exact fall-back of KRW and on how the flags move with the q-method."""
    notes = []
    fallback = int(np.sum(fam.p_source == "exact")) if method == "krw" else 0
    if fallback:
        notes.append(f"KRW z-test undefined (standard error 0 or a single test) for {fallback} target "
                     f"comparison(s): their exact one-sided p-value is used instead")
    alt = sens["q_method"]
    if alt.get("applicable"):
        notes.append(f"with q-method {alt['method']} {alt['flagged']} comparison(s) would be flagged "
                     f"(here {int(fam.flagged.sum())})")
    runs = sens["storey_lambda"]
    if runs:
        counts = sorted({r["flagged"] for r in runs})
        notes.append("Storey q-values with lambda 0.5, 0.6, 0.7 and either tie rule flag "
                     + (f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}") + " comparison(s)")
    return notes
