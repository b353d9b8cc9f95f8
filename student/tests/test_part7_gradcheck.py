"""Part 7: gradient checking.

``numerical_gradient`` gets its function f as a ``testfuncs.make(...)`` object (a
named function: the autograder cannot send a lambda to the process running your
code). Inside your code it is just a function: call ``f(x)``.
"""

import numpy as np
import pytest
import testfuncs
from checks import (
    assert_close,
    assert_unchanged,
    reference_numerical_gradient,
    restore_tolerance,
    snapshot,
)


@pytest.mark.grades("numerical_gradient")
def test_numerical_gradient_sum_of_squares(hw):
    f = testfuncs.make("sum_of_squares")
    x = np.array([1.0, -2.0, 3.0])
    before = snapshot(x)
    got = hw.numerical_gradient(f, x)
    assert_close(
        got,
        np.array([2.0, -4.0, 6.0]),
        name="numerical_gradient",
        inputs={"f": f, "x": x},
        rtol=1e-6,
    )
    assert_unchanged(
        before, x, name="numerical_gradient", arg="x", atol=restore_tolerance(before, 1e-5)
    )


@pytest.mark.grades("numerical_gradient")
def test_numerical_gradient_is_central(hw):
    # For x^3 the central difference is exactly 3x^2 + h^2 (a one-sided one gives 3x^2 + 3xh + h^2)
    f = testfuncs.make("cubic")
    x = np.array([1.0, 2.0])
    got = hw.numerical_gradient(f, x, h=0.1)
    assert_close(
        got, np.array([3.01, 12.01]), name="numerical_gradient", inputs={"f": f, "x": x, "h": 0.1}
    )


@pytest.mark.grades("numerical_gradient")
@pytest.mark.parametrize("name", ["quadratic", "sin_dot", "logsumexp"])
def test_numerical_gradient_any_shape(hw, name):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 3))  # a 2-D x: the gradient has the same shape
    params = {
        "quadratic": {"A": rng.standard_normal((6, 6)), "b": rng.standard_normal(6)},
        "sin_dot": {"w": rng.standard_normal((2, 3))},
        "logsumexp": {},
    }[name]
    f = testfuncs.make(name, **params)
    # the checker's own central differences (checks.py), with the same default h = 1e-5
    expected = reference_numerical_gradient(f, x)
    before = snapshot(x)
    got = hw.numerical_gradient(f, x)
    assert_close(
        got, expected, name="numerical_gradient", inputs={"f": f, "x": x}, rtol=1e-6, atol=1e-8
    )
    assert_unchanged(
        before, x, name="numerical_gradient", arg="x", atol=restore_tolerance(before, 1e-5)
    )


@pytest.mark.grades("relative_error")
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1.0, 2.0], [1.0, 2.0], 0.0),
        ([1.0, 0.0], [3.0, 0.0], 0.5),  # |1 - 3| / (1 + 3); 0 / max(1e-8, 0) = 0
        ([0.0], [1e-9], 0.1),  # the 1e-8 floor: 1e-9 / 1e-8
        ([[1.0, -1.0], [2.0, 2.0]], [[1.0, 1.0], [2.0, 2.0]], 1.0),  # opposite signs
    ],
)
def test_relative_error(hw, a, b, expected):
    a, b = np.array(a), np.array(b)
    got = hw.relative_error(a, b)
    assert isinstance(got, float), (
        f"relative_error: expected a Python float, got {type(got).__name__}"
    )
    assert_close(got, expected, name="relative_error", inputs={"a": a, "b": b})
