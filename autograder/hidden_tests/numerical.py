"""The trusted numerical gradient: central differences, on the grader's side only.

The hidden tests judge every analytic gradient with it. It is not in the handout: it is
the answer to ``numerical_gradient`` (the public tests compare with numerical gradients
stored with them instead, see ``autograder/hidden_tests/public_values.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["central_differences"]


def central_differences(f: Callable[[np.ndarray], float], x: Any, h: float = 1e-5) -> np.ndarray:
    """``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry i, in float64.

    Works on a private copy of ``x`` (``x`` itself is never touched) and gives ``f`` a
    fresh copy at every evaluation, so nothing ``f`` does can change later evaluations.
    """
    xp = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xp)
    for i in np.ndindex(xp.shape):
        old = xp[i]
        xp[i] = old + h
        f_plus = float(f(xp.copy()))
        xp[i] = old - h
        f_minus = float(f(xp.copy()))
        xp[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
