"""Part 2: losses and their gradients (mean reduction, PyTorch semantics)."""

import numpy as np
import pytest
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    no_float_warnings,
    snapshot,
)

Y_PRED = np.array([1.0, 2.0, 3.0])
Y = np.array([1.0, 0.0, 5.0])  # errors: 0, 2, -2


def assert_float(value, name):
    assert isinstance(value, float), (
        f"{name}: a loss must be a Python float (e.g. float(np.mean(...))), "
        f"got {type(value).__name__}"
    )


# ----------------------------------------------------------------------------- MAE


@pytest.mark.grades("mae_loss")
def test_mae_loss_known_value(hw):
    got = hw.mae_loss(Y_PRED, Y)
    assert_float(got, "mae_loss")
    assert_close(got, 4 / 3, name="mae_loss", inputs={"y_pred": Y_PRED, "y": Y})


@pytest.mark.grades("mae_loss")
def test_mae_loss_2d_and_unchanged_inputs(hw):
    y_pred = np.array([[0.5, -1.0], [2.0, 0.0]])
    y = np.array([[0.0, 1.0], [2.0, 4.0]])  # |errors| 0.5, 2, 0, 4 -> mean 1.625
    args = {"y_pred": y_pred, "y": y}
    before = snapshot(args)
    assert_close(hw.mae_loss(y_pred, y), 1.625, name="mae_loss", inputs={"y_pred": y_pred, "y": y})
    assert_args_unchanged(before, args, name="mae_loss")


@pytest.mark.grades("mae_grad")
def test_mae_grad_known_values(hw):
    # sign(0, 2, -2) / 3, with sign(0) = 0
    got = hw.mae_grad(Y_PRED, Y)
    assert_close(
        got, np.array([0.0, 1 / 3, -1 / 3]), name="mae_grad", inputs={"y_pred": Y_PRED, "y": Y}
    )


@pytest.mark.grades("mae_grad")
def test_mae_grad_matches_numerical_gradient(hw):
    rng = np.random.default_rng(2)
    y_pred = rng.standard_normal((3, 4))
    y = y_pred + rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.1, 1.0, size=(3, 4))
    got = hw.mae_grad(y_pred, y)
    assert_gradient_matches(
        got,
        lambda p: float(np.mean(np.abs(p - y))),
        y_pred,
        name="mae_grad",
        inputs={"y_pred": y_pred, "y": y},
    )


# ----------------------------------------------------------------------------- MSE


@pytest.mark.grades("mse_loss")
def test_mse_loss_known_value(hw):
    got = hw.mse_loss(Y_PRED, Y)
    assert_float(got, "mse_loss")
    assert_close(got, 8 / 3, name="mse_loss", inputs={"y_pred": Y_PRED, "y": Y})


