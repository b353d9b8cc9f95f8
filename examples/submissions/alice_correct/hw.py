# BEGIN INSTRUCTOR ONLY
# REFERENCE SOLUTIONS -- instructor copy, do not distribute.
#
# This file is the one source of truth of the homework. `autograder stubs`
# (autograder/release/stubgen.py) generates the student handout student/hw.py from it:
# every block between "# BEGIN SOLUTION" and "# END SOLUTION" becomes
# `raise NotImplementedError`, and this comment block disappears. Edit the
# docstrings here, never in student/hw.py.
# END INSTRUCTOR ONLY
"""Music & AI -- Deep Learning Fundamentals II: the NumPy homework.

In this homework you build, from scratch and in NumPy only, everything the lecture
needs to train a small neural network that tells a sine from a square, a sawtooth
and a triangle wave: softmax, loss functions and their gradients, activations, a
linear layer, a two-layer network with backpropagation, the optimizers (gradient
descent, momentum, Adagrad, RMSprop, Adam), mini-batch training and gradient
checking.

How to work
-----------
* Replace every ``raise NotImplementedError`` by your implementation. Do not
  rename functions or change their signatures: the autograder calls them by name.
* Only NumPy. Vectorise where you can (loops are allowed but slow).
* Run the public tests with ``cd student && pytest`` (or ``pytest -k softmax``
  for one function). The hidden tests check the same properties on more inputs.
* Later functions may call earlier ones (``two_layer_net_loss`` can use your
  ``softmax_cross_entropy_loss``, ``linear_backward``, ...).

Conventions (every function)
----------------------------
* Inputs are NumPy arrays. Integer arrays are accepted and treated as float64:
  start with ``x = np.asarray(x, dtype=np.float64)``.
* Outputs are float64 arrays; losses return a Python ``float`` (a NumPy float64 is
  one); functions that return several values return a tuple (a list is accepted too).
* Never modify an input array in place (work on a copy if you need to).
* Losses use the MEAN reduction, as PyTorch does by default: the gradient of a
  mean over ``n`` elements carries a factor ``1 / n``.
* "Stable" means: finite and free of overflow, divide-by-zero and invalid-value
  warnings for ANY finite input (underflow to 0 is fine). Test yourself with
  ``with np.errstate(all="raise", under="ignore"): ...``.

Shapes
------
* ``N`` -- batch size (number of examples),
* ``C`` -- number of classes,
* ``D`` -- number of input features,
* ``H`` -- number of hidden units,
* ``M`` -- number of outputs of a linear layer.
"""

import numpy as np

# =============================================================================
# Part 1: softmax
# =============================================================================


def softmax(z, axis=-1):
    """Softmax: turn a vector of scores (logits) into a probability distribution.

    For a vector z of logits, with m = max_k z_k::

        s_j = exp(z_j - m) / sum_k exp(z_k - m)

    Subtracting the maximum does not change the result (it cancels between the
    numerator and the denominator) but keeps every exponent <= 0, so ``exp``
    never overflows: softmax([1000, 0]) must be [1, 0], not nan.

    Args:
        z: array of any shape (e.g. (N, C) logits), any finite values.
        axis: the axis along which the entries form one distribution
            (default: the last one, i.e. each row of an (N, C) array).

    Returns:
        s: float64 array, same shape as z; entries in [0, 1] that sum to 1 along
        ``axis``. Must be stable (finite, no warnings) for every finite input.
    """
    # BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    # z - max is <= 0; it can only "overflow" to -inf (e.g. -1e308 - 1e308), and
    # exp(-inf) = 0 is then exactly the underflow we want.
    with np.errstate(over="ignore"):
        shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    # END SOLUTION


