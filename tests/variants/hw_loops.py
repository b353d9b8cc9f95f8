"""Correct variant: explicit Python loops almost everywhere (slow but right)."""

import math

import numpy as np


def _f(a):
    return np.array(a, dtype=np.float64)


def softmax(z, axis=-1):
    z = _f(z)
    moved = np.moveaxis(z, axis, -1)
    out = np.empty_like(moved)
    for idx in np.ndindex(moved.shape[:-1]):
        row = moved[idx]
        m = max(float(v) for v in row)
        exps = [math.exp(float(v) - m) if float(v) - m > -745.2 else 0.0 for v in row]
        total = sum(exps)
        out[idx] = [e / total for e in exps]
    return np.moveaxis(out, -1, axis)


def softmax_backward(z, upstream, axis=-1):
    s = np.moveaxis(softmax(z, axis), axis, -1)
    g = np.moveaxis(_f(upstream), axis, -1)
    out = np.empty_like(s)
    for idx in np.ndindex(s.shape[:-1]):
        dot = 0.0
        for k in range(s.shape[-1]):
            dot += g[idx][k] * s[idx][k]
        for j in range(s.shape[-1]):
            out[(*idx, j)] = s[idx][j] * (g[idx][j] - dot)
    return np.moveaxis(out, -1, axis)


def mae_loss(y_pred, y):
    a, b = _f(y_pred).ravel(), _f(y).ravel()
    total = 0.0
    for i in range(a.size):
        total += abs(a[i] - b[i])
    return total / a.size


def mae_grad(y_pred, y):
    a, b = _f(y_pred), _f(y)
    out = np.zeros(a.shape)
    for i in np.ndindex(a.shape):
        d = a[i] - b[i]
        out[i] = (1.0 if d > 0 else (-1.0 if d < 0 else 0.0)) / a.size
    return out


def mse_loss(y_pred, y):
    a, b = _f(y_pred).ravel(), _f(y).ravel()
    total = 0.0
    for i in range(a.size):
        total += (a[i] - b[i]) ** 2
    return float(total / a.size)


def mse_grad(y_pred, y):
    a, b = _f(y_pred), _f(y)
    out = np.zeros(a.shape)
    for i in np.ndindex(a.shape):
        out[i] = 2.0 * (a[i] - b[i]) / a.size
    return out


def _clamped_log(q):
    return -100.0 if q <= 0.0 else max(math.log(q), -100.0)


def bce_loss(p, y):
    p, y = _f(p).ravel(), _f(y).ravel()
    total = 0.0
    for i in range(p.size):
        total -= y[i] * _clamped_log(p[i]) + (1.0 - y[i]) * _clamped_log(1.0 - p[i])
    return float(total / p.size)


def bce_grad(p, y):
    p, y = _f(p), _f(y)
    out = np.zeros(p.shape)
    for i in np.ndindex(p.shape):
        out[i] = (p[i] - y[i]) / max(p[i] * (1.0 - p[i]), 1e-12) / p.size
    return out


def cross_entropy_loss(probs, labels):
    probs = _f(probs)
    total = 0.0
    for i, label in enumerate(np.asarray(labels).tolist()):
        total -= _clamped_log(probs[i, int(label)])
    return total / probs.shape[0]


def cross_entropy_grad(probs, labels):
    probs = _f(probs)
    n = probs.shape[0]
    grad = np.zeros(probs.shape)
    for i, label in enumerate(np.asarray(labels).tolist()):
        grad[i, int(label)] = -1.0 / (n * max(probs[i, int(label)], 1e-12))
    return grad


def softmax_cross_entropy_loss(logits, labels):
    z = _f(logits)
    total = 0.0
    for i, label in enumerate(np.asarray(labels).tolist()):
        m = max(z[i].tolist())
        lse = m + math.log(sum(math.exp(v - m) if v - m > -745.2 else 0.0 for v in z[i].tolist()))
        total += lse - z[i, int(label)]
    return float(total / z.shape[0])


def softmax_cross_entropy_grad(logits, labels):
    z = _f(logits)
    n, c = z.shape
    s = softmax(z)
    y = one_hot(labels, c)
    out = np.zeros((n, c))
    for i in range(n):
        for j in range(c):
            out[i, j] = (s[i, j] - y[i, j]) / n
    return out


def one_hot(labels, num_classes):
    labels = np.asarray(labels).tolist()
    out = np.zeros((len(labels), int(num_classes)))
    for i, label in enumerate(labels):
        out[i, int(label)] = 1.0
    return out


def sigmoid(x):
    x = _f(x)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        v = x[i]
        if v >= 0:
            out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v) if v > -745.2 else 0.0
            out[i] = e / (1.0 + e)
    return out


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    g = _f(upstream)
    out = np.empty_like(s)
    for i in np.ndindex(s.shape):
        out[i] = g[i] * s[i] * (1.0 - s[i])
    return out


def relu(x):
    x = _f(x)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        if x[i] > 0:
            out[i] = x[i]
    return out


def relu_backward(x, upstream):
    x, g = _f(x), _f(upstream)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        if x[i] > 0:
            out[i] = g[i]
    return out


