"""Hypothesis strategies for the hidden tests: arrays, logits, probabilities, labels, params.

Every strategy mixes ordinary values with the inputs where wrong conventions show: exact
ties, 0 (the ReLU kink, sign(0)), probabilities exactly 0 and 1, extreme logits, N = 1,
C = 1 or 2, non-square shapes, integer dtypes and classes that no label uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

INT_DTYPES = (np.int64, np.int32)


def reals(lo: float = -10.0, hi: float = 10.0, specials: tuple[float, ...] = ()) -> Any:
    """Finite floats in [lo, hi], often exactly 0 or one of ``specials`` (to make ties)."""
    pool = sorted(set(_clip_pool(lo, hi, specials)))
    base = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.one_of(base, st.sampled_from(pool)) if pool else base


def _clip_pool(lo: float, hi: float, specials: tuple[float, ...]) -> list[float]:
    return [v for v in (0.0, 1.0, -1.0, *specials) if lo <= v <= hi]


def shapes(min_dims: int = 1, max_dims: int = 3, max_side: int = 5) -> Any:
    """Array shapes (square and non-square, sides from 1)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def float_arrays(shape: Any, lo: float = -10.0, hi: float = 10.0,
                 specials: tuple[float, ...] = ()) -> Any:
    """float64 arrays of ``shape`` (a tuple or a strategy) with values from :func:`reals`."""
    return hnp.arrays(np.float64, shape, elements=reals(lo, hi, specials))


def int_arrays(shape: Any, lo: int = -5, hi: int = 5) -> Any:
    """Integer arrays (int64 or int32) of ``shape``; the API treats them as float64."""
    return st.sampled_from(INT_DTYPES).flatmap(
        lambda dt: hnp.arrays(dt, shape, elements=st.integers(lo, hi)))


def numeric_arrays(shape: Any, lo: float = -10.0, hi: float = 10.0,
                   specials: tuple[float, ...] = ()) -> Any:
    """Mostly float64 arrays, sometimes integer arrays, of ``shape``."""
    ilo, ihi = int(np.ceil(max(lo, -1e6))), int(np.floor(min(hi, 1e6)))
    return st.one_of(float_arrays(shape, lo, hi, specials), float_arrays(shape, lo, hi, specials),
                     int_arrays(shape, ilo, ihi))


LOGIT_SPECIALS = (1e4, -1e4, 1e4 - 1.0, 710.0, -745.0, 2.0)


def logit_arrays(shape: Any, extreme: bool = True) -> Any:
    """Logits: moderate values, ties, and (if ``extreme``) huge values like +-1e4."""
    if extreme:
        return numeric_arrays(shape, -1e4, 1e4, LOGIT_SPECIALS)
    return numeric_arrays(shape, -30.0, 30.0, (2.0, -2.0))


@st.composite
def batch_dims(draw: Any, max_n: int = 6, max_c: int = 5, min_c: int = 1) -> tuple[int, int]:
    """(N, C) with N = 1 and C = 1 or 2 often."""
    n = draw(st.one_of(st.just(1), st.integers(1, max_n)))
    c = draw(st.one_of(st.sampled_from([v for v in (1, 2) if v >= min_c] or [min_c]),
                       st.integers(min_c, max_c)))
    return n, c


def labels(n: int, c: int) -> Any:
    """Integer labels (N,) in [0, C); small N leaves classes unused."""
    return st.sampled_from(INT_DTYPES).flatmap(
        lambda dt: hnp.arrays(dt, (n,), elements=st.integers(0, c - 1)))


@st.composite
def logits_and_labels(draw: Any, extreme: bool = True,
                      min_c: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, C) and labels (N,)."""
    n, c = draw(batch_dims(min_c=min_c))
    return draw(logit_arrays((n, c), extreme)), draw(labels(n, c))


@st.composite
def probs_and_labels(draw: Any, away_from_clamp: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (N, C) whose rows are distributions (with exact 0s and 1s) and labels.

    With ``away_from_clamp`` every probability is at least about 0.01 (the specified
    gradient is the derivative there).
    """
    n, c = draw(batch_dims())
    lo = 0.05 if away_from_clamp else 0.0
    specials = () if away_from_clamp else (0.0, 1e-300, 1e-13, 1.0)
    w = draw(float_arrays((n, c), lo, 1.0, specials))
    w[w.sum(axis=1) == 0, 0] = 1.0
    probs = w / w.sum(axis=1, keepdims=True)
    return probs, draw(labels(n, c))


P_SPECIALS = (0.0, 1.0, 1e-300, 1e-20, 1e-13, 0.5, 1.0 - 1e-13, 1.0 - 2.0**-53)


@st.composite
def bce_inputs(draw: Any, away_from_clamp: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(p, y): p in [0, 1] including exactly 0 / 1 and near them; y hard or soft labels."""
    shape = draw(shapes(max_dims=2))
    if away_from_clamp:
        p = draw(float_arrays(shape, 0.05, 0.95, (0.5,)))
    else:
        p = draw(float_arrays(shape, 0.0, 1.0, P_SPECIALS))
    y = draw(st.one_of(
        st.sampled_from(INT_DTYPES).flatmap(
            lambda dt: hnp.arrays(dt, shape, elements=st.integers(0, 1))),
        float_arrays(shape, 0.0, 1.0, (0.0, 1.0, 0.5))))
    return p, y


@st.composite
def regression_pairs(draw: Any, ties: bool = True,
                     margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(y_pred, y) of the same shape; with ``ties`` many entries are exactly equal.

    With ``margin`` > 0 every |y_pred - y| is at least ``margin`` (away from sign's kink).
    """
    shape = draw(shapes())
    y = draw(numeric_arrays(shape))
    delta = draw(float_arrays(shape, -5.0, 5.0, (0.0,) if ties else ()))
    if margin > 0:
        delta = np.where(delta >= 0, delta + margin, delta - margin)
    if y.dtype.kind == "i" and draw(st.booleans()):
        return (y + np.round(delta).astype(y.dtype)), y
    return y + delta, y


@st.composite
def dims_net(draw: Any) -> tuple[int, int, int, int]:
    """(N, D, H, C) of a small two-layer net; non-square, N = 1 and C = 1 or 2 included."""
    n, c = draw(batch_dims(max_n=6, max_c=4))
    return n, draw(st.integers(1, 5)), draw(st.integers(1, 6)), c


def net_params(d: int, h: int, c: int, scale: float = 1.0) -> Any:
    """A params dict W1 (D, H), b1 (H,), W2 (H, C), b2 (C,) with float64 values."""
    return st.fixed_dictionaries({
        "W1": float_arrays((d, h), -scale, scale),
        "b1": float_arrays((h,), -scale, scale),
        "W2": float_arrays((h, c), -scale, scale),
        "b2": float_arrays((c,), -scale, scale),
    })


seeds = st.integers(0, 2**32 - 1)
