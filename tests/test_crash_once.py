"""A function whose call killed the worker is not called again in that grade (issue 21.7).

A submission that segfaults in every call used to cost one worker restart per test (and
per Hypothesis example): 231 restarts at about 1.3 s each took the whole 300 s budget and
left 72 tests "not run". Now a crash counts like a timeout
(``GuardedSubmission.MAX_CRASHES``): the crashing function is not called again in that
grade, its later calls fail at once with the crash's message, and the other functions are
graded as before.

The guard itself is exercised with an in-process stand-in proxy (as in
``tests/test_call_guard.py``); the whole effect with a real sandboxed grade of a hostile
submission (root only: the jail and the dedicated uid exist only then).
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import types
from pathlib import Path
from typing import Any

import pytest
from hostile.harness import run_payload
from hostile.payloads import Payload

from autograder import paths
from autograder.grading.call_guard import (
    CrashNotRetried,
    GuardedSubmission,
    NoFurtherExamples,
    TimeBudget,
)
from autograder.grading.results import per_test_records
from autograder.grading.time_limits import CallLimits
from autograder.sandbox.errors import WorkerCrashed

CHECKS = paths.load_module(paths.STUDENT_TESTS / "checks.py", "_test_crash_once_checks")


def _reference() -> types.ModuleType:
    module = types.ModuleType("reference")

    def double(x):
        return 2 * x

    module.double = double
    module.crash = double
    return module


REFERENCE = _reference()


class CrashingProxy:
    """A stand-in for the sandbox's proxy: ``crash`` kills "the worker" at every call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def call_with_timeout(self, name: str, args: tuple, kwargs: dict, timeout: float) -> Any:
        self.calls.append(name)
        if name == "crash":
            raise WorkerCrashed("crash", -11, "SIGSEGV: segmentation fault")
        return 2 * args[0]

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None  # found by the guard; called through call_with_timeout


def _guarded(proxy: CrashingProxy) -> GuardedSubmission:
    hw = GuardedSubmission(
        proxy,
        graded=("double", "crash"),
        budget=TimeBudget(60.0),
        call_limits=CallLimits(lambda: REFERENCE, floor=5.0, factor=1000.0),
        signature=lambda f: inspect.signature(getattr(REFERENCE, f)),
        compare=CHECKS.assert_unchanged,
    )
    hw.enter_test("test_1")
    return hw


def test_a_crash_ends_the_test_and_the_function_is_not_called_again_in_the_grade() -> None:
    proxy = CrashingProxy()
    hw = _guarded(proxy)
    with pytest.raises(NoFurtherExamples) as first:  # no other example would help
        hw.crash(1)
    assert isinstance(first.value.error, WorkerCrashed)
    for test in ("test_1", "test_2", "test_3"):
        hw.enter_test(test)
        with pytest.raises(NoFurtherExamples) as later:
            hw.crash(2)
        error = later.value.error
        assert isinstance(error, CrashNotRetried)
        assert error.kind == "crash"
        assert str(error).startswith("crash() was not called: an earlier call of it")
        assert "SIGSEGV: segmentation fault" in str(error)  # the crash's own message
    assert proxy.calls == ["crash"]  # one call: one restart of the worker, not one per test
    assert hw.double(3) == 6  # the other functions are called as before
    assert proxy.calls == ["crash", "double"]


# ----------------------------------------------------------------------------- a real grade

#: Functions of several parts (31 tests between them): fast enough, and more tests than
#: functions, so that one restart per test and one per function differ clearly.
SEGFAULTING = ("softmax", "mae_loss", "sigmoid", "relu", "gd_step", "steps_per_epoch")


def _segfault_everywhere(functions: tuple[str, ...]) -> Payload:
    code = "".join(
        f"\n\ndef {name}(*args, **kwargs):\n    import ctypes\n    ctypes.string_at(0)\n"
        for name in functions
    )
    return Payload("segfault_everywhere", "ctypes.string_at(0) in every graded function",
                   code, functions, expect=r"SIGSEGV", every=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the jail and its uid exist only as root")
def test_a_submission_that_segfaults_in_every_call_costs_one_restart_per_function(
    tmp_path: Path,
) -> None:
    payload = _segfault_everywhere(SEGFAULTING)
    # a budget no grade of it needs: what is counted is restarts, never seconds
    outcome = run_payload(dataclasses.replace(payload), tmp_path, limits={"time_budget": 240.0})
    assert outcome.problems == [], outcome.problems
    tests = per_test_records(outcome.results)  # one record per test, inside the entries
    graded = [t for t in tests if t["tags"][0] != "submission"]
    assert {t["tags"][0] for t in graded} == set(SEGFAULTING)
    assert len(graded) > 2 * len(SEGFAULTING)
    assert not [t for t in graded if t["output"].startswith("not run")]
    worker = outcome.results["extra_data"]["worker"]
    assert worker["crashes"] == len(SEGFAULTING), worker
    assert worker["restarts"] <= len(SEGFAULTING), worker
    later = [t for t in graded if "was not called: an earlier call of it" in t["output"]]
    assert len(later) == len(graded) - len(SEGFAULTING)
