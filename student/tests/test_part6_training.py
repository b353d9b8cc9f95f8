"""Part 6: epochs, mini-batches and the training loop."""

import numpy as np
import pytest
from checks import assert_args_unchanged, assert_close, snapshot

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
    got = hw.steps_per_epoch(n_samples, batch_size)
    assert isinstance(got, int), f"steps_per_epoch: expected a Python int, got {type(got).__name__}"
    assert got == expected, (
        f"steps_per_epoch({n_samples}, {batch_size}): expected {expected}, got {got}"
    )


# ----------------------------------------------------------------------------- minibatch_indices


def check_batches(batches, n_samples, batch_size):
    name = f"minibatch_indices({n_samples}, {batch_size}, ...)"
    assert isinstance(batches, list), (
        f"{name}: expected a list of arrays, got {type(batches).__name__}"
    )
    sizes = [int(np.size(b)) for b in batches]
    expected_sizes = [batch_size] * (n_samples // batch_size)
    if n_samples % batch_size:
        expected_sizes.append(n_samples % batch_size)  # the last batch is shorter
    assert sizes == expected_sizes, f"{name}: batch sizes {sizes}, expected {expected_sizes}"
    for b in batches:
        assert np.asarray(b).dtype.kind in "iu", (
            f"{name}: batches must be integer arrays, got {np.asarray(b).dtype}"
        )
    everything = np.sort(np.concatenate([np.asarray(b) for b in batches]))
    assert np.array_equal(everything, np.arange(n_samples)), (
        f"{name}: together the batches must contain every index 0..{n_samples - 1} exactly once"
    )


@pytest.mark.grades("minibatch_indices")
def test_minibatch_indices_exact_stream(hw):
    # np.random.default_rng(0).permutation(10) == [4, 6, 2, 7, 3, 5, 9, 0, 8, 1]
    got = hw.minibatch_indices(10, 3, 0)
    check_batches(got, 10, 3)
    expected = [np.array([4, 6, 2]), np.array([7, 3, 5]), np.array([9, 0, 8]), np.array([1])]
    assert_close(
        got,
        expected,
        name="minibatch_indices",
        inputs={"n_samples": 10, "batch_size": 3, "seed": 0},
    )


@pytest.mark.grades("minibatch_indices")
@pytest.mark.parametrize(("n_samples", "batch_size"), [(7, 1), (7, 7), (7, 100), (23, 5)])
def test_minibatch_indices_partition(hw, n_samples, batch_size):
    check_batches(
        hw.minibatch_indices(n_samples, batch_size, 3), n_samples, min(batch_size, n_samples)
    )


@pytest.mark.grades("minibatch_indices")
def test_minibatch_indices_seed_changes_the_order(hw):
    a = np.concatenate(hw.minibatch_indices(20, 4, 1))
    b = np.concatenate(hw.minibatch_indices(20, 4, 1))
    c = np.concatenate(hw.minibatch_indices(20, 4, 2))
    assert np.array_equal(a, b), "minibatch_indices: the same seed must give the same batches"
    assert not np.array_equal(a, c), "minibatch_indices: different seeds should shuffle differently"


# ----------------------------------------------------------------------------- train_two_layer_net


def blobs():
    """Two well separated clusters in 2-D, 20 points each."""
    rng = np.random.default_rng(12)
    X = np.concatenate([rng.normal(-2.0, 0.5, (20, 2)), rng.normal(2.0, 0.5, (20, 2))])
    labels = np.repeat([0, 1], 20)
    return X, labels


def your_grads(hw, params, X, labels):
    """The gradients your two_layer_net_loss gives (reg = 0), on copies of the inputs.

    The training loop is checked against YOUR loss function (the loss itself has its
    own tests in test_part4_network.py), so a mistake there does not count twice.
    """
    copies = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    got = hw.two_layer_net_loss(copies, np.array(X), np.array(labels), 0.0)
    assert isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[1], dict), (
        "two_layer_net_loss: expected (loss, grads) with grads a dict; "
        "train_two_layer_net is checked against it"
    )
    return {k: np.asarray(got[1][k], dtype=np.float64) for k in params}


