"""Small discriminating inputs for every graded function.

``PROBES[function]`` is a list of zero-argument callables, each returning a fresh
``(args, kwargs)``. Together they tell every diagnosable mistake of ``function`` apart from
the reference (``tests/test_diagnosis.py`` checks that): at grading time
:mod:`autograder.mistakes.diagnosis` confirms a hint by calling the submission on the probes that
tell its mistake apart, so they belong with the catalog they describe (the project's
tests use them too, to call the handout's and a junk submission's functions). They are plain data
that can be sent to the sandboxed worker (a function for ``numerical_gradient`` is a
``testfuncs.make(...)`` object), and arrays may come in any memory layout.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType

import numpy as np

from autograder import paths

Probe = Callable[[], tuple[tuple, dict]]


def _rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@functools.lru_cache(maxsize=1)
def _testfuncs() -> ModuleType:
    """``student/tests/testfuncs.py`` (trusted copy): functions the worker can rebuild."""
    return paths.load_module(paths.STUDENT_TESTS / "testfuncs.py", "_probes_testfuncs")


def _quadratic() -> object:
    """A non-separable smooth test function of a (2, 2) x: v A v + b v."""
    r = np.random.default_rng(99)
    return _testfuncs().make("quadratic", A=r.normal(size=(4, 4)), b=r.normal(size=4))


def _params(d: int = 3, h: int = 4, c: int = 3) -> dict[str, np.ndarray]:
    r = _rng()
    return {
        "W1": r.normal(size=(d, h)),
        "b1": r.normal(size=h) * 0.5,
        "W2": r.normal(size=(h, c)),
        "b2": r.normal(size=c) * 0.5,
    }


def _net_data() -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(7)
    return r.normal(size=(12, 3)), np.array([0, 1, 2] * 4)


PROBES: dict[str, list[Probe]] = {
    "softmax": [
        lambda: ((_rng().normal(size=(3, 3)) * 2,), {}),
        lambda: ((np.array([[0.0, 1.0, 2.0], [-1000.0, -999.0, -998.0]]),), {}),
        lambda: ((np.array([[1000.0, 0.0, 1.0]]),), {}),
        lambda: ((_rng().normal(size=(2, 3)),), {"axis": 1}),
    ],
    "softmax_backward": [
        lambda: ((_rng().normal(size=(2, 3)), _rng().normal(size=(2, 3)) + 1.0), {}),
    ],
    "mae_loss": [
        lambda: ((_rng().normal(size=(3, 4)), _rng().normal(size=(3, 4)) + 1.0), {}),
        # errors of several sizes (above: all exactly -1, where |e| = e**2)
        lambda: ((np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.5, 3.5, 6.0])), {}),
        # unsigned integers where y_pred < y: the raw difference wraps around
        lambda: ((np.array([3, 10, 0], dtype=np.uint8), np.array([5, 4, 2], dtype=np.uint8)), {}),
    ],
    "mae_grad": [lambda: ((np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, 3.0, 5.0])), {})],
    "mse_loss": [lambda: ((np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.5, 3.5, 6.0])), {})],
    "mse_grad": [lambda: ((np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.5, 3.5, 6.0])), {})],
    "bce_loss": [
        lambda: ((np.array([0.0, 1.0, 0.3, 0.9]), np.array([1.0, 0.0, 1.0, 0.0])), {}),
    ],
    "bce_grad": [
        lambda: ((np.array([0.0, 1.0, 0.3, 0.5]), np.array([0.0, 1.0, 1.0, 0.0])), {}),
    ],
    "cross_entropy_loss": [
        lambda: (
            (np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]]), np.array([0, 2, 1])),
            {},
        ),
        lambda: ((np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([0, 1])), {}),
    ],
    "cross_entropy_grad": [
        lambda: (
            (np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]]), np.array([0, 2, 1])),
            {},
        ),
        # integer one-hot probabilities (treated as float64)
        lambda: ((np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]]), np.array([1, 0, 2])), {}),
    ],
    "softmax_cross_entropy_loss": [
        lambda: ((np.array([[1e4, -1e4], [0.0, 1.0]]), np.array([1, 0])), {}),
        lambda: ((np.array([[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]]), np.array([0, 2])), {}),
    ],
    "softmax_cross_entropy_grad": [
        lambda: ((_rng().normal(size=(3, 4)), np.array([0, 0, 2])), {}),
    ],
    "one_hot": [lambda: ((np.array([0, 2, 1]), 4), {})],
    "sigmoid": [lambda: ((_rng().normal(size=(2, 3)) * 3,), {})],
    "sigmoid_backward": [lambda: ((_rng().normal(size=(2, 3)), _rng().normal(size=(2, 3))), {})],
    "relu": [lambda: ((_rng().normal(size=(3, 4)),), {})],
    "relu_backward": [
        lambda: (
            (
                np.array([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.0]]),
                np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, 6.0]]),
            ),
            {},
        ),
    ],
    "linear_forward": [
        lambda: (
            (
                _rng().normal(size=(2, 3)),
                _rng().normal(size=(3, 3)) + 1.0,
                np.array([0.5, -1.0, 2.0]),
            ),
            {},
        ),
    ],
    "linear_backward": [
        lambda: (
            (
                _rng().normal(size=(3, 3)),
                _rng().normal(size=(3, 3)) + 1.0,
                np.arange(9.0).reshape(3, 3) - 3.0,
            ),
            {},
        ),
    ],
    "init_two_layer_net": [lambda: ((3, 4, 2), {"seed": 1})],
    "two_layer_net_forward": [lambda: ((_params(), _rng().normal(size=(5, 3))), {})],
    "two_layer_net_loss": [
        lambda: ((_params(), _rng().normal(size=(5, 3)), np.array([0, 1, 2, 1, 0])), {"reg": 0.1}),
    ],
    "predict": [lambda: ((_params(), _rng().normal(size=(5, 3))), {})],
    "gd_step": [lambda: ((np.array([1.0, -2.0]), np.array([0.5, 0.25]), 0.1), {})],
    "momentum_step": [
        lambda: ((np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([0.3, -0.7]), 0.1), {}),
    ],
    "adagrad_step": [
        lambda: ((np.array([1.0, -2.0]), np.array([1e-6, 0.5]), np.array([0.0, 0.3])), {}),
    ],
    "rmsprop_step": [
        lambda: ((np.array([1.0, -2.0]), np.array([1e-5, 0.5]), np.array([0.0, 0.3])), {}),
    ],
    "adam_step": [
        lambda: (
            (
                np.array([1.0, -2.0]),
                np.array([0.5, -0.25]),
                np.array([0.1, 0.2]),
                np.array([0.01, 0.03]),
                3,
            ),
            {},
        ),
        lambda: ((np.array([1.0, -2.0]), np.array([1e-6, 1.0]), np.zeros(2), np.zeros(2), 1), {}),
    ],
    "steps_per_epoch": [lambda: ((10, 3), {}), lambda: ((10, 5), {})],
    "minibatch_indices": [lambda: ((10, 4, 0), {})],
    "train_two_layer_net": [
        lambda: (
            (*_net_data(), 4),
            {"optimizer": "adam", "lr": 0.05, "epochs": 3, "batch_size": 5, "seed": 0},
        ),
    ],
    "numerical_gradient": [
        lambda: ((_quadratic(), np.array([[0.3, -0.2], [0.1, 0.4]])), {}),
        # x in Fortran order: x.reshape(-1) is a copy, not a view
        lambda: ((_quadratic(), np.asfortranarray([[0.3, -0.2], [0.1, 0.4]])), {}),
    ],
    "relative_error": [
        lambda: ((np.array([0.0, 1.0, -1.0]), np.array([0.0, 1.1, 1.0])), {}),
    ],
}
