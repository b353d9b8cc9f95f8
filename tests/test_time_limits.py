"""Per-call time limits relative to the reference solution (autograder/grading/time_limits.py).

The reference's calls are timed with an injected clock, so these tests do not depend on
the speed of the machine running them.
"""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.config import load_config
from autograder.grading.results import per_test_records
from autograder.grading.runner import run_grading
from autograder.grading.time_limits import CallLimit, CallLimits, call_key


class FakeClock:
    """Each reference call "takes" the seconds its function says (``x.cost``)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_limits(
    floor: float = 5.0, factor: float = 100.0, per_function: dict | None = None
) -> tuple[CallLimits, list[str]]:
    clock = FakeClock()
    calls: list[str] = []

    def slow(x, cost=0.2):
        calls.append("slow")
        clock.now += cost
        return x

    def fast(x):
        calls.append("fast")
        clock.now += 1e-6
        return x

    def broken(x):
        calls.append("broken")
        raise ValueError("the reference rejects this input")

    def mutating(x):
        calls.append("mutating")
        x[...] = 0
        return x

    reference = types.SimpleNamespace(slow=slow, fast=fast, broken=broken, mutating=mutating)
    limits = CallLimits(
        lambda: reference, floor=floor, factor=factor, per_function_floor=per_function, clock=clock
    )
    return limits, calls


def test_a_fast_call_gets_the_floor() -> None:
    limits, _ = make_limits()
    limit = limits.limit("fast", (np.zeros(3),), {})
    assert limit.seconds == 5.0 and limit.reference_seconds == pytest.approx(1e-6)


def test_a_slow_call_gets_factor_times_the_reference() -> None:
    limits, _ = make_limits(factor=100.0)
    limit = limits.limit("slow", (np.zeros(3),), {"cost": 0.2})
    assert limit.seconds == pytest.approx(20.0)
    assert limit.reference_seconds == pytest.approx(0.2)


def test_a_function_can_have_its_own_floor() -> None:
    limits, _ = make_limits(per_function={"fast": 30.0})
    assert limits.limit("fast", (1,), {}).seconds == 30.0
    assert limits.limit("slow", (1,), {"cost": 0.001}).seconds == 5.0


def test_without_a_reference_time_the_floor_applies() -> None:
    limits, _ = make_limits()
    for name in ("broken", "no_such_function"):
        limit = limits.limit(name, (np.ones(2),), {})
        assert (limit.seconds, limit.reference_seconds) == (5.0, None)


def test_the_reference_is_timed_once_per_distinct_call() -> None:
    limits, calls = make_limits()
    for _ in range(3):
        limits.limit("slow", (np.arange(4.0),), {"cost": 0.2})
    limits.limit("slow", (np.arange(5.0),), {"cost": 0.2})  # other values: timed again
    limits.limit("slow", (np.arange(4.0).astype(np.float32),), {"cost": 0.2})  # other dtype
    assert calls == ["slow", "slow", "slow"]


def test_the_reference_never_touches_the_callers_arguments() -> None:
    limits, _ = make_limits()
    x = np.arange(3.0)
    limits.limit("mutating", (x,), {})
    assert x.tolist() == [0.0, 1.0, 2.0]


def test_call_keys_tell_values_and_structure_apart() -> None:
    a = call_key("f", (np.zeros((2, 3)),), {})
    assert a == call_key("f", (np.zeros((2, 3)),), {})
    assert a != call_key("f", (np.zeros((3, 2)),), {})
    assert a != call_key("g", (np.zeros((2, 3)),), {})
    assert call_key("f", ({"a": 1, "b": 2},), {}) == call_key("f", ({"b": 2, "a": 1},), {})
    assert call_key("f", ([1, 2],), {}) != call_key("f", ([[1, 2]],), {})


def test_the_explanation_says_how_much_slower() -> None:
    limit = CallLimit(seconds=20.0, floor=5.0, factor=100.0, reference_seconds=0.2)
    text = limit.explain("train_two_layer_net")
    assert "reference solution takes 200 ms" in text
    assert "more than 100 times slower" in text
    assert "100 times the reference solution's time" in text and "at least 5 s" in text
    floor_only = CallLimit(seconds=5.0, floor=5.0, factor=100.0, reference_seconds=None)
    assert floor_only.explain("f") == (
        "(the limit is 100 times the reference solution's time for the same call, and at "
        "least 5 s)"
    )


SLOW_RELU = """
import time
import numpy as np


def relu(x):
    time.sleep(3600)  # an endless call
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)
"""


def test_a_timeout_message_names_the_reference_time(tmp_path: Path) -> None:
    """Graded for real: a call that exceeds its limit is told what the limit was made of."""
    hw = tmp_path / "hw.py"
    hw.write_text(paths.STUDENT_HW.read_text(encoding="utf-8") + SLOW_RELU)
    config = load_config()
    limits = dataclasses.replace(config.limits, call_timeout=1.0, time_budget=60.0)
    config = dataclasses.replace(config, limits=limits)
    run = run_grading(hw, config, ["relu"])
    outputs = [t["output"] for t in per_test_records(run.results) if t["status"] == "failed"]
    assert outputs, run.results
    timed_out = [o for o in outputs if "timed out after" in o]
    assert timed_out, outputs
    assert any("times the reference solution's time for the same call" in o for o in timed_out)
