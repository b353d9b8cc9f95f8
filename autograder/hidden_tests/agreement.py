"""Trusted helpers of the hidden tests: run the submission and the solutions on the same
inputs and compare, check types, immutability and gradients, explain known mistakes.

All comparisons go through ``checks`` (``student/tests/checks.py``), the helpers the public
tests use too, so both judge with the same tolerances.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder import paths
from autograder.diagnosis import KNOWN_MISTAKE, explain

if str(paths.STUDENT_TESTS) not in sys.path:  # the runner normally puts it first already
    sys.path.append(str(paths.STUDENT_TESTS))

import checks  # student/tests/checks.py
import testfuncs  # student/tests/testfuncs.py

__all__ = [
    "agree",
    "assert_float",
    "assert_float64_array",
    "assert_gradient",
    "assert_immutable",
    "call_both",
    "checks",
    "compare",
    "describe",
    "diagnosed",
    "explain",
    "immutability_case",
    "load_timbre",
    "require",
    "run_immutability",
    "testfuncs",
    "timbre_dataset",
]


#: names of the values returned by the functions that return several
RETURN_NAMES: dict[str, tuple[str, ...]] = {
    "linear_backward": ("dx", "dW", "db"),
    "two_layer_net_loss": ("loss", "grads"),
    "momentum_step": ("param", "v"),
    "adagrad_step": ("param", "s"),
    "rmsprop_step": ("param", "a"),
    "adam_step": ("param", "m", "v"),
    "train_two_layer_net": ("params", "losses"),
}


def _label(function: str, what: str = "") -> str:
    """``function`` or ``function (returned what)`` for messages."""
    return f"{function} (returned {what})" if what else function


def fresh(value: Any) -> Any:
    """A deep copy of an argument (arrays, dicts, lists, tuples, scalars)."""
    return copy.deepcopy(value)


@contextlib.contextmanager
def diagnosed(function: str, args: tuple, kwargs: dict, got: Any) -> Iterator[None]:
    """Add the known-mistake diagnosis of ``got`` (once) to an AssertionError raised inside."""
    try:
        yield
    except AssertionError as exc:
        hint = "" if KNOWN_MISTAKE in str(exc) else explain(function, args, kwargs, got)
        if hint:
            raise AssertionError(f"{exc}{hint}") from None
        raise


def _inputs(args: tuple, kwargs: dict, names: tuple[str, ...] | None) -> dict:
    names = names or tuple(f"arg{i}" for i in range(len(args)))
    out = dict(zip(names, args))
    out.update(kwargs)
    return out


def compare(function: str, got: Any, expected: Any, *, args: tuple = (), kwargs: dict | None = None,
            names: tuple[str, ...] | None = None, what: str = "", diagnose: bool = True,
            **tol: Any) -> None:
    """``checks.assert_close`` of one returned value; on failure add the mistake diagnosis.

    ``diagnose=False`` when ``got`` is one part of the result and the caller diagnoses the
    whole result (a part alone can match mistakes that the whole does not).
    """
    kwargs = kwargs or {}
    label = _label(function, what)
    tol = {k: v for k, v in tol.items() if v is not None}
    with diagnosed(function, args, kwargs, got) if diagnose else contextlib.nullcontext():
        checks.assert_close(got, expected, name=label, inputs=_inputs(args, kwargs, names), **tol)


def call_both(hw: Any, ref: ModuleType, function: str, *args: Any,
              **kwargs: Any) -> tuple[Any, Any]:
    """Call ``function`` of the submission and of the solutions, each on its own copies."""
    got = getattr(hw, function)(*fresh(args), **fresh(kwargs))
    expected = getattr(ref, function)(*fresh(args), **fresh(kwargs))
    return got, expected


def _as_sequence(function: str, got: Any, n: int, inputs: dict) -> list:
    if not isinstance(got, (tuple, list)) or len(got) != n:
        raise AssertionError(
            f"{function}: expected a tuple (or list) of {n} values, got "
            f"{type(got).__name__}{'' if not hasattr(got, '__len__') else f' of length {len(got)}'}"
            f"{_brief(inputs)}")
    return list(got)


def _brief(inputs: dict) -> str:
    """The inputs, formatted by ``checks`` on the lines after the message."""
    text = checks.format_inputs(inputs)
    return f"\n{text}" if text else ""


def assert_float(function: str, got: Any, inputs: dict) -> None:
    """A loss must be a Python float (a NumPy float64 is one), not an array."""
    if isinstance(got, np.ndarray) or not isinstance(got, float):
        kind = (f"a NumPy array of shape {got.shape}" if isinstance(got, np.ndarray)
                else f"a {type(got).__name__}")
        raise AssertionError(
            f"{function} must return a Python float (e.g. return float(loss)), got "
            f"{kind}{_brief(inputs)}")


def assert_float64_array(function: str, got: Any, shape: tuple, inputs: dict,
                         what: str = "") -> None:
    """``got`` is a float64 ndarray of ``shape``."""
    label = _label(function, what)
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{label} must return a NumPy array, got {type(got).__name__}"
                             f"{_brief(inputs)}")
    if got.shape != tuple(shape):
        raise AssertionError(f"{label} returned shape {got.shape}, expected {tuple(shape)}"
                             f"{_brief(inputs)}")
    if got.dtype != np.float64:
        raise AssertionError(f"{label} returned dtype {got.dtype}, expected float64 (integer "
                             f"inputs are treated as float64){_brief(inputs)}")


def agree(hw: Any, ref: ModuleType, function: str, *args: Any, names: tuple[str, ...] | None = None,
          rtol: float | None = None, atol: float | None = None, **kwargs: Any) -> Any:
    """Call both implementations and compare every returned value (structure-aware).

    Losses (the solution returns a float) must be floats; arrays must be float64 arrays
    of the expected shape unless the solution returns another dtype (labels, indices);
    tuples may be lists; dicts must have the same keys. Returns the submission's value.
    """
    got, expected = call_both(hw, ref, function, *args, **kwargs)
    inputs = _inputs(args, kwargs, names)
    # wrong types, shapes, lengths or keys are diagnosed too (values are, in compare)
    with diagnosed(function, args, kwargs, got):
        _agree_value(function, got, expected, args, kwargs, names, inputs, "", rtol, atol)
    return got


def _agree_value(function: str, got: Any, expected: Any, args: tuple, kwargs: dict,
                 names: tuple[str, ...] | None, inputs: dict, what: str,
                 rtol: float | None, atol: float | None) -> None:
    """Compare the structure (types, shapes, keys), then the numbers."""
    if isinstance(expected, (tuple, list)) and not isinstance(expected, np.ndarray):
        items = _as_sequence(_label(function, what), got, len(expected), inputs)
        parts = RETURN_NAMES.get(function, ())
        for i, (g, e) in enumerate(zip(items, expected)):
            part = parts[i] if not what and i < len(parts) else f"{what}[{i}]"
            _agree_value(function, g, e, args, kwargs, names, inputs, part, rtol, atol)
        return
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            raise AssertionError(f"{_label(function, what)}: expected a dict with keys "
                                 f"{sorted(expected)}, got {keys}{_brief(inputs)}")
        for k in expected:
            _agree_value(function, got[k], expected[k], args, kwargs, names, inputs,
                         f"{what}[{k!r}]".strip(), rtol, atol)
        return
    if isinstance(expected, float) and not isinstance(expected, np.ndarray):
        assert_float(_label(function, what), got, inputs)
    elif isinstance(expected, np.ndarray) and expected.dtype == np.float64:
        assert_float64_array(function, got, expected.shape, inputs, what)
    elif isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray) or got.shape != expected.shape:
            raise AssertionError(f"{_label(function, what)}: expected an array of shape "
                                 f"{expected.shape}, got {type(got).__name__} "
                                 f"{getattr(got, 'shape', '')}{_brief(inputs)}")
        if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
            raise AssertionError(f"{_label(function, what)}: expected integers, got dtype "
                                 f"{got.dtype}"
                                 f"{_brief(inputs)}")
    compare(function, got, expected, args=args, kwargs=kwargs, names=names, what=what,
            diagnose=False, rtol=rtol, atol=atol)


def _arrays_in(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays_in(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays_in(v)]
    return []


def assert_immutable(hw: Any, ref: ModuleType, function: str, *args: Any, **kwargs: Any) -> Any:
    """Call the submission and check that no argument (arrays, also inside dicts) changed."""
    bound = inspect.signature(getattr(ref, function)).bind(*args, **kwargs)
    watched = {k: v for k, v in bound.arguments.items() if _arrays_in(v)}
    before = {k: checks.snapshot(v) for k, v in watched.items()}
    got = getattr(hw, function)(*args, **kwargs)
    for k, v in watched.items():
        atol = 0.0
        if function == "numerical_gradient" and k == "x":
            # perturb-and-restore is allowed; its rounding is not a modification
            h = bound.arguments.get("h", 1e-5)
            atol = checks.restore_tolerance(before[k], h)
        checks.assert_unchanged(before[k], v, name=function, arg=k, atol=atol)
    return got


def assert_gradient(function: str, analytic: Any, f: Callable[[np.ndarray], float], x: np.ndarray,
                    *, inputs: dict, what: str = "", h: float = 1e-5) -> None:
    """Compare the submission's gradient with trusted float64 central differences of ``f``."""
    x = np.array(x, dtype=np.float64)
    label = _label(function, what)
    assert_float64_array(function, analytic, x.shape, inputs, what)
    checks.assert_gradient_matches(analytic, f, x, name=label, h=h, inputs=inputs)


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


def run_immutability(hw: Any, ref: ModuleType, function: str, args: tuple, kwargs: dict) -> None:
    """Body of the parametrised immutability tests: fresh copies, call, compare.

    The value returned must be right too, so that a function that returns nothing (or
    anything) does not pass for leaving its inputs alone.
    """
    got = assert_immutable(hw, ref, function, *fresh(args), **fresh(kwargs))
    expected = getattr(ref, function)(*fresh(args), **fresh(kwargs))
    inputs = _inputs(args, kwargs, None)
    with diagnosed(function, args, kwargs, got):
        _agree_value(function, got, expected, args, kwargs, None, inputs, "", None, None)


def describe(value: Any) -> str:
    """A short description of a returned value for messages: type, length or shape."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__} ({value!r})"[:200]


def require(condition: Any, message: str, inputs: dict) -> None:
    """Fail with ``message`` (it names the function and what was expected) and the inputs."""
    if not bool(condition):
        raise AssertionError(f"{message}{_brief(inputs)}")
