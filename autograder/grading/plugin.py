"""The grading pytest plugin: it listens to pytest's hooks and builds the result model.

Like pytest's own junitxml plugin, :class:`GradingPlugin` listens to pytest's hooks and
builds a result model (:class:`autograder.grading.results.GradeResult`) of the session. It is
passed to ``pytest.main(..., plugins=[plugin])`` by :mod:`autograder.grading.runner` and

* provides the fixtures ``hw`` (the submission behind a sandbox ``SubmissionProxy``: one
  worker per grading session, every call guarded by :mod:`autograder.grading.call_guard`) and
  ``ref`` (``solutions/hw.py``, loaded in this trusted process under a fresh module name);
* registers the ``grades`` marker: ``@pytest.mark.grades("softmax", weight=1)``. A test
  without it, or naming a function the configuration does not grade, is an instructor
  error: the whole grade fails loudly (:attr:`GradingPlugin.engine_errors`); so does a
  grade whose input guard cannot run (``checks`` not importable);
* loads the deterministic Hypothesis profile (:mod:`autograder.grading.hypothesis_profile`);
* splits each function's points over its tests (:func:`autograder.grading.points.split_points`);
* turns every collected test into exactly one check record, whatever happens to it
  (passed, failed, error in setup, skipped, not run because the time budget was spent,
  or the submission could not be imported), with the visibility ``assignment.toml`` gives
  it; a check's name and message come from :mod:`autograder.grading.feedback` (never a
  trusted traceback or hidden test source);
* groups the checks into Gradescope entries, one per graded function and visibility
  (:mod:`autograder.grading.entries`); collection errors and an unusable hw.py become
  whole-submission entries.

Expected values in hidden tests' messages: before each test the plugin sets
``checks.SHOW_EXPECTED`` (module global of ``student/tests/checks.py``) and the
environment variable ``AUTOGRADER_SHOW_EXPECTED`` ("1"/"0"); it is False for hidden tests
when ``[visibility] show_expected_values = false``, True otherwise.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograder import paths
from autograder.config import AssignmentConfig
from autograder.grading import feedback, hypothesis_profile
from autograder.grading.call_guard import (
    Comparison,
    GuardedSubmission,
    InputGuardUnavailable,
    TimeBudget,
    input_comparison,
)
from autograder.grading.entries import function_entries, top_level_output
from autograder.grading.points import split_points
from autograder.grading.public_twins import PublicTwins
from autograder.grading.results import (
    FAILED,
    PASSED,
    SUBMISSION_TAG,
    GradeResult,
    TestResult,
)
from autograder.grading.sandboxed import start_sandboxed
from autograder.grading.time_limits import CallLimits
from autograder.intake.submission import unusable_reason
from autograder.mistakes.diagnosis import RECORDER
from autograder.mistakes.observed import OBSERVED

MARKER = "grades"
MARKER_HELP = (
    "grades(function, weight=1): the hw.py function this test grades; the function's "
    "points are split over its tests in proportion to their weights"
)
SHOW_EXPECTED_ENV = "AUTOGRADER_SHOW_EXPECTED"
BUDGET_MESSAGE = "not run: time budget exhausted"
IMPORT_PREFIX = "hw.py could not be imported: "

_ref_counter = itertools.count()


def load_reference(path: Path = paths.SOLUTIONS_HW) -> ModuleType:
    """``solutions/hw.py`` loaded by path under a fresh module name (never ``hw``)."""
    return paths.load_module(path, f"_autograder_reference_hw_{next(_ref_counter)}")


@dataclass
class _Item:
    """What the plugin knows about one collected test."""

    nodeid: str
    index: int
    name: str
    function: str
    weight: float
    hidden: bool
    max_score: float = 0.0
    phases: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    kind: str | None = None
    duration: float = 0.0
    not_run: str | None = None
    #: catalogued mistakes its failure message names (``extra_data["mistakes"]``)
    mistakes: list[str] = field(default_factory=list)
    #: the last failing comparison (``extra_data["observed"]``, never in the output)
    observed: dict[str, Any] | None = None


class _Reference:
    """The ``ref`` the tests see: the solutions module, with a repr that names no path
    (Hypothesis prints fixture arguments in falsifying examples)."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def __dir__(self) -> list[str]:
        return dir(self._module)

    def __repr__(self) -> str:
        return "<reference solution>"