def softmax_backward(z, upstream, axis=-1):
    """Backward pass of softmax: dL/dz from dL/ds.

    With s = softmax(z) and g = dL/ds (the upstream gradient), the chain rule
    through the softmax Jacobian ds_i/dz_j = s_i (delta_ij - s_j) gives::

        dL/dz_j = s_j * (g_j - sum_i g_i s_i)

    This is the Jacobian-vector product without building the (C, C) Jacobian:
    backprop never needs full Jacobians, only their products with the upstream
    gradient, which is what makes it cheap.

    Args:
        z: logits, any shape (e.g. (N, C)).
        upstream: dL/ds, same shape as z.
        axis: the softmax axis, as in ``softmax``.

    Returns:
        dz: float64 array, same shape as z: dL/dz.
    """
    # BEGIN SOLUTION
    s = softmax(z, axis=axis)
    g = np.asarray(upstream, dtype=np.float64)
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))
    # END SOLUTION


# =============================================================================
# Part 2: losses and their gradients (mean reduction, PyTorch semantics)
# =============================================================================


def mae_loss(y_pred, y):
    """Mean absolute error (L1 loss), like ``torch.nn.functional.l1_loss``.

    L = (1/n) sum_i |y_pred_i - y_i|   over all n = y.size elements.

    The L1 loss grows only linearly with the error, so it is less dominated by
    outliers than the MSE.

    Args:
        y_pred: predictions, any shape.
        y: targets, same shape as y_pred.

    Returns:
        loss: Python float.
    """
    # BEGIN SOLUTION
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean(np.abs(y_pred - y)))
    # END SOLUTION


def mae_grad(y_pred, y):
    """Gradient of ``mae_loss`` with respect to y_pred.

    dL/dy_pred_i = sign(y_pred_i - y_i) / n,   n = y.size,   sign(0) = 0

    (|x| has no derivative at 0; like PyTorch we use the subgradient 0 there.)
    The 1/n comes from the mean reduction. Every element gets a push of the same
    size 1/n whatever the size of its error, which is why L1 is robust to
    outliers (and why it does not slow down near the optimum).

    Args:
        y_pred: predictions, any shape.
        y: targets, same shape as y_pred.

    Returns:
        grad: float64 array, same shape as y_pred.
    """
    # BEGIN SOLUTION
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y_pred - y) / y.size
    # END SOLUTION


def mse_loss(y_pred, y):
    """Mean squared error (L2 loss), like ``torch.nn.functional.mse_loss``.

    L = (1/n) sum_i (y_pred_i - y_i)^2   over all n = y.size elements.

    Squaring punishes large errors much more than small ones; minimising the MSE
    is maximum likelihood under Gaussian noise.

    Args:
        y_pred: predictions, any shape.
        y: targets, same shape as y_pred.

    Returns:
        loss: Python float.
    """
    # BEGIN SOLUTION
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean((y_pred - y) ** 2))
    # END SOLUTION


def mse_grad(y_pred, y):
    """Gradient of ``mse_loss`` with respect to y_pred.

    dL/dy_pred_i = 2 (y_pred_i - y_i) / n,   n = y.size

    The push is proportional to the error: large errors are corrected fast, and
    the steps shrink by themselves near the optimum. Do not forget the 2 (from
    the square) or the 1/n (from the mean).

    Args:
        y_pred: predictions, any shape.
        y: targets, same shape as y_pred.

    Returns:
        grad: float64 array, same shape as y_pred.
    """
    # BEGIN SOLUTION
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return 2.0 * (y_pred - y) / y.size
    # END SOLUTION


def bce_loss(p, y):
    """Binary cross entropy on probabilities, like ``torch.nn.functional.binary_cross_entropy``.

    L = (1/n) sum_i -( y_i * max(log p_i, -100) + (1 - y_i) * max(log(1 - p_i), -100) )

    Each log is clamped at -100 (PyTorch's convention), so a confident wrong
    prediction (p = 0 while y = 1) costs 100 instead of infinity, and p = 0 or
    p = 1 must not produce a divide-by-zero warning or nan.

    Args:
        p: predicted probabilities in [0, 1], any shape.
        y: targets in [0, 1] (usually 0 or 1), same shape as p.

    Returns:
        loss: Python float.
    """
    # BEGIN SOLUTION
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    # log(max(q, tiny)) equals log(q) for every q > 0 and is about -708 for q = 0,
    # so after the clamp it is exactly max(log q, -100), without log(0) warnings.
    tiny = np.finfo(np.float64).tiny
    log_p = np.maximum(np.log(np.maximum(p, tiny)), -100.0)
    log_1mp = np.maximum(np.log(np.maximum(1.0 - p, tiny)), -100.0)
    return float(np.mean(-(y * log_p + (1.0 - y) * log_1mp)))
    # END SOLUTION