def linear_forward(x, W, b):
    x, W, b = _f(x), _f(W), _f(b)
    out = np.empty((x.shape[0], W.shape[1]))
    for i in range(x.shape[0]):
        out[i] = x[i] @ W + b
    return out


def linear_backward(x, W, upstream):
    x, W, g = _f(x), _f(W), _f(upstream)
    dx = np.zeros(x.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(W.shape[1])
    for i in range(x.shape[0]):
        dx[i] = W @ g[i]
        dW += np.outer(x[i], g[i])
        db += g[i]
    return dx, dW, db


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    params = {}
    params["W1"] = scale * rng.standard_normal((n_in, n_hidden))
    params["b1"] = np.zeros(n_hidden)
    params["W2"] = scale * rng.standard_normal((n_hidden, n_out))
    params["b2"] = np.zeros(n_out)
    return params


def two_layer_net_forward(params, X):
    h = relu(linear_forward(X, params["W1"], params["b1"]))
    return linear_forward(h, params["W2"], params["b2"])


def two_layer_net_loss(params, X, labels, reg=0.0):
    W1, b1, W2, b2 = (_f(params[k]) for k in ("W1", "b1", "W2", "b2"))
    a = linear_forward(X, W1, b1)
    h = relu(a)
    z = linear_forward(h, W2, b2)
    penalty = 0.0
    for W in (W1, W2):
        for v in W.ravel():
            penalty += v * v
    loss = softmax_cross_entropy_loss(z, labels) + reg * penalty
    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, W2, dz)
    _, dW1, db1 = linear_backward(X, W1, relu_backward(a, dh))
    return float(loss), {"W1": dW1 + 2 * reg * W1, "b1": db1, "W2": dW2 + 2 * reg * W2, "b2": db2}


def predict(params, X):
    logits = two_layer_net_forward(params, X)
    out = np.zeros(logits.shape[0], dtype=np.int64)
    for i in range(logits.shape[0]):
        best = 0
        for j in range(1, logits.shape[1]):
            if logits[i, j] > logits[i, best]:
                best = j
        out[i] = best
    return out


def gd_step(param, grad, lr):
    p, g = _f(param), _f(grad)
    for i in np.ndindex(p.shape):
        p[i] -= lr * g[i]
    return p


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    p, g, v = _f(param), _f(grad), _f(velocity)
    for i in np.ndindex(p.shape):
        v[i] = momentum * v[i] + g[i]
        p[i] -= lr * v[i]
    return p, v


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    p, g, s = _f(param), _f(grad), _f(sum_sq)
    for i in np.ndindex(p.shape):
        s[i] += g[i] ** 2
        p[i] -= lr * g[i] / (math.sqrt(s[i]) + eps)
    return p, s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    p, g, a = _f(param), _f(grad), _f(sq_avg)
    for i in np.ndindex(p.shape):
        a[i] = alpha * a[i] + (1 - alpha) * g[i] ** 2
        p[i] -= lr * g[i] / (math.sqrt(a[i]) + eps)
    return p, a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    p, g, m, v = _f(param), _f(grad), _f(m), _f(v)
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    for i in np.ndindex(p.shape):
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
        p[i] -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)
    return p, m, v


def steps_per_epoch(n_samples, batch_size):
    steps = 0
    done = 0
    while done < n_samples:
        done += batch_size
        steps += 1
    return steps


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    batches = []
    start = 0
    while start < n_samples:
        batches.append(perm[start : start + batch_size])
        start += batch_size
    return batches


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    X = _f(X)
    labels = np.asarray(labels).astype(np.int64)
    n, d = X.shape
    params = init_two_layer_net(d, n_hidden, int(labels.max()) + 1, seed)
    s1 = {k: np.zeros_like(p) for k, p in params.items()}
    s2 = {k: np.zeros_like(p) for k, p in params.items()}
    losses = []
    step = 0
    for epoch in range(epochs):
        for idx in minibatch_indices(n, batch_size, seed + epoch):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            step += 1
            for k in ("W1", "b1", "W2", "b2"):
                if optimizer == "gd":
                    params[k] = gd_step(params[k], grads[k], lr)
                elif optimizer == "momentum":
                    params[k], s1[k] = momentum_step(params[k], grads[k], s1[k], lr)
                elif optimizer == "adagrad":
                    params[k], s1[k] = adagrad_step(params[k], grads[k], s1[k], lr)
                elif optimizer == "rmsprop":
                    params[k], s1[k] = rmsprop_step(params[k], grads[k], s1[k], lr)
                elif optimizer == "adam":
                    params[k], s1[k], s2[k] = adam_step(params[k], grads[k], s1[k], s2[k], step, lr)
                else:
                    raise ValueError(optimizer)
            losses.append(loss)
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(np.shape(x))
    for i in np.ndindex(grad.shape):
        xp = np.array(x, dtype=np.float64)
        xm = np.array(x, dtype=np.float64)
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def relative_error(a, b):
    a, b = _f(a), _f(b)
    worst = 0.0
    for i in np.ndindex(a.shape):
        err = abs(a[i] - b[i]) / max(1e-8, abs(a[i]) + abs(b[i]))
        worst = max(worst, err)
    return float(worst)
