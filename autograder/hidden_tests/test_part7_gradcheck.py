"""Hidden tests, part 7: numerical gradient and relative error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests import testfunc_gradients
from autograder.hidden_tests.agreement import (
    agree,
    checks,
    immutability_case,
    layout_cases,
    run_immutability,
    testfuncs,
)


@st.composite
def function_and_point(draw):
    """A named test function (``testfuncs.make``) and a float64 point x of any shape."""
    shape = draw(hs.shapes(min_dims=1, max_dims=3, max_side=4))
    x = draw(hs.float_arrays(shape, -3.0, 3.0))
    n = x.size
    name = draw(st.sampled_from(["sum_of_squares", "cubic", "quadratic", "sin_dot", "logsumexp"]))
    rng = np.random.default_rng(draw(hs.seeds))
    if name == "cubic":
        f = testfuncs.make("cubic", c=float(rng.uniform(-2.0, 2.0)))
    elif name == "quadratic":
        f = testfuncs.make("quadratic", A=rng.normal(size=(n, n)), b=rng.normal(size=n))
    elif name == "sin_dot":
        f = testfuncs.make("sin_dot", w=rng.normal(size=shape))
    else:
        f = testfuncs.make(name)
    return f, x


@pytest.mark.grades("numerical_gradient", weight=3)
@given(function_and_point())
def test_numerical_gradient_matches_analytic_gradients(hw, case):
    f, x = case
    got = hw.numerical_gradient(f, x.copy())
    inputs = {"f": f, "x": x}
    checks.assert_close(got, testfunc_gradients.gradient(f, x), rtol=1e-5, atol=1e-7,
                        name="numerical_gradient vs the exact gradient", inputs=inputs)


@pytest.mark.grades("numerical_gradient", weight=1)
@pytest.mark.parametrize("c,x", [
    (1.0, [1.0, 2.0, -3.0]),
    (-1.5, [[0.5, -2.0], [2.5, 1.0]]),
    (0.75, [[[-1.0, 3.0, 0.25]], [[2.0, -0.5, 1.5]]]),
])
def test_numerical_gradient_of_a_cubic_with_a_large_h_is_central(hw, c, x):
    # (c (x+h)^3 - c (x-h)^3) / 2h = 3 c x^2 + c h^2 exactly: with h = 0.05 the exact
    # gradient is off by c h^2 and a one-sided difference by about 3 c x h
    h = 0.05
    f = testfuncs.make("cubic", c=c)
    x = np.array(x)
    got = hw.numerical_gradient(f, x.copy(), h=h)
    inputs = {"f": f, "x": x, "h": h}
    checks.assert_close(got, testfunc_gradients.central_difference_of_cubic(c, x, h),
                        rtol=1e-9, atol=1e-9, name="numerical_gradient", inputs=inputs)


#: The step ``numerical_gradient`` takes when called without one (the assignment's).
DEFAULT_H = 1e-5


@pytest.mark.grades("numerical_gradient", weight=1)
@pytest.mark.parametrize("c,x", [
    (1.0, [0.5, -1.0, 1.5, 0.25]),
    (-2.0, [[1.25, -0.75], [0.5, -1.5]]),
])
def test_numerical_gradient_default_step_is_1e_5(hw, c, x):
    # called without h: the central difference of c x^3 is 3 c x^2 + c h^2 exactly, so the
    # step shows: h = 1e-4 is off by c * 1e-8, fourteen times the tolerance, while the
    # rounding noise of h = 1e-5 (about 1e-16 |f| / h, 5e-11 here) is far below it
    f = testfuncs.make("cubic", c=c)
    x = np.array(x)
    got = hw.numerical_gradient(f, x.copy())
    inputs = {"f": f, "x": x}
    checks.assert_close(got, testfunc_gradients.central_difference_of_cubic(c, x, DEFAULT_H),
                        rtol=1e-10, atol=1e-10, name="numerical_gradient with its default h "
                        f"(h={DEFAULT_H:g})", inputs=inputs)


@pytest.mark.grades("numerical_gradient", weight=2)
@given(function_and_point(), st.sampled_from([None, 1e-5, 1e-3, 0.05]))
def test_numerical_gradient_agrees_with_solution_for_any_h(hw, ref, case, h):
    f, x = case
    kwargs = {} if h is None else {"h": h}
    agree(hw, ref, "numerical_gradient", f, x, names=("f", "x"), **kwargs)


@pytest.mark.grades("numerical_gradient", weight=1)
@given(function_and_point())
def test_numerical_gradient_leaves_x_unchanged(hw, ref, case):
    f, x = case
    run_immutability(hw, ref, "numerical_gradient", (f, x), {})


@pytest.mark.grades("numerical_gradient", weight=0.5)
@pytest.mark.parametrize("layout", [layout for layout in checks.LAYOUTS if layout != "C"])
def test_numerical_gradient_of_x_in_any_memory_layout(hw, ref, layout):
    # x arrives as the test made it: Fortran-ordered, a transposed, strided or reversed
    # view. x.reshape(-1) of the first three is a COPY: perturbing it does not perturb x
    rng = np.random.default_rng(17)
    x = checks.laid_out(rng.normal(size=(3, 4)), layout)
    f = testfuncs.make("quadratic", A=rng.normal(size=(12, 12)), b=rng.normal(size=12))
    agree(hw, ref, "numerical_gradient", f, x, names=("f", "x"))
    run_immutability(hw, ref, "numerical_gradient", (f, x), {})


@st.composite
def pairs(draw):
    shape = draw(hs.shapes(max_dims=3))
    specials = (1e-9, -1e-9, 5e-9, 1e-12, 0.0)
    a = draw(hs.float_arrays(shape, -10.0, 10.0, specials))
    b = draw(st.one_of(hs.float_arrays(shape, -10.0, 10.0, specials),
                       st.just(a + draw(hs.float_arrays(shape, -1e-6, 1e-6, (0.0,))))))
    return a, b


@pytest.mark.grades("relative_error", weight=2)
@given(pairs())
def test_relative_error_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "relative_error", *case, names=("a", "b"))


@pytest.mark.grades("relative_error", weight=0.5)
@pytest.mark.parametrize("a,b", [
    ([0.0, 0.0], [0.0, 0.0]),
    ([1e-9], [0.0]),
    ([1.0, 0.0], [1.0, 1e-10]),
    ([[2.0, -3.0], [4e-9, 1.0]], [[2.0, 3.0], [0.0, 1.5]]),
    ([1, 2, 3], [1, 2, 4]),
])
def test_relative_error_exact_formula_with_1e_8_floor(hw, ref, a, b):
    agree(hw, ref, "relative_error", np.array(a), np.array(b), names=("a", "b"))


_R = np.random.default_rng(9)


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("numerical_gradient", testfuncs.make("cubic", c=2.0),
                      _R.normal(size=(2, 3))),
    immutability_case("relative_error", _R.normal(size=(3, 2)), _R.normal(size=(3, 2))),
    immutability_case("relative_error", np.arange(4), np.arange(4)[::-1].copy()),
))
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)