def bce_grad(p, y):
    """Gradient of ``bce_loss`` with respect to p.

    dL/dp_i = (p_i - y_i) / max(p_i (1 - p_i), 1e-12) / n,   n = y.size

    (-y/p + (1-y)/(1-p) simplifies to (p - y) / (p (1 - p)).) The denominator is
    clamped at 1e-12, as in PyTorch, so p = 0 or p = 1 give a large but finite
    gradient instead of a division by zero.

    Args:
        p: predicted probabilities in [0, 1], any shape.
        y: targets in [0, 1], same shape as p.

    Returns:
        grad: float64 array, same shape as p.
    """
    # BEGIN SOLUTION
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (p - y) / np.maximum(p * (1.0 - p), 1e-12) / y.size
    # END SOLUTION


def cross_entropy_loss(probs, labels):
    """Cross entropy of predicted distributions against integer labels.

    L = (1/N) sum_i -max(log probs[i, labels[i]], -100)

    Only the probability given to the correct class counts. This is
    ``nll_loss(log(probs), labels)`` in PyTorch, with the log clamped at -100
    (as in ``bce_loss``) so that a probability of exactly 0 costs 100 and does
    not warn.

    Args:
        probs: (N, C) array; each row is a probability distribution.
        labels: (N,) integer array, labels[i] in {0, ..., C-1}.

    Returns:
        loss: Python float.
    """
    # BEGIN SOLUTION
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    picked = probs[np.arange(probs.shape[0]), labels]
    tiny = np.finfo(np.float64).tiny
    return float(np.mean(-np.maximum(np.log(np.maximum(picked, tiny)), -100.0)))
    # END SOLUTION


def cross_entropy_grad(probs, labels):
    """Gradient of ``cross_entropy_loss`` with respect to probs.

    dL/dprobs[i, j] = -1 / (N * max(probs[i, labels[i]], 1e-12))   if j == labels[i]
                    = 0                                            otherwise

    The probability is clamped at 1e-12 so a zero probability gives a large but
    finite gradient.

    Args:
        probs: (N, C) array of row distributions.
        labels: (N,) integer array.

    Returns:
        grad: (N, C) float64 array.
    """
    # BEGIN SOLUTION
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    n = probs.shape[0]
    rows = np.arange(n)
    grad = np.zeros_like(probs)
    grad[rows, labels] = -1.0 / (n * np.maximum(probs[rows, labels], 1e-12))
    return grad
    # END SOLUTION


def softmax_cross_entropy_loss(logits, labels):
    """Softmax followed by cross entropy, fused: ``torch.nn.functional.cross_entropy``.

    L = (1/N) sum_i ( logsumexp(z_i) - z_i[labels[i]] ),
    logsumexp(z_i) = m_i + log sum_k exp(z_ik - m_i),   m_i = max_k z_ik

    This equals cross_entropy_loss(softmax(z), labels) but is computed from the
    logits directly: with the max subtracted nothing overflows, and log is never
    taken of a probability that underflowed to 0, so it is stable for any finite
    logits (e.g. [1e4, -1e4]) where the two-step version would break.

    Args:
        logits: (N, C) array of scores z.
        labels: (N,) integer array.

    Returns:
        loss: Python float.
    """
    # BEGIN SOLUTION
    z = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    with np.errstate(over="ignore"):  # z - max <= 0; -inf is a harmless underflow
        shifted = z - np.max(z, axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1))  # sum >= 1: log is finite
    return float(np.mean(log_sum - shifted[np.arange(z.shape[0]), labels]))
    # END SOLUTION


