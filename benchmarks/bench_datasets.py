"""Data in and out: importing 100,000 applications, and `rounds analyse` on the Kline-Rose-Walters round.

Everything runs on a scratch SQLite database in a temporary folder, built
by the migrations. The import (read, validate every row, write round,
targets, tests, applications and responses) is set beside the least any
import can do: csv.reader plus one executemany of the same rows into a
single flat table, no checks. `rounds analyse` (query, arrays, statistics,
JSON) is set beside the statistics call alone on arrays already in memory.
"""
from __future__ import annotations

import csv
import random
import sqlite3
import tempfile
from pathlib import Path

from benchmarks.harness import Figure, best_time, scratch_app

ROWS = 100_000
KRW = Path(__file__).resolve().parents[1] / "tests" / "data" / "validation" / "kline-rose-walters-2022.csv"
HEADER = ["test_id", "target", "group", "outcome", "profile", "send_order", "sent_at", "municipality", "sector"]


def synthetic_file(path: Path, rows: int = ROWS) -> Path:
    """Deterministic: 4 applications per test (2 per group), 10 tests per target, fixed seed."""
    rng = random.Random(20261126)
    outcomes = ["invitation", "information_request", "rejection", "no_response"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            test = i // 4
            group = "reference" if i % 4 < 2 else "other"
            writer.writerow([f"test-{test}", f"Werkgever {test // 10}", group,
                             rng.choices(outcomes, weights=[2, 1, 3, 6])[0], f"{group}-{i % 2}", i % 4 + 1,
                             f"2024-{1 + test % 12:02d}-{1 + test % 28:02d}", f"Gemeente {test % 7}",
                             ["retail", "care", "logistics"][test % 3]])
    return path


def _app(folder: Path):
    return scratch_app(folder)


def _import(path: Path, organisation_name: str, reference: str) -> int:
    from praktijktest.datasets.importer import ImportRequest, check_file, import_plan
    from praktijktest.extensions import db
    from praktijktest.organisations.services import create_organisation

    organisation = create_organisation(organisation_name)
    request = ImportRequest(organisation, "Bench", "labour", "origin", reference, filename=path.name)
    plan, _ = check_file(str(path), path.name, request)
    round_id = import_plan(plan, request).id
    db.session.commit()
    return round_id


def _baseline_insert(path: Path, folder: Path) -> None:
    """csv.reader and one executemany into a flat scratch table: no validation, no relations."""
    connection = sqlite3.connect(folder / "baseline.sqlite")
    connection.execute("DROP TABLE IF EXISTS flat")
    columns = ", ".join(f'"{h}"' for h in HEADER)  # "group" is an SQL keyword
    typed = ", ".join(f'"{h}" TEXT' for h in HEADER)
    connection.execute(f"CREATE TABLE flat (id INTEGER PRIMARY KEY, {typed})")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        connection.executemany(f"INSERT INTO flat ({columns}) VALUES ({', '.join('?' * len(HEADER))})", reader)
    connection.commit()
    connection.close()


def _import_figure(app, folder: Path) -> Figure:
    path = synthetic_file(folder / "synthetic-100k.csv")
    counter = iter(range(1000))
    with app.app_context():
        ours = best_time(lambda: _import(path, f"Bench {next(counter)}", "reference"), repeat=3)
    baseline = best_time(lambda: _baseline_insert(path, folder), repeat=3)
    return Figure(f"import {ROWS:,} rows (rounds import, SQLite)", ours,
                  "csv.reader + executemany, flat table", baseline,
                  note=f"measured import of {ROWS:,} rows: {ours:.2f} s (goal: under 10 s); the baseline checks "
                       "nothing and writes one table")


def _analyse_figure(app) -> Figure | None:
    if not KRW.exists():
        return None
    from analysis import Applications, analyse_round

    with app.app_context():
        round_id = _import(KRW, "KRW", "white")
    runner = app.test_cli_runner()

    def cli() -> None:
        result = runner.invoke(args=["rounds", "analyse", str(round_id), "--format", "json", "--target-method", "krw"])
        assert result.exit_code == 0, result.output

    with KRW.open(newline="", encoding="utf-8") as handle:
        apps = Applications.from_records(list(csv.DictReader(handle)))
    ours = best_time(cli, repeat=3)
    baseline = best_time(lambda: analyse_round(apps, "white", target_method="krw"), repeat=3)
    return Figure("rounds analyse KRW --target-method krw (JSON)", ours, "analyse_round on arrays in memory",
                  baseline, note="the difference is the query, building the arrays and writing the JSON")


def run() -> list[Figure]:
    """Import and analyse timings on a scratch database in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as name:
        folder = Path(name)
        app = _app(folder)
        figures = [_import_figure(app, folder), _analyse_figure(app)]
        with app.app_context():
            from praktijktest.extensions import db

            db.engine.dispose()
        return [f for f in figures if f is not None]
