"""A minimal benchmark harness: each figure is printed beside a baseline
measured in the same process and run, as a ratio.

Benchmarks are not tests: nothing here fails because the machine is busy.
A benchmark module is `benchmarks/bench_<name>.py` with a function
`run() -> list[Figure]`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure beside the baseline it is compared with."""

    name: str
    seconds: float
    baseline_name: str
    baseline_seconds: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.baseline_seconds / self.seconds if self.seconds else float("inf")


def best_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """Best wall-clock time of `repeat` calls: the least disturbed by other load."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def format_figures(figures: list[Figure]) -> str:
    """A plain-text table: figure, time, baseline, time, speed-up."""
    lines = [f"{'figure':44} {'seconds':>9}  {'baseline':36} {'seconds':>9} {'speed-up':>9}"]
    for f in figures:
        lines.append(
            f"{f.name:44} {f.seconds:9.4f}  {f.baseline_name:36} {f.baseline_seconds:9.4f} {f.ratio:8.1f}x"
        )
        if f.note:
            lines.append(f"    {f.note}")
    return "\n".join(lines)
