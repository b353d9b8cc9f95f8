"""The guards around every call into the submission (autograder/grading/call_guard.py).

A stand-in proxy answers in this process; the grade's clock is a fake one, so the time
budget and the limits are exercised without waiting. What these guards mean for a whole
grade (a timed-out function not called again across tests, the budget stopping the
remaining tests) is tested through fake grades in tests/test_runner.py.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

import numpy as np
import pytest

from autograder import paths
from autograder.grading.call_guard import (
    GuardedSubmission,
    InputGuardUnavailable,
    NoFurtherExamples,
    TimeBudget,
    TimeBudgetExhausted,
    TimeoutNotRetried,
    holds_arrays,
    input_comparison,
    restore_in_place,
)
from autograder.grading.time_limits import CallLimits
from autograder.mistakes.diagnosis import confirmation
from autograder.sandbox.errors import (
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionRaised,
    SubmissionTimeout,
)

CHECKS = paths.load_module(paths.STUDENT_TESTS / "checks.py", "_test_call_guard_checks")


class Clock:
    """The grade's clock: time passes only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _reference() -> types.ModuleType:
    module = types.ModuleType("reference")

    def double(x, scale=2):
        return x * scale

    def shift(x, params):
        return x

    module.double = double
    module.shift = shift
    module.spin = double
    module.stub = double
    return module


REFERENCE = _reference()
GRADED = ("double", "shift", "spin", "stub", "absent")


class Proxy:
    """In-process stand-in for the sandbox's SubmissionProxy (its call_with_timeout)."""

    version = "1.0"  # a plain attribute of hw.py

    def __init__(self) -> None:
        self.timeouts: list[float] = []
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        raise MissingFunction(name)

    def call_with_timeout(self, name: str, args: tuple, kwargs: dict, timeout: float) -> Any:
        self.timeouts.append(timeout)
        self.calls.append(name)
        return getattr(self, "_" + name)(*args, **kwargs)

    def double(self, *args: Any, **kwargs: Any) -> Any:  # found by the guard, called above
        raise AssertionError("the guard calls through call_with_timeout")

    shift = spin = stub = double

    def helper(self) -> str:
        return "not graded"

    def _double(self, x: Any, scale: float = 2) -> Any:
        return x * scale

    def _shift(self, x: np.ndarray, params: dict, *rest: Any) -> np.ndarray:
        x += 1  # writes into its input
        params["W"][0] = 99.0
        params["extra"] = 1
        return x.copy()  # a reply is a new array, as the worker's are

    def _spin(self, x: Any) -> Any:
        raise SubmissionTimeout("spin", self.timeouts[-1], "spin(...)")

    def _stub(self, x: Any) -> Any:
        raise NotImplementedBySubmission("stub")


def guarded(proxy: Any = None, *, budget_s: float = 60.0, clock: Clock | None = None
            ) -> tuple[GuardedSubmission, Any, Clock]:
    clock = clock or Clock()
    proxy = proxy if proxy is not None else Proxy()
    limits = CallLimits(lambda: REFERENCE, floor=5.0, factor=1000.0)
    hw = GuardedSubmission(
        proxy,
        graded=GRADED,
        budget=TimeBudget(budget_s, clock),
        call_limits=limits,
        signature=lambda f: inspect.signature(getattr(REFERENCE, f)),
        compare=CHECKS.assert_unchanged,
    )
    hw.enter_test("test_1")
    return hw, proxy, clock


# ---------------------------------------------------------------------------- the budget


def test_the_time_budget_counts_from_its_start() -> None:
    clock = Clock()
    budget = TimeBudget(10.0, clock)
    clock.now += 4
    assert (budget.elapsed(), budget.left(), budget.spent()) == (4.0, 6.0, False)
    clock.now += 6
    assert budget.spent()


def test_a_call_gets_its_limit_capped_by_what_is_left_of_the_budget() -> None:
    hw, proxy, clock = guarded(budget_s=60.0)
    assert hw.double(3) == 6
    clock.now += 57.5  # 2.5 s left: the call may take those and 1 s more
    assert hw.double(3, scale=3) == 9
    assert proxy.timeouts == [5.0, 3.5]


def test_once_the_budget_is_spent_no_call_is_made() -> None:
    hw, proxy, clock = guarded(budget_s=10.0)
    clock.now += 10
    with pytest.raises(NoFurtherExamples) as stopped:
        hw.double(1)
    assert isinstance(stopped.value.error, TimeBudgetExhausted)
    assert "10 s for the whole grade" in str(stopped.value.error)
    assert proxy.calls == []


# ---------------------------------------------------------------------------- timeouts


def test_a_function_that_timed_out_is_not_called_again() -> None:
    hw, proxy, _ = guarded()
    with pytest.raises(NoFurtherExamples) as first:
        hw.spin(1)
    assert isinstance(first.value.error, SubmissionTimeout)
    assert "the limit is 1000 times the reference solution's time" in str(first.value.error)
    with pytest.raises(NoFurtherExamples) as again:  # the same test: not retried
        hw.spin(2)
    assert isinstance(again.value.error, TimeoutNotRetried)
    assert str(again.value.error).endswith("(not called again in this test)")
    hw.enter_test("test_2")
    with pytest.raises(NoFurtherExamples) as later:  # another test: not at all (MAX_TIMEOUTS)
        hw.spin(3)
    assert str(later.value.error).startswith("spin() was not called: it already timed out once")
    assert proxy.calls == ["spin"]
    assert hw.double(2) == 4  # the other functions are called as before


