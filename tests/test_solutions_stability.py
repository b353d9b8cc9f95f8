"""Properties of the reference ``solutions/hw.py`` that the public tests do not make obvious.

Numerical stability for extreme inputs (no overflow / divide / invalid warnings),
the -100 log clamp of the probability losses at p in {0, 1}, integer inputs,
float64 outputs, untouched inputs and Python-float losses.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.paths import load_module
from autograder.release import stubgen


def _load() -> ModuleType:
    path = stubgen.default_root() / "solutions" / "hw.py"
    return load_module(path, "_hw_solutions_for_stability")


hw = _load()

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=150)


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Every floating-point problem except underflow, and every warning, is an error."""
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


EXTREME_LOGITS = [
    np.array([[1e4, -1e4]]),
    np.array([[-1e4, -1e4, -1e4]]),
    np.array([[1e300, -1e300, 0.0], [-1e300, 1e300, 1e300]]),
    np.array([[1e308, -1e308], [-1e308, -1e308]]),
    np.array([[7.0]]),  # N = 1, C = 1
    np.array([[-1e308]]),
    np.array([[0.0, 1e-320, -5e-324]]),  # subnormals
]
IDS = ["pm1e4", "all_minus_1e4", "pm1e300_mixed", "pm1e308", "N1_C1", "N1_C1_min", "subnormal"]


# ----------------------------------------------------------------------------- softmax


@pytest.mark.parametrize("z", EXTREME_LOGITS, ids=IDS)
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_extreme_logits(z: np.ndarray, axis: int) -> None:
    with strict():
        s = hw.softmax(z, axis=axis)
        ds = hw.softmax_backward(z, np.ones_like(z), axis=axis)
    assert s.dtype == np.float64 and s.shape == z.shape
    assert np.all(np.isfinite(s)) and np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-15)
    # the gradient of sum(s) is 0 whatever z is
    assert np.all(np.isfinite(ds))
    np.testing.assert_allclose(ds, 0.0, atol=1e-15)


def test_softmax_of_a_dominant_logit_is_one_hot() -> None:
    with strict():
        s = hw.softmax(np.array([[1e308, -1e308, 0.0]]))
    assert s.tolist() == [[1.0, 0.0, 0.0]]


@SETTINGS
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
        elements=st.floats(allow_nan=False, allow_infinity=False),
    ),
    st.integers(0, 2),
)
def test_softmax_any_finite_input(z: np.ndarray, axis_pick: int) -> None:
    axis = axis_pick % z.ndim
    with strict():
        s = hw.softmax(z, axis=axis)
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-12)
    # the largest logit gets the largest probability
    np.testing.assert_array_equal(
        np.take_along_axis(s, np.argmax(z, axis=axis, keepdims=True), axis),
        np.max(s, axis=axis, keepdims=True),
    )


# ----------------------------------------------------------------------------- fused loss


@pytest.mark.parametrize(
    ("logits", "labels", "expected"),
    [
        (np.array([[1e4, -1e4]]), [1], 2e4),
        (np.array([[1e4, -1e4]]), [0], 0.0),
        (np.array([[1e300, -1e300]]), [1], 2e300),
        (np.array([[-1e300, 1e300], [1e300, -1e300]]), [1, 0], 0.0),
        (np.array([[7.0]]), [0], 0.0),
        (np.array([[-1e4, -1e4]]), [0], np.log(2.0)),
    ],
)
def test_softmax_cross_entropy_extreme_logits(logits, labels, expected) -> None:
    with strict():
        loss = hw.softmax_cross_entropy_loss(logits, np.array(labels))
        grad = hw.softmax_cross_entropy_grad(logits, np.array(labels))
    assert type(loss) is float
    assert loss == pytest.approx(expected, rel=1e-15, abs=1e-300)
    assert grad.dtype == np.float64 and np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)


@SETTINGS
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 6)),
        elements=st.floats(-1e300, 1e300, allow_nan=False),
    ),
    st.data(),
)
def test_softmax_cross_entropy_any_large_logits(logits: np.ndarray, data) -> None:
    n, c = logits.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    with strict():
        loss = hw.softmax_cross_entropy_loss(logits, labels)
        grad = hw.softmax_cross_entropy_grad(logits, labels)
    assert np.isfinite(loss) and loss >= 0
    assert np.all(np.isfinite(grad))
    # each row of the gradient is (softmax - one_hot) / N: sums to 0, label entry <= 0
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)
    assert np.all(grad[np.arange(n), labels] <= 0)


