"""Mutation testing of the statistics core and the security layers (`make mutation`).

Runs mutmut (one small change at a time: a flipped comparison, a swapped
operator, a changed constant, a removed guard, then the tests that cover
the changed function) on a copy of the project, one suite at a time, and
prints the kill rate per file. Mutants listed in tests/mutation/equivalent.txt
(each with the reason why no test can tell them apart from the original)
do not count. Exits 1 when a file is below the goal.

    .venv/bin/python scripts/mutation.py [--suite analysis|security] [--file analysis/fdr.py]
        [--goal 0.9] [--show] [--jobs N] [--workdir DIR] [--save FILE] [--resume FILE]

Not part of `make test` or CI: the whole run takes tens of minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.txt"


@dataclass(frozen=True)
class Suite:
    name: str
    files: tuple[str, ...]
    tests: tuple[str, ...]


SUITES = (
    Suite("analysis", tuple(sorted(str(p.relative_to(ROOT)) for p in (ROOT / "analysis").glob("*.py")
                                   if p.name != "__init__.py")), ("tests/analysis",)),
    Suite("security", ("praktijktest/rounds/materials.py", "praktijktest/evidence_store.py",
                       "praktijktest/permissions.py", "praktijktest/tabular.py", "praktijktest/security.py"),
          ("tests/foundation/test_security_layers.py", "tests/rounds/test_materials.py",
           "tests/rounds/test_template_sandbox.py", "tests/targets/test_listings.py", "tests/test_access_matrix.py",
           "tests/datasets/test_import_rules.py", "tests/targets/test_import.py", "tests/fieldwork/test_evidence.py",
           "tests/foundation/test_evidence_encryption.py", "tests/foundation/test_security.py",
           "tests/foundation/test_evidence_store_units.py", "tests/test_upload_limits.py",
           "tests/test_tabular_reading.py", "tests/rounds/test_materials_units.py",
           "tests/test_permissions_units.py")),
)
TIMEOUTS = {36, 24, -24, 152, 255}  # mutmut's CPU limit (SIGXCPU) or its wall-clock bound
KILLED = {1, 3, 37} | TIMEOUTS  # failing tests, pytest error, type check, timeouts


def equivalent_mutants() -> dict[str, str]:
    """mutant name -> why it is equivalent, from tests/mutation/equivalent.txt."""
    result = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                result[name] = reason.strip()
    return result


def copy_project(destination: Path) -> None:
    """Tracked files and the compiled catalogues, without the virtual environment."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    for compiled in (ROOT / "praktijktest" / "translations").glob("*/LC_MESSAGES/*.mo"):
        target = destination / compiled.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(compiled, target)
    venv = destination / ".venv"
    if not venv.is_symlink():
        venv.symlink_to(ROOT / ".venv")


def configure(workdir: Path, suite: Suite, files: tuple[str, ...]) -> None:
    sources = sorted({f.split("/")[0] + "/" for f in files})
    config = {
        "source_paths": sources,
        "only_mutate": list(files),
        "pytest_add_cli_args_test_selection": list(suite.tests),
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q"],
        "also_copy": ["tests", "praktijktest", "analysis", "migrations", "templates", "static", "pyproject.toml"],
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in config.items()]
    with open(workdir / "pyproject.toml", "a") as handle:
        handle.write("\n".join(lines) + "\n")


@dataclass(frozen=True)
class Options:
    show: bool = False
    jobs: int | None = None
    tests: tuple[str, ...] = ()
    keep: Path | None = None  # --workdir
    save: Path | None = None
    resume: Path | None = None


def run_suite(suite: Suite, files: tuple[str, ...], equivalent: dict[str, str], options: Options) -> list[tuple]:
    if options.tests:
        suite = Suite(suite.name, suite.files, options.tests)
    if options.keep is None:
        with tempfile.TemporaryDirectory(prefix=f"mutation-{suite.name}-") as temporary:
            return _run_in(Path(temporary), suite, files, equivalent, options)
    workdir = options.keep / suite.name
    workdir.mkdir(parents=True, exist_ok=True)
    return _run_in(workdir, suite, files, equivalent, options)


def load_verdicts(workdir: Path, files: tuple[str, ...], source: Path, equivalent: dict[str, str] | None = None) -> int:
    """Seed workdir with the verdicts saved by --save: killed ones stand, survivors run again,
    except the survivors listed as equivalent, which no test can kill (their verdict stands too).

    mutmut keeps a recorded verdict only while the function's source hash is unchanged, so
    a verdict on code changed since is dropped by mutmut itself. A kill stands because tests
    added since can only kill more; a survivor is tried again against today's tests. A file
    whose verdicts a kept workdir holds already is left as it is: those are as new or newer.
    """
    saved = json.loads(source.read_text())["files"]
    equivalent = equivalent or {}
    seeded = 0
    for name in files:
        if name not in saved:
            continue
        meta = workdir / "mutants" / f"{name}.meta"
        if meta.exists():
            continue  # a kept --workdir already holds this file's verdicts, seeded or newer
        codes = {k: (v if v in KILLED or (k in equivalent and v == 0) else None)
                 for k, v in saved[name]["exit_code_by_key"].items()}
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"exit_code_by_key": codes,
                                    "hash_by_function_name": saved[name]["hash_by_function_name"],
                                    "type_check_error_by_key": {}, "durations_by_key": {},
                                    "estimated_durations_by_key": {}}))
        seeded += sum(v in KILLED for v in codes.values())
    return seeded


def save_verdicts(workdir: Path, files: tuple[str, ...], target: Path) -> None:
    """Write the run's verdicts (exit code per mutant, source hash per function) to target."""
    saved = json.loads(target.read_text()) if target.exists() else {"files": {}}
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    for name in files:
        meta = workdir / "mutants" / f"{name}.meta"
        if meta.exists():
            data = json.loads(meta.read_text())
            saved["files"][name] = {"commit": commit, "exit_code_by_key": data["exit_code_by_key"],
                                    "hash_by_function_name": data["hash_by_function_name"]}
    target.write_text(json.dumps(saved, indent=0, sort_keys=True) + "\n")


def _run_in(workdir: Path, suite: Suite, files: tuple[str, ...], equivalent: dict[str, str],
            options: Options) -> list[tuple]:
    """One mutmut run in workdir. mutmut records each verdict as it goes and, run again in the same
    directory, keeps the verdicts of functions whose source is unchanged: a kept workdir resumes."""
    copy_project(workdir)
    configure(workdir, suite, files)
    if options.resume and options.resume.exists():
        seeded = load_verdicts(workdir, files, options.resume, equivalent)
        print(f"   {seeded} verdicts (kills) taken from {options.resume}", flush=True)
    jobs, show = options.jobs, options.show
    env = {"TEST_DATABASE_URL": "", "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin", "HOME": str(workdir)}
    print(f"== {suite.name}: mutmut on {len(files)} file(s), tests {' '.join(suite.tests)}", flush=True)
    command = [str(ROOT / ".venv" / "bin" / "mutmut"), "run"] + ([f"--max-children={jobs}"] if jobs else [])
    log = workdir / "mutmut.log"
    with log.open("w") as output:
        finished = subprocess.run(command, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT, check=False)
    if options.save:  # also when mutmut was stopped: the verdicts it recorded are real
        save_verdicts(workdir, files, options.save)
    if finished.returncode != 0:
        # mutmut stops before any mutant when the clean run of the tests fails (or cannot be timed):
        # say so, rather than print a table of mutants that were never run.
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise SystemExit(f"mutmut stopped with exit code {finished.returncode} in {workdir} ({log}):\n{tail}")
    rows = [summarise(workdir, name, equivalent) for name in files]
    if show:
        for *_, survivors, _rate in rows:
            for mutant in survivors:
                subprocess.run([str(ROOT / ".venv" / "bin" / "mutmut"), "show", mutant], cwd=workdir, env=env,
                               check=False)
    return rows


def summarise(workdir: Path, name: str, equivalent: dict[str, str]) -> tuple:
    meta_path = workdir / "mutants" / f"{name}.meta"
    codes = json.loads(meta_path.read_text())["exit_code_by_key"] if meta_path.exists() else {}
    counted = {k: v for k, v in codes.items() if k not in equivalent}
    killed = sum(1 for v in counted.values() if v in KILLED)
    timeouts = sum(1 for v in counted.values() if v in TIMEOUTS)
    # Anything else (not run, no tests, an exit code mutmut does not name, such as -9 when the
    # system killed the process) counts against the file until a run decides it.
    survivors = sorted(k for k, v in counted.items() if v not in KILLED)
    considered = killed + len(survivors)
    rate = killed / considered if considered else 1.0
    return name, len(codes), len(codes) - len(counted), killed, timeouts, survivors, rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=[s.name for s in SUITES], help="only this suite")
    parser.add_argument("--file", action="append", help="only these files (paths as in the suite)")
    parser.add_argument("--goal", type=float, default=0.9, help="kill rate every file must reach")
    parser.add_argument("--show", action="store_true", help="print the diff of every survivor")
    parser.add_argument("--jobs", type=int, help="mutants run at once (default: one per core)")
    parser.add_argument("--workdir", type=Path,
                        help="run here and keep the results; the same directory again resumes an interrupted run "
                             "(verdicts already recorded are kept, with the tests they were decided by)")
    parser.add_argument("--save", type=Path,
                        help="write every verdict of the run to this file (tests/mutation/verdicts.json)")
    parser.add_argument("--resume", type=Path,
                        help="start from the kills saved in this file: only survivors, mutants not yet run and "
                             "functions changed since are run")
    parser.add_argument("--tests", action="append", default=[],
                        help="only these test files instead of the suite's (quicker; a mutant killed by them is "
                             "killed, but a survivor may still be killed by the whole suite)")
    args = parser.parse_args(argv)
    equivalent = equivalent_mutants()
    rows = []
    for suite in SUITES:
        if args.suite and suite.name != args.suite:
            continue
        files = tuple(f for f in suite.files if not args.file or f in args.file)
        if files:
            rows += run_suite(suite, files, equivalent, Options(args.show, args.jobs, tuple(args.tests), args.workdir,
                                                                args.save, args.resume))
    print(f"\n{'file':45} {'mutants':>8} {'equiv.':>7} {'killed':>7} {'timeouts':>9} {'survived':>9} {'kill rate':>10}")
    for name, total, equivalents, killed, timeouts, survivors, rate in rows:
        print(f"{name:45} {total:8d} {equivalents:7d} {killed:7d} {timeouts:9d} {len(survivors):9d} {rate:9.1%}")
    print("(killed includes timeouts: a mutant whose tests ran past mutmut's time limit, as a loop that no\n"
          " longer ends; on a loaded machine a slow survivor can also time out, so a file with timeouts is\n"
          " worth a re-run on a quiet machine)")
    for name, *_, survivors, rate in rows:
        if survivors:
            print(f"\nsurvivors in {name} ({'below' if rate < args.goal else 'at or above'} the goal):")
            print("\n".join(f"  {s}" for s in survivors))
    if args.tests:
        print(f"\ntests limited to {' '.join(args.tests)}: survivors are candidates until the whole suite runs")
    below = [row[0] for row in rows if row[-1] < args.goal]
    if below:
        print(f"\nbelow {args.goal:.0%}: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
