"""Start-up stays light: the app (and so every `flask --app wsgi ...` command) loads no heavy module it
does not need; each is imported where it is used."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from praktijktest import create_app
from praktijktest.cli import command_without_pages
from tests.conftest import validation_file

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


@pytest.mark.parametrize(("argv", "expected"), [
    (["/venv/bin/flask", "--app", "wsgi", "rounds", "analyse", "3"], True),
    (["/venv/lib/python3.11/site-packages/flask/__main__.py", "-A", "wsgi", "rounds", "analyse", "3"], True),
    (["/venv/bin/flask", "--app=wsgi", "--debug", "rounds", "analyse", "3", "--store"], True),
    (["/venv/bin/flask", "-e", "rounds", "--app", "wsgi", "users", "analyse"], False),  # -e takes a value
    (["/venv/bin/flask", "--app", "wsgi", "rounds", "import", "x.csv"], False),
    (["/venv/bin/flask", "--app", "wsgi", "run"], False),
    (["/venv/bin/flask", "--app", "wsgi", "routes"], False),
    (["/venv/bin/gunicorn", "wsgi:app", "rounds", "analyse"], False),
    (["/venv/bin/pytest", "rounds", "analyse"], False),
    ([], False),
])
def test_only_the_data_commands_build_the_app_without_pages(argv, expected):
    assert command_without_pages(argv) is expected


def _flask(args, env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout


def test_rounds_analyse_without_pages_prints_what_the_whole_app_prints(tmp_path):
    """The process of `rounds analyse` has no routes; its output is that of the whole app's command."""
    database = tmp_path / "x.sqlite"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="x",
               EVIDENCE_DIR=str(tmp_path / "evidence"))
    _flask(["db", "upgrade"], env)
    _flask(["orgs", "create", "Gent"], env)
    imported = _flask(["rounds", "import", str(validation_file("bertrand-mullainathan-2004.csv")), "--org", "Gent",
                       "--name", "BM", "--market", "labour", "--ground", "origin", "--reference", "white",
                       "--format", "json"], env)
    round_id = str(json.loads(imported)["round_id"])
    code = "import sys, wsgi; print(len(list(wsgi.app.url_map.iter_rules())))"
    argv_of_analyse = f"import sys; sys.argv = ['flask', 'rounds', 'analyse', {round_id!r}]; "
    routes = subprocess.run([sys.executable, "-c", argv_of_analyse + code], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True).stdout
    assert routes.strip() == "1"  # the static files' route only

    by_process = _flask(["rounds", "analyse", round_id, "--format", "json"], env)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "EVIDENCE_DIR": str(tmp_path / "evidence")})
    assert len(list(app.url_map.iter_rules())) > 100
    in_whole_app = app.test_cli_runner().invoke(args=["rounds", "analyse", round_id, "--format", "json"])
    assert in_whole_app.exit_code == 0, in_whole_app.output
    assert json.loads(by_process) == json.loads(in_whole_app.output)
    assert json.loads(by_process)["targets"]
