"""The grading pytest plugin: fixtures, marker, Hypothesis profile, and the result model.

Like pytest's own junitxml plugin, :class:`GradingPlugin` listens to pytest's hooks and
builds a result model (:class:`autograder.results.GradeResult`) of the session. It is
passed to ``pytest.main(..., plugins=[plugin])`` by :mod:`autograder.runner` and

* provides the fixtures ``hw`` (the submission behind a sandbox ``SubmissionProxy``: one
  worker per grading session) and ``ref`` (``solutions/hw.py``, loaded in this trusted
  process under a fresh module name);
* registers the ``grades`` marker: ``@pytest.mark.grades("softmax", weight=1)``. A test
  without it, or naming a function the configuration does not grade, is an instructor
  error: the whole grade fails loudly (:attr:`GradingPlugin.engine_errors`);
* registers and loads a deterministic Hypothesis profile (derandomized, no database, no
  deadline, example counts from ``assignment.toml``);
* turns every collected test into exactly one result entry, whatever happens to it
  (passed, failed, error in setup, skipped, not run because the time budget was spent,
  or the submission could not be imported); collection errors become entries too;
* never puts trusted tracebacks or hidden test source into an entry's output: a failure
  shows its assertion message (the ``checks`` helpers write informative ones), a
  ``SubmissionError`` its student-readable message, Hypothesis' falsifying example.

Expected values in hidden tests' messages: before each test the plugin sets
``checks.SHOW_EXPECTED`` (module global of ``student/tests/checks.py``) and the
environment variable ``AUTOGRADER_SHOW_EXPECTED`` ("1"/"0"); it is False for hidden tests
when ``[visibility] show_expected_values = false``, True otherwise.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import inspect
import itertools
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder import paths
from autograder.config import AssignmentConfig
from autograder.diagnosis import RECORDER, explain
from autograder.results import (
    FAILED,
    PASSED,
    SUBMISSION_TAG,
    GradeResult,
    TestResult,
    trim,
)
from autograder.sandbox.errors import (
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionError,
    SubmissionTimeout,
)
from autograder.submission import unusable_reason
from autograder.time_limits import CallLimits

MARKER = "grades"
MARKER_HELP = (
    "grades(function, weight=1): the hw.py function this test grades; the function's "
    "points are split over its tests in proportion to their weights"
)
PROFILE = "autograder-grading"
SHOW_EXPECTED_ENV = "AUTOGRADER_SHOW_EXPECTED"
BUDGET_MESSAGE = "not run: time budget exhausted"
IMPORT_PREFIX = "hw.py could not be imported: "
#: Longest part of a failure message kept per test (before results.py's own cap).
MAX_MESSAGE = 3000
#: The "inputs:" block of a ``checks`` message (``checks.format_inputs``).
INPUTS_LISTED = re.compile(r"^\s+inputs:$", re.MULTILINE)
#: Hypothesis' notes that show a failing example: "Falsifying example: ...", "Draw 1: ...".
HYPOTHESIS_EXAMPLE = re.compile(r"(Falsifying example|Failing test case|Draw \d+)\b")

_ref_counter = itertools.count()


class TimeBudgetExhausted(Exception):
    """Raised by ``hw`` calls once the grade's total time budget is spent."""


class TimeoutNotRetried(SubmissionError):
    """A call not made because the function already timed out (see ``_BudgetedProxy``)."""

    kind = "timeout"


#: Failures no other input can change: the function is a stub, missing, or out of time.
INPUT_INDEPENDENT = (NotImplementedBySubmission, MissingFunction, SubmissionTimeout)