class GradingPlugin:
    """A pytest plugin that grades one submission and builds its :class:`GradeResult`.

    ``submission`` is the hw.py to grade; when it is None, ``submission_problem`` says
    why (e.g. no hw.py in the zip): every test then fails with that message. ``functions``
    restricts grading to those functions' tests; the others are omitted from the result
    (deselected, not listed). ``proxy_factory(submission, config)`` starts the sandbox
    (tests substitute a fake).
    """

    def __init__(
        self,
        config: AssignmentConfig,
        submission: Path | None,
        *,
        submission_problem: str | None = None,
        functions: list[str] | None = None,
        proxy_factory: Callable[[Path, AssignmentConfig], Any] | None = None,
        reference: Path = paths.SOLUTIONS_HW,
        hidden_dir: Path = paths.HIDDEN_TESTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if submission is None and not submission_problem:
            raise ValueError("either a submission or a submission_problem is needed")
        if functions is not None:
            unknown = sorted(set(functions) - set(config.functions))
            if unknown:
                raise ValueError(f"functions not graded by the configuration: {unknown}")
        self.config = config
        self.submission = submission
        self.submission_problem = submission_problem
        self.functions = None if functions is None else list(functions)
        self.proxy_factory = proxy_factory or start_sandboxed
        self.reference = reference
        self.hidden_dir = Path(hidden_dir).resolve()
        self.budget = TimeBudget(config.limits.time_budget, clock)
        self.engine_errors: list[str] = []
        self.collection_errors: list[tuple[str, str]] = []
        self.items: dict[str, _Item] = {}
        self.proxy: Any = None
        self.isolation: dict[str, Any] | None = None
        self._reference_module: ModuleType | None = None
        self._signatures: dict[str, inspect.Signature | None] = {}
        self._proxy_failed: str | None = None
        self._hw: GuardedSubmission | None = None
        self._compare: Comparison | None = None
        self._previous_profile: str | None = None
        self._result: GradeResult | None = None
        # every public test also runs on unseen inputs; its points need both
        self.twins = PublicTwins(self.items, self.budget.spent, self._enter_test)
        lim = config.limits
        self.call_limits = CallLimits(
            self.reference_module,
            floor=lim.call_timeout,
            factor=lim.call_timeout_factor,
            per_function_floor=dict(lim.call_timeout_per_function),
        )

    # -- configuration ---------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the ``grades`` marker and load the grading Hypothesis profile."""
        config.addinivalue_line("markers", f"{MARKER}{MARKER_HELP[len(MARKER) :]}")
        config.pluginmanager.register(self.twins, "autograder-public-twins")
        self._previous_profile = hypothesis_profile.load_grading_profile(
            self.config.hypothesis.max_examples
        )

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Import the shared ``checks`` helpers: the input guard compares with them, and
        their ``SHOW_EXPECTED`` flag is set per test. Without them nothing is graded."""
        try:
            self._compare = input_comparison()
        except InputGuardUnavailable as exc:
            self.engine_errors.append(str(exc))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Give the process its previous Hypothesis profile back."""
        if self._previous_profile is not None:
            hypothesis_profile.restore_profile(self._previous_profile)
            self._previous_profile = None

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture(scope="session")
    def hw(self) -> Any:
        """The submission: calls run in the sandboxed worker and return plain data."""
        proxy = self._ensure_proxy()
        if proxy is None:
            raise RuntimeError(self._proxy_failed or "the submission is not available")
        if self._compare is None:  # pytest_sessionstart did not run: find it now
            self._compare = input_comparison()
        self._hw = GuardedSubmission(
            proxy,
            graded=self.config.functions,
            budget=self.budget,
            call_limits=self.call_limits,
            signature=self.signature,
            compare=self._compare,
        )
        return self._hw

    @pytest.fixture(scope="session")
    def ref(self) -> Any:
        """The reference solution (``solutions/hw.py``), in this trusted process."""
        return _Reference(self.reference_module())

    def reference_module(self) -> ModuleType:
        """``solutions/hw.py``, loaded once per grade in this trusted process."""
        if self._reference_module is None:
            self._reference_module = load_reference(self.reference)
        return self._reference_module

    def signature(self, function: str) -> inspect.Signature | None:
        """The reference's signature of ``function`` (to name the arguments of a call)."""
        if function not in self._signatures:
            try:
                self._signatures[function] = inspect.signature(
                    getattr(self.reference_module(), function)
                )
            except Exception:  # no reference (fake tests): arguments are numbered
                self._signatures[function] = None
        return self._signatures[function]

    def _ensure_proxy(self) -> Any:
        if self.proxy is None and self._proxy_failed is None and self.submission is not None:
            unusable = unusable_reason(self.submission)
            if unusable is not None:  # not Python source at all: never start a worker
                self.submission_problem = unusable
                self._proxy_failed = unusable
                return None
            try:
                self.proxy = self.proxy_factory(self.submission, self.config)
            except Exception as exc:
                kind = getattr(exc, "kind", None)
                if kind == "import":
                    self.submission_problem = _without_import_prefix(str(exc))
                    self._proxy_failed = str(exc)
                else:
                    self._proxy_failed = f"the sandbox could not start: {type(exc).__name__}: {exc}"
                    self.engine_errors.append(self._proxy_failed)
        if self.proxy is not None and self.submission_problem is None:
            problem = getattr(self.proxy, "import_error", None)
            if problem:
                self.submission_problem = _without_import_prefix(str(problem))
        return self.proxy

    # -- collection ---------------------------------------------------------------------------

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Remember collection errors: each becomes an entry."""
        if report.failed:
            text = str(report.longrepr) if report.longrepr else "collection failed"
            self.collection_errors.append((report.nodeid or "(session)", text))

    def _is_hidden(self, item: pytest.Item) -> bool:
        try:
            Path(str(item.path)).resolve().relative_to(self.hidden_dir)
        except ValueError:
            return False
        return True

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Read every test's ``grades`` marker, deselect, split the points, set Hypothesis."""
        keep: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        graded = set(self.config.functions)
        for index, item in enumerate(items):
            marker = item.get_closest_marker(MARKER)
            if marker is None or not marker.args or not isinstance(marker.args[0], str):
                self.engine_errors.append(
                    f"{item.nodeid}: no @pytest.mark.{MARKER}('function') marker "
                    "(every grading test must say which hw.py function it grades)"
                )
                continue
            function = marker.args[0]
            weight = marker.kwargs.get("weight", marker.args[1] if len(marker.args) > 1 else 1)
            if function not in graded:
                self.engine_errors.append(
                    f"{item.nodeid}: grades {function!r}, which assignment.toml does not grade"
                )
                continue
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
                self.engine_errors.append(
                    f"{item.nodeid}: weight must be a positive number, got {weight!r}"
                )
                continue
            if self.functions is not None and function not in self.functions:
                dropped.append(item)
                continue
            hidden = self._is_hidden(item)
            self.items[item.nodeid] = _Item(
                nodeid=item.nodeid,
                index=index,
                name=feedback.display_name(item, function, hidden),
                function=function,
                weight=float(weight),
                hidden=hidden,
            )
            hypothesis_profile.apply_to_test(
                getattr(item, "obj", None), self.config.max_examples(function)
            )
            keep.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        self._split_points()
        if self.engine_errors:
            keep = []  # misconfigured: run nothing, the grade fails loudly
        items[:] = self.twins.with_twins(keep, lambda nodeid: not self.items[nodeid].hidden)

    def _split_points(self) -> None:
        """Each test's maximum: its function's points split by weight (engine error if a
        graded function has no test)."""
        by_function: dict[str, list[_Item]] = {}
        for info in self.items.values():
            by_function.setdefault(info.function, []).append(info)
        wanted = self.functions if self.functions is not None else self.config.functions
        for function in wanted:
            tests = sorted(by_function.get(function, []), key=lambda t: t.index)
            if not tests:
                self.engine_errors.append(
                    f"no test grades {function}() (its {self.config.points(function):g} points "
                    "would be lost): every graded function needs at least one test"
                )
                continue
            maxima = split_points(self.config.points(function), [t.weight for t in tests])
            for test, max_score in zip(tests, maxima):
                test.max_score = max_score

    # -- running ---------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Skip tests that cannot run (budget spent, unusable submission); set the flags."""
        RECORDER.reset()  # the hints named from now on are this test's
        OBSERVED.reset()
        info = self.items.get(item.nodeid)
        if info is None:
            return
        if self.budget.spent():
            info.not_run = BUDGET_MESSAGE
            pytest.skip(BUDGET_MESSAGE)
        if self.submission_problem is None:
            self._ensure_proxy()
        if self.submission_problem is not None:
            info.not_run = self._problem_message()
            info.kind = "import" if self.submission is not None else "submission"
            pytest.skip(info.not_run)
        if self._proxy_failed is not None:
            info.not_run = f"not run: {self._proxy_failed}"
            info.kind = "engine"
            pytest.skip(info.not_run)
        if self._hw is not None:
            self._hw.enter_test(item.nodeid)
        show = self.config.show_expected_values or not info.hidden
        os.environ[SHOW_EXPECTED_ENV] = "1" if show else "0"
        checks = sys.modules.get("checks")
        if checks is not None:
            checks.SHOW_EXPECTED = show

    def _enter_test(self, nodeid: str) -> None:
        if self._hw is not None:
            self._hw.enter_test(nodeid)

    def _problem_message(self) -> str:
        problem = self.submission_problem or ""
        if self.submission is None:
            return f"hw.py was not found: {problem}"
        return IMPORT_PREFIX + problem

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
        """Keep each phase's exception (the report only carries rendered text)."""
        outcome = yield
        report = outcome.get_result()
        info = self.items.get(item.nodeid)
        if info is None:
            return
        info.duration += getattr(call, "duration", 0.0) or 0.0
        excinfo = call.excinfo
        if report.failed and excinfo is not None:
            redact = info.hidden and not self.config.show_expected_values
            info.messages.append(
                feedback.failure_message(excinfo, call.when, hidden=info.hidden, redact=redact)
            )
            shown = RECORDER.shown_in(info.messages[-1])  # only hints the message shows
            info.mistakes += [m for m in shown if m not in info.mistakes]
            info.observed = OBSERVED.last() or info.observed
            if info.kind is None:
                info.kind = feedback.failure_kind(excinfo.value)
        elif report.skipped and info.not_run is None:
            reason = feedback.skip_reason(report)
            info.not_run = f"not run (skipped: {reason})"
            info.kind = info.kind or "skipped"
        info.phases[call.when] = report.outcome

    def _stdout_tail(self) -> str:
        getter = getattr(self.proxy, "output_tail", None)
        if getter is None:
            return ""
        try:
            return str(getter() or "")
        except Exception:
            return ""

    # -- finishing ---------------------------------------------------------------------------------

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Stop the worker and build the result model."""
        stats: Any = None
        tail = ""
        if self.proxy is not None:
            stats = getattr(self.proxy, "stats", None)
            stats = stats() if callable(stats) else stats
            tail = self._stdout_tail()
            worker = getattr(self.proxy, "worker", None)
            isolation = getattr(worker, "isolation", None)
            if isinstance(isolation, dict):  # the uid and paths vary from run to run
                keep = ("mode", "grader_files_hidden", "network", "tmp", "pid_namespace",
                        "unsafe_same_user", "syscall_filter", "file_view", "weaker")
                self.isolation = {k: _plain(isolation[k]) for k in keep if k in isolation}
            _close(self.proxy)
        if self.isolation is None and self.proxy_factory is start_sandboxed:
            from autograder.sandbox import isolation as sandbox_isolation

            with contextlib.suppress(Exception):  # no worker ran: what it would have had
                self.isolation = sandbox_isolation.planned()
        self._result = self._build(stats, tail)

    def result(self) -> GradeResult:
        """The result model (after the session; built on demand if pytest stopped early)."""
        if self._result is None:
            self._result = self._build(None, "")
        return self._result

    def _build(self, stats: Any, tail: str) -> GradeResult:
        entries: list[TestResult] = []
        if self.submission_problem is not None:
            entries.append(
                TestResult(
                    name="Finding hw.py" if self.submission is None else "Importing hw.py",
                    function=SUBMISSION_TAG,
                    max_score=0.0,
                    visibility="visible",
                    output=self._problem_message(),
                    tags=[SUBMISSION_TAG],
                    extra_data={"kind": "submission" if self.submission is None else "import"},
                )
            )
        for nodeid, text in self.collection_errors:
            entries.append(
                TestResult(
                    name=f"Collecting {nodeid}",
                    function=SUBMISSION_TAG,
                    max_score=0.0,
                    visibility="hidden",
                    output="the autograder could not load these tests (instructor error):\n"
                    + feedback.collection_error_line(text),
                    tags=[SUBMISSION_TAG, "collection-error"],
                    extra_data={"kind": "collection", "nodeid": nodeid},
                )
            )
        order = {name: i for i, name in enumerate(self.config.functions)}
        infos = sorted(self.items.values(), key=lambda t: (order[t.function], t.hidden, t.index))
        # one entry per graded function and visibility, its tests' records inside
        entries += function_entries(self._entry(info) for info in infos)
        # The top-level output is shown to students at once: it speaks of the visible
        # entries only, so it never gives away how the not-yet-published ones went.
        notes, code = [], []
        if self.submission_problem is not None:
            code.append(self._problem_message())
        if any(i.not_run == BUDGET_MESSAGE for i in self.items.values()):
            notes.append(
                f"The time budget of {self.config.limits.time_budget:g} s ran out: "
                "the remaining tests were not run."
            )
        output = top_level_output(entries, self.config, notes, code)
        extra: dict[str, Any] = {}
        if stats is not None:
            extra["worker"] = _plain(stats)
        if tail:
            extra["stdout_tail"] = tail
        if self.collection_errors:
            extra["collection_errors"] = [n for n, _ in self.collection_errors]
        if self.functions is not None:
            extra["functions"] = list(self.functions)
        if self.isolation is not None:  # how the submission was sandboxed (mode, uid, ...)
            extra["isolation"] = self.isolation
        return GradeResult(
            tests=entries,
            execution_time=self.budget.elapsed(),
            output=output,
            extra_data=extra,
        )

    def _entry(self, info: _Item) -> TestResult:
        outcomes = info.phases
        ran_ok = (
            info.not_run is None
            and not info.messages
            and outcomes.get("setup") == "passed"
            and outcomes.get("call") == "passed"
            and outcomes.get("teardown", "passed") == "passed"
        )
        if ran_ok:
            status, output = PASSED, ""
        elif info.messages:
            status, output = FAILED, "\n\n".join(info.messages)
        elif info.not_run is not None:
            status, output = FAILED, info.not_run
        else:
            status, output = FAILED, "not run (the test session stopped before this test)"
        part = self.config.part_of(info.function)
        extra: dict[str, Any] = {
            "test": info.nodeid.rsplit("::", 1)[-1],
            "source": "hidden" if info.hidden else "public",
            "part": part.number,
            "weight": info.weight,
            "duration": round(info.duration, 4),
        }
        if status == FAILED:
            extra["kind"] = info.kind or ("not_run" if info.not_run else "failed")
            if info.mistakes:
                extra["mistakes"] = list(info.mistakes)
            if info.observed is not None:
                extra["observed"] = info.observed
        return TestResult(
            name=info.name,
            function=info.function,
            max_score=info.max_score,
            score=info.max_score if status == PASSED else 0.0,
            status=status,
            visibility=self.config.test_visibility(
                info.function, extra["test"], hidden=info.hidden
            ),
            output=output,
            tags=[info.function, f"part {part.number}", "hidden" if info.hidden else "public"],
            extra_data=extra,
        )



# ---------------------------------------------------------------------------------------------
# helpers


def _without_import_prefix(text: str) -> str:
    """An import error's text without the ``hw.py could not be imported:`` prefix."""
    return text[len(IMPORT_PREFIX) :] if text.startswith(IMPORT_PREFIX) else text


def _plain(value: Any) -> Any:
    """``value`` as JSON-friendly data (dataclasses and objects become dicts/strings)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return str(value)


def _close(proxy: Any) -> None:
    """Stop the worker behind ``proxy`` (a SubmissionProxy, or any object with close())."""
    target = getattr(proxy, "worker", proxy)
    for name in ("close", "stop", "shutdown"):
        method = getattr(target, name, None)
        if callable(method):
            with contextlib.suppress(Exception):
                method()
            return
