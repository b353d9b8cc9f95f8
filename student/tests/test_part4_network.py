"""Part 4: the two-layer net (initialisation, forward pass, loss + backprop, predict).

The random-net checks compare with values stored with the tests (``expected_values.json``,
read by ``stored.case``): logits, and the numerical gradients of the loss.
"""

import numpy as np
import pytest
import stored
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    conform,
    snapshot,
)
from stored import example

# The first twelve numbers of np.random.default_rng(0).standard_normal(...)
FIRST_NORMALS_SEED0 = (
    0.1257302210933933,
    -0.1321048632913019,
    0.6404226504432821,
    0.10490011715303971,
    -0.535669373161111,
    0.36159505490948474,
    1.3040000451301372,
    0.9470809631292422,
    -0.7037352358069926,
    -1.2654214710460525,
    -0.6232744625373522,
    0.0413259793472436,
)


def first_normals(start, stop, shape, scale=1.0):
    """``scale`` times FIRST_NORMALS_SEED0[start:stop], as an array of ``shape``."""
    return scale * np.array(FIRST_NORMALS_SEED0[start:stop]).reshape(shape)


def small_net():
    """A tiny hand-made net: D = 2 inputs, H = 2 hidden units, C = 2 classes."""
    return {
        "W1": np.array([[1.0, -1.0], [0.0, 1.0]]),
        "b1": np.array([0.0, 0.5]),
        "W2": np.array([[1.0, 0.0], [0.0, 2.0]]),
        "b2": np.array([0.0, -1.0]),
    }


def small_inputs():
    """Three examples for the small net.

    X @ W1 + b1 = [[1, 1.5], [-1, 1.5], [3, -2.5]]; relu -> [[1, 1.5], [0, 1.5], [3, 0]];
    logits = h @ W2 + b2 = [[1, 2], [0, 2], [3, -1]]
    """
    return np.array([[1.0, 2.0], [-1.0, 0.0], [3.0, 0.0]])


# ----------------------------------------------------------------------------- init


