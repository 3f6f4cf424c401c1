"""scripts/mutation.py's bookkeeping: what --save writes, what --resume seeds, how a file's rate is counted.

mutmut itself is not run here (a run takes tens of minutes); its verdict files (`mutants/<file>.meta`)
are written by hand in the shape mutmut 3 writes them.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation.py"


@pytest.fixture(scope="module")
def mutation():
    spec = importlib.util.spec_from_file_location("mutation_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def _meta(workdir: Path, name: str, codes: dict, hashes: dict | None = None) -> Path:
    path = workdir / "mutants" / f"{name}.meta"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": codes, "hash_by_function_name": hashes or {"f": "h1"}}))
    return path


def test_a_saved_run_seeds_kills_and_runs_survivors_again(mutation, tmp_path):
    run, fresh = tmp_path / "run", tmp_path / "fresh"
    _meta(run, "analysis/a.py", {"m_1": 1, "m_2": 0, "m_3": -24, "m_4": None, "m_5": -9})
    saved = tmp_path / "verdicts.json"
    mutation.save_verdicts(run, ("analysis/a.py", "analysis/not_run.py"), saved)
    assert set(json.loads(saved.read_text())["files"]) == {"analysis/a.py"}

    assert mutation.load_verdicts(fresh, ("analysis/a.py",), saved) == 2  # the failing test and the timeout
    seeded = json.loads((fresh / "mutants" / "analysis/a.py.meta").read_text())
    # a survivor (0), a mutant never run (None) and one the system killed (-9) are all run again
    assert seeded["exit_code_by_key"] == {"m_1": 1, "m_2": None, "m_3": -24, "m_4": None, "m_5": None}
    assert seeded["hash_by_function_name"] == {"f": "h1"}  # mutmut drops the verdicts of a changed function


def test_resuming_into_a_kept_workdir_keeps_its_newer_verdicts(mutation, tmp_path):
    saved = tmp_path / "verdicts.json"
    saved.write_text(json.dumps({"files": {"analysis/a.py": {"commit": "c", "exit_code_by_key": {"m_1": None},
                                                             "hash_by_function_name": {"f": "h1"}}}}))
    newer = _meta(tmp_path, "analysis/a.py", {"m_1": 1})
    assert mutation.load_verdicts(tmp_path, ("analysis/a.py",), saved) == 0
    assert json.loads(newer.read_text())["exit_code_by_key"] == {"m_1": 1}


def test_saving_adds_to_the_file_without_dropping_other_files(mutation, tmp_path):
    saved = tmp_path / "verdicts.json"
    _meta(tmp_path / "one", "analysis/a.py", {"m_1": 1})
    _meta(tmp_path / "two", "praktijktest/b.py", {"m_1": 0})
    mutation.save_verdicts(tmp_path / "one", ("analysis/a.py",), saved)
    mutation.save_verdicts(tmp_path / "two", ("praktijktest/b.py",), saved)
    files = json.loads(saved.read_text())["files"]
    assert files["analysis/a.py"]["exit_code_by_key"] == {"m_1": 1}
    assert files["praktijktest/b.py"]["exit_code_by_key"] == {"m_1": 0}


def test_the_rate_leaves_out_equivalents_and_counts_unknown_exits_against_the_file(mutation, tmp_path):
    _meta(tmp_path, "analysis/a.py", {"a.x__mutmut_1": 1, "a.x__mutmut_2": 0, "a.x__mutmut_3": 0,
                                      "a.x__mutmut_4": -24, "a.x__mutmut_5": -9, "a.x__mutmut_6": None})
    name, total, equivalents, killed, timeouts, survivors, rate = mutation.summarise(
        tmp_path, "analysis/a.py", {"a.x__mutmut_3": "reason"})
    assert (total, equivalents, killed, timeouts) == (6, 1, 2, 1)
    assert survivors == ["a.x__mutmut_2", "a.x__mutmut_5", "a.x__mutmut_6"]
    assert rate == pytest.approx(2 / 5)


def test_a_survivor_listed_as_equivalent_is_not_run_again(mutation, tmp_path):
    saved = tmp_path / "verdicts.json"
    saved.write_text(json.dumps({"files": {"analysis/a.py": {
        "commit": "c", "exit_code_by_key": {"a.x__mutmut_1": 0, "a.x__mutmut_2": 0, "a.x__mutmut_3": None},
        "hash_by_function_name": {"x": "h1"}}}}))
    equivalent = {"a.x__mutmut_1": "same result", "a.x__mutmut_3": "same result"}
    assert mutation.load_verdicts(tmp_path, ("analysis/a.py",), saved, equivalent) == 0
    seeded = json.loads((tmp_path / "mutants" / "analysis/a.py.meta").read_text())["exit_code_by_key"]
    # the equivalent survivor keeps its verdict; a real survivor and an equivalent never run are run
    assert seeded == {"a.x__mutmut_1": 0, "a.x__mutmut_2": None, "a.x__mutmut_3": None}
