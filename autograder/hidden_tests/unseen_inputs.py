"""The public tests' unseen inputs: the same checks, on other numbers of the same kind.

The public tests take every input and expected value from ``student/tests/stored.py``
(``stored.example(kind, **values)`` for what a test writes out, ``stored.case(name)`` for
what only an implementation could compute). When graded, each public test runs a second
time with :class:`UnseenInputs` installed as ``stored.UNSEEN``
(:mod:`autograder.grading.public_twins`): ``example`` then returns values drawn here, of the
kind its ``kind`` names (same dtypes, the same special entries: a zero where the public
input has a kink, integers where it has integers, a batch of one where it has one), with
expected values computed from the reference solution; ``case`` returns
:func:`autograder.hidden_tests.public_values.compute` on seeds the handout does not hold.

Nothing here is shipped: the inputs exist only in the grader. A generator never makes a
check harder than the public one (no larger magnitudes, no new special cases), so every
honest submission passes a public test's twin exactly when it passes the test itself
(``tests/test_public_twins.py`` checks that for every catalogued mistake and every correct
variant).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from autograder import paths
from autograder.hidden_tests import public_values
from autograder.hidden_tests.numerical import central_differences

#: the key of every unseen draw (the handout holds neither it nor this module)
KEY = 0x6D_61_67_21  # "mag!"

Values = dict[str, Any]
Generator = Callable[[Values, np.random.Generator, ModuleType], Values]

#: kind (the first argument of ``stored.example``) -> generator of unseen values
KINDS: dict[str, Generator] = {}


def kind(name: str) -> Callable[[Generator], Generator]:
    """Register the generator of the unseen values of the examples of kind ``name``."""

    def register(generator: Generator) -> Generator:
        KINDS[name] = generator
        return generator

    return register


@functools.lru_cache(maxsize=1)
def _reference() -> ModuleType:
    return paths.load_module(paths.SOLUTIONS_HW, "_unseen_inputs_reference")


@functools.lru_cache(maxsize=1)
def _testfuncs() -> ModuleType:
    return paths.load_module(paths.STUDENT_TESTS / "testfuncs.py", "_unseen_inputs_testfuncs")


def _digest(kind_name: str, values: Values) -> int:
    """A number that names these public values (each parametrised case its own draws)."""
    text = json.dumps([kind_name, public_values._encode(values)], sort_keys=True, default=repr)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


class UnseenInputs:
    """``stored.UNSEEN`` while a public test runs on unseen values (see ``stored.Unseen``)."""

    def __init__(self, reference: ModuleType | None = None) -> None:
        self.reference = reference or _reference()
        self._cases: dict[str, Any] | None = None

    def example(self, kind_name: str, values: Values) -> Values:
        """Unseen values of the kind ``kind_name``, named as the public ``values`` are."""
        generator = KINDS.get(kind_name)
        if generator is None:
            raise KeyError(f"no unseen inputs for the public example kind {kind_name!r}")
        rng = np.random.default_rng([KEY, _digest(kind_name, values)])
        out = generator(values, rng, self.reference)
        if list(out) != list(values):
            raise KeyError(f"unseen example {kind_name!r}: {list(out)} for {list(values)}")
        return out

    def case(self, name: str) -> Any:
        """The stored case ``name`` computed on unseen seeds."""
        if self._cases is None:
            self._cases = public_values.compute(public_values.unseen_seeds(KEY), self.reference)
        return self._cases[name]


# ----------------------------------------------------------------------------- helpers


def _size(rng: np.random.Generator, low: int, high: int) -> int:
    """An integer in [low, high]."""
    return int(rng.integers(low, high + 1))


def _shape_like(rng: np.random.Generator, a: np.ndarray, grow: int = 2) -> tuple[int, ...]:
    """A shape of a's dimensions, each at least 2 (or 1 where a's is 1) and a bit larger."""
    return tuple(1 if n == 1 else _size(rng, max(2, n), n + grow) for n in np.shape(a))


def _normal(rng: np.random.Generator, shape: Any, scale: float = 1.0) -> np.ndarray:
    return scale * rng.standard_normal(shape)


def _hard_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """n zeros and ones, at least one of each."""
    y = rng.integers(0, 2, n).astype(np.float64)
    y[:2] = [0.0, 1.0]
    return rng.permutation(y)


def _labels(rng: np.random.Generator, n: int, classes: int, dtype: Any) -> np.ndarray:
    return rng.integers(0, classes, n).astype(dtype)


def _distributions(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    probs = rng.uniform(0.1, 1.0, (n, c))
    return probs / probs.sum(axis=1, keepdims=True)


def _with_zero_errors(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(y_pred, y) of length n: errors of both signs and one exact 0 (where the public
    inputs have one)."""
    y_pred = _normal(rng, n, 2.0)
    errors = rng.choice([-1.0, 1.0], n) * rng.uniform(0.2, 2.0, n)
    errors[0] = 0.0
    errors = rng.permutation(errors)
    return y_pred, y_pred - errors