@pytest.mark.grades("mse_loss")
def test_mse_loss_integer_inputs(hw):
    y_pred = np.array([[1, 2], [3, 4]])
    y = np.array([[1, 1], [1, 1]])  # squared errors 0, 1, 4, 9 -> mean 3.5
    assert_close(hw.mse_loss(y_pred, y), 3.5, name="mse_loss", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mse_grad")
def test_mse_grad_known_values(hw):
    # 2 * (0, 2, -2) / 3
    got = hw.mse_grad(Y_PRED, Y)
    assert_close(
        got, np.array([0.0, 4 / 3, -4 / 3]), name="mse_grad", inputs={"y_pred": Y_PRED, "y": Y}
    )


@pytest.mark.grades("mse_grad")
def test_mse_grad_matches_numerical_gradient(hw):
    rng = np.random.default_rng(3)
    y_pred, y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    args = {"y_pred": y_pred, "y": y}
    before = snapshot(args)
    got = hw.mse_grad(y_pred, y)
    assert_gradient_matches(
        got,
        lambda p: float(np.mean((p - y) ** 2)),
        y_pred,
        name="mse_grad",
        inputs={"y_pred": y_pred, "y": y},
    )
    assert_args_unchanged(before, args, name="mse_grad")


# ----------------------------------------------------------------------------- BCE


@pytest.mark.grades("bce_loss")
def test_bce_loss_known_value(hw):
    p, y = np.array([0.5, 0.8]), np.array([1.0, 0.0])
    # (-log 0.5 - log 0.2) / 2 = (log 2 + log 5) / 2
    got = hw.bce_loss(p, y)
    assert_float(got, "bce_loss")
    assert_close(got, 1.1512925464970227, name="bce_loss", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_loss")
@pytest.mark.parametrize(
    ("p", "y", "expected"),
    [
        ([0.0, 1.0], [1.0, 0.0], 100.0),  # completely wrong: each log clamped at -100
        ([0.0, 1.0], [0.0, 1.0], 0.0),  # completely right
    ],
)
def test_bce_loss_clamps_the_log(hw, p, y, expected):
    p, y = np.array(p), np.array(y)
    assert_close(hw.bce_loss(p, y), expected, name="bce_loss", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_grad")
def test_bce_grad_known_values(hw):
    p, y = np.array([0.5, 0.8]), np.array([1.0, 0.0])
    # (p - y) / (p (1 - p)) / 2 = (-0.5 / 0.25 / 2, 0.8 / 0.16 / 2)
    got = hw.bce_grad(p, y)
    assert_close(got, np.array([-1.0, 2.5]), name="bce_grad", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_grad")
def test_bce_grad_clamps_the_denominator(hw):
    p, y = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    # p = 0, y = 1: (0 - 1) / max(0, 1e-12) / 2 ; p = 1, y = 1: 0 / 1e-12 / 2
    got = hw.bce_grad(p, y)
    assert_close(got, np.array([-5e11, 0.0]), name="bce_grad", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_grad")
def test_bce_grad_matches_numerical_gradient(hw):
    rng = np.random.default_rng(4)
    p = rng.uniform(0.1, 0.9, size=(2, 3))
    y = rng.uniform(0.0, 1.0, size=(2, 3))
    got = hw.bce_grad(p, y)
    assert_gradient_matches(
        got,
        lambda q: float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q)))),
        p,
        name="bce_grad",
        inputs={"p": p, "y": y},
    )


# ----------------------------------------------------------------------------- cross entropy

PROBS = np.array([[0.25, 0.75], [0.5, 0.5]])
LABELS = np.array([1, 0])


@pytest.mark.grades("cross_entropy_loss")
def test_cross_entropy_loss_known_value(hw):
    # (-log 0.75 - log 0.5) / 2
    got = hw.cross_entropy_loss(PROBS, LABELS)
    assert_float(got, "cross_entropy_loss")
    assert_close(
        got,
        0.4904146265058631,
        name="cross_entropy_loss",
        inputs={"probs": PROBS, "labels": LABELS},
    )


@pytest.mark.grades("cross_entropy_loss")
def test_cross_entropy_loss_zero_probability_costs_100(hw):
    probs, labels = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 0])
    # -max(log 0, -100) = 100 for the first row, 0 for the second: mean 50
    got = hw.cross_entropy_loss(probs, labels)
    assert_close(got, 50.0, name="cross_entropy_loss", inputs={"probs": probs, "labels": labels})


@pytest.mark.grades("cross_entropy_grad")
def test_cross_entropy_grad_known_values(hw):
    # -1 / (N * probs[i, label]) at the labels: -1 / (2 * 0.75), -1 / (2 * 0.5)
    got = hw.cross_entropy_grad(PROBS, LABELS)
    expected = np.array([[0.0, -2 / 3], [-1.0, 0.0]])
    assert_close(
        got, expected, name="cross_entropy_grad", inputs={"probs": PROBS, "labels": LABELS}
    )


