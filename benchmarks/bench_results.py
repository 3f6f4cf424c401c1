"""Results: snapshot of the KRW round in parts, results page p95, one chart, the round report, CLI start-up.

A scratch SQLite database in a temporary folder, built by the migrations,
gets the Kline-Rose-Walters round (83,643 applications) and a synthetic
round of 1,000 paired tests. Each figure is printed beside a baseline
measured in the same run:
- the results page (p95 of 30 requests as a viewer) beside a bare Flask page;
- a new snapshot beside the statistics engine alone on arrays in memory, its
  parts (query, arrays, analysis, storing) in the note;
- one chart (matplotlib SVG) beside rendering the results page's HTML;
- the round report of the 1,000-test round beside the WeasyPrint rendering of
  its final HTML inside the same call, with the share outside WeasyPrint, cold
  (every chart drawn, as `reports round` in a fresh process) and warm (charts
  kept from an earlier draw), and the page count;
- `flask --app wsgi rounds analyse` of the KRW round as a whole process beside
  `benchmarks/plain_exact.py` (pandas + scipy, the same per-target exact p-values).
"""
from __future__ import annotations

import csv
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import FAST_PASSWORDS, Figure, best_time, scratch_app

ROOT = Path(__file__).resolve().parents[1]
# The validation files travel with the tests; VALIDATION_DIR points elsewhere when wanted.
VALIDATION = Path(os.environ.get("VALIDATION_DIR") or ROOT / "tests" / "data" / "validation")
KRW = VALIDATION / "kline-rose-walters-2022.csv"


def _app(folder: Path):
    return scratch_app(folder, WTF_CSRF_ENABLED=False, **FAST_PASSWORDS)


def _thousand(path: Path) -> Path:
    rng = random.Random(1000)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["test_id", "target", "group", "outcome", "template"])
        for i in range(1000):
            for group, rate in (("ref", 0.35), ("other", 0.28)):
                writer.writerow([f"t{i}", f"Werkgever {i % 100}", group,
                                 "invitation" if rng.random() < rate else "rejection", f"Brief {'AB'[i % 2]}"])
    return path


def _import(path: Path, reference: str, organisation) -> int:
    from praktijktest.datasets.importer import ImportRequest, check_file, import_plan
    from praktijktest.extensions import db

    request = ImportRequest(organisation, path.stem, "labour", "origin", reference, filename=path.name)
    plan, _ = check_file(str(path), path.name, request)
    round_id = import_plan(plan, request).id
    db.session.commit()
    return round_id


def _snapshot_figure(round_) -> tuple[Figure, object]:
    from analysis import analyse_round
    from praktijktest.datasets.adapter import round_applications
    from praktijktest.extensions import db
    from praktijktest.results import snapshots
    from praktijktest.results.breakdowns import available_breakdowns

    parts = {}
    start = time.perf_counter()
    by = available_breakdowns(round_)
    rows = snapshots.input_rows(round_)
    parts["query and data hash"] = time.perf_counter() - start
    start = time.perf_counter()
    apps = round_applications(round_, by=by, pseudonymise=True)
    parts["arrays"] = time.perf_counter() - start
    start = time.perf_counter()
    result = analyse_round(apps, "white", by=by).to_dict()
    parts["analysis"] = time.perf_counter() - start
    start = time.perf_counter()
    snapshots._store(round_, None, {"by": by}, result, snapshots.input_sha256(rows))
    db.session.commit()
    parts["storing"] = time.perf_counter() - start
    total = best_time(lambda: (snapshots.run_analysis(round_), db.session.commit()), repeat=2)
    baseline = best_time(lambda: analyse_round(apps, "white", by=by), repeat=2)
    note = "parts: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
    return Figure("new snapshot of the KRW round (run_analysis)", total, "analyse_round on arrays in memory",
                  baseline, note=note), snapshots.latest_snapshot(round_)


def _p95(client, url: str, n: int = 30) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.quantiles(times, n=20)[-1]


def _page_figure(app, round_, snapshot, viewer_email: str) -> Figure:
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/", "index", lambda: "<!doctype html><title>ok</title><p>ok")
    client = app.test_client()
    client.post("/login", data={"email": viewer_email, "password": "Bench-password-42"})
    url = f"/rounds/{round_.id}/results/{snapshot.id}"
    ours = _p95(client, url)
    return Figure("results page, KRW round, p95 of 30", ours, "bare Flask page, p95 of 30",
                  _p95(bare.test_client(), "/"), note=f"goal: p95 <= 0.300 s; measured {ours:.3f} s")


