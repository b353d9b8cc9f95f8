"""Part 1 mistakes: softmax and its backward pass."""

from __future__ import annotations

from autograder.mistakes.model import mistake

# Functions whose reference implementation calls softmax (directly or through a callee).
SOFTMAX_CALLERS = (
    "softmax_backward",
    "softmax_cross_entropy_grad",
    "two_layer_net_loss",
    "train_two_layer_net",
)
_WHY = (
    "softmax_backward and softmax_cross_entropy_grad call softmax; two_layer_net_loss "
    "calls softmax_cross_entropy_grad and train_two_layer_net calls two_layer_net_loss"
)

MISTAKES = [
    mistake(
        "softmax_no_max_shift",
        "softmax",
        "softmax computes exp(z) without subtracting the maximum first, so exp overflows "
        "to inf for large logits and the result is nan.",
        """
        def softmax(z, axis=-1):
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(z)
            return e / np.sum(e, axis=axis, keepdims=True)
        """,
        SOFTMAX_CALLERS,
        _WHY,
    ),
    mistake(
        "softmax_axis0",
        "softmax",
        "softmax normalises over axis 0 (the columns) instead of the given axis: each "
        "row of an (N, C) array must sum to 1.",
        """
        def softmax(z, axis=-1):
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(z - np.max(z, axis=0, keepdims=True))
            return e / np.sum(e, axis=0, keepdims=True)
        """,
        SOFTMAX_CALLERS,
        _WHY,
    ),
    mistake(
        "softmax_global_max",
        "softmax",
        "softmax subtracts the maximum of the WHOLE array instead of each row's maximum: "
        "a row whose values are all much smaller underflows to 0/0 = nan.",
        """
        def softmax(z, axis=-1):
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(z - np.max(z))
            return e / np.sum(e, axis=axis, keepdims=True)
        """,
        SOFTMAX_CALLERS,
        _WHY,
    ),
    mistake(
        "softmax_no_keepdims",
        "softmax",
        "softmax reduces without keepdims=True, so the (N,) maxima/sums broadcast against "
        "the wrong axis of the (N, C) array.",
        """
        def softmax(z, axis=-1):
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(z - np.max(z, axis=axis))
            return e / np.sum(e, axis=axis)
        """,
        SOFTMAX_CALLERS,
        _WHY,
    ),
    mistake(
        "softmax_inplace_shift",
        "softmax",
        "softmax subtracts the maximum IN PLACE (z -= z.max(...)), which modifies the "
        "caller's array: work on a copy.",
        """
        def softmax(z, axis=-1):
            z = np.asarray(z, dtype=np.float64)
            z -= np.max(z, axis=axis, keepdims=True)
            e = np.exp(z)
            return e / np.sum(e, axis=axis, keepdims=True)
        """,
        SOFTMAX_CALLERS,
        _WHY + "; they also pass their own float64 arrays, which the in-place shift modifies",
        diagnosable=False,
    ),
    mistake(
        "softmax_backward_diagonal_only",
        "softmax_backward",
        "softmax_backward uses only the diagonal of the Jacobian, upstream * s * (1 - s): "
        "every output s_i depends on every z_j, so subtract sum(upstream * s) as well.",
        """
        def softmax_backward(z, upstream, axis=-1):
            s = softmax(z, axis=axis)
            return np.asarray(upstream, dtype=np.float64) * s * (1.0 - s)
        """,
    ),
    mistake(
        "softmax_backward_sum_everything",
        "softmax_backward",
        "softmax_backward sums upstream * s over the whole array instead of along the "
        "softmax axis (keepdims=True), mixing the rows of a batch.",
        """
        def softmax_backward(z, upstream, axis=-1):
            s = softmax(z, axis=axis)
            g = np.asarray(upstream, dtype=np.float64)
            return s * (g - np.sum(g * s))
        """,
    ),
    mistake(
        "softmax_backward_missing_s_factor",
        "softmax_backward",
        "softmax_backward forgets the leading factor s: dL/dz_j = s_j * (g_j - sum_i g_i s_i).",
        """
        def softmax_backward(z, upstream, axis=-1):
            s = softmax(z, axis=axis)
            g = np.asarray(upstream, dtype=np.float64)
            return g - np.sum(g * s, axis=axis, keepdims=True)
        """,
    ),
]
