"""Part 2: losses and their gradients (mean reduction, PyTorch semantics).

A loss is a Python float (a NumPy float64 is one): ``assert_close`` with an expected float
checks that too. The gradient checks compare with the numerical gradient of the loss,
stored with the tests (``expected_values.json``, read by ``stored.case``).
"""

import numpy as np
import pytest
import stored
from checks import (
    assert_args_unchanged,
    assert_close,
    assert_gradient_matches,
    no_float_warnings,
    snapshot,
)
from stored import example


def check_gradient(hw, function, names):
    """``function``'s gradient on the stored case ``function`` vs its stored numerical
    gradient; the inputs must be left unchanged."""
    case = stored.case(function)
    args = {name: case[name] for name in names}
    before = snapshot(args)
    got = getattr(hw, function)(*args.values())
    assert_gradient_matches(
        got, case["numerical"], f_value=case["f_value"], name=function, inputs=args
    )
    assert_args_unchanged(before, args, name=function)


# ----------------------------------------------------------------------------- MAE


@pytest.mark.grades("mae_loss")
def test_mae_loss_known_value(hw):
    y_pred, y, expected = example(
        "mae_loss known value",
        y_pred=np.array([1.0, 2.0, 3.0]),
        y=np.array([1.0, 0.0, 5.0]),  # errors: 0, 2, -2
        expected=4 / 3,
    )
    got = hw.mae_loss(y_pred, y)
    assert_close(got, expected, name="mae_loss", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mae_loss")
def test_mae_loss_2d_and_unchanged_inputs(hw):
    y_pred, y, expected = example(
        "mae_loss 2-D",
        y_pred=np.array([[0.5, -1.0], [2.0, 0.0]]),
        y=np.array([[0.0, 1.0], [2.0, 4.0]]),  # |errors| 0.5, 2, 0, 4 -> mean 1.625
        expected=1.625,
    )
    args = {"y_pred": y_pred, "y": y}
    before = snapshot(args)
    got = hw.mae_loss(y_pred, y)
    assert_close(got, expected, name="mae_loss", inputs={"y_pred": y_pred, "y": y})
    assert_args_unchanged(before, args, name="mae_loss")


@pytest.mark.grades("mae_loss")
def test_mae_loss_unsigned_integers(hw):
    # uint8 arrays: y_pred - y of the raw arrays wraps around (3 - 5 = 254), so turn
    # integer arrays into float64 first (np.asarray(y, dtype=np.float64))
    y_pred, y, expected = example(
        "mae_loss unsigned integers",
        y_pred=np.array([3, 10, 0], dtype=np.uint8),
        y=np.array([5, 4, 2], dtype=np.uint8),  # |errors| 2, 6, 2 -> mean 10 / 3
        expected=10 / 3,
    )
    got = hw.mae_loss(y_pred, y)
    assert_close(got, expected, name="mae_loss", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mae_grad")
def test_mae_grad_known_values(hw):
    # sign(0, 2, -2) / 3, with sign(0) = 0
    y_pred, y, expected = example(
        "mae_grad known values",
        y_pred=np.array([1.0, 2.0, 3.0]),
        y=np.array([1.0, 0.0, 5.0]),
        expected=np.array([0.0, 1 / 3, -1 / 3]),
    )
    got = hw.mae_grad(y_pred, y)
    assert_close(got, expected, name="mae_grad", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mae_grad")
def test_mae_grad_matches_numerical_gradient(hw):
    # no entry sits at the kink y_pred == y
    check_gradient(hw, "mae_grad", ("y_pred", "y"))


# ----------------------------------------------------------------------------- MSE


@pytest.mark.grades("mse_loss")
def test_mse_loss_known_value(hw):
    y_pred, y, expected = example(
        "mse_loss known value",
        y_pred=np.array([1.0, 2.0, 3.0]),
        y=np.array([1.0, 0.0, 5.0]),  # errors: 0, 2, -2
        expected=8 / 3,
    )
    args = {"y_pred": y_pred, "y": y}
    before = snapshot(args)
    got = hw.mse_loss(y_pred, y)
    assert_args_unchanged(before, args, name="mse_loss")
    assert_close(got, expected, name="mse_loss", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mse_loss")
def test_mse_loss_integer_inputs(hw):
    y_pred, y, expected = example(
        "mse_loss integer inputs",
        y_pred=np.array([[1, 2], [3, 4]]),
        y=np.array([[1, 1], [1, 1]]),  # squared errors 0, 1, 4, 9 -> mean 3.5
        expected=3.5,
    )
    got = hw.mse_loss(y_pred, y)
    assert_close(got, expected, name="mse_loss", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mse_grad")
def test_mse_grad_known_values(hw):
    # 2 * (0, 2, -2) / 3
    y_pred, y, expected = example(
        "mse_grad known values",
        y_pred=np.array([1.0, 2.0, 3.0]),
        y=np.array([1.0, 0.0, 5.0]),
        expected=np.array([0.0, 4 / 3, -4 / 3]),
    )
    got = hw.mse_grad(y_pred, y)
    assert_close(got, expected, name="mse_grad", inputs={"y_pred": y_pred, "y": y})


@pytest.mark.grades("mse_grad")
def test_mse_grad_matches_numerical_gradient(hw):
    check_gradient(hw, "mse_grad", ("y_pred", "y"))


# ----------------------------------------------------------------------------- BCE


@pytest.mark.grades("bce_loss")
def test_bce_loss_known_value(hw):
    # (-log 0.5 - log 0.2) / 2 = (log 2 + log 5) / 2
    p, y, expected = example(
        "bce_loss known value",
        p=np.array([0.5, 0.8]),
        y=np.array([1.0, 0.0]),
        expected=1.1512925464970227,
    )
    got = hw.bce_loss(p, y)
    assert_close(got, expected, name="bce_loss", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_loss")
@pytest.mark.parametrize(
    ("p", "y", "expected"),
    [
        ([0.0, 1.0], [1.0, 0.0], 100.0),  # completely wrong: each log clamped at -100
        ([0.0, 1.0], [0.0, 1.0], 0.0),  # completely right
    ],
)
def test_bce_loss_clamps_the_log(hw, p, y, expected):
    p, y, expected = example("bce_loss clamped", p=np.array(p), y=np.array(y), expected=expected)
    got = hw.bce_loss(p, y)
    assert_close(got, expected, name="bce_loss", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_grad")
def test_bce_grad_known_values(hw):
    # (p - y) / (p (1 - p)) / 2 = (-0.5 / 0.25 / 2, 0.8 / 0.16 / 2)
    p, y, expected = example(
        "bce_grad known values",
        p=np.array([0.5, 0.8]),
        y=np.array([1.0, 0.0]),
        expected=np.array([-1.0, 2.5]),
    )
    got = hw.bce_grad(p, y)
    assert_close(got, expected, name="bce_grad", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_grad")
def test_bce_grad_clamps_the_denominator(hw):
    # p = 0, y = 1: (0 - 1) / max(0, 1e-12) / 2 ; p = 1, y = 1: 0 / 1e-12 / 2
    p, y, expected = example(
        "bce_grad clamped",
        p=np.array([0.0, 1.0]),
        y=np.array([1.0, 1.0]),
        expected=np.array([-5e11, 0.0]),
    )
    got = hw.bce_grad(p, y)
    assert_close(got, expected, name="bce_grad", inputs={"p": p, "y": y})


@pytest.mark.grades("bce_grad")
def test_bce_grad_matches_numerical_gradient(hw):
    # p in [0.1, 0.9] (away from the clamp), soft targets y in [0, 1]
    check_gradient(hw, "bce_grad", ("p", "y"))


# ----------------------------------------------------------------------------- cross entropy

@pytest.mark.grades("cross_entropy_loss")
def test_cross_entropy_loss_known_value(hw):
    # (-log 0.75 - log 0.5) / 2
    probs, labels, expected = example(
        "cross_entropy_loss known value",
        probs=np.array([[0.25, 0.75], [0.5, 0.5]]),
        labels=np.array([1, 0]),
        expected=0.4904146265058631,
    )
    got = hw.cross_entropy_loss(probs, labels)
    assert_close(
        got, expected, name="cross_entropy_loss", inputs={"probs": probs, "labels": labels}
    )


@pytest.mark.grades("cross_entropy_loss")
def test_cross_entropy_loss_zero_probability_costs_100(hw):
    # -max(log 0, -100) = 100 for the first row, 0 for the second: mean 50
    probs, labels, expected = example(
        "cross_entropy_loss zero probability",
        probs=np.array([[0.0, 1.0], [1.0, 0.0]]),
        labels=np.array([0, 0]),
        expected=50.0,
    )
    got = hw.cross_entropy_loss(probs, labels)
    assert_close(
        got, expected, name="cross_entropy_loss", inputs={"probs": probs, "labels": labels}
    )


@pytest.mark.grades("cross_entropy_grad")
def test_cross_entropy_grad_known_values(hw):
    # -1 / (N * probs[i, label]) at the labels: -1 / (2 * 0.75), -1 / (2 * 0.5)
    probs, labels, expected = example(
        "cross_entropy_grad known values",
        probs=np.array([[0.25, 0.75], [0.5, 0.5]]),
        labels=np.array([1, 0]),
        expected=np.array([[0.0, -2 / 3], [-1.0, 0.0]]),
    )
    got = hw.cross_entropy_grad(probs, labels)
    assert_close(
        got, expected, name="cross_entropy_grad", inputs={"probs": probs, "labels": labels}
    )


@pytest.mark.grades("cross_entropy_grad")
def test_cross_entropy_grad_matches_numerical_gradient(hw):
    check_gradient(hw, "cross_entropy_grad", ("probs", "labels"))


# ------------------------------------------------------------------ softmax cross entropy

LN3 = np.log(3.0)


@pytest.mark.grades("softmax_cross_entropy_loss")
def test_softmax_cross_entropy_loss_known_values(hw):
    # softmax([0, ln 3]) = [1/4, 3/4]: losses -log(3/4) = log(4/3) and -log(1/4) = log 4
    logits, labels, expected = example(
        "softmax_cross_entropy_loss known values",
        logits=np.array([[0.0, LN3], [0.0, LN3]]),
        labels=np.array([1, 0]),
        expected=(0.28768207245178085 + 1.3862943611198906) / 2,
    )
    got = hw.softmax_cross_entropy_loss(logits, labels)
    assert_close(
        got,
        expected,
        name="softmax_cross_entropy_loss",
        inputs={"logits": logits, "labels": labels},
    )


@pytest.mark.grades("softmax_cross_entropy_loss")
def test_softmax_cross_entropy_loss_is_stable(hw):
    # right with certainty (loss 0), wrong by 2e4 (loss 2e4): mean 1e4
    logits, labels, expected = example(
        "softmax_cross_entropy_loss large logits",
        logits=np.array([[1e4, -1e4], [1e4, -1e4]]),
        labels=np.array([0, 1]),
        expected=1e4,
    )
    with no_float_warnings("softmax_cross_entropy_loss", {"logits": logits, "labels": labels}):
        got = hw.softmax_cross_entropy_loss(logits, labels)
    assert_close(
        got,
        expected,
        name="softmax_cross_entropy_loss",
        inputs={"logits": logits, "labels": labels},
    )


@pytest.mark.grades("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_known_values(hw):
    # softmax - one_hot = [1/4, 3/4] - [0, 1]
    logits, labels, expected = example(
        "softmax_cross_entropy_grad known values",
        logits=np.array([[0.0, LN3]]),
        labels=np.array([1]),
        expected=np.array([[0.25, -0.25]]),
    )
    got = hw.softmax_cross_entropy_grad(logits, labels)
    assert_close(
        got,
        expected,
        name="softmax_cross_entropy_grad",
        inputs={"logits": logits, "labels": labels},
    )


@pytest.mark.grades("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_matches_numerical_gradient(hw):
    check_gradient(hw, "softmax_cross_entropy_grad", ("logits", "labels"))


# ----------------------------------------------------------------------------- one_hot


@pytest.mark.grades("one_hot")
def test_one_hot(hw):
    labels, num_classes, expected = example(
        "one_hot",
        labels=np.array([2, 0, 1, 2]),
        num_classes=3,
        expected=np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
    )
    got = hw.one_hot(labels, num_classes)  # float64, like every float array returned
    assert_close(
        got, expected, name="one_hot", inputs={"labels": labels, "num_classes": num_classes}
    )


@pytest.mark.grades("one_hot")
def test_one_hot_more_classes_than_labels(hw):
    labels, num_classes, expected = example(
        "one_hot more classes than labels",
        labels=np.array([1]),
        num_classes=5,
        expected=np.array([[0.0, 1.0, 0.0, 0.0, 0.0]]),
    )
    got = hw.one_hot(labels, num_classes)
    assert_close(
        got, expected, name="one_hot", inputs={"labels": labels, "num_classes": num_classes}
    )
