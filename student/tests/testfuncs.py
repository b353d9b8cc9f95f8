"""Named scalar test functions ``f(x) -> float`` for ``numerical_gradient``.

When the autograder runs your code, it runs it in a separate process, and Python
functions (lambdas, closures) cannot be sent there. So the tests never pass a
lambda to ``hw.numerical_gradient``: they pass ``testfuncs.make(name, **params)``,
a small callable object that is known by its *name* and plain-data *params*
(numbers and NumPy arrays), and that the other process can rebuild with the
same call. In your own run it is simply called like any function::

    f = make("quadratic", A=np.eye(3), b=np.ones(3))
    f(np.zeros(3))                                  # -> 0.0

This file is self-contained (only NumPy): the grader gives a copy of it to the
sandboxed process. It holds function VALUES only: no gradients, and none of the
functions you write in ``hw.py``.

Functions (x may have any shape unless said otherwise; v is x flattened):

* ``sum_of_squares``: ``sum(x**2)``; no params.
* ``cubic``: ``sum(c * x**3)``; ``c`` a float (default 1).
* ``quadratic``: ``v @ A @ v + b @ v``; ``A`` (n, n), ``b`` (n,) (optional).
* ``sin_dot``: ``sum(sin(x) * w)``; ``w`` shaped like x.
* ``logsumexp``: ``log(sum(exp(x)))`` over all entries, computed stably; no params.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["FUNCTIONS", "NamedFunction", "make"]


def _arr(params: dict[str, Any], key: str) -> np.ndarray:
    return np.asarray(params[key], dtype=np.float64)


def _check_size(v: np.ndarray, n: int, name: str) -> None:
    if v.size != n:
        raise ValueError(f"test function {name!r} expects x with {n} entries, got {v.size}")


# ----------------------------------------------------------------------------- values


def _sum_of_squares(x: np.ndarray, p: dict[str, Any]) -> float:
    return float(np.sum(x**2))


def _cubic(x: np.ndarray, p: dict[str, Any]) -> float:
    return float(np.sum(float(p.get("c", 1.0)) * x**3))


def _quadratic(x: np.ndarray, p: dict[str, Any]) -> float:
    A = _arr(p, "A")
    v = x.reshape(-1)
    _check_size(v, A.shape[0], "quadratic")
    b = _arr(p, "b").reshape(-1) if "b" in p else np.zeros_like(v)
    return float(v @ A @ v + b @ v)


def _sin_dot(x: np.ndarray, p: dict[str, Any]) -> float:
    return float(np.sum(np.sin(x) * _arr(p, "w")))


def _logsumexp(x: np.ndarray, p: dict[str, Any]) -> float:
    v = x.reshape(-1)
    m = np.max(v)
    return float(m + np.log(np.sum(np.exp(v - m))))


#: name -> value function, taking (x as float64, params)
FUNCTIONS: dict[str, Callable[[np.ndarray, dict[str, Any]], float]] = {
    "sum_of_squares": _sum_of_squares,
    "cubic": _cubic,
    "quadratic": _quadratic,
    "sin_dot": _sin_dot,
    "logsumexp": _logsumexp,
}


# ----------------------------------------------------------------------------- API


def _plain_param(key: str, value: Any) -> Any:
    """Check and normalise one parameter: numbers, strings and arrays only."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.array(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"test function parameter {key!r} must be numeric, got {arr.dtype}")
        return arr
    raise TypeError(
        f"test function parameter {key!r} has type {type(value).__name__}; "
        "only numbers, strings and NumPy arrays are allowed"
    )


class NamedFunction:
    """A scalar test function known by name and plain-data parameters.

    Attributes:
        name: the function's name, a key of :data:`FUNCTIONS`.
        params: dict of plain data (numbers, strings, NumPy arrays).
    """

    __slots__ = ("name", "params")

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        if name not in FUNCTIONS:
            raise ValueError(f"unknown test function {name!r}; known: {sorted(FUNCTIONS)}")
        self.name = name
        self.params = {str(k): _plain_param(str(k), v) for k, v in params.items()}

    def __call__(self, x: Any) -> float:
        """f(x) as a Python float; x is not modified."""
        return FUNCTIONS[self.name](np.asarray(x, dtype=np.float64), self.params)

    def __repr__(self) -> str:
        keys = ", ".join(sorted(self.params))
        return f"testfuncs.make({self.name!r}{', ' if keys else ''}{keys})"


def make(name: str, **params: Any) -> NamedFunction:
    """The test function ``name`` with parameters ``params`` (see the module docstring)."""
    return NamedFunction(name, params)

