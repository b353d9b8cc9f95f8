"""Correct variant: small helpers, dispatch tables, np.add.at / boolean masks, a generic
optimizer loop over named state, and integer arithmetic written differently."""

from functools import reduce

import numpy as np

F64 = np.float64


def _arr(*xs):
    return [np.asarray(x, dtype=F64) for x in xs]


def _shift_by_max(z, axis):
    with np.errstate(over="ignore"):
        return z - np.amax(z, axis=axis, keepdims=True)


def softmax(z, axis=-1):
    (z,) = _arr(z)
    e = np.exp(_shift_by_max(z, axis))
    return e * np.reciprocal(np.sum(e, axis=axis, keepdims=True))


def softmax_backward(z, upstream, axis=-1):
    s = softmax(z, axis)
    (g,) = _arr(upstream)
    weighted = g * s
    return weighted - s * weighted.sum(axis=axis, keepdims=True)


def _mean(a):
    a = np.asarray(a, dtype=F64)
    return float(a.sum() / a.size)


def mae_loss(y_pred, y):
    y_pred, y = _arr(y_pred, y)
    return _mean(np.maximum(y_pred - y, y - y_pred))


def mae_grad(y_pred, y):
    y_pred, y = _arr(y_pred, y)
    return np.sign(y_pred - y) / np.prod(y.shape, dtype=F64)


def mse_loss(y_pred, y):
    y_pred, y = _arr(y_pred, y)
    return _mean(np.power(y_pred - y, 2))


def mse_grad(y_pred, y):
    y_pred, y = _arr(y_pred, y)
    return np.multiply(2.0 / y.size, y_pred - y)


def _log_clamped(q):
    out = np.full(q.shape, -100.0)
    pos = q > 0
    out[pos] = np.maximum(np.log(q[pos]), -100.0)
    return out


def bce_loss(p, y):
    p, y = _arr(p, y)
    return -_mean(y * _log_clamped(p) + (1 - y) * _log_clamped(1 - p))


def bce_grad(p, y):
    p, y = _arr(p, y)
    den = p * (1 - p)
    den[den < 1e-12] = 1e-12
    return (p - y) / den / y.size


def _pick(matrix, labels):
    labels = np.asarray(labels).astype(np.intp)
    mask = one_hot(labels, matrix.shape[1]).astype(bool)
    return matrix[mask], mask


def cross_entropy_loss(probs, labels):
    (probs,) = _arr(probs)
    picked, _ = _pick(probs, labels)
    return -_mean(_log_clamped(picked))


def cross_entropy_grad(probs, labels):
    (probs,) = _arr(probs)
    picked, mask = _pick(probs, labels)
    grad = np.zeros_like(probs)
    grad[mask] = -1.0 / (len(probs) * np.maximum(picked, 1e-12))
    return grad


def softmax_cross_entropy_loss(logits, labels):
    (z,) = _arr(logits)
    shifted = _shift_by_max(z, 1)
    picked, _ = _pick(shifted, labels)
    return _mean(np.log(np.exp(shifted).sum(axis=1)) - picked)


def softmax_cross_entropy_grad(logits, labels):
    (z,) = _arr(logits)
    return (softmax(z, 1) - one_hot(labels, z.shape[1])) / len(z)


def one_hot(labels, num_classes):
    labels = np.asarray(labels).astype(np.intp).reshape(-1)
    out = np.zeros((labels.size, num_classes), dtype=F64)
    np.add.at(out, (np.arange(labels.size), labels), 1.0)
    return out


def sigmoid(x):
    (x,) = _arr(x)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    out[~pos] = 1 - 1 / (1 + np.exp(x[~pos]))
    return out


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    (g,) = _arr(upstream)
    return g * (s * (1 - s))


def relu(x):
    (x,) = _arr(x)
    return (np.abs(x) + x) / 2


def relu_backward(x, upstream):
    x, g = _arr(x, upstream)
    return g * np.sign(np.maximum(x, 0.0))


def linear_forward(x, W, b):
    x, W, b = _arr(x, W, b)
    return np.tensordot(x, W, axes=1) + b