def softmax_cross_entropy_grad(logits, labels):
    """Gradient of ``softmax_cross_entropy_loss`` with respect to the logits.

    dL/dz = (softmax(z) - one_hot(labels, C)) / N

    The beautifully simple "prediction minus target" is why softmax and cross
    entropy are always paired: no division by a probability, hence stable.

    Args:
        logits: (N, C) array.
        labels: (N,) integer array.

    Returns:
        grad: (N, C) float64 array.
    """
    # BEGIN SOLUTION
    z = np.asarray(logits, dtype=np.float64)
    n, c = z.shape
    return (softmax(z, axis=1) - one_hot(labels, c)) / n
    # END SOLUTION


def one_hot(labels, num_classes):
    """One-hot encoding of integer labels.

    out[i, j] = 1 if labels[i] == j else 0

    The one-hot vector is the target distribution of cross entropy: all the
    probability mass on the correct class.

    Args:
        labels: (N,) integer array, values in {0, ..., num_classes-1}.
        num_classes: C, the number of columns.

    Returns:
        out: (N, num_classes) float64 array with exactly one 1 per row.
    """
    # BEGIN SOLUTION
    labels = np.asarray(labels, dtype=np.intp)
    return np.eye(num_classes, dtype=np.float64)[labels]
    # END SOLUTION


# =============================================================================
# Part 3: activations and the linear layer
# =============================================================================