def _net(rng: np.random.Generator, d: int, h: int, c: int) -> dict[str, np.ndarray]:
    return {"W1": _normal(rng, (d, h)), "b1": _normal(rng, h, 0.5),
            "W2": _normal(rng, (h, c)), "b2": _normal(rng, c, 0.5)}


# ----------------------------------------------------------------------------- part 1


@kind("softmax known values")
def _softmax_known(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    z = _normal(rng, (_size(rng, 2, 4), _size(rng, 3, 5)), 2.0)
    return {"z": z, "expected": ref.softmax(z)}


@kind("softmax large logits")
def _softmax_large(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    c = _size(rng, 2, 3)
    top = rng.uniform(600.0, 1000.0)
    rows = [
        np.concatenate([[top], top - rng.uniform(400.0, 1000.0, c - 1)]),  # far apart
        -rng.uniform(600.0, 999.0) + rng.uniform(0.0, 1.0, c),  # large negative, close
        rng.uniform(600.0, 999.0) + rng.uniform(0.0, 1.0, c),  # large positive, close
    ]
    z = np.array([rng.permutation(r) for r in rng.permutation(rows)])
    return {"z": z, "expected": ref.softmax(z)}


@kind("softmax axis 0")
def _softmax_axis0(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    z = _normal(rng, (_size(rng, 3, 5), _size(rng, 2, 4)), 2.0)
    return {"z": z, "expected": ref.softmax(z, axis=0)}


@kind("softmax integer 1-D")
def _softmax_int(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    z = rng.integers(-3, 4, _size(rng, 3, 6)).astype(v["z"].dtype)
    return {"z": z, "expected": ref.softmax(z)}


@kind("softmax unchanged input")
def _softmax_unchanged(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    z = _normal(rng, (_size(rng, 2, 3), _size(rng, 3, 4)), 1.5)
    return {"z": z, "expected": ref.softmax(z)}


@kind("softmax_backward known values")
def _softmax_backward_known(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = (1, _size(rng, 2, 4))  # one row, as the public input
    z, g = _normal(rng, shape), _normal(rng, shape)
    return {"z": z, "upstream": g, "expected": ref.softmax_backward(z, g)}


@kind("softmax_backward constant upstream")
def _softmax_backward_constant(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = (_size(rng, 2, 3), _size(rng, 3, 4))
    z = _normal(rng, shape, 2.0)
    g = np.full(shape, rng.uniform(-2.0, 2.0))
    return {"z": z, "upstream": g, "expected": ref.softmax_backward(z, g)}


# ----------------------------------------------------------------------------- part 2


def _loss_pair(name: str, gradient: bool = False) -> Generator:
    """y_pred, y of the public arrays' ndim (one exact 0 error in 1-D ones), expected."""

    def generate(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
        if np.ndim(v["y_pred"]) == 1:
            y_pred, y = _with_zero_errors(rng, _size(rng, 3, 6))
        else:
            shape = _shape_like(rng, v["y_pred"])
            y_pred, y = _normal(rng, shape), _normal(rng, shape, 2.0)
        return {"y_pred": y_pred, "y": y, "expected": getattr(ref, name)(y_pred, y)}

    return generate


kind("mae_loss known value")(_loss_pair("mae_loss"))
kind("mae_loss 2-D")(_loss_pair("mae_loss"))
kind("mae_grad known values")(_loss_pair("mae_grad"))
kind("mse_loss known value")(_loss_pair("mse_loss"))
kind("mse_grad known values")(_loss_pair("mse_grad"))


@kind("mae_loss unsigned integers")
def _mae_unsigned(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n = _size(rng, 3, 6)
    y_pred = rng.integers(0, 30, n)
    y = y_pred + rng.choice([-1, 1], n) * rng.integers(1, 8, n)
    y[0], y[1] = y_pred[0] + 3, y_pred[1] - 3  # below and above (as the public inputs)
    y_pred, y = y_pred + 10, y + 10  # nothing below 0
    dtype = v["y_pred"].dtype
    return {"y_pred": y_pred.astype(dtype), "y": y.astype(dtype),
            "expected": ref.mae_loss(y_pred.astype(dtype), y.astype(dtype))}


@kind("mse_loss integer inputs")
def _mse_int(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["y_pred"], grow=1)
    y_pred = rng.integers(-5, 6, shape).astype(v["y_pred"].dtype)
    y = rng.integers(-5, 6, shape).astype(v["y"].dtype)
    return {"y_pred": y_pred, "y": y, "expected": ref.mse_loss(y_pred, y)}


def _bce_known(name: str) -> Generator:
    def generate(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
        n = _size(rng, 2, 5)
        p, y = rng.uniform(0.05, 0.95, n), _hard_labels(rng, n)
        return {"p": p, "y": y, "expected": getattr(ref, name)(p, y)}

    return generate


kind("bce_loss known value")(_bce_known("bce_loss"))
kind("bce_grad known values")(_bce_known("bce_grad"))


@kind("bce_loss clamped")
def _bce_clamped(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    p = _hard_labels(rng, _size(rng, 2, 5))  # probabilities exactly 0 and 1
    wrong = bool(np.all(v["y"] == 1.0 - v["p"]))  # completely wrong, or completely right
    y = 1.0 - p if wrong else p.copy()
    return {"p": p, "y": y, "expected": ref.bce_loss(p, y)}


@kind("bce_grad clamped")
def _bce_grad_clamped(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    p = _hard_labels(rng, _size(rng, 2, 5))  # (p = 0, y = 1) and (p = 1, y = 1), as public
    y = np.ones_like(p)
    return {"p": p, "y": y, "expected": ref.bce_grad(p, y)}


def _cross_entropy(name: str) -> Generator:
    def generate(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
        n, c = _size(rng, 2, 4), _size(rng, 2, 4)
        probs = _distributions(rng, n, c)
        labels = _labels(rng, n, c, v["labels"].dtype)
        return {"probs": probs, "labels": labels, "expected": getattr(ref, name)(probs, labels)}

    return generate


kind("cross_entropy_loss known value")(_cross_entropy("cross_entropy_loss"))
kind("cross_entropy_grad known values")(_cross_entropy("cross_entropy_grad"))


@kind("cross_entropy_loss zero probability")
def _cross_entropy_zero(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n, c = _size(rng, 2, 4), _size(rng, 2, 3)
    hit = _hard_labels(rng, n).astype(bool)  # some rows at their 1, some at a 0
    if len(set(v["labels"].tolist())) == 1:  # one label for every row, as the public case
        labels = np.full(n, rng.integers(0, c))
        hot = np.where(hit, labels, (labels + 1) % c)
    else:
        hot = rng.integers(0, c, n)
        labels = np.where(hit, hot, (hot + 1) % c)
    probs = np.eye(c)[hot]  # exact zeros and ones
    labels = labels.astype(v["labels"].dtype)
    return {"probs": probs, "labels": labels, "expected": ref.cross_entropy_loss(probs, labels)}


@kind("softmax_cross_entropy_loss known values")
def _sce_known(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n, c = _size(rng, 2, 4), _size(rng, 2, 4)
    logits = _normal(rng, (n, c), 2.0)
    labels = _labels(rng, n, c, v["labels"].dtype)
    return {"logits": logits, "labels": labels,
            "expected": ref.softmax_cross_entropy_loss(logits, labels)}


@kind("softmax_cross_entropy_loss large logits")
def _sce_large(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n = _size(rng, 2, 4)
    big = rng.uniform(5e3, 1e4, (n, 1)) * np.array([[1.0, -1.0]])
    logits = np.array([rng.permutation(row) for row in big])
    at_max = _hard_labels(rng, n).astype(bool)  # some right with certainty, some wrong
    labels = np.where(at_max, logits.argmax(axis=1), logits.argmin(axis=1))
    labels = labels.astype(v["labels"].dtype)
    return {"logits": logits, "labels": labels,
            "expected": ref.softmax_cross_entropy_loss(logits, labels)}


@kind("softmax_cross_entropy_grad known values")
def _sce_grad(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    c = _size(rng, 2, 4)
    logits = _normal(rng, (1, c), 2.0)  # one row, as the public input
    labels = np.array([c - 1], dtype=v["labels"].dtype)  # the last class, as the public one
    return {"logits": logits, "labels": labels,
            "expected": ref.softmax_cross_entropy_grad(logits, labels)}


@kind("one_hot")
def _one_hot(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    c = _size(rng, 3, 5)
    labels = rng.integers(0, c, _size(rng, 3, 6))
    labels[rng.integers(len(labels))] = c - 1  # the largest label is C - 1, as public
    labels = labels.astype(v["labels"].dtype)
    return {"labels": labels, "num_classes": c, "expected": ref.one_hot(labels, c)}


@kind("one_hot more classes than labels")
def _one_hot_more(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    c = _size(rng, 5, 7)
    labels = rng.integers(0, c - 2, _size(rng, 1, 2)).astype(v["labels"].dtype)
    return {"labels": labels, "num_classes": c, "expected": ref.one_hot(labels, c)}


# ----------------------------------------------------------------------------- part 3


@kind("sigmoid known values")
def _sigmoid_known(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    x = _normal(rng, _size(rng, 3, 6), 2.0)
    return {"x": x, "expected": ref.sigmoid(x)}


@kind("sigmoid extreme inputs")
def _sigmoid_extreme(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = (_size(rng, 2, 3), _size(rng, 2, 3))
    x = rng.choice([-1.0, 1.0], shape) * rng.uniform(40.0, 1000.0, shape)
    # where exp overflows, on both sides (as -1000, 1000 and -745 in the public input)
    x.flat[:3] = [-rng.uniform(710.0, 1000.0), rng.uniform(710.0, 1000.0),
                  -rng.uniform(720.0, 760.0)]
    x = rng.permutation(x.reshape(-1)).reshape(shape)
    return {"x": x, "expected": ref.sigmoid(x)}


@kind("sigmoid unchanged input")
def _sigmoid_unchanged(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    x = _normal(rng, _size(rng, 3, 5), 2.0)
    return {"x": x, "expected": ref.sigmoid(x)}


@kind("sigmoid_backward known values")
def _sigmoid_backward(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n = _size(rng, 2, 5)
    x, g = _normal(rng, n, 2.0), _normal(rng, n)
    return {"x": x, "upstream": g, "expected": ref.sigmoid_backward(x, g)}


def _with_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal values of both signs with one exact 0 (where the public input has one)."""
    x = _normal(rng, shape, 3.0)
    x.flat[:3] = [0.0, -abs(x.flat[1]), abs(x.flat[2])]
    return rng.permutation(x.reshape(-1)).reshape(shape)


@kind("relu known values")
def _relu_known(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    x = _with_zero(rng, _shape_like(rng, v["x"]))
    return {"x": x, "expected": ref.relu(x)}


@kind("relu integer input")
def _relu_int(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    x = rng.integers(-5, 6, _size(rng, 2, 5))
    x[:2] = [-abs(x[0]) - 1, abs(x[1]) + 1]
    x = rng.permutation(x).astype(v["x"].dtype)
    return {"x": x, "expected": ref.relu(x)}


@kind("relu_backward known values")
def _relu_backward(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n = _size(rng, 3, 6)
    x, g = _with_zero(rng, (n,)), _normal(rng, n, 3.0)
    return {"x": x, "upstream": g, "expected": ref.relu_backward(x, g)}


def _linear_sizes(rng: np.random.Generator) -> tuple[int, int]:
    """D and M with M > D (not square, as the public W)."""
    d = _size(rng, 2, 4)
    return d, d + _size(rng, 1, 2)


@kind("linear_forward known values")
def _linear_forward_known(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    d, m = _linear_sizes(rng)
    x, W, b = _normal(rng, (1, d)), _normal(rng, (d, m)), _normal(rng, m)
    return {"x": x, "W": W, "b": b, "expected": ref.linear_forward(x, W, b)}


@kind("linear_forward batch")
def _linear_forward_batch(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    d, m = _linear_sizes(rng)
    x, W, b = _normal(rng, (_size(rng, 3, 6), d)), _normal(rng, (d, m)), _normal(rng, m)
    return {"x": x, "W": W, "b": b, "expected": ref.linear_forward(x, W, b)}


@kind("linear_backward known values")
def _linear_backward(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    d, m = _linear_sizes(rng)
    x, W, g = _normal(rng, (1, d)), _normal(rng, (d, m)), _normal(rng, (1, m))  # one row
    return {"x": x, "W": W, "upstream": g, "expected": ref.linear_backward(x, W, g)}


# ----------------------------------------------------------------------------- part 4


def _distinct_sizes(rng: np.random.Generator) -> tuple[int, int, int]:
    n_in, n_hidden, n_out = (int(s) for s in rng.choice(np.arange(2, 8), 3, replace=False))
    return n_in, n_hidden, n_out


@kind("init sizes")
def _init_sizes(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n_in, n_hidden, n_out = _distinct_sizes(rng)
    return {"n_in": n_in, "n_hidden": n_hidden, "n_out": n_out, "seed": _size(rng, 0, 999)}


@kind("init random stream")
def _init_stream(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n_in, n_hidden, _ = _distinct_sizes(rng)
    n_out, seed = n_in, _size(rng, 0, 999)  # n_in == n_out, as the public sizes
    params = ref.init_two_layer_net(n_in, n_hidden, n_out, seed=seed, scale=1.0)
    return {"n_in": n_in, "n_hidden": n_hidden, "n_out": n_out, "seed": seed,
            "W1": params["W1"], "W2": params["W2"]}


@kind("init default scale")
def _init_default(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n_in, n_hidden, _ = _distinct_sizes(rng)
    n_out, seed = n_in, _size(rng, 0, 999)
    params = ref.init_two_layer_net(n_in, n_hidden, n_out, seed=seed)
    return {"n_in": n_in, "n_hidden": n_hidden, "n_out": n_out, "seed": seed,
            "W1": params["W1"]}


def _small_net(v: Values, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A random net of the public small net's shapes and a few examples for it."""
    d, h = v["params"]["W1"].shape
    c = v["params"]["W2"].shape[1]
    return _net(rng, d, h, c), _normal(rng, (_size(rng, 3, 5), d), 1.5)


@kind("two_layer_net_forward small net")
def _forward_small(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    params, X = _small_net(v, rng)
    return {"params": params, "X": X, "expected": ref.two_layer_net_forward(params, X)}


@kind("two_layer_net_loss small net")
def _loss_small(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    params, X = _small_net(v, rng)
    labels = _labels(rng, len(X), params["W2"].shape[1], v["labels"].dtype)
    loss = ref.two_layer_net_loss(params, X, labels, v["reg"])[0]
    return {"params": params, "X": X, "labels": labels, "reg": v["reg"], "expected": loss}


@kind("predict small net")
def _predict_small(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    # as in the public case, the biases shift the logits but change no prediction
    while True:
        params, X = _small_net(v, rng)
        unbiased = {**params, "b1": 0.0 * params["b1"], "b2": 0.0 * params["b2"]}
        expected = ref.predict(params, X)
        if np.array_equal(expected, ref.predict(unbiased, X)):
            return {"params": params, "X": X, "expected": expected}


# ----------------------------------------------------------------------------- part 5


def _lr(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.05, 0.8))


@kind("gd_step")
@kind("gd_step 2-D")
def _gd(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    param, grad, lr = _normal(rng, shape), _normal(rng, shape), _lr(rng)
    return {"param": param, "grad": grad, "lr": lr, "expected": ref.gd_step(param, grad, lr)}


@kind("momentum_step")
def _momentum(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    param, grad, velocity = _normal(rng, shape), _normal(rng, shape), _normal(rng, shape)
    lr = _lr(rng)
    return {"param": param, "grad": grad, "velocity": velocity, "lr": lr,
            "expected": ref.momentum_step(param, grad, velocity, lr)}


@kind("momentum_step first step")
def _momentum_first(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    param, grad, lr = _normal(rng, shape), _normal(rng, shape), _lr(rng)
    momentum = float(rng.uniform(0.3, 0.95))
    velocity = np.zeros(shape)
    return {"param": param, "grad": grad, "velocity": velocity, "lr": lr, "momentum": momentum,
            "expected": ref.momentum_step(param, grad, velocity, lr, momentum=momentum)}


def _nonzero(rng: np.random.Generator, shape: Any) -> np.ndarray:
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 3.0, shape)


@kind("adagrad_step")
@kind("adagrad_step accumulates")
def _adagrad(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    param, grad, lr = _normal(rng, shape), _nonzero(rng, shape), _lr(rng)
    zero = not np.any(v["sum_sq"])
    sum_sq = np.zeros(shape) if zero else rng.uniform(1.0, 20.0, shape)
    return {"param": param, "grad": grad, "sum_sq": sum_sq, "lr": lr,
            "expected": ref.adagrad_step(param, grad, sum_sq, lr=lr)}


@kind("rmsprop_step defaults")
def _rmsprop_defaults(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    param, grad, sq_avg = _normal(rng, shape), _nonzero(rng, shape), np.zeros(shape)
    return {"param": param, "grad": grad, "sq_avg": sq_avg,
            "expected": ref.rmsprop_step(param, grad, sq_avg)}


@kind("rmsprop_step running average")
def _rmsprop_average(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    grad, lr = _nonzero(rng, shape), _lr(rng)
    # params at 0 (the value is the step itself) and alpha as in the public case
    param = np.zeros(shape) if not np.any(v["param"]) else _normal(rng, shape)
    sq_avg, alpha = rng.uniform(0.5, 2.0, shape), v["alpha"]
    return {"param": param, "grad": grad, "sq_avg": sq_avg, "lr": lr, "alpha": alpha,
            "expected": ref.rmsprop_step(param, grad, sq_avg, lr=lr, alpha=alpha)}


@kind("adam_step first step")
def _adam_first(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"])
    param, grad, lr = _normal(rng, shape), _nonzero(rng, shape), _lr(rng)
    m, vv = np.zeros(shape), np.zeros(shape)
    return {"param": param, "grad": grad, "m": m, "v": vv, "t": 1, "lr": lr,
            "expected": ref.adam_step(param, grad, m, vv, 1, lr=lr)}


@kind("adam_step second step")
def _adam_second(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    shape = _shape_like(rng, v["param"], grow=1)
    first = _nonzero(rng, shape)  # the state after a first step with this gradient
    m, vv = 0.1 * first, 0.001 * first**2
    param, grad, lr = _normal(rng, shape), _nonzero(rng, shape), _lr(rng)
    return {"param": param, "grad": grad, "m": m, "v": vv, "t": 2, "lr": lr,
            "expected": ref.adam_step(param, grad, m, vv, 2, lr=lr)}


# ----------------------------------------------------------------------------- part 6


def _same_relation(n: int, b: int, rng: np.random.Generator) -> tuple[int, int]:
    """Another (n_samples, batch_size) in the public pair's relation: b == 1, b == n,
    b > n, b dividing n, or a short last batch."""
    if b == 1:
        return _size(rng, 2, 200), 1
    if b == n:
        k = _size(rng, 2, 40)
        return k, k
    if b > n:
        k = _size(rng, 2, 9)
        return k, k + _size(rng, 1, 100)
    batch = _size(rng, 2, 40)
    if n % b == 0:
        return batch * _size(rng, 2, 12), batch
    return batch * _size(rng, 1, 12) + _size(rng, 1, batch - 1), batch


@kind("steps_per_epoch")
def _steps(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n, b = _same_relation(v["n_samples"], v["batch_size"], rng)
    return {"n_samples": n, "batch_size": b, "expected": ref.steps_per_epoch(n, b)}


@kind("minibatch_indices stream")
def _batches_stream(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    b = _size(rng, 2, 5)
    n = b * _size(rng, 2, 5) + _size(rng, 1, b - 1)  # a short last batch, as the public case
    seed = _size(rng, 0, 999)
    return {"n_samples": n, "batch_size": b, "seed": seed,
            "expected": ref.minibatch_indices(n, b, seed)}


@kind("minibatch_indices partition")
def _batches_partition(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    n, b = _same_relation(v["n_samples"], v["batch_size"], rng)
    return {"n_samples": n, "batch_size": b, "seed": _size(rng, 0, 999)}


# ----------------------------------------------------------------------------- part 7


@kind("numerical_gradient sum of squares")
def _ng_squares(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    x = _normal(rng, _size(rng, 2, 5), 2.0)
    f = _testfuncs().make("sum_of_squares")
    return {"x": x, "expected": central_differences(f, x)}


@kind("numerical_gradient central")
def _ng_central(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    x = rng.uniform(-3.0, 3.0, _size(rng, 2, 4))
    f = _testfuncs().make("cubic")
    return {"x": x, "h": v["h"], "expected": central_differences(f, x, h=v["h"])}


@kind("relative_error")
def _relative_error(v: Values, rng: np.random.Generator, ref: ModuleType) -> Values:
    a0, b0 = v["a"], v["b"]
    shape = _shape_like(rng, a0, grow=2)
    if np.array_equal(a0, b0):  # the same arrays: 0
        a = _normal(rng, shape)
        b = a.copy()
    elif np.max(np.abs(a0) + np.abs(b0)) < 1e-8:  # below the 1e-8 floor
        a, b = np.zeros(shape), rng.uniform(0.05, 0.9, shape) * 1e-8
    elif a0.ndim == 2:  # a pair of opposite signs
        a = _nonzero(rng, shape)
        b = a * rng.uniform(0.8, 1.2, shape)
        b.flat[0] = -a.flat[0]
    else:  # a pair of zeros
        a, b = _nonzero(rng, shape), _nonzero(rng, shape)
        a.flat[-1] = b.flat[-1] = 0.0
    return {"a": a, "b": b, "expected": ref.relative_error(a, b)}
