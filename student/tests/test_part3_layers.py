"""Part 3: activations (sigmoid, ReLU) and the linear layer.

The gradient checks compare with numerical gradients stored with the tests
(``expected_values.json``, read by ``stored.case``).
"""

import numpy as np
import pytest
import stored
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    assert_unchanged,
    conform,
    no_float_warnings,
    snapshot,
)
from stored import example

LN3 = np.log(3.0)


# ----------------------------------------------------------------------------- sigmoid


@pytest.mark.grades("sigmoid")
def test_sigmoid_known_values(hw):
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4
    x, expected = example(
        "sigmoid known values", x=np.array([0.0, LN3, -LN3]), expected=np.array([0.5, 0.75, 0.25])
    )
    assert_close(hw.sigmoid(x), expected, name="sigmoid", inputs={"x": x})


@pytest.mark.grades("sigmoid")
def test_sigmoid_extreme_inputs_are_stable(hw):
    x, expected = example(
        "sigmoid extreme inputs",
        x=np.array([[-1000.0, 1000.0], [-745.0, 40.0]]),
        expected=np.array([[0.0, 1.0], [0.0, 1.0]]),
    )
    with no_float_warnings("sigmoid", {"x": x}):  # np.where(x > 0, ..., exp(x) ...) warns
        got = hw.sigmoid(x)
    assert_close(got, expected, name="sigmoid", inputs={"x": x}, atol=1e-15)


@pytest.mark.grades("sigmoid")
def test_sigmoid_does_not_modify_its_input(hw):
    x, expected = example(
        "sigmoid unchanged input",
        x=np.array([-2.0, 0.0, 2.0]),
        expected=np.array([0.11920292202211755, 0.5, 0.8807970779778823]),  # 1 / (1 + e^2), ...
    )
    before = snapshot(x)
    got = hw.sigmoid(x)
    assert_unchanged(before, x, name="sigmoid", arg="x")
    assert_close(got, expected, name="sigmoid", inputs={"x": x})


@pytest.mark.grades("sigmoid_backward")
def test_sigmoid_backward_known_values(hw):
    # s (1 - s) = 1/4 at 0 and 3/16 at ln 3
    x, g, expected = example(
        "sigmoid_backward known values",
        x=np.array([0.0, LN3]),
        upstream=np.array([2.0, 1.0]),
        expected=np.array([0.5, 0.1875]),
    )
    got = hw.sigmoid_backward(x, g)
    assert_close(got, expected, name="sigmoid_backward", inputs={"x": x, "upstream": g})


@pytest.mark.grades("sigmoid_backward")
def test_sigmoid_backward_matches_numerical_gradient(hw):
    # L = sum(w * sigmoid(x)), so dL/ds = w; dL/dx by central differences is stored
    case = stored.case("sigmoid_backward")
    x, w = case["x"], case["upstream"]
    got = hw.sigmoid_backward(x, w)
    assert_gradient_matches(
        got,
        case["numerical"],
        f_value=case["f_value"],
        name="sigmoid_backward",
        inputs={"x": x, "upstream": w},
    )


# ----------------------------------------------------------------------------- ReLU


@pytest.mark.grades("relu")
def test_relu_known_values(hw):
    x, expected = example(
        "relu known values",
        x=np.array([[-2.0, 0.0, 3.0], [0.5, -0.5, 7.0]]),
        expected=np.array([[0.0, 0.0, 3.0], [0.5, 0.0, 7.0]]),
    )
    before = snapshot(x)
    assert_close(hw.relu(x), expected, name="relu", inputs={"x": x})
    assert_unchanged(before, x, name="relu", arg="x")


@pytest.mark.grades("relu")
def test_relu_integer_input_gives_float64(hw):
    x, expected = example("relu integer input", x=np.array([-3, 4]), expected=np.array([0.0, 4.0]))
    got = hw.relu(x)  # integer inputs are treated as float64: the result is float64
    assert_close(got, expected, name="relu", inputs={"x": x})


