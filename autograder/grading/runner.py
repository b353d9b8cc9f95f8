"""Grade one submission: find hw.py, run the tests in-process with the grading plugin.

:func:`grade_submission` runs ``pytest.main`` in this (trusted) process over
``autograder/hidden_tests`` and ``student/tests`` with :class:`GradingPlugin`; the
submission itself only ever runs in the sandbox worker the plugin starts. The run is
isolated from the user's environment: our own config file and rootdir, no conftest
(``student/tests/conftest.py`` imports hw.py in-process, it must not run here), no cache,
no third-party plugins except Hypothesis', no ``PYTEST_ADDOPTS``. ``student/tests`` is put
on ``sys.path`` so the tests can ``import checks`` / ``import testfuncs``.

It always returns (and writes, when asked) a valid results.json dict: an engine failure
becomes :func:`autograder.grading.results.failure_results`.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.config import AssignmentConfig, load_config
from autograder.grading.results import failure_results, to_gradescope, write_results
from autograder.intake.submission import SubmissionNotFound, find_submission, graded_name

#: Environment variables that would let the user's setup change how pytest runs.
_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")


@dataclass
class GradeRun:
    """The outcome of one grading run: results.json dict and pytest's own log."""

    results: dict[str, Any]
    log: str
    engine_error: str | None = None


#: The pytest config file of a grading run (written to a temporary folder): pinning it
#: means no pytest.ini / pyproject.toml / setup.cfg of the user's is ever read.
GRADING_INI = "[pytest]\n# written by autograder.grading.runner for one grading run\n"


def pytest_args(test_dirs: Sequence[Path], inifile: Path) -> list[str]:
    """The pinned pytest command line of a grading run (without the plugin)."""
    return [
        "-q",
        "--rootdir",
        str(paths.ROOT),
        "-c",
        str(inifile),
        "--noconftest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "no:xdist",
        "-p",
        "no:unraisableexception",  # its gc.collect() calls cost ~1 s per grade
        "-p",
        "_hypothesis_pytestplugin",
        "--import-mode=importlib",
        "--assert=plain",  # no rewritten asserts: they would quote hidden test source
        "--tb=native",  # pytest's own long tracebacks cost seconds per failing test
        "--continue-on-collection-errors",
        "--capture=fd",
        "-o",
        "python_files=test_*.py",
        "-o",
        "python_classes=Test*",
        "-o",
        "python_functions=test_*",
        "-o",
        "console_output_style=classic",
        *[str(d) for d in test_dirs],
    ]


@contextlib.contextmanager
def _isolated(extra_path: Path) -> Iterator[None]:
    """sys.path gets ``extra_path`` first; pytest env variables are set aside; all restored."""
    saved_env = {k: os.environ.pop(k) for k in _PYTEST_ENV if k in os.environ}
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    saved_show = os.environ.get("AUTOGRADER_SHOW_EXPECTED")
    saved_path = list(sys.path)
    sys.path.insert(0, str(extra_path))
    # An enclosing pytest (the project's own tests) would rewrite our test modules' asserts.
    saved_meta = list(sys.meta_path)
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "AssertionRewritingHook"]
    try:
        yield
    finally:
        sys.meta_path[:] = saved_meta
        sys.path[:] = saved_path
        os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        os.environ.update(saved_env)
        if saved_show is None:
            os.environ.pop("AUTOGRADER_SHOW_EXPECTED", None)
        else:
            os.environ["AUTOGRADER_SHOW_EXPECTED"] = saved_show
        checks = sys.modules.get("checks")
        if checks is not None and hasattr(checks, "SHOW_EXPECTED"):
            checks.SHOW_EXPECTED = True


