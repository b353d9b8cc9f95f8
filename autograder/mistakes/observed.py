"""The failing comparison of a test, as data: ``(function, input, expected, got)``.

The hidden tests' comparison helper (:func:`autograder.hidden_tests.agreement.agree`)
records in :data:`OBSERVED` the last comparison of a submission's value with the
solution's that failed; the grading plugin resets it when a test starts and stores what it
holds in that test's ``extra_data["observed"]`` of results.json. Only ``extra_data``:
never a test's ``output`` (an expected value of a hidden test is not shown to students
unless ``show_expected_values`` says so, and ``extra_data`` is not shown to them at all).
``autograder grade`` groups these records over the class into candidate mistakes, the
ones the catalog does not explain (``candidate_mistakes.csv``).

The record is compact and bounded: arrays of at most :data:`MAX_ENTRIES` entries are kept
whole (dtype, shape, values), larger ones only by dtype and shape; containers of at most
:data:`MAX_ITEMS` items; strings cut. It is plain JSON, read back by :func:`decode`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: names of the values returned by the functions that return several (the hidden tests'
#: labels of a result's parts, and the candidate mistakes' relations to them)
RETURN_NAMES: dict[str, tuple[str, ...]] = {
    "linear_backward": ("dx", "dW", "db"),
    "two_layer_net_loss": ("loss", "grads"),
    "momentum_step": ("param", "v"),
    "adagrad_step": ("param", "s"),
    "rmsprop_step": ("param", "a"),
    "adam_step": ("param", "m", "v"),
    "train_two_layer_net": ("params", "losses"),
}

#: arrays with more entries than this are recorded by dtype and shape only
MAX_ENTRIES = 64
#: tuples, lists and dicts with more items than this are recorded as omitted
MAX_ITEMS = 16
#: strings are cut to this many characters
MAX_TEXT = 80


def _number(x: float) -> float | str:
    return x if math.isfinite(x) else repr(x)  # "nan", "inf", "-inf": JSON has none


def encode(value: Any, depth: int = 0) -> dict[str, Any]:
    """A compact, JSON-safe description of ``value`` (see the module docstring)."""
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"t": "int", "v": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"t": "float", "v": _number(float(value))}
    if isinstance(value, np.ndarray):
        out: dict[str, Any] = {"t": "array", "dtype": str(value.dtype),
                               "shape": list(value.shape)}
        if value.size <= MAX_ENTRIES and value.dtype.kind in "biuf":
            flat = value.ravel().tolist()
            out["v"] = [_number(float(x)) if isinstance(x, float) else x for x in flat]
        else:
            out["omitted"] = True
        return out
    if isinstance(value, str):
        return {"t": "str", "v": value[:MAX_TEXT]}
    if value is None:
        return {"t": "none"}
    if depth < 3 and isinstance(value, (tuple, list)) and len(value) <= MAX_ITEMS:
        return {"t": type(value).__name__, "v": [encode(v, depth + 1) for v in value]}
    if depth < 3 and isinstance(value, dict) and len(value) <= MAX_ITEMS:
        return {"t": "dict", "v": {str(k): encode(v, depth + 1) for k, v in value.items()}}
    return {"t": "other", "type": type(value).__name__, "omitted": True}


def _float(x: Any) -> float:
    return float(x)  # "nan", "inf" and "-inf" too


def decode(data: Any) -> Any:
    """The value :func:`encode` described, or :data:`OMITTED` where it was left out."""
    if not isinstance(data, dict):
        return OMITTED
    kind = data.get("t")
    if data.get("omitted"):
        return OMITTED
    value = data.get("v")
    if kind == "array":
        try:
            flat = [_float(x) for x in value]
            return np.array(flat, dtype=np.float64).astype(data["dtype"]).reshape(data["shape"])
        except (TypeError, ValueError, KeyError):
            return OMITTED
    if kind == "float":
        return _float(value)
    if kind in ("int", "bool", "str"):
        return value
    if kind == "none":
        return None
    if kind in ("tuple", "list") and isinstance(value, list):
        items = [decode(v) for v in value]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return OMITTED


class _Omitted:
    """A value too large to record."""

    def __repr__(self) -> str:
        return "<omitted>"


OMITTED = _Omitted()


class ComparisonRecorder:
    """The last failing comparison of the running test (reset at each test's setup)."""

    def __init__(self) -> None:
        self._last: dict[str, Any] | None = None

    def reset(self) -> None:
        """Forget it (a new test starts)."""
        self._last = None

    def record(self, function: str, args: tuple, kwargs: dict, expected: Any, got: Any) -> None:
        """Remember this failing comparison (the last one is the one the message shows:
        Hypothesis replays the failing example last)."""
        try:
            self._last = {
                "function": function,
                "args": [encode(a) for a in args[:MAX_ITEMS]],
                "kwargs": {str(k): encode(v) for k, v in list(kwargs.items())[:MAX_ITEMS]},
                "expected": encode(expected),
                "got": encode(got),
            }
        except Exception:  # a record is never worth a failing grade
            self._last = None

    def last(self) -> dict[str, Any] | None:
        """The last failing comparison recorded since :meth:`reset`, or None."""
        return self._last


#: the recorder the hidden tests fill and the plugin reads (one test runs at a time)
OBSERVED = ComparisonRecorder()