def sigmoid(x):
    """Logistic sigmoid, elementwise: s = 1 / (1 + exp(-x)).

    Written literally, exp(-x) overflows for x = -1000. A stable version never
    exponentiates a positive number: for x >= 0 use 1 / (1 + exp(-x)); for
    x < 0 use exp(x) / (1 + exp(x)) (the same value, multiplied by exp(x)/exp(x)).

    Args:
        x: array of any shape, any finite values.

    Returns:
        s: float64 array, same shape, values in [0, 1]; stable for any finite x.
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # END SOLUTION


def sigmoid_backward(x, upstream):
    """Backward pass of the sigmoid: dL/dx from dL/ds.

    With s = sigmoid(x): ds/dx = s (1 - s), so  dL/dx = upstream * s * (1 - s).

    s (1 - s) is at most 0.25 (at x = 0) and nearly 0 for large |x|: a saturated
    sigmoid passes almost no gradient back, the "vanishing gradient" problem.
    Reuse your stable ``sigmoid`` so this is stable too.

    Args:
        x: the sigmoid's input, any shape.
        upstream: dL/ds, same shape as x.

    Returns:
        dx: float64 array, same shape as x.
    """
    # BEGIN SOLUTION
    s = sigmoid(x)
    return np.asarray(upstream, dtype=np.float64) * s * (1.0 - s)
    # END SOLUTION


def relu(x):
    """Rectified linear unit, elementwise: relu(x) = max(x, 0).

    Cheap, and it does not saturate for positive inputs (its slope stays 1),
    which is why deep networks train much faster with ReLU than with sigmoids.

    Args:
        x: array of any shape.

    Returns:
        out: float64 array, same shape.
    """
    # BEGIN SOLUTION
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    # END SOLUTION


def relu_backward(x, upstream):
    """Backward pass of ReLU: dL/dx = upstream * (x > 0).

    The gradient flows only where the unit was active; at x == 0 exactly we use
    the derivative 0 (PyTorch's convention).

    Args:
        x: the ReLU's input, any shape.
        upstream: dL/d relu(x), same shape as x.

    Returns:
        dx: float64 array, same shape as x.
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(upstream, dtype=np.float64) * (x > 0)
    # END SOLUTION


def linear_forward(x, W, b):
    """Fully connected (affine) layer: out = x W + b.

    Each output is a weighted sum of the inputs plus a bias. Note the
    orientation: rows of x are examples, so this is x @ W (PyTorch's
    ``F.linear`` stores the transpose, x @ W.T); b is broadcast to every row.

    Args:
        x: (N, D) inputs.
        W: (D, M) weights.
        b: (M,) biases (broadcast over the N rows).

    Returns:
        out: (N, M) float64 array.
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return x @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
    # END SOLUTION


def linear_backward(x, W, upstream):
    """Backward pass of the linear layer out = x W + b.

    With g = dL/dout (N, M)::

        dx = g W^T      (N, D)
        dW = x^T g      (D, M)
        db = sum_i g_i  (M,)    -- b was added to every row, so its gradients add up

    Each gradient has the shape of the thing it is the gradient of: a quick
    sanity check for every backward pass.

    Args:
        x: (N, D) inputs of the forward pass.
        W: (D, M) weights.
        upstream: (N, M) gradient dL/dout.

    Returns:
        (dx, dW, db): float64 arrays of shapes (N, D), (D, M), (M,).
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    return g @ W.T, x.T @ g, g.sum(axis=0)
    # END SOLUTION


# =============================================================================
# Part 4: a two-layer net and backprop
# params is a dict: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)
# =============================================================================


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    """Initialise the parameters of the two-layer net with small random weights.

    Exactly this random stream (it is graded)::

        rng = np.random.default_rng(seed)
        W1 = scale * rng.standard_normal((n_in, n_hidden))
        W2 = scale * rng.standard_normal((n_hidden, n_out))     # drawn after W1
        b1 = zeros(n_hidden), b2 = zeros(n_out)

    Random (not zero) weights break the symmetry between hidden units: with equal
    weights every hidden unit would get the same gradient and stay identical.

    Args:
        n_in: D, number of input features.
        n_hidden: H, number of hidden units.
        n_out: C, number of classes.
        seed: seed of the random generator.
        scale: standard deviation of the weights.

    Returns:
        params: dict with float64 arrays W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    """
    # BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    W1 = scale * rng.standard_normal((n_in, n_hidden))
    W2 = scale * rng.standard_normal((n_hidden, n_out))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
    # END SOLUTION


def two_layer_net_forward(params, X):
    """Forward pass of the two-layer net: logits = relu(X W1 + b1) W2 + b2.

    Linear layer (N, D) -> (N, H), ReLU, linear layer (N, H) -> (N, C). Without
    the ReLU in between, the two layers would collapse into a single linear
    map; the non-linearity is what lets the net learn curved decision
    boundaries. Reuse ``linear_forward`` and ``relu``.

    Args:
        params: dict W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        X: (N, D) inputs.

    Returns:
        logits: (N, C) float64 array (scores before the softmax).
    """
    # BEGIN SOLUTION
    h = relu(linear_forward(X, params["W1"], params["b1"]))
    return linear_forward(h, params["W2"], params["b2"])
    # END SOLUTION


def two_layer_net_loss(params, X, labels, reg=0.0):
    """Loss and gradients of the two-layer net: forward pass, then backprop.

    Forward::

        a = X W1 + b1        (N, H)   pre-activation
        h = relu(a)          (N, H)
        z = h W2 + b2        (N, C)   logits
        L = softmax_cross_entropy_loss(z, labels) + reg * (sum(W1**2) + sum(W2**2))

    Backward (chain rule, from the loss back to the parameters): dz from the
    fused softmax-cross-entropy gradient, then through the second linear layer,
    the ReLU and the first linear layer. The L2 penalty adds 2 * reg * W to the
    gradient of each weight matrix (not to the biases).

    Args:
        params: dict W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        X: (N, D) inputs.
        labels: (N,) integer labels in {0, ..., C-1}.
        reg: L2 regularisation strength (>= 0).

    Returns:
        (loss, grads): loss a Python float; grads a dict with the same keys and
        shapes as params (float64 arrays), grads[k] = dL/dparams[k].
    """
    # BEGIN SOLUTION
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    a = linear_forward(X, W1, b1)
    h = relu(a)
    z = linear_forward(h, W2, b2)
    W1 = np.asarray(W1, dtype=np.float64)
    W2 = np.asarray(W2, dtype=np.float64)
    loss = softmax_cross_entropy_loss(z, labels) + reg * (np.sum(W1**2) + np.sum(W2**2))

    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, W2, dz)
    da = relu_backward(a, dh)
    _, dW1, db1 = linear_backward(X, W1, da)
    grads = {"W1": dW1 + 2.0 * reg * W1, "b1": db1, "W2": dW2 + 2.0 * reg * W2, "b2": db2}
    return float(loss), grads
    # END SOLUTION


