"""Trusted analytic gradients of the named test functions of ``testfuncs``.

``student/tests/testfuncs.py`` ships to students and into the sandboxed worker, so it
holds function values only. The hidden ``numerical_gradient`` tests need the exact
gradients to judge a submission's finite differences; they live here, on the trusted
side only (never in the handout, never copied into the worker).

Use :func:`gradient` with a ``testfuncs.make(...)`` object (anything with ``.name``
and ``.params``) and a point x.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["GRADIENTS", "central_difference_of_cubic", "gradient"]


def _arr(params: dict[str, Any], key: str) -> np.ndarray:
    return np.asarray(params[key], dtype=np.float64)


def _g_sum_of_squares(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return 2.0 * x


def _g_cubic(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return 3.0 * float(p.get("c", 1.0)) * x**2


def _g_quadratic(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    A = _arr(p, "A")
    v = x.reshape(-1)
    b = _arr(p, "b").reshape(-1) if "b" in p else np.zeros_like(v)
    return ((A + A.T) @ v + b).reshape(x.shape)


def _g_sin_dot(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return np.cos(x) * _arr(p, "w")


def _g_logsumexp(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    v = x.reshape(-1)
    e = np.exp(v - np.max(v))
    return (e / np.sum(e)).reshape(x.shape)


#: testfuncs name -> analytic gradient, taking (x as float64, params)
GRADIENTS: dict[str, Callable[[np.ndarray, dict[str, Any]], np.ndarray]] = {
    "sum_of_squares": _g_sum_of_squares,
    "cubic": _g_cubic,
    "quadratic": _g_quadratic,
    "sin_dot": _g_sin_dot,
    "logsumexp": _g_logsumexp,
}


def gradient(f: Any, x: Any) -> np.ndarray:
    """The analytic gradient of the named test function ``f`` at ``x`` (float64, shape of x).

    Raises:
        KeyError: ``f.name`` has no gradient here (a new testfuncs function needs one).
    """
    xf = np.array(x, dtype=np.float64)
    g = GRADIENTS[f.name](xf, dict(f.params))
    return np.asarray(g, dtype=np.float64).reshape(xf.shape)


def central_difference_of_cubic(c: float, x: Any, h: float) -> np.ndarray:
    """The exact central difference of ``sum(c * x**3)`` with step h, entry by entry.

    ``(c (x+h)^3 - c (x-h)^3) / (2h) = 3 c x^2 + c h^2``: with a large h this differs
    from the exact gradient ``3 c x^2`` by ``c h^2`` and from a one-sided difference by
    about ``3 c x h``, so only true central differences match it.
    """
    xf = np.asarray(x, dtype=np.float64)
    return 3.0 * c * xf**2 + c * h**2
