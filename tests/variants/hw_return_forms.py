"""Correct variant: every return value in another form the assignment accepts.

Lists instead of tuples, NumPy float64 scalars instead of Python floats, the losses of
train_two_layer_net as an array, a tuple of unsigned index arrays from minibatch_indices,
int32 labels from predict (SPEC: "a tuple or a list, a NumPy float for a float, an array
of losses"; integer arrays of any integer dtype). Every test must accept them.
"""
import numpy as np

# =============================================================================
# Part 1: softmax
# =============================================================================


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    # z - max is <= 0; it can only "overflow" to -inf (e.g. -1e308 - 1e308), and
    # exp(-inf) = 0 is then exactly the underflow we want.
    with np.errstate(over="ignore"):
        shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(z, upstream, axis=-1):
    s = softmax(z, axis=axis)
    g = np.asarray(upstream, dtype=np.float64)
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


# =============================================================================
# Part 2: losses and their gradients (mean reduction, PyTorch semantics)
# =============================================================================


def mae_loss(y_pred, y):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.mean(np.abs(y_pred - y))  # a NumPy float64


def mae_grad(y_pred, y):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.sign(y_pred - y) / y.size


def mse_loss(y_pred, y):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean((y_pred - y) ** 2))


def mse_grad(y_pred, y):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return 2.0 * (y_pred - y) / y.size


def bce_loss(p, y):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    # log(max(q, tiny)) equals log(q) for every q > 0 and is about -708 for q = 0,
    # so after the clamp it is exactly max(log q, -100), without log(0) warnings.
    tiny = np.finfo(np.float64).tiny
    log_p = np.maximum(np.log(np.maximum(p, tiny)), -100.0)
    log_1mp = np.maximum(np.log(np.maximum(1.0 - p, tiny)), -100.0)
    return float(np.mean(-(y * log_p + (1.0 - y) * log_1mp)))


def bce_grad(p, y):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (p - y) / np.maximum(p * (1.0 - p), 1e-12) / y.size


def cross_entropy_loss(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    picked = probs[np.arange(probs.shape[0]), labels]
    tiny = np.finfo(np.float64).tiny
    return float(np.mean(-np.maximum(np.log(np.maximum(picked, tiny)), -100.0)))


def cross_entropy_grad(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    n = probs.shape[0]
    rows = np.arange(n)
    grad = np.zeros_like(probs)
    grad[rows, labels] = -1.0 / (n * np.maximum(probs[rows, labels], 1e-12))
    return grad


def softmax_cross_entropy_loss(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    with np.errstate(over="ignore"):  # z - max <= 0; -inf is a harmless underflow
        shifted = z - np.max(z, axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1))  # sum >= 1: log is finite
    return float(np.mean(log_sum - shifted[np.arange(z.shape[0]), labels]))


def softmax_cross_entropy_grad(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    n, c = z.shape
    return (softmax(z, axis=1) - one_hot(labels, c)) / n


def one_hot(labels, num_classes):
    labels = np.asarray(labels, dtype=np.intp)
    return np.eye(num_classes, dtype=np.float64)[labels]


# =============================================================================
# Part 3: activations and the linear layer
# =============================================================================


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    return np.asarray(upstream, dtype=np.float64) * s * (1.0 - s)


def relu(x):
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_backward(x, upstream):
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(upstream, dtype=np.float64) * (x > 0)


def linear_forward(x, W, b):
    x = np.asarray(x, dtype=np.float64)
    return x @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)


def linear_backward(x, W, upstream):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    return [g @ W.T, x.T @ g, g.sum(axis=0)]  # a list of the three


# =============================================================================
# Part 4: a two-layer net and backprop
# params is a dict: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)
# =============================================================================


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    W1 = scale * rng.standard_normal((n_in, n_hidden))
    W2 = scale * rng.standard_normal((n_hidden, n_out))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def two_layer_net_forward(params, X):
    h = relu(linear_forward(X, params["W1"], params["b1"]))
    return linear_forward(h, params["W2"], params["b2"])


def two_layer_net_loss(params, X, labels, reg=0.0):
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
    return [np.float64(loss), grads]  # a list; the loss a NumPy float64


def predict(params, X):
    return np.argmax(two_layer_net_forward(params, X), axis=1).astype(np.int32)


# =============================================================================
# Part 5: optimizers
# Each step updates ONE parameter array and is pure: it returns the new
# parameter (and the new optimizer state) instead of modifying its inputs.
# The state starts at zeros; the update rules are those of torch.optim.
# =============================================================================


def gd_step(param, grad, lr):
    return np.asarray(param, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = momentum * np.asarray(velocity, dtype=np.float64) + np.asarray(grad, dtype=np.float64)
    return [np.asarray(param, dtype=np.float64) - lr * v, v]


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = np.asarray(grad, dtype=np.float64)
    s = np.asarray(sum_sq, dtype=np.float64) + g**2
    return np.asarray(param, dtype=np.float64) - lr * g / (np.sqrt(s) + eps), s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    a = alpha * np.asarray(sq_avg, dtype=np.float64) + (1.0 - alpha) * g**2
    return np.asarray(param, dtype=np.float64) - lr * g / (np.sqrt(a) + eps), a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
    v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return [np.asarray(param, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v]


# =============================================================================
# Part 6: mini-batches and training
# =============================================================================


def steps_per_epoch(n_samples, batch_size):
    return int(-(-int(n_samples) // int(batch_size)))


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    perm = perm.astype(np.uint32)  # unsigned indices, in a tuple
    return tuple(perm[i : i + batch_size] for i in range(0, n_samples, batch_size))


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
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
    return [params, np.array(losses)]  # the losses as an array


# =============================================================================
# Part 7: gradient checking
# =============================================================================


def numerical_gradient(f, x, h=1e-5):
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


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))  # np.float64
