"""Correct variant: in-place arithmetic on private copies; numerical gradient perturbs x
itself and restores it (allowed: x is writeable and unchanged afterwards)."""

import numpy as np


def softmax(z, axis=-1):
    out = np.array(z, dtype=np.float64, copy=True)
    with np.errstate(over="ignore"):
        out -= out.max(axis=axis, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


def softmax_backward(z, upstream, axis=-1):
    s = softmax(z, axis)
    out = np.array(upstream, dtype=np.float64, copy=True)
    out -= np.sum(out * s, axis=axis, keepdims=True)
    out *= s
    return out


def mae_loss(y_pred, y):
    d = np.array(y_pred, dtype=np.float64, copy=True)
    d -= np.asarray(y, dtype=np.float64)
    np.abs(d, out=d)
    return float(d.mean())


def mae_grad(y_pred, y):
    d = np.array(y_pred, dtype=np.float64, copy=True)
    d -= np.asarray(y, dtype=np.float64)
    np.sign(d, out=d)
    d /= d.size
    return d


def mse_loss(y_pred, y):
    d = np.array(y_pred, dtype=np.float64, copy=True)
    d -= np.asarray(y, dtype=np.float64)
    d *= d
    return float(d.sum() / d.size)


def mse_grad(y_pred, y):
    d = np.array(y_pred, dtype=np.float64, copy=True)
    d -= np.asarray(y, dtype=np.float64)
    d *= 2.0 / d.size
    return d


def bce_loss(p, y):
    p = np.array(p, dtype=np.float64, copy=True)
    y = np.asarray(y, dtype=np.float64)
    q = 1.0 - p
    tiny = np.finfo(np.float64).tiny
    np.maximum(p, tiny, out=p)
    np.maximum(q, tiny, out=q)
    np.log(p, out=p)
    np.log(q, out=q)
    np.maximum(p, -100.0, out=p)
    np.maximum(q, -100.0, out=q)
    p *= y
    q *= 1.0 - y
    p += q
    return float(-p.mean())


def bce_grad(p, y):
    p = np.asarray(p, dtype=np.float64)
    den = p * (1.0 - p)
    np.maximum(den, 1e-12, out=den)
    num = p - np.asarray(y, dtype=np.float64)
    num /= den
    num /= num.size
    return num


def cross_entropy_loss(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    picked = probs[np.arange(len(labels)), labels].copy()
    np.maximum(picked, np.finfo(np.float64).tiny, out=picked)
    np.log(picked, out=picked)
    np.maximum(picked, -100.0, out=picked)
    return float(-picked.mean())


def cross_entropy_grad(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    n = probs.shape[0]
    grad = np.zeros(probs.shape)
    for i in range(n):
        grad[i, labels[i]] = -1.0 / (n * max(probs[i, labels[i]], 1e-12))
    return grad


def softmax_cross_entropy_loss(logits, labels):
    z = np.array(logits, dtype=np.float64, copy=True)
    labels = np.asarray(labels, dtype=np.int64)
    with np.errstate(over="ignore"):
        z -= z.max(axis=1, keepdims=True)
    picked = z[np.arange(z.shape[0]), labels].copy()
    np.exp(z, out=z)
    lse = np.log(z.sum(axis=1))
    lse -= picked
    return float(lse.mean())


def softmax_cross_entropy_grad(logits, labels):
    g = softmax(logits, axis=1)
    labels = np.asarray(labels, dtype=np.int64)
    g[np.arange(g.shape[0]), labels] -= 1.0
    g /= g.shape[0]
    return g


def one_hot(labels, num_classes):
    labels = np.asarray(labels, dtype=np.int64)
    out = np.zeros((labels.size, num_classes), dtype=np.float64)
    np.put_along_axis(out, labels[:, None], 1.0, axis=1)
    return out


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    out = np.where(x >= 0, 1.0, e)
    out /= 1.0 + e
    return out


def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    out = np.array(upstream, dtype=np.float64, copy=True)
    out *= s
    out *= 1.0 - s
    return out


def relu(x):
    out = np.array(x, dtype=np.float64, copy=True)
    out[out < 0] = 0.0
    return out


def relu_backward(x, upstream):
    out = np.array(upstream, dtype=np.float64, copy=True)
    out[np.asarray(x) <= 0] = 0.0
    return out


def linear_forward(x, W, b):
    out = np.asarray(x, dtype=np.float64) @ np.asarray(W, dtype=np.float64)
    out += np.asarray(b, dtype=np.float64)
    return out


def linear_backward(x, W, upstream):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    db = np.zeros(g.shape[1])
    for row in g:
        db += row
    return g @ W.T, x.T @ g, db


def init_two_layer_net(n_in, n_hidden, n_out, seed=0, scale=0.01):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_in, n_hidden))
    W1 *= scale
    W2 = rng.standard_normal((n_hidden, n_out))
    W2 *= scale
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def two_layer_net_forward(params, X):
    h = linear_forward(X, params["W1"], params["b1"])
    np.maximum(h, 0.0, out=h)
    return linear_forward(h, params["W2"], params["b2"])


def two_layer_net_loss(params, X, labels, reg=0.0):
    W1 = np.asarray(params["W1"], dtype=np.float64)
    W2 = np.asarray(params["W2"], dtype=np.float64)
    a = linear_forward(X, W1, params["b1"])
    h = relu(a)
    z = linear_forward(h, W2, params["b2"])
    loss = softmax_cross_entropy_loss(z, labels)
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dz = softmax_cross_entropy_grad(z, labels)
    dh, dW2, db2 = linear_backward(h, W2, dz)
    dh[a <= 0] = 0.0
    _, dW1, db1 = linear_backward(X, W1, dh)
    dW1 += (2.0 * reg) * W1
    dW2 += (2.0 * reg) * W2
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def predict(params, X):
    return np.argmax(two_layer_net_forward(params, X), axis=1)


def gd_step(param, grad, lr):
    out = np.array(param, dtype=np.float64, copy=True)
    out -= lr * np.asarray(grad, dtype=np.float64)
    return out


def momentum_step(param, grad, velocity, lr, momentum=0.9):
    v = np.array(velocity, dtype=np.float64, copy=True)
    v *= momentum
    v += np.asarray(grad, dtype=np.float64)
    p = np.array(param, dtype=np.float64, copy=True)
    p -= lr * v
    return p, v


def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
    g = np.asarray(grad, dtype=np.float64)
    s = np.array(sum_sq, dtype=np.float64, copy=True)
    s += g**2
    den = np.sqrt(s)
    den += eps
    p = np.array(param, dtype=np.float64, copy=True)
    p -= lr * g / den
    return p, s


def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    a = np.array(sq_avg, dtype=np.float64, copy=True)
    a *= alpha
    a += (1 - alpha) * g**2
    den = np.sqrt(a)
    den += eps
    p = np.array(param, dtype=np.float64, copy=True)
    p -= lr * g / den
    return p, a


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    m = np.array(m, dtype=np.float64, copy=True)
    v = np.array(v, dtype=np.float64, copy=True)
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    den = np.sqrt(v / (1 - beta2**t))
    den += eps
    p = np.array(param, dtype=np.float64, copy=True)
    p -= lr * (m / (1 - beta1**t)) / den
    return p, m, v


def steps_per_epoch(n_samples, batch_size):
    return int(np.ceil(n_samples / batch_size))


def minibatch_indices(n_samples, batch_size, seed):
    perm = np.random.default_rng(seed).permutation(n_samples)
    return np.array_split(perm, range(batch_size, n_samples, batch_size))


def train_two_layer_net(
    X, labels, n_hidden, optimizer="adam", lr=0.001, epochs=10, batch_size=32, reg=0.0, seed=0
):
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    n = X.shape[0]
    params = init_two_layer_net(X.shape[1], n_hidden, labels.max() + 1, seed)
    first = {k: np.zeros_like(p) for k, p in params.items()}
    second = {k: np.zeros_like(p) for k, p in params.items()}
    losses = []
    t = 0
    for epoch in range(epochs):
        for idx in minibatch_indices(n, batch_size, seed + epoch):
            loss, grads = two_layer_net_loss(params, X[idx], labels[idx], reg)
            losses.append(loss)
            t += 1
            for k in params:
                g = grads[k]
                if optimizer == "gd":
                    params[k] = gd_step(params[k], g, lr)
                elif optimizer == "momentum":
                    params[k], first[k] = momentum_step(params[k], g, first[k], lr)
                elif optimizer == "adagrad":
                    params[k], first[k] = adagrad_step(params[k], g, first[k], lr)
                elif optimizer == "rmsprop":
                    params[k], first[k] = rmsprop_step(params[k], g, first[k], lr)
                elif optimizer == "adam":
                    params[k], first[k], second[k] = adam_step(
                        params[k], g, first[k], second[k], t, lr
                    )
                else:
                    raise ValueError(optimizer)
    return params, losses


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    den = np.abs(a) + np.abs(b)
    np.maximum(den, 1e-8, out=den)
    return float((np.abs(a - b) / den).max())
