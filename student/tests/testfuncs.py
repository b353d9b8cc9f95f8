"""Named scalar test functions ``f(x) -> float`` for ``numerical_gradient``.

When the autograder runs your code, it runs it in a separate process, and Python
functions (lambdas, closures) cannot be sent there. So the tests never pass a
lambda to ``hw.numerical_gradient``: they pass ``testfuncs.make(name, **params)``,
a small callable object that is known by its *name* and plain-data *params*
(numbers and NumPy arrays), and that the other process can rebuild with the
same call. In your own run it is simply called like any function::

    f = make("quadratic", A=np.eye(3), b=np.ones(3))
    f(np.zeros(3))                                  # -> 0.0
    gradient("quadratic", f.params, np.zeros(3))    # -> the analytic gradient

This file is self-contained (only NumPy): the grader gives a copy of it to the
sandboxed process.

Functions (x may have any shape unless said otherwise; v is x flattened):

* ``sum_of_squares``: ``sum(x**2)``; no params.
* ``cubic``: ``sum(c * x**3)``; ``c`` a float (default 1).
* ``quadratic``: ``v @ A @ v + b @ v``; ``A`` (n, n), ``b`` (n,) (optional).
* ``sin_dot``: ``sum(sin(x) * w)``; ``w`` shaped like x.
* ``logsumexp``: ``log(sum(exp(x)))``, computed stably; no params.
* ``softmax_cross_entropy``: mean softmax cross entropy of the logits x (N, C);
  ``labels`` (N,) ints.
* ``two_layer_net_param``: the two-layer net's loss (softmax cross entropy + L2
  penalty ``reg``) as a function of ONE parameter array ``which`` ("W1", "b1",
  "W2" or "b2"), the others fixed; params ``X``, ``labels``, ``W1``, ``b1``,
  ``W2``, ``b2``, ``which``, ``reg`` (default 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["FUNCTIONS", "NamedFunction", "gradient", "make"]


def _arr(params: dict[str, Any], key: str) -> np.ndarray:
    return np.asarray(params[key], dtype=np.float64)


def _labels(params: dict[str, Any]) -> np.ndarray:
    return np.asarray(params["labels"]).astype(np.intp)


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


def _lse(v: np.ndarray, axis: int | None = None) -> np.ndarray:
    m = np.max(v, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(v - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def _softmax(v: np.ndarray, axis: int | None = None) -> np.ndarray:
    e = np.exp(v - np.max(v, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(x: np.ndarray, p: dict[str, Any]) -> float:
    return float(_lse(x.reshape(-1)))


def _softmax_cross_entropy(x: np.ndarray, p: dict[str, Any]) -> float:
    labels = _labels(p)
    z = x.reshape(labels.shape[0], -1)
    return float(np.mean(_lse(z, axis=1) - z[np.arange(z.shape[0]), labels]))


def _net_parts(x: np.ndarray, p: dict[str, Any]) -> dict[str, np.ndarray]:
    which = str(p["which"])
    params = {k: _arr(p, k) for k in ("W1", "b1", "W2", "b2")}
    if which not in params:
        raise ValueError(f"two_layer_net_param: 'which' must be W1, b1, W2 or b2, not {which!r}")
    _check_size(x, params[which].size, "two_layer_net_param")
    params[which] = x.reshape(params[which].shape)
    return params


def _two_layer_net_param(x: np.ndarray, p: dict[str, Any]) -> float:
    q = _net_parts(x, p)
    X, labels, reg = _arr(p, "X"), _labels(p), float(p.get("reg", 0.0))
    h = np.maximum(X @ q["W1"] + q["b1"], 0.0)
    z = h @ q["W2"] + q["b2"]
    data = np.mean(_lse(z, axis=1) - z[np.arange(z.shape[0]), labels])
    return float(data + reg * (np.sum(q["W1"] ** 2) + np.sum(q["W2"] ** 2)))


# ----------------------------------------------------------------------------- gradients


def _g_sum_of_squares(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return 2.0 * x


def _g_cubic(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return 3.0 * float(p.get("c", 1.0)) * x**2


def _g_quadratic(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    A = _arr(p, "A")
    v = x.reshape(-1)
    _check_size(v, A.shape[0], "quadratic")
    b = _arr(p, "b").reshape(-1) if "b" in p else np.zeros_like(v)
    return ((A + A.T) @ v + b).reshape(x.shape)


def _g_sin_dot(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return np.cos(x) * _arr(p, "w")


def _g_logsumexp(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return _softmax(x.reshape(-1)).reshape(x.shape)


def _g_softmax_cross_entropy(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    labels = _labels(p)
    n = labels.shape[0]
    z = x.reshape(n, -1)
    g = _softmax(z, axis=1)
    g[np.arange(n), labels] -= 1.0
    return (g / n).reshape(x.shape)


def _g_two_layer_net_param(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    q = _net_parts(x, p)
    X, labels, reg = _arr(p, "X"), _labels(p), float(p.get("reg", 0.0))
    n = X.shape[0]
    a = X @ q["W1"] + q["b1"]
    h = np.maximum(a, 0.0)
    z = h @ q["W2"] + q["b2"]
    dz = _softmax(z, axis=1)
    dz[np.arange(n), labels] -= 1.0
    dz /= n
    grads = {"W2": h.T @ dz + 2.0 * reg * q["W2"], "b2": dz.sum(axis=0)}
    da = (dz @ q["W2"].T) * (a > 0)
    grads["W1"] = X.T @ da + 2.0 * reg * q["W1"]
    grads["b1"] = da.sum(axis=0)
    return grads[str(p["which"])].reshape(x.shape)


#: name -> (value function, gradient function), both taking (x as float64, params)
FUNCTIONS: dict[
    str,
    tuple[
        Callable[[np.ndarray, dict[str, Any]], float],
        Callable[[np.ndarray, dict[str, Any]], np.ndarray],
    ],
] = {
    "sum_of_squares": (_sum_of_squares, _g_sum_of_squares),
    "cubic": (_cubic, _g_cubic),
    "quadratic": (_quadratic, _g_quadratic),
    "sin_dot": (_sin_dot, _g_sin_dot),
    "logsumexp": (_logsumexp, _g_logsumexp),
    "softmax_cross_entropy": (_softmax_cross_entropy, _g_softmax_cross_entropy),
    "two_layer_net_param": (_two_layer_net_param, _g_two_layer_net_param),
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
        return FUNCTIONS[self.name][0](np.asarray(x, dtype=np.float64), self.params)

    def gradient(self, x: Any) -> np.ndarray:
        """The analytic gradient of f at x (float64, shape of x)."""
        return gradient(self.name, self.params, x)

    def __repr__(self) -> str:
        keys = ", ".join(sorted(self.params))
        return f"testfuncs.make({self.name!r}{', ' if keys else ''}{keys})"


def make(name: str, **params: Any) -> NamedFunction:
    """The test function ``name`` with parameters ``params`` (see the module docstring)."""
    return NamedFunction(name, params)


def gradient(name: str, params: dict[str, Any], x: Any) -> np.ndarray:
    """Analytic gradient of the test function ``name`` with ``params`` at ``x``."""
    if name not in FUNCTIONS:
        raise ValueError(f"unknown test function {name!r}; known: {sorted(FUNCTIONS)}")
    xf = np.array(x, dtype=np.float64)
    return np.asarray(FUNCTIONS[name][1](xf, dict(params)), dtype=np.float64).reshape(xf.shape)
