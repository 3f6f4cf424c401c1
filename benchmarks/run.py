"""Run every benchmarks/bench_*.py and print its figures (`make bench`)."""
from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

from benchmarks.harness import format_figures


def main(selected: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    failed = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        try:
            result = module.run()
        except Exception:  # one benchmark that cannot run (missing data) does not hide the others
            traceback.print_exc()
            failed.append(name)
            continue
        # A module may print its own table (the page benchmark's p95 beside a bare page).
        print(result if isinstance(result, str) else format_figures(result))
        print(flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