class NoFurtherExamples(BaseException):
    """Ends a test at once with ``error``, a failure no other input would change.

    Hypothesis retries a failing test many times to shrink its example (about 50 calls
    per test for a stub); for a function that is not implemented, missing or timed out
    every retry fails the same way, so it is wasted time. Hypothesis lets a
    ``BaseException`` that is not an ``Exception`` through at once, as it does for
    ``KeyboardInterrupt``; pytest records it as the test's failure, and the plugin
    reports ``error`` (see ``_unwrap``).
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def load_reference(path: Path = paths.SOLUTIONS_HW) -> ModuleType:
    """``solutions/hw.py`` loaded by path under a fresh module name (never ``hw``)."""
    return paths.load_module(path, f"_autograder_reference_hw_{next(_ref_counter)}")


def default_proxy_factory(submission: Path, config: AssignmentConfig) -> Any:
    """Start the sandboxed worker for ``submission``; return its ``SubmissionProxy``."""
    from autograder.sandbox import Limits, SubmissionProxy, Worker

    lim = config.limits
    limits = Limits(
        call_timeout_s=lim.call_timeout,
        function_timeouts=dict(lim.call_timeout_per_function),
        memory_mb=lim.memory_mb,
        cpu_s=max(1, math.ceil(lim.time_budget)),
        max_processes=lim.max_processes,
        max_output_kb=lim.output_cap_kb,
        import_timeout_s=min(30.0, lim.time_budget),
    )
    support = [p for p in (paths.STUDENT_TESTS / "testfuncs.py",) if p.is_file()]
    worker = Worker(submission, support_files=support, limits=limits)
    try:
        worker.start()
    except BaseException:
        worker.close()
        raise
    return SubmissionProxy(worker)


def _hypothesis_profile(max_examples: int) -> Any:
    """The grading settings object (derandomized, no database, no deadline, quiet)."""
    from hypothesis import HealthCheck, Phase, settings

    checks = [
        getattr(HealthCheck, name)
        for name in ("too_slow", "filter_too_much", "data_too_large", "differing_executors")
        if hasattr(HealthCheck, name)
    ]
    # No "explain" phase: it would print line numbers of the hidden tests.
    phases = [p for p in Phase if p.name != "explain"]
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=checks,
        phases=phases,
    )


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
    mistakes: list[str] = field(default_factory=list)


class _BudgetedProxy:
    """The ``hw`` the tests see: the proxy, with two guards on the time budget.

    * once the grade's budget is spent, hw.py calls raise :class:`TimeBudgetExhausted`;
    * a function that timed out is not called again in the same test (Hypothesis would
      otherwise wait out the timeout for every shrinking step), and after
      ``MAX_TIMEOUTS`` timeouts not at all: its later calls fail at once with the
      timeout's message, so one endless loop cannot eat the other functions' time;
    * a failure no input would change (:data:`INPUT_INDEPENDENT`, the budget, a timeout)
      ends the test at once (:class:`NoFurtherExamples`) instead of being shrunk.
    """

    MAX_TIMEOUTS = 1

    def __init__(self, proxy: Any, plugin: GradingPlugin) -> None:
        self._proxy = proxy
        self._plugin = plugin
        self._timeouts: dict[str, list[BaseException]] = {}
        self._current_test: str | None = None
        self._test_timeouts: dict[str, BaseException] = {}

    def _enter_test(self, nodeid: str) -> None:
        if nodeid != self._current_test:
            self._current_test = nodeid
            self._test_timeouts = {}

    def __getattr__(self, name: str) -> Any:
        graded = name in self._plugin.config.functions
        try:
            attr = getattr(self._proxy, name)
        except MissingFunction as exc:
            if graded:
                raise NoFurtherExamples(exc) from None
            raise
        if not graded or not callable(attr):
            return attr
        plugin = self._plugin

        def call(*args: Any, **kwargs: Any) -> Any:
            if plugin.budget_spent():
                raise NoFurtherExamples(
                    TimeBudgetExhausted(
                        f"stopped: time budget exhausted "
                        f"({plugin.config.limits.time_budget:g} s for the whole grade)"
                    )
                )
            earlier = self._test_timeouts.get(name)
            if earlier is not None:
                raise NoFurtherExamples(
                    TimeoutNotRetried(f"{earlier} (not called again in this test)")
                )
            strikes = self._timeouts.get(name, [])
            if len(strikes) >= self.MAX_TIMEOUTS:
                times = "once" if len(strikes) == 1 else f"{len(strikes)} times"
                raise NoFurtherExamples(
                    TimeoutNotRetried(
                        f"{name}() was not called: it already timed out {times} in this "
                        f"grade ({strikes[0]})"
                    )
                )
            limit = plugin.call_limits.limit(name, args, kwargs)
            seconds = min(limit.seconds, plugin.budget_left() + 1.0)  # the budget: a backstop
            guard = _InputGuard(plugin.signature(name), name, args, kwargs)
            timed = getattr(self._proxy, "call_with_timeout", None)
            try:
                if timed is not None:
                    value = timed(name, args, kwargs, timeout=seconds)
                else:  # a stand-in proxy of the project's tests: no limit of its own
                    value = attr(*args, **kwargs)
            except Exception as exc:
                if getattr(exc, "kind", None) == "timeout":
                    why = (
                        limit.explain(name)
                        if seconds == limit.seconds
                        else "(the grade's time budget ran out during the call)"
                    )
                    exc.args = (f"{exc} {why}",)
                    if isinstance(exc, SubmissionError):
                        exc.message = exc.args[0]
                    self._test_timeouts[name] = exc
                    self._timeouts.setdefault(name, []).append(exc)
                guard.check()  # a write to an input is the first thing to report
                if isinstance(exc, INPUT_INDEPENDENT):
                    raise NoFurtherExamples(exc) from None
                raise
            try:
                guard.check()
            except AssertionError as exc:  # say which known mistake writes into inputs
                hint = explain(name, (), guard.arguments_before(), value)
                if hint:
                    raise AssertionError(f"{exc}{hint}") from None
                raise
            return value

        call.__name__ = call.__qualname__ = name
        call.__doc__ = getattr(attr, "__doc__", None)
        return call

    def __repr__(self) -> str:
        return "<hw (submission, sandboxed)>"


class _InputGuard:
    """Every call must leave its inputs as they were (SPEC: functions never modify them).

    The worker mirrors the submission's in-place writes back into the caller's objects
    (so "inputs unchanged" checks mean the same graded as in the student's own run). If
    a test went on with such modified data (e.g. computing the expected value on it), a
    submission could make its own wrong answer look right. So after every call the
    arguments are compared with a snapshot: on a change they are restored and the call
    fails, naming the argument. The comparison is exact, ``numerical_gradient``'s x too
    (perturbing it in place is allowed when the old value is put back; ``x[i] += h`` then
    ``x[i] -= h`` can leave it off by a rounding error, and the message says so). A
    diagnosis' confirmation call (``diagnosis.confirming()``) runs on the diagnosis' own
    copies: they are restored, and the call does not fail.
    """

    def __init__(self, signature: inspect.Signature | None, function: str, args: tuple,
                 kwargs: dict) -> None:
        self.function = function
        self.checks = sys.modules.get("checks")  # student/tests/checks.py, the shared helpers
        try:
            bound = signature.bind(*args, **kwargs) if signature is not None else None
        except TypeError:
            bound = None  # a wrong call: the submission's own error will say so
        names = list(bound.arguments) if bound is not None else []
        values = list(bound.arguments.values()) if bound is not None else []
        if bound is None:
            names = [f"argument {i + 1}" for i in range(len(args))] + list(kwargs)
            values = [*args, *kwargs.values()]
        self.bound = bound
        self.watched = [(n, v) for n, v in zip(names, values) if _has_data(v)]
        self.before = [copy.deepcopy(v) for _, v in self.watched]

    def arguments_before(self) -> dict[str, Any]:
        """The call's arguments by name, as they were before the call."""
        if self.bound is None:
            return {}
        arguments = dict(self.bound.arguments)
        arguments.update(dict(zip([n for n, _ in self.watched], self.before)))
        return arguments

    def check(self) -> None:
        if self.checks is None:
            return
        from autograder.diagnosis import confirming

        for (arg, value), before in zip(self.watched, self.before):
            try:
                self.checks.assert_unchanged(before, value, name=self.function, arg=arg)
            except AssertionError:
                _restore(value, before)
                if not confirming():
                    raise


def _has_data(value: Any) -> bool:
    """Arrays, or containers holding some: what a submission could modify in place."""
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, dict):
        return any(_has_data(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_data(v) for v in value)
    return False


def _restore(target: Any, snapshot: Any) -> None:
    """Put ``snapshot`` back into ``target`` in place (arrays, dicts, lists)."""
    with contextlib.suppress(Exception):
        if isinstance(target, np.ndarray):
            if isinstance(snapshot, np.ndarray) and target.shape == snapshot.shape:
                np.copyto(target, snapshot, casting="unsafe")
        elif isinstance(target, dict) and isinstance(snapshot, dict):
            for key in [k for k in target if k not in snapshot]:
                del target[key]
            for key, value in snapshot.items():
                current = target.get(key)
                same_array = (
                    isinstance(current, np.ndarray)
                    and isinstance(value, np.ndarray)
                    and current.shape == value.shape
                )
                same_container = isinstance(current, (dict, list)) and type(current) is type(value)
                if same_array or same_container:
                    _restore(current, value)
                else:
                    target[key] = copy.deepcopy(value)
        elif isinstance(target, list) and isinstance(snapshot, list):
            target[:] = copy.deepcopy(snapshot)


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
        self.proxy_factory = proxy_factory or default_proxy_factory
        self.reference = reference
        self.hidden_dir = Path(hidden_dir).resolve()
        self.clock = clock
        self.start = clock()
        self.engine_errors: list[str] = []
        self.collection_errors: list[tuple[str, str]] = []
        self.items: dict[str, _Item] = {}
        self.proxy: Any = None
        self.isolation: dict[str, Any] | None = None
        self._reference_module: ModuleType | None = None
        self._signatures: dict[str, inspect.Signature | None] = {}
        self._proxy_failed: str | None = None
        self._hw: _BudgetedProxy | None = None
        self._previous_profile: str | None = None
        self._result: GradeResult | None = None
        lim = config.limits
        self.call_limits = CallLimits(
            self.reference_module,
            floor=lim.call_timeout,
            factor=lim.call_timeout_factor,
            per_function_floor=dict(lim.call_timeout_per_function),
        )

    # -- time budget ---------------------------------------------------------------------

    def budget_spent(self) -> bool:
        """Whether the grade's total time budget is used up."""
        return self.budget_left() <= 0

    def budget_left(self) -> float:
        """Seconds left of the grade's total time budget."""
        return self.config.limits.time_budget - (self.clock() - self.start)

    # -- configuration ---------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the ``grades`` marker and load the grading Hypothesis profile."""
        config.addinivalue_line("markers", f"{MARKER}{MARKER_HELP[len(MARKER) :]}")
        from hypothesis import settings

        self._previous_profile = getattr(settings, "_current_profile", None) or "default"
        settings.register_profile(PROFILE, _hypothesis_profile(self.config.hypothesis.max_examples))
        settings.load_profile(PROFILE)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Import the shared ``checks`` helpers (if on sys.path) so their flag can be set."""
        with contextlib.suppress(ImportError):
            importlib.import_module("checks")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Give the process its previous Hypothesis profile back."""
        from hypothesis import settings

        if self._previous_profile is not None:
            settings.load_profile(self._previous_profile)
            self._previous_profile = None

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture(scope="session")
    def hw(self) -> Any:
        """The submission: calls run in the sandboxed worker and return plain data."""
        proxy = self._ensure_proxy()
        if proxy is None:
            raise RuntimeError(self._proxy_failed or "the submission is not available")
        self._hw = _BudgetedProxy(proxy, self)
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
                    self.submission_problem = _strip_prefix(str(exc))
                    self._proxy_failed = str(exc)
                else:
                    self._proxy_failed = f"the sandbox could not start: {type(exc).__name__}: {exc}"
                    self.engine_errors.append(self._proxy_failed)
        if self.proxy is not None and self.submission_problem is None:
            problem = getattr(self.proxy, "import_error", None)
            if problem:
                self.submission_problem = _strip_prefix(str(problem))
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
            self.items[item.nodeid] = _Item(
                nodeid=item.nodeid,
                index=index,
                name=_display_name(item, function, self._is_hidden(item)),
                function=function,
                weight=float(weight),
                hidden=self._is_hidden(item),
            )
            self._apply_hypothesis_settings(item, function)
            keep.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        self._split_points()
        if self.engine_errors:
            keep = []  # misconfigured: run nothing, the grade fails loudly
        items[:] = keep

    def _split_points(self) -> None:
        by_function: dict[str, list[_Item]] = {}
        for info in self.items.values():
            by_function.setdefault(info.function, []).append(info)
        wanted = self.functions if self.functions is not None else self.config.functions
        for function in wanted:
            tests = by_function.get(function, [])
            if not tests:
                self.engine_errors.append(
                    f"no test grades {function}() (its {self.config.points(function):g} points "
                    "would be lost): every graded function needs at least one test"
                )
                continue
            total = sum(Fraction(t.weight) for t in tests)
            points = Fraction(self.config.points(function)).limit_denominator(10**6)
            running = previous = Fraction(0)
            # Cumulative rounding to 4 decimals: the maxima add up to exactly `points`.
            for test in sorted(tests, key=lambda t: t.index):
                running += points * Fraction(test.weight) / total
                rounded = Fraction(round(running * 10**4), 10**4)
                test.max_score = float(rounded - previous)
                previous = rounded

    def _apply_hypothesis_settings(self, item: pytest.Item, function: str) -> None:
        obj = getattr(item, "obj", None)
        fn = getattr(obj, "__func__", obj)
        if not getattr(fn, "is_hypothesis_test", False):
            return
        from hypothesis import settings

        # The test's own settings, as written (saved once: modules stay imported between
        # grading runs in one process, and this method replaces the attribute).
        if not hasattr(fn, "_autograder_own_settings"):
            fn._autograder_own_settings = getattr(fn, "_hypothesis_internal_use_settings", None)
        current = fn._autograder_own_settings
        count = self.config.max_examples(function)
        explicit = getattr(fn, "_hypothesis_internal_settings_applied", False)
        if explicit and current is not None:
            count = min(count, current.max_examples)
        profile = settings.get_profile(PROFILE)
        parent = current if explicit and current is not None else profile
        fn._hypothesis_internal_use_settings = settings(
            parent,
            max_examples=count,
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            report_multiple_bugs=False,
            phases=profile.phases,
            suppress_health_check=sorted(
                set(parent.suppress_health_check) | set(profile.suppress_health_check),
                key=lambda h: h.value,
            ),
        )

    # -- running ---------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Skip tests that cannot run (budget spent, unusable submission); set the flags."""
        RECORDER.reset()
        info = self.items.get(item.nodeid)
        if info is None:
            return
        if self.budget_spent():
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
            self._hw._enter_test(item.nodeid)
        show = self.config.show_expected_values or not info.hidden
        os.environ[SHOW_EXPECTED_ENV] = "1" if show else "0"
        checks = sys.modules.get("checks")
        if checks is not None:
            checks.SHOW_EXPECTED = show

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
            info.messages.append(self._failure_message(excinfo, info, call.when))
            info.mistakes += [m for m in RECORDER.shown_in(info.messages[-1])
                              if m not in info.mistakes]
            if info.kind is None:
                inner = _unwrap(excinfo.value)
                info.kind = getattr(inner, "kind", None) or _kind_of(inner)
        elif report.skipped and info.not_run is None:
            reason = _skip_reason(report)
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

    def _failure_message(self, excinfo: pytest.ExceptionInfo, info: _Item, when: str) -> str:
        exc = _unwrap(excinfo.value)
        if _is_submission_error(exc) or isinstance(exc, TimeBudgetExhausted):
            message = str(exc)
        elif isinstance(exc, AssertionError) or type(exc).__name__ == "Failed":
            message = _without_rewrite(str(exc)).strip() or "the check failed"
            if not info.hidden:
                where = _public_location(excinfo)
                if where:
                    message += f"\n{where}"
        else:
            message = f"{type(exc).__name__}: {exc}"
            if not info.hidden:
                where = _public_location(excinfo)
                if where:
                    message += f"\n{where}"
        if info.hidden and not self.config.show_expected_values:
            message = redact_expected(message)
        if when != "call":
            message = f"error in test {when}: {message}"
        notes = [str(n) for n in getattr(exc, "__notes__", []) or []]
        notes = [n for n in notes if not n.startswith("You can reproduce")]
        if INPUTS_LISTED.search(message):
            # the checks helpers already list the call's inputs, by name: Hypothesis'
            # falsifying example and its unnamed "Draw N: value" lines repeat them
            notes = [n for n in notes if not HYPOTHESIS_EXAMPLE.match(n)]
        if notes:
            message += "\n\n" + "\n".join(notes)
        return trim(message, MAX_MESSAGE)

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
                        "unsafe_same_user")
                self.isolation = {k: _plain(isolation[k]) for k in keep if k in isolation}
            _close(self.proxy)
        if self.isolation is None and self.proxy_factory is default_proxy_factory:
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
                    + _last_line(text),
                    tags=[SUBMISSION_TAG, "collection-error"],
                    extra_data={"kind": "collection", "nodeid": nodeid},
                )
            )
        order = {name: i for i, name in enumerate(self.config.functions)}
        infos = sorted(self.items.values(), key=lambda t: (order[t.function], t.hidden, t.index))
        for info in infos:
            entries.append(self._entry(info))
        # The top-level output is shown to students at once: it speaks of the visible
        # tests only, so it never gives away how the not-yet-published ones went.
        graded = [e for e in entries if e.function != SUBMISSION_TAG]
        shown = [e for e in graded if e.visibility == "visible"]
        passed = sum(1 for e in shown if e.passed)
        score = math.fsum(e.score for e in shown)
        max_score = math.fsum(e.max_score for e in shown)
        lines = [f"{passed}/{len(shown)} visible tests passed, {score:.2f}/{max_score:g} points."]
        if len(shown) < len(graded):
            lines.append(
                f"{len(graded) - len(shown)} more tests are not shown yet; their results "
                "appear when the instructor publishes them."
            )
        if self.submission_problem is not None:
            lines.append(self._problem_message())
        if any(i.not_run == BUDGET_MESSAGE for i in self.items.values()):
            lines.append(
                f"The time budget of {self.config.limits.time_budget:g} s ran out: "
                "the remaining tests were not run."
            )
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
            execution_time=self.clock() - self.start,
            output="\n".join(lines),
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
        return TestResult(
            name=info.name,
            function=info.function,
            max_score=info.max_score,
            score=info.max_score if status == PASSED else 0.0,
            status=status,
            visibility=self.config.visibility(info.hidden),
            output=output,
            tags=[info.function, f"part {part.number}", "hidden" if info.hidden else "public"],
            extra_data=extra,
        )


