"""Correct variant: clipped-input sigmoid, matmul-based JVP, out=/where= logs, division-over-all
cross-entropy grad, copies per entry in numerical_gradient, np.float64 everywhere."""
import numpy as np


def _f(a):
    return np.asarray(a, dtype=np.float64)


def softmax(z, axis=-1):
    z = _f(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return np.divide(e, e.sum(axis=axis, keepdims=True))


def softmax_backward(z, upstream, axis=-1):
    s = np.moveaxis(softmax(z, axis), axis, -1)
    g = np.moveaxis(_f(upstream), axis, -1)
    dot = np.matmul(s[..., None, :], g[..., :, None])[..., 0]  # (..., 1)
    return np.moveaxis(s * g - s * dot, -1, axis)


def mae_loss(y_pred, y):
    return np.mean(np.abs(_f(y_pred) - _f(y)))


def mae_grad(y_pred, y):
    y = _f(y)
    return np.sign(_f(y_pred) - y) * (1.0 / y.size)


def mse_loss(y_pred, y):
    return np.mean(np.power(_f(y_pred) - _f(y), 2))


def mse_grad(y_pred, y):
    y = _f(y)
    return (_f(y_pred) - y) * (2.0 / y.size)


def bce_loss(p, y):
    p, y = _f(p), _f(y)
    log_p = np.log(p, out=np.full_like(p, -np.inf), where=p > 0)
    log_q = np.log1p(-p, out=np.full_like(p, -np.inf), where=p < 1)
    log_p = np.maximum(log_p, -100.0)
    log_q = np.maximum(log_q, -100.0)
    return np.mean(-(y * log_p) - (1.0 - y) * log_q)


def bce_grad(p, y):
    p, y = _f(p), _f(y)
    return (p - y) / np.clip(p * (1 - p), 1e-12, np.inf) / y.size


def one_hot(labels, num_classes):
    return np.identity(num_classes, dtype=np.float64)[np.asarray(labels, dtype=np.int64)]


def cross_entropy_loss(probs, labels):
    probs = _f(probs)
    n = probs.shape[0]
    p = probs[np.arange(n), np.asarray(labels, dtype=np.int64)]
    logp = np.log(p, out=np.full(n, -100.0), where=p > 0)
    return -np.mean(np.maximum(logp, -100.0))


def cross_entropy_grad(probs, labels):
    probs = _f(probs)
    n, c = probs.shape
    return -one_hot(labels, c) / (n * np.maximum(probs, 1e-12))


def softmax_cross_entropy_loss(logits, labels):
    z = _f(logits)
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_softmax[np.arange(n), np.asarray(labels, dtype=np.int64)])


def softmax_cross_entropy_grad(logits, labels):
    z = _f(logits)
    n, c = z.shape
    return (softmax(z) - one_hot(labels, c)) / n


def sigmoid(x):
    # clipped where float64's exp stops: below -709 the true value is subnormal or 0, so
    # the clip changes it by less than 2.3e-308 (a clip at -500 returned 7e-218 for x = -600,
    # where the value is 3e-261: not a correct sigmoid, issue 23)
    x = np.clip(_f(x), -709.0, 709.0)
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    return _f(upstream) * s * (1 - s)


def relu(x):
    return np.maximum(_f(x), 0)


def relu_backward(x, upstream):
    return _f(upstream) * (_f(x) > 0).astype(float)


def linear_forward(x, W, b):
    return _f(x) @ _f(W) + _f(b)[np.newaxis, :]


def linear_backward(x, W, upstream):
    x, W, g = _f(x), _f(W), _f(upstream)
    return g @ W.T, x.T @ g, np.ones(g.shape[0]) @ g


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    W1 = scale * rng.standard_normal(size=(n_in, n_hidden))
    W2 = scale * rng.standard_normal(size=(n_hidden, n_out))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def two_layer_net_forward(params, X):
    return relu(_f(X) @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]


def two_layer_net_loss(params, X, labels, reg=0.0):
    X = _f(X)
    W1, b1, W2, b2 = _f(params["W1"]), _f(params["b1"]), _f(params["W2"]), _f(params["b2"])
    a = X @ W1 + b1
    h = np.maximum(a, 0)
    z = h @ W2 + b2
    loss = softmax_cross_entropy_loss(z, labels) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dz = softmax_cross_entropy_grad(z, labels)
    dW2 = h.T @ dz + 2 * reg * W2
    db2 = dz.sum(axis=0)
    da = (dz @ W2.T) * (a > 0)
    dW1 = X.T @ da + 2 * reg * W1
    db1 = da.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def predict(params, X):
    return np.argmax(two_layer_net_forward(params, X), axis=1)


def gd_step(param, grad, lr):
    return _f(param) - lr * _f(grad)


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = momentum * _f(velocity) + _f(grad)
    return _f(param) - lr * v, v


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = _f(grad)
    s = _f(sum_sq) + np.power(g, 2)
    return _f(param) - lr * g / (np.sqrt(s) + eps), s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = _f(grad)
    a = alpha * _f(sq_avg) + (1 - alpha) * np.power(g, 2)
    return _f(param) - lr * g / (np.sqrt(a) + eps), a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = _f(grad)
    m = beta1 * _f(m) + (1 - beta1) * g
    v = beta2 * _f(v) + (1 - beta2) * np.power(g, 2)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return _f(param) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def steps_per_epoch(n_samples, batch_size):
    return len(np.arange(0, n_samples, batch_size))


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    return np.array_split(perm, list(range(batch_size, n_samples, batch_size)))


OPTIMIZERS = {
    "gd": (lambda p, g, st, t, lr: (gd_step(p, g, lr), st)),
    "momentum": (lambda p, g, st, t, lr: (lambda r: (r[0], (r[1],)))(momentum_step(p, g, st[0], lr))),  # noqa: E501
    "adagrad": (lambda p, g, st, t, lr: (lambda r: (r[0], (r[1],)))(adagrad_step(p, g, st[0], lr))),
    "rmsprop": (lambda p, g, st, t, lr: (lambda r: (r[0], (r[1],)))(rmsprop_step(p, g, st[0], lr))),
    "adam": (lambda p, g, st, t, lr: (lambda r: (r[0], (r[1], r[2])))(adam_step(p, g, st[0], st[1], t, lr))),  # noqa: E501
}


def train_two_layer_net(X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10,
                        batch_size=32, reg=0.0, seed=0):
    X = _f(X)
    labels = np.asarray(labels)
    N, D = X.shape
    params = init_two_layer_net(D, n_hidden, labels.max() + 1, seed)
    update = OPTIMIZERS[optimizer]
    state = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    losses = []
    t = 0
    for e in range(epochs):
        for idx in minibatch_indices(N, batch_size, seed + e):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            t += 1
            for k in params:
                params[k], state[k] = update(params[k], grads[k], state[k], t, lr)
            losses.append(loss)
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    x0 = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        xp = x0.copy()
        xm = x0.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad


def relative_error(a, b):
    a, b = _f(a), _f(b)
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
