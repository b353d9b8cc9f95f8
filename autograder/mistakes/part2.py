"""Part 2 mistakes: the losses and their gradients."""

from __future__ import annotations

from autograder.mistakes.model import mistake

NET = ("two_layer_net_loss", "train_two_layer_net")
_WHY_NET = "two_layer_net_loss calls it and train_two_layer_net calls two_layer_net_loss"
ONE_HOT_CALLERS = ("softmax_cross_entropy_grad", *NET)
_WHY_ONE_HOT = "softmax_cross_entropy_grad calls one_hot; " + _WHY_NET.replace(
    "calls it", "calls softmax_cross_entropy_grad"
)

MISTAKES = [
    # --- MAE -------------------------------------------------------------------------------
    mistake(
        "mae_loss_sum",
        "mae_loss",
        "mae_loss sums the absolute errors instead of averaging them (mean reduction).",
        """
        def mae_loss(y_pred, y):
            y_pred = np.asarray(y_pred, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            return float(np.sum(np.abs(y_pred - y)))
        """,
    ),
    mistake(
        "mae_loss_unsigned_wraparound",
        "mae_loss",
        "mae_loss subtracts the arrays before turning them into float64: for unsigned "
        "integers (uint8, ...) y_pred - y wraps around (3 - 5 = 254 for uint8). Convert "
        "first: np.asarray(y, dtype=np.float64).",
        """
        def mae_loss(y_pred, y):
            return float(np.mean(np.abs(np.asarray(y_pred) - np.asarray(y))))
        """,
    ),
    mistake(
        "mae_grad_sign0_is_1",
        "mae_grad",
        "mae_grad uses +1 where y_pred == y (e.g. np.where(d >= 0, 1, -1)): the "
        "subgradient at 0 must be 0, like np.sign.",
        """
        def mae_grad(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
            return np.where(d >= 0, 1.0, -1.0) / d.size
        """,
    ),
    mistake(
        "mae_grad_no_mean",
        "mae_grad",
        "mae_grad forgets the 1/n of the mean reduction: divide sign(y_pred - y) by y.size.",
        """
        def mae_grad(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
            return np.sign(d)
        """,
    ),
    # --- MSE -------------------------------------------------------------------------------
    mistake(
        "mse_loss_sum",
        "mse_loss",
        "mse_loss sums the squared errors instead of averaging them (mean reduction).",
        """
        def mse_loss(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
            return float(np.sum(d ** 2))
        """,
    ),
    mistake(
        "mse_loss_mean_then_square",
        "mse_loss",
        "mse_loss squares the mean error instead of averaging the squared errors.",
        """
        def mse_loss(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
            return float(np.mean(d) ** 2)
        """,
    ),
    mistake(
        "mse_grad_missing_2",
        "mse_grad",
        "mse_grad forgets the factor 2 from differentiating the square: 2 (y_pred - y) / n.",
        """
        def mse_grad(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
            return d / d.size
        """,
    ),
    mistake(
        "mse_grad_no_mean",
        "mse_grad",
        "mse_grad forgets the 1/n of the mean reduction: 2 (y_pred - y) / y.size.",
        """
        def mse_grad(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
            return 2.0 * d
        """,
    ),
    mistake(
        "mse_grad_inplace",
        "mse_grad",
        "mse_grad computes y_pred -= y IN PLACE, which modifies the caller's array; "
        "compute y_pred - y into a new array.",
        """
        def mse_grad(y_pred, y):
            d = np.asarray(y_pred, dtype=np.float64)
            d -= np.asarray(y, dtype=np.float64)
            return 2.0 * d / d.size
        """,
        diagnosable=False,
    ),
    mistake(
        "mse_grad_wrong_sign",
        "mse_grad",
        "mse_grad has the wrong sign: the gradient with respect to y_pred is "
        "2 (y_pred - y) / n, not 2 (y - y_pred) / n.",
        """
        def mse_grad(y_pred, y):
            d = np.asarray(y, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
            return 2.0 * d / d.size
        """,
    ),
    # --- BCE -------------------------------------------------------------------------------
    mistake(
        "bce_loss_no_clamp",
        "bce_loss",
        "bce_loss takes log(p) and log(1 - p) without clamping them at -100, so p = 0 "
        "or p = 1 gives inf/nan (and divide-by-zero warnings).",
        """
        def bce_loss(p, y):
            p = np.asarray(p, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))
        """,
    ),
    mistake(
        "bce_loss_clip_probability",
        "bce_loss",
        "bce_loss clips p into [1e-7, 1 - 1e-7] instead of clamping the LOGS at -100 "
        "(PyTorch's convention): a confident wrong prediction must cost exactly 100.",
        """
        def bce_loss(p, y):
            p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1.0 - 1e-7)
            y = np.asarray(y, dtype=np.float64)
            return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))
        """,
    ),
    mistake(
        "bce_loss_sum",
        "bce_loss",
        "bce_loss sums over the elements instead of averaging them (mean reduction).",
        """
        def bce_loss(p, y):
            p = np.asarray(p, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            tiny = np.finfo(np.float64).tiny
            log_p = np.maximum(np.log(np.maximum(p, tiny)), -100.0)
            log_1mp = np.maximum(np.log(np.maximum(1.0 - p, tiny)), -100.0)
            return float(np.sum(-(y * log_p + (1.0 - y) * log_1mp)))
        """,
    ),
    mistake(
        "bce_grad_no_mean",
        "bce_grad",
        "bce_grad forgets the 1/n of the mean reduction: divide by y.size.",
        """
        def bce_grad(p, y):
            p = np.asarray(p, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            return (p - y) / np.maximum(p * (1.0 - p), 1e-12)
        """,
    ),
    mistake(
        "bce_grad_logit_gradient",
        "bce_grad",
        "bce_grad returns (p - y) / n, the gradient with respect to the LOGIT; the "
        "gradient with respect to the probability p is (p - y) / (p (1 - p)) / n.",
        """
        def bce_grad(p, y):
            p = np.asarray(p, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            return (p - y) / y.size
        """,
    ),
    mistake(
        "bce_grad_no_clamp",
        "bce_grad",
        "bce_grad divides by p (1 - p) without clamping it at 1e-12, so p = 0 or p = 1 "
        "gives inf/nan.",
        """
        def bce_grad(p, y):
            p = np.asarray(p, dtype=np.float64)
            y = np.asarray(y, dtype=np.float64)
            return (p - y) / (p * (1.0 - p)) / y.size
        """,
    ),
    # --- cross entropy on probabilities -----------------------------------------------------
    mistake(
        "cross_entropy_loss_column_index",
        "cross_entropy_loss",
        "cross_entropy_loss picks probs[:, labels] (an N x N block) instead of "
        "probs[np.arange(N), labels] (one entry per row).",
        """
        def cross_entropy_loss(probs, labels):
            probs = np.asarray(probs, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            picked = probs[:, labels]
            tiny = np.finfo(np.float64).tiny
            return float(np.mean(-np.maximum(np.log(np.maximum(picked, tiny)), -100.0)))
        """,
    ),
    mistake(
        "cross_entropy_loss_no_clamp",
        "cross_entropy_loss",
        "cross_entropy_loss takes log of the picked probability without clamping at -100, "
        "so a probability of 0 gives inf (and a divide-by-zero warning).",
        """
        def cross_entropy_loss(probs, labels):
            probs = np.asarray(probs, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            return float(np.mean(-np.log(probs[np.arange(probs.shape[0]), labels])))
        """,
    ),
    mistake(
        "cross_entropy_loss_mean_over_classes",
        "cross_entropy_loss",
        "cross_entropy_loss averages y * log(p) over all N * C entries; the mean is over "
        "the N examples only (sum over the classes first).",
        """
        def cross_entropy_loss(probs, labels):
            probs = np.asarray(probs, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            y = np.eye(probs.shape[1])[labels]
            logp = np.maximum(np.log(np.maximum(probs, np.finfo(np.float64).tiny)), -100.0)
            return float(np.mean(-y * logp))
        """,
    ),
    mistake(
        "cross_entropy_grad_no_mean",
        "cross_entropy_grad",
        "cross_entropy_grad forgets the 1/N of the mean reduction.",
        """
        def cross_entropy_grad(probs, labels):
            probs = np.asarray(probs, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            rows = np.arange(probs.shape[0])
            grad = np.zeros_like(probs)
            grad[rows, labels] = -1.0 / np.maximum(probs[rows, labels], 1e-12)
            return grad
        """,
    ),
    mistake(
        "cross_entropy_grad_int_dtype",
        "cross_entropy_grad",
        "cross_entropy_grad builds its result with np.zeros_like(probs) without converting "
        "probs to float64 first: for integer probs the gradient is an integer array and "
        "-1 / (N p) is cut to an integer.",
        """
        def cross_entropy_grad(probs, labels):
            probs = np.asarray(probs)
            labels = np.asarray(labels, dtype=np.intp)
            n = probs.shape[0]
            rows = np.arange(n)
            grad = np.zeros_like(probs)
            grad[rows, labels] = -1.0 / (n * np.maximum(probs[rows, labels], 1e-12))
            return grad
        """,
    ),
    mistake(
        "cross_entropy_grad_logit_gradient",
        "cross_entropy_grad",
        "cross_entropy_grad returns (probs - one_hot) / N, the gradient with respect to "
        "the LOGITS; with respect to probs it is -1 / (N p) at the label, 0 elsewhere.",
        """
        def cross_entropy_grad(probs, labels):
            probs = np.asarray(probs, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            return (probs - np.eye(probs.shape[1])[labels]) / probs.shape[0]
        """,
    ),
    mistake(
        "cross_entropy_grad_column_index",
        "cross_entropy_grad",
        "cross_entropy_grad writes grad[:, labels] (whole columns) instead of "
        "grad[np.arange(N), labels] (one entry per row).",
        """
        def cross_entropy_grad(probs, labels):
            probs = np.asarray(probs, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            n = probs.shape[0]
            grad = np.zeros_like(probs)
            grad[:, labels] = -1.0 / (n * np.maximum(probs[np.arange(n), labels], 1e-12))
            return grad
        """,
    ),
    # --- softmax + cross entropy ---------------------------------------------------------
    mistake(
        "softmax_cross_entropy_loss_no_shift",
        "softmax_cross_entropy_loss",
        "softmax_cross_entropy_loss exponentiates the raw logits (no max shift / "
        "logsumexp), so large logits overflow to inf and the loss is nan.",
        """
        def softmax_cross_entropy_loss(logits, labels):
            z = np.asarray(logits, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
            return float(np.mean(-np.log(p[np.arange(z.shape[0]), labels])))
        """,
        NET,
        _WHY_NET,
    ),
    mistake(
        "softmax_cross_entropy_loss_log_of_softmax",
        "softmax_cross_entropy_loss",
        "softmax_cross_entropy_loss takes log(softmax(z)): a probability that underflows "
        "to 0 gives log(0) = -inf. Use logsumexp(z) - z[label] instead.",
        """
        def softmax_cross_entropy_loss(logits, labels):
            z = np.asarray(logits, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            p = softmax(z, axis=1)
            return float(np.mean(-np.log(p[np.arange(z.shape[0]), labels])))
        """,
        NET,
        _WHY_NET,
    ),
    mistake(
        "softmax_cross_entropy_loss_sum",
        "softmax_cross_entropy_loss",
        "softmax_cross_entropy_loss sums over the batch instead of averaging (divide by N).",
        """
        def softmax_cross_entropy_loss(logits, labels):
            z = np.asarray(logits, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            shifted = z - np.max(z, axis=1, keepdims=True)
            log_sum = np.log(np.sum(np.exp(shifted), axis=1))
            return float(np.sum(log_sum - shifted[np.arange(z.shape[0]), labels]))
        """,
        NET,
        _WHY_NET,
    ),
    mistake(
        "softmax_cross_entropy_grad_no_mean",
        "softmax_cross_entropy_grad",
        "softmax_cross_entropy_grad forgets the 1/N of the mean reduction: "
        "(softmax(z) - one_hot) / N.",
        """
        def softmax_cross_entropy_grad(logits, labels):
            z = np.asarray(logits, dtype=np.float64)
            return softmax(z, axis=1) - one_hot(labels, z.shape[1])
        """,
        NET,
        _WHY_NET,
    ),
    mistake(
        "softmax_cross_entropy_grad_column_index",
        "softmax_cross_entropy_grad",
        "softmax_cross_entropy_grad subtracts 1 at probs[:, labels] (whole columns) "
        "instead of probs[np.arange(N), labels] (one entry per row).",
        """
        def softmax_cross_entropy_grad(logits, labels):
            z = np.asarray(logits, dtype=np.float64)
            labels = np.asarray(labels, dtype=np.intp)
            s = softmax(z, axis=1)
            s[:, labels] -= 1.0
            return s / z.shape[0]
        """,
        NET,
        _WHY_NET,
    ),
    mistake(
        "softmax_cross_entropy_grad_softmax_axis0",
        "softmax_cross_entropy_grad",
        "softmax_cross_entropy_grad takes the softmax over axis 0 (across the batch) "
        "instead of over the classes of each row.",
        """
        def softmax_cross_entropy_grad(logits, labels):
            z = np.asarray(logits, dtype=np.float64)
            n, c = z.shape
            return (softmax(z, axis=0) - one_hot(labels, c)) / n
        """,
        NET,
        _WHY_NET,
    ),
    # --- one_hot ---------------------------------------------------------------------------
    mistake(
        "one_hot_int_dtype",
        "one_hot",
        "one_hot returns an integer array; it must be float64.",
        """
        def one_hot(labels, num_classes):
            labels = np.asarray(labels, dtype=np.intp)
            return np.eye(num_classes, dtype=np.int64)[labels]
        """,
        ONE_HOT_CALLERS,
        _WHY_ONE_HOT,
        diagnosable=False,
    ),
    mistake(
        "one_hot_transposed",
        "one_hot",
        "one_hot returns a (num_classes, N) array (one column per example); it must be "
        "(N, num_classes), one row per example.",
        """
        def one_hot(labels, num_classes):
            labels = np.asarray(labels, dtype=np.intp)
            return np.eye(num_classes, dtype=np.float64)[:, labels]
        """,
        ONE_HOT_CALLERS,
        _WHY_ONE_HOT,
    ),
    mistake(
        "one_hot_classes_from_labels",
        "one_hot",
        "one_hot takes the number of columns from labels.max() + 1 instead of "
        "num_classes: a batch that lacks the last class gets too few columns.",
        """
        def one_hot(labels, num_classes):
            labels = np.asarray(labels, dtype=np.intp)
            return np.eye(int(labels.max()) + 1, dtype=np.float64)[labels]
        """,
        ONE_HOT_CALLERS,
        _WHY_ONE_HOT,
    ),
]
