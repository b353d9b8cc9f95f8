"""Part 7: gradient checking.

``numerical_gradient`` gets its function f as a ``testfuncs.make(...)`` object (a
named function: the autograder cannot send a lambda to the process running your
code). Inside your code it is just a function: call ``f(x)``.

The expected numerical gradients are stored with the tests (``expected_values.json``,
read by ``stored.case``).
"""

import numpy as np
import pytest
import stored
import testfuncs
from checks import LAYOUTS, assert_close, assert_unchanged, laid_out, snapshot
from stored import example


@pytest.mark.grades("numerical_gradient")
def test_numerical_gradient_sum_of_squares(hw):
    f = testfuncs.make("sum_of_squares")
    x, expected = example(
        "numerical_gradient sum of squares",
        x=np.array([0.1, -2.0, 1.7]),
        expected=np.array([0.2, -4.0, 3.4]),  # 2 x
    )
    before = snapshot(x)
    got = hw.numerical_gradient(f, x)
    assert_close(
        got,
        expected,
        name="numerical_gradient",
        inputs={"f": f, "x": x},
        rtol=1e-6,
    )
    # x must be EXACTLY as it was: if you perturb it in place, put the stored old value
    # back (x[i] = old); 0.1 + h - 2h + h is not 0.1 in floating point
    assert_unchanged(before, x, name="numerical_gradient", arg="x")


@pytest.mark.grades("numerical_gradient")
def test_numerical_gradient_is_central(hw):
    # For x^3 the central difference is exactly 3x^2 + h^2 (a one-sided one gives 3x^2 + 3xh + h^2)
    f = testfuncs.make("cubic")
    x, h, expected = example(
        "numerical_gradient central",
        x=np.array([1.0, 2.0]),
        h=0.1,
        expected=np.array([3.01, 12.01]),  # 3 x^2 + h^2
    )
    got = hw.numerical_gradient(f, x, h=h)
    assert_close(got, expected, name="numerical_gradient", inputs={"f": f, "x": x, "h": h})


@pytest.mark.grades("numerical_gradient")
@pytest.mark.parametrize("name", ["quadratic", "sin_dot", "logsumexp"])
def test_numerical_gradient_any_shape(hw, name):
    case = stored.case(f"numerical_gradient {name}")
    x = case["x"]  # a 2-D x: the gradient has the same shape
    f = testfuncs.make(name, **case["params"])
    before = snapshot(x)
    got = hw.numerical_gradient(f, x)
    assert_close(
        got,
        case["expected"],
        name="numerical_gradient",
        inputs={"f": f, "x": x},
        rtol=1e-6,
        atol=1e-8,
    )
    assert_unchanged(before, x, name="numerical_gradient", arg="x")


@pytest.mark.grades("numerical_gradient")
@pytest.mark.parametrize("layout", [layout for layout in LAYOUTS if layout != "C"])
def test_numerical_gradient_of_x_in_any_memory_layout(hw, layout):
    # the same x, laid out in memory another way (Fortran order, a transposed, strided or
    # reversed view): x.reshape(-1) may then be a COPY of x, and perturbing a copy changes
    # nothing that f sees
    case = stored.case("numerical_gradient quadratic")
    x = laid_out(case["x"], layout)
    f = testfuncs.make("quadratic", **case["params"])
    before = snapshot(x)
    got = hw.numerical_gradient(f, x)
    assert_close(
        got,
        case["expected"],
        name=f"numerical_gradient (x in {layout} layout)",
        inputs={"f": f, "x": x},
        rtol=1e-6,
        atol=1e-8,
    )
    assert_unchanged(before, x, name="numerical_gradient", arg="x")


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
    a, b, expected = example("relative_error", a=np.array(a), b=np.array(b), expected=expected)
    got = hw.relative_error(a, b)  # a Python float (a NumPy float64 is one)
    assert_close(got, expected, name="relative_error", inputs={"a": a, "b": b})