# ----------------------------------------------------------------------------- sigmoid


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1e308, 1.0), (-1e308, 0.0), (1e4, 1.0), (-1e4, 0.0), (0.0, 0.5), (-800.0, 0.0)],
)
def test_sigmoid_extremes(x: float, expected: float) -> None:
    with strict():
        s = hw.sigmoid(np.array([x]))
        ds = hw.sigmoid_backward(np.array([x]), np.array([1.0]))
    assert s.dtype == np.float64
    assert s[0] == pytest.approx(expected, abs=1e-300)
    assert np.isfinite(ds[0]) and 0.0 <= ds[0] <= 0.25


@SETTINGS
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
        elements=st.floats(allow_nan=False, allow_infinity=False),
    )
)
def test_sigmoid_any_finite_input(x: np.ndarray) -> None:
    with strict():
        s = hw.sigmoid(x)
        ds = hw.sigmoid_backward(x, np.ones_like(x))
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(np.isfinite(ds)) and np.all((ds >= 0) & (ds <= 0.25))
    # symmetry sigmoid(-x) = 1 - sigmoid(x)
    with strict():
        np.testing.assert_allclose(hw.sigmoid(-x), 1.0 - s, atol=1e-15)


# ----------------------------------------------------------------------------- clamped logs


def test_bce_at_zero_and_one() -> None:
    with strict():
        assert hw.bce_loss(np.array([0.0, 1.0]), np.array([1.0, 0.0])) == 100.0
        assert hw.bce_loss(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == 0.0
        assert hw.bce_loss(np.array([0.0]), np.array([0.5])) == 50.0
        grad = hw.bce_grad(np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0]))
    assert grad.tolist() == [-1e12 / 4, 1e12 / 4, 0.0, 0.0]


def test_bce_clamp_is_exactly_minus_100() -> None:
    """max(log p, -100): a tiny but positive p below e^-100 costs exactly 100 as well."""
    p = np.array([1e-50, 5e-324, np.exp(-99.0)])
    with strict():
        losses = [hw.bce_loss(p[i : i + 1], np.array([1.0])) for i in range(3)]
    assert losses[:2] == [-max(np.log(1e-50), -100.0), 100.0]
    assert losses[2] == pytest.approx(99.0, rel=1e-15)


@SETTINGS
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0]) | st.floats(0, 1)),
            hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0]) | st.floats(0, 1)),
        )
    )
)
def test_bce_any_probabilities(py: tuple[np.ndarray, np.ndarray]) -> None:
    p, y = py
    with strict():
        loss = hw.bce_loss(p, y)
        grad = hw.bce_grad(p, y)
    assert type(loss) is float and 0.0 <= loss <= 100.0
    assert np.all(np.isfinite(grad)) and np.all(np.abs(grad) <= 1e12 / p.size)


def test_cross_entropy_zero_probability() -> None:
    probs = np.array([[0.0, 1.0], [0.5, 0.5]])
    with strict():
        loss = hw.cross_entropy_loss(probs, np.array([0, 0]))
        grad = hw.cross_entropy_grad(probs, np.array([0, 0]))
    assert loss == pytest.approx((100.0 + np.log(2.0)) / 2, rel=1e-15)
    assert grad.tolist() == [[-1.0 / (2 * 1e-12), 0.0], [-1.0, 0.0]]


# ----------------------------------------------------------------------------- conventions


