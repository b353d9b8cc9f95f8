"""Issue 23 "Reproducible feedback": a failing check's inputs can be typed back.

``checks`` messages (shared by the public and the hidden tests) write small inputs as
Python that rebuilds them exactly (every float as its repr, up to 17 significant digits;
the dtype when it is not the default; Fortran order when it matters) and add a line to
paste, ``hw.f(name=np.array([...]), ...)``; large inputs stay readable (shape and a few
entries).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from autograder import paths


@pytest.fixture(scope="module")
def checks() -> ModuleType:
    return paths.load_module(paths.STUDENT_TESTS / "checks.py", "_checks_reproducible")


@pytest.fixture(scope="module")
def testfuncs() -> ModuleType:
    return paths.load_module(paths.STUDENT_TESTS / "testfuncs.py", "testfuncs")


def _message(checks: ModuleType, **inputs) -> str:
    with pytest.raises(AssertionError) as info:
        checks.assert_close(np.array([0.0, 1.0]), np.array([-0.025, 0.0]), name="bce_grad",
                            inputs=inputs)
    return str(info.value)


def test_a_value_a_rounding_away_from_one_is_shown_with_every_digit(checks) -> None:
    p, y = np.array([1.0 - 1e-13, 0.5]), np.array([1.0, 0.0])
    text = _message(checks, p=p, y=y)
    assert "p = np.array([0.9999999999999, 0.5])" in text, text
    assert "p = 1." not in text
    line = next(x for x in text.splitlines() if "to reproduce: " in x)
    call = line.split("to reproduce: ", 1)[1]
    assert call == "hw.bce_grad(p=np.array([0.9999999999999, 0.5]), y=np.array([1.0, 0.0]))"
    seen = {}

    class Hw:
        def bce_grad(self, p, y):
            seen.update(p=p, y=y)

    eval(call, {"np": np, "hw": Hw()})  # typed back: exactly the same arrays
    assert np.array_equal(seen["p"], p) and seen["p"].dtype == p.dtype
    assert np.array_equal(seen["y"], y)


def test_every_float_reads_back_exactly(checks) -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.standard_normal(6) * 10.0 ** rng.integers(-300, 300, 6),
                        [np.nextafter(1.0, 2.0), 5e-324, -0.0, np.inf, np.nan]])
    back = eval(checks.typed(x), {"np": np})
    assert np.array_equal(back, x, equal_nan=True) and back.dtype == x.dtype


@pytest.mark.parametrize("value", [
    np.array([3, 10, 0], dtype=np.uint8),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    {"W1": np.ones((1, 2)), "b1": np.zeros(2)},
    (np.array([True, False]), 3, 2.5, np.float64(0.1)),
])
def test_dtypes_layouts_and_containers_are_typed_back(checks, value) -> None:
    back = eval(checks.typed(value), {"np": np})
    flat_value = value.values() if isinstance(value, dict) else (
        value if isinstance(value, tuple) else [value])
    flat_back = back.values() if isinstance(back, dict) else (
        back if isinstance(back, tuple) else [back])
    for a, b in zip(flat_value, flat_back):
        assert type(a) is type(b) and np.array_equal(a, b)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.flags.f_contiguous == b.flags.f_contiguous


def test_a_test_function_is_typed_back_by_name(checks, testfuncs) -> None:
    f = testfuncs.make("quadratic", A=np.eye(2), b=np.array([1.0, 2.0]))
    text = checks.typed(f)
    back = eval(text, {"np": np, "testfuncs": testfuncs})
    assert back.name == "quadratic" and np.array_equal(back.params["A"], np.eye(2))


def test_large_inputs_stay_readable(checks) -> None:
    big = np.arange(1000.0).reshape(50, 20)
    text = _message(checks, p=big, y=big)
    assert "shape (50, 20)" in text and "..." in text
    assert "to reproduce" not in text and len(text) < 3000
