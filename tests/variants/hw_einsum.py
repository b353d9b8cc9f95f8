"""Correct variant: einsum / tensordot for every product, keepdims-free broadcasting."""

import numpy as np


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    m = np.expand_dims(np.max(z, axis=axis), axis)
    with np.errstate(over="ignore"):
        e = np.exp(z - m)
    return e / np.expand_dims(np.einsum("...i->...", np.moveaxis(e, axis, -1)), axis)


def softmax_backward(z, upstream, axis=-1):
    s = np.moveaxis(softmax(z, axis), axis, -1)
    g = np.moveaxis(np.asarray(upstream, dtype=np.float64), axis, -1)
    dot = np.einsum("...i,...i->...", g, s)[..., None]
    return np.moveaxis(s * (g - dot), -1, axis)


def mae_loss(y_pred, y):
    d = np.subtract(y_pred, y, dtype=np.float64)
    return float(np.einsum("i->", np.abs(d).ravel()) / d.size)


def mae_grad(y_pred, y):
    d = np.subtract(y_pred, y, dtype=np.float64)
    return ((d > 0).astype(np.float64) - (d < 0).astype(np.float64)) / d.size


def mse_loss(y_pred, y):
    d = np.subtract(y_pred, y, dtype=np.float64).ravel()
    return float(np.einsum("i,i->", d, d) / d.size)


def mse_grad(y_pred, y):
    d = np.subtract(y_pred, y, dtype=np.float64)
    return d * (2.0 / d.size)


def bce_loss(p, y):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    safe_p = np.where(p > 0, p, 1.0)
    safe_q = np.where(p < 1, 1.0 - p, 1.0)
    log_p = np.where(p > 0, np.maximum(np.log(safe_p), -100.0), -100.0)
    log_q = np.where(p < 1, np.maximum(np.log(safe_q), -100.0), -100.0)
    terms = y * log_p + (1.0 - y) * log_q
    return float(-np.einsum("i->", terms.ravel()) / terms.size)


def bce_grad(p, y):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (p - y) / np.clip(p * (1.0 - p), 1e-12, None) / y.size


def one_hot(labels, num_classes):
    labels = np.asarray(labels).astype(np.int64)
    return (labels[:, None] == np.arange(num_classes)[None, :]).astype(np.float64)


