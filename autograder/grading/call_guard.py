"""The guards around every call a grading test makes into the submission.

The ``hw`` the tests see is a :class:`GuardedSubmission`: the sandbox's ``SubmissionProxy``
(or a stand-in of the project's tests) behind these guards, applied to every call of a
graded function:

* the grade's time budget (:class:`TimeBudget`): once it is spent, calls raise
  :class:`TimeBudgetExhausted`;
* the call's own time limit (:mod:`autograder.grading.time_limits`: a factor times the reference
  solution's time for the same call, with a floor), capped by what is left of the budget;
* a function that timed out is not called again in the same test (Hypothesis would wait
  out the timeout at every shrinking step), and after :attr:`GuardedSubmission.MAX_TIMEOUTS`
  timeouts not at all in the grade: later calls fail at once with the timeout's message;
* likewise a function whose call killed the worker (a segfault, ``os._exit``, a broken
  reply: :class:`~autograder.sandbox.errors.WorkerCrashed`): after
  :attr:`GuardedSubmission.MAX_CRASHES` crashes it is not called again in the grade, so a
  submission that crashes in every call costs one worker restart per function, not one per
  test (or per Hypothesis example); later calls fail at once with the crash's message;
* the inputs must be left as they were (:class:`InputGuard`: compared exactly with a
  snapshot, restored and failed on a change);
* a failure no other input would change (:data:`INPUT_INDEPENDENT`, the spent budget, a
  timeout) ends the test at once as :class:`NoFurtherExamples` instead of being shrunk.

The input guard compares with ``checks.assert_unchanged`` (``student/tests/checks.py``,
the tests' own helpers): :func:`input_comparison` finds it or raises
:class:`InputGuardUnavailable`, so a grade can never run with the guard silently off.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import time
from collections.abc import Callable, Collection
from typing import Any

import numpy as np

from autograder.grading.time_limits import CallLimits
from autograder.mistakes.diagnosis import confirming, explain
from autograder.sandbox.client import copy_into
from autograder.sandbox.errors import (
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionError,
    SubmissionTimeout,
    WorkerCrashed,
)

#: The module of the tests' helpers whose ``assert_unchanged`` the input guard uses.
CHECKS_MODULE = "checks"

#: ``assert_unchanged(before, after, *, name, arg)``: raises AssertionError on a change.
Comparison = Callable[..., None]
#: The reference's signature of a function (None when unknown: arguments are numbered).
SignatureOf = Callable[[str], inspect.Signature | None]


class TimeBudgetExhausted(Exception):
    """Raised by ``hw`` calls once the grade's total time budget is spent."""


class TimeoutNotRetried(SubmissionError):
    """A call not made because the function already timed out (see :class:`GuardedSubmission`)."""

    kind = "timeout"


class CrashNotRetried(SubmissionError):
    """A call not made because an earlier call of the function killed the worker."""

    kind = "crash"


class InputGuardUnavailable(RuntimeError):
    """The input guard cannot run: the tests' ``checks`` helpers are not importable."""


#: Failures no other input can change: the function is a stub, missing, or out of time.
INPUT_INDEPENDENT = (NotImplementedBySubmission, MissingFunction, SubmissionTimeout)


class NoFurtherExamples(BaseException):
    """Ends a test at once with ``error``, a failure no other input would change.

    Hypothesis retries a failing test many times to shrink its example (about 50 calls
    per test for a stub); for a function that is not implemented, missing or timed out
    every retry fails the same way, so it is wasted time. Hypothesis lets a
    ``BaseException`` that is not an ``Exception`` through at once, as it does for
    ``KeyboardInterrupt``; pytest records it as the test's failure, and the feedback
    reports ``error`` (:func:`autograder.grading.feedback.unwrap`).
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class TimeBudget:
    """The seconds one grade may take in all, counted on ``clock`` from construction."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.start = clock()

    def elapsed(self) -> float:
        """Seconds since the grade started."""
        return self.clock() - self.start

    def left(self) -> float:
        """Seconds left of the budget (negative once overrun)."""
        return self.seconds - self.elapsed()

    def spent(self) -> bool:
        """Whether the budget is used up."""
        return self.left() <= 0


def input_comparison() -> Comparison:
    """``checks.assert_unchanged``, the input guard's exact comparison.

    Raises:
        InputGuardUnavailable: ``checks`` cannot be imported (``student/tests`` is not on
            ``sys.path``) or has no ``assert_unchanged``.
    """
    try:
        checks = importlib.import_module(CHECKS_MODULE)
    except ImportError as exc:
        raise InputGuardUnavailable(
            f"the input guard cannot run: `import {CHECKS_MODULE}` failed ({exc}); "
            "student/tests (which holds checks.py) must be on sys.path"
        ) from None
    compare = getattr(checks, "assert_unchanged", None)
    if not callable(compare):
        where = getattr(checks, "__file__", None) or "an unknown place"
        raise InputGuardUnavailable(
            f"the input guard cannot run: the `{CHECKS_MODULE}` module imported from {where} "
            "has no assert_unchanged()"
        )
    return compare