@pytest.mark.grades("relu_backward")
def test_relu_backward_known_values(hw):
    # gradient flows only where x > 0; at x == 0 the derivative is 0
    x, g, expected = example(
        "relu_backward known values",
        x=np.array([-2.0, 0.0, 3.0]),
        upstream=np.array([5.0, 6.0, 7.0]),
        expected=np.array([0.0, 0.0, 7.0]),
    )
    got = hw.relu_backward(x, g)
    assert_close(got, expected, name="relu_backward", inputs={"x": x, "upstream": g})


@pytest.mark.grades("relu_backward")
def test_relu_backward_matches_numerical_gradient(hw):
    # L = sum(w * relu(x)), x away from the kink at 0; dL/dx by central differences
    case = stored.case("relu_backward")
    x, w = case["x"], case["upstream"]
    args = {"x": x, "upstream": w}
    before = snapshot(args)
    got = hw.relu_backward(x, w)
    assert_gradient_matches(
        got,
        case["numerical"],
        f_value=case["f_value"],
        name="relu_backward",
        inputs={"x": x, "upstream": w},
    )
    assert_args_unchanged(before, args, name="relu_backward")


# ----------------------------------------------------------------------------- linear layer

@pytest.mark.grades("linear_forward")
def test_linear_forward_known_values(hw):
    # [1, 2] @ W = [1 + 4, 0 + 2, -1 + 0], plus b
    x, W, b, expected = example(
        "linear_forward known values",
        x=np.array([[1.0, 2.0]]),
        W=np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
        b=np.array([0.5, 0.0, 0.0]),
        expected=np.array([[5.5, 2.0, -1.0]]),
    )
    got = hw.linear_forward(x, W, b)
    assert_close(got, expected, name="linear_forward", inputs={"x": x, "W": W, "b": b})


@pytest.mark.grades("linear_forward")
def test_linear_forward_shape_and_bias_broadcast(hw):
    x, W, b, expected = example(
        "linear_forward batch",
        x=np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
        W=np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
        b=np.array([0.5, 0.0, 0.0]),
        expected=np.array([[0.5, 0.0, 0.0], [1.5, 0.0, -1.0], [2.5, 1.0, 0.0], [3.5, 1.0, -1.0]]),
    )
    args = {"x": x, "W": W, "b": b}
    before = snapshot(args)
    got = hw.linear_forward(x, W, b)
    assert_close(got, expected, name="linear_forward", inputs={"x": x, "W": W, "b": b})
    assert_args_unchanged(before, args, name="linear_forward")


@pytest.mark.grades("linear_backward")
def test_linear_backward_known_values(hw):
    # dx = g W^T = [1 - 1, 2 + 0]; dW = x^T g; db = column sums of g
    x, W, g, expected = example(
        "linear_backward known values",
        x=np.array([[1.0, 2.0]]),
        W=np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
        upstream=np.array([[1.0, 0.0, 1.0]]),
        expected=(
            np.array([[0.0, 2.0]]),
            np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 2.0]]),
            np.array([1.0, 0.0, 1.0]),
        ),
    )
    got = hw.linear_backward(x, W, g)
    assert_close(got, expected, name="linear_backward", inputs={"x": x, "W": W, "upstream": g})


@pytest.mark.grades("linear_backward")
def test_linear_backward_matches_numerical_gradient(hw):
    # L = sum(g * (x W + b)), so dL/dout = g; dL/dx, dL/dW, dL/db by central differences
    case = stored.case("linear_backward")
    x, W, g = case["x"], case["W"], case["upstream"]
    args = {"x": x, "W": W, "upstream": g}
    before = snapshot(args)
    got = hw.linear_backward(x, W, g)
    conform(got, case["numerical"], name="linear_backward (dx, dW, db)", inputs=args)
    for what, grad, numerical in zip(("dx", "dW", "db"), got, case["numerical"]):
        assert_gradient_matches(
            grad,
            numerical,
            f_value=case["f_value"],
            name=f"linear_backward ({what})",
            inputs=args,
        )
    assert_args_unchanged(before, args, name="linear_backward")
