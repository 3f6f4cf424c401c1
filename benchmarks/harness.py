"""A minimal benchmark harness: each figure is printed beside a baseline
measured in the same process and run, as a ratio.

Benchmarks are not tests: nothing here fails because the machine is busy.
A benchmark module is `benchmarks/bench_<name>.py` with a function
`run() -> list[Figure]`.
"""
from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Password hashing at its cheapest: benchmarks log in many times and measure pages, not argon2.
FAST_PASSWORDS = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 64, "PASSWORD_HASH_PARALLELISM": 1}


def scratch_app(folder: Path, url: str | None = None, **config):
    """The app on a throw-away database, migrated: SQLite in `folder` unless `url`; evidence in `folder`."""
    from flask_migrate import upgrade

    from praktijktest import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "EVIDENCE_DIR": str(folder / "evidence"), **config})
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        upgrade()
    return app


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
