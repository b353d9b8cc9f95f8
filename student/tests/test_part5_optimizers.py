"""Part 5: optimizers. Each step is pure: it returns new arrays and never changes its inputs.

A step that returns several values returns a tuple (a list is accepted too): ``assert_close``
with an expected tuple checks that.
"""

import numpy as np
import pytest
from checks import assert_args_unchanged, assert_close, snapshot
from stored import example

# ----------------------------------------------------------------------------- gradient descent


@pytest.mark.grades("gd_step")
def test_gd_step(hw):
    param, grad, lr, expected = example(
        "gd_step",
        param=np.array([1.0, 2.0]),
        grad=np.array([0.5, -1.0]),
        lr=0.1,
        expected=np.array([0.95, 2.1]),
    )
    args = {"param": param, "grad": grad}
    before = snapshot(args)
    got = hw.gd_step(param, grad, lr)
    assert_close(got, expected, name="gd_step", inputs={"param": param, "grad": grad, "lr": lr})
    assert_args_unchanged(before, args, name="gd_step")


@pytest.mark.grades("gd_step")
def test_gd_step_2d(hw):
    param, grad, lr, expected = example(
        "gd_step 2-D",
        param=np.array([[1.0, -1.0], [0.0, 2.0]]),
        grad=np.array([[2.0, 2.0], [-4.0, 0.0]]),
        lr=0.5,
        expected=np.array([[0.0, -2.0], [2.0, 2.0]]),
    )
    got = hw.gd_step(param, grad, lr)
    assert_close(got, expected, name="gd_step", inputs={"param": param, "grad": grad, "lr": lr})


# ----------------------------------------------------------------------------- momentum


@pytest.mark.grades("momentum_step")
def test_momentum_step(hw):
    # v = 0.9 * [0.5, 0.5] + [1, -2] = [1.45, -1.55]; param - 0.1 * v
    param, grad, v, lr, expected = example(
        "momentum_step",
        param=np.array([1.0, 2.0]),
        grad=np.array([1.0, -2.0]),
        velocity=np.array([0.5, 0.5]),
        lr=0.1,
        expected=(np.array([0.855, 2.155]), np.array([1.45, -1.55])),
    )
    args = {"param": param, "grad": grad, "velocity": v}
    before = snapshot(args)
    got = hw.momentum_step(param, grad, v, lr)
    inputs = {"param": param, "grad": grad, "velocity": v, "lr": lr}
    assert_close(got, expected, name="momentum_step", inputs=inputs)
    assert_args_unchanged(before, args, name="momentum_step")


@pytest.mark.grades("momentum_step")
def test_momentum_first_step_is_gradient_descent(hw):
    param, grad, v, lr, momentum, expected = example(
        "momentum_step first step",
        param=np.array([3.0, -1.0]),
        grad=np.array([2.0, 4.0]),
        velocity=np.zeros(2),
        lr=0.25,
        momentum=0.5,
        expected=(np.array([2.5, -2.0]), np.array([2.0, 4.0])),
    )
    got = hw.momentum_step(param, grad, v, lr, momentum=momentum)
    inputs = {"param": param, "grad": grad, "velocity": v, "lr": lr, "momentum": momentum}
    assert_close(got, expected, name="momentum_step", inputs=inputs)


# ----------------------------------------------------------------------------- Adagrad


@pytest.mark.grades("adagrad_step")
def test_adagrad_step(hw):
    # s = [9, 16]; steps 0.1 * 3 / 3 and 0.1 * -4 / 4
    param, grad, s, lr, expected = example(
        "adagrad_step",
        param=np.array([1.0, 1.0]),
        grad=np.array([3.0, -4.0]),
        sum_sq=np.zeros(2),
        lr=0.1,
        expected=(np.array([0.9, 1.1]), np.array([9.0, 16.0])),
    )
    args = {"param": param, "grad": grad, "sum_sq": s}
    before = snapshot(args)
    got = hw.adagrad_step(param, grad, s, lr=lr)
    inputs = {"param": param, "grad": grad, "sum_sq": s, "lr": lr}
    assert_close(got, expected, name="adagrad_step", inputs=inputs)
    assert_args_unchanged(before, args, name="adagrad_step")


