"""The counterbalanced design of a schedule: which profile sends which template, in which order.

Pure Python (no database), so the balance can be proven by tests.

A test has k = groups x per_group application *slots*; slot s belongs to
group s // per_group. With T templates (T >= k) and, per group, P_g
profiles (P_g >= per_group), design row i (0-based) is:

- templates: a cyclic Latin rectangle, slot s uses template (s + a_i) mod T
  with a_i = i mod T. Within a test the k templates differ; over every T
  consecutive rows each slot uses each template once.
- send order: a cyclic Latin square, slot s goes in position (s + c_i) mod k.
  c_i = (i + i // L) mod k with L = lcm(T, k): by the Chinese remainder
  theorem the pairs (a_i, c_i) run through all T x k combinations once in
  every T x k rows (the extra i // L shifts the order by one after each of
  the gcd(T, k) blocks of L rows), while a_i and c_i each stay nearly
  balanced in every prefix.
- profiles: replicate r of group g uses profile (b_i + r) mod P_g with
  b_i = i // (T x k), so that each profile meets every (template, position)
  combination equally often.

Hence the design is exactly balanced (slot x template, slot x position,
template x position, profile x template, profile x position) whenever the
number of tests is a multiple of CYCLE = T x k x lcm(P_g). For any other
number of tests (rows are taken as a prefix of the sequence), two cells of
one row of the group x template or group x send order table differ by at
most `per_group` (so by at most 1 in a paired design), and of the profile x
template table by at most 1 (tests/schedule/test_design.py checks this for
every prefix of three cycles); balance.py reports the actual largest
difference. Randomisation relabels templates, profiles and
positions at random and assigns rows to listings at random
(Cochran & Cox, Experimental Designs, 1957, ch. 4: Latin squares, with
randomised rows, columns and treatment labels).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from math import lcm


class DesignError(ValueError):
    """The round's profiles and templates cannot make a balanced schedule."""


@dataclass(frozen=True)
class PlannedApplication:
    """One application of a design row: indexes into the round's groups, profiles, templates."""

    group: int
    profile: int  # index within the group's profiles
    template: int
    send_order: int  # 1 = sent first


@dataclass(frozen=True)
class Design:
    """A counterbalanced design for `groups` with `per_group` applications each per test."""

    profiles_per_group: tuple[int, ...]
    templates: int
    per_group: int = 1

    def __post_init__(self) -> None:
        if len(self.profiles_per_group) < 2:
            raise DesignError("A test compares at least two groups.")
        if self.per_group < 1:
            raise DesignError("Each group sends at least one application per test.")
        if self.templates < self.slots:
            raise DesignError(
                f"A test has {self.slots} applications, so the round needs at least {self.slots} templates "
                f"(it has {self.templates})."
            )
        short = [g for g, p in enumerate(self.profiles_per_group) if p < self.per_group]
        if short:
            raise DesignError(f"Each group needs at least {self.per_group} profile(s); group(s) {short} have fewer.")

    @property
    def slots(self) -> int:
        return len(self.profiles_per_group) * self.per_group

    @property
    def cycle(self) -> int:
        """Rows after which every balance is exact."""
        return self.templates * self.slots * lcm(*self.profiles_per_group)

    def row(self, i: int) -> list[PlannedApplication]:
        """Design row i, before randomisation, in slot order."""
        k, T = self.slots, self.templates
        block = lcm(T, k)
        a, c, b = i % T, (i + i // block) % k, i // (T * k)
        return [
            PlannedApplication(
                group=s // self.per_group,
                profile=(b + s % self.per_group) % self.profiles_per_group[s // self.per_group],
                template=(s + a) % T,
                send_order=(s + c) % k + 1,
            )
            for s in range(k)
        ]

    def randomised_rows(self, n: int, rng: random.Random) -> list[list[PlannedApplication]]:
        """n rows with templates, profiles and positions relabelled at random, in random row order."""
        templates = rng.sample(range(self.templates), self.templates)
        profiles = [rng.sample(range(p), p) for p in self.profiles_per_group]
        positions = rng.sample(range(1, self.slots + 1), self.slots)
        rows = [
            [
                PlannedApplication(
                    group=app.group,
                    profile=profiles[app.group][app.profile],
                    template=templates[app.template],
                    send_order=positions[app.send_order - 1],
                )
                for app in self.row(i)
            ]
            for i in range(n)
        ]
        rng.shuffle(rows)
        return rows
