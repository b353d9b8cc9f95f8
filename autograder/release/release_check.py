"""Before a zip ships: can it grade? The solutions must get every point, the stubs none.

``autograder build`` calls this module twice:

* :func:`ungraded_solution_functions` (static, before anything else): a public function of
  ``solutions/hw.py`` that the configuration gives no points would be handed to students
  as a stub to write for nothing.
* :func:`start` / :meth:`GradeCheck.result` (dynamic, on the staged tree the zip is made
  of): ``python -m autograder run`` grades ``solutions/hw.py`` and the stub
  ``student/hw.py`` with the engine, tests and configuration the zip carries, in two
  child processes started from the staged tree, exactly as the zip's otter plugin starts
  the engine on Gradescope. The build is refused unless both grades finish, the
  solutions get the maximum (the points of the graded functions) and the stubs 0.

Every refusal is a :class:`CheckFailed` whose message names the problem, quotes what
``autograder run`` says, and says how to fix it.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.config import AssignmentConfig, solution_functions
from autograder.grading.results import per_test_records
from autograder.release.gradescope.run_autograder import engine_args, engine_env

#: Failing (or passing) tests listed in a refusal; the rest are counted.
LISTED_TESTS = 8
#: Seconds a check grade may take beyond the configuration's own time budget.
EXTRA_SECONDS = 120.0
TOLERANCE = 1e-6


class CheckFailed(RuntimeError):
    """The zip would not grade as it must; the message says why and what to do."""


def ungraded_solution_functions(config: AssignmentConfig, solutions: Path) -> str | None:
    """Why ``solutions`` and ``config`` disagree on the graded functions (None if they agree).

    Points for a function the solutions lack are refused by the configuration itself
    (:func:`autograder.config.load_config`); this is the other direction.
    """
    defined = solution_functions(solutions) or set()
    missing = sorted(defined - set(config.functions))
    if not missing:
        return None
    names = ", ".join(f"{name}()" for name in missing)
    first = missing[0]
    source = config.source.name if config.source else "assignment.toml"
    return (
        f"solutions/hw.py defines {names}, which {source} gives no points: students would "
        f"get {'a stub' if len(missing) == 1 else 'stubs'} to write for nothing.\n"
        f"Fix: give {'it' if len(missing) == 1 else 'each'} points in a part of [[parts]] "
        f"({first} = N, the total staying 100) and tests marked "
        f'@pytest.mark.grades("{first}") if there are none yet; or, for a helper, '
        f"rename it with a leading underscore (_{first}: a helper, not graded)."
    )


# ---------------------------------------------------------------------------------------
# the dynamic check


@dataclass
class _Grade:
    label: str  # "solutions" or "stubs"
    submission: Path
    results_path: Path
    log_path: Path  # the child's stdout and stderr
    proc: subprocess.Popen[bytes]


@dataclass
class GradeCheck:
    """Two grades running in the background (see :func:`start`)."""

    config: AssignmentConfig
    functions: list[str] | None
    grades: list[_Grade]
    workdir: tempfile.TemporaryDirectory[str]
    timeout: float
    started: float = field(default_factory=time.monotonic)

    def result(self) -> str:
        """Wait for both grades; raise :class:`CheckFailed` unless they are as they must be.

        Returns a one-line account of the check (the two scores). The caller closes the
        check (:meth:`close`) whatever happens.
        """
        outcomes = [self._finish(grade) for grade in self.grades]
        problems = list(dict.fromkeys(p for p in (self._judge(g, r) for g, r in outcomes) if p))
        if problems:
            raise CheckFailed("\n\n".join(problems))
        scores = ", ".join(
            f"{grade.label} {float(results['score']):g} / {self._maximum():g}"
            for grade, results in outcomes
            if isinstance(results, dict)
        )
        return f"checked with the zip's engine: {scores}"

    def close(self) -> None:
        """Stop whatever still runs and remove the results folder."""
        for grade in self.grades:
            if grade.proc.poll() is None:
                grade.proc.kill()
                grade.proc.wait()
        self.workdir.cleanup()

    def _finish(self, grade: _Grade) -> tuple[_Grade, dict[str, Any] | str]:
        """``(grade, results dict)``, or ``(grade, why there is none)``."""
        left = max(0.0, self.started + self.timeout - time.monotonic())
        try:
            grade.proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            grade.proc.kill()
            grade.proc.wait()
            return grade, f"did not finish within {self.timeout:g} s"
        try:
            results = json.loads(grade.results_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log = grade.log_path.read_text(encoding="utf-8", errors="replace").strip()[-3000:]
            return grade, f"exited with status {grade.proc.returncode} and wrote no results:\n{log}"
        if not isinstance(results, dict) or not isinstance(results.get("tests"), list):
            return grade, "wrote results without a list of tests"
        return grade, results

    def _maximum(self) -> float:
        names = self.functions if self.functions is not None else self.config.functions
        return math.fsum(self.config.points(f) for f in names)

    def _judge(self, grade: _Grade, results: dict[str, Any] | str) -> str | None:
        """What is wrong with one grade (None: nothing). An engine failure is described
        without naming the submission: it is the same for both, and told once."""
        command = f"`autograder run {grade.submission.relative_to(grade.submission.parents[1])}`"
        if isinstance(results, str):
            return f"{command} with the built zip's engine {results}"
        error = results.get("extra_data", {}).get("engine_error")
        if error:
            quoted = f"autograder run: the grading engine failed: {error}"
            return (
                "The zip cannot grade any submission: with its engine and configuration, "
                "`autograder run` says:\n"
                + "\n".join("  " + line for line in quoted.splitlines())
                + "\n"
                + fix_for_engine_error(str(error), self.config)
            )
        tests = per_test_records(results)
        score = float(results.get("score", 0.0))
        possible = math.fsum(float(t.get("max_score", 0.0)) for t in tests)
        maximum = self._maximum()
        if abs(possible - maximum) > TOLERANCE:
            return (
                f"The zip grades {command} out of {possible:g} points, not the {maximum:g} "
                "points of the graded functions in the configuration.\n"
                "Fix: `autograder run` it and compare its tests with assignment.toml's points."
            )
        if grade.label == "solutions" and score < maximum - TOLERANCE:
            lost = [t for t in tests if float(t.get("score", 0)) < float(t.get("max_score", 0))]
            return (
                f"The solutions get {score:g} / {maximum:g} with the built zip ({command}): "
                f"every point must be reachable. {_listed(lost, 'lost points')}\n"
                "Fix: correct solutions/hw.py (then `autograder stubs`) or the tests above, "
                "until `autograder run solutions/hw.py` gives the maximum."
            )
        if grade.label == "stubs" and score > TOLERANCE:
            won = [t for t in tests if float(t.get("score", 0)) > 0]
            return (
                f"The stubs get {score:g} / {maximum:g} with the built zip ({command}): an "
                f"empty hw.py must get 0. {_listed(won, 'give points to the stubs')}\n"
                "Fix: make these tests fail unless the function returns right values "
                "(a stub raises NotImplementedError), until `autograder run student/hw.py` "
                "gives 0."
            )
        return None


def _listed(tests: list[dict[str, Any]], what: str) -> str:
    lines = [f"These tests {what}:"]
    for t in tests[:LISTED_TESTS]:
        first = (str(t.get("output", "")).strip().splitlines() or [""])[0][:160]
        tag, name = (t.get("tags") or ["?"])[0], str(t.get("name", "?"))
        label = name if name.startswith(f"{tag}: ") else f"{tag}: {name}"
        lines.append(f"  - {label}" + (f": {first}" if first else ""))
    if len(tests) > LISTED_TESTS:
        lines.append(f"  ... and {len(tests) - LISTED_TESTS} more")
    return "\n".join(lines)


_NO_TEST = re.compile(r"no test grades (\w+)\(\)")
_NO_POINTS = re.compile(r"grades '(\w+)', which assignment\.toml does not grade")
_NO_MARKER = re.compile(r"no @pytest\.mark\.grades")


def fix_for_engine_error(error: str, config: AssignmentConfig) -> str:
    """How to fix the misconfigurations that ``error`` (the engine's message) names."""
    source = config.source.name if config.source else "assignment.toml"
    fixes: list[str] = []
    for name in dict.fromkeys(_NO_TEST.findall(error)):
        fixes.append(
            f"Fix: write the tests of {name}() (public ones in student/tests/, hidden ones in "
            f'autograder/hidden_tests/), each marked @pytest.mark.grades("{name}"); or take '
            f"{name} out of [[parts]] points in {source} (the total staying 100) until they exist."
        )
    for name in dict.fromkeys(_NO_POINTS.findall(error)):
        fixes.append(
            f"Fix: give {name} points in {source} ({name} = N in a part of [[parts]], the total "
            f"staying 100), or remove the tests marked @pytest.mark.grades(\"{name}\") (or mark "
            "them with the function they really grade)."
        )
    if _NO_MARKER.search(error):
        fixes.append(
            'Fix: mark every grading test with the function it grades: @pytest.mark.grades("f").'
        )
    if not fixes:
        fixes.append(
            "Fix: the message above names the problem; `autograder run solutions/hw.py` shows "
            "it with pytest's log."
        )
    return "\n".join(fixes)


def start(
    stage: Path,
    config: AssignmentConfig,
    functions: list[str] | None = None,
    python: str | None = None,
) -> GradeCheck:
    """Start grading the staged solutions and stubs with the staged engine (in the background).

    ``stage`` is a folder holding the zip's ``autograder/``, ``solutions/`` and
    ``student/``; ``config`` is the configuration it carries (for the expected maximum).
    Call :meth:`GradeCheck.result` to wait for the verdict.
    """
    workdir = tempfile.TemporaryDirectory(prefix="autograder-check-")
    env = engine_env(stage)
    grades: list[_Grade] = []
    timeout = config.limits.time_budget + EXTRA_SECONDS
    check = GradeCheck(config, functions, grades, workdir, timeout)
    try:
        for label, rel in (("solutions", "solutions/hw.py"), ("stubs", "student/hw.py")):
            results_path = Path(workdir.name) / f"{label}.json"
            log_path = Path(workdir.name) / f"{label}.log"
            cmd = [python or sys.executable, "-m", "autograder", "run",
                   *engine_args(stage / rel, results_path, functions), "-q"]
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    cmd, cwd=stage, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
                )
            grades.append(_Grade(label, stage / rel, results_path, log_path, proc))
    except BaseException:
        check.close()
        raise
    return check