def _chart_figure(app, round_, snapshot) -> Figure:
    from flask import render_template

    from praktijktest.results.context import results_context
    from praktijktest.results.figures import chart_by_key

    with app.test_request_context():
        chart = chart_by_key(snapshot.result, round_.market, "rates")
        ours = best_time(chart.svg, repeat=5)
        tests = chart_by_key(snapshot.result, round_.market, "tests-0")
        other = best_time(tests.svg, repeat=5)

        def page() -> None:
            render_template("results/show.html", form=None, languages_report=(), is_coordinator=False,
                            **results_context(round_, snapshot, []))

    with app.test_request_context():
        from flask_login import AnonymousUserMixin  # noqa: F401  (the page needs no user here)

        baseline = best_time(page, repeat=5)
    return Figure("one chart (rates, matplotlib SVG)", ours, "results page HTML without charts", baseline,
                  note=f"test-outcome chart: {other:.3f} s; {len(chart.svg()) // 1024} KiB of SVG")


REPORT_RUNS = 9


class _time_draws:
    """CPU seconds spent in the chart functions (bar_chart, grouped_chart) until `stop()`."""

    def __init__(self):
        from praktijktest.results import charts

        self._charts, self.seconds, self._originals = charts, 0.0, {}
        for name in ("bar_chart", "grouped_chart"):
            original = self._originals[name] = getattr(charts, name)

            def timed(*args, _original=original, **kwargs):
                start = time.process_time()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.seconds += time.process_time() - start

            setattr(charts, name, timed)

    def stop(self) -> float:
        for name, original in self._originals.items():
            setattr(self._charts, name, original)
        return self.seconds


def _report_parts(render) -> tuple[float, float, float, float]:
    """One report: (wall total, wall inside WeasyPrint, CPU total, CPU inside WeasyPrint).

    `render_pdf` (the HTML handed to WeasyPrint, out comes the PDF) is timed from inside
    the same call, so the share outside WeasyPrint is a split of one run, not the difference
    of two separately measured and separately disturbed runs.
    """
    from praktijktest.reports import pdf

    inside = []
    original = pdf.render_pdf

    def timed(html, **options):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(html, **options)
        finally:
            inside.append((time.perf_counter() - wall, time.process_time() - cpu))

    pdf.render_pdf = timed
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        render()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        pdf.render_pdf = original
    (inside_wall, inside_cpu), = inside
    return wall, inside_wall, cpu, inside_cpu


def _report_figure(app, thousand) -> list[Figure]:
    from praktijktest.reports.round_report import render_round_report
    from praktijktest.results import figures
    from praktijktest.results.snapshots import latest_snapshot, run_analysis

    with app.test_request_context():
        snap = latest_snapshot(thousand) or run_analysis(thousand)
        render_round_report(thousand, snap, None, "nl")  # templates compiled, fonts loaded

        drawn, drawing = [], []

        def cold() -> None:
            figures._cache.clear()  # every chart drawn again, as in a fresh process (`reports round`)
            draws = _time_draws()
            try:
                render_round_report(thousand, snap, None, "nl")
            finally:
                drawing.append(draws.stop())
            drawn.append(len(figures._cache))

        # Cold and warm interleaved, so that both meet the same load from other processes.
        runs = {"cold": [], "warm": []}
        for _ in range(REPORT_RUNS):
            runs["cold"].append(_report_parts(cold))
            runs["warm"].append(_report_parts(lambda: render_round_report(thousand, snap, None, "nl")))
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(render_round_report(thousand, snap, None, "nl"))).pages)
        n_charts = drawn[-1]
    out = []
    draw_cpu = statistics.median(drawing)
    for name, label in (("cold", f"every chart drawn ({n_charts}, {draw_cpu:.3f} s CPU in matplotlib, median)"),
                        ("warm", "charts drawn already")):
        parts = runs[name]
        wall, inside = statistics.median(p[0] for p in parts), statistics.median(p[1] for p in parts)
        shares = sorted((p[0] - p[1]) / p[0] for p in parts)
        cpu_shares = sorted((p[2] - p[3]) / p[2] for p in parts)
        out.append(Figure(f"round report, 1,000 tests, nl, {name}", wall, "WeasyPrint on its final HTML", inside,
                          note=f"{label}: outside WeasyPrint {statistics.median(shares):.1%} of the wall time "
                               f"(runs {shares[0]:.1%}-{shares[-1]:.1%}), {statistics.median(cpu_shares):.1%} of "
                               f"the CPU time (goal <= 15%); median of {REPORT_RUNS}; {pages} pages; load average "
                               f"{os.getloadavg()[0]:.1f}"))
    return out


