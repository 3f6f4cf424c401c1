"""A truncated sequential sign test per target on its discordant tests, with exact error rates.

In a paired test only the discordant tests (one application positive, the other
not) carry information about unequal treatment; under equal treatment each
favours the reference group with probability 1/2 (the exact McNemar / sign test).
The rule looks after every discordant test k = 1..N with b of them favouring
the reference:

- evidence: stop when the one-sided exact p = P(Bin(k, 1/2) >= b) is at or below
  the boundary c;
- futility: stop when no continuation up to N discordant tests can reach the
  boundary any more (deterministic curtailment: even if every further discordant
  test favoured the reference, no later p would reach c);
- maximum: after N discordant tests the rule stops in any case (futility if not
  evidence).

Because the rule looks N times, its type I error is larger than c; it is
computed exactly by enumerating the discordant paths (dynamic programming over
the not-yet-stopped paths, `operating_characteristics`), and `calibrate` picks
the largest nominal c whose exact type I error stays at or below the level asked
for. Sources: Wald (1947) Sequential Analysis, for the sequential probability
framework; Jennison & Turnbull (2000) Group Sequential Methods with Applications
to Clinical Trials, ch. 10 (exact calculations for binary responses) and ch. 12
(stochastic and deterministic curtailment). Avivi, Kline, Rose & Walters (2021,
"Adaptive correspondence experiments", AEA Papers and Proceedings 111:43-48)
report that adaptive stopping reaches the same detection with about half the
applications. Pure Python/numpy; integer arithmetic for the p-values so that
boundary comparisons are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from analysis.distributions import binom
from analysis.result import Serialisable

EVIDENCE, FUTILITY, CONTINUING = "evidence", "futility", "continuing"
MAX_DISCORDANT = 400


@lru_cache(maxsize=4096)
def _tail_counts(k: int) -> tuple[int, ...]:
    """tail[b] = number of the 2^k sign sequences with at least b reference-favouring tests (b = 0..k+1)."""
    tail = [0] * (k + 2)
    for b in range(k, -1, -1):
        tail[b] = tail[b + 1] + math.comb(k, b)
    return tuple(tail)


def one_sided_p(b: int, k: int) -> float:
    """Exact one-sided sign-test p: P(Bin(k, 1/2) >= b)."""
    if k == 0:
        return 1.0
    return _tail_counts(k)[max(0, min(b, k + 1))] / 2**k


def evidence_bounds(max_discordant: int, boundary: float) -> np.ndarray:
    """e[k] for k = 0..N: the fewest reference-favouring tests among k with p <= boundary (k + 1: none).

    p <= c is decided without rounding: tail count x den <= num x 2^k, with c = num / den exactly.
    The tail count falls as b grows, so a binary search over b finds e[k].
    """
    num, den = Fraction(boundary).as_integer_ratio()
    bounds = np.empty(max_discordant + 1, dtype=np.int64)
    bounds[0] = 1
    for k in range(1, max_discordant + 1):
        tail, scale = _tail_counts(k), num * 2**k
        lo, hi = 0, k + 1  # tail[k + 1] = 0 always reaches; find the smallest b that does
        while lo < hi:
            mid = (lo + hi) // 2
            if tail[mid] * den <= scale:
                hi = mid
            else:
                lo = mid + 1
        bounds[k] = lo if lo <= k else k + 1
    return bounds


def futility_bounds(evidence: np.ndarray) -> np.ndarray:
    """f[k]: the rule stops for futility at k with b < f[k], because no later k' <= N is reachable.

    From (k, b) the most favourable continuation reaches b + (k' - k) at k'; the
    evidence boundary is reachable iff b >= min over k' > k of (e[k'] - (k' - k)),
    taking only the k' where e[k'] <= k' (a boundary exists). At N nothing follows.
    """
    n = len(evidence) - 1
    out = np.empty(n + 1, dtype=np.int64)
    best = np.iinfo(np.int64).max  # min over k' > k of e[k'] - k', among reachable k'
    for k in range(n, -1, -1):
        out[k] = k + 2 if best == np.iinfo(np.int64).max else best + k
        if k >= 1 and evidence[k] <= k:
            best = min(best, int(evidence[k]) - k)
    return out


@dataclass(frozen=True)
class Rule(Serialisable):
    """A pre-registered rule: the nominal boundary, the maximum and the boundaries per k (index k)."""

    max_discordant: int
    boundary: float
    evidence: tuple[int, ...]  # e[k]: stop for evidence when b >= e[k]
    futility: tuple[int, ...]  # f[k]: stop for futility when b < f[k]

    @classmethod
    def make(cls, max_discordant: int, boundary: float) -> Rule:
        if not 1 <= max_discordant <= MAX_DISCORDANT:
            raise ValueError(f"need 1 <= max_discordant <= {MAX_DISCORDANT}")
        if not 0 < boundary < 1:
            raise ValueError("need 0 < boundary < 1")
        e = evidence_bounds(max_discordant, boundary)
        return cls(max_discordant, float(boundary), tuple(int(x) for x in e), tuple(int(x) for x in futility_bounds(e)))

    @property
    def can_stop_for_evidence(self) -> bool:
        return self.futility[0] <= 0

    def decide(self, k: int, b: int) -> str:
        """The decision at (k, b) for a path that has not stopped before."""
        if k >= 1 and b >= self.evidence[k]:
            return EVIDENCE
        if b < self.futility[k]:
            return FUTILITY
        return CONTINUING


@dataclass(frozen=True)
class PathDecision(Serialisable):
    """Where a path of discordant results stopped (or that it has not)."""

    decision: str
    at_discordant: int  # k at the stop (or the length of the path while continuing)
    reference: int  # reference-favouring tests among them
    p_value: float  # exact one-sided p at that point
    overrun: int  # discordant tests recorded after the stop (sent before it): reported, not used


def decide_path(rule: Rule, path: list[bool]) -> PathDecision:
    """Run the rule along a path (True: the test favoured the reference); the first stop decides."""
    b = 0
    for k, favours_reference in enumerate(path, start=1):
        b += bool(favours_reference)
        decision = rule.decide(k, b)
        if decision != CONTINUING:
            return PathDecision(decision, k, b, one_sided_p(b, k), len(path) - k)
    if rule.decide(0, 0) == FUTILITY:
        return PathDecision(FUTILITY, 0, 0, 1.0, len(path))
    return PathDecision(CONTINUING, len(path), b, one_sided_p(b, len(path)), 0)


@dataclass(frozen=True)
class Characteristics(Serialisable):
    """Exact stopping probabilities of a rule at one share of reference-favouring discordant tests."""

    share: float
    evidence_at: tuple[float, ...]  # P(stop for evidence at k), k = 0..N
    futility_at: tuple[float, ...]  # P(stop for futility at k)

    @property
    def p_evidence(self) -> float:
        return float(sum(self.evidence_at))

    @property
    def expected_discordant(self) -> float:
        return float(sum(k * (e + f) for k, (e, f) in enumerate(zip(self.evidence_at, self.futility_at, strict=True))))

    def p_evidence_within(self, tests: int, discordance: float) -> float:
        """P(stop for evidence within `tests` tests): the k-th discordant test comes by test n iff Bin(n, d) >= k."""
        k = np.arange(len(self.evidence_at))
        return float(np.asarray(self.evidence_at) @ binom.sf(k - 1, tests, discordance))


def operating_characteristics(rule: Rule, share: float) -> Characteristics:
    """Exact enumeration of the discordant paths: the not-yet-stopped mass over b, step by step."""
    n = rule.max_discordant
    evidence, futility = np.zeros(n + 1), np.zeros(n + 1)
    alive = np.zeros(n + 2)
    alive[0] = 1.0
    e, f = np.asarray(rule.evidence), np.asarray(rule.futility)
    b = np.arange(n + 2)
    if f[0] > 0:  # the boundary can never be reached: every path stops at once
        futility[0] = 1.0
        return Characteristics(share, tuple(evidence), tuple(futility))
    for k in range(1, n + 1):
        alive[1:] = alive[1:] * (1 - share) + alive[:-1] * share
        alive[0] *= 1 - share
        stop_e = (b >= e[k]) & (b <= k)
        stop_f = (b < f[k]) & ~stop_e & (b <= k)
        evidence[k], futility[k] = alive[stop_e].sum(), alive[stop_f].sum()
        alive[stop_e | stop_f] = 0.0
    return Characteristics(share, tuple(float(x) for x in evidence), tuple(float(x) for x in futility))


def type_i_error(rule: Rule) -> float:
    return operating_characteristics(rule, 0.5).p_evidence


def _attainable_p_values(max_discordant: int) -> list[float]:
    return sorted({one_sided_p(b, k) for k in range(1, max_discordant + 1) for b in range(0, k + 1)})


@lru_cache(maxsize=512)  # a pure function of its arguments; Rule is frozen, so safe to share
def calibrate(max_discordant: int, alpha: float) -> Rule:
    """The rule with the largest attainable nominal boundary whose exact type I error is <= alpha.

    The type I error does not decrease when the boundary grows (each e[k] can
    only fall), so a binary search over the attainable p-values finds it.
    """
    candidates = [p for p in _attainable_p_values(max_discordant) if p <= alpha]
    if not candidates:
        return Rule.make(max_discordant, min(alpha, 0.5**max_discordant / 2))
    lo, hi = 0, len(candidates) - 1
    if type_i_error(Rule.make(max_discordant, candidates[lo])) > alpha:
        return Rule.make(max_discordant, candidates[lo] / 2)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if type_i_error(Rule.make(max_discordant, candidates[mid])) <= alpha:
            lo = mid
        else:
            hi = mid - 1
    return Rule.make(max_discordant, candidates[lo])


@dataclass(frozen=True)
class Design(Serialisable):
    """A calibrated rule with its exact error rates, for the pre-registration."""

    max_discordant: int
    max_tests: int
    alpha: float  # the type I error the rule was calibrated to (per target)
    comparisons: int
    share: float  # the alternative: share of discordant tests favouring the reference
    discordance: float
    boundary: float
    type_i_error: float  # exact, per target, on the discordant paths (the cap on tests can only lower it)
    power_discordant: float  # exact, when up to N discordant tests can be observed
    power: float  # exact, within max_tests tests per target
    family_wise_bound: float  # comparisons x type I error (Bonferroni)
    expected_discordant_null: float
    expected_discordant_alternative: float
    evidence: tuple[int, ...]
    futility: tuple[int, ...]


def design(
    max_discordant: int, max_tests: int, alpha: float, comparisons: int, share: float, discordance: float
) -> Design:
    """Calibrate the rule at alpha per target and compute its exact error rates at the alternative."""
    rule = calibrate(max_discordant, alpha)
    null, alt = operating_characteristics(rule, 0.5), operating_characteristics(rule, share)
    return Design(
        max_discordant,
        max_tests,
        alpha,
        comparisons,
        share,
        discordance,
        rule.boundary,
        null.p_evidence,
        alt.p_evidence,
        alt.p_evidence_within(max_tests, discordance),
        comparisons * null.p_evidence,
        null.expected_discordant,
        alt.expected_discordant,
        rule.evidence,
        rule.futility,
    )


def _bracket_and_bisect(enough, start: int, limit: int) -> int | None:
    """The N found by doubling from `start` until `enough(N)` (at most `limit`), then bisecting between the last
    N that was not enough and the first that was: enough(N) holds and enough(N - 1) did not where it was tried.
    None when not even `limit` is enough."""
    lo, hi = 1, start
    while not enough(hi):
        if hi >= limit:
            return None
        lo, hi = hi + 1, min(limit, hi * 2)
    while lo < hi:
        mid = (lo + hi) // 2
        if enough(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


@lru_cache(maxsize=256)
def discordant_for_power(alpha: float, share: float, power: float, limit: int = MAX_DISCORDANT) -> int | None:
    """A small maximum N of discordant tests whose calibrated rule reaches `power` at `share`.

    Power grows with N only roughly (the boundaries are discrete), so the search
    brackets by doubling and then bisects; the exact power at the N found is what
    the pre-registration prints, whatever the search did.
    """

    def enough(n: int) -> bool:
        return operating_characteristics(calibrate(n, alpha), share).p_evidence >= power

    return _bracket_and_bisect(enough, max(1, math.ceil(math.log2(1 / alpha))), limit)


def tests_for_discordant(max_discordant: int, discordance: float, min_tests: int = 1) -> int:
    """The tests per target in which `max_discordant` informative tests are expected (at least `min_tests`)."""
    return max(min_tests, math.ceil(max_discordant / discordance - 1e-9))


def power_within_tests(max_discordant: int, alpha: float, share: float, discordance: float, tests: int) -> float:
    """Exact power of the rule calibrated for N = max_discordant at alpha, within `tests` tests per target."""
    return operating_characteristics(calibrate(max_discordant, alpha), share).p_evidence_within(tests, discordance)


@lru_cache(maxsize=256)
def maximum_for_power(
    alpha: float, share: float, discordance: float, power: float, min_tests: int = 1, limit: int = MAX_DISCORDANT
) -> tuple[int, int] | None:
    """(N, tests): the smallest maximum N of informative tests whose calibrated rule reaches `power` exactly
    within tests = max(min_tests, ceil(N / discordance)) tests per target; None if no N <= limit does.

    The rule looks at every informative test, so its boundary is stricter than a single test's, and
    capped at the fixed design's tests it has less power than that design (group sequential designs
    need a larger maximum, and save on the expected number: Jennison & Turnbull 2000, sec. 2.4 and
    4.2). Letting the maximum tests grow with N (the tests in which N informative ones are expected)
    restores the power. The power within the tests is not monotone in N step by step (discrete
    boundaries), so the search brackets by doubling and then bisects: the N returned reaches the
    power and N - 1 does not; the exact power at N is what the pre-registration prints.
    """

    def enough(n: int) -> bool:
        tests = tests_for_discordant(n, discordance, min_tests)
        return power_within_tests(n, alpha, share, discordance, tests) >= power

    found = _bracket_and_bisect(enough, max(1, math.ceil(math.log2(1 / alpha))), limit)
    return None if found is None else (found, tests_for_discordant(found, discordance, min_tests))


@dataclass(frozen=True)
class Simulation(Serialisable):
    """Tests per target used by the rule (capped at max_tests) against the fixed design, by seeded simulation."""

    runs: int
    seed: int
    fixed_tests: int
    expected_tests_null: float
    expected_tests_alternative: float
    evidence_null: float
    evidence_alternative: float


def simulate_tests(
    rule: Rule, max_tests: int, discordance: float, share: float, runs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(tests used, stopped for evidence) per simulated target: tests arrive one by one, each discordant with
    probability `discordance` and then favouring the reference with probability `share`."""
    discordant = rng.random((runs, max_tests)) < discordance
    favours = discordant & (rng.random((runs, max_tests)) < share)
    k = np.minimum(np.cumsum(discordant, axis=1), rule.max_discordant)
    b = np.cumsum(favours, axis=1)
    e, f = np.asarray(rule.evidence), np.asarray(rule.futility)
    within = np.cumsum(discordant, axis=1) <= rule.max_discordant
    hit_e = discordant & within & (b >= e[k]) & (k >= 1)
    hit_f = discordant & within & (b < f[k]) & ~hit_e
    stop = hit_e | hit_f
    if f[0] > 0:
        return np.zeros(runs, dtype=np.int64), np.zeros(runs, dtype=bool)
    first = np.where(stop.any(axis=1), stop.argmax(axis=1) + 1, max_tests)
    stopped_e = hit_e[np.arange(runs), first - 1] & stop.any(axis=1)
    return first, stopped_e


def simulate(
    rule: Rule,
    max_tests: int,
    fixed_tests: int,
    discordance: float,
    share: float,
    runs: int = 4000,
    seed: int = 20261202,
) -> Simulation:
    """Expected tests per target under equal treatment and under the planned pattern, seeded."""
    rng = np.random.default_rng(seed)
    null_tests, null_e = simulate_tests(rule, max_tests, discordance, 0.5, runs, rng)
    alt_tests, alt_e = simulate_tests(rule, max_tests, discordance, share, runs, rng)
    return Simulation(
        runs,
        seed,
        fixed_tests,
        float(null_tests.mean()),
        float(alt_tests.mean()),
        float(null_e.mean()),
        float(alt_e.mean()),
    )