@pytest.mark.grades("adagrad_step")
def test_adagrad_accumulates(hw):
    # s = 16 + 9 = 25; step 0.5 * 3 / 5 = 0.3 (default lr 0.01 not used)
    param, grad, s, lr, expected = example(
        "adagrad_step accumulates",
        param=np.array([0.0]),
        grad=np.array([3.0]),
        sum_sq=np.array([16.0]),
        lr=0.5,
        expected=(np.array([-0.3]), np.array([25.0])),
    )
    got = hw.adagrad_step(param, grad, s, lr=lr)
    inputs = {"param": param, "grad": grad, "sum_sq": s, "lr": lr}
    assert_close(got, expected, name="adagrad_step", inputs=inputs)


# ----------------------------------------------------------------------------- RMSprop


@pytest.mark.grades("rmsprop_step")
def test_rmsprop_step(hw):
    # a = 0.01 * 4 = 0.04, sqrt(a) = 0.2; step 0.01 * 2 / 0.2 = 0.1 (default lr 0.01, alpha 0.99)
    param, grad, a, expected = example(
        "rmsprop_step defaults",
        param=np.array([1.0]),
        grad=np.array([2.0]),
        sq_avg=np.array([0.0]),
        expected=(np.array([0.9]), np.array([0.04])),
    )
    args = {"param": param, "grad": grad, "sq_avg": a}
    before = snapshot(args)
    got = hw.rmsprop_step(param, grad, a)
    inputs = {"param": param, "grad": grad, "sq_avg": a}
    assert_close(got, expected, name="rmsprop_step", inputs=inputs)
    assert_args_unchanged(before, args, name="rmsprop_step")


@pytest.mark.grades("rmsprop_step")
def test_rmsprop_running_average(hw):
    # alpha = 0.5: a = 0.5 * 1 + 0.5 * [1, 9] = [1, 5]; step 0.1 * g / sqrt(a)
    param, grad, a, lr, alpha, expected = example(
        "rmsprop_step running average",
        param=np.array([0.0, 0.0]),
        grad=np.array([1.0, -3.0]),
        sq_avg=np.array([1.0, 1.0]),
        lr=0.1,
        alpha=0.5,
        expected=(np.array([-0.1, 0.3 / np.sqrt(5.0)]), np.array([1.0, 5.0])),
    )
    got = hw.rmsprop_step(param, grad, a, lr=lr, alpha=alpha)
    inputs = {"param": param, "grad": grad, "sq_avg": a, "lr": lr, "alpha": alpha}
    assert_close(got, expected, name="rmsprop_step", inputs=inputs)


# ----------------------------------------------------------------------------- Adam


@pytest.mark.grades("adam_step")
def test_adam_first_step_has_size_lr(hw):
    # t = 1: m_hat = g, v_hat = g^2, so every entry moves by lr * sign(g)
    param, grad, m, v, t, lr, expected = example(
        "adam_step first step",
        param=np.array([1.0, -1.0]),
        grad=np.array([0.5, -3.0]),
        m=np.zeros(2),
        v=np.zeros(2),
        t=1,
        lr=0.1,
        expected=(np.array([0.9, -0.9]), np.array([0.05, -0.3]), np.array([0.00025, 0.009])),
    )
    args = {"param": param, "grad": grad, "m": m, "v": v}
    before = snapshot(args)
    got = hw.adam_step(param, grad, m, v, t, lr=lr)
    inputs = {"param": param, "grad": grad, "m": m, "v": v, "t": t, "lr": lr}
    assert_close(got, expected, name="adam_step", inputs=inputs)
    assert_args_unchanged(before, args, name="adam_step")


@pytest.mark.grades("adam_step")
def test_adam_second_step_bias_correction(hw):
    # m = 0.095, v = 0.00049975; m_hat = 0.095 / 0.19 = 0.5, v_hat = 0.00049975 / 0.001999 = 0.25
    param, grad, m, v, t, lr, expected = example(
        "adam_step second step",
        param=np.array([0.9]),
        grad=np.array([0.5]),
        m=np.array([0.05]),
        v=np.array([0.00025]),
        t=2,
        lr=0.1,
        expected=(np.array([0.8]), np.array([0.095]), np.array([0.00049975])),
    )
    got = hw.adam_step(param, grad, m, v, t, lr=lr)
    inputs = {"param": param, "grad": grad, "m": m, "v": v, "t": t, "lr": lr}
    assert_close(got, expected, name="adam_step", inputs=inputs)