@pytest.mark.grades("init_two_layer_net")
def test_init_shapes_and_zero_biases(hw):
    n_in, n_hidden, n_out, seed = example("init sizes", n_in=5, n_hidden=4, n_out=3, seed=1)
    params = hw.init_two_layer_net(n_in, n_hidden, n_out, seed=seed)
    inputs = {"n_in": n_in, "n_hidden": n_hidden, "n_out": n_out, "seed": seed}
    # a dict of float64 arrays W1 (5, 4), b1 (4,), W2 (4, 3), b2 (3,), with zero biases
    shapes = {
        "W1": np.zeros((n_in, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": np.zeros((n_hidden, n_out)),
        "b2": np.zeros(n_out),
    }
    conform(params, shapes, name="init_two_layer_net", inputs=inputs)
    assert_close(params["b1"], np.zeros(n_hidden), name="init_two_layer_net (b1)", inputs=inputs)
    assert_close(params["b2"], np.zeros(n_out), name="init_two_layer_net (b2)", inputs=inputs)


@pytest.mark.grades("init_two_layer_net")
def test_init_uses_the_specified_random_stream(hw):
    # W1 is drawn first (2 x 3), then W2 (3 x 2), from default_rng(seed).standard_normal
    n_in, n_hidden, n_out, seed, W1, W2 = example(
        "init random stream",
        n_in=2,
        n_hidden=3,
        n_out=2,
        seed=0,
        W1=first_normals(0, 6, (2, 3)),
        W2=first_normals(6, 12, (3, 2)),
    )
    params = hw.init_two_layer_net(n_in, n_hidden, n_out, seed=seed, scale=1.0)
    inputs = {"n_in": n_in, "n_hidden": n_hidden, "n_out": n_out, "seed": seed, "scale": 1.0}
    assert_close(params["W1"], W1, name="init_two_layer_net (W1)", inputs=inputs)
    assert_close(params["W2"], W2, name="init_two_layer_net (W2)", inputs=inputs)


@pytest.mark.grades("init_two_layer_net")
def test_init_default_scale_is_0_01(hw):
    n_in, n_hidden, n_out, seed, W1 = example(
        "init default scale",
        n_in=2,
        n_hidden=3,
        n_out=2,
        seed=0,
        W1=first_normals(0, 6, (2, 3), scale=0.01),
    )
    params = hw.init_two_layer_net(n_in, n_hidden, n_out, seed=seed)
    assert_close(
        params["W1"],
        W1,
        name="init_two_layer_net (W1)",
        inputs={"n_in": n_in, "n_hidden": n_hidden, "n_out": n_out, "seed": seed},
    )


# ----------------------------------------------------------------------------- forward


@pytest.mark.grades("two_layer_net_forward")
def test_forward_known_values(hw):
    params, X, expected = example(
        "two_layer_net_forward small net",
        params=small_net(),
        X=small_inputs(),
        expected=np.array([[1.0, 2.0], [0.0, 2.0], [3.0, -1.0]]),
    )
    args = {"params": params, "X": X}
    before = snapshot(args)
    got = hw.two_layer_net_forward(params, X)
    assert_close(got, expected, name="two_layer_net_forward", inputs={"params": params, "X": X})
    assert_args_unchanged(before, args, name="two_layer_net_forward")


@pytest.mark.grades("two_layer_net_forward")
def test_forward_random_net(hw):
    # a random net D = 6, H = 5, C = 4 on N = 7 examples: logits of shape (7, 4)
    case = stored.case("two_layer_net_forward")
    got = hw.two_layer_net_forward(case["params"], case["X"])
    assert_close(
        got,
        case["logits"],
        name="two_layer_net_forward",
        inputs={"params": case["params"], "X": case["X"]},
    )


# ----------------------------------------------------------------------------- loss + backprop


def call_loss(hw, params, X, labels, reg):
    """(loss, grads) of your two_layer_net_loss: a float and a dict of float64 arrays
    shaped like params."""
    got = hw.two_layer_net_loss(params, X, labels, reg)
    shapes = {k: np.zeros(np.shape(v)) for k, v in params.items()}
    conform(got, (0.0, shapes), name="two_layer_net_loss (loss, grads)",
            inputs={"params": params, "X": X, "labels": labels, "reg": reg})
    return got


@pytest.mark.grades("two_layer_net_loss")
@pytest.mark.parametrize(
    ("reg", "expected"),
    [
        # mean of log(1 + e^-1) and 2 + log(1 + e^-2) and log(1 + e^-4)
        (0.0, (0.31326168751822286 + 2.1269280110429727 + 0.01814992791780978) / 3),
        # + 0.1 * (sum W1^2 + sum W2^2) = 0.1 * (3 + 5)
        (0.1, (0.31326168751822286 + 2.1269280110429727 + 0.01814992791780978) / 3 + 0.8),
    ],
)
def test_loss_known_value(hw, reg, expected):
    params, X, labels, reg, expected = example(
        "two_layer_net_loss small net",
        params=small_net(),
        X=small_inputs(),
        labels=np.array([1, 0, 0]),
        reg=reg,
        expected=expected,
    )
    inputs = {"params": params, "X": X, "labels": labels, "reg": reg}
    loss, _ = call_loss(hw, params, X, labels, reg)
    assert_close(loss, expected, name="two_layer_net_loss", inputs=inputs)


@pytest.mark.grades("two_layer_net_loss", weight=2)
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_loss_gradients_match_numerical_gradients(hw, reg):
    # each gradient must match the numerical gradient (central differences) of the loss
    # with respect to that parameter, stored with the tests
    case = stored.case(f"two_layer_net_loss reg={reg}")
    params, X, labels = case["params"], case["X"], case["labels"]
    args = {"params": params, "X": X, "labels": labels}
    before = snapshot(args)
    _, grads = call_loss(hw, params, X, labels, reg)
    assert_args_unchanged(before, args, name="two_layer_net_loss")
    for key in ("W1", "b1", "W2", "b2"):
        assert_gradient_matches(
            grads[key],
            case["numerical"][key],
            f_value=case["f_value"],
            name=f"two_layer_net_loss (grads[{key!r}])",
            inputs={"params": params, "X": X, "labels": labels, "reg": reg},
        )


# ----------------------------------------------------------------------------- predict


@pytest.mark.grades("predict")
def test_predict_is_argmax_of_logits(hw):
    params, X, expected = example(
        "predict small net", params=small_net(), X=small_inputs(), expected=np.array([1, 1, 0])
    )
    got = hw.predict(params, X)  # a 1-D integer array of labels, shape (N,)
    assert_close(got, expected, name="predict", inputs={"params": params, "X": X})