class GuardedSubmission:
    """The ``hw`` the tests see: the submission's proxy behind the guards (module docstring).

    Args:
        proxy: the sandbox's ``SubmissionProxy``, or an object with the same functions.
        graded: the functions the configuration grades; only their calls are guarded.
        budget: the grade's time budget.
        call_limits: each call's own time limit.
        signature: the reference's signature of a function, to name a call's arguments.
        compare: the input guard's comparison (:func:`input_comparison`).
    """

    #: Timeouts of a function after which it is not called again in the grade.
    MAX_TIMEOUTS = 1
    #: Crashes of the worker in a function's calls after which it is not called again.
    MAX_CRASHES = 1

    def __init__(
        self,
        proxy: Any,
        *,
        graded: Collection[str],
        budget: TimeBudget,
        call_limits: CallLimits,
        signature: SignatureOf,
        compare: Comparison,
    ) -> None:
        self._proxy = proxy
        self._graded = frozenset(graded)
        self._budget = budget
        self._call_limits = call_limits
        self._signature = signature
        self._compare = compare
        self._timeouts: dict[str, list[BaseException]] = {}
        self._crashes: dict[str, list[BaseException]] = {}
        self._current_test: str | None = None
        self._test_timeouts: dict[str, BaseException] = {}

    def enter_test(self, nodeid: str) -> None:
        """Start counting the per-test timeouts of the test ``nodeid``."""
        if nodeid != self._current_test:
            self._current_test = nodeid
            self._test_timeouts = {}

    def __getattr__(self, name: str) -> Any:
        graded = name in self._graded
        try:
            attr = getattr(self._proxy, name)
        except MissingFunction as exc:
            if graded:
                raise NoFurtherExamples(exc) from None
            raise
        if not graded or not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(name, attr, args, kwargs)

        call.__name__ = call.__qualname__ = name
        call.__doc__ = getattr(attr, "__doc__", None)
        return call

    def _refuse_early(self, name: str) -> None:
        """Raise :class:`NoFurtherExamples` if ``name`` may not be called now."""
        if self._budget.spent():
            raise NoFurtherExamples(
                TimeBudgetExhausted(
                    f"stopped: time budget exhausted "
                    f"({self._budget.seconds:g} s for the whole grade)"
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
        crashes = self._crashes.get(name, [])
        if len(crashes) >= self.MAX_CRASHES:
            times = "an earlier call" if len(crashes) == 1 else f"{len(crashes)} earlier calls"
            raise NoFurtherExamples(
                CrashNotRetried(
                    f"{name}() was not called: {times} of it in this grade killed the "
                    f"process running your code ({crashes[0]})"
                )
            )

    def _call(self, name: str, attr: Any, args: tuple, kwargs: dict) -> Any:
        """One guarded call of the graded function ``name``."""
        self._refuse_early(name)
        limit = self._call_limits.limit(name, args, kwargs)
        seconds = min(limit.seconds, self._budget.left() + 1.0)  # the budget: a backstop
        guard = InputGuard(self._signature(name), name, args, kwargs, self._compare)
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
            crashed = isinstance(exc, WorkerCrashed)
            if crashed:
                self._crashes.setdefault(name, []).append(exc)
            guard.check()  # a write to an input is the first thing to report
            if isinstance(exc, INPUT_INDEPENDENT) or (
                crashed and len(self._crashes[name]) >= self.MAX_CRASHES
            ):
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

    def __repr__(self) -> str:
        return "<hw (submission, sandboxed)>"


class InputGuard:
    """Every call must leave its inputs as they were (SPEC: functions never modify them).

    The worker mirrors the submission's in-place writes back into the caller's objects
    (so "inputs unchanged" checks mean the same graded as in the student's own run). If
    a test went on with such modified data (e.g. computing the expected value on it), a
    submission could make its own wrong answer look right. So after every call the
    arguments are compared with a snapshot (``compare``, exact): on a change they are
    restored and the call fails, naming the argument. ``numerical_gradient``'s x too
    (perturbing it in place is allowed when the old value is put back; ``x[i] += h`` then
    ``x[i] -= h`` can leave it off by a rounding error, and the message says so). A
    diagnosis' confirmation call (``diagnosis.confirming()``) runs on the diagnosis' own
    copies: they are restored, and the call does not fail.
    """

    def __init__(
        self,
        signature: inspect.Signature | None,
        function: str,
        args: tuple,
        kwargs: dict,
        compare: Comparison,
    ) -> None:
        self.function = function
        self.compare = compare
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
        self.watched = [(n, v) for n, v in zip(names, values) if holds_arrays(v)]
        self.before = [copy.deepcopy(v) for _, v in self.watched]

    def arguments_before(self) -> dict[str, Any]:
        """The call's arguments by name, as they were before the call."""
        if self.bound is None:
            return {}
        arguments = dict(self.bound.arguments)
        arguments.update(dict(zip([n for n, _ in self.watched], self.before)))
        return arguments

    def check(self) -> None:
        """Restore every argument the call changed; then raise the first change's
        AssertionError (not for a confirmation call)."""
        first: AssertionError | None = None
        for (arg, value), before in zip(self.watched, self.before):
            try:
                self.compare(before, value, name=self.function, arg=arg)
            except AssertionError as change:
                restore_in_place(value, before)
                first = first or change
        if first is not None and not confirming():
            raise first


def holds_arrays(value: Any) -> bool:
    """Arrays, or containers holding some: what a submission could modify in place."""
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, dict):
        return any(holds_arrays(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_arrays(v) for v in value)
    return False


def restore_in_place(target: Any, snapshot: Any) -> None:
    """Put ``snapshot`` back into ``target`` in place (arrays, dicts, lists)."""
    with contextlib.suppress(Exception):
        copy_into(target, copy.deepcopy(snapshot))
