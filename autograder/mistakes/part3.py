"""Part 3 mistakes: activations and the linear layer."""

from __future__ import annotations

from autograder.mistakes.model import mistake

FORWARD_CALLERS = ("two_layer_net_forward", "predict", "two_layer_net_loss", "train_two_layer_net")
_WHY_FORWARD = (
    "two_layer_net_forward and two_layer_net_loss call it; predict calls "
    "two_layer_net_forward and train_two_layer_net calls two_layer_net_loss"
)
BACKWARD_CALLERS = ("two_layer_net_loss", "train_two_layer_net")
_WHY_BACKWARD = "two_layer_net_loss calls it; train_two_layer_net calls two_layer_net_loss"

MISTAKES = [
    mistake(
        "sigmoid_overflowing_form",
        "sigmoid",
        "sigmoid computes 1 / (1 + exp(-x)) for every x: exp(-x) overflows (a warning) "
        "for x < -709. Use exp(x) / (1 + exp(x)) for negative x.",
        """
        def sigmoid(x):
            x = np.asarray(x, dtype=np.float64)
            return 1.0 / (1.0 + np.exp(-x))
        """,
        ("sigmoid_backward",),
        "sigmoid_backward calls sigmoid",
        diagnosable=False,
    ),
    mistake(
        "sigmoid_tanh_without_half",
        "sigmoid",
        "sigmoid uses 0.5 * (1 + tanh(x)); the identity is sigmoid(x) = 0.5 * (1 + tanh(x / 2)).",
        """
        def sigmoid(x):
            x = np.asarray(x, dtype=np.float64)
            return 0.5 * (1.0 + np.tanh(x))
        """,
        ("sigmoid_backward",),
        "sigmoid_backward calls sigmoid",
    ),
    mistake(
        "sigmoid_backward_treats_x_as_s",
        "sigmoid_backward",
        "sigmoid_backward computes upstream * x * (1 - x): x is the sigmoid's INPUT, "
        "compute s = sigmoid(x) first.",
        """
        def sigmoid_backward(x, upstream):
            x = np.asarray(x, dtype=np.float64)
            return np.asarray(upstream, dtype=np.float64) * x * (1.0 - x)
        """,
    ),
    mistake(
        "sigmoid_backward_ignores_upstream",
        "sigmoid_backward",
        "sigmoid_backward returns s * (1 - s) without multiplying by the upstream gradient.",
        """
        def sigmoid_backward(x, upstream):
            s = sigmoid(x)
            return s * (1.0 - s)
        """,
    ),
    mistake(
        "relu_np_max",
        "relu",
        "relu uses np.max(x, 0), which is the MAXIMUM ALONG AXIS 0, not the elementwise "
        "maximum; use np.maximum(x, 0).",
        """
        def relu(x):
            return np.max(np.asarray(x, dtype=np.float64), 0)
        """,
        FORWARD_CALLERS,
        _WHY_FORWARD.replace("call it", "call relu"),
    ),
    mistake(
        "relu_abs",
        "relu",
        "relu returns |x| (or x * sign(x)) instead of max(x, 0): negative inputs must become 0.",
        """
        def relu(x):
            return np.abs(np.asarray(x, dtype=np.float64))
        """,
        FORWARD_CALLERS,
        _WHY_FORWARD.replace("call it", "call relu"),
    ),
    mistake(
        "relu_backward_mask_from_upstream",
        "relu_backward",
        "relu_backward masks with (upstream > 0); the mask must come from the ReLU's "
        "input: upstream * (x > 0).",
        """
        def relu_backward(x, upstream):
            g = np.asarray(upstream, dtype=np.float64)
            return g * (g > 0)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
    mistake(
        "relu_backward_times_output",
        "relu_backward",
        "relu_backward multiplies upstream by relu(x) (the output) instead of by the "
        "derivative (x > 0), which is 0 or 1.",
        """
        def relu_backward(x, upstream):
            x = np.asarray(x, dtype=np.float64)
            return np.asarray(upstream, dtype=np.float64) * np.maximum(x, 0.0)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
    mistake(
        "relu_backward_ge_zero",
        "relu_backward",
        "relu_backward uses (x >= 0): at x == 0 the derivative is 0 (PyTorch's "
        "convention), so use (x > 0).",
        """
        def relu_backward(x, upstream):
            x = np.asarray(x, dtype=np.float64)
            return np.asarray(upstream, dtype=np.float64) * (x >= 0)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
    mistake(
        "linear_forward_no_bias",
        "linear_forward",
        "linear_forward forgets the bias: out = x @ W + b.",
        """
        def linear_forward(x, W, b):
            return np.asarray(x, dtype=np.float64) @ np.asarray(W, dtype=np.float64)
        """,
        FORWARD_CALLERS,
        _WHY_FORWARD.replace("call it", "call linear_forward"),
    ),
    mistake(
        "linear_forward_transposed_W",
        "linear_forward",
        "linear_forward computes x @ W.T (PyTorch's storage order); here W is (D, M) "
        "and out = x @ W + b.",
        """
        def linear_forward(x, W, b):
            x = np.asarray(x, dtype=np.float64)
            return x @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        """,
        FORWARD_CALLERS,
        _WHY_FORWARD.replace("call it", "call linear_forward"),
    ),
    mistake(
        "linear_backward_dW_transposed",
        "linear_backward",
        "linear_backward returns dW = upstream.T @ x, which is (M, D); dW must have W's "
        "shape (D, M): x.T @ upstream.",
        """
        def linear_backward(x, W, upstream):
            x = np.asarray(x, dtype=np.float64)
            W = np.asarray(W, dtype=np.float64)
            g = np.asarray(upstream, dtype=np.float64)
            return g @ W.T, g.T @ x, g.sum(axis=0)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
    mistake(
        "linear_backward_dx_no_transpose",
        "linear_backward",
        "linear_backward computes dx = upstream @ W; it must be upstream @ W.T to get "
        "x's shape (N, D).",
        """
        def linear_backward(x, W, upstream):
            x = np.asarray(x, dtype=np.float64)
            W = np.asarray(W, dtype=np.float64)
            g = np.asarray(upstream, dtype=np.float64)
            return g @ W, x.T @ g, g.sum(axis=0)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
    mistake(
        "linear_backward_db_axis1",
        "linear_backward",
        "linear_backward sums upstream over axis 1 for db; the bias is shared by the N "
        "examples, so sum over axis 0 (the batch).",
        """
        def linear_backward(x, W, upstream):
            x = np.asarray(x, dtype=np.float64)
            W = np.asarray(W, dtype=np.float64)
            g = np.asarray(upstream, dtype=np.float64)
            return g @ W.T, x.T @ g, g.sum(axis=1)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
    mistake(
        "linear_backward_db_mean",
        "linear_backward",
        "linear_backward averages upstream over the batch for db; db = upstream.sum(0) "
        "(the 1/N is already inside upstream).",
        """
        def linear_backward(x, W, upstream):
            x = np.asarray(x, dtype=np.float64)
            W = np.asarray(W, dtype=np.float64)
            g = np.asarray(upstream, dtype=np.float64)
            return g @ W.T, x.T @ g, g.mean(axis=0)
        """,
        BACKWARD_CALLERS,
        _WHY_BACKWARD,
    ),
]
