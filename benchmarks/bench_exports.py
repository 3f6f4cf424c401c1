"""Round exports of 100,000 applications: streamed (as the app does now) beside the old whole-in-memory way.

Peak memory is what matters (issue 16, item 2: each export added about
230 MiB to the worker, kept after). Each variant runs in a fresh Python
process on the same scratch SQLite database, with the app, the database
connection and openpyxl already loaded; a thread samples the process's
resident memory (/proc/self/statm) every 2 ms during the export, and the
figure is the highest sample minus the resident memory just before.
The old way is reproduced here as it was: every row fetched into a list,
then the whole file built in a buffer.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.harness import Figure

ROWS = 100_000
VARIANTS = ("streamed-csv", "memory-csv", "streamed-xlsx", "memory-xlsx")


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler(threading.Thread):
    """The highest resident memory seen while it runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mib()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss_mib())
            time.sleep(0.002)

    def stop(self) -> float:
        self.running = False
        self.join()
        return max(self.peak, _rss_mib())


def _in_memory(plan, fmt: str) -> int:
    """The export as it was before streaming: all rows in a list, the whole file in a buffer."""
    import csv

    from praktijktest.datasets.exporter import _full_row, _query
    from praktijktest.extensions import db
    from praktijktest.spreadsheet import csv_row, xlsx_row

    records = db.session.execute(_query(plan.round_id, plan.with_identities)).all()
    rows = [[row[i] for i in plan.keep] for row in
            (_full_row(r, plan.attribute_names, plan.with_status) for r in records)]
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(csv_row(plan.header))
        writer.writerows(csv_row(row) for row in rows)
        return len(buffer.getvalue().encode("utf-8-sig"))
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("applications")
    sheet.append(xlsx_row(sheet, plan.header))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return len(out.getvalue())


def _streamed(plan, fmt: str) -> int:
    """The export as the views send it: CSV chunks from the generator, XLSX from a temporary file."""
    from praktijktest.datasets.exporter import iter_csv, xlsx_tempfile

    if fmt == "csv":
        size = 3  # the byte-order mark the view sends first
        for chunk in iter_csv(plan):
            size += len(chunk)
        return size
    size = 0
    with xlsx_tempfile(plan) as handle:
        while chunk := handle.read(256 * 1024):
            size += len(chunk)
    return size


def child(variant: str, database: str, round_id: int) -> None:
    """One measurement in this (fresh) process; prints JSON."""
    import openpyxl  # noqa: F401  (loaded before the baseline, as in a warm worker)

    from praktijktest import create_app
    from praktijktest.datasets.exporter import plan_export
    from praktijktest.extensions import db
    from praktijktest.rounds.models import Round

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "bench"})
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        db.session.execute(db.select(db.func.count()).select_from(Round)).scalar()  # connection open
        before = _rss_mib()
        sampler = PeakSampler()
        sampler.start()
        start = time.perf_counter()
        plan = plan_export(round_)  # part of every export: the columns come first
        how, fmt = variant.split("-")
        size = (_streamed if how == "streamed" else _in_memory)(plan, fmt)
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "growth_mib": sampler.stop() - before, "bytes": size}))


def _measure(variant: str, database: Path, round_id: int) -> dict:
    output = subprocess.run([sys.executable, "-m", "benchmarks.bench_exports", variant, str(database), str(round_id)],
                            check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(output.stdout.strip().splitlines()[-1])


def _build(folder: Path) -> tuple[Path, int]:
    from benchmarks.bench_datasets import _app, _import, synthetic_file
    from praktijktest.extensions import db

    app = _app(folder)
    path = synthetic_file(folder / "synthetic.csv", ROWS)
    with app.app_context():
        round_id = _import(path, "Bench exports", "reference")
        db.engine.dispose()
    return folder / "bench.sqlite", round_id


def run() -> list[Figure]:
    """Peak memory growth and time of each export of a 100,000-application round."""
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as name:
        database, round_id = _build(Path(name))
        results = {variant: _measure(variant, database, round_id) for variant in VARIANTS}
    figures = []
    for fmt in ("csv", "xlsx"):
        streamed, memory = results[f"streamed-{fmt}"], results[f"memory-{fmt}"]
        figures.append(Figure(
            f"{fmt.upper()} export {ROWS:,} applications, streamed", streamed["seconds"],
            "the same, whole file in memory (old)", memory["seconds"],
            note=f"peak memory growth: streamed {streamed['growth_mib']:.1f} MiB, in memory "
                 f"{memory['growth_mib']:.1f} MiB; file {streamed['bytes'] / 2**20:.2f} MiB streamed, "
                 f"{memory['bytes'] / 2**20:.2f} MiB in memory"))
    return figures


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