# ---------------------------------------------------------------------------------------------
# helpers


_EXPECTED_LABEL = re.compile(r"^(\s*)(?:expected|numerical)\s*:")
_EXPECTED_INLINE = re.compile(r",\s*(?:expected|numerical gradient) [^\s),]+")
_EXPECTED_FINITE = re.compile(r"a finite value \([^)]*\) was expected")


def redact_expected(message: str) -> str:
    """``message`` without expected values, in the formats of ``checks.assert_close``.

    A safety net for hidden tests when ``show_expected_values = false``: the ``checks``
    helpers already omit them when ``checks.SHOW_EXPECTED`` is False.
    """
    out: list[str] = []
    label_indent: int | None = None
    for line in message.splitlines():
        if label_indent is not None:
            indent = len(line) - len(line.lstrip())
            if line.strip() and indent > label_indent + len("expected:"):
                continue  # continuation of a multi-line expected array
            label_indent = None
        match = _EXPECTED_LABEL.match(line)
        if match:
            out.append(f"{match.group(1)}expected: (not shown for this test)")
            label_indent = len(match.group(1))
            continue
        line = _EXPECTED_FINITE.sub("a finite value was expected", line)
        out.append(_EXPECTED_INLINE.sub("", line))
    return "\n".join(out)


def _strip_prefix(text: str) -> str:
    return text[len(IMPORT_PREFIX) :] if text.startswith(IMPORT_PREFIX) else text