@pytest.mark.grades("cross_entropy_grad")
def test_cross_entropy_grad_matches_numerical_gradient(hw):
    rng = np.random.default_rng(5)
    probs = rng.uniform(0.05, 1.0, size=(4, 3))
    probs /= probs.sum(axis=1, keepdims=True)
    labels = np.array([2, 0, 1, 2])
    args = {"probs": probs, "labels": labels}
    before = snapshot(args)
    got = hw.cross_entropy_grad(probs, labels)
    assert_gradient_matches(
        got,
        lambda q: float(np.mean(-np.log(q[np.arange(4), labels]))),
        probs,
        name="cross_entropy_grad",
        inputs={"probs": probs, "labels": labels},
    )
    assert_args_unchanged(before, args, name="cross_entropy_grad")


# ------------------------------------------------------------------ softmax cross entropy

LN3 = np.log(3.0)


@pytest.mark.grades("softmax_cross_entropy_loss")
def test_softmax_cross_entropy_loss_known_values(hw):
    # softmax([0, ln 3]) = [1/4, 3/4]: losses -log(3/4) = log(4/3) and -log(1/4) = log 4
    logits = np.array([[0.0, LN3], [0.0, LN3]])
    labels = np.array([1, 0])
    got = hw.softmax_cross_entropy_loss(logits, labels)
    assert_float(got, "softmax_cross_entropy_loss")
    expected = (0.28768207245178085 + 1.3862943611198906) / 2
    assert_close(
        got,
        expected,
        name="softmax_cross_entropy_loss",
        inputs={"logits": logits, "labels": labels},
    )


@pytest.mark.grades("softmax_cross_entropy_loss")
def test_softmax_cross_entropy_loss_is_stable(hw):
    logits = np.array([[1e4, -1e4], [1e4, -1e4]])
    labels = np.array([0, 1])  # right with certainty (loss 0), wrong by 2e4 (loss 2e4)
    with no_float_warnings("softmax_cross_entropy_loss", {"logits": logits, "labels": labels}):
        got = hw.softmax_cross_entropy_loss(logits, labels)
    assert_close(
        got, 1e4, name="softmax_cross_entropy_loss", inputs={"logits": logits, "labels": labels}
    )


@pytest.mark.grades("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_known_values(hw):
    logits, labels = np.array([[0.0, LN3]]), np.array([1])
    # softmax - one_hot = [1/4, 3/4] - [0, 1]
    got = hw.softmax_cross_entropy_grad(logits, labels)
    assert_close(
        got,
        np.array([[0.25, -0.25]]),
        name="softmax_cross_entropy_grad",
        inputs={"logits": logits, "labels": labels},
    )


@pytest.mark.grades("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_matches_numerical_gradient(hw):
    rng = np.random.default_rng(6)
    logits = 3.0 * rng.standard_normal((3, 4))
    labels = np.array([3, 0, 1])
    args = {"logits": logits, "labels": labels}
    before = snapshot(args)
    got = hw.softmax_cross_entropy_grad(logits, labels)
    rows = np.arange(len(labels))

    def f(z):  # the loss of SPEC, written plainly (fine for these moderate logits)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, labels]))

    assert_gradient_matches(
        got,
        f,
        logits,
        name="softmax_cross_entropy_grad",
        inputs={"logits": logits, "labels": labels},
    )
    assert_args_unchanged(before, args, name="softmax_cross_entropy_grad")


# ----------------------------------------------------------------------------- one_hot


@pytest.mark.grades("one_hot")
def test_one_hot(hw):
    labels = np.array([2, 0, 1, 2])
    got = hw.one_hot(labels, 3)
    expected = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert_close(got, expected, name="one_hot", inputs={"labels": labels, "num_classes": 3})
    assert got.dtype == np.float64, f"one_hot: expected a float64 array, got {got.dtype}"


@pytest.mark.grades("one_hot")
def test_one_hot_more_classes_than_labels(hw):
    labels = np.array([1])
    got = hw.one_hot(labels, 5)
    assert_close(
        got,
        np.array([[0.0, 1.0, 0.0, 0.0, 0.0]]),
        name="one_hot",
        inputs={"labels": labels, "num_classes": 5},
    )
