"""Part 6 mistakes: mini-batches and training."""

from __future__ import annotations

from autograder.mistakes.model import mistake

TRAIN = ("train_two_layer_net",)
_WHY_BATCHES = "train_two_layer_net iterates over minibatch_indices' batches"

# The reference train_two_layer_net, with the marked pieces changed by each mistake.
_TRAIN = """
def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    n, d = X.shape
    params = init_two_layer_net(d, n_hidden, {n_classes}, seed)
    if optimizer == "gd":
        state = {{k: () for k in params}}
    elif optimizer in ("momentum", "adagrad", "rmsprop"):
        state = {{k: (np.zeros_like(p),) for k, p in params.items()}}
    elif optimizer == "adam":
        {adam_state}
    else:
        raise ValueError(f"unknown optimizer {{optimizer!r}}")
    losses, t = [], {t0}
    for epoch in range(epochs):
        {epoch_start}
        epoch_losses = []
        for idx in minibatch_indices(n, batch_size, {batch_seed}):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            {t_step}
            for k in params:
                {t_param}
                if optimizer == "gd":
                    params[k] = gd_step(params[k], grads[k], lr)
                elif optimizer == "momentum":
                    params[k], *state[k] = momentum_step(params[k], grads[k], *state[k], lr)
                elif optimizer == "adagrad":
                    params[k], *state[k] = adagrad_step(params[k], grads[k], *state[k], lr)
                elif optimizer == "rmsprop":
                    params[k], *state[k] = rmsprop_step(params[k], grads[k], *state[k], lr)
                else:
                    {adam_update}
            epoch_losses.append(loss)
        {record}
    return params, losses
"""
_OK = {
    "n_classes": "int(labels.max()) + 1",
    "adam_state": "state = {k: (np.zeros_like(p), np.zeros_like(p)) for k, p in params.items()}",
    "t0": "0",
    "epoch_start": "pass",
    "batch_seed": "seed + epoch",
    "t_step": "t += 1",
    "t_param": "pass",
    "adam_update": "params[k], *state[k] = adam_step(params[k], grads[k], *state[k], t, lr)",
    "record": "losses.extend(epoch_losses)",
}


def _train(**changes: str) -> str:
    """The reference training loop with some of its pieces replaced."""
    return _TRAIN.format(**{**_OK, **changes})


MISTAKES = [
    mistake(
        "steps_per_epoch_floor",
        "steps_per_epoch",
        "steps_per_epoch uses floor division n // b; the last, shorter batch is a step "
        "too: ceil(n / b).",
        """
        def steps_per_epoch(n_samples, batch_size):
            return int(n_samples) // int(batch_size)
        """,
    ),
    mistake(
        "steps_per_epoch_plus_one",
        "steps_per_epoch",
        "steps_per_epoch returns n // b + 1, one step too many when b divides n; use ceil(n / b).",
        """
        def steps_per_epoch(n_samples, batch_size):
            return int(n_samples) // int(batch_size) + 1
        """,
    ),
    mistake(
        "minibatch_drops_last",
        "minibatch_indices",
        "minibatch_indices drops the last, shorter batch; every example must be used "
        "once per epoch.",
        """
        def minibatch_indices(n_samples, batch_size, seed):
            perm = np.random.default_rng(seed).permutation(n_samples)
            full = n_samples - batch_size + 1
            return [perm[i : i + batch_size] for i in range(0, full, batch_size)]
        """,
        TRAIN,
        _WHY_BATCHES,
    ),
    mistake(
        "minibatch_no_shuffle",
        "minibatch_indices",
        "minibatch_indices does not shuffle: cut np.random.default_rng(seed)"
        ".permutation(n_samples), not np.arange(n_samples).",
        """
        def minibatch_indices(n_samples, batch_size, seed):
            idx = np.arange(n_samples)
            return [idx[i : i + batch_size] for i in range(0, n_samples, batch_size)]
        """,
        TRAIN,
        _WHY_BATCHES,
    ),
    mistake(
        "minibatch_global_stream",
        "minibatch_indices",
        "minibatch_indices uses np.random.seed / np.random.permutation (the legacy global "
        "stream); the graded stream is np.random.default_rng(seed).permutation(n_samples).",
        """
        def minibatch_indices(n_samples, batch_size, seed):
            np.random.seed(seed)
            perm = np.random.permutation(n_samples)
            return [perm[i : i + batch_size] for i in range(0, n_samples, batch_size)]
        """,
        TRAIN,
        _WHY_BATCHES,
    ),
    mistake(
        "minibatch_array_split",
        "minibatch_indices",
        "minibatch_indices uses np.array_split into ceil(n / b) parts, which balances "
        "the sizes; the batches must be consecutive slices of exactly batch_size "
        "(only the last may be shorter).",
        """
        def minibatch_indices(n_samples, batch_size, seed):
            perm = np.random.default_rng(seed).permutation(n_samples)
            return list(np.array_split(perm, -(-n_samples // batch_size)))
        """,
        TRAIN,
        _WHY_BATCHES,
    ),
    mistake(
        "train_classes_from_unique",
        "train_two_layer_net",
        "train_two_layer_net counts the classes as len(np.unique(labels)); a class may "
        "never occur in the data, so C = labels.max() + 1.",
        _train(n_classes="len(np.unique(labels))"),
        diagnosable=False,  # the net is too small for the labels: it raises, no output
    ),
    mistake(
        "train_same_shuffle_every_epoch",
        "train_two_layer_net",
        "train_two_layer_net shuffles with the same seed every epoch; epoch e must use "
        "minibatch_indices(N, batch_size, seed + e).",
        _train(batch_seed="seed"),
    ),
    mistake(
        "train_adam_t_reset_each_epoch",
        "train_two_layer_net",
        "train_two_layer_net restarts Adam's step counter t every epoch; t counts the "
        "optimizer steps from 1 across ALL epochs.",
        _train(epoch_start="t = 0"),
    ),
    mistake(
        "train_adam_t_per_parameter",
        "train_two_layer_net",
        "train_two_layer_net increments Adam's t once per PARAMETER update; t counts "
        "optimizer steps (one per batch, shared by W1, b1, W2, b2).",
        _train(t_step="pass", t_param="t += 1"),
    ),
    mistake(
        "train_adam_t_from_0",
        "train_two_layer_net",
        "train_two_layer_net calls adam_step with t = 0 on the first step (1 - beta**0 "
        "= 0 divides by zero); t starts at 1.",
        _train(t0="-1"),
    ),
    mistake(
        "train_losses_per_epoch",
        "train_two_layer_net",
        "train_two_layer_net records one (mean) loss per epoch; losses must hold the "
        "batch loss of EVERY step.",
        _train(record="losses.append(float(np.mean(epoch_losses)))"),
    ),
    mistake(
        "train_adam_m_v_same_dict",
        "train_two_layer_net",
        "train_two_layer_net keeps Adam's m and v in ONE shared dict (m = v = {...}), so "
        "storing v overwrites m; every parameter needs its own m AND its own v.",
        _train(
            adam_state="m = v = {k: np.zeros_like(p) for k, p in params.items()}",
            adam_update="params[k], m[k], v[k] = adam_step(params[k], grads[k], m[k], v[k], t, lr)",
        ),
    ),
]
