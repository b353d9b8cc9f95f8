"""Part 4 mistakes: the two-layer net and backprop."""

from __future__ import annotations

from autograder.mistakes.model import mistake

TRAIN = ("train_two_layer_net",)
_WHY_INIT = "train_two_layer_net starts from init_two_layer_net's weights"
_WHY_LOSS = "train_two_layer_net records and follows two_layer_net_loss's loss and gradients"
_WHY_FORWARD = "predict takes the argmax of two_layer_net_forward's logits"

# The reference two_layer_net_loss, with the marked line changed by each mistake.
_LOSS = """
def two_layer_net_loss(params, X, labels, reg=0.0):
    W1 = np.asarray(params["W1"], dtype=np.float64)
    W2 = np.asarray(params["W2"], dtype=np.float64)
    b1, b2 = params["b1"], params["b2"]
    a = linear_forward(X, W1, b1)
    h = relu(a)
    z = {logits}
    loss = softmax_cross_entropy_loss(z, labels) + {penalty}
    dz = {dz}
    dh, dW2, db2 = linear_backward(h, W2, dz)
    da = {da}
    _, dW1, db1 = linear_backward(X, W1, da)
    grads = {{"W1": dW1 + {k} * reg * W1, "b1": db1, "W2": dW2 + {k} * reg * W2, "b2": db2}}
    return float(loss), grads
"""
_OK = {
    "logits": "linear_forward(h, W2, b2)",
    "penalty": "reg * (np.sum(W1**2) + np.sum(W2**2))",
    "dz": "softmax_cross_entropy_grad(z, labels)",
    "da": "relu_backward(a, dh)",
    "k": "2.0",
}


def _loss(**changes: str) -> str:
    """The reference loss with some of its pieces replaced."""
    return _LOSS.format(**{**_OK, **changes})


MISTAKES = [
    mistake(
        "init_streams_swapped",
        "init_two_layer_net",
        "init_two_layer_net draws W2 before W1; the graded random stream draws W1 first, "
        "then W2, from one default_rng(seed).",
        """
        def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
            rng = np.random.default_rng(seed)
            W2 = scale * rng.standard_normal((n_hidden, n_out))
            W1 = scale * rng.standard_normal((n_in, n_hidden))
            return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
        """,
        TRAIN,
        _WHY_INIT,
    ),
    mistake(
        "init_rng_reseeded",
        "init_two_layer_net",
        "init_two_layer_net creates a new default_rng(seed) for W2, so W2 repeats W1's "
        "random numbers; draw both from the same generator.",
        """
        def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
            W1 = scale * np.random.default_rng(seed).standard_normal((n_in, n_hidden))
            W2 = scale * np.random.default_rng(seed).standard_normal((n_hidden, n_out))
            return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
        """,
        TRAIN,
        _WHY_INIT,
    ),
    mistake(
        "init_legacy_global_seed",
        "init_two_layer_net",
        "init_two_layer_net uses np.random.seed + np.random.randn (the legacy global "
        "stream); the graded stream is np.random.default_rng(seed).standard_normal.",
        """
        def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
            np.random.seed(seed)
            W1 = scale * np.random.randn(n_in, n_hidden)
            W2 = scale * np.random.randn(n_hidden, n_out)
            return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
        """,
        TRAIN,
        _WHY_INIT,
    ),
    mistake(
        "init_scale_forgotten",
        "init_two_layer_net",
        "init_two_layer_net forgets to multiply the weights by scale.",
        """
        def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
            rng = np.random.default_rng(seed)
            W1 = rng.standard_normal((n_in, n_hidden))
            W2 = rng.standard_normal((n_hidden, n_out))
            return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
        """,
        TRAIN,
        _WHY_INIT,
    ),
    mistake(
        "forward_forgets_b2",
        "two_layer_net_forward",
        "two_layer_net_forward forgets the output bias: logits = relu(X W1 + b1) W2 + b2.",
        """
        def two_layer_net_forward(params, X):
            h = relu(linear_forward(X, params["W1"], params["b1"]))
            return h @ np.asarray(params["W2"], dtype=np.float64)
        """,
        ("predict",),
        _WHY_FORWARD,
    ),
    mistake(
        "forward_relu_on_logits",
        "two_layer_net_forward",
        "two_layer_net_forward applies ReLU to the logits too; the output layer is "
        "linear (logits may be negative).",
        """
        def two_layer_net_forward(params, X):
            h = relu(linear_forward(X, params["W1"], params["b1"]))
            return relu(linear_forward(h, params["W2"], params["b2"]))
        """,
        ("predict",),
        _WHY_FORWARD,
    ),
    mistake(
        "loss_reg_grad_missing_2",
        "two_layer_net_loss",
        "two_layer_net_loss adds reg * W to the weight gradients; the derivative of "
        "reg * sum(W**2) is 2 * reg * W.",
        _loss(k="1.0"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "loss_reg_half_convention",
        "two_layer_net_loss",
        "two_layer_net_loss uses the 0.5 * reg * sum(W**2) convention; this homework's "
        "penalty is reg * (sum(W1**2) + sum(W2**2)) with gradient 2 * reg * W.",
        _loss(penalty="0.5 * reg * (np.sum(W1**2) + np.sum(W2**2))", k="1.0"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "loss_reg_missing_W2",
        "two_layer_net_loss",
        "two_layer_net_loss regularises only W1; the penalty is reg * (sum(W1**2) + sum(W2**2)).",
        _loss(penalty="reg * np.sum(W1**2)"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "loss_relu_mask_from_upstream",
        "two_layer_net_loss",
        "two_layer_net_loss masks the backward ReLU with the upstream gradient (dh > 0); "
        "the mask comes from the pre-activation a = X W1 + b1: dh * (a > 0).",
        _loss(da="dh * (dh > 0)"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "loss_relu_times_hidden",
        "two_layer_net_loss",
        "two_layer_net_loss masks the backward ReLU with the hidden OUTPUT h times dh "
        "(dh * h); the ReLU's derivative is (a > 0), 0 or 1.",
        _loss(da="dh * h"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "loss_forgets_b2",
        "two_layer_net_loss",
        "two_layer_net_loss computes the logits without b2: z = h W2 + b2.",
        _loss(logits="h @ W2"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "loss_grad_not_averaged",
        "two_layer_net_loss",
        "two_layer_net_loss backpropagates softmax(z) - one_hot without the 1/N of the "
        "mean: the gradients are N times too large.",
        _loss(dz="softmax(z, axis=1) - one_hot(labels, z.shape[1])"),
        TRAIN,
        _WHY_LOSS,
    ),
    mistake(
        "predict_argmax_axis0",
        "predict",
        "predict takes the argmax over axis 0 (over the examples); the predicted class "
        "of each example is the argmax of its row: axis=1.",
        """
        def predict(params, X):
            return np.argmax(two_layer_net_forward(params, X), axis=0)
        """,
    ),
    mistake(
        "predict_flat_argmax",
        "predict",
        "predict calls np.argmax without an axis, which returns ONE index into the "
        "flattened array; use axis=1 to get one label per example.",
        """
        def predict(params, X):
            return np.argmax(two_layer_net_forward(params, X))
        """,
    ),
]