def cross_entropy_loss(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    picked = np.einsum("nc,nc->n", probs, one_hot(labels, probs.shape[1]))
    logs = np.where(picked > 0, np.log(np.where(picked > 0, picked, 1.0)), -np.inf)
    return float(np.mean(-np.maximum(logs, -100.0)))


def cross_entropy_grad(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    y = one_hot(labels, probs.shape[1])
    picked = np.einsum("nc,nc->n", probs, y)
    return -y / (probs.shape[0] * np.maximum(picked, 1e-12))[:, None]


def softmax_cross_entropy_loss(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    y = one_hot(labels, z.shape[1])
    m = z.max(axis=1)
    with np.errstate(over="ignore"):
        shifted = z - m[:, None]
    lse = np.log(np.einsum("nc->n", np.exp(shifted)))
    return float(np.mean(lse - np.einsum("nc,nc->n", shifted, y)))


def softmax_cross_entropy_grad(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    return (softmax(z) - one_hot(labels, z.shape[1])) / z.shape[0]


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    return np.einsum("...,...->...", np.asarray(upstream, dtype=np.float64), s - s * s)


def relu(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.0)


def relu_backward(x, upstream):
    return np.where(np.asarray(x) > 0, np.asarray(upstream, dtype=np.float64), 0.0)


def linear_forward(x, W, b):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    return np.einsum("nd,dm->nm", x, W) + np.asarray(b, dtype=np.float64)


def linear_backward(x, W, upstream):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    return (
        np.einsum("nm,dm->nd", g, W),
        np.einsum("nd,nm->dm", x, g),
        np.einsum("nm->m", g),
    )


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal(size=(n_in, n_hidden)) * scale
    W2 = rng.standard_normal(size=(n_hidden, n_out)) * scale
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def two_layer_net_forward(params, X):
    return linear_forward(
        relu(linear_forward(X, params["W1"], params["b1"])), params["W2"], params["b2"]
    )


def two_layer_net_loss(params, X, labels, reg=0.0):
    X = np.asarray(X, dtype=np.float64)
    W1 = np.asarray(params["W1"], dtype=np.float64)
    W2 = np.asarray(params["W2"], dtype=np.float64)
    a = linear_forward(X, W1, params["b1"])
    h = relu(a)
    z = linear_forward(h, W2, params["b2"])
    penalty = np.einsum("ij,ij->", W1, W1) + np.einsum("ij,ij->", W2, W2)
    loss = softmax_cross_entropy_loss(z, labels) + reg * penalty
    dz = softmax_cross_entropy_grad(z, labels)
    dh = np.einsum("nc,hc->nh", dz, W2)
    da = relu_backward(a, dh)
    grads = {
        "W1": np.einsum("nd,nh->dh", X, da) + 2 * reg * W1,
        "b1": np.einsum("nh->h", da),
        "W2": np.einsum("nh,nc->hc", h, dz) + 2 * reg * W2,
        "b2": np.einsum("nc->c", dz),
    }
    return float(loss), grads


def predict(params, X):
    return two_layer_net_forward(params, X).argmax(-1)


def gd_step(param, grad, lr):
    return np.asarray(param, dtype=np.float64) - np.multiply(lr, grad, dtype=np.float64)


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = np.add(np.multiply(momentum, velocity, dtype=np.float64), grad, dtype=np.float64)
    return np.subtract(param, lr * v, dtype=np.float64), v


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = np.asarray(grad, dtype=np.float64)
    s = np.add(sum_sq, np.einsum("...,...->...", g, g), dtype=np.float64)
    return np.asarray(param, dtype=np.float64) - lr * g / (s**0.5 + eps), s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    a = alpha * np.asarray(sq_avg, dtype=np.float64) + (1 - alpha) * np.square(g)
    return np.asarray(param, dtype=np.float64) - lr * g / (a**0.5 + eps), a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    m = beta1 * np.asarray(m, dtype=np.float64) + (1 - beta1) * g
    v = beta2 * np.asarray(v, dtype=np.float64) + (1 - beta2) * np.square(g)
    step = lr * (m / (1 - np.power(beta1, t))) / (np.sqrt(v / (1 - np.power(beta2, t))) + eps)
    return np.asarray(param, dtype=np.float64) - step, m, v


def steps_per_epoch(n_samples, batch_size):
    q, r = divmod(int(n_samples), int(batch_size))
    return q + (1 if r else 0)


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    cuts = np.arange(batch_size, n_samples, batch_size)
    return list(np.split(perm, cuts))


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    params = init_two_layer_net(X.shape[1], n_hidden, labels.max() + 1, seed)
    zeros = {k: np.zeros_like(v) for k, v in params.items()}
    m = dict(zeros)
    v = dict(zeros)
    losses = []
    t = 0
    for e in range(epochs):
        for idx in minibatch_indices(X.shape[0], batch_size, seed + e):
            t += 1
            loss, g = two_layer_net_loss(params, X[idx], labels[idx], reg=reg)
            losses.append(loss)
            for k in params:
                if optimizer == "gd":
                    params[k] = gd_step(params[k], g[k], lr)
                elif optimizer == "momentum":
                    params[k], m[k] = momentum_step(params[k], g[k], m[k], lr)
                elif optimizer == "adagrad":
                    params[k], m[k] = adagrad_step(params[k], g[k], m[k], lr=lr)
                elif optimizer == "rmsprop":
                    params[k], m[k] = rmsprop_step(params[k], g[k], m[k], lr=lr)
                elif optimizer == "adam":
                    params[k], m[k], v[k] = adam_step(params[k], g[k], m[k], v[k], t, lr=lr)
                else:
                    raise ValueError(f"unknown optimizer {optimizer}")
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    x0 = np.asarray(x, dtype=np.float64)
    flat = x0.ravel()
    grad = np.empty(flat.size)
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = h
        grad[i] = (f((flat + e).reshape(x0.shape)) - f((flat - e).reshape(x0.shape))) / (2 * h)
    return grad.reshape(x0.shape)


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    num = np.abs(a - b)
    den = np.fmax(np.abs(a) + np.abs(b), 1e-8)
    return float((num / den).max())
