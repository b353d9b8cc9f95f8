"""Trusted helpers of the hidden tests: run the submission and the solutions on the same
inputs and compare, check immutability and gradients, explain known mistakes.

All comparisons go through ``checks`` (``student/tests/checks.py``), the helpers the public
tests use too, so both judge with the same acceptance rule (:func:`checks.conform`) and
the same tolerances. Before the trusted side computes anything on a value the submission
returned, :func:`checks.conform` checks it against the expected value's kind, dtype and
shape (so a hostile shape cannot make that computation large).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import weakref
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder import paths
from autograder.grading.call_guard import GuardedSubmission, InputGuard, input_comparison
from autograder.hidden_tests.numerical import central_differences
from autograder.mistakes.diagnosis import KNOWN_MISTAKE, confirmation, explain
from autograder.mistakes.observed import OBSERVED, RETURN_NAMES
from autograder.sandbox.wire import copy_keeping_layout

if str(paths.STUDENT_TESTS) not in sys.path:  # the runner normally puts it first already
    sys.path.append(str(paths.STUDENT_TESTS))

import checks  # student/tests/checks.py
import testfuncs  # student/tests/testfuncs.py

__all__ = [
    "agree",
    "assert_gradient",
    "assert_immutable",
    "call_both",
    "checks",
    "compare",
    "conform",
    "describe",
    "diagnosed",
    "explain",
    "immutability_case",
    "laid_out",
    "layout_cases",
    "load_timbre",
    "require",
    "run_immutability",
    "testfuncs",
    "timbre_dataset",
]




def _label(function: str, what: str = "") -> str:
    """``function`` or ``function (returned what)`` for messages."""
    return f"{function} (returned {what})" if what else function


def fresh(value: Any) -> Any:
    """A deep copy of an argument (arrays keep their memory layout, dicts, lists, tuples)."""
    return copy_keeping_layout(value)


#: per submission (the ``hw`` a test got): mistake id -> confirmed by the submission
_CONFIRMED: weakref.WeakKeyDictionary[Any, dict[str, bool]] = weakref.WeakKeyDictionary()


def _submission_call(hw: Any, function: str) -> tuple[Callable[..., Any] | None, dict | None]:
    """The submission's ``function`` (to confirm a diagnosis with) and its cache."""
    if hw is None:
        return None, None
    try:
        cache = _CONFIRMED.setdefault(hw, {})
    except TypeError:  # not weakly referenceable: no cache
        cache = None
    return (lambda *a, **k: getattr(hw, function)(*a, **k)), cache


@contextlib.contextmanager
def diagnosed(function: str, args: tuple, kwargs: dict, got: Any, hw: Any) -> Iterator[None]:
    """Add the known-mistake diagnosis of ``got`` (once) to an AssertionError raised inside.

    A mistake is named only when the submission ``hw`` confirms it (see
    :func:`autograder.mistakes.diagnosis.diagnose`).
    """
    try:
        yield
    except AssertionError as exc:
        hint = ""
        if KNOWN_MISTAKE not in str(exc):
            call, cache = _submission_call(hw, function)
            hint = explain(function, args, kwargs, got, call, cache=cache)
        if hint:
            raise AssertionError(f"{exc}{hint}") from None
        raise


def _inputs(args: tuple, kwargs: dict, names: tuple[str, ...] | None) -> dict:
    names = names or tuple(f"arg{i}" for i in range(len(args)))
    out = dict(zip(names, args))
    out.update(kwargs)
    return out


def conform(function: str, got: Any, expected: Any, inputs: dict, what: str = "") -> None:
    """``checks.conform``: ``got`` is a value of the kind, dtype and shape of ``expected``
    (the one acceptance rule), before anything is computed on it."""
    checks.conform(got, expected, name=_label(function, what), inputs=inputs)


def compare(function: str, got: Any, expected: Any, *, args: tuple = (), kwargs: dict | None = None,
            names: tuple[str, ...] | None = None, what: str = "", hw: Any = None,
            diagnose: bool = True, **tol: Any) -> None:
    """``checks.assert_close`` of one returned value; on failure add the mistake diagnosis
    (confirmed by ``hw``).

    ``diagnose=False`` when ``got`` is one part of the result and the caller diagnoses the
    whole result.
    """
    kwargs = kwargs or {}
    label = _label(function, what)
    tol = {k: v for k, v in tol.items() if v is not None}
    inputs = _inputs(args, kwargs, names)
    with diagnosed(function, args, kwargs, got, hw) if diagnose else contextlib.nullcontext():
        checks.assert_close(got, expected, name=label, inputs=inputs, **tol)