def _int_calls() -> dict[str, tuple]:
    """Every float-returning function, called with integer arrays where it takes arrays."""
    zi = np.array([[1, 2, 0], [0, -1, 3]])
    xi = np.array([[1, -1], [2, 0]])
    wi = np.array([[1, 0, 2], [-1, 1, 0]])
    params = {
        "W1": np.array([[1, -1, 0], [0, 2, 1]]),
        "b1": np.array([0, 1, 0]),
        "W2": np.array([[1, 0], [0, 1], [1, 1]]),
        "b2": np.array([1, 0]),
    }
    pi, yi = np.array([0, 1, 1]), np.array([1, 1, 0])
    gi = np.array([1, -2, 0])
    return {
        "softmax": (zi,),
        "softmax_backward": (zi, zi),
        "mae_loss": (gi, yi),
        "mae_grad": (gi, yi),
        "mse_loss": (gi, yi),
        "mse_grad": (gi, yi),
        "bce_loss": (pi, yi),
        "bce_grad": (pi, yi),
        "cross_entropy_loss": (np.array([[0, 1], [1, 0]]), np.array([1, 1])),
        "cross_entropy_grad": (np.array([[0, 1], [1, 0]]), np.array([1, 1])),
        "softmax_cross_entropy_loss": (zi, np.array([2, 0])),
        "softmax_cross_entropy_grad": (zi, np.array([2, 0])),
        "one_hot": (np.array([2, 0]), 3),
        "sigmoid": (xi,),
        "sigmoid_backward": (xi, xi),
        "relu": (xi,),
        "relu_backward": (xi, xi),
        "linear_forward": (xi, wi, np.array([1, 0, -1])),
        "linear_backward": (xi, wi, zi),
        "two_layer_net_forward": (params, xi),
        "two_layer_net_loss": (params, xi, np.array([0, 1]), 1),
        "gd_step": (gi, gi, 1),
        "momentum_step": (gi, gi, np.zeros(3, dtype=int), 1),
        "adagrad_step": (gi, gi, np.zeros(3, dtype=int)),
        "rmsprop_step": (gi, gi, np.zeros(3, dtype=int)),
        "adam_step": (gi, gi, np.zeros(3, dtype=int), np.zeros(3, dtype=int), 1),
        "numerical_gradient": (lambda v: float(np.sum(v**2)), np.array([1.0, -2.0])),
        "relative_error": (gi, yi),
        "train_two_layer_net": (xi, np.array([0, 1]), 3, "momentum", 0.1, 2, 1),
    }


def _arrays(value) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    return []


LOSSES = {
    "mae_loss",
    "mse_loss",
    "bce_loss",
    "cross_entropy_loss",
    "softmax_cross_entropy_loss",
    "relative_error",
}


@pytest.mark.parametrize("name", sorted(_int_calls()))
def test_integer_inputs_give_float64_and_are_not_modified(name: str) -> None:
    args = _int_calls()[name]
    before = copy.deepcopy([a for a in args if not callable(a)])
    with strict():
        out = getattr(hw, name)(*args)
    after = [a for a in args if not callable(a)]
    for a, b in zip(_arrays(before), _arrays(after)):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    if name in LOSSES:
        assert type(out) is float
        return
    if name == "two_layer_net_loss":
        assert type(out[0]) is float
    if name == "train_two_layer_net":
        assert all(type(loss) is float for loss in out[1])
    arrays = _arrays(out)
    assert arrays, f"{name} returned no arrays"
    for a in arrays:
        assert a.dtype == np.float64, f"{name} returned {a.dtype}"
        assert np.all(np.isfinite(a))


def test_integer_outputs_where_the_spec_says_int() -> None:
    params = hw.init_two_layer_net(2, 3, 2, seed=1)
    assert hw.predict(params, np.array([[1, 2], [3, 4]])).dtype.kind == "i"
    assert type(hw.steps_per_epoch(np.int64(10), np.int64(3))) is int
    batches = hw.minibatch_indices(10, 4, 0)
    assert all(b.dtype.kind == "i" for b in batches)
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))


def test_reference_numerical_gradient_never_perturbs_x() -> None:
    """The reference works on a private copy (students may perturb and restore x)."""
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()
    seen = []

    def f(v: np.ndarray) -> float:
        seen.append(np.array_equal(x, original))  # x itself never shows a perturbation
        return float(np.sum(v**3))

    grad = hw.numerical_gradient(f, x)
    assert all(seen) and len(seen) == 2 * x.size
    np.testing.assert_array_equal(x, original)
    np.testing.assert_allclose(grad, 3 * original**2, rtol=1e-8)
