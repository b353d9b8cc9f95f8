"""Part 3: activations (sigmoid, ReLU) and the linear layer."""

import numpy as np
import pytest
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    assert_unchanged,
    no_float_warnings,
    snapshot,
)

LN3 = np.log(3.0)


def local_sigmoid(x):
    """A trusted sigmoid, used only to build the function whose gradient we check."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# ----------------------------------------------------------------------------- sigmoid


@pytest.mark.grades("sigmoid")
def test_sigmoid_known_values(hw):
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4
    x = np.array([0.0, LN3, -LN3])
    assert_close(hw.sigmoid(x), np.array([0.5, 0.75, 0.25]), name="sigmoid", inputs={"x": x})


@pytest.mark.grades("sigmoid")
def test_sigmoid_extreme_inputs_are_stable(hw):
    x = np.array([[-1000.0, 1000.0], [-745.0, 40.0]])
    with no_float_warnings("sigmoid", {"x": x}):  # np.where(x > 0, ..., exp(x) ...) warns
        got = hw.sigmoid(x)
    assert_close(
        got, np.array([[0.0, 1.0], [0.0, 1.0]]), name="sigmoid", inputs={"x": x}, atol=1e-15
    )


@pytest.mark.grades("sigmoid")
def test_sigmoid_does_not_modify_its_input(hw):
    x = np.array([-2.0, 0.0, 2.0])
    before = snapshot(x)
    got = hw.sigmoid(x)
    assert_unchanged(before, x, name="sigmoid", arg="x")
    expected = np.array([0.11920292202211755, 0.5, 0.8807970779778823])  # 1 / (1 + e^2), ...
    assert_close(got, expected, name="sigmoid", inputs={"x": x})


@pytest.mark.grades("sigmoid_backward")
def test_sigmoid_backward_known_values(hw):
    # s (1 - s) = 1/4 at 0 and 3/16 at ln 3
    x, g = np.array([0.0, LN3]), np.array([2.0, 1.0])
    got = hw.sigmoid_backward(x, g)
    assert_close(
        got, np.array([0.5, 0.1875]), name="sigmoid_backward", inputs={"x": x, "upstream": g}
    )


@pytest.mark.grades("sigmoid_backward")
def test_sigmoid_backward_matches_numerical_gradient(hw):
    rng = np.random.default_rng(7)
    x, w = 2.0 * rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    got = hw.sigmoid_backward(x, w)
    assert_gradient_matches(
        got,
        lambda xx: float(np.sum(w * local_sigmoid(xx))),
        x,
        name="sigmoid_backward",
        inputs={"x": x, "upstream": w},
    )


# ----------------------------------------------------------------------------- ReLU


@pytest.mark.grades("relu")
def test_relu_known_values(hw):
    x = np.array([[-2.0, 0.0, 3.0], [0.5, -0.5, 7.0]])
    expected = np.array([[0.0, 0.0, 3.0], [0.5, 0.0, 7.0]])
    before = snapshot(x)
    assert_close(hw.relu(x), expected, name="relu", inputs={"x": x})
    assert_unchanged(before, x, name="relu", arg="x")


@pytest.mark.grades("relu")
def test_relu_integer_input_gives_float64(hw):
    x = np.array([-3, 4])
    got = hw.relu(x)
    assert_close(got, np.array([0.0, 4.0]), name="relu", inputs={"x": x})
    assert got.dtype == np.float64, f"relu: expected a float64 array, got {got.dtype}"


@pytest.mark.grades("relu_backward")
def test_relu_backward_known_values(hw):
    x, g = np.array([-2.0, 0.0, 3.0]), np.array([5.0, 6.0, 7.0])
    # gradient flows only where x > 0; at x == 0 the derivative is 0
    got = hw.relu_backward(x, g)
    assert_close(
        got, np.array([0.0, 0.0, 7.0]), name="relu_backward", inputs={"x": x, "upstream": g}
    )


@pytest.mark.grades("relu_backward")
def test_relu_backward_matches_numerical_gradient(hw):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4))
    x[np.abs(x) < 0.1] = 0.5  # stay away from the kink at 0
    w = rng.standard_normal((3, 4))
    args = {"x": x, "upstream": w}
    before = snapshot(args)
    got = hw.relu_backward(x, w)
    assert_gradient_matches(
        got,
        lambda xx: float(np.sum(w * np.maximum(xx, 0.0))),
        x,
        name="relu_backward",
        inputs={"x": x, "upstream": w},
    )
    assert_args_unchanged(before, args, name="relu_backward")


# ----------------------------------------------------------------------------- linear layer

X1 = np.array([[1.0, 2.0]])
W1 = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
B1 = np.array([0.5, 0.0, 0.0])


@pytest.mark.grades("linear_forward")
def test_linear_forward_known_values(hw):
    # [1, 2] @ W = [1 + 4, 0 + 2, -1 + 0], plus b
    got = hw.linear_forward(X1, W1, B1)
    assert_close(
        got, np.array([[5.5, 2.0, -1.0]]), name="linear_forward", inputs={"x": X1, "W": W1, "b": B1}
    )


@pytest.mark.grades("linear_forward")
def test_linear_forward_shape_and_bias_broadcast(hw):
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    args = {"x": x, "W": W1, "b": B1}
    before = snapshot(args)
    got = hw.linear_forward(x, W1, B1)
    expected = np.array([[0.5, 0.0, 0.0], [1.5, 0.0, -1.0], [2.5, 1.0, 0.0], [3.5, 1.0, -1.0]])
    assert_close(got, expected, name="linear_forward", inputs={"x": x, "W": W1, "b": B1})
    assert_args_unchanged(before, args, name="linear_forward")


@pytest.mark.grades("linear_backward")
def test_linear_backward_known_values(hw):
    g = np.array([[1.0, 0.0, 1.0]])
    # dx = g W^T = [1 - 1, 2 + 0]; dW = x^T g; db = column sums of g
    got = hw.linear_backward(X1, W1, g)
    expected = (
        np.array([[0.0, 2.0]]),
        np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 2.0]]),
        np.array([1.0, 0.0, 1.0]),
    )
    assert_close(
        tuple(got), expected, name="linear_backward", inputs={"x": X1, "W": W1, "upstream": g}
    )


@pytest.mark.grades("linear_backward")
def test_linear_backward_matches_numerical_gradient(hw):
    rng = np.random.default_rng(9)
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    g = rng.standard_normal((4, 2))  # L = sum(g * (x W + b)), so dL/dout = g
    args = {"x": x, "W": W, "upstream": g}
    before = snapshot(args)
    got = hw.linear_backward(x, W, g)
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"linear_backward: expected a tuple (dx, dW, db), got {type(got).__name__}"
    )
    dx, dW, db = got
    inputs = {"x": x, "W": W, "upstream": g}
    assert_gradient_matches(
        dx,
        lambda xx: float(np.sum(g * (xx @ W + b))),
        x,
        name="linear_backward (dx)",
        inputs=inputs,
    )
    assert_gradient_matches(
        dW,
        lambda ww: float(np.sum(g * (x @ ww + b))),
        W,
        name="linear_backward (dW)",
        inputs=inputs,
    )
    assert_gradient_matches(
        db,
        lambda bb: float(np.sum(g * (x @ W + bb))),
        b,
        name="linear_backward (db)",
        inputs=inputs,
    )
    assert_args_unchanged(before, args, name="linear_backward")
