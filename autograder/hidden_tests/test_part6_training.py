"""Hidden tests, part 6: steps per epoch, mini-batch indices and training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    call_both,
    checks,
    compare,
    describe,
    diagnosed,
    immutability_case,
    require,
    run_immutability,
    timbre_dataset,
)


@st.composite
def n_and_batch(draw, max_n: int = 200):
    """(n_samples, batch_size): batch 1 (SGD), = n (batch GD), > n, dividing n or not."""
    n = draw(st.one_of(st.just(1), st.integers(1, max_n)))
    b = draw(st.one_of(st.sampled_from([1, n, n + 3, max(1, n // 2), max(1, n - 1)]),
                       st.integers(1, max_n)))
    return n, b


# ----------------------------------------------------------------------------- steps_per_epoch

@pytest.mark.grades("steps_per_epoch", weight=2)
@given(st.one_of(n_and_batch(), st.tuples(st.integers(1, 10**7), st.integers(1, 5000))))
def test_steps_per_epoch_exact(hw, ref, case):
    n, b = case
    got, expected = call_both(hw, ref, "steps_per_epoch", n, b)
    compare("steps_per_epoch", got, expected, args=(n, b), names=("n_samples", "batch_size"),
            rtol=0.0, atol=0.0)


@pytest.mark.grades("steps_per_epoch", weight=0.25)
@pytest.mark.parametrize("n,b", [(10, 3), (12, 4), (1, 1), (5, 32)])
def test_steps_per_epoch_returns_a_python_int(hw, n, b):
    got = hw.steps_per_epoch(n, b)
    require(isinstance(got, int) and not isinstance(got, bool),
            f"steps_per_epoch must return an int, got {describe(got)}; use int(...) or "
            "integer arithmetic",
            {"n_samples": n, "batch_size": b})


# ----------------------------------------------------------------------------- minibatches

@pytest.mark.grades("minibatch_indices", weight=3)
@given(n_and_batch(), hs.seeds)
def test_minibatch_indices_exact_random_stream(hw, ref, case, seed):
    n, b = case
    got, expected = call_both(hw, ref, "minibatch_indices", n, b, seed)
    compare("minibatch_indices", got, expected, args=(n, b, seed),
            names=("n_samples", "batch_size", "seed"), rtol=0.0, atol=0.0)


@pytest.mark.grades("minibatch_indices", weight=1)
@given(n_and_batch(), hs.seeds)
def test_minibatch_indices_partition_the_samples(hw, case, seed):
    n, b = case
    got = hw.minibatch_indices(n, b, seed)
    inputs = {"n_samples": n, "batch_size": b, "seed": seed}
    name = "minibatch_indices"
    require(isinstance(got, (list, tuple)),
            f"{name} must return a list of index arrays, got {describe(got)}",
            inputs)
    checks.assert_close(len(got), -(-n // b), rtol=0.0, atol=0.0,
                        name=f"{name}: number of batches (ceil(n_samples / batch_size))",
                        inputs=inputs)
    sizes = [int(np.size(idx)) for idx in got]
    expected_sizes = [b] * (len(got) - 1) + [n - b * (len(got) - 1)] if got else []
    checks.assert_close(sizes, expected_sizes, rtol=0.0, atol=0.0,
                        name=f"{name}: batch sizes (all batch_size, the last may be shorter)",
                        inputs=inputs)
    every = np.sort(np.concatenate([np.asarray(idx).reshape(-1) for idx in got]))
    checks.assert_close(every, np.arange(n), rtol=0.0, atol=0.0,
                        name=f"{name}: every sample exactly once per epoch", inputs=inputs)


@pytest.mark.grades("minibatch_indices", weight=0.5)
@pytest.mark.parametrize("n,b,seed", [(7, 1, 0), (7, 7, 1), (10, 3, 2), (10, 4, 3), (3, 10, 4)])
def test_minibatch_indices_sgd_batch_and_last_short_batch(hw, ref, n, b, seed):
    got, expected = call_both(hw, ref, "minibatch_indices", n, b, seed)
    compare("minibatch_indices", got, expected, args=(n, b, seed),
            names=("n_samples", "batch_size", "seed"), rtol=0.0, atol=0.0)


# ----------------------------------------------------------------------------- training

OPTIMIZER_LR = {"gd": 0.5, "momentum": 0.05, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.02}


def _small_problem(seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(26, 4))
    labels = rng.integers(0, 3, size=26)
    labels[:3] = [0, 1, 2]
    return X, labels


def _compare_training(function: str, got, expected, args, kwargs) -> None:
    # structure checks (lengths, types) get the mistake diagnosis too
    with diagnosed(function, args, kwargs, got):
        _compare_training_values(function, got, expected, args, kwargs)


def _compare_training_values(function: str, got, expected, args, kwargs) -> None:
    inputs = {"X": args[0], "labels": args[1], "n_hidden": args[2], **kwargs}
    require(isinstance(got, (tuple, list)) and len(got) == 2,
            f"{function} must return (params, losses), got {describe(got)}",
            inputs)
    params, losses = got
    exp_params, exp_losses = expected
    require(isinstance(losses, (list, tuple, np.ndarray)) and len(losses) ==
                        len(exp_losses),
            f"{function}: losses must hold the batch loss of every step, "
            f"{len(exp_losses)} (epochs * steps_per_epoch), got {describe(losses)}",
            inputs)
    try:
        got_losses = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        got_losses = None
    require(got_losses is not None and got_losses.shape == (len(exp_losses),),
            f"{function}: losses must be a list of numbers (one float per step)", inputs)
    compare(function, got_losses, np.asarray(exp_losses), args=args, kwargs=kwargs,
            names=("X", "labels", "n_hidden"), what="losses", diagnose=False)
    compare(function, params, exp_params, args=args, kwargs=kwargs,
            names=("X", "labels", "n_hidden"), what="params", diagnose=False)


def _train_params() -> list:
    return [pytest.param(o, marks=pytest.mark.grades("train_two_layer_net"), id=o)
            for o in OPTIMIZER_LR]


@pytest.mark.parametrize("optimizer", _train_params())
def test_train_two_layer_net_agrees_with_solution(hw, ref, optimizer):
    X, labels = _small_problem(11)
    kwargs = {"optimizer": optimizer, "lr": OPTIMIZER_LR[optimizer], "epochs": 3,
              "batch_size": 8, "reg": 0.01, "seed": 4}
    got, expected = call_both(hw, ref, "train_two_layer_net", X, labels, 5, **kwargs)
    _compare_training("train_two_layer_net", got, expected, (X, labels, 5), kwargs)


@pytest.mark.grades("train_two_layer_net", weight=1)
def test_train_two_layer_net_defaults(hw, ref):
    X, labels = _small_problem(12)
    X = np.concatenate([X, X, X])[:70]
    labels = np.concatenate([labels, labels, labels])[:70]
    got, expected = call_both(hw, ref, "train_two_layer_net", X, labels, 3)
    _compare_training("train_two_layer_net", got, expected, (X, labels, 3), {})


@pytest.mark.grades("train_two_layer_net", weight=1)
def test_train_two_layer_net_with_an_unused_class(hw, ref):
    """C = labels.max() + 1, also when a class below the largest label never occurs."""
    X, labels = _small_problem(14)
    labels = np.where(labels == 1, 3, labels)  # classes 0, 2 and 3: class 1 is unused
    kwargs = {"epochs": 2, "batch_size": 8, "lr": 0.01, "seed": 1}
    got, expected = call_both(hw, ref, "train_two_layer_net", X, labels, 4, **kwargs)
    _compare_training("train_two_layer_net", got, expected, (X, labels, 4), kwargs)


_X, _L = _small_problem(13)


@pytest.mark.parametrize("function,args,kwargs", [
    immutability_case("train_two_layer_net", _X, _L, 4, epochs=1, batch_size=10),
    immutability_case("train_two_layer_net", np.round(_X * 3).astype(int), _L.astype(np.int32), 4,
                      optimizer="momentum", lr=0.01, epochs=1),
])
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)


# The largest training run comes last: a correct but slow implementation (Python loops
# over every element) that times out here must not lose the small tests above, which a
# function that timed out would not get to run (it is not called again in that grade).
TIMBRE_TRAIN = {"n_hidden": 64, "optimizer": "adam", "lr": 0.01, "epochs": 30,
                "batch_size": 32, "reg": 1e-3, "seed": 0}
#: held-out accuracy the trained net must reach (the solution reaches 0.93 here;
#: chance is 0.25): the data is noisy and small, so this is a "does it learn" check
TIMBRE_MIN_ACCURACY = 0.85


@pytest.mark.grades("train_two_layer_net", weight=2)
def test_train_two_layer_net_learns_timbre(hw, ref):
    X, labels = timbre_dataset(200, seed=21)
    X_test, labels_test = timbre_dataset(40, seed=22)
    got = hw.train_two_layer_net(X, labels, **TIMBRE_TRAIN)
    inputs = {"X": X, "labels": labels, **TIMBRE_TRAIN}
    require(isinstance(got, (tuple, list)) and len(got) == 2,
            f"train_two_layer_net must return (params, losses), got {describe(got)}",
            inputs)
    accuracy = float(np.mean(ref.predict(got[0], X_test) == labels_test))
    require(accuracy >= TIMBRE_MIN_ACCURACY,
            f"train_two_layer_net on the timbre data (800 notes, 4 waveforms): the "
            f"trained params reach {accuracy:.1%} held-out accuracy, at least "
            f"{TIMBRE_MIN_ACCURACY:.0%} expected",
            inputs)
