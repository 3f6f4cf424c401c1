"""Abandoned uploads are swept, and stored files are private (issue 12, item 7)."""
from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path

from praktijktest import evidence_store
from praktijktest.maintenance import sweep_uploads, upload_folders


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _abandoned(folder: Path, name: str, age: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"name;kind\nBakkerij Peeters;employer\n")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_sweep_removes_old_uploads_from_both_folders_and_keeps_fresh_ones(app, runner):
    target_folder, dataset_folder = upload_folders(app)
    old = [_abandoned(target_folder, "a.csv", 7200), _abandoned(dataset_folder, "b.xlsx", 7200)]
    fresh = _abandoned(dataset_folder, "c.csv", 60)
    result = runner.invoke(args=["maintenance", "sweep"])
    assert result.exit_code == 0, result.output
    assert "2 abandoned uploads" in result.output
    assert not any(path.exists() for path in old) and fresh.exists()
    fresh.unlink()


def test_the_sweep_runs_at_start_up(app, tmp_path):
    from tests.conftest import make_test_app

    evidence = tmp_path / "evidence"
    old = _abandoned(evidence / "pending-imports", "x.csv", 7200)
    make_test_app(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path, EVIDENCE_DIR=str(evidence),
                  DATASET_UPLOAD_DIR=str(tmp_path / "datasets"))
    assert not old.exists()


def test_sweep_counts_nothing_when_nothing_is_old(app):
    assert sweep_uploads(app, now=0) == 0


def test_stored_files_and_folders_are_private(app, db):
    with app.test_request_context():
        stored = evidence_store.save_bytes(b"identities", "csv", folder="pending-imports")
        path = evidence_store.resolve(stored.path)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    path.unlink()


def test_a_waiting_round_import_is_private(app, client, login_as, org):
    login_as("coordinator", org)
    folder = upload_folders(app)[1]
    before = set(folder.iterdir()) if folder.is_dir() else set()
    client.post("/datasets/import", data={
        "file": (io.BytesIO(b"test_id,target,group,outcome\nt1,A,belgian,invitation\nt1,A,other,rejection\n"),
                 "r.csv"), "title": "R", "market": "labour", "ground": "origin", "reference": "belgian",
        "positive": "invitation"}, content_type="multipart/form-data")
    waiting = list(set(folder.iterdir()) - before)
    assert waiting and all(_mode(p) == 0o600 for p in waiting) and _mode(folder) == 0o700
    for path in waiting:
        path.unlink()
