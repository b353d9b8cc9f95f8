"""Correct variant: log-domain formulations (logsumexp, logaddexp, log1p, tanh sigmoid)."""

import numpy as np


def _logsumexp(z, axis):
    m = np.max(z, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        shifted = z - m
    return m + np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)), m


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        shifted = z - m
    log_norm = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return np.exp(shifted - log_norm)


def softmax_backward(z, upstream, axis=-1):
    s = softmax(z, axis)
    g = np.asarray(upstream, dtype=np.float64)
    return s * g - s * np.sum(s * g, axis=axis, keepdims=True)


def mae_loss(y_pred, y):
    return float(np.abs(np.asarray(y_pred, dtype=np.float64) - np.asarray(y)).mean())


def mae_grad(y_pred, y):
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return np.sign(d) * (1.0 / d.size)


def mse_loss(y_pred, y):
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(np.square(d).mean())


def mse_grad(y_pred, y):
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return (d + d) / d.size


def _clamped_log1p_neg(p):
    """max(log(1 - p), -100) via log1p, without warnings at p = 1."""
    ok = p < 1.0
    return np.where(ok, np.maximum(np.log1p(-np.where(ok, p, 0.0)), -100.0), -100.0)


def _clamped_log(p):
    ok = p > 0.0
    return np.where(ok, np.maximum(np.log(np.where(ok, p, 1.0)), -100.0), -100.0)


def bce_loss(p, y):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * _clamped_log(p) + (1.0 - y) * _clamped_log1p_neg(p)))


def bce_grad(p, y):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (p - y) / np.fmax(p - p * p, 1e-12) / y.size


