"""Diagnosis of failing submissions against the catalog of known student mistakes.

``diagnose(function, args, kwargs, got)`` (used by the hidden tests when a result is wrong)
runs every catalogued mistake of ``function`` (:mod:`autograder.mistakes`) on copies of the
same inputs, here in the trusted process (the catalog is our own code), and returns the
one-line explanations of the mistakes whose output reproduces ``got`` AND differs from the
reference solution's output on that input, so a diagnosis is never claimed for a mistake
that is indistinguishable from the right answer there.

"Reproduces" uses the graders' own comparison, ``checks.assert_close`` (default tolerances)
from ``student/tests/checks.py``. ``diagnose`` never raises: a mistake that errors, warns or
times out simply does not match, and huge inputs are skipped.
"""

from __future__ import annotations

import copy
import functools
import inspect
import sys
import time
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from autograder import paths
from autograder.mistakes import Mistake, by_function

#: inputs with more array entries than this are not diagnosed (keeps failures fast)
MAX_ELEMENTS = 20_000
#: wall-clock budget of one diagnose() call, in seconds
TIME_BUDGET = 1.5
#: train_two_layer_net is only diagnosed when X.size * epochs * n_hidden is at most this
MAX_TRAIN_WORK = 2_000_000

_FAILED = object()


@functools.lru_cache(maxsize=1)
def _checks() -> ModuleType:
    """The shared ``checks`` module (already imported by the tests, else loaded by path)."""
    module = sys.modules.get("checks")
    if module is not None and hasattr(module, "assert_close"):
        return module
    return paths.load_module(paths.STUDENT_TESTS / "checks.py", "_autograder_diagnosis_checks")


@functools.lru_cache(maxsize=1)
def reference_module() -> ModuleType:
    """A private copy of ``solutions/hw.py`` (never the submission)."""
    return paths.load_module(paths.SOLUTIONS_HW, "_autograder_diagnosis_reference")


@functools.cache
def mistake_function(mistake: Mistake) -> Callable[..., Any]:
    """The buggy function of ``mistake``, compiled in a copy of the reference namespace.

    Calls it makes to other ``hw.py`` functions go to the reference implementations.
    """
    namespace = dict(vars(reference_module()))
    code = compile(mistake.source, f"<mistake {mistake.id}>", "exec")
    exec(code, namespace)
    return namespace[mistake.function]


def close_enough(got: Any, expected: Any) -> bool:
    """``checks.assert_close(got, expected)`` as a boolean (never raises)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _checks().assert_close(got, expected, name="diagnosis")
    except Exception:
        return False
    return True


def _copy(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """``fn`` on copies of the inputs, silently; ``_FAILED`` if it raises.

    The legacy global NumPy random state is saved and restored around the call.
    """
    state = np.random.get_state()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*_copy(tuple(args)), **_copy(dict(kwargs)))
    except Exception:
        return _FAILED
    finally:
        np.random.set_state(state)


def _elements(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, dict):
        return sum(_elements(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ELEMENTS:
            return len(value)
        return sum(_elements(v) for v in value) + (0 if value else 1)
    return 1


def _too_expensive(function: str, args: tuple, kwargs: dict) -> bool:
    if _elements(list(args)) + _elements(list(kwargs.values())) > MAX_ELEMENTS:
        return True
    if function == "train_two_layer_net":
        try:
            reference = reference_module().train_two_layer_net
            bound = inspect.signature(reference).bind(*args, **kwargs)
            bound.apply_defaults()
            work = np.asarray(bound.arguments["X"]).size * int(bound.arguments["epochs"])
            return work * max(1, int(bound.arguments["n_hidden"])) > MAX_TRAIN_WORK
        except Exception:
            return True
    return False


def _diagnose(function: str, args: tuple, kwargs: dict, got: Any) -> list[str]:
    candidates = [m for m in by_function(function) if m.diagnosable]
    if not candidates or _too_expensive(function, args, kwargs):
        return []
    reference = getattr(reference_module(), function, None)
    if reference is None:
        return []
    start = time.monotonic()
    expected = _run(reference, args, kwargs)
    found: list[str] = []
    for m in candidates:
        if time.monotonic() - start > TIME_BUDGET:
            break
        try:
            buggy = mistake_function(m)
        except Exception:
            continue
        out = _run(buggy, args, kwargs)
        if out is not _FAILED and _reproduces(got, out, expected):
            found.append(m.explanation)
    return found


def _parts(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """``(path, sub-value)`` of ``value`` and of everything nested in tuples/lists/dicts."""
    out = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_parts(v, (*path, k)))
    elif isinstance(value, (list, tuple)) and len(value) <= 16:
        for i, v in enumerate(value):
            out.extend(_parts(v, (*path, i)))
    return out


def _at(value: Any, path: tuple) -> Any:
    for key in path:
        try:
            value = value[key]
        except Exception:
            return _FAILED
    return value


def _reproduces(got: Any, out: Any, expected: Any) -> bool:
    """Whether the mistake's output ``out`` explains ``got`` where ``expected`` differs.

    ``got`` may be the whole return value or one part of it (the hidden tests compare
    the values of a tuple / dict one by one): it matches when some part of ``out`` (at
    some path) equals ``got`` and the reference's part at the same path does not.
    """
    for path, part in _parts(out):
        if not close_enough(got, part):
            continue
        ref_part = _FAILED if expected is _FAILED else _at(expected, path)
        if ref_part is _FAILED or not close_enough(part, ref_part):
            return True
    return False


def diagnose(function: str, args: tuple, kwargs: dict, got: Any) -> list[str]:
    """Explanations of the catalogued mistakes of ``function`` that reproduce ``got``.

    Args:
        function: the ``hw.py`` function that returned a wrong result.
        args, kwargs: the inputs it was called with (not modified: copies are used).
        got: what the submission returned.

    Returns:
        The one-line explanations (catalog order) of every mistake whose own output on
        these inputs matches ``got`` and differs from the reference's; ``[]`` if none,
        if the inputs are too large, or on any internal problem.
    """
    try:
        return _diagnose(function, tuple(args or ()), dict(kwargs or {}), got)
    except Exception:
        return []


#: how the feedback introduces a diagnosis
KNOWN_MISTAKE = "This matches a known mistake: "


def explain(function: str, args: tuple, kwargs: dict, got: Any) -> str:
    """``"\\nThis matches a known mistake: ..."`` for ``got``, or ``""`` (never raises)."""
    try:
        hints = diagnose(function, copy.deepcopy(args), copy.deepcopy(kwargs), got)
    except Exception:  # a broken catalog entry must not hide the real failure
        return ""
    if not hints:
        return ""
    return "\n" + KNOWN_MISTAKE + " ".join(str(h) for h in hints)