def linear_backward(x, W, upstream):
    x, W, g = _arr(x, W, upstream)
    return (
        np.tensordot(g, W, axes=([1], [1])),
        np.tensordot(x, g, axes=([0], [0])),
        reduce(np.add, list(g), np.zeros(g.shape[1])),
    )


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    draws = rng.standard_normal(n_in * n_hidden + n_hidden * n_out)
    W1 = scale * draws[: n_in * n_hidden].reshape(n_in, n_hidden)
    W2 = scale * draws[n_in * n_hidden :].reshape(n_hidden, n_out)
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def _layers(params, X):
    a = linear_forward(X, params["W1"], params["b1"])
    h = relu(a)
    return a, h, linear_forward(h, params["W2"], params["b2"])


def two_layer_net_forward(params, X):
    return _layers(params, X)[2]


def two_layer_net_loss(params, X, labels, reg=0.0):
    a, h, z = _layers(params, X)
    W1, W2 = _arr(params["W1"], params["W2"])
    loss = softmax_cross_entropy_loss(z, labels) + reg * float((W1**2).sum() + (W2**2).sum())
    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, W2, dz)
    dW1, db1 = linear_backward(X, W1, relu_backward(a, dh))[1:]
    return loss, {"W1": dW1 + reg * (W1 + W1), "b1": db1, "W2": dW2 + reg * (W2 + W2), "b2": db2}


def predict(params, X):
    z = two_layer_net_forward(params, X)
    return (z == z.max(axis=1, keepdims=True)).argmax(axis=1)


def gd_step(param, grad, lr):
    param, grad = _arr(param, grad)
    return param - lr * grad


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    param, grad, velocity = _arr(param, grad, velocity)
    v = grad + momentum * velocity
    return gd_step(param, v, lr), v


def _scaled(g, sq, eps):
    return g / (np.sqrt(sq) + eps)


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    param, grad, sum_sq = _arr(param, grad, sum_sq)
    s = sum_sq + np.square(grad)
    return gd_step(param, _scaled(grad, s, eps), lr), s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    param, grad, sq_avg = _arr(param, grad, sq_avg)
    a = np.average([sq_avg, np.square(grad)], axis=0, weights=[alpha, 1 - alpha])
    return gd_step(param, _scaled(grad, a, eps), lr), a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    param, grad, m, v = _arr(param, grad, m, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return gd_step(param, _scaled(m_hat, v_hat, eps), lr), m, v


def steps_per_epoch(n_samples, batch_size):
    return len(range(0, int(n_samples), int(batch_size)))


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    starts = range(0, n_samples, batch_size)
    return [perm[s:][:batch_size] for s in starts]


_N_STATE = {"gd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}


def _update(optimizer, param, grad, state, lr, t):
    if optimizer == "gd":
        return gd_step(param, grad, lr), []
    if optimizer == "adam":
        new, m, v = adam_step(param, grad, state[0], state[1], t, lr)
        return new, [m, v]
    step = {"momentum": momentum_step, "adagrad": adagrad_step, "rmsprop": rmsprop_step}
    new, s = step[optimizer](param, grad, state[0], lr)
    return new, [s]


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    if optimizer not in _N_STATE:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    (X,) = _arr(X)
    labels = np.asarray(labels).astype(np.intp)
    params = init_two_layer_net(X.shape[1], n_hidden, int(labels.max() + 1), seed)
    state = {k: [np.zeros_like(p)] * _N_STATE[optimizer] for k, p in params.items()}
    losses = []
    batches = (b for e in range(epochs) for b in minibatch_indices(len(X), batch_size, seed + e))
    for t, idx in enumerate(batches, start=1):
        loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
        for k in params:
            params[k], state[k] = _update(optimizer, params[k], grads[k], state[k], lr, t)
        losses.append(loss)
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    (x,) = _arr(x)

    def partial(i):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        return (f(x + step) - f(x - step)) / (2 * h)

    return np.array([partial(i) for i in range(x.size)], dtype=F64).reshape(x.shape)


def relative_error(a, b):
    a, b = _arr(a, b)
    den = np.abs(a) + np.abs(b)
    return float(np.max(np.abs(a - b) / np.where(den > 1e-8, den, 1e-8)))
