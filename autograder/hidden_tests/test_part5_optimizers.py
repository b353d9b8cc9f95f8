"""Hidden tests, part 5: optimizer steps (PyTorch conventions, pure functions)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.hidden_tests import strategies as hs
from autograder.hidden_tests.agreement import (
    agree,
    checks,
    conform,
    describe,
    immutability_case,
    layout_cases,
    require,
    run_immutability,
)

#: gradient magnitudes: ordinary ones, and ones where eps is comparable to sqrt(state)
GRAD_SCALES = (1.0, 3.0, 1e-3, 1e-5, 1e-8, 1e-10)
#: hyper-parameters and number of state arrays of each optimizer
OPTIMIZERS: dict[str, tuple[dict[str, Any], int]] = {
    "gd_step": ({"lr": 0.1}, 0),
    "momentum_step": ({"lr": 0.01}, 1),
    "adagrad_step": ({"lr": 0.5}, 1),
    "rmsprop_step": ({"lr": 0.01}, 1),
    "adam_step": ({"lr": 0.05}, 2),
}


@st.composite
def step_case(draw, n_state: int, nonneg_state: bool = True):
    """(param, grad, states): param any shape, grads at a drawn scale, states >= 0."""
    shape = draw(hs.shapes(max_dims=2))
    param = draw(hs.numeric_arrays(shape, -5.0, 5.0))
    scale = draw(st.sampled_from(GRAD_SCALES))
    grad = draw(hs.float_arrays(shape, -1.0, 1.0)) * scale
    states = []
    for i in range(n_state):
        s = draw(hs.float_arrays(shape, -1.0, 1.0)) * draw(st.sampled_from(GRAD_SCALES))
        states.append(np.abs(s) * scale if (nonneg_state and i == n_state - 1) else s)
    return param, grad, states


#: the names of each optimizer's state arguments
STATE_NAMES: dict[str, tuple[str, ...]] = {
    "gd_step": (), "momentum_step": ("velocity",), "adagrad_step": ("sum_sq",),
    "rmsprop_step": ("sq_avg",), "adam_step": ("m", "v"),
}

lrs = st.sampled_from([0.1, 0.01, 1.0, 0.003])


def _maybe(draw: Any, **values: Any) -> dict[str, Any]:
    """Pass each hyper-parameter or leave it at its default (drawn)."""
    return {k: v for k, v in values.items() if draw(st.booleans())}


@pytest.mark.grades("gd_step", weight=3)
@given(step_case(0), lrs)
def test_gd_step_agrees_with_solution(hw, ref, case, lr):
    param, grad, _ = case
    agree(hw, ref, "gd_step", param, grad, lr, names=("param", "grad", "lr"))


@pytest.mark.grades("momentum_step", weight=3)
@given(step_case(1, nonneg_state=False), lrs, st.data())
def test_momentum_step_agrees_with_solution(hw, ref, case, lr, data):
    param, grad, (velocity,) = case
    hyper = _maybe(data.draw, momentum=data.draw(st.sampled_from([0.5, 0.9, 0.99])))
    agree(hw, ref, "momentum_step", param, grad, velocity, lr, **hyper,
          names=("param", "grad", "velocity", "lr"))


@pytest.mark.grades("adagrad_step", weight=3)
@given(step_case(1), st.data())
def test_adagrad_step_agrees_with_solution(hw, ref, case, data):
    param, grad, (sum_sq,) = case
    hyper = _maybe(data.draw, lr=data.draw(lrs), eps=data.draw(st.sampled_from([1e-10, 1e-6])))
    agree(hw, ref, "adagrad_step", param, grad, sum_sq, **hyper,
          names=("param", "grad", "sum_sq"))


@pytest.mark.grades("rmsprop_step", weight=3)
@given(step_case(1), st.data())
def test_rmsprop_step_agrees_with_solution(hw, ref, case, data):
    param, grad, (sq_avg,) = case
    hyper = _maybe(data.draw, lr=data.draw(lrs), alpha=data.draw(st.sampled_from([0.9, 0.99])),
                   eps=data.draw(st.sampled_from([1e-8, 1e-6])))
    agree(hw, ref, "rmsprop_step", param, grad, sq_avg, **hyper,
          names=("param", "grad", "sq_avg"))


@pytest.mark.grades("adam_step", weight=3)
@given(step_case(2), st.integers(1, 5), st.data())
def test_adam_step_agrees_with_solution(hw, ref, case, t, data):
    param, grad, (m, v) = case
    hyper = _maybe(data.draw, lr=data.draw(lrs), beta1=data.draw(st.sampled_from([0.9, 0.8])),
                   beta2=data.draw(st.sampled_from([0.999, 0.99])),
                   eps=data.draw(st.sampled_from([1e-8, 1e-6])))
    agree(hw, ref, "adam_step", param, grad, m, v, t, **hyper,
          names=("param", "grad", "m", "v", "t"))


@pytest.mark.grades("adagrad_step", weight=1)
def test_adagrad_eps_outside_the_square_root(hw, ref):
    grad = np.array([1e-10, -3e-10, 2e-9, 0.5])
    agree(hw, ref, "adagrad_step", np.ones(4), grad, np.zeros(4),
          names=("param", "grad", "sum_sq"))


@pytest.mark.grades("rmsprop_step", weight=1)
def test_rmsprop_eps_outside_the_square_root(hw, ref):
    grad = np.array([1e-8, -3e-8, 2e-7, 0.5])
    agree(hw, ref, "rmsprop_step", np.ones(4), grad, np.zeros(4),
          names=("param", "grad", "sq_avg"))


@pytest.mark.grades("adam_step", weight=1)
@pytest.mark.parametrize("t", [1, 2, 3])
def test_adam_bias_correction_and_eps(hw, ref, t):
    grad = np.array([1e-5, -2e-5, 1e-8, 0.3, -4.0])
    m = np.array([2e-6, 0.0, -1e-9, 0.1, 0.0])
    v = np.array([1e-11, 3e-10, 0.0, 0.02, 1.0])
    agree(hw, ref, "adam_step", np.ones(5), grad, m, v, t, names=("param", "grad", "m", "v", "t"))


@pytest.mark.grades("adam_step", weight=1)
@given(hs.float_arrays(hs.shapes(max_dims=2), 0.1, 10.0), st.sampled_from([0.001, 0.1]))
def test_adam_first_step_is_lr_times_sign_of_grad(hw, ref, magnitude, lr):
    sign = np.where(np.arange(magnitude.size).reshape(magnitude.shape) % 2 == 0, 1.0, -1.0)
    grad = magnitude * sign
    param = np.linspace(-1.0, 1.0, grad.size).reshape(grad.shape)
    zeros = np.zeros_like(grad)
    got = hw.adam_step(param.copy(), grad.copy(), zeros, zeros.copy(), 1, lr=lr)
    inputs = {"param": param, "grad": grad, "t": 1, "lr": lr}
    conform("adam_step", got, ref.adam_step(param, grad, zeros, zeros, 1, lr=lr), inputs)
    checks.assert_close(param - got[0], lr * np.sign(grad), rtol=1e-5,
                        name="adam_step: the first step (t=1, m=v=0) moves by lr * sign(grad)",
                        inputs=inputs)


# ----------------------------------------------------------------------------- several steps

def _run(impl: Any, function: str, param: np.ndarray, grads: list[np.ndarray],
         hyper: dict[str, Any], n_state: int) -> list[np.ndarray]:
    """Take one step per gradient, carrying the returned state; the params after each step."""
    states = [np.zeros_like(param) for _ in range(n_state)]
    out = []
    for t, g in enumerate(grads, start=1):
        extra = (t,) if function == "adam_step" else ()
        if function in ("gd_step", "momentum_step"):
            res = getattr(impl, function)(param, g, *states, hyper["lr"])
        else:
            res = getattr(impl, function)(param, g, *states, *extra, **hyper)
        if n_state == 0:
            param = res
        else:
            require(isinstance(res, (tuple, list)) and len(res) == n_state + 1,
                    f"{function} must return (param, {n_state} state array(s)), got "
                    f"{describe(res)}", {"param": param, "grad": g})
            param, *states = res
        out.append(param)
    return out


def _opt_params(*names: str) -> list[Any]:
    return [pytest.param(n, marks=pytest.mark.grades(n, weight=1), id=n) for n in names]


@pytest.mark.parametrize("function", _opt_params("momentum_step", "adagrad_step",
                                                 "rmsprop_step", "adam_step"))
@pytest.mark.parametrize("seed", [0, 1])
def test_ten_steps_with_state_carried_agree_with_solution(hw, ref, function, seed):
    hyper, n_state = OPTIMIZERS[function]
    rng = np.random.default_rng(seed)
    param = rng.normal(size=(2, 3))
    grads = [rng.normal(size=(2, 3)) * 10.0 ** rng.integers(-6, 1) for _ in range(10)]
    got = _run(hw, function, param, grads, hyper, n_state)
    expected = _run(ref, function, param, grads, hyper, n_state)
    checks.assert_close(got, expected,
                        name=f"{function}: params after each of 10 steps (state carried over)",
                        inputs={"param": param, "grads": np.array(grads), **hyper})


def _desc_params() -> list[Any]:
    return [pytest.param(n, marks=pytest.mark.grades(n), id=n) for n in OPTIMIZERS]


class _Quadratic:
    """f(x) = 0.5 (x - c)^T A (x - c), A symmetric positive definite, started at x0 = 0.

    The minimum c is away from 0 and the start is 0, so an update that returns zeros
    (or the parameter unchanged) does not descend.
    """

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        M = rng.normal(size=(4, 4))
        self.A = M @ M.T / 4 + np.eye(4)
        self.c = rng.normal(size=4) * 3
        self.x0 = np.zeros(4)

    def value(self, x: np.ndarray) -> float:
        d = x - self.c
        return float(0.5 * d @ self.A @ d)

    def grad(self, x: np.ndarray) -> np.ndarray:
        return self.A @ (x - self.c)


@pytest.mark.parametrize("function", _desc_params())
def test_optimizer_descends_on_a_convex_quadratic(hw, ref, function):
    # every step must be the right one (a wrong update that happens to descend earns
    # nothing), and together they must descend
    hyper, n_state = OPTIMIZERS[function]
    q = _Quadratic(5)
    hyper = dict(hyper, lr=hyper["lr"] / np.linalg.eigvalsh(q.A).max()) \
        if function in ("gd_step", "momentum_step") else hyper
    x, states, values = q.x0.copy(), [np.zeros(4) for _ in range(n_state)], [q.value(q.x0)]
    names = ("param", "grad", *STATE_NAMES[function])
    for t in range(1, 31):
        g = q.grad(x)
        if function in ("gd_step", "momentum_step"):
            res = agree(hw, ref, function, x, g, *states, hyper["lr"], names=(*names, "lr"))
        elif function == "adam_step":
            res = agree(hw, ref, function, x, g, *states, t, names=(*names, "t"), **hyper)
        else:
            res = agree(hw, ref, function, x, g, *states, names=names, **hyper)
        x, *states = (res,) if n_state == 0 else res
        values.append(q.value(x))
    require(values[-1] < 0.8 * values[0],
            f"{function} should descend on the convex f(x) = 0.5 (x - c)^T A (x - c): over "
            f"30 steps f went from {values[0]:.4g} to {values[-1]:.4g}",
            {"A": q.A, "c": q.c, "x0": q.x0, **hyper})


_R = np.random.default_rng(5)
_A, _B, _C, _D = (_R.normal(size=(3, 2)) for _ in range(4))


@pytest.mark.parametrize("function,args,kwargs", layout_cases(
    immutability_case("gd_step", _A, _B, 0.1),
    immutability_case("gd_step", np.arange(6).reshape(3, 2), np.ones((3, 2), dtype=int), 0.1),
    immutability_case("momentum_step", _A, _B, _C, 0.1),
    immutability_case("adagrad_step", _A, _B, np.abs(_C)),
    immutability_case("rmsprop_step", _A, _B, np.abs(_C)),
    immutability_case("adam_step", _A, _B, _C, np.abs(_D), 3),
))
def test_inputs_unchanged(hw, ref, function, args, kwargs):
    run_immutability(hw, ref, function, args, kwargs)
