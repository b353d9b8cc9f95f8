"""Hidden tests, part 1: softmax and its backward pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    agree,
    assert_gradient,
    checks,
    conform,
    immutability_case,
    layout_cases,
    require,
    run_immutability,
)


@st.composite
def array_and_axis(draw, extreme: bool = True):
    """A logits array of 1 to 4 dims and a valid axis (negative or not)."""
    shape = draw(hs.shapes(min_dims=1, max_dims=4, max_side=4))
    z = draw(hs.logit_arrays(shape, extreme))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return z, axis


@pytest.mark.grades("softmax", weight=4)
@given(array_and_axis())
def test_softmax_agrees_with_solution_any_shape_and_axis(hw, ref, case):
    z, axis = case
    agree(hw, ref, "softmax", z, axis=axis, names=("z",))


@pytest.mark.grades("softmax", weight=1)
@given(hs.logit_arrays(hs.shapes(min_dims=1, max_dims=3)))
def test_softmax_default_axis_is_last(hw, ref, z):
    agree(hw, ref, "softmax", z, names=("z",))


@pytest.mark.grades("softmax", weight=2)
@given(array_and_axis(), st.sampled_from([-1000.0, -3.25, 7.5, 1000.0]))
def test_softmax_is_a_distribution_and_shift_invariant(hw, ref, case, shift):
    z, axis = case
    z = z.astype(np.float64)
    s = hw.softmax(z.copy(), axis=axis)
    inputs = {"z": z, "axis": axis}
    conform("softmax", s, ref.softmax(z, axis=axis), inputs)
    require(np.all(np.isfinite(s)), "softmax: the result has nan or inf entries", inputs)
    require(np.min(s) >= 0, "softmax: the result has negative entries", inputs)
    checks.assert_close(np.sum(s, axis=axis), np.ones(np.sum(z, axis=axis).shape),
                        name=f"softmax: sum along axis={axis}", inputs=inputs)
    shifted = hw.softmax(z + shift, axis=axis)
    checks.assert_close(shifted, s, name=f"softmax(z + {shift}) vs softmax(z)",
                        inputs=inputs, atol=1e-9)


EXTREME = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 0.0],
                    [-745.0, 710.0, 0.0], [3e5, -3e5, 2.0], [0.0, 0.0, 0.0]])


@pytest.mark.grades("softmax", weight=1)
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_stable_for_extreme_logits(hw, ref, axis):
    with checks.no_float_warnings("softmax", {"z": EXTREME, "axis": axis}):
        hw.softmax(EXTREME.copy(), axis=axis)
    s = agree(hw, ref, "softmax", EXTREME, axis=axis, names=("z",))
    require(np.all(np.isfinite(s)), "softmax: the result has nan or inf entries",
            {"z": EXTREME, "axis": axis})


@st.composite
def backward_case(draw, extreme: bool = True):
    z, axis = draw(array_and_axis(extreme))
    upstream = draw(hs.numeric_arrays(z.shape, -3.0, 3.0))
    return z, upstream, axis


@pytest.mark.grades("softmax_backward", weight=3)
@given(backward_case())
def test_softmax_backward_agrees_with_solution(hw, ref, case):
    z, upstream, axis = case
    agree(hw, ref, "softmax_backward", z, upstream, axis=axis, names=("z", "upstream"))


@pytest.mark.grades("softmax_backward", weight=1)
@given(hs.logits_and_labels())
def test_softmax_backward_default_axis_is_last(hw, ref, case):
    z, _labels = case
    upstream = np.linspace(-1.0, 2.0, z.size).reshape(z.shape)
    agree(hw, ref, "softmax_backward", z, upstream, names=("z", "upstream"))


@pytest.mark.grades("softmax_backward", weight=3)
@given(backward_case(extreme=False))
def test_softmax_backward_matches_numerical_gradient(hw, ref, case):
    z, upstream, axis = case
    z = np.clip(z.astype(np.float64), -5.0, 5.0)
    upstream = upstream.astype(np.float64)
    got = hw.softmax_backward(z.copy(), upstream.copy(), axis=axis)

    def f(x):
        return float(np.sum(upstream * ref.softmax(x, axis=axis)))

    assert_gradient("softmax_backward", got, f, z,
                    inputs={"z": z, "upstream": upstream, "axis": axis})


_R = np.random.default_rng(1)


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("softmax", _R.normal(size=(3, 4)), axis=0),
    immutability_case("softmax", np.arange(12).reshape(3, 4)),
    immutability_case("softmax", np.arange(12, dtype=np.uint8).reshape(3, 4)),
    immutability_case("softmax_backward", _R.normal(size=(2, 3, 4)), _R.normal(size=(2, 3, 4)),
                      axis=1),
    immutability_case("softmax_backward", np.arange(6).reshape(2, 3),
                      np.arange(6).reshape(2, 3) % 2),
))
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)
