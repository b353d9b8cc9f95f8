"""The hidden tests judge correctly: the solutions pass all of them, mutants fail theirs.

The hidden tests run in-process (``pytest.main``) with a tiny plugin whose ``hw`` and
``ref`` fixtures are plain modules: ``ref`` is ``solutions/hw.py``, ``hw`` is either a
second copy of it or a copy with one function replaced by a typical student mistake.
(Correct variants written another way are graded by the whole engine in
tests/test_variants.py, with every hidden test and more examples.)
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

from autograder import paths
from autograder.config import load_config

_COUNTER = itertools.count()


def _solutions() -> ModuleType:
    """A fresh copy of solutions/hw.py (its own module object, its own globals)."""
    name = f"_selfcheck_solutions_{next(_COUNTER)}"
    return paths.load_module(paths.SOLUTIONS_HW, name)


class _Plugin:
    """Fixtures ``hw``/``ref``, the ``grades`` marker, a small Hypothesis profile; records
    the outcome of every test with the function it grades."""

    def __init__(self, hw: ModuleType | dict[str, ModuleType], ref: ModuleType,
                 only: str | None = None,
                 max_examples: int = 8) -> None:
        self._hw, self._ref, self._only = hw, ref, only
        self._max_examples = max_examples
        self.exclude: tuple[str, ...] = ()
        #: id(submission module) -> the only function whose tests run for it
        self.targets: dict[int, str] = {}
        self.function: dict[str, str] = {}
        self.outcome: dict[str, str] = {}
        self.longrepr: dict[str, str] = {}
        self._previous = "default"

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "grades(function, weight=1): graded function")
        self._previous = getattr(settings, "_current_profile", None) or "default"
        settings.register_profile(
            "hidden-selfcheck", max_examples=self._max_examples, derandomize=True, database=None,
            deadline=None, suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: fast fails
        settings.load_profile("hidden-selfcheck")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        settings.load_profile(self._previous)

    @pytest.fixture(scope="session")
    def hw(self) -> ModuleType:
        return self._hw

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """With several submissions (a dict), every test runs once per submission."""
        if isinstance(self._hw, dict) and "hw" in metafunc.fixturenames:
            metafunc.parametrize("hw", list(self._hw.values()), ids=list(self._hw),
                                 scope="session")

    @pytest.fixture(scope="session")
    def ref(self) -> ModuleType:
        return self._ref

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            mark = item.get_closest_marker("grades")
            function = mark.args[0] if mark else "<no grades marker>"
            wanted = self._only is None or function == self._only
            if isinstance(self._hw, dict) and self.targets:  # each mutant: its function only
                hw = item.callspec.params.get("hw") if hasattr(item, "callspec") else None
                wanted = self.targets.get(id(hw)) == function
            if wanted and not any(word in item.nodeid for word in self.exclude):
                self.function[item.nodeid] = function
                keep.append(item)
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed or report.skipped or report.nodeid not in self.outcome:
            self.outcome[report.nodeid] = report.outcome
            if report.failed:
                self.longrepr[report.nodeid] = str(report.longrepr)[-1500:]

    def failing_functions(self) -> set[str]:
        return {self.function[n] for n, o in self.outcome.items() if o != "passed"}


def _run(hw: ModuleType | dict[str, ModuleType], *files: str, only: str | None = None,
         max_examples: int = 8,
         exclude: tuple[str, ...] = (), targets: dict[int, str] | None = None,
         folder: Path = paths.HIDDEN_TESTS) -> _Plugin:
    """Run the tests of ``folder`` (the hidden tests; the public ones with
    ``folder=paths.STUDENT_TESTS``) on ``hw``."""
    plugin = _Plugin(hw, _solutions(), only, max_examples)
    plugin.exclude = exclude
    plugin.targets = targets or {}
    targets = [str(folder / f) for f in files] or [str(folder)]
    args = ["-q", "-p", "no:cacheprovider", "--noconftest", "-c", os.devnull,
            "--rootdir", str(paths.ROOT), "-W", "ignore::RuntimeWarning", *targets]
    sys_path = list(sys.path)
    if str(paths.STUDENT_TESTS) not in sys.path:
        sys.path.insert(0, str(paths.STUDENT_TESTS))
    try:
        code = pytest.main(args, plugins=[plugin])
    finally:
        sys.path[:] = sys_path
    assert int(code) in (0, 1), f"pytest could not run the hidden tests (exit code {code})"
    return plugin


def test_solutions_pass_every_hidden_test_and_every_function_is_covered() -> None:
    plugin = _run(_solutions())
    failed = {n: plugin.longrepr.get(n, o) for n, o in plugin.outcome.items() if o != "passed"}
    assert not failed, "hidden tests fail on the solutions:\n" + "\n\n".join(
        f"{n}:\n{r}" for n, r in failed.items())
    per_function: dict[str, int] = {}
    for function in plugin.function.values():
        per_function[function] = per_function.get(function, 0) + 1
    assert set(per_function) == set(load_config().functions)
    assert min(per_function.values()) >= 2, per_function


# ----------------------------------------------------------------------------- mutants
# The catalogued mistakes (autograder/mistakes) are graded end to end by tests/test_mutants.py
# (each must lose points on its own function) and run through the public tests below; here
# only the mistakes the catalog does not hold, run straight through the hidden tests.

def _relu_int(x: Any) -> np.ndarray:
    return np.maximum(x, 0)  # integer input stays integer


#: mutant name -> (the function it replaces, make(copy of the solutions) -> the new function)
MUTANTS: dict[str, tuple[str, Callable[[ModuleType], Callable]]] = {
    "relu keeping integer dtype": ("relu", lambda s: _relu_int),
}


def test_mutants_fail_the_tests_of_their_function() -> None:
    """Each mutant (one session for all: every mutant runs its own function's tests only)."""
    mutants, targets = {}, {}
    for name, (function, make) in MUTANTS.items():
        hw = _solutions()
        setattr(hw, function, make(hw))
        mutants[name] = hw
        targets[id(hw)] = function
    plugin = _run(mutants, targets=targets)
    missed = []
    for name, (function, _make) in MUTANTS.items():
        runs = [n for n in plugin.function if n.endswith(f"[{name}]") or f"[{name}-" in n
                or f"-{name}]" in n or f"-{name}-" in n]
        assert runs, f"no hidden test of {function} ran for the mutant {name!r}"
        if not any(plugin.outcome.get(n) == "failed" for n in runs):
            missed.append(f"{name} ({function})")
    assert not missed, f"mutants no hidden test caught: {missed}"


def test_a_dtype_message_speaks_of_integer_inputs_only_when_there_are_some() -> None:
    """init_two_layer_net has no array inputs: its float32 weights are told "float64", with
    no remark about integer inputs (issue 13: a hint about inputs that do not exist)."""
    import types

    from autograder.hidden_tests.agreement import agree
    from autograder.mistakes.diagnosis import KNOWN_MISTAKE

    ref = _solutions()

    def float32_init(*args: Any, **kwargs: Any) -> dict:
        return {k: v.astype(np.float32) for k, v in ref.init_two_layer_net(*args, **kwargs).items()}

    hw = types.SimpleNamespace(init_two_layer_net=float32_init,
                               relu=lambda x: np.maximum(x, 0))  # keeps integer dtypes
    with pytest.raises(AssertionError) as info:
        agree(hw, ref, "init_two_layer_net", 3, 4, 2, seed=1)
    text = str(info.value)
    assert "expected a float64 array, got dtype float32" in text
    assert "integer" not in text and KNOWN_MISTAKE not in text
    with pytest.raises(AssertionError) as info:
        agree(hw, ref, "relu", np.arange(-2, 3))
    assert "got dtype int64 (integer inputs are treated as float64)" in str(info.value)


# ----------------------------------------------------------------------------- public tests

#: catalogued mistakes the public tests do not catch (the hidden tests do), and why
NOT_CAUGHT_BY_PUBLIC: dict[str, str] = {
    "cross_entropy_grad_int_dtype": "no public test passes integer probabilities",
    "adagrad_eps_inside_sqrt": "eps shows only for tiny gradients; the public ones are ordinary",
    "rmsprop_eps_inside_sqrt": "eps shows only for tiny gradients; the public ones are ordinary",
    "adam_eps_inside_sqrt": "eps shows only for tiny gradients; the public ones are ordinary",
    "train_classes_from_unique": "every class occurs in the public training data",
    "train_adam_t_reset_each_epoch": "the public exact-training tests use gradient descent",
    "train_adam_t_per_parameter": "the public exact-training tests use gradient descent",
    "train_adam_m_v_same_dict": "the public exact-training tests use gradient descent",
}


def test_public_tests_catch_the_catalogued_mistakes(tmp_path: Path) -> None:
    """The public tests, which read stored expected values instead of trusted helpers,
    catch every catalogued mistake but the listed ones (run in the student's way: the
    mutant is the hw module itself; each mutant runs its own function's tests only)."""
    from autograder.mistakes import MISTAKES
    from autograder.mistakes.inject import write_mutant

    mutants, targets = {}, {}
    for m in MISTAKES:
        hw = paths.load_module(write_mutant(m, tmp_path / m.id), f"_public_{m.id}")
        mutants[m.id] = hw
        targets[id(hw)] = m.function
    plugin = _run(mutants, targets=targets, folder=paths.STUDENT_TESTS)
    missed = set()
    for m in MISTAKES:
        runs = [n for n in plugin.function if f"[{m.id}]" in n or f"[{m.id}-" in n
                or f"-{m.id}]" in n or f"-{m.id}-" in n]
        assert runs, f"no public test of {m.function} ran for {m.id}"
        if not any(plugin.outcome.get(n) == "failed" for n in runs):
            missed.add(m.id)
    assert missed == set(NOT_CAUGHT_BY_PUBLIC)