def _call_submission(hw: Any, function: str, args: tuple, kwargs: dict) -> Any:
    """``hw.function(*args, **kwargs)`` on copies of the inputs.

    A call that writes into its inputs fails (the grader's input guard); its message then
    gets the known-mistake diagnosis too, from the value the same call returns when it is
    repeated as a confirmation call (whose inputs the guard restores without failing).
    """
    a, k = fresh(args), fresh(kwargs)
    try:
        return getattr(hw, function)(*a, **k)
    except AssertionError as exc:
        if "in place" not in str(exc) or KNOWN_MISTAKE in str(exc):
            raise
        call, cache = _submission_call(hw, function)
        hint = ""
        with contextlib.suppress(Exception):
            with confirmation():  # the guard restores the copies without failing the call
                got = getattr(hw, function)(*fresh(args), **fresh(kwargs))
            hint = explain(function, args, kwargs, got, call, cache=cache)
        if hint:
            raise AssertionError(f"{exc}{hint}") from None
        raise


def call_both(hw: Any, ref: ModuleType, function: str, *args: Any,
              **kwargs: Any) -> tuple[Any, Any]:
    """Call ``function`` of the submission and of the solutions, each on its own copies."""
    got = _call_submission(hw, function, args, kwargs)
    expected = getattr(ref, function)(*fresh(args), **fresh(kwargs))
    return got, expected


def _compare_result(function: str, got: Any, expected: Any, args: tuple, kwargs: dict,
                    names: tuple[str, ...] | None, rtol: float | None,
                    atol: float | None) -> None:
    """The acceptance rule on the whole value, then the values of each returned part."""
    inputs = _inputs(args, kwargs, names)
    conform(function, got, expected, inputs)
    parts = RETURN_NAMES.get(function, ())
    if parts and isinstance(expected, (tuple, list)) and len(parts) == len(expected):
        pairs = [(name, got[i], expected[i]) for i, name in enumerate(parts)]
    else:
        pairs = [("", got, expected)]
    for what, g, e in pairs:
        compare(function, g, e, args=args, kwargs=kwargs, names=names, what=what,
                diagnose=False, rtol=rtol, atol=atol)


def agree(hw: Any, ref: ModuleType, function: str, *args: Any, names: tuple[str, ...] | None = None,
          rtol: float | None = None, atol: float | None = None, **kwargs: Any) -> Any:
    """Call both implementations and compare every returned value.

    The submission's value must be of the kind of the solution's (``checks.conform``: a
    float for a float, float64 arrays of the same shapes, a tuple or list of as many
    values, dicts with the same keys, integers where the solution returns integers), then
    every value is compared. Returns the submission's value.
    """
    got, expected = call_both(hw, ref, function, *args, **kwargs)
    with observed(function, args, kwargs, expected, got), diagnosed(function, args, kwargs,
                                                                    got, hw):
        _compare_result(function, got, expected, args, kwargs, names, rtol, atol)
    return got


@contextlib.contextmanager
def observed(function: str, args: tuple, kwargs: dict, expected: Any, got: Any) -> Iterator[None]:
    """Record a failing comparison inside in :data:`OBSERVED` (the test's
    ``extra_data["observed"]``: data for the class's candidate mistakes, never shown)."""
    try:
        yield
    except AssertionError:
        OBSERVED.record(function, args, kwargs, expected, got)
        raise