@contextlib.contextmanager
def fixed_hypothesis_constants() -> Iterator[None]:
    """Hypothesis draws its "interesting constants" from the built-in pool only.

    Hypothesis (6.13x and later) also mixes in the literals of every *local* module loaded
    in the process (``__main__``, the autograder package when installed editable, ...),
    so the examples a grade runs would depend on how and where the grader was started
    (``autograder run``, otter on Gradescope, a long-lived ``autograder grade`` process)
    and on which modules earlier grades happened to import. With the local pool pinned
    to empty, the same submission gets the same examples everywhere. Uses a private
    Hypothesis function (the version is pinned; tests/test_runner.py fails if it moves).
    """
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def run_grading(
    submission: str | Path,
    config: AssignmentConfig | None = None,
    functions: list[str] | None = None,
    *,
    test_dirs: Sequence[Path] | None = None,
    hidden_dir: Path = paths.HIDDEN_TESTS,
    proxy_factory: Callable[[Path, AssignmentConfig], Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> GradeRun:
    """Grade ``submission``; never raises for a problem of the submission or the engine.

    ``clock`` measures the time budget (the project's tests substitute a fake one).
    """
    import pytest
    from hypothesis.configuration import set_hypothesis_home_dir

    from autograder.grading.plugin import GradingPlugin

    start = time.monotonic()
    log = io.StringIO()
    try:
        cfg = config if config is not None else load_config()
        # public tests first: once hidden tests have run, no visible entry may follow (the
        # worker could carry hidden inputs into a visible test's output)
        dirs = [Path(d) for d in (test_dirs or (paths.STUDENT_TESTS, hidden_dir))]
        dirs = [d for d in dirs if d.is_dir()]
        if not dirs:
            raise RuntimeError("no test folder found (autograder/hidden_tests, student/tests)")
        with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
            graded: str | None = None
            try:
                hw: Path | None = find_submission(submission, extract_dir=Path(tmp) / "zip")
                graded = graded_name(submission, hw, Path(tmp) / "zip")
                problem = None
            except SubmissionNotFound as exc:
                hw, problem = None, str(exc)
            plugin = GradingPlugin(
                cfg,
                hw,
                submission_problem=problem,
                functions=functions,
                proxy_factory=proxy_factory,
                hidden_dir=hidden_dir,
                clock=clock,
            )
            with (
                _isolated(paths.STUDENT_TESTS),
                contextlib.redirect_stdout(log),
                contextlib.redirect_stderr(log),
            ):
                inifile = Path(tmp) / "pytest.ini"
                inifile.write_text(GRADING_INI, encoding="utf-8")
                # Hypothesis keeps caches (e.g. constants of local modules) in its home
                # dir, by default ./.hypothesis: keep them out of the grader's cwd
                set_hypothesis_home_dir(Path(tmp) / "hypothesis")
                try:
                    with fixed_hypothesis_constants():
                        code = pytest.main(pytest_args(dirs, inifile), plugins=[plugin])
                finally:
                    set_hypothesis_home_dir(None)
        if plugin.engine_errors:
            message = "The grading tests are misconfigured:\n" + "\n".join(plugin.engine_errors)
            return _engine_failed(message, start, log.getvalue())
        if int(code) in (2, 3, 4):  # interrupted, internal error, usage error
            what = {2: "was interrupted", 3: "hit an internal error", 4: "was misused"}
            message = f"pytest {what[int(code)]} while running the grading tests"
            return _engine_failed(message, start, log.getvalue())
        results = to_gradescope(plugin.result())
        if graded is not None:  # the one record of which file was graded (reports show it)
            results.setdefault("extra_data", {})["submission_file"] = graded
        return GradeRun(results, log.getvalue())
    except Exception as exc:  # the engine itself failed: still a valid results.json
        message = f"{type(exc).__name__}: {exc}"
        detail = traceback.format_exc()
        return _engine_failed(message, start, log.getvalue() + detail)


def _engine_failed(message: str, start: float, log: str) -> GradeRun:
    """The run of a grade the engine itself could not finish (a valid results.json still)."""
    results = failure_results(message, execution_time=time.monotonic() - start)
    return GradeRun(results, log, message)


def grade_submission(
    submission: str | Path,
    results_path: str | Path | None = None,
    config: AssignmentConfig | None = None,
    functions: list[str] | None = None,
) -> dict[str, Any]:
    """Grade ``submission`` (hw.py, a folder or a .zip); return the results.json dict.

    Writes it to ``results_path`` too when given (atomically). ``functions`` restricts
    grading to those functions' tests: the other tests are omitted from the results (not
    listed), so the maximum is the sum of those functions' points.
    """
    run = run_grading(submission, config, functions)
    if results_path is not None:
        write_results(results_path, run.results)
    return run.results
