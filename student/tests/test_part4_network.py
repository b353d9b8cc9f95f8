"""Part 4: the two-layer net (initialisation, forward pass, loss + backprop, predict)."""

import numpy as np
import pytest
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    snapshot,
)

# The first twelve numbers of np.random.default_rng(0).standard_normal(...)
FIRST_NORMALS_SEED0 = np.array(
    [
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
    ]
)


def small_net():
    """A tiny hand-made net: D = 2 inputs, H = 2 hidden units, C = 2 classes."""
    return {
        "W1": np.array([[1.0, -1.0], [0.0, 1.0]]),
        "b1": np.array([0.0, 0.5]),
        "W2": np.array([[1.0, 0.0], [0.0, 2.0]]),
        "b2": np.array([0.0, -1.0]),
    }


# X @ W1 + b1 = [[1, 1.5], [-1, 1.5], [3, -2.5]]; relu -> [[1, 1.5], [0, 1.5], [3, 0]]
# logits = h @ W2 + b2 = [[1, 2], [0, 2], [3, -1]]
X = np.array([[1.0, 2.0], [-1.0, 0.0], [3.0, 0.0]])
LOGITS = np.array([[1.0, 2.0], [0.0, 2.0], [3.0, -1.0]])


# ----------------------------------------------------------------------------- init


@pytest.mark.grades("init_two_layer_net")
def test_init_shapes_and_zero_biases(hw):
    params = hw.init_two_layer_net(5, 4, 3, seed=1)
    assert isinstance(params, dict), (
        f"init_two_layer_net: expected a dict, got {type(params).__name__}"
    )
    assert sorted(params) == ["W1", "W2", "b1", "b2"], (
        f"init_two_layer_net: expected the keys W1, b1, W2, b2, got {sorted(params)}"
    )
    shapes = {k: np.shape(v) for k, v in params.items()}
    assert shapes == {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}, (
        f"init_two_layer_net(5, 4, 3): wrong shapes {shapes}"
    )
    assert_close(params["b1"], np.zeros(4), name="init_two_layer_net (b1)")
    assert_close(params["b2"], np.zeros(3), name="init_two_layer_net (b2)")


@pytest.mark.grades("init_two_layer_net")
def test_init_uses_the_specified_random_stream(hw):
    params = hw.init_two_layer_net(2, 3, 2, seed=0, scale=1.0)
    inputs = {"n_in": 2, "n_hidden": 3, "n_out": 2, "seed": 0, "scale": 1.0}
    # W1 is drawn first (2 x 3), then W2 (3 x 2), from default_rng(seed).standard_normal
    assert_close(
        params["W1"],
        FIRST_NORMALS_SEED0[:6].reshape(2, 3),
        name="init_two_layer_net (W1)",
        inputs=inputs,
    )
    assert_close(
        params["W2"],
        FIRST_NORMALS_SEED0[6:].reshape(3, 2),
        name="init_two_layer_net (W2)",
        inputs=inputs,
    )


@pytest.mark.grades("init_two_layer_net")
def test_init_default_scale_is_0_01(hw):
    params = hw.init_two_layer_net(2, 3, 2, seed=0)
    expected = 0.01 * FIRST_NORMALS_SEED0[:6].reshape(2, 3)
    assert_close(
        params["W1"],
        expected,
        name="init_two_layer_net (W1)",
        inputs={"n_in": 2, "n_hidden": 3, "n_out": 2, "seed": 0},
    )


# ----------------------------------------------------------------------------- forward


@pytest.mark.grades("two_layer_net_forward")
def test_forward_known_values(hw):
    params = small_net()
    args = {"params": params, "X": X}
    before = snapshot(args)
    got = hw.two_layer_net_forward(params, X)
    assert_close(got, LOGITS, name="two_layer_net_forward", inputs={"params": params, "X": X})
    assert_args_unchanged(before, args, name="two_layer_net_forward")


