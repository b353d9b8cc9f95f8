"""The otter-grader plugin that hands grading to our engine, for ``otter run``.

(On Gradescope the zip's ``run_autograder`` runs the engine directly, without otter's
runner: :mod:`autograder.release.gradescope.run_autograder`. This plugin is what otter's own
runner, ``otter run -a autograder.zip``, grades with.)

Otter 7 grades a Python submission by executing it in a Jupyter kernel and running otter
tests there. That would undo our trust model (student code in a process next to the
solutions and the results), and otter's Gradescope output cannot express per-test
visibility, status and tags. So otter keeps its role as the Gradescope harness (image
setup, ``run_autograder``, writing ``results.json``) and this plugin makes the engine do
all the grading:

``before_grading`` (otter has copied the support files into ``/autograder/submission``)
    Moves the student's files out of the submission folder into a private folder
    (``/autograder/engine_submission``), so nothing the student uploaded is left where
    otter's kernel starts (its working directory is first on the kernel's ``sys.path``:
    a submitted ``otter.py`` would otherwise be imported there). Then runs
    ``python -m autograder run <that folder> --results
    /autograder/grading/results/engine_results.json``
    in a subprocess, from the engine copy in ``/autograder/source``: the engine finds
    ``hw.py`` (top level, in a folder, in a zip, or the only ``.py`` under another name),
    runs it in its sandboxed worker and writes Gradescope's results. A copy is written to
    ``results.json`` at once, so the grades survive should otter fail later.
``before_execution``
    Replaces what otter would execute with an empty notebook: otter's kernel runs no
    student code at all (it runs only otter's own bookkeeping cells).
``after_grading``
    Replaces otter's (empty) results by the engine's: the results object is switched to
    :class:`EngineGradingResults`, whose ``to_gradescope_dict`` returns the engine's
    results unchanged. This is the one step otter has no documented hook for (plugins may
    edit scores but not the Gradescope dictionary); see ``docs/INSTRUCTOR.md``.
``generate_report``
    A short line for the instructor's log.

This module imports only the standard library, otter, nbformat and the engine's
:mod:`autograder.grading.results` (stdlib only): the engine runs in its own process.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults

from autograder.grading.results import entries, failure_results, per_test_records
from autograder.release.gradescope import (
    ENGINE_RESULTS_NAME,
    OTTER_TESTS_README,
    PLACEHOLDER_NOTEBOOK,
    PLUGIN_NAME,
)
from autograder.release.gradescope.run_autograder import engine_args, engine_env, engine_input

DEFAULT_TIMEOUT = 1800.0
"""Seconds the engine may take in all before the plugin gives up (Gradescope's own limit
is set on the assignment page; the engine's time budget in assignment.toml is smaller)."""

STAGING_DIRNAME = "engine_submission"
"""The folder, beside ``submission/``, that receives the student's files."""



class EngineGradingResults(GradingResults):
    """Otter's results object, carrying the engine's Gradescope results verbatim."""

    def engine_results(self) -> dict[str, Any]:
        """The engine's results dictionary (a copy)."""
        return copy.deepcopy(self.get_plugin_data(PLUGIN_NAME, {}))

    def to_gradescope_dict(self, ag_config: Any) -> dict[str, Any]:
        """Return the engine's results unchanged (otter's formatting is not applied)."""
        return self.engine_results()

    @property
    def total(self) -> float:
        """Points earned, as the engine computed them."""
        return float(self.engine_results().get("score", 0.0))

    @property
    def possible(self) -> float:
        """Points possible: the sum of the engine's ``max_score`` entries."""
        return float(sum(t.get("max_score", 0.0) for t in entries(self.engine_results())))


def error_results(message: str, details: str = "") -> dict[str, Any]:
    """Gradescope results for a run in which the engine could not grade the submission."""
    return failure_results(message, "engine", details=details)


def _is_otter_artifact(entry: Path, source_dir: Path) -> bool:
    """True for what otter itself put into the submission folder (never student files)."""
    if entry.name == PLACEHOLDER_NOTEBOOK and entry.is_file():
        return True
    if entry.name == "__init__.py" and entry.is_file() and entry.stat().st_size == 0:
        return True  # otter's PythonRunner creates an empty one
    if entry.name == "tests" and entry.is_dir() and not entry.is_symlink():
        ours = sorted(p.name for p in (source_dir / "tests").iterdir())
        return sorted(p.name for p in entry.iterdir()) == ours == [OTTER_TESTS_README]
    return False


def quarantine_submission(submission_dir: Path, staging_dir: Path, source_dir: Path) -> list[str]:
    """Move the student's files from ``submission_dir`` into a fresh ``staging_dir``.

    Otter's own files (the placeholder notebook, its empty ``__init__.py``, its copy of
    ``tests/``) stay. Returns the names moved.
    """
    if staging_dir.exists() or staging_dir.is_symlink():
        if staging_dir.is_dir() and not staging_dir.is_symlink():
            shutil.rmtree(staging_dir)
        else:
            staging_dir.unlink()
    staging_dir.mkdir(parents=True)
    moved = []
    for entry in sorted(submission_dir.iterdir()):
        if _is_otter_artifact(entry, source_dir):
            continue
        shutil.move(str(entry), str(staging_dir / entry.name))
        moved.append(entry.name)
    return moved


def purge_submission(submission_dir: Path, source_dir: Path) -> list[str]:
    """Delete whatever is in ``submission_dir`` besides otter's own files; return the names.

    Run after grading: whatever happened before (a failed move, a file planted during
    grading by code running without the jail), otter's kernel starts in a folder holding
    nothing from the student.
    """
    removed = []
    for entry in sorted(submission_dir.iterdir()):
        if _is_otter_artifact(entry, source_dir):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


def run_engine(
    source_dir: Path,
    submission: Path,
    results_path: Path,
    timeout: float = DEFAULT_TIMEOUT,
    functions: list[str] | None = None,
) -> dict[str, Any]:
    """Grade ``submission`` with ``autograder run`` from the engine in ``source_dir``.

    The engine runs in a child process whose import path starts with ``source_dir`` (the
    unpacked zip), so Gradescope and ``otter run`` grade with the engine that was built
    into the zip. ``functions`` restricts grading to those hw.py functions (``--functions``).
    Returns the results dictionary it wrote, or :func:`error_results` when there is none.
    """
    if results_path.exists():
        results_path.unlink()
    cmd = [
        sys.executable, "-m", "autograder", "run",
        *engine_args(submission, results_path, functions),
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=source_dir, env=engine_env(source_dir), capture_output=True, text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        return error_results(f"the grading engine did not finish within {timeout:g} s", str(exc))
    except OSError as exc:
        return error_results(f"the grading engine could not be started: {exc}")
    log = (proc.stdout or "") + (proc.stderr or "")
    print(log, end="" if log.endswith("\n") else "\n", flush=True)
    try:
        with open(results_path, encoding="utf-8") as fh:
            results = json.load(fh)
    except (OSError, ValueError) as exc:
        return error_results(
            f"the grading engine (exit code {proc.returncode}) wrote no readable results: {exc}",
            log,
        )
    if not isinstance(results, dict) or not isinstance(results.get("tests"), list):
        return error_results("the grading engine wrote results without a list of tests", log)
    # Exit code 1 means the engine failed but still explained it in results.json (as
    # `autograder run` does): those results are reported as they are.
    return results


def empty_notebook() -> nbformat.NotebookNode:
    """The notebook otter executes instead of the submission: no cells of ours at all."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


class EnginePlugin(AbstractOtterPlugin):
    """Otter plugin: our engine grades, otter reports (see the module docstring).

    Plugin configuration (``otter_config.json``), all optional: ``{"timeout": seconds,
    "functions": [names]}`` (grade only those hw.py functions: ``autograder build
    --functions``).
    """

    def __init__(self, submission_path: Any, submission_metadata: Any, plugin_config: Any):
        super().__init__(submission_path, submission_metadata, plugin_config or {})
        self.results: dict[str, Any] | None = None
        self.moved: list[str] = []

    def before_grading(self, config: Any) -> None:
        """Quarantine the student's files and grade them with the engine."""
        ag_dir = Path(config.autograder_dir).resolve()
        results_dir = ag_dir / "results"
        try:
            staging = ag_dir / STAGING_DIRNAME
            self.moved = quarantine_submission(ag_dir / "submission", staging, ag_dir / "source")
            timeout = float(self.plugin_config.get("timeout", DEFAULT_TIMEOUT))
            self.results = run_engine(
                ag_dir / "source",
                engine_input(staging),
                results_dir / ENGINE_RESULTS_NAME,
                timeout,
                self.plugin_config.get("functions") or None,
            )
        except Exception as exc:  # a grader bug must still give Gradescope a result
            self.results = error_results(f"the otter plugin failed: {exc!r}")
        results_dir.mkdir(parents=True, exist_ok=True)
        with open(results_dir / "results.json", "w", encoding="utf-8") as fh:
            json.dump(self.results, fh, indent=2)
        leftovers = purge_submission(ag_dir / "submission", ag_dir / "source")
        if leftovers:
            print(f"removed from the submission folder before otter's kernel: {leftovers}")

    def before_execution(self, submission: Any) -> nbformat.NotebookNode:
        """Give otter's kernel an empty notebook: it never executes the submission."""
        return empty_notebook()

    def after_grading(self, results: GradingResults) -> None:
        """Replace otter's results with the engine's."""
        if self.results is None:
            self.results = error_results("the otter plugin's before_grading event did not run")
        results.clear_results()
        results.set_plugin_data(PLUGIN_NAME, self.results)
        results.__class__ = EngineGradingResults

    def generate_report(self) -> str:
        """One line for the instructor's log on Gradescope."""
        if self.results is None:
            return "The grading engine did not run."
        tests = per_test_records(self.results)
        failed = sum(1 for t in tests if t.get("status") == "failed")
        possible = sum(t.get("max_score", 0.0) for t in entries(self.results))
        return (
            f"Graded by the autograder engine: {self.results.get('score', 0.0):g} / "
            f"{possible:g} points, {len(entries(self.results))} entries, {len(tests)} tests, "
            f"{failed} failed. "
            f"Files graded: {', '.join(self.moved) or '(none)'}."
        )