def _timed(command, env) -> tuple[float, float]:
    """Wall seconds and user + system CPU seconds of one run of `command` as a whole process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


CLI_RUNS = 7


def _cli_figure(folder: Path, round_id: int) -> Figure:
    """`rounds analyse` and the pandas + scipy script, each as a whole process, runs interleaved.

    Interleaving gives both sides the same share of whatever else the machine is doing;
    the figure is the median of CLI_RUNS runs each (best in the note), wall time and CPU
    time (user + system: less disturbed by other processes on a shared machine). The
    floor is a process that only imports what `rounds analyse` cannot do without: Flask,
    Flask-SQLAlchemy, scipy.special (the engine's distributions, analysis/distributions.py)
    and scipy.optimize (the root finder of the paired intervals).
    """
    # Compiled bytecode, as an installed application has it: without it (PYTHONDONTWRITEBYTECODE)
    # every run compiles the app's ~200 modules, while the libraries of both sides come compiled.
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite'}", SECRET_KEY="bench",
               EVIDENCE_DIR=str(folder / "evidence"), PYTHONPYCACHEPREFIX=str(folder / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "rounds", "analyse", str(round_id), "--format", "json"]
    plain = [sys.executable, str(ROOT / "benchmarks" / "plain_exact.py"), str(KRW), "white"]
    floor = [sys.executable, "-c", "import flask, flask_sqlalchemy, scipy.special, scipy.optimize"]
    for command in (flask, plain, floor):  # fill the bytecode cache
        _timed(command, env)
    runs = {"ours": [], "plain": [], "floor": []}
    for _ in range(CLI_RUNS):
        for name, command in (("ours", flask), ("plain", plain), ("floor", floor)):
            runs[name].append(_timed(command, env))
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    best = {k: min(w for w, _ in v) for k, v in runs.items()}
    load = os.getloadavg()[0]
    return Figure(f"flask rounds analyse KRW (process, median of {CLI_RUNS})", wall["ours"],
                  "pandas + scipy script, same p-values", wall["plain"],
                  note=f"ratio ours/script: wall {wall['ours'] / wall['plain']:.2f} (best {best['ours']:.2f} s vs "
                       f"{best['plain']:.2f} s: {best['ours'] / best['plain']:.2f}), CPU {cpu['ours']:.2f} s vs "
                       f"{cpu['plain']:.2f} s: {cpu['ours'] / cpu['plain']:.2f} (goal <= 0.8); floor (import flask, "
                       f"flask_sqlalchemy, scipy.special, scipy.optimize only) CPU {cpu['floor']:.2f} s = "
                       f"{cpu['floor'] / cpu['plain']:.2f} x the script; load average {load:.1f} on "
                       f"{os.cpu_count()} CPUs")


def run() -> list[Figure]:
    """Results timings on a scratch database in a temporary folder (skipped without the KRW file)."""
    if not KRW.exists():
        print(f"   skipped: {KRW} is missing (set VALIDATION_DIR)")
        return []
    with tempfile.TemporaryDirectory(prefix="bench-results-") as name:
        folder = Path(name)
        app = _app(folder)
        with app.app_context():
            from praktijktest.accounts.services import create_user
            from praktijktest.extensions import db
            from praktijktest.organisations.services import create_organisation
            from praktijktest.rounds.models import Round

            organisation = create_organisation("Bench")
            create_user("viewer@bench.example", "Viewer", "viewer", organisation, "Bench-password-42")
            krw = db.session.get(Round, _import(KRW, "white", organisation))
            thousand = db.session.get(Round, _import(_thousand(folder / "thousand.csv"), "ref", organisation))
            snapshot_figure, snapshot = _snapshot_figure(krw)
            figures = [snapshot_figure, _page_figure(app, krw, snapshot, "viewer@bench.example"),
                       _chart_figure(app, krw, snapshot), *_report_figure(app, thousand)]
            krw_id = krw.id
            db.session.commit()
            db.engine.dispose()
        figures.append(_cli_figure(folder, krw_id))
        return figures
