"""Part 6: epochs, mini-batches and the training loop.

The training checks compare with values stored with the tests (``expected_values.json``,
read by ``stored.case``): the data, the params the reference training reaches.
"""

import numpy as np
import pytest
import stored
from checks import assert_args_unchanged, assert_close, conform, snapshot
from stored import example

# ----------------------------------------------------------------------------- steps_per_epoch


@pytest.mark.grades("steps_per_epoch")
@pytest.mark.parametrize(
    ("n_samples", "batch_size", "expected"),
    [
        (10, 3, 4),  # 3 + 3 + 3 + 1
        (9, 3, 3),
        (1, 1, 1),
        (5, 10, 1),  # one (short) batch: batch gradient descent
        (100, 1, 100),  # stochastic gradient descent: one step per example
        (1000, 32, 32),
    ],
)
def test_steps_per_epoch(hw, n_samples, batch_size, expected):
    n_samples, batch_size, expected = example(
        "steps_per_epoch", n_samples=n_samples, batch_size=batch_size, expected=expected
    )
    got = hw.steps_per_epoch(n_samples, batch_size)  # a Python int: int(...)
    assert_close(
        got,
        expected,
        name="steps_per_epoch",
        inputs={"n_samples": n_samples, "batch_size": batch_size},
        rtol=0.0,
        atol=0.0,
    )


# ----------------------------------------------------------------------------- minibatch_indices


def check_batches(batches, n_samples, batch_size):
    """A list of integer arrays, all of batch_size entries but the last, holding every
    index 0..n_samples-1 exactly once."""
    name = f"minibatch_indices({n_samples}, {batch_size}, ...)"
    sizes = [batch_size] * (n_samples // batch_size)
    if n_samples % batch_size:
        sizes.append(n_samples % batch_size)  # the last batch is shorter
    shapes = [np.zeros(size, dtype=np.int64) for size in sizes]
    conform(batches, shapes, name=name)
    everything = np.sort(np.concatenate(batches))
    assert np.array_equal(everything, np.arange(n_samples)), (
        f"{name}: together the batches must contain every index 0..{n_samples - 1} exactly once"
    )


@pytest.mark.grades("minibatch_indices")
def test_minibatch_indices_exact_stream(hw):
    # np.random.default_rng(0).permutation(10) == [4, 6, 2, 7, 3, 5, 9, 0, 8, 1]
    n_samples, batch_size, seed, expected = example(
        "minibatch_indices stream",
        n_samples=10,
        batch_size=3,
        seed=0,
        expected=[np.array([4, 6, 2]), np.array([7, 3, 5]), np.array([9, 0, 8]), np.array([1])],
    )
    got = hw.minibatch_indices(n_samples, batch_size, seed)
    check_batches(got, n_samples, batch_size)
    assert_close(
        got,
        expected,
        name="minibatch_indices",
        inputs={"n_samples": n_samples, "batch_size": batch_size, "seed": seed},
    )


@pytest.mark.grades("minibatch_indices")
@pytest.mark.parametrize(("n_samples", "batch_size"), [(7, 1), (7, 7), (7, 100), (23, 5)])
def test_minibatch_indices_partition(hw, n_samples, batch_size):
    n_samples, batch_size, seed = example(
        "minibatch_indices partition", n_samples=n_samples, batch_size=batch_size, seed=3
    )
    got = hw.minibatch_indices(n_samples, batch_size, seed)
    check_batches(got, n_samples, min(batch_size, n_samples))


@pytest.mark.grades("minibatch_indices")
def test_minibatch_indices_seed_changes_the_order(hw):
    # the same seed gives the same batches; seeds 1 and 2 give the orders of
    # np.random.default_rng(1).permutation(20) and default_rng(2).permutation(20)
    case = stored.case("minibatch_indices two seeds")
    n_samples, batch_size = case["n_samples"], case["batch_size"]
    first, second = case["seeds"]
    for seed, expected in [(first, case["first"]), (second, case["second"])] * 2:
        got = hw.minibatch_indices(n_samples, batch_size, seed)
        assert_close(
            got,
            expected,
            name="minibatch_indices",
            inputs={"n_samples": n_samples, "batch_size": batch_size, "seed": seed},
        )


# ----------------------------------------------------------------------------- train_two_layer_net


def blobs():
    """Two well separated clusters in 2-D, 20 points each (stored with the tests)."""
    data = stored.case("blobs")
    return data["X"], data["labels"]


def net_shapes(d, h, c):
    """The kind of params a two-layer net has: float64 W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""
    return {"W1": np.zeros((d, h)), "b1": np.zeros(h), "W2": np.zeros((h, c)), "b2": np.zeros(c)}


@pytest.mark.grades("train_two_layer_net")
def test_train_returns_params_and_one_loss_per_step(hw):
    X, labels = blobs()
    args = {"X": X, "labels": labels}
    before = snapshot(args)
    got = hw.train_two_layer_net(X, labels, 8, optimizer="adam", lr=0.01, epochs=3, batch_size=16)
    # (params, losses): 40 examples in batches of 16 are 3 steps per epoch, 3 epochs, so 9
    # losses (a list, or a 1-D array)
    conform(got, (net_shapes(2, 8, 2), [0.0] * 9), name="train_two_layer_net (params, losses)")
    # the weights start tiny, so the first loss is about log(2) (a uniform guess)
    assert_close(got[1][0], np.log(2.0), name="train_two_layer_net (first loss)", rtol=1e-3)
    assert_args_unchanged(before, args, name="train_two_layer_net")


@pytest.mark.grades("train_two_layer_net")
@pytest.mark.parametrize("steps", ["one gd step", "two epochs of gd"])
def test_train_with_gradient_descent(hw, steps):
    # one step of batch gradient descent (batch_size = N), then two epochs of two
    # batches: epoch e shuffles with minibatch_indices(N, batch_size, seed + e)
    X, labels = blobs()
    case = stored.case(f"train_two_layer_net {steps}")
    got = hw.train_two_layer_net(X, labels, 3, **case["kwargs"])
    shapes = (net_shapes(2, 3, 2), [0.0] * case["n_losses"])  # one loss per step
    conform(got, shapes, name="train_two_layer_net (params, losses)", inputs=case["kwargs"])
    assert_close(got[0], case["params"], name="train_two_layer_net", inputs=case["kwargs"])


@pytest.mark.grades("train_two_layer_net")
def test_train_learns_separable_data(hw):
    X, labels = blobs()
    got = hw.train_two_layer_net(X, labels, 8, optimizer="adam", lr=0.05, epochs=20, batch_size=8)
    conform(got, (net_shapes(2, 8, 2), [0.0] * 100), name="train_two_layer_net (params, losses)")
    losses = got[1]
    assert losses[-1] < 0.1 < losses[0], (
        f"train_two_layer_net: the loss should fall from about 0.69 to below 0.1 on easy data, "
        f"went from {losses[0]:.3g} to {losses[-1]:.3g}"
    )