def _arrays_in(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays_in(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays_in(v)]
    return []


def assert_immutable(hw: Any, function: str, *args: Any, **kwargs: Any) -> Any:
    """Call the submission, which must leave every argument as it was (arrays, also inside
    dicts; exactly: ``numerical_gradient`` may perturb x in place if it puts every old
    value back).

    The check is the call guard's (:class:`autograder.grading.call_guard.InputGuard`: a
    snapshot of the arguments, compared exactly, every changed argument restored and the
    call failed naming the first): one mechanism. When grading, ``hw`` is the plugin's
    :class:`~autograder.grading.call_guard.GuardedSubmission`, which makes that check after
    every call of every test; a plain module (the project's self-check runs the hidden
    tests on the solutions and on mutants in-process) gets the same guard around this call.
    """
    if isinstance(hw, GuardedSubmission):
        return getattr(hw, function)(*args, **kwargs)
    signature = inspect.signature(getattr(hw, function))
    guard = InputGuard(signature, function, args, kwargs, input_comparison())
    got = getattr(hw, function)(*args, **kwargs)
    guard.check()
    return got


def assert_gradient(function: str, analytic: Any, f: Callable[[np.ndarray], float], x: np.ndarray,
                    *, inputs: dict, what: str = "", h: float = 1e-5) -> None:
    """Compare the submission's gradient with trusted float64 central differences of ``f``."""
    x = np.array(x, dtype=np.float64)
    label = _label(function, what)
    conform(function, analytic, x, inputs, what)
    numerical = central_differences(f, x, h)
    checks.assert_gradient_matches(analytic, numerical, name=label, f_value=float(f(x.copy())),
                                   h=h, inputs=inputs)


def load_timbre() -> ModuleType:
    """Import the provided ``student/timbre.py`` (trusted copy) by path."""
    return paths.load_module(paths.STUDENT_DIR / "timbre.py", "timbre")


@functools.lru_cache(maxsize=4)
def _timbre_dataset(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, labels = load_timbre().make_timbre_dataset(n_per_class, seed=seed)
    X.setflags(write=False)
    labels.setflags(write=False)
    return X, labels


def timbre_dataset(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``make_timbre_dataset(n_per_class, seed)`` of the provided ``student/timbre.py``.

    Synthesised once per process (it is deterministic, and a long-lived grader grades
    many submissions); every call gets its own writable copies.
    """
    X, labels = _timbre_dataset(n_per_class, seed)
    return X.copy(), labels.copy()


def immutability_case(function: str, *args: Any, **kwargs: Any) -> Any:
    """A ``pytest.param`` (graded for ``function``, weight 0.5) of one call whose inputs must
    not change."""
    return pytest.param(function, args, kwargs, marks=pytest.mark.grades(function, weight=0.5),
                        id=f"{function}-{'-'.join(type(a).__name__ for a in args)}")


def laid_out(value: Any, layout: str) -> Any:
    """``value`` with every array in it (also inside dicts, lists, tuples) in the memory
    layout ``layout`` (``checks.laid_out``: "F", "swapped", "strided", "reversed")."""
    if isinstance(value, np.ndarray):
        return checks.laid_out(value, layout)
    if isinstance(value, dict):
        return {k: laid_out(v, layout) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(laid_out(v, layout) for v in value)
    return value


def layout_cases(*cases: Any) -> list[Any]:
    """The immutability cases as given, and each once more with its array arguments in
    another memory layout (in turn Fortran order, swapped axes, a strided view, a reversed
    view; weight 0.25): the submission gets them in that layout, as in a student's run."""
    others = [layout for layout in checks.LAYOUTS if layout != "C"]
    out = []
    for i, case in enumerate(cases):
        function, args, kwargs = case.values
        layout = others[i % len(others)]
        out.append(case)
        out.append(pytest.param(function, laid_out(args, layout), laid_out(kwargs, layout),
                                marks=pytest.mark.grades(function, weight=0.25),
                                id=f"{case.id}-{layout}"))
    return out


def run_immutability(hw: Any, ref: ModuleType, function: str, args: tuple, kwargs: dict) -> None:
    """Body of the parametrised immutability tests: fresh copies, call, compare.

    The value returned must be right too, so that a function that returns nothing (or
    anything) does not pass for leaving its inputs alone.
    """
    got = assert_immutable(hw, function, *fresh(args), **fresh(kwargs))
    expected = getattr(ref, function)(*fresh(args), **fresh(kwargs))
    with observed(function, args, kwargs, expected, got), diagnosed(function, args, kwargs,
                                                                    got, hw):
        _compare_result(function, got, expected, args, kwargs, None, None, None)


def describe(value: Any) -> str:
    """A short description of a returned value for messages: type, length or shape."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__} ({value!r})"[:200]


def _brief(inputs: dict) -> str:
    """The inputs, formatted by ``checks`` on the lines after the message."""
    text = checks.format_inputs(inputs)
    return f"\n{text}" if text else ""


def require(condition: Any, message: str, inputs: dict) -> None:
    """Fail with ``message`` (it names the function and what was expected) and the inputs."""
    if not bool(condition):
        raise AssertionError(f"{message}{_brief(inputs)}")
