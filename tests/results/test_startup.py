"""Start-up stays light: the app (and so every `flask --app wsgi ...` command) loads no heavy module it
does not need; each is imported where it is used."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "matplotlib", "statsmodels", "alembic", "flask_migrate", "pandas", "openpyxl")


def test_creating_the_app_loads_no_heavy_module(tmp_path):
    code = f"import sys, wsgi; heavy = {HEAVY!r}; print(','.join(m for m in heavy if m in sys.modules))"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}", SECRET_KEY="x",
               EVIDENCE_DIR=str(tmp_path / "evidence"))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


def test_db_commands_still_load_migrations(runner):
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0 and "upgrade" in result.output


def test_the_app_is_frozen_after_start_up_and_the_collector_runs_again(tmp_path):
    """wsgi.py pauses the garbage collector while the app is built and then freezes what start-up made.

    Start-up creates about 240,000 long-lived objects; without this, every full collection of a
    command walked them all again (0.4 s of the KRW analysis). The collector must be on again
    afterwards: a server process left with it off would never free a reference cycle.
    """
    code = ("import gc, wsgi\n"
            "frozen = gc.get_freeze_count()\n"
            "class Cycle: pass\n"
            "a = Cycle(); a.self = a; del a\n"
            "print(gc.isenabled(), frozen, gc.collect())")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}", SECRET_KEY="x",
               EVIDENCE_DIR=str(tmp_path / "evidence"))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    enabled, frozen, collected = result.stdout.split()
    assert enabled == "True"
    assert int(frozen) > 100_000
    assert int(collected) >= 1
