"""Hidden tests, part 3: sigmoid, ReLU and the linear layer (forward and backward)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    agree,
    assert_gradient,
    call_both,
    checks,
    compare,
    conform,
    immutability_case,
    layout_cases,
    require,
    run_immutability,
)

SIGMOID_SPECIALS = (1e4, -1e4, 710.0, -710.0, 745.0, -745.0, 36.0, -36.0)


@st.composite
def x_and_upstream(draw, lo=-1e3, hi=1e3, specials=SIGMOID_SPECIALS):
    shape = draw(hs.shapes())
    x = draw(hs.numeric_arrays(shape, lo, hi, specials))
    return x, draw(hs.numeric_arrays(shape, -3.0, 3.0))


def _agree_to_every_magnitude(hw, ref, x):
    """``agree`` for sigmoid, whose values span hundreds of orders of magnitude: tiny values
    must keep theirs (``checks.assert_close(relative_tiny=True)``: 3e-261 at x = -600, not
    the 7e-218 of a clip at -500), or underflow to 0."""
    got, expected = call_both(hw, ref, "sigmoid", x)
    compare("sigmoid", got, expected, args=(x,), names=("x",), hw=hw, relative_tiny=True)
    return got


@pytest.mark.grades("sigmoid", weight=3)
@given(hs.numeric_arrays(hs.shapes(), -1e4, 1e4, SIGMOID_SPECIALS))
def test_sigmoid_agrees_with_solution_and_is_stable(hw, ref, x):
    got = _agree_to_every_magnitude(hw, ref, x)
    require(np.all(np.isfinite(got)), "sigmoid: the result has nan or inf entries", {"x": x})


@pytest.mark.grades("sigmoid", weight=1)
def test_sigmoid_never_overflows(hw, ref):
    x = np.array([[-1e4, -1000.0, -745.0, -710.0, -600.0], [0.0, 36.0, 709.8, 1000.0, 1e4]])
    with checks.no_float_warnings("sigmoid", {"x": x}):
        hw.sigmoid(x.copy())
    _agree_to_every_magnitude(hw, ref, x)


@pytest.mark.grades("sigmoid_backward", weight=3)
@given(x_and_upstream())
def test_sigmoid_backward_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "sigmoid_backward", *case, names=("x", "upstream"))


@pytest.mark.grades("sigmoid_backward", weight=2)
@given(x_and_upstream(-6.0, 6.0, ()))
def test_sigmoid_backward_matches_numerical_gradient(hw, ref, case):
    x, upstream = (a.astype(np.float64) for a in case)
    got = hw.sigmoid_backward(x.copy(), upstream.copy())
    assert_gradient("sigmoid_backward", got, lambda v: float(np.sum(upstream * ref.sigmoid(v))),
                    x, inputs={"x": x, "upstream": upstream})


@pytest.mark.grades("relu", weight=2)
@given(hs.numeric_arrays(hs.shapes(max_dims=4), specials=(0.0, -0.0)))
def test_relu_agrees_with_solution(hw, ref, x):
    agree(hw, ref, "relu", x, names=("x",))


@pytest.mark.grades("relu_backward", weight=3)
@given(x_and_upstream(-5.0, 5.0, (0.0, -0.0)))
def test_relu_backward_agrees_with_solution_including_the_kink(hw, ref, case):
    agree(hw, ref, "relu_backward", *case, names=("x", "upstream"))


@pytest.mark.grades("relu_backward", weight=1)
def test_relu_backward_mask_comes_from_x(hw, ref):
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]])
    upstream = np.array([[5.0, -6.0, -7.0], [0.0, 8.0, 9.0]])
    agree(hw, ref, "relu_backward", x, upstream, names=("x", "upstream"))


@pytest.mark.grades("relu_backward", weight=2)
@given(x_and_upstream(-5.0, 5.0, ()))
def test_relu_backward_matches_numerical_gradient_away_from_kink(hw, ref, case):
    x, upstream = (a.astype(np.float64) for a in case)
    x = np.where(x >= 0, x + 0.1, x - 0.1)
    got = hw.relu_backward(x.copy(), upstream.copy())
    assert_gradient("relu_backward", got, lambda v: float(np.sum(upstream * ref.relu(v))),
                    x, inputs={"x": x, "upstream": upstream})


@st.composite
def linear_case(draw, ints: bool = True):
    n = draw(st.one_of(st.just(1), st.integers(1, 5)))
    d, m = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    arr = hs.numeric_arrays if ints else hs.float_arrays
    return (draw(arr((n, d), -5.0, 5.0)), draw(arr((d, m), -5.0, 5.0)),
            draw(arr((m,), -5.0, 5.0)), draw(arr((n, m), -5.0, 5.0)))


@pytest.mark.grades("linear_forward", weight=3)
@given(linear_case())
def test_linear_forward_agrees_with_solution(hw, ref, case):
    x, W, b, _ = case
    agree(hw, ref, "linear_forward", x, W, b, names=("x", "W", "b"))


@pytest.mark.grades("linear_backward", weight=3)
@given(linear_case())
def test_linear_backward_agrees_with_solution(hw, ref, case):
    x, W, _, upstream = case
    agree(hw, ref, "linear_backward", x, W, upstream, names=("x", "W", "upstream"))


@pytest.mark.grades("linear_backward", weight=2)
@given(linear_case(ints=False))
def test_linear_backward_matches_numerical_gradient(hw, ref, case):
    x, W, b, upstream = case
    got = hw.linear_backward(x.copy(), W.copy(), upstream.copy())
    inputs = {"x": x, "W": W, "upstream": upstream}
    conform("linear_backward", got, ref.linear_backward(x, W, upstream), inputs)
    dx, dW, db = got
    assert_gradient("linear_backward", dx,
                    lambda v: float(np.sum(upstream * ref.linear_forward(v, W, b))), x,
                    inputs=inputs, what="dx")
    assert_gradient("linear_backward", dW,
                    lambda v: float(np.sum(upstream * ref.linear_forward(x, v, b))), W,
                    inputs=inputs, what="dW")
    assert_gradient("linear_backward", db,
                    lambda v: float(np.sum(upstream * ref.linear_forward(x, W, v))), b,
                    inputs=inputs, what="db")


_R = np.random.default_rng(3)


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("sigmoid", _R.normal(size=(3, 4)) * 50),
    immutability_case("sigmoid", np.arange(-3, 3)),
    immutability_case("sigmoid_backward", _R.normal(size=(2, 3)), _R.normal(size=(2, 3))),
    immutability_case("relu", _R.normal(size=(3, 4))),
    immutability_case("relu", np.arange(-3, 3)),
    immutability_case("relu_backward", _R.normal(size=(4, 2)), _R.normal(size=(4, 2))),
    immutability_case("linear_forward", _R.normal(size=(3, 2)), _R.normal(size=(2, 4)),
                      _R.normal(size=(4,))),
    immutability_case("linear_forward", np.arange(6).reshape(3, 2), np.ones((2, 4), dtype=int),
                      np.arange(4)),
    immutability_case("linear_backward", _R.normal(size=(3, 2)), _R.normal(size=(2, 4)),
                      _R.normal(size=(3, 4))),
))
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)
