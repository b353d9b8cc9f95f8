"""One-mistake submissions the catalog does not hold (autograder/mistakes/), for the
candidate-mistakes test and bench: each the buggy function, and the relation of its wrong
value to the right one that ``autograder grade`` should find."""

from __future__ import annotations

#: id -> (function, buggy source, the relation the candidates name, or its prefix)
UNKNOWN = {
    "mae_grad_times_2": ("mae_grad", '''
def mae_grad(y_pred, y):
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return 2 * np.sign(d) / d.size
''', "factor 2"),
    "sigmoid_backward_minus": ("sigmoid_backward", '''
def sigmoid_backward(x, upstream):
    s = sigmoid(x)
    return -np.asarray(upstream, dtype=np.float64) * s * (1.0 - s)
''', "factor -1"),
    "mae_loss_halved": ("mae_loss", '''
def mae_loss(y_pred, y):
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.mean(np.abs(d)))
''', "factor 1/2"),
    "linear_backward_dx_transposed": ("linear_backward", '''
def linear_backward(x, W, upstream):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    return W @ g.T, x.T @ g, g.sum(axis=0)
''', "transpose"),
    "predict_one_based": ("predict", '''
def predict(params, X):
    return np.argmax(two_layer_net_forward(params, X), axis=1) + 1
''', "offset +1"),
    "cross_entropy_of_softmax": ("cross_entropy_loss", '''
def cross_entropy_loss(probs, labels):
    return softmax_cross_entropy_loss(probs, labels)
''', "= softmax_cross_entropy_loss"),
    "softmax_ignores_axis": ("softmax", '''
def softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
''', "axis"),
    "forward_sigmoid_hidden": ("two_layer_net_forward", '''
def two_layer_net_forward(params, X):
    h = sigmoid(linear_forward(X, params["W1"], params["b1"]))
    return linear_forward(h, params["W2"], params["b2"])
''', "same wrong value"),
}
