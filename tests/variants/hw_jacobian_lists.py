"""Correct variant: full Jacobian softmax_backward, lists instead of tuples for multiple
returns, np.float64 scalars instead of Python floats, state kept in lists."""

import math

import numpy as np


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 0:
        return np.ones_like(z)
    moved = np.moveaxis(z, axis, -1)
    with np.errstate(over="ignore"):
        e = np.exp(moved - moved.max(axis=-1)[..., np.newaxis])
    return np.moveaxis(e / e.sum(axis=-1)[..., np.newaxis], -1, axis)


def softmax_backward(z, upstream, axis=-1):
    s = np.moveaxis(softmax(z, axis), axis, -1)
    g = np.moveaxis(np.asarray(upstream, dtype=np.float64), axis, -1)
    out = np.empty_like(s)
    for idx in np.ndindex(s.shape[:-1]):
        si = s[idx]
        jacobian = np.diag(si) - np.outer(si, si)  # ds_i/dz_j, symmetric
        out[idx] = jacobian.T @ g[idx]
    return np.moveaxis(out, -1, axis)


def mae_loss(y_pred, y):
    return np.float64(np.mean(np.abs(np.asarray(y_pred, np.float64) - np.asarray(y, np.float64))))


def mae_grad(y_pred, y):
    d = np.asarray(y_pred, np.float64) - np.asarray(y, np.float64)
    return np.select([d > 0, d < 0], [1.0, -1.0], 0.0) / np.size(y)


def mse_loss(y_pred, y):
    d = np.asarray(y_pred, np.float64) - np.asarray(y, np.float64)
    return np.float64(np.sum(d * d) / d.size)


def mse_grad(y_pred, y):
    return 2 * (np.asarray(y_pred, np.float64) - np.asarray(y, np.float64)) / np.size(y)


def bce_loss(p, y):
    p = np.asarray(p, np.float64)
    y = np.asarray(y, np.float64)
    with np.errstate(divide="ignore"):
        log_p = np.clip(np.log(p), -100.0, None)
        log_q = np.clip(np.log(1.0 - p), -100.0, None)
    return np.float64(-np.mean(y * log_p + (1 - y) * log_q))


def bce_grad(p, y):
    p = np.asarray(p, np.float64)
    y = np.asarray(y, np.float64)
    return (p - y) / np.maximum(p * (1 - p), 1e-12) / np.size(y)


def cross_entropy_loss(probs, labels):
    probs = np.asarray(probs, np.float64)
    labels = np.asarray(labels).astype(int)
    with np.errstate(divide="ignore"):
        logs = np.log(probs[range(len(labels)), labels])
    return np.float64(-np.mean(np.maximum(logs, -100.0)))


def cross_entropy_grad(probs, labels):
    probs = np.asarray(probs, np.float64)
    labels = np.asarray(labels).astype(int)
    n = len(labels)
    mask = one_hot(labels, probs.shape[1])
    return np.where(mask > 0, -1.0 / (n * np.maximum(probs, 1e-12)), 0.0)


def softmax_cross_entropy_loss(logits, labels):
    z = np.asarray(logits, np.float64)
    labels = np.asarray(labels).astype(int)
    total = np.float64(0.0)
    for row, label in zip(z, labels):
        m = row.max()
        with np.errstate(over="ignore"):
            shifted = row - m
        total += np.log(np.exp(shifted).sum()) - shifted[label]
    return total / len(labels)


def softmax_cross_entropy_grad(logits, labels):
    z = np.asarray(logits, np.float64)
    return (softmax(z, axis=-1) - one_hot(labels, z.shape[-1])) / len(z)


def one_hot(labels, num_classes):
    labels = np.asarray(labels).astype(int)
    return np.array(
        [[1.0 if j == k else 0.0 for j in range(num_classes)] for k in labels], dtype=np.float64
    ).reshape(len(labels), num_classes)


def sigmoid(x):
    x = np.asarray(x, np.float64)
    with np.errstate(over="ignore"):
        pos = 1.0 / (1.0 + np.exp(-np.maximum(x, 0.0)))
        ex = np.exp(np.minimum(x, 0.0))
        neg = ex / (1.0 + ex)
    return np.where(x >= 0, pos, neg)


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    return np.multiply(upstream, s * (1 - s), dtype=np.float64)


def relu(x):
    return np.clip(np.asarray(x, np.float64), 0.0, None)


def relu_backward(x, upstream):
    return np.asarray(upstream, np.float64) * np.greater(x, 0).astype(np.float64)


def linear_forward(x, W, b):
    x = np.asarray(x, np.float64)
    return np.matmul(x, np.asarray(W, np.float64)) + np.asarray(b, np.float64)[np.newaxis, :]