def predict(params, X):
    """Predicted class of every example: the argmax of the logits.

    (Softmax is monotonic, so the argmax of the logits is the argmax of the
    probabilities: no need to compute them.)

    Args:
        params: dict W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        X: (N, D) inputs.

    Returns:
        labels: (N,) integer array.
    """
    # BEGIN SOLUTION
    return np.argmax(two_layer_net_forward(params, X), axis=1)
    # END SOLUTION


# =============================================================================
# Part 5: optimizers
# Each step updates ONE parameter array and is pure: it returns the new
# parameter (and the new optimizer state) instead of modifying its inputs.
# The state starts at zeros; the update rules are those of torch.optim.
# =============================================================================


def gd_step(param, grad, lr):
    """One step of (stochastic) gradient descent: theta <- theta - lr * g.

    The negative gradient is the direction in which the loss decreases fastest;
    the learning rate lr trades speed (large steps) against stability (too
    large and the loss oscillates or diverges).

    Args:
        param: theta, any shape.
        grad: g = dL/dtheta, same shape.
        lr: learning rate (step size).

    Returns:
        new_param: float64 array, same shape as param.
    """
    # BEGIN SOLUTION
    return np.asarray(param, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)
    # END SOLUTION


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    """One step of gradient descent with momentum (``torch.optim.SGD``, dampening 0).

        v     <- momentum * v + g
        theta <- theta - lr * v

    The velocity v is a running (exponentially decaying) sum of past gradients:
    consistent directions accumulate speed, oscillating ones cancel out.

    Args:
        param: theta, any shape.
        grad: g, same shape.
        velocity: v from the previous step (zeros at the start), same shape.
        lr: learning rate.
        momentum: decay of the velocity (beta), in [0, 1).

    Returns:
        (new_param, new_velocity): float64 arrays, same shape as param.
    """
    # BEGIN SOLUTION
    v = momentum * np.asarray(velocity, dtype=np.float64) + np.asarray(grad, dtype=np.float64)
    return np.asarray(param, dtype=np.float64) - lr * v, v
    # END SOLUTION


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    """One step of Adagrad (``torch.optim.Adagrad``, no learning-rate decay).

        s     <- s + g^2
        theta <- theta - lr * g / (sqrt(s) + eps)

    Each parameter gets its own effective learning rate lr / sqrt(s): parameters
    with large past gradients take smaller steps. Since s only grows, the steps
    keep shrinking (which RMSprop fixes).

    Args:
        param: theta, any shape.
        grad: g, same shape.
        sum_sq: s, the sum of squared past gradients (zeros at the start).
        lr: learning rate.
        eps: added to the denominator to avoid dividing by 0.

    Returns:
        (new_param, new_sum_sq): float64 arrays, same shape as param.
    """
    # BEGIN SOLUTION
    g = np.asarray(grad, dtype=np.float64)
    s = np.asarray(sum_sq, dtype=np.float64) + g**2
    return np.asarray(param, dtype=np.float64) - lr * g / (np.sqrt(s) + eps), s
    # END SOLUTION


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """One step of RMSprop (``torch.optim.RMSprop``, no momentum, not centered).

        a     <- alpha * a + (1 - alpha) * g^2
        theta <- theta - lr * g / (sqrt(a) + eps)

    Like Adagrad, but a is an exponential moving AVERAGE of squared gradients,
    so old gradients are forgotten and the steps do not shrink to zero.

    Args:
        param: theta, any shape.
        grad: g, same shape.
        sq_avg: a, the running average of squared gradients (zeros at the start).
        lr: learning rate.
        alpha: decay of the running average.
        eps: added to the denominator to avoid dividing by 0.

    Returns:
        (new_param, new_sq_avg): float64 arrays, same shape as param.
    """
    # BEGIN SOLUTION
    g = np.asarray(grad, dtype=np.float64)
    a = alpha * np.asarray(sq_avg, dtype=np.float64) + (1.0 - alpha) * g**2
    return np.asarray(param, dtype=np.float64) - lr * g / (np.sqrt(a) + eps), a
    # END SOLUTION


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Adam (``torch.optim.Adam``): momentum + RMSprop + bias correction.

        m     <- beta1 * m + (1 - beta1) * g            (first moment: momentum)
        v     <- beta2 * v + (1 - beta2) * g^2          (second moment: RMSprop)
        m_hat  = m / (1 - beta1^t)
        v_hat  = v / (1 - beta2^t)
        theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)

    m and v start at zero, so early on they are biased towards 0; dividing by
    1 - beta^t removes that bias (t counts steps from 1, so at t = 1 the first
    step has size about lr whatever the scale of g).

    Args:
        param: theta, any shape.
        grad: g, same shape.
        m: first-moment estimate from the previous step (zeros at the start).
        v: second-moment estimate from the previous step (zeros at the start).
        t: the number of THIS step, t >= 1 (1 for the first update).
        lr, beta1, beta2, eps: hyper-parameters, PyTorch defaults.

    Returns:
        (new_param, new_m, new_v): float64 arrays, same shape as param.
    """
    # BEGIN SOLUTION
    g = np.asarray(grad, dtype=np.float64)
    m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
    v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return np.asarray(param, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    # END SOLUTION


# =============================================================================
# Part 6: mini-batches and training
# =============================================================================


def steps_per_epoch(n_samples, batch_size):
    """Number of optimizer steps (mini-batches) in one epoch: ceil(n_samples / batch_size).

    One epoch is one pass over all the data. batch_size = 1 is stochastic
    gradient descent (n_samples steps per epoch), batch_size = n_samples is
    batch gradient descent (1 step per epoch).

    Args:
        n_samples: number of training examples, >= 1.
        batch_size: examples per mini-batch, >= 1.

    Returns:
        steps: a Python int.
    """
    # BEGIN SOLUTION
    return int(-(-int(n_samples) // int(batch_size)))
    # END SOLUTION


def minibatch_indices(n_samples, batch_size, seed):
    """Shuffle the examples and cut them into mini-batches.

    Exactly this random stream (it is graded)::

        perm = np.random.default_rng(seed).permutation(n_samples)

    then consecutive slices perm[0:batch_size], perm[batch_size:2*batch_size],
    ...; the last batch may be shorter. Shuffling every epoch makes the
    mini-batch gradients unbiased, independent estimates of the full gradient.

    Args:
        n_samples: number of examples N, >= 1.
        batch_size: examples per batch, >= 1.
        seed: seed of the random generator.

    Returns:
        batches: list of steps_per_epoch(n_samples, batch_size) integer arrays;
        together they contain every index 0..N-1 exactly once.
    """
    # BEGIN SOLUTION
    perm = np.random.default_rng(seed).permutation(n_samples)
    return [perm[i : i + batch_size] for i in range(0, n_samples, batch_size)]
    # END SOLUTION


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    """Train the two-layer net with mini-batch gradient descent.

    The recipe (graded exactly)::

        N, D = X.shape;  C = labels.max() + 1
        params = init_two_layer_net(D, n_hidden, C, seed)
        for e in range(epochs):
            for idx in minibatch_indices(N, batch_size, seed + e):
                loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
                update EVERY parameter (W1, b1, W2, b2) with the chosen optimizer
                record loss

    The optimizer is one of "gd", "momentum", "adagrad", "rmsprop", "adam",
    called with this ``lr`` and its other hyper-parameters at their defaults.
    Each parameter has its own optimizer state (velocity, sums, moments), which
    starts at zeros; Adam's step number t counts optimizer steps from 1 across
    all epochs.

    Args:
        X: (N, D) training inputs.
        labels: (N,) integer labels.
        n_hidden: H, number of hidden units.
        optimizer: name of the optimizer (see above).
        lr: learning rate.
        epochs: number of passes over the data.
        batch_size: examples per mini-batch.
        reg: L2 regularisation strength.
        seed: seed of the initialisation and of the shuffling.

    Returns:
        (params, losses): the trained params (dict, as init_two_layer_net) and
        the list of the batch loss (float) of every step, in order
        (epochs * steps_per_epoch(N, batch_size) entries).
    """
    # BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    n, d = X.shape
    params = init_two_layer_net(d, n_hidden, int(labels.max()) + 1, seed)
    if optimizer not in ("gd", "momentum", "adagrad", "rmsprop", "adam"):
        raise ValueError(f"unknown optimizer {optimizer!r}")
    # per parameter: [velocity / sum of squares / running average / Adam's m, Adam's v]
    state = {k: [np.zeros_like(p), np.zeros_like(p)] for k, p in params.items()}

    losses, t = [], 0
    for epoch in range(epochs):
        for idx in minibatch_indices(n, batch_size, seed + epoch):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            t += 1  # Adam's step number, from 1
            for k, g in grads.items():
                s = state[k]
                if optimizer == "gd":
                    params[k] = gd_step(params[k], g, lr)
                elif optimizer == "momentum":
                    params[k], s[0] = momentum_step(params[k], g, s[0], lr)
                elif optimizer == "adagrad":
                    params[k], s[0] = adagrad_step(params[k], g, s[0], lr)
                elif optimizer == "rmsprop":
                    params[k], s[0] = rmsprop_step(params[k], g, s[0], lr)
                else:
                    params[k], s[0], s[1] = adam_step(params[k], g, s[0], s[1], t, lr)
            losses.append(loss)
    return params, losses
    # END SOLUTION


# =============================================================================
# Part 7: gradient checking
# =============================================================================


def numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function by central differences.

    For every entry i of x (e_i is the array with a 1 at position i)::

        grad_i = (f(x + h e_i) - f(x - h e_i)) / (2 h)

    Central differences have error O(h^2) (one-sided ones only O(h)). This is
    how we check backprop: compare it to the analytic gradient with
    ``relative_error``. It costs 2 evaluations of f per entry, so it is only
    for checking, never for training.

    Args:
        f: function mapping an array shaped like x to a float.
        x: float64 array of any shape (writeable). It must be unchanged afterwards
            (you may perturb an entry in place, evaluate, and restore it).
        h: step size.

    Returns:
        grad: float64 array, same shape as x.
    """
    # BEGIN SOLUTION
    xp = np.array(x, dtype=np.float64)  # a private copy: x itself is never touched
    grad = np.zeros_like(xp)
    for i in np.ndindex(xp.shape):
        old = xp[i]
        xp[i] = old + h
        f_plus = float(f(xp))
        xp[i] = old - h
        f_minus = float(f(xp))
        xp[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
    # END SOLUTION


def relative_error(a, b):
    """Largest relative error between two arrays (e.g. analytic vs numerical gradient).

        max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|)

    Relative, so the verdict does not depend on the scale of the gradient; the
    1e-8 floor avoids 0/0 where both are 0. Rule of thumb: < 1e-7 is right,
    > 1e-3 means a bug.

    Args:
        a, b: arrays of the same shape.

    Returns:
        err: Python float.
    """
    # BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
    # END SOLUTION
