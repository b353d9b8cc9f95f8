"""Hidden tests, part 4: the two-layer net (init, forward, loss + backprop, predict)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    agree,
    assert_gradient,
    conform,
    immutability_case,
    layout_cases,
    run_immutability,
)

KEYS = ("W1", "b1", "W2", "b2")


@st.composite
def net_case(draw, ints: bool = True):
    """(params, X, labels) of a small net; X may be an integer array."""
    n, d, h, c = draw(hs.dims_net())
    params = draw(hs.net_params(d, h, c))
    X = draw(hs.numeric_arrays((n, d), -3.0, 3.0) if ints else hs.float_arrays((n, d), -3.0, 3.0))
    return params, X, draw(hs.labels(n, c))


def smooth_net_case(seed: int, n: int, d: int, h: int, c: int):
    """Float data whose ReLU pre-activations all stay at least 0.05 away from the kink."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W1 = rng.normal(size=(d, h))
    pre = X @ W1
    b1 = np.empty(h)
    for j in range(h):
        for _ in range(100):
            b1[j] = rng.uniform(-1.0, 1.0)
            if np.min(np.abs(pre[:, j] + b1[j])) > 0.05:
                break
        else:
            b1[j] = 0.1 - np.min(pre[:, j])  # all active, well clear of 0
    params = {"W1": W1, "b1": b1, "W2": rng.normal(size=(h, c)), "b2": rng.normal(size=c)}
    return params, X, rng.integers(0, c, size=n)


# ----------------------------------------------------------------------------- init

@pytest.mark.grades("init_two_layer_net", weight=3)
@given(st.integers(1, 6), st.integers(1, 7), st.integers(1, 5), hs.seeds,
       st.sampled_from([0.01, 0.5, 1.0, 3.0]))
def test_init_two_layer_net_exact_random_stream(hw, ref, n_in, n_hidden, n_out, seed, scale):
    agree(hw, ref, "init_two_layer_net", n_in, n_hidden, n_out, seed=seed, scale=scale,
          names=("n_in", "n_hidden", "n_out"))


@pytest.mark.grades("init_two_layer_net", weight=0.5)
@pytest.mark.parametrize("dims", [(4, 3, 2), (1, 1, 1), (5, 8, 4)])
def test_init_two_layer_net_defaults_seed_0_scale_001(hw, ref, dims):
    agree(hw, ref, "init_two_layer_net", *dims, names=("n_in", "n_hidden", "n_out"))


# ----------------------------------------------------------------------------- forward

@pytest.mark.grades("two_layer_net_forward", weight=3)
@given(net_case())
def test_two_layer_net_forward_agrees_with_solution(hw, ref, case):
    params, X, _ = case
    agree(hw, ref, "two_layer_net_forward", params, X, names=("params", "X"))


# ----------------------------------------------------------------------------- loss

@pytest.mark.grades("two_layer_net_loss", weight=3)
@given(net_case(), st.sampled_from([0.0, 0.1, 1.5]))
def test_two_layer_net_loss_agrees_with_solution(hw, ref, case, reg):
    params, X, labels = case
    agree(hw, ref, "two_layer_net_loss", params, X, labels, reg=reg,
          names=("params", "X", "labels"))


@pytest.mark.grades("two_layer_net_loss", weight=1)
@given(net_case())
def test_two_layer_net_loss_default_reg_is_zero(hw, ref, case):
    agree(hw, ref, "two_layer_net_loss", *case, names=("params", "X", "labels"))


@pytest.mark.grades("two_layer_net_loss", weight=1)
def test_two_layer_net_loss_returns_the_loss_and_its_gradients(hw, ref):
    # (loss, grads): a float and a dict of float64 arrays shaped like params, every value
    # right (the right structure alone earns nothing)
    params, X, labels = smooth_net_case(0, 5, 4, 3, 2)
    agree(hw, ref, "two_layer_net_loss", params, X, labels, reg=0.1,
          names=("params", "X", "labels"))


@pytest.mark.grades("two_layer_net_loss", weight=4)
@given(hs.seeds, hs.dims_net(), st.sampled_from([0.05, 0.5]))
def test_two_layer_net_loss_matches_numerical_gradient(hw, ref, seed, dims, reg):
    params, X, labels = smooth_net_case(seed, *dims)
    inputs = {"params": params, "X": X, "labels": labels, "reg": reg}
    got = hw.two_layer_net_loss(params, X, labels, reg=reg)
    conform("two_layer_net_loss", got, ref.two_layer_net_loss(params, X, labels, reg=reg), inputs)
    grads = got[1]
    for k in KEYS:
        def f(v, k=k):
            return ref.two_layer_net_loss({**params, k: v}, X, labels, reg=reg)[0]

        assert_gradient("two_layer_net_loss", grads[k], f, params[k], inputs=inputs,
                        what=f"grads[{k!r}]")


# ----------------------------------------------------------------------------- predict

@pytest.mark.grades("predict", weight=2)
@given(net_case())
def test_predict_agrees_with_solution(hw, ref, case):
    params, X, _ = case
    agree(hw, ref, "predict", params, X, names=("params", "X"))


@pytest.mark.grades("predict", weight=1)
def test_predict_ties_take_the_first_class(hw, ref):
    params = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.zeros((2, 3)),
              "b2": np.array([0.0, 1.0, 1.0])}
    X = np.array([[1.0, -2.0], [0.0, 0.0], [3, 4]])
    agree(hw, ref, "predict", params, X, names=("params", "X"))


_NET, _X, _LAB = smooth_net_case(7, 4, 3, 5, 3)


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("two_layer_net_forward", _NET, _X),
    immutability_case("two_layer_net_forward", _NET, np.arange(12).reshape(4, 3)),
    immutability_case("two_layer_net_loss", _NET, _X, _LAB, reg=0.1),
    immutability_case("two_layer_net_loss", _NET, np.arange(12).reshape(4, 3), _LAB),
    immutability_case("predict", _NET, _X),
))
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)
