"""Correct variant: batched full Jacobian via einsum, errstate-guarded formulas, apply_along_axis,
class-based optimizers, math.ceil, list-based mini-batches."""
import math

import numpy as np


def _f(a):
    return np.asarray(a, dtype=np.float64)


def _softmax_1d(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def softmax(z, axis=-1):
    z = _f(z)
    if z.ndim == 0:
        return np.ones_like(z)
    return np.apply_along_axis(_softmax_1d, axis, z)


def softmax_backward(z, upstream, axis=-1):
    s = np.moveaxis(softmax(z, axis), axis, -1)
    g = np.moveaxis(_f(upstream), axis, -1)
    c = s.shape[-1]
    eye = np.eye(c)
    J = s[..., :, None] * (eye - s[..., None, :])  # J[..., i, j] = ds_i/dz_j
    dz = np.einsum("...ij,...i->...j", J, g)
    return np.moveaxis(dz, -1, axis)


def mae_loss(y_pred, y):
    d = _f(y_pred) - _f(y)
    return np.sum(np.abs(d)) / d.size


def mae_grad(y_pred, y):
    d = _f(y_pred) - _f(y)
    return np.where(d > 0, 1.0, np.where(d < 0, -1.0, 0.0)) / d.size


def mse_loss(y_pred, y):
    d = _f(y_pred) - _f(y)
    return np.sum(d ** 2) / d.size


def mse_grad(y_pred, y):
    d = _f(y_pred) - _f(y)
    return (d + d) / d.size


def bce_loss(p, y):
    p, y = _f(p), _f(y)
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(p), -100.0)
        lq = np.maximum(np.log(1.0 - p), -100.0)
    return np.mean(-(y * lp + (1.0 - y) * lq)).item()


def bce_grad(p, y):
    p, y = _f(p), _f(y)
    return (p - y) / np.maximum(p - p * p, 1e-12) / y.size


def cross_entropy_loss(probs, labels):
    probs = _f(probs)
    picked = np.array([probs[i, int(l)] for i, l in enumerate(labels)], dtype=np.float64)
    with np.errstate(divide="ignore"):
        logs = np.maximum(np.log(picked), -100.0)
    return -logs.sum() / len(picked)


def cross_entropy_grad(probs, labels):
    probs = _f(probs)
    n = probs.shape[0]
    g = np.zeros(probs.shape)
    for i, l in enumerate(labels):
        g[i, int(l)] = -1.0 / (n * max(probs[i, int(l)], 1e-12))
    return g


def softmax_cross_entropy_loss(logits, labels):
    z = _f(logits)
    n = z.shape[0]
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    correct = z[np.arange(n), np.asarray(labels, dtype=int)]
    return (lse - correct).sum() / n


def softmax_cross_entropy_grad(logits, labels):
    z = _f(logits)
    n, c = z.shape
    return (softmax(z, axis=1) - one_hot(labels, c)) / n


def one_hot(labels, num_classes):
    return np.array([[1.0 if int(l) == j else 0.0 for j in range(num_classes)] for l in labels],
                    dtype=np.float64).reshape(len(labels), num_classes)


def sigmoid(x):
    x = _f(x)
    with np.errstate(over="ignore", invalid="ignore"):
        pos = 1.0 / (1.0 + np.exp(-x))
        ex = np.exp(x)
        neg = ex / (1.0 + ex)
    return np.where(x >= 0, pos, neg)


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    return _f(upstream) * s * (1.0 - s)


def relu(x):
    x = _f(x)
    return np.where(x > 0, x, 0.0)


def relu_backward(x, upstream):
    return _f(upstream) * np.greater(_f(x), 0).astype(np.float64)


def linear_forward(x, W, b):
    return np.tensordot(_f(x), _f(W), axes=([1], [0])) + _f(b)


def linear_backward(x, W, upstream):
    x, W, g = _f(x), _f(W), _f(upstream)
    dx = np.tensordot(g, W, axes=([1], [1]))
    dW = np.tensordot(x, g, axes=([0], [0]))
    db = np.add.reduce(g, axis=0)
    return dx, dW, db


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (n_in, n_hidden), "W2": (n_hidden, n_out)}
    params = {}
    for name in ("W1", "W2"):
        params[name] = scale * rng.standard_normal(shapes[name], dtype=np.float64)
    params["b1"] = np.zeros(n_hidden, dtype=np.float64)
    params["b2"] = np.zeros(n_out, dtype=np.float64)
    return {k: params[k] for k in ("W1", "b1", "W2", "b2")}


