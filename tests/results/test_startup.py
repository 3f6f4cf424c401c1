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
