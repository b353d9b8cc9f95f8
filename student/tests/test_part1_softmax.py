"""Part 1: softmax and its backward pass.

Run only these tests with ``pytest tests/test_part1_softmax.py`` (or ``-k softmax``).
"""

import numpy as np
import pytest
import stored
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    assert_unchanged,
    no_float_warnings,
    snapshot,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from stored import example

LN2, LN5 = np.log(2.0), np.log(5.0)


# ----------------------------------------------------------------------------- softmax


@pytest.mark.grades("softmax")
def test_softmax_known_values(hw):
    # exp(0) : exp(ln 2) : exp(ln 5) = 1 : 2 : 5, so the probabilities are 1/8, 2/8, 5/8
    z, expected = example(
        "softmax known values",
        z=np.array([[1.0, 1.0, 1.0], [0.0, LN2, LN5]]),
        expected=np.array([[1 / 3, 1 / 3, 1 / 3], [0.125, 0.25, 0.625]]),
    )
    assert_close(hw.softmax(z), expected, name="softmax", inputs={"z": z})


@pytest.mark.grades("softmax")
def test_softmax_large_logits_are_stable(hw):
    # exp(1000) overflows: subtract the row maximum first
    z, expected = example(
        "softmax large logits",
        z=np.array([[1000.0, 0.0], [-1000.0, -1000.0], [800.0, 800.0 + LN2]]),
        expected=np.array([[1.0, 0.0], [0.5, 0.5], [1 / 3, 2 / 3]]),
    )
    with no_float_warnings("softmax", {"z": z}):
        got = hw.softmax(z)
    assert_close(got, expected, name="softmax", inputs={"z": z})


@pytest.mark.grades("softmax")
def test_softmax_axis_0(hw):
    # axis=0: every COLUMN is a distribution
    z, expected = example(
        "softmax axis 0",
        z=np.array([[0.0, 5.0], [LN2, 5.0], [LN5, 5.0]]),
        expected=np.array([[0.125, 1 / 3], [0.25, 1 / 3], [0.625, 1 / 3]]),
    )
    assert_close(hw.softmax(z, axis=0), expected, name="softmax", inputs={"z": z, "axis": 0})


@pytest.mark.grades("softmax")
def test_softmax_integer_input_and_1d(hw):
    z, expected = example(
        "softmax integer 1-D",
        z=np.array([3, 3, 3, 3]),  # an integer array: treat it as float64
        expected=np.array([0.25, 0.25, 0.25, 0.25]),
    )
    got = hw.softmax(z)  # a float64 array (every float array returned is float64)
    assert_close(got, expected, name="softmax", inputs={"z": z})


@pytest.mark.grades("softmax")
def test_softmax_does_not_modify_its_input(hw):
    row = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]  # e^-2, e^-1, 1 / sum
    z, expected = example(
        "softmax unchanged input",
        z=np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]),
        expected=np.array([row, row]),
    )
    before = snapshot(z)
    got = hw.softmax(z)
    assert_unchanged(before, z, name="softmax", arg="z")
    assert_close(got, expected, name="softmax", inputs={"z": z})


@pytest.mark.grades("softmax")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    z=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
        elements=st.floats(-50, 50),
    )
)
def test_softmax_rows_sum_to_one_and_shift_invariance(hw, z):
    s = hw.softmax(z)
    ones = np.ones(z.shape[0])
    assert_close(np.sum(s, axis=1), ones, name="softmax (row sums)", inputs={"z": z})
    assert np.all(s >= 0), f"softmax: negative probabilities for z = {z!r}"
    # adding the same constant to every logit of a row does not change the softmax
    shifted = z + 7.5
    assert_close(hw.softmax(shifted), s, name="softmax (z + 7.5)", inputs={"z + 7.5": shifted})


# ----------------------------------------------------------------------------- softmax_backward


@pytest.mark.grades("softmax_backward")
def test_softmax_backward_known_values(hw):
    # s = [0.5, 0.5], g = [1, 0]: sum(g * s) = 0.5, dz = s * (g - 0.5) = [0.25, -0.25]
    z, g, expected = example(
        "softmax_backward known values",
        z=np.array([[0.0, 0.0]]),
        upstream=np.array([[1.0, 0.0]]),
        expected=np.array([[0.25, -0.25]]),
    )
    got = hw.softmax_backward(z, g)
    assert_close(got, expected, name="softmax_backward", inputs={"z": z, "upstream": g})


@pytest.mark.grades("softmax_backward")
def test_softmax_backward_of_constant_upstream_is_zero(hw):
    # the probabilities always sum to 1, so L = sum(s) does not depend on z at all
    z, g, expected = example(
        "softmax_backward constant upstream",
        z=np.array([[1.0, -2.0, 0.5], [3.0, 3.0, 0.0]]),
        upstream=np.ones((2, 3)),
        expected=np.zeros((2, 3)),
    )
    got = hw.softmax_backward(z, g)
    assert_close(got, expected, name="softmax_backward", inputs={"z": z, "upstream": g})


@pytest.mark.grades("softmax_backward")
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_backward_matches_numerical_gradient(hw, axis):
    # L = sum(w * softmax(z)), so dL/ds = w; its numerical gradient dL/dz (central
    # differences) is stored with the tests (expected_values.json)
    case = stored.case(f"softmax_backward axis={axis}")
    z, w = case["z"], case["upstream"]
    args = {"z": z, "upstream": w}
    before = snapshot(args)
    got = hw.softmax_backward(z, w, axis=axis)
    assert_gradient_matches(
        got,
        case["numerical"],
        f_value=case["f_value"],
        name="softmax_backward",
        inputs={"z": z, "upstream": w, "axis": axis},
    )
    assert_args_unchanged(before, args, name="softmax_backward")
