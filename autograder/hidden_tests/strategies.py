"""Hypothesis strategies for the hidden tests: arrays, logits, probabilities, labels, params.

Every strategy mixes ordinary values with the inputs where wrong conventions show: exact
ties, 0 (the ReLU kink, sign(0)), probabilities exactly 0 and 1, extreme logits, N = 1,
C = 1 or 2, non-square shapes, integer dtypes (every size, signed and unsigned: integer
arrays are accepted, so ``a - b`` of two uint8 arrays must not wrap around) and classes
that no label uses.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: every integer dtype NumPy has (integer arrays are accepted and treated as float64)
INT_DTYPES = (np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8)
#: seeds of the NumPy generators that fill the arrays (and of data made in the tests)
seeds = st.integers(0, 2**32 - 1)

#: how far from the centre of [lo, hi] the ordinary values go (a fraction of the half-width)
SPREADS = (1.0, 0.1, 1e-3)
#: fraction of the entries replaced by special values (0, +-1, the caller's specials)
SPECIAL_FRACTIONS = (0.0, 0.3, 0.7)

# The strategies drawn inside the composite ones below, built once: Hypothesis validates
# a strategy the first time it is drawn from, and a new one per draw costs about a tenth
# of a grade. The same strategies draw the same values, cached or not.
_spreads = st.sampled_from(SPREADS)
_special_fractions = st.sampled_from(SPECIAL_FRACTIONS)
_coin = st.booleans()
_int_dtypes = st.sampled_from(INT_DTYPES)


@functools.lru_cache(maxsize=256)
def _sampled(values: tuple) -> Any:
    """``st.sampled_from(values)``, one strategy per tuple of values."""
    return st.sampled_from(values)


@functools.lru_cache(maxsize=256)
def _integers(lo: int, hi: int) -> Any:
    """``st.integers(lo, hi)``, one strategy per range."""
    return st.integers(lo, hi)


def _clip_pool(lo: float, hi: float, specials: tuple[float, ...]) -> list[float]:
    return sorted({v for v in (0.0, 1.0, -1.0, *specials) if lo <= v <= hi})


def _shape(draw: Any, shape: Any) -> tuple[int, ...]:
    return tuple(draw(shape)) if isinstance(shape, st.SearchStrategy) else tuple(shape)


def shapes(min_dims: int = 1, max_dims: int = 3, max_side: int = 5) -> Any:
    """Array shapes (square and non-square, sides from 1)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


@st.composite
def float_arrays(draw: Any, shape: Any, lo: float = -10.0, hi: float = 10.0,
                 specials: tuple[float, ...] = ()) -> np.ndarray:
    """float64 arrays of ``shape`` (a tuple or a strategy) with values in [lo, hi].

    Hypothesis draws the shape, a seed and the mix (spread of the values, fraction of
    special values: 0, +-1 and ``specials`` within [lo, hi], exact ties); NumPy fills the
    entries. This keeps generation fast enough to run many examples through the sandbox.
    """
    shp = _shape(draw, shape)
    rng = np.random.default_rng(draw(seeds))
    spread = draw(_spreads)
    centre, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    a = np.clip(centre + half * spread * rng.uniform(-1.0, 1.0, size=shp), lo, hi)
    pool = _clip_pool(lo, hi, specials)
    fraction = draw(_special_fractions)
    if pool and fraction > 0:
        mask = rng.random(shp) < fraction
        a[mask] = rng.choice(pool, size=int(mask.sum()))
    if a.size > 1 and draw(_coin):  # exact ties with the first entry
        a[rng.random(shp) < 0.3] = a.flat[0]
    return a.astype(np.float64)


def _fits(dtype: Any, lo: int, hi: int) -> tuple[int, int]:
    """The part of [lo, hi] that ``dtype`` holds (unsigned types: from 0)."""
    info = np.iinfo(dtype)
    return max(lo, int(info.min)), min(hi, int(info.max))


@st.composite
def int_arrays(draw: Any, shape: Any, lo: int = -5, hi: int = 5) -> np.ndarray:
    """Integer arrays of ``shape`` of any integer dtype, signed or unsigned (values in
    [lo, hi], from 0 for unsigned ones); the API treats them as float64."""
    shp = _shape(draw, shape)
    dtype = draw(_int_dtypes)
    low, high = _fits(dtype, lo, hi)
    if low > high:  # [lo, hi] holds no value of this (unsigned) type
        dtype, low, high = np.int64, lo, hi
    rng = np.random.default_rng(draw(seeds))
    return rng.integers(low, high + 1, size=shp).astype(dtype)


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


@functools.lru_cache(maxsize=64)
def _classes(min_c: int, max_c: int) -> Any:
    """C = 1 or 2 (at least ``min_c``) often, else any C in [min_c, max_c]."""
    small = tuple(v for v in (1, 2) if v >= min_c) or (min_c,)
    return st.one_of(st.sampled_from(small), st.integers(min_c, max_c))


@st.composite
def batch_dims(draw: Any, max_n: int = 6, max_c: int = 5, min_c: int = 1) -> tuple[int, int]:
    """(N, C) with N = 1 and C = 1 or 2 often."""
    n = draw(_sampled((1, 2, 3, max_n)) if draw(_coin) else _integers(1, max_n))
    c = draw(_classes(min_c, max_c))
    return n, c


@st.composite
def labels(draw: Any, n: int, c: int) -> np.ndarray:
    """Integer labels (N,) in [0, C), int64 or int32; classes may go unused.

    Mostly spread over all classes (so that indexing mistakes show), sometimes confined
    to the first or last few classes.
    """
    dtype = draw(_int_dtypes)
    rng = np.random.default_rng(draw(seeds))
    high = draw(_sampled((c, c, c, max(1, c // 2))))
    offset = (c - high) if draw(_coin) else 0
    return (rng.integers(0, high, size=n) + offset).astype(dtype)


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
    y = draw(labels(n, c))
    clamp = "none" if away_from_clamp or c == 1 else draw(st.sampled_from(["none", "0", "tiny"]))
    if clamp != "none":  # the probability of the true class is 0 or below exp(-100)
        rows = np.arange(n)[np.random.default_rng(draw(seeds)).random(n) < 0.6]
        w[rows, y[rows]] = 0.0 if clamp == "0" else 1e-300
        w[rows, (y[rows] + 1) % c] += 1.0
    w[w.sum(axis=1) == 0, 0] = 1.0
    probs = w / w.sum(axis=1, keepdims=True)
    return probs, y


P_SPECIALS = (0.0, 1.0, 1e-300, 1e-20, 1e-13, 0.5, 1.0 - 1e-13, 1.0 - 2.0**-53)


@st.composite
def bce_inputs(draw: Any, away_from_clamp: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(p, y): p in [0, 1] including exactly 0 / 1 and near them; y hard or soft labels."""
    shape = draw(shapes(max_dims=2))
    if away_from_clamp:
        p = draw(float_arrays(shape, 0.05, 0.95, (0.5,)))
    else:
        p = draw(float_arrays(shape, 0.0, 1.0, P_SPECIALS))
    y = draw(st.one_of(int_arrays(shape, 0, 1), float_arrays(shape, 0.0, 1.0, (0.0, 1.0, 0.5))))
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
    if y.dtype.kind in "iu" and draw(st.booleans()):
        # integers of the same dtype, kept in its range (unsigned: y_pred < y happens too)
        lo, hi = _fits(y.dtype, -(2**62), 2**62)
        y_pred = np.clip(y.astype(np.int64) + np.round(delta).astype(np.int64), lo, hi)
        return y_pred.astype(y.dtype), y
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