def test_a_timeout_when_the_budget_ran_out_says_so() -> None:
    hw, _, clock = guarded(budget_s=60.0)
    clock.now += 58  # 2 s left: the call's limit is the budget's 3 s, not its own 5 s
    with pytest.raises(NoFurtherExamples) as stopped:
        hw.spin(1)
    assert str(stopped.value.error).endswith("(the grade's time budget ran out during the call)")


# ---------------------------------------------------------------------------- no other input helps


def test_a_stub_or_a_missing_function_ends_the_test_at_once() -> None:
    hw, _, _ = guarded()
    with pytest.raises(NoFurtherExamples) as stub:
        hw.stub(1)
    assert isinstance(stub.value.error, NotImplementedBySubmission)
    with pytest.raises(NoFurtherExamples) as missing:
        _ = hw.absent
    assert isinstance(missing.value.error, MissingFunction)


def test_what_is_not_graded_passes_through_unguarded() -> None:
    hw, proxy, clock = guarded(budget_s=1.0)
    clock.now += 5  # the budget is spent, but only graded calls are guarded
    assert hw.helper() == "not graded"
    assert hw.version == "1.0"
    with pytest.raises(MissingFunction):  # an AttributeError: getattr(hw, x, default) works
        _ = hw.no_such_helper
    assert getattr(hw, "no_such_helper", None) is None
    assert proxy.calls == []


def test_another_error_of_the_submission_is_raised_as_it_is() -> None:
    class Raising(Proxy):
        def _double(self, x: Any, scale: float = 2) -> Any:
            raise SubmissionRaised("double", "ValueError", "no", [])

    hw, _, _ = guarded(Raising())
    with pytest.raises(SubmissionRaised):
        hw.double(1)


# ---------------------------------------------------------------------------- the input guard


def test_a_call_that_writes_into_its_inputs_fails_and_all_of_them_are_restored() -> None:
    hw, _, _ = guarded()
    x = np.zeros(3)
    params = {"W": np.array([1.0, 2.0])}
    W = params["W"]
    with pytest.raises(AssertionError, match=r"shift: modified its input `x` in place"):
        hw.shift(x, params)
    assert np.array_equal(x, np.zeros(3))
    assert params.keys() == {"W"} and params["W"] is W  # restored in place
    assert np.array_equal(W, [1.0, 2.0])


def test_a_confirmation_call_is_restored_but_does_not_fail() -> None:
    hw, _, _ = guarded()
    x = np.zeros(3)
    with confirmation():
        out = hw.shift(x, {"W": np.ones(2)})
    assert np.array_equal(out, np.ones(3))  # the submission's own answer
    assert np.array_equal(x, np.zeros(3))


def test_arguments_that_cannot_be_bound_are_watched_by_position() -> None:
    hw, _, _ = guarded()
    with pytest.raises(AssertionError, match=r"modified its input `argument 1`"):
        hw.shift(np.zeros(2), {"W": np.ones(1)}, "one too many")


def test_the_guard_needs_checks_and_says_so_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(paths.STUDENT_TESTS))
    monkeypatch.delitem(sys.modules, "checks", raising=False)
    assert input_comparison().__name__ == "assert_unchanged"
    monkeypatch.setitem(sys.modules, "checks", None)  # import checks fails
    with pytest.raises(InputGuardUnavailable, match=r"`import checks` failed"):
        input_comparison()
    monkeypatch.setitem(sys.modules, "checks", types.ModuleType("checks"))
    with pytest.raises(InputGuardUnavailable, match=r"has no assert_unchanged"):
        input_comparison()


# ---------------------------------------------------------------------------- restoring


def test_restore_puts_arrays_dicts_and_lists_back() -> None:
    a = np.arange(4.0)
    restore_in_place(a, np.zeros(4))
    assert np.array_equal(a, np.zeros(4))
    inner = np.ones(2)
    d = {"W": inner, "new": 1, "nested": {"b": np.zeros(1)}}
    restore_in_place(d, {"W": np.full(2, 7.0), "nested": {"b": np.ones(1)}, "gone": [1]})
    assert d["W"] is inner and np.array_equal(inner, [7.0, 7.0])
    assert set(d) == {"W", "nested", "gone"} and np.array_equal(d["nested"]["b"], [1.0])
    xs = [np.zeros(1), 5]
    restore_in_place(xs, [np.ones(1)])
    assert len(xs) == 1 and np.array_equal(xs[0], [1.0])
    shape_changed = np.zeros(3)
    restore_in_place(shape_changed, np.ones(2))  # cannot be put back in place: left alone
    assert np.array_equal(shape_changed, np.zeros(3))


def test_only_values_holding_arrays_are_watched() -> None:
    assert holds_arrays(np.zeros(1)) and holds_arrays({"a": [1, (np.zeros(1),)]})
    assert not holds_arrays([1, 2.0, "x", {"a": None}])