def _display_name(item: pytest.Item, function: str, hidden: bool) -> str:
    """``function: first docstring line`` (or the test name), plus the parameter id."""
    obj = getattr(item, "obj", None)
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    label = doc[0].strip() if doc else getattr(item, "originalname", item.name)
    callspec = getattr(item, "callspec", None)
    if callspec is not None and doc:
        label += f" [{callspec.id}]"
    elif callspec is not None:
        label = item.name
    return f"{function}: {label} ({'hidden' if hidden else 'public'})"


def _unwrap(exc: BaseException) -> BaseException:
    """The meaningful exception: the error a :class:`NoFurtherExamples` carries, or inside
    an exception group (e.g. Hypothesis' FlakyFailure, raised when a replay fails
    differently) its first SubmissionError, else its first."""
    for _ in range(10):
        if isinstance(exc, NoFurtherExamples):
            exc = exc.error
            continue
        inner = getattr(exc, "exceptions", None)
        if not inner or not isinstance(inner, (list, tuple)):
            return exc
        found = [e for e in inner if _is_submission_error(e)]
        exc = found[0] if found else inner[0]
    return exc


def _is_submission_error(exc: BaseException) -> bool:
    return any(c.__name__ == "SubmissionError" for c in type(exc).__mro__)


def _kind_of(exc: BaseException) -> str:
    if isinstance(exc, TimeBudgetExhausted):
        return "time_budget"
    if isinstance(exc, AssertionError) or type(exc).__name__ == "Failed":
        return "wrong"
    return "error"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
        return reason[len("Skipped: ") :] if reason.startswith("Skipped: ") else reason
    return str(longrepr or "skipped")


def _public_location(excinfo: pytest.ExceptionInfo) -> str:
    """``at test_x.py:12: <source line>`` of the innermost frame in a public test file."""
    try:
        public = paths.STUDENT_TESTS.resolve()
        for entry in reversed(excinfo.traceback):
            path = Path(str(entry.path)).resolve()
            if path.parent == public and path.name.startswith("test_"):
                line = str(entry.statement).strip().splitlines()
                return f"at {path.name}:{entry.lineno + 1}: {line[0] if line else ''}"
    except Exception:
        return ""
    return ""


def _without_rewrite(text: str) -> str:
    """An assertion message without pytest's rewritten-assert explanation (test source)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("assert "):
            return "\n".join(lines[:i])
    return text


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("E ")]
    return (errors[-1][2:].strip() if errors else lines[-1] if lines else text)[:500]


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
