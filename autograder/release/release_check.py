"""Before a zip ships: can it grade? The solutions must get every point, the stubs none.

``autograder build`` calls this module twice:

* static, before anything else: :func:`ungraded_solution_functions` (a public function of
  ``solutions/hw.py`` that the configuration gives no points would be handed to students
  as a stub to write for nothing), :func:`unprobed_functions` (a graded function without
  probe inputs in ``autograder/mistakes/probes.py``: the diagnosis and the handout's
  give-away check cannot call it) and :func:`undescribed_functions` (a graded function
  the assignment, ``student/README.md``, never describes).
* :func:`start` / :meth:`GradeCheck.result` (dynamic, on the staged tree the zip is made
  of): ``python -m autograder run`` grades ``solutions/hw.py`` and the stub
  ``student/hw.py`` with the engine, tests and configuration the zip carries, in two
  child processes started from the staged tree, exactly as the zip's otter plugin starts
  the engine on Gradescope. The build is refused unless both grades finish, the
  solutions get the maximum (the points of the graded functions), every graded function
  has a hidden test (public points count only beside one), and the stubs get 0.

Every refusal is a :class:`CheckFailed` (or, static, a message) that names the problem and
the file, quotes what ``autograder run`` says, and names the step of the recipe in
``docs/INSTRUCTOR.md`` ("Adding a graded function", :func:`recipe_step`) that fixes it.
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

from autograder import paths
from autograder.config import AssignmentConfig, solution_functions
from autograder.grading.results import per_test_records
from autograder.release.gradescope.run_autograder import engine_args, engine_env

#: Failing (or passing) tests listed in a refusal; the rest are counted.
LISTED_TESTS = 8
#: Seconds a check grade may take beyond the configuration's own time budget.
EXTRA_SECONDS = 120.0
TOLERANCE = 1e-6


#: The recipe in docs/INSTRUCTOR.md whose steps the refusals name, and the step of each
#: file (a project test checks that each step of the doc names its file).
RECIPE = 'docs/INSTRUCTOR.md, "Adding a graded function"'
RECIPE_STEPS = {
    "solutions/hw.py": 1,
    "autograder/assignment.toml": 2,
    "autograder/hidden_tests/": 3,
    "autograder/mistakes/probes.py": 4,
    "student/README.md": 5,
    "autograder stubs": 6,
}
PROBES_RELPATH = "autograder/mistakes/probes.py"
README_RELPATH = "student/README.md"


class CheckFailed(RuntimeError):
    """The zip would not grade as it must; the message says why and what to do."""


def recipe_step(what: str) -> str:
    """``(docs/INSTRUCTOR.md, "Adding a graded function", step N)`` for the file ``what``."""
    return f"({RECIPE}, step {RECIPE_STEPS[what]})"


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
        f"rename it with a leading underscore (_{first}: a helper, not graded) "
        f"{recipe_step('autograder/assignment.toml')}."
    )


def probe_names(probes_file: Path) -> set[str]:
    """The functions ``PROBES`` of ``probes_file`` has inputs for (the file is the
    instructor's, never a submission: it is imported)."""
    module = paths.load_module(probes_file, "_release_check_probes")
    probes = getattr(module, "PROBES", None)
    if not isinstance(probes, dict):
        raise ValueError(f"{PROBES_RELPATH} defines no PROBES dict")
    return {name for name, cases in probes.items() if cases}


def unprobed_functions(config: AssignmentConfig, probes_file: Path) -> str | None:
    """Why the graded functions lack probe inputs (None when each has some).

    The probes are what the diagnosis calls a submission on to confirm a hint, and what
    the project's tests call the handout's and a junk submission's functions on.
    """
    try:
        have = probe_names(probes_file)
    except Exception as exc:  # the instructor's file: any failure is reported as such
        return f"{PROBES_RELPATH} cannot be read: {type(exc).__name__}: {exc}"
    missing = [name for name in config.functions if name not in have]
    if not missing:
        return None
    first = missing[0]
    return (
        f"{', '.join(f'{n}()' for n in missing)} {'has' if len(missing) == 1 else 'have'} no "
        f"probe inputs in {PROBES_RELPATH}: the diagnosis cannot confirm a hint and the "
        "handout cannot be checked for a give-away without them.\n"
        f'Fix: add PROBES["{first}"] = [lambda: ((args...), {{kwargs}})], small inputs '
        f"that tell its mistakes apart {recipe_step(PROBES_RELPATH)}."
    )


def undescribed_functions(config: AssignmentConfig, readme: Path) -> str | None:
    """Why the assignment (``student/README.md``) does not describe every graded function
    (None when each appears as `` `name(`` outside its generated points table)."""
    from autograder.release.handout import BEGIN_POINTS, END_POINTS

    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        return f"{README_RELPATH} cannot be read: {exc}"
    begin, end = text.find(BEGIN_POINTS), text.find(END_POINTS)
    if 0 <= begin < end:
        text = text[:begin] + text[end:]
    missing = [name for name in config.functions if f"`{name}(" not in text]
    if not missing:
        return None
    first = missing[0]
    return (
        f"{README_RELPATH} does not describe {', '.join(f'{n}()' for n in missing)}: students "
        "would get points to earn for a function their assignment never explains.\n"
        f"Fix: add a row | `{first}(...)` | what it returns | to its part's table "
        f"{recipe_step(README_RELPATH)}."
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

    def _without_hidden_tests(self, results: dict[str, Any]) -> list[str]:
        """The graded functions that no hidden test of a grade's ``results`` grades."""
        hidden = set()
        for record in per_test_records(results):
            tags = record.get("tags") or [""]
            if (record.get("extra_data") or {}).get("source") == "hidden" or "hidden" in tags:
                hidden.add(str(tags[0]))
        names = self.functions if self.functions is not None else self.config.functions
        return [name for name in names if name not in hidden]

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
        unhidden = self._without_hidden_tests(results) if grade.label == "solutions" else []
        if unhidden:
            names = ", ".join(f"{n}()" for n in unhidden)
            return (
                f"The zip has no hidden test of {names}: its public points would count "
                "without a check on inputs the students have not seen.\n"
                f"Fix: write hidden tests of {unhidden[0]}() in autograder/hidden_tests/ "
                f'(an agreement test and an immutability case, each marked '
                f'@pytest.mark.grades("{unhidden[0]}")) '
                f"{recipe_step('autograder/hidden_tests/')}."
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