@pytest.mark.grades("train_two_layer_net")
def test_train_returns_params_and_one_loss_per_step(hw):
    X, labels = blobs()
    args = {"X": X, "labels": labels}
    before = snapshot(args)
    got = hw.train_two_layer_net(X, labels, 8, optimizer="adam", lr=0.01, epochs=3, batch_size=16)
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        "train_two_layer_net: expected (params, losses)"
    )
    params, losses = got
    shapes = {k: np.shape(v) for k, v in params.items()}
    assert shapes == {"W1": (2, 8), "b1": (8,), "W2": (8, 2), "b2": (2,)}, (
        f"train_two_layer_net: wrong params {shapes}"
    )
    # 40 examples in batches of 16: 3 steps per epoch, 3 epochs
    assert len(losses) == 9, (
        f"train_two_layer_net: expected 9 losses (3 epochs x 3 steps), got {len(losses)}"
    )
    # the weights start tiny, so the first loss is about log(2) (a uniform guess)
    assert_close(losses[0], np.log(2.0), name="train_two_layer_net (first loss)", rtol=1e-3)
    assert_args_unchanged(before, args, name="train_two_layer_net")


@pytest.mark.grades("train_two_layer_net")
def test_train_one_gd_step_on_the_full_batch(hw):
    X, labels = blobs()
    lr = 0.5
    params, losses = hw.train_two_layer_net(
        X, labels, 3, optimizer="gd", lr=lr, epochs=1, batch_size=40, seed=4
    )
    # one step of batch gradient descent from init_two_layer_net(2, 3, 2, seed=4)
    rng = np.random.default_rng(4)
    init = {"W1": 0.01 * rng.standard_normal((2, 3)), "b1": np.zeros(3)}
    init.update(W2=0.01 * rng.standard_normal((3, 2)), b2=np.zeros(2))
    grads = your_grads(hw, init, X, labels)
    expected = {key: init[key] - lr * grads[key] for key in init}
    assert len(losses) == 1, (
        f"train_two_layer_net: 1 epoch with batch_size = N is 1 step, got {len(losses)} losses"
    )
    inputs = {"optimizer": "gd", "lr": lr, "epochs": 1, "batch_size": 40, "seed": 4}
    assert_close(params, expected, name="train_two_layer_net", inputs=inputs)


@pytest.mark.grades("train_two_layer_net")
def test_train_reshuffles_every_epoch(hw):
    X, labels = blobs()
    lr, seed = 0.5, 7
    params, losses = hw.train_two_layer_net(
        X, labels, 3, optimizer="gd", lr=lr, epochs=2, batch_size=25, seed=seed
    )
    # the recipe by hand: epoch e uses np.random.default_rng(seed + e).permutation(N)
    rng = np.random.default_rng(seed)
    expected = {"W1": 0.01 * rng.standard_normal((2, 3)), "b1": np.zeros(3)}
    expected.update(W2=0.01 * rng.standard_normal((3, 2)), b2=np.zeros(2))
    for epoch in range(2):
        perm = np.random.default_rng(seed + epoch).permutation(40)
        for idx in (perm[:25], perm[25:]):
            grads = your_grads(hw, expected, X[idx], labels[idx])
            expected = {key: expected[key] - lr * grads[key] for key in expected}
    assert len(losses) == 4, (
        f"train_two_layer_net: expected 4 losses (2 epochs x 2 steps), got {len(losses)}"
    )
    inputs = {"optimizer": "gd", "lr": lr, "epochs": 2, "batch_size": 25, "seed": seed}
    assert_close(params, expected, name="train_two_layer_net", inputs=inputs)


@pytest.mark.grades("train_two_layer_net")
def test_train_learns_separable_data(hw):
    X, labels = blobs()
    params, losses = hw.train_two_layer_net(
        X, labels, 8, optimizer="adam", lr=0.05, epochs=20, batch_size=8
    )
    assert losses[-1] < 0.1 < losses[0], (
        f"train_two_layer_net: the loss should fall from about 0.69 to below 0.1 on easy data, "
        f"went from {losses[0]:.3g} to {losses[-1]:.3g}"
    )
    logits = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    accuracy = np.mean(np.argmax(logits, axis=1) == labels)
    assert accuracy == 1.0, (
        f"train_two_layer_net: training accuracy {accuracy:.0%} on separable data"
    )