def cross_entropy_loss(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    idx = np.asarray(labels).astype(np.intp)[:, None]
    picked = np.take_along_axis(probs, idx, axis=1)[:, 0]
    return float(-np.mean(_clamped_log(picked)))


def cross_entropy_grad(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    idx = np.asarray(labels).astype(np.intp)[:, None]
    picked = np.take_along_axis(probs, idx, axis=1)
    grad = np.zeros_like(probs)
    np.put_along_axis(grad, idx, -1.0 / (probs.shape[0] * np.maximum(picked, 1e-12)), axis=1)
    return grad


def softmax_cross_entropy_loss(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    idx = np.asarray(labels).astype(np.intp)[:, None]
    m = z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        shifted = z - m
    lse = np.logaddexp.reduce(shifted, axis=1)
    return float(np.mean(lse - np.take_along_axis(shifted, idx, axis=1)[:, 0]))


def softmax_cross_entropy_grad(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    n, c = z.shape
    m = z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        shifted = z - m
    log_probs = shifted - np.logaddexp.reduce(shifted, axis=1, keepdims=True)
    return (np.exp(log_probs) - one_hot(labels, c)) / n


def one_hot(labels, num_classes):
    labels = np.asarray(labels).astype(np.intp)
    out = np.zeros((labels.shape[0], num_classes))
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_backward(x, upstream):
    x = np.asarray(x, dtype=np.float64)
    # s (1 - s) = 1 / (4 cosh(x/2)^2) = 0.25 * (1 - tanh(x/2)^2)
    t = np.tanh(0.5 * x)
    return np.asarray(upstream, dtype=np.float64) * 0.25 * (1.0 - t) * (1.0 + t)


def relu(x):
    x = np.asarray(x, dtype=np.float64)
    return x * (x > 0)


def relu_backward(x, upstream):
    return np.asarray(upstream, dtype=np.float64) * np.heaviside(np.asarray(x, np.float64), 0.0)


def linear_forward(x, W, b):
    return np.dot(np.asarray(x, dtype=np.float64), np.asarray(W, dtype=np.float64)) + np.asarray(
        b, dtype=np.float64
    )


def linear_backward(x, W, upstream):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    return np.dot(g, W.T), np.dot(x.T, g), np.ones(g.shape[0]) @ g


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, 1.0, size=(n_in, n_hidden)) * scale
    W2 = rng.normal(0.0, 1.0, size=(n_hidden, n_out)) * scale
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def two_layer_net_forward(params, X):
    return linear_forward(
        relu(linear_forward(X, params["W1"], params["b1"])), params["W2"], params["b2"]
    )


def two_layer_net_loss(params, X, labels, reg=0.0):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    a = linear_forward(X, p["W1"], p["b1"])
    h = relu(a)
    z = linear_forward(h, p["W2"], p["b2"])
    data_loss = softmax_cross_entropy_loss(z, labels)
    reg_loss = reg * sum(float(np.vdot(p[k], p[k])) for k in ("W1", "W2"))
    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, p["W2"], dz)
    _, dW1, db1 = linear_backward(X, p["W1"], relu_backward(a, dh))
    grads = {"W1": dW1 + reg * 2.0 * p["W1"], "b1": db1, "W2": dW2 + reg * 2.0 * p["W2"], "b2": db2}
    return float(data_loss + reg_loss), grads


def predict(params, X):
    z = two_layer_net_forward(params, X)
    return np.argmax(softmax(z), axis=1)


def gd_step(param, grad, lr):
    return np.asarray(param, dtype=np.float64) + (-lr) * np.asarray(grad, dtype=np.float64)


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = np.asarray(grad, dtype=np.float64) + momentum * np.asarray(velocity, dtype=np.float64)
    return np.asarray(param, dtype=np.float64) - lr * v, v


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = np.asarray(grad, dtype=np.float64)
    s = np.asarray(sum_sq, dtype=np.float64) + g * g
    return np.asarray(param, dtype=np.float64) - (lr / (np.sqrt(s) + eps)) * g, s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    a0 = np.asarray(sq_avg, dtype=np.float64)
    a = a0 + (1.0 - alpha) * (g * g - a0)
    return np.asarray(param, dtype=np.float64) - (lr / (np.sqrt(a) + eps)) * g, a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    m0 = np.asarray(m, dtype=np.float64)
    v0 = np.asarray(v, dtype=np.float64)
    m = m0 + (1.0 - beta1) * (g - m0)
    v = v0 + (1.0 - beta2) * (g * g - v0)
    bc1 = -np.expm1(t * np.log(beta1))
    bc2 = -np.expm1(t * np.log(beta2))
    return np.asarray(param, dtype=np.float64) - lr * (m / bc1) / (np.sqrt(v / bc2) + eps), m, v


def steps_per_epoch(n_samples, batch_size):
    return (int(n_samples) + int(batch_size) - 1) // int(batch_size)


def minibatch_indices(n_samples, batch_size, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n_samples)
    return [
        perm[k * batch_size : (k + 1) * batch_size]
        for k in range(steps_per_epoch(n_samples, batch_size))
    ]


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).astype(np.intp)
    params = init_two_layer_net(X.shape[1], n_hidden, int(np.max(labels)) + 1, seed)
    n_state = {"gd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}[optimizer]
    state = {k: [np.zeros_like(p) for _ in range(n_state)] for k, p in params.items()}
    losses = []
    for epoch in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, seed + epoch):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            losses.append(loss)
            t = len(losses)
            for k in params:
                if optimizer == "gd":
                    params[k] = gd_step(params[k], grads[k], lr)
                    continue
                step = {
                    "momentum": momentum_step,
                    "adagrad": adagrad_step,
                    "rmsprop": rmsprop_step,
                }.get(optimizer)
                if step is not None:
                    params[k], state[k][0] = step(params[k], grads[k], state[k][0], lr)
                else:
                    params[k], state[k][0], state[k][1] = adam_step(
                        params[k], grads[k], state[k][0], state[k][1], t, lr
                    )
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    base = np.asarray(x, dtype=np.float64)
    grad = np.zeros(base.shape)
    it = np.nditer(base, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        up = base.copy()
        down = base.copy()
        up[i] = base[i] + h
        down[i] = base[i] - h
        grad[i] = (float(f(up)) - float(f(down))) / (2.0 * h)
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.amax(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))
