"""Part 5 mistakes: the optimizers."""

from __future__ import annotations

from autograder.mistakes.model import mistake

TRAIN = ("train_two_layer_net",)
_WHY = "train_two_layer_net updates the parameters with it"

MISTAKES = [
    mistake(
        "gd_step_ascent",
        "gd_step",
        "gd_step adds lr * grad: gradient DESCENT moves against the gradient, param - lr * grad.",
        """
        def gd_step(param, grad, lr):
            return np.asarray(param, dtype=np.float64) + lr * np.asarray(grad, dtype=np.float64)
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "gd_step_inplace",
        "gd_step",
        "gd_step updates param IN PLACE (param -= lr * grad): the optimizer steps must be "
        "pure, return a new array and leave the caller's param unchanged.",
        """
        def gd_step(param, grad, lr):
            param = np.asarray(param, dtype=np.float64)
            param -= lr * np.asarray(grad, dtype=np.float64)
            return param
        """,
        diagnosable=False,
    ),
    mistake(
        "momentum_negative_lr_convention",
        "momentum_step",
        "momentum_step uses the v = momentum * v - lr * g, param + v convention; this "
        "homework (like torch.optim.SGD) uses v = momentum * v + g, param - lr * v.",
        """
        def momentum_step(param, grad, velocity, lr, momentum=0.9):
            g = np.asarray(grad, dtype=np.float64)
            v = momentum * np.asarray(velocity, dtype=np.float64) - lr * g
            return np.asarray(param, dtype=np.float64) + v, v
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "momentum_dampening",
        "momentum_step",
        "momentum_step averages v = momentum * v + (1 - momentum) * g (dampening); "
        "torch.optim.SGD without dampening uses v = momentum * v + g.",
        """
        def momentum_step(param, grad, velocity, lr, momentum=0.9):
            g = np.asarray(grad, dtype=np.float64)
            v = momentum * np.asarray(velocity, dtype=np.float64) + (1.0 - momentum) * g
            return np.asarray(param, dtype=np.float64) - lr * v, v
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "momentum_step_with_old_velocity",
        "momentum_step",
        "momentum_step moves the parameter with the OLD velocity; update v first, then "
        "param - lr * v with the new v.",
        """
        def momentum_step(param, grad, velocity, lr, momentum=0.9):
            old = np.asarray(velocity, dtype=np.float64)
            v = momentum * old + np.asarray(grad, dtype=np.float64)
            return np.asarray(param, dtype=np.float64) - lr * old, v
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adagrad_eps_inside_sqrt",
        "adagrad_step",
        "adagrad_step adds eps inside the square root, sqrt(s + eps); the rule is sqrt(s) + eps.",
        """
        def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
            g = np.asarray(grad, dtype=np.float64)
            s = np.asarray(sum_sq, dtype=np.float64) + g**2
            return np.asarray(param, dtype=np.float64) - lr * g / np.sqrt(s + eps), s
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adagrad_no_accumulation",
        "adagrad_step",
        "adagrad_step replaces the sum of squared gradients by the current g**2; "
        "Adagrad ACCUMULATES: s = sum_sq + g**2.",
        """
        def adagrad_step(param, grad, sum_sq, lr=0.01, eps=1e-10):
            g = np.asarray(grad, dtype=np.float64)
            s = g**2
            return np.asarray(param, dtype=np.float64) - lr * g / (np.sqrt(s) + eps), s
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "rmsprop_alpha_swapped",
        "rmsprop_step",
        "rmsprop_step swaps alpha and 1 - alpha: a = alpha * a + (1 - alpha) * g**2 keeps "
        "most of the OLD average.",
        """
        def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            a = (1.0 - alpha) * np.asarray(sq_avg, dtype=np.float64) + alpha * g**2
            return np.asarray(param, dtype=np.float64) - lr * g / (np.sqrt(a) + eps), a
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "rmsprop_eps_inside_sqrt",
        "rmsprop_step",
        "rmsprop_step adds eps inside the square root, sqrt(a + eps); PyTorch uses sqrt(a) + eps.",
        """
        def rmsprop_step(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            a = alpha * np.asarray(sq_avg, dtype=np.float64) + (1.0 - alpha) * g**2
            return np.asarray(param, dtype=np.float64) - lr * g / np.sqrt(a + eps), a
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adam_no_bias_correction",
        "adam_step",
        "adam_step skips the bias correction: divide m by 1 - beta1**t and v by "
        "1 - beta2**t before the update.",
        """
        def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
            v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
            return np.asarray(param, dtype=np.float64) - lr * m / (np.sqrt(v) + eps), m, v
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adam_t_off_by_one",
        "adam_step",
        "adam_step bias-corrects with beta**(t + 1) as if t counted from 0; t is the "
        "number of THIS step, starting at 1: use beta**t.",
        """
        def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
            v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
            m_hat = m / (1.0 - beta1 ** (t + 1))
            v_hat = v / (1.0 - beta2 ** (t + 1))
            return np.asarray(param, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adam_eps_inside_sqrt",
        "adam_step",
        "adam_step adds eps inside the square root, sqrt(v_hat + eps); the rule is "
        "sqrt(v_hat) + eps.",
        """
        def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
            v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
            m_hat = m / (1.0 - beta1**t)
            v_hat = v / (1.0 - beta2**t)
            return np.asarray(param, dtype=np.float64) - lr * m_hat / np.sqrt(v_hat + eps), m, v
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adam_returns_old_state",
        "adam_step",
        "adam_step returns the OLD m and v, so the moments are never carried to the next "
        "step; return the updated m and v.",
        """
        def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            m_old = np.asarray(m, dtype=np.float64)
            v_old = np.asarray(v, dtype=np.float64)
            m_new = beta1 * m_old + (1.0 - beta1) * g
            v_new = beta2 * v_old + (1.0 - beta2) * g**2
            m_hat = m_new / (1.0 - beta1**t)
            v_hat = v_new / (1.0 - beta2**t)
            step = lr * m_hat / (np.sqrt(v_hat) + eps)
            return np.asarray(param, dtype=np.float64) - step, m_old, v_old
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adam_returns_corrected_state",
        "adam_step",
        "adam_step returns the bias-corrected m_hat and v_hat as the new state; the state "
        "is the raw moving averages m and v (the correction is recomputed every step).",
        """
        def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
            v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
            m_hat = m / (1.0 - beta1**t)
            v_hat = v / (1.0 - beta2**t)
            new = np.asarray(param, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps)
            return new, m_hat, v_hat
        """,
        TRAIN,
        _WHY,
    ),
    mistake(
        "adam_step_inplace_moments",
        "adam_step",
        "adam_step updates m and v IN PLACE (m *= beta1, ...), which modifies the "
        "caller's arrays; compute new arrays and return them.",
        """
        def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            g = np.asarray(grad, dtype=np.float64)
            m = np.asarray(m, dtype=np.float64)
            v = np.asarray(v, dtype=np.float64)
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * g**2
            m_hat = m / (1.0 - beta1**t)
            v_hat = v / (1.0 - beta2**t)
            return np.asarray(param, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        diagnosable=False,
    ),
]