@pytest.mark.grades("two_layer_net_forward")
def test_forward_shape(hw):
    rng = np.random.default_rng(10)
    params = {
        "W1": rng.standard_normal((6, 5)),
        "b1": rng.standard_normal(5),
        "W2": rng.standard_normal((5, 4)),
        "b2": rng.standard_normal(4),
    }
    got = hw.two_layer_net_forward(params, rng.standard_normal((7, 6)))
    assert np.shape(got) == (7, 4), (
        f"two_layer_net_forward: expected logits of shape (7, 4), got {np.shape(got)}"
    )


# ----------------------------------------------------------------------------- loss + backprop


def call_loss(hw, params, X, labels, reg):
    got = hw.two_layer_net_loss(params, X, labels, reg)
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        "two_layer_net_loss: expected (loss, grads), got " + type(got).__name__
    )
    loss, grads = got
    assert isinstance(loss, float), (
        f"two_layer_net_loss: the loss must be a Python float, got {type(loss).__name__}"
    )
    assert isinstance(grads, dict), (
        f"two_layer_net_loss: grads must be a dict, got {type(grads).__name__}"
    )
    return loss, grads


def loss_of_one_param(hw, params, X, labels, reg, key):
    """Your loss as a function of params[key] alone (the others fixed): W -> loss.

    Every call gets fresh copies, so nothing your code does to its arguments leaks
    into the next call or into the test's own arrays.
    """

    def loss(W):
        trial = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        trial[key] = np.array(W, dtype=np.float64)
        return hw.two_layer_net_loss(trial, X.copy(), labels.copy(), reg)[0]

    return loss


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
    labels = np.array([1, 0, 0])
    loss, _ = call_loss(hw, small_net(), X, labels, reg)
    assert_close(
        loss,
        expected,
        name="two_layer_net_loss",
        inputs={"params": small_net(), "X": X, "labels": labels, "reg": reg},
    )


@pytest.mark.grades("two_layer_net_loss", weight=2)
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_loss_gradients_match_numerical_gradients(hw, reg):
    rng = np.random.default_rng(11)
    n, d, h, c = 6, 4, 5, 3
    params = {
        "W1": rng.standard_normal((d, h)),
        "b1": 0.1 * rng.standard_normal(h),
        "W2": rng.standard_normal((h, c)),
        "b2": 0.1 * rng.standard_normal(c),
    }
    X = rng.standard_normal((n, d))
    labels = np.array([0, 1, 2, 2, 1, 0])
    args = {"params": params, "X": X, "labels": labels}
    before = snapshot(args)
    _, grads = call_loss(hw, params, X, labels, reg)
    assert_args_unchanged(before, args, name="two_layer_net_loss")
    assert sorted(grads) == ["W1", "W2", "b1", "b2"], (
        f"two_layer_net_loss: grads must have the keys W1, b1, W2, b2, got {sorted(grads)}"
    )
    # each gradient must match central differences of your own loss (its value is
    # checked against known numbers in test_loss_known_value); a constant loss would
    # make that check vacuous, so the loss must move when the weights move
    for key in ("W1", "W2"):
        own_loss = loss_of_one_param(hw, params, X, labels, reg, key)
        change = abs(own_loss(1.5 * params[key]) - own_loss(params[key]))
        assert change > 1e-6, (
            f"two_layer_net_loss: the loss does not change when {key} changes "
            f"(it changed by {change:.3g}); it must depend on the weights"
        )
    for key in ("W1", "b1", "W2", "b2"):
        assert_gradient_matches(
            grads[key],
            loss_of_one_param(hw, params, X, labels, reg, key),
            params[key],
            name=f"two_layer_net_loss (grads[{key!r}])",
            inputs={"X": X, "labels": labels, "reg": reg},
        )


# ----------------------------------------------------------------------------- predict


@pytest.mark.grades("predict")
def test_predict_is_argmax_of_logits(hw):
    params = small_net()
    got = hw.predict(params, X)
    assert_close(got, np.array([1, 1, 0]), name="predict", inputs={"params": params, "X": X})
    assert np.asarray(got).ndim == 1, "predict: expected a 1-D array of labels, shape (N,)"