def two_layer_net_forward(params, X):
    a = linear_forward(X, params["W1"], params["b1"])
    return linear_forward(relu(a), params["W2"], params["b2"])


def two_layer_net_loss(params, X, labels, reg=0.0):
    X = _f(X)
    W1, b1, W2, b2 = (_f(params[k]) for k in ("W1", "b1", "W2", "b2"))
    a = linear_forward(X, W1, b1)
    h = relu(a)
    z = linear_forward(h, W2, b2)
    loss = softmax_cross_entropy_loss(z, labels)
    if reg:
        loss = loss + reg * ((W1 ** 2).sum() + (W2 ** 2).sum())
    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, W2, dz)
    da = relu_backward(a, dh)
    _, dW1, db1 = linear_backward(X, W1, da)
    if reg:
        dW1 = dW1 + 2 * reg * W1
        dW2 = dW2 + 2 * reg * W2
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def predict(params, X):
    logits = two_layer_net_forward(params, X)
    return np.array([int(np.argmax(row)) for row in logits], dtype=np.int64)


def gd_step(param, grad, lr):
    return _f(param) + (-lr) * _f(grad)


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = _f(velocity) * momentum + _f(grad)
    return _f(param) - lr * v, v


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = _f(grad)
    s = _f(sum_sq) + g ** 2
    return _f(param) - lr * g / (s ** 0.5 + eps), s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = _f(grad)
    a = _f(sq_avg) * alpha + g ** 2 * (1 - alpha)
    return _f(param) - lr * g / (a ** 0.5 + eps), a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = _f(grad)
    m = beta1 * _f(m) + (1 - beta1) * g
    v = beta2 * _f(v) + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return _f(param) - lr * m_hat / (v_hat ** 0.5 + eps), m, v


def steps_per_epoch(n_samples, batch_size):
    return math.ceil(n_samples / batch_size)


def minibatch_indices(n_samples, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n_samples).tolist()
    batches = []
    while order:
        batches.append(np.array(order[:batch_size], dtype=np.int64))
        order = order[batch_size:]
    return batches


class _Opt:
    def __init__(self, kind, lr, shape):
        self.kind, self.lr = kind, lr
        self.a = np.zeros(shape)
        self.b = np.zeros(shape)
        self.t = 0

    def step(self, p, g):
        self.t += 1
        if self.kind == "gd":
            return gd_step(p, g, self.lr)
        if self.kind == "momentum":
            p, self.a = momentum_step(p, g, self.a, self.lr)
            return p
        if self.kind == "adagrad":
            p, self.a = adagrad_step(p, g, self.a, self.lr)
            return p
        if self.kind == "rmsprop":
            p, self.a = rmsprop_step(p, g, self.a, self.lr)
            return p
        if self.kind == "adam":
            p, self.a, self.b = adam_step(p, g, self.a, self.b, self.t, self.lr)
            return p
        raise ValueError(self.kind)


def train_two_layer_net(X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10,
                        batch_size=32, reg=0.0, seed=0):
    X = _f(X)
    labels = np.asarray(labels)
    N, D = X.shape
    params = init_two_layer_net(D, n_hidden, labels.max() + 1, seed)
    opts = {k: _Opt(optimizer, lr, p.shape) for k, p in params.items()}
    losses = []
    for e in range(epochs):
        for idx in minibatch_indices(N, batch_size, seed + e):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            for k in params:
                params[k] = opts[k].step(params[k], grads[k])
            losses.append(loss)
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    grad = np.empty(x.shape, dtype=np.float64)
    for i in range(x.size):
        keep = x.flat[i]
        x.flat[i] = keep + h
        up = f(x)
        x.flat[i] = keep - h
        down = f(x)
        x.flat[i] = keep
        grad.flat[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    a, b = _f(a), _f(b)
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))).item()
