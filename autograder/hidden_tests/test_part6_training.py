"""Hidden tests, part 6: steps per epoch, mini-batch indices and training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    agree,
    call_both,
    checks,
    compare,
    conform,
    immutability_case,
    layout_cases,
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
            hw=hw, rtol=0.0, atol=0.0)


@pytest.mark.grades("steps_per_epoch", weight=0.25)
# none of them a public test's input: a table of the public answers must not pass this one
@pytest.mark.parametrize("n,b", [(13, 3), (12, 4), (3, 3), (5, 32)])
def test_steps_per_epoch_returns_the_python_int(hw, ref, n, b):
    # a Python int (int(...) or integer arithmetic), and the right one
    agree(hw, ref, "steps_per_epoch", n, b, names=("n_samples", "batch_size"), rtol=0.0,
          atol=0.0)


# ----------------------------------------------------------------------------- minibatches

@pytest.mark.grades("minibatch_indices", weight=3)
@given(n_and_batch(), hs.seeds)
def test_minibatch_indices_exact_random_stream(hw, ref, case, seed):
    n, b = case
    got, expected = call_both(hw, ref, "minibatch_indices", n, b, seed)
    compare("minibatch_indices", got, expected, args=(n, b, seed),
            names=("n_samples", "batch_size", "seed"), hw=hw, rtol=0.0, atol=0.0)


@pytest.mark.grades("minibatch_indices", weight=1)
@given(n_and_batch(), hs.seeds)
def test_minibatch_indices_partition_the_samples(hw, ref, case, seed):
    n, b = case
    got = hw.minibatch_indices(n, b, seed)
    inputs = {"n_samples": n, "batch_size": b, "seed": seed}
    name = "minibatch_indices"
    # a list (or tuple) of ceil(n / b) integer arrays, all of batch_size entries but the
    # last: the same rule as every test (checks.conform), with the solution's batches as
    # the model of the structure
    conform(name, got, ref.minibatch_indices(n, b, seed), inputs)
    every = np.sort(np.concatenate(got))
    checks.assert_close(every, np.arange(n), rtol=0.0, atol=0.0,
                        name=f"{name}: every sample exactly once per epoch", inputs=inputs)


@pytest.mark.grades("minibatch_indices", weight=0.5)
@pytest.mark.parametrize("n,b,seed", [(7, 1, 0), (7, 7, 1), (10, 3, 2), (10, 4, 3), (3, 10, 4)])
def test_minibatch_indices_sgd_batch_and_last_short_batch(hw, ref, n, b, seed):
    got, expected = call_both(hw, ref, "minibatch_indices", n, b, seed)
    compare("minibatch_indices", got, expected, args=(n, b, seed),
            names=("n_samples", "batch_size", "seed"), hw=hw, rtol=0.0, atol=0.0)


# ----------------------------------------------------------------------------- training

OPTIMIZER_LR = {"gd": 0.5, "momentum": 0.05, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.02}


def _small_problem(seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(26, 4))
    labels = rng.integers(0, 3, size=26)
    labels[:3] = [0, 1, 2]
    return X, labels


def _train(hw, ref, X, labels, n_hidden: int, **kwargs) -> None:
    """Train with the submission and with the solutions; compare (params, losses).

    ``losses`` may be a list, a tuple or a 1-D array (the one rule, ``checks.conform``).
    """
    agree(hw, ref, "train_two_layer_net", X, labels, n_hidden, names=("X", "labels", "n_hidden"),
          **kwargs)


def _train_params() -> list:
    return [pytest.param(o, marks=pytest.mark.grades("train_two_layer_net"), id=o)
            for o in OPTIMIZER_LR]


@pytest.mark.parametrize("optimizer", _train_params())
def test_train_two_layer_net_agrees_with_solution(hw, ref, optimizer):
    X, labels = _small_problem(11)
    kwargs = {"optimizer": optimizer, "lr": OPTIMIZER_LR[optimizer], "epochs": 3,
              "batch_size": 8, "reg": 0.01, "seed": 4}
    _train(hw, ref, X, labels, 5, **kwargs)


@pytest.mark.grades("train_two_layer_net", weight=1)
def test_train_two_layer_net_defaults(hw, ref):
    X, labels = _small_problem(12)
    X = np.concatenate([X, X, X])[:70]
    labels = np.concatenate([labels, labels, labels])[:70]
    _train(hw, ref, X, labels, 3)


@pytest.mark.grades("train_two_layer_net", weight=1)
def test_train_two_layer_net_with_an_unused_class(hw, ref):
    """C = labels.max() + 1, also when a class below the largest label never occurs."""
    X, labels = _small_problem(14)
    labels = np.where(labels == 1, 3, labels)  # classes 0, 2 and 3: class 1 is unused
    _train(hw, ref, X, labels, 4, epochs=2, batch_size=8, lr=0.01, seed=1)


_X, _L = _small_problem(13)


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("train_two_layer_net", _X, _L, 4, epochs=1, batch_size=10),
    immutability_case("train_two_layer_net", np.round(_X * 3).astype(int), _L.astype(np.int32), 4,
                      optimizer="momentum", lr=0.01, epochs=1),
))
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
    # the trusted predict runs on the submission's params: their kinds, dtypes and shapes
    # first (what the solution would return, without training it), so that no hostile
    # shape can make the computation big
    n, d = X.shape
    steps = TIMBRE_TRAIN["epochs"] * ref.steps_per_epoch(n, TIMBRE_TRAIN["batch_size"])
    shape_of_result = (ref.init_two_layer_net(d, TIMBRE_TRAIN["n_hidden"], int(labels.max()) + 1),
                       [0.0] * steps)
    conform("train_two_layer_net", got, shape_of_result, inputs)
    accuracy = float(np.mean(ref.predict(got[0], X_test) == labels_test))
    require(accuracy >= TIMBRE_MIN_ACCURACY,
            f"train_two_layer_net on the timbre data (800 notes, 4 waveforms): the "
            f"trained params reach {accuracy:.1%} held-out accuracy, at least "
            f"{TIMBRE_MIN_ACCURACY:.0%} expected",
            inputs)
