"""Hidden tests, part 2: losses (mean reduction) and their gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    agree,
    assert_gradient,
    checks,
    immutability_case,
    layout_cases,
    require,
    run_immutability,
)

PAIR = ("y_pred", "y")
BCE = ("p", "y")
CE = ("probs", "labels")
SCE = ("logits", "labels")


def _doubled(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a, a], axis=0)


def _same_on_doubled_batch(hw, ref, function: str, a: np.ndarray, b: np.ndarray,
                           names) -> None:
    """A mean-reduced loss is right, and unchanged when the batch is duplicated."""
    once = agree(hw, ref, function, a, b, names=names)
    twice = getattr(hw, function)(_doubled(a), _doubled(b))
    checks.assert_close(twice, once, name=f"{function} on the batch repeated twice (a mean "
                        "over the batch must not change)",
                        inputs={names[0]: _doubled(a), names[1]: _doubled(b)})


# ----------------------------------------------------------------------------- MAE / MSE

@pytest.mark.grades("mae_loss", weight=3)
@given(hs.regression_pairs())
def test_mae_loss_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "mae_loss", *case, names=PAIR)


@pytest.mark.grades("mae_loss", weight=1)
@given(hs.regression_pairs())
def test_mae_loss_mean_over_batch(hw, ref, case):
    _same_on_doubled_batch(hw, ref, "mae_loss", *case, PAIR)


@pytest.mark.grades("mae_grad", weight=3)
@given(hs.regression_pairs(ties=True))
def test_mae_grad_agrees_with_solution_including_sign_of_zero(hw, ref, case):
    agree(hw, ref, "mae_grad", *case, names=PAIR)


@pytest.mark.grades("mae_grad", weight=2)
@given(hs.regression_pairs(ties=False, margin=0.1))
def test_mae_grad_matches_numerical_gradient(hw, ref, case):
    y_pred, y = case
    got = hw.mae_grad(y_pred.copy(), y.copy())
    assert_gradient("mae_grad", got, lambda p: ref.mae_loss(p, y), y_pred,
                    inputs={"y_pred": y_pred, "y": y})


#: unsigned integers where y_pred < y: y_pred - y of the raw arrays wraps around (uint8:
#: 3 - 5 = 254); the arrays must be turned into float64 first
UNSIGNED = [np.array([[3, 200], [0, 7]], dtype=np.uint8),
            np.array([[5, 100], [255, 7]], dtype=np.uint8)]


@pytest.mark.parametrize("function", [
    pytest.param(f, marks=pytest.mark.grades(f, weight=0.5), id=f)
    for f in ("mae_loss", "mae_grad", "mse_loss", "mse_grad")])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_unsigned_integer_inputs_do_not_wrap_around(hw, ref, function, dtype):
    y_pred, y = (a.astype(dtype) for a in UNSIGNED)
    agree(hw, ref, function, y_pred, y, names=PAIR)


@pytest.mark.grades("mse_loss", weight=3)
@given(hs.regression_pairs())
def test_mse_loss_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "mse_loss", *case, names=PAIR)


@pytest.mark.grades("mse_loss", weight=1)
@given(hs.regression_pairs())
def test_mse_loss_mean_over_batch(hw, ref, case):
    _same_on_doubled_batch(hw, ref, "mse_loss", *case, PAIR)


@pytest.mark.grades("mse_grad", weight=3)
@given(hs.regression_pairs())
def test_mse_grad_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "mse_grad", *case, names=PAIR)


@pytest.mark.grades("mse_grad", weight=2)
@given(hs.regression_pairs(ties=False))
def test_mse_grad_matches_numerical_gradient(hw, ref, case):
    y_pred, y = case
    got = hw.mse_grad(y_pred.copy(), y.copy())
    assert_gradient("mse_grad", got, lambda p: ref.mse_loss(p, y), y_pred,
                    inputs={"y_pred": y_pred, "y": y})


# ----------------------------------------------------------------------------- BCE

@pytest.mark.grades("bce_loss", weight=3)
@given(hs.bce_inputs())
def test_bce_loss_agrees_with_solution_including_p_0_and_1(hw, ref, case):
    agree(hw, ref, "bce_loss", *case, names=BCE)


@pytest.mark.grades("bce_loss", weight=1)
def test_bce_loss_clamps_log_at_minus_100(hw, ref):
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-60, 0.3])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.5])
    agree(hw, ref, "bce_loss", p, y, names=BCE)


@pytest.mark.grades("bce_loss", weight=1)
@given(hs.bce_inputs())
def test_bce_loss_mean_over_batch(hw, ref, case):
    _same_on_doubled_batch(hw, ref, "bce_loss", *case, BCE)


@pytest.mark.grades("bce_grad", weight=3)
@given(hs.bce_inputs())
def test_bce_grad_agrees_with_solution_including_clamp(hw, ref, case):
    agree(hw, ref, "bce_grad", *case, names=BCE)


@pytest.mark.grades("bce_grad", weight=2)
@given(hs.bce_inputs(away_from_clamp=True))
def test_bce_grad_matches_numerical_gradient(hw, ref, case):
    p, y = case
    got = hw.bce_grad(p.copy(), y.copy())
    assert_gradient("bce_grad", got, lambda q: ref.bce_loss(q, y), p, inputs={"p": p, "y": y})


# ----------------------------------------------------------------------------- cross entropy

@pytest.mark.grades("cross_entropy_loss", weight=3)
@given(hs.probs_and_labels())
def test_cross_entropy_loss_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "cross_entropy_loss", *case, names=CE)


@pytest.mark.grades("cross_entropy_loss", weight=1)
@given(hs.probs_and_labels())
def test_cross_entropy_loss_mean_over_batch(hw, ref, case):
    _same_on_doubled_batch(hw, ref, "cross_entropy_loss", *case, CE)


@pytest.mark.grades("cross_entropy_grad", weight=3)
@given(hs.probs_and_labels())
def test_cross_entropy_grad_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "cross_entropy_grad", *case, names=CE)


@pytest.mark.grades("cross_entropy_grad", weight=2)
@given(hs.probs_and_labels(away_from_clamp=True))
def test_cross_entropy_grad_matches_numerical_gradient(hw, ref, case):
    probs, labels = case
    got = hw.cross_entropy_grad(probs.copy(), labels.copy())
    assert_gradient("cross_entropy_grad", got, lambda q: ref.cross_entropy_loss(q, labels), probs,
                    inputs={"probs": probs, "labels": labels})


#: integer one-hot probabilities (integer arrays are accepted and treated as float64)
INT_PROBS = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]])


@pytest.mark.grades("cross_entropy_loss", weight=1)
def test_cross_entropy_loss_of_integer_probs(hw, ref):
    # the label has probability 1 in two rows and 0 (the -100 clamp) in the other two
    agree(hw, ref, "cross_entropy_loss", INT_PROBS, np.array([1, 0, 0, 2]), names=CE)


@pytest.mark.grades("cross_entropy_grad", weight=1)
def test_cross_entropy_grad_of_integer_probs(hw, ref):
    # no clamped entry: its -1 / (N 1e-12) would dwarf the -1 / N of the others
    agree(hw, ref, "cross_entropy_grad", INT_PROBS, np.array([1, 0, 2, 1]), names=CE)


@pytest.mark.grades("softmax_cross_entropy_loss", weight=3)
@given(hs.logits_and_labels())
def test_softmax_cross_entropy_loss_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "softmax_cross_entropy_loss", *case, names=SCE)


@pytest.mark.grades("softmax_cross_entropy_loss", weight=1)
@given(hs.logits_and_labels())
def test_softmax_cross_entropy_loss_mean_over_batch(hw, ref, case):
    _same_on_doubled_batch(hw, ref, "softmax_cross_entropy_loss", *case, SCE)


@pytest.mark.grades("softmax_cross_entropy_loss", weight=1)
def test_softmax_cross_entropy_loss_stable_for_extreme_logits(hw, ref):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [-1e4, 1e4, 1e4], [710.0, 0, -745]])
    labels = np.array([1, 0, 2, 2])
    with checks.no_float_warnings("softmax_cross_entropy_loss", {"logits": logits,
                                                                 "labels": labels}):
        hw.softmax_cross_entropy_loss(logits.copy(), labels.copy())
    got = agree(hw, ref, "softmax_cross_entropy_loss", logits, labels, names=SCE)
    require(np.isfinite(got), f"softmax_cross_entropy_loss returned {got} for extreme logits",
            {"logits": logits, "labels": labels})


@pytest.mark.grades("softmax_cross_entropy_grad", weight=3)
@given(hs.logits_and_labels())
def test_softmax_cross_entropy_grad_agrees_with_solution(hw, ref, case):
    agree(hw, ref, "softmax_cross_entropy_grad", *case, names=SCE)


@pytest.mark.grades("softmax_cross_entropy_grad", weight=2)
@given(hs.logits_and_labels(extreme=False))
def test_softmax_cross_entropy_grad_matches_numerical_gradient(hw, ref, case):
    logits, labels = case
    logits = np.clip(logits.astype(np.float64), -8.0, 8.0)
    got = hw.softmax_cross_entropy_grad(logits.copy(), labels.copy())
    assert_gradient("softmax_cross_entropy_grad", got,
                    lambda z: ref.softmax_cross_entropy_loss(z, labels), logits,
                    inputs={"logits": logits, "labels": labels})


# ----------------------------------------------------------------------------- one_hot

@pytest.mark.grades("one_hot", weight=2)
@given(hs.batch_dims(max_c=6), st.integers(0, 3), st.data())
def test_one_hot_agrees_with_solution_with_unused_classes(hw, ref, dims, extra, data):
    n, c = dims
    labels = data.draw(hs.labels(n, c), label="labels")
    agree(hw, ref, "one_hot", labels, c + extra, names=("labels", "num_classes"))


_R = np.random.default_rng(2)
_P = _R.dirichlet(np.ones(4), size=3)


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("mae_loss", _R.normal(size=(3, 2)), _R.normal(size=(3, 2))),
    immutability_case("mae_grad", _R.normal(size=(3, 2)), np.arange(6).reshape(3, 2)),
    immutability_case("mse_loss", np.arange(6).reshape(3, 2), _R.normal(size=(3, 2))),
    immutability_case("mse_grad", _R.normal(size=(4,)), _R.normal(size=(4,))),
    immutability_case("bce_loss", _R.uniform(size=(5,)), np.array([0, 1, 1, 0, 1])),
    immutability_case("bce_grad", _R.uniform(size=(5,)), _R.uniform(size=(5,))),
    immutability_case("cross_entropy_loss", _P, np.array([0, 3, 1])),
    immutability_case("cross_entropy_grad", _P, np.array([2, 3, 1], dtype=np.int32)),
    immutability_case("softmax_cross_entropy_loss", _R.normal(size=(3, 4)), np.array([0, 3, 1])),
    immutability_case("softmax_cross_entropy_grad", _R.normal(size=(3, 4)), np.array([0, 3, 1])),
    immutability_case("one_hot", np.array([0, 3, 1]), 5),
))
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)
