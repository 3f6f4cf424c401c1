"""Dossier: one target with 20 tests and 40 evidence files, rendered as PDF/A-3 and sealed (goal <= 5 s).

A scratch SQLite database in a temporary folder, built by the migrations, gets
an imported round of 5 targets; the first has 20 paired tests, and each of its
40 responses gets one evidence file in the evidence store (20 e-mails of
4 KiB, 10 screenshots of 150 KiB, 10 recordings of 400 KiB, random bytes so
nothing compresses away: about 5.5 MB attached). Figures:
- the whole sealed dossier (context, HTML, evidence read and re-hashed,
  WeasyPrint, seal) beside WeasyPrint alone on the same final HTML with the
  same attachments and PDF variant; the parts in the note;
- `reports verify` of that dossier (seal and every attachment re-hashed),
  beside pypdf only reading the attachments.
"""
from __future__ import annotations

import csv
import io
import os
import random
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, best_time, scratch_app

TESTS, TARGETS = 20, 5
FILES = [("eml", "message/rfc822", 4 * 1024)] * 20 + [("png", "image/png", 150 * 1024)] * 10 + \
        [("audio", "audio/mpeg", 400 * 1024)] * 10


def _app(folder: Path):
    return scratch_app(folder, WTF_CSRF_ENABLED=False)


def _round_csv(path: Path) -> Path:
    rng = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["test_id", "target", "group", "outcome", "template"])
        for target in range(TARGETS):
            for i in range(TESTS if target == 0 else 4):
                ref = target == 0 or rng.random() < 0.5
                writer.writerow([f"t{target}-{i}", f"Werkgever {target}", "ref", "invitation" if ref else "rejection",
                                 "Brief A"])
                writer.writerow([f"t{target}-{i}", f"Werkgever {target}", "other",
                                 "rejection" if target == 0 else rng.choice(["invitation", "rejection"]), "Brief A"])
    return path


def _add_evidence(target) -> int:
    from praktijktest import evidence_store
    from praktijktest.extensions import db
    from praktijktest.fieldwork.models import EvidenceFile
    from praktijktest.followup.history import tests_of_target

    rng = random.Random(40)
    responses = [a.response for t in tests_of_target(target) for a in t.applications if a.response]
    assert len(responses) == len(FILES), len(responses)
    for number, (response, (kind, media_type, size)) in enumerate(zip(responses, FILES, strict=True)):
        data = rng.randbytes(size)
        stored = evidence_store.save_content_addressed(data, kind)
        db.session.add(EvidenceFile(response=response, sha256=stored.sha256, path=stored.path, size=stored.size,
                                    kind=kind, media_type=media_type, is_synthetic=True,
                                    original_name=f"bewijs-{number}.{kind}"))
    db.session.commit()
    return len(responses)


def _figures(app, round_, target, folder: Path) -> list[Figure]:
    from flask import current_app
    from flask_babel import force_locale

    from praktijktest.followup import dossier
    from praktijktest.followup.seal import seal_pdf
    from praktijktest.reports.pdf import render_pdf

    parts: dict[str, float] = {}

    def whole() -> bytes:
        start = time.perf_counter()
        with force_locale("nl_BE"):
            context = dossier.dossier_context(round_, target)
            attachments, _ = dossier._attachments(context["evidence"])
            html = current_app.jinja_env.get_template("reports/dossier.html").render(
                current_locale="nl_BE", missing=set(), **context)
        parts["context, HTML, evidence read"] = time.perf_counter() - start
        start = time.perf_counter()
        unsealed = dossier._render_pdf_a(html, attachments)
        parts["WeasyPrint"] = time.perf_counter() - start
        start = time.perf_counter()
        sealed = seal_pdf(unsealed)
        parts["seal"] = time.perf_counter() - start
        return sealed

    with app.test_request_context():
        whole()  # the development seal key is made on first use: not part of a dossier's cost
        with force_locale("nl_BE"):
            context = dossier.dossier_context(round_, target)
            html = current_app.jinja_env.get_template("reports/dossier.html").render(
                current_locale="nl_BE", missing=set(), **context)
        attachments = [dossier._attachments(context["evidence"])[0] for _ in range(4)]  # each is read once
        ours = baseline = float("inf")
        best_parts: dict[str, float] = {}
        for attempt in range(4):  # interleaved, so that a burst of load on the shared machine hits both
            ours_now = best_time(whole, repeat=1)
            if ours_now < ours:
                ours, best_parts = ours_now, dict(parts)
            baseline = min(baseline, best_time(lambda i=attempt: render_pdf(
                html, attachments=attachments[i], **dossier.DOSSIER_PDF_OPTIONS), repeat=1))
        parts = best_parts
        data = dossier.render_dossier(round_, target.code)
        path = folder / "dossier.pdf"
        path.write_bytes(data)
        problems = dossier.verify_dossier(data)
        assert not problems, problems
        verify = best_time(lambda: dossier.verify_dossier(path.read_bytes()), repeat=3)

        def read_attachments():
            from pypdf import PdfReader

            return dict(PdfReader(io.BytesIO(path.read_bytes())).attachments.items())

        reading = best_time(read_attachments, repeat=3)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    split = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
    return [
        Figure("sealed dossier, 20 tests, 40 files", ours, "WeasyPrint alone, same HTML and files", baseline,
               note=f"goal <= 5 s total; fastest run: {split}; {pages} pages, {len(data) / 1e6:.1f} MB"),
        Figure("reports verify of that dossier", verify, "pypdf reading the attachments", reading,
               note="seal (pyHanko validation) + text extraction + SHA-256 of every embedded file"),
    ]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-dossier-") as name:
        folder = Path(name)
        os.environ.setdefault("PRAKTIJKTEST_ENV", "development")
        app = _app(folder)
        app.instance_path = str(folder / "instance")  # the development seal key goes in the scratch folder
        with app.app_context():
            from sqlalchemy import select

            from praktijktest.datasets.importer import ImportRequest, check_file, import_plan
            from praktijktest.extensions import db
            from praktijktest.organisations.services import create_organisation
            from praktijktest.results.snapshots import run_analysis
            from praktijktest.targets.models import Target

            organisation = create_organisation("Bench")
            path = _round_csv(folder / "dossier-round.csv")
            request = ImportRequest(organisation, path.stem, "labour", "origin", "ref", filename=path.name)
            plan, _ = check_file(str(path), path.name, request)
            round_ = import_plan(plan, request)
            db.session.commit()
            target = db.session.scalar(select(Target).where(Target.organisation_id == organisation.id,
                                                            Target.name == "Werkgever 0"))
            _add_evidence(target)
            run_analysis(round_)
            db.session.commit()
            figures = _figures(app, round_, target, folder)
            db.engine.dispose()
        return figures