def linear_backward(x, W, upstream):
    x = np.asarray(x, np.float64)
    W = np.asarray(W, np.float64)
    g = np.asarray(upstream, np.float64)
    return [np.matmul(g, W.T), np.matmul(x.T, g), np.sum(g, axis=0)]


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    shapes = [(n_in, n_hidden), (n_hidden, n_out)]
    weights = [scale * rng.standard_normal(shape) for shape in shapes]
    return {"W1": weights[0], "b1": np.zeros(n_hidden), "W2": weights[1], "b2": np.zeros(n_out)}


def two_layer_net_forward(params, X):
    W1, b1, W2, b2 = [np.asarray(params[k], np.float64) for k in ["W1", "b1", "W2", "b2"]]
    return relu(np.asarray(X, np.float64) @ W1 + b1) @ W2 + b2


def two_layer_net_loss(params, X, labels, reg=0.0):
    W1, b1, W2, b2 = [np.asarray(params[k], np.float64) for k in ["W1", "b1", "W2", "b2"]]
    X = np.asarray(X, np.float64)
    a = X @ W1 + b1
    h = relu(a)
    z = h @ W2 + b2
    loss = softmax_cross_entropy_loss(z, labels) + reg * (np.sum(W1**2) + np.sum(W2**2))
    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, W2, dz)
    _, dW1, db1 = linear_backward(X, W1, relu_backward(a, dh))
    grads = dict(W1=dW1 + 2 * reg * W1, b1=db1, W2=dW2 + 2 * reg * W2, b2=db2)
    return [np.float64(loss), grads]


def predict(params, X):
    z = two_layer_net_forward(params, X)
    return np.array([int(np.argmax(row)) for row in z], dtype=np.int64).reshape(len(z))


def gd_step(param, grad, lr):
    return np.asarray(param, np.float64) - lr * np.asarray(grad, np.float64)


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = momentum * np.asarray(velocity, np.float64) + np.asarray(grad, np.float64)
    return [np.asarray(param, np.float64) - lr * v, v]


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = np.asarray(grad, np.float64)
    s = np.asarray(sum_sq, np.float64) + g**2
    return [np.asarray(param, np.float64) - lr * g / (np.sqrt(s) + eps), s]


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = np.asarray(grad, np.float64)
    a = alpha * np.asarray(sq_avg, np.float64) + (1 - alpha) * g**2
    return [np.asarray(param, np.float64) - lr * g / (np.sqrt(a) + eps), a]


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(grad, np.float64)
    m = beta1 * np.asarray(m, np.float64) + (1 - beta1) * g
    v = beta2 * np.asarray(v, np.float64) + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return [np.asarray(param, np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v]


def steps_per_epoch(n_samples, batch_size):
    return math.ceil(n_samples / batch_size)


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    return [perm[start : start + batch_size] for start in range(0, len(perm), batch_size)]


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    X = np.asarray(X, np.float64)
    labels = np.asarray(labels).astype(int)
    params = init_two_layer_net(X.shape[1], n_hidden, labels.max() + 1, seed=seed)
    names = ["W1", "b1", "W2", "b2"]
    state = [[np.zeros_like(params[k]), np.zeros_like(params[k])] for k in names]
    losses = []
    for epoch in range(epochs):
        for batch in minibatch_indices(len(X), batch_size, seed + epoch):
            loss, grads = two_layer_net_loss(params, X[batch], labels[batch], reg)
            losses.append(float(loss))
            for i, k in enumerate(names):
                st = state[i]
                if optimizer == "gd":
                    params[k] = gd_step(params[k], grads[k], lr)
                elif optimizer == "momentum":
                    params[k], st[0] = momentum_step(params[k], grads[k], st[0], lr)
                elif optimizer == "adagrad":
                    params[k], st[0] = adagrad_step(params[k], grads[k], st[0], lr)
                elif optimizer == "rmsprop":
                    params[k], st[0] = rmsprop_step(params[k], grads[k], st[0], lr)
                elif optimizer == "adam":
                    params[k], st[0], st[1] = adam_step(
                        params[k], grads[k], st[0], st[1], len(losses), lr
                    )
                else:
                    raise ValueError("unknown optimizer " + str(optimizer))
    return [params, losses]


def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, np.float64)
    flat = x.reshape(-1)
    out = []
    for i in range(flat.size):
        plus = flat.copy()
        minus = flat.copy()
        plus[i] += h
        minus[i] -= h
        out.append((f(plus.reshape(x.shape)) - f(minus.reshape(x.shape))) / (2 * h))
    return np.array(out, dtype=np.float64).reshape(x.shape)


def relative_error(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return np.float64(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
