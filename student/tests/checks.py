"""Comparison and gradient-check helpers shared by the public and the hidden tests.

Every failing check raises an ``AssertionError`` whose message tells the student
*which function* failed, *on which input*, what was expected and what came back,
and how far off it was (largest absolute and relative error, and where).

Only NumPy is used, so this file works in the handout as well as in the grader.

Main helpers
------------
* :func:`assert_close` -- compare a result (array, scalar, tuple/list, dict) with
  the expected one, with a tolerance scaled to the magnitude of the expected values.
* :func:`reference_numerical_gradient` -- the trusted central-difference gradient
  (independent of the student's ``numerical_gradient``).
* :func:`assert_gradient_matches` -- compare an analytic gradient with it.
* :func:`snapshot` / :func:`assert_unchanged` -- check that inputs are not modified.
* :func:`laid_out` -- the same values in another memory layout (Fortran order, a
  transposed or strided view, ...): how a test says an argument must arrive.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

__all__ = [
    "LAYOUTS",
    "assert_args_unchanged",
    "assert_close",
    "assert_gradient_matches",
    "assert_unchanged",
    "format_inputs",
    "format_value",
    "laid_out",
    "no_float_warnings",
    "reference_numerical_gradient",
    "restore_tolerance",
    "snapshot",
]

#: arrays with more entries than this are printed in summarised form
PRINT_THRESHOLD = 20
PRINT_PRECISION = 4
#: whether failure messages show expected values (the grader turns it off for hidden
#: tests when the instructor chooses so; students' own runs always show them)
SHOW_EXPECTED = True


# --------------------------------------------------------------------------- formatting


def _is_scalar(x: Any) -> bool:
    """True for Python / NumPy numbers and bools (not arrays, not strings)."""
    return isinstance(x, (bool, int, float, np.number, np.bool_))


def format_value(x: Any, *, indent: int = 0, precision: int = PRINT_PRECISION) -> str:
    """A compact, readable representation of a value for failure messages.

    Arrays are printed with 4 decimals; arrays with more than 20 entries are
    summarised (first/last entries), always with shape and dtype. ``indent`` is
    the column where the value starts: continuation lines are aligned to it.
    """
    pad = " " * indent
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "biuf":
            body = np.array2string(
                x,
                precision=precision,
                threshold=PRINT_THRESHOLD,
                edgeitems=3,
                separator=", ",
                max_line_width=max(40, 100 - indent),
            )
        else:
            body = f"<array of dtype {x.dtype}>"
        body = body.replace("\n", "\n" + pad)
        return f"{body}  (shape {x.shape}, {x.dtype})"
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x)}"
    if isinstance(x, (float, np.floating)):
        kind = "" if type(x) is float else f"  ({type(x).__name__})"
        return f"{float(x)!r}{kind}" if len(repr(float(x))) <= 12 else f"{float(x):.10g}{kind}"
    if isinstance(x, Mapping):
        items = [
            f"{pad}  {k!r}: {format_value(v, indent=indent + 4 + len(repr(k)))}"
            for k, v in x.items()
        ]
        return "{\n" + "\n".join(items) + "\n" + pad + "}"
    if isinstance(x, (list, tuple)):
        if all(_is_scalar(v) for v in x) and len(x) <= PRINT_THRESHOLD:
            return repr(type(x)(_plain(v) for v in x))
        open_, close = ("[", "]") if isinstance(x, list) else ("(", ")")
        shown = [*x[:3], ..., *x[-3:]] if len(x) > 8 else list(x)
        items = [
            f"{pad}  ..." if v is ... else f"{pad}  {format_value(v, indent=indent + 2)},"
            for v in shown
        ]
        return f"{open_}  # {type(x).__name__} of {len(x)}\n" + "\n".join(items) + f"\n{pad}{close}"
    if hasattr(x, "name") and hasattr(x, "params") and callable(x):
        return f"<test function {x.name!r}>"
    text = repr(x)
    return text if len(text) <= 200 else text[:200] + "..."


def _plain(v: Any) -> Any:
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v


def format_inputs(inputs: Mapping[str, Any] | None) -> str:
    """Format a dict of named inputs, one per line (empty string for None)."""
    if not inputs:
        return ""
    lines = ["  inputs:"]
    for key, value in inputs.items():
        prefix = f"    {key} = "
        lines.append(prefix + format_value(value, indent=len(prefix)))
    return "\n".join(lines)


def _index(flat_index: int, shape: tuple[int, ...]) -> str:
    if not shape:
        return "(scalar)"
    idx = np.unravel_index(flat_index, shape)
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


# --------------------------------------------------------------------------- assert_close


class _Mismatch(Exception):
    """Internal: a difference found at ``where`` (path inside the result)."""

    def __init__(self, where: str, text: str) -> None:
        super().__init__(text)
        self.where = where
        self.text = text


def _type_name(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    return f"a {type(x).__name__}"


def _compare(got: Any, exp: Any, where: str, opts: dict[str, Any]) -> None:
    """Raise _Mismatch on the first difference between got and exp."""
    if isinstance(exp, Mapping):
        if not isinstance(got, Mapping):
            raise _Mismatch(where, f"expected a dict, got {_type_name(got)}")
        missing = [k for k in exp if k not in got]
        extra = [k for k in got if k not in exp]
        if missing or extra:
            raise _Mismatch(
                where,
                f"expected a dict with keys {sorted(exp)}, got keys {sorted(got)}"
                + (f" (missing {missing})" if missing else "")
                + (f" (unexpected {extra})" if extra else ""),
            )
        for k in exp:
            _compare(got[k], exp[k], f"{where}[{k!r}]", opts)
        return

    if isinstance(exp, (list, tuple)):
        if isinstance(got, (list, tuple)):
            if len(got) != len(exp):
                raise _Mismatch(
                    where,
                    f"expected a {type(exp).__name__} of {len(exp)} values, "
                    f"got a {type(got).__name__} of {len(got)}",
                )
            for i, (g, e) in enumerate(zip(got, exp)):
                _compare(g, e, f"{where}[{i}]", opts)
            return
        if isinstance(got, np.ndarray):
            try:
                exp_arr = np.asarray(exp)
            except ValueError:
                exp_arr = None
            if exp_arr is not None and exp_arr.dtype.kind in "biuf":
                _compare_arrays(got, exp_arr, where, opts)
                return
        raise _Mismatch(
            where, f"expected a {type(exp).__name__} of {len(exp)} values, got {_type_name(got)}"
        )

    if isinstance(exp, np.ndarray) and exp.ndim > 0:
        if not isinstance(got, np.ndarray):
            raise _Mismatch(
                where, f"expected a NumPy array of shape {exp.shape}, got {_type_name(got)}"
            )
        _compare_arrays(got, exp, where, opts)
        return

    # expected is a scalar (Python / NumPy number or a 0-d array)
    if isinstance(exp, np.ndarray):
        exp = exp[()]
    if not _is_scalar(exp):
        raise TypeError(f"assert_close cannot compare expected values of type {type(exp)}")
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if not _is_scalar(got):
        raise _Mismatch(where, f"expected a single number (a float), got {_type_name(got)}")
    _compare_arrays(np.asarray(got), np.asarray(exp), where, opts)


def _compare_arrays(got: np.ndarray, exp: np.ndarray, where: str, opts: dict[str, Any]) -> None:
    """Compare two numeric arrays (dtype kind, shape, finiteness, values)."""
    show = opts["show_expected"]
    if got.dtype.kind not in "biuf":
        raise _Mismatch(where, f"expected numbers, got an array of dtype {got.dtype}")
    if exp.dtype.kind in "iu" and got.dtype.kind not in "iu":
        raise _Mismatch(where, f"expected an integer array, got dtype {got.dtype}")
    if got.shape != exp.shape:
        raise _Mismatch(where, f"expected shape {exp.shape}, got shape {got.shape}")
    if got.size == 0:
        return

    g = got.astype(np.float64)
    e = exp.astype(np.float64)
    exp_finite = np.isfinite(e)
    got_finite = np.isfinite(g)

    bad_nonfinite = exp_finite & ~got_finite
    if bad_nonfinite.any():
        i = int(np.flatnonzero(bad_nonfinite)[0])
        val = g.flat[i]
        count = int(bad_nonfinite.sum())
        what = "nan" if math.isnan(val) else ("inf" if val > 0 else "-inf")
        raise _Mismatch(
            where,
            f"got {what} at index {_index(i, got.shape)} where a finite value "
            + (f"({e.flat[i]:.6g}) " if show else "")
            + f"was expected ({count} non-finite entr{'y' if count == 1 else 'ies'}); "
            "look for overflow in exp, log(0) or a division by 0",
        )
    # where the expected value is nan/inf, the result must be the same nan/inf
    special = ~exp_finite
    if special.any():
        same = (np.isnan(e) & np.isnan(g)) | (e == g)
        wrong = special & ~same
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise _Mismatch(
                where,
                f"wrong value at index {_index(i, got.shape)}: got {g.flat[i]:.6g}"
                + (f", expected {e.flat[i]:.6g}" if show else ""),
            )

    scale = max(1.0, float(np.max(np.abs(e[exp_finite]), initial=0.0)))
    gf = np.where(exp_finite, g, 0.0)
    ef = np.where(exp_finite, e, 0.0)
    abs_err = np.abs(gf - ef)
    allowed = opts["atol"] * scale + opts["rtol"] * np.abs(ef)
    bad = abs_err > allowed
    if not bad.any():
        return

    # integers (labels, counts, indices) whose tolerance is below 1, and exact
    # conventions: every difference fails, so there is no tolerance to talk about
    integers = exp.dtype.kind in "biu" and got.dtype.kind in "biu"
    exact = (opts["atol"] == 0 and opts["rtol"] == 0) or (integers and bool(np.all(allowed < 1)))
    if exact:
        _raise_exact(got, exp, bad, where, show)

    with np.errstate(divide="ignore", invalid="ignore"):
        rel_err = np.where(np.abs(ef) > 0, abs_err / np.abs(ef), np.where(abs_err > 0, np.inf, 0))
    i_abs = int(np.argmax(abs_err))
    i_rel = int(np.argmax(rel_err))
    n_bad = int(bad.sum())
    lines = [f"wrong values: {n_bad} of {got.size} entries outside the tolerance"]
    if got.ndim == 0:
        lines = ["wrong value"]
    if show:
        exp_text = format_value(exp if exp.ndim else exp[()], indent=12)
        got_text = format_value(got if got.ndim else got[()], indent=12)
        if exp_text == got_text:  # the difference is below 4 decimals: show more
            exp_text = format_value(exp if exp.ndim else exp[()], indent=12, precision=10)
            got_text = format_value(got if got.ndim else got[()], indent=12, precision=10)
        lines.append(f"  expected: {exp_text}")
        lines.append(f"  got:      {got_text}")
        at = "" if got.ndim == 0 else f" at index {_index(i_abs, got.shape)}"
        lines.append(
            f"  largest absolute error {abs_err.flat[i_abs]:.3g}{at} "
            f"(got {g.flat[i_abs]:.10g}, expected {e.flat[i_abs]:.10g})"
        )
        if got.ndim > 0:
            lines.append(
                f"  largest relative error {rel_err.flat[i_rel]:.3g} "
                f"at index {_index(i_rel, got.shape)}"
            )
        else:
            lines.append(f"  relative error {rel_err.flat[i_rel]:.3g}")
    else:
        first = int(np.flatnonzero(bad)[0])
        at = "" if got.ndim == 0 else f" (first at index {_index(first, got.shape)})"
        lines.append(f"  got:      {format_value(got if got.ndim else got[()], indent=12)}")
        lines.append(f"  the result differs from the expected one{at}")
    # the scale is max |expected|: printing it would reveal a hidden expected value
    scale_text = f"{scale:.3g}" if show else "max(1, max |expected|)"
    lines.append(
        f"  tolerance: |got - expected| <= {opts['atol']:.0e} * {scale_text} "
        f"+ {opts['rtol']:.0e} * |expected|"
    )
    raise _Mismatch(where, "\n".join(lines))


def _raise_exact(
    got: np.ndarray, exp: np.ndarray, bad: np.ndarray, where: str, show: bool
) -> None:
    """The mismatch of an exact comparison (integers, or rtol = atol = 0)."""

    def number(x: Any) -> str:
        x = x.item()
        return f"{x:.10g}" if isinstance(x, float) else str(x)

    n_bad = int(bad.sum())
    first = int(np.flatnonzero(bad)[0])
    index = _index(first, got.shape)
    if got.ndim == 0:
        lines = ["wrong value"]
    else:
        lines = [f"wrong values: {n_bad} of {got.size} entries differ"]
    got_text = format_value(got if got.ndim else got[()], indent=12, precision=10)
    if show:
        exp_text = format_value(exp if exp.ndim else exp[()], indent=12, precision=10)
        lines.append(f"  expected: {exp_text}")
        lines.append(f"  got:      {got_text}")
        if got.ndim:
            lines.append(
                f"  first difference at index {index}: got {number(got.flat[first])}, "
                f"expected {number(exp.flat[first])}"
            )
    else:
        lines.append(f"  got:      {got_text}")
        at = f" (first at index {index})" if got.ndim else ""
        lines.append(f"  the result differs from the expected one{at}")
    integers = got.dtype.kind in "biu" and exp.dtype.kind in "biu"
    lines.append(f"  {'integers are' if integers else 'this value is'} compared exactly")
    raise _Mismatch(where, "\n".join(lines))


def assert_close(
    got: Any,
    expected: Any,
    *,
    name: str,
    inputs: Mapping[str, Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    show_expected: bool | None = None,
) -> None:
    """Assert that ``got`` equals ``expected`` up to a scaled tolerance.

    ``got`` and ``expected`` may be arrays, scalars, tuples/lists (compared
    element by element, same length) or dicts (same keys). An expected list of
    numbers also matches an array. Checked in order: the kind of value (array
    vs single number, integer arrays where integers are expected), the shape,
    finiteness (nan/inf where a finite value is expected), then every entry::

        |got - expected| <= atol * scale + rtol * |expected|,
        scale = max(1, max |expected|)   (per array)

    Args:
        got: the value returned by the function under test.
        expected: the correct value.
        name: the function under test (e.g. ``"softmax"``), named in the message.
        inputs: the arguments it was called with, shown compactly in the message.
        rtol, atol: relative and (scaled) absolute tolerance.
        show_expected: False hides the expected values from the message; None (the
            default) follows the module setting ``SHOW_EXPECTED``, which the grader
            sets per test.

    Raises:
        AssertionError: with a message for the student.
    """
    __tracebackhide__ = True  # pytest: show the failing test, not this helper
    if show_expected is None:
        show_expected = SHOW_EXPECTED
    opts = {"rtol": rtol, "atol": atol, "show_expected": show_expected}
    try:
        _compare(got, expected, "result", opts)
    except _Mismatch as m:
        where = "" if m.where == "result" else f" (in {m.where})"
        parts = [f"{name}: {m.text.splitlines()[0]}{where}"]
        parts.extend(m.text.splitlines()[1:])
        text_inputs = format_inputs(inputs)
        if text_inputs:
            parts.append(text_inputs)
        raise AssertionError("\n".join(parts)) from None


# --------------------------------------------------------------------------- gradients


def reference_numerical_gradient(
    f: Callable[[np.ndarray], float], x: Any, h: float = 1e-5
) -> np.ndarray:
    """Trusted numerical gradient of a scalar function by central differences.

    ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry i, in
    float64, on a private copy of ``x`` (``x`` itself is never touched).
    """
    xp = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xp)
    for i in np.ndindex(xp.shape):
        old = xp[i]
        xp[i] = old + h
        f_plus = float(f(xp.copy()))
        xp[i] = old - h
        f_minus = float(f(xp.copy()))
        xp[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def assert_gradient_matches(
    analytic: Any,
    f: Callable[[np.ndarray], float],
    x: Any,
    *,
    name: str,
    h: float = 1e-5,
    tol: float = 1e-6,
    atol: float = 1e-8,
    inputs: Mapping[str, Any] | None = None,
) -> None:
    """Assert that an analytic gradient matches the numerical gradient of ``f`` at ``x``.

    Per entry, the relative error ``|a - n| / max(1e-8, |a| + |n|)`` must be at
    most ``tol``. Entries whose absolute difference is below
    ``atol * max(1, |f(x)|)`` also pass: there the finite-difference rounding
    noise (about 1e-16 * |f| / h) dominates, e.g. where the true gradient is 0.

    Args:
        analytic: the gradient computed by the function under test.
        f: the scalar function (of an array shaped like x) it is the gradient of.
        x: the point.
        name: the function under test, named in the message.
        h: finite-difference step.
        tol: largest allowed relative error.
        atol: absolute floor, scaled by max(1, |f(x)|).
        inputs: the arguments of the function under test, shown in the message.

    Raises:
        AssertionError: with a message for the student.
    """
    __tracebackhide__ = True
    x = np.asarray(x, dtype=np.float64)
    numeric = reference_numerical_gradient(f, x, h)
    text_inputs = format_inputs(inputs)

    def fail(text: str) -> None:
        __tracebackhide__ = True
        raise AssertionError(f"{name}: {text}" + (f"\n{text_inputs}" if text_inputs else ""))

    if not isinstance(analytic, np.ndarray) and not _is_scalar(analytic):
        fail(
            f"the gradient should be a NumPy array of shape {numeric.shape}, "
            f"got {_type_name(analytic)}"
        )
    a = np.asarray(analytic)
    if a.dtype.kind not in "biuf":
        fail(f"the gradient should contain numbers, got dtype {a.dtype}")
    if a.shape != numeric.shape:
        fail(f"the gradient has shape {a.shape}, expected {numeric.shape} (the shape of the input)")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        i = int(np.flatnonzero(~np.isfinite(a))[0])
        fail(f"the gradient has a non-finite value ({a.flat[i]}) at index {_index(i, a.shape)}")

    diff = np.abs(a - numeric)
    rel = diff / np.maximum(1e-8, np.abs(a) + np.abs(numeric))
    floor = atol * max(1.0, abs(float(f(x.copy()))))
    bad = (rel > tol) & (diff > floor)
    if not bad.any():
        return
    rel_bad = np.where(bad, rel, 0.0)
    i = int(np.argmax(rel_bad))
    where = f"at index {_index(i, a.shape)}: got {a.flat[i]:.8g}"
    lines = [
        "the gradient does not match the numerical gradient (central differences, "
        f"h={h:g})",
        f"  {int(bad.sum())} of {a.size} entries have a relative error "
        f"|got - numerical| / (|got| + |numerical|) above {tol:g}",
    ]
    if SHOW_EXPECTED:  # the numerical gradient is the expected value
        lines += [
            f"  largest relative error {rel.flat[i]:.3g} {where}, numerical gradient "
            f"{numeric.flat[i]:.8g}",
            f"  got:       {format_value(a.reshape(numeric.shape), indent=13)}",
            f"  numerical: {format_value(numeric, indent=13)}",
        ]
    else:
        lines += [
            f"  largest relative error {rel.flat[i]:.3g} {where}",
            f"  got:       {format_value(a.reshape(numeric.shape), indent=13)}",
        ]
    fail("\n".join(lines))


# --------------------------------------------------------------------------- stability


@contextlib.contextmanager
def no_float_warnings(name: str, inputs: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Fail if the call inside overflows, divides by zero or makes an invalid value.

    "Stable" in the assignment means: finite, and free of NumPy's overflow,
    divide-by-zero and invalid-value warnings for any finite input (underflow to 0 is
    fine). Inside this block those warnings are errors; put only the call of the
    function under test in it::

        with no_float_warnings("softmax", {"z": z}):
            s = hw.softmax(z)

    When graded, the submission runs in another process; the grader applies the same
    error state there and reports the error with ``exc_type == "FloatingPointError"``.
    """
    __tracebackhide__ = True
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        try:
            yield
        except Exception as exc:
            if getattr(exc, "exc_type", type(exc).__name__) != "FloatingPointError":
                raise
            detail = getattr(exc, "exc_message", None) or str(exc)
            text = format_inputs(inputs)
            raise AssertionError(
                f"{name} is not numerically stable: NumPy reports '{detail}'. It must "
                "not overflow, divide by zero or produce invalid values for any finite "
                "input (e.g. subtract the maximum before exp, or use exp(-|x|))."
                + (f"\n{text}" if text else "")
            ) from None


# --------------------------------------------------------------------------- immutability


def snapshot(args: Any) -> Any:
    """A deep copy of arguments (arrays, dicts, lists, tuples) to compare with later."""
    if isinstance(args, np.ndarray):
        return args.copy()
    if isinstance(args, Mapping):
        return {k: snapshot(v) for k, v in args.items()}
    if isinstance(args, list):
        return [snapshot(v) for v in args]
    if isinstance(args, tuple):
        return tuple(snapshot(v) for v in args)
    return copy.deepcopy(args)


def restore_tolerance(x: np.ndarray, h: float) -> np.ndarray:
    """How far a perturb-and-restore may leave ``x`` off: ``1e-12 * (|x| + h)`` per entry.

    ``x[i] += h; ...; x[i] -= 2 * h; ...; x[i] += h`` is a correct way to write a
    numerical gradient (SPEC: perturbing x in place and restoring it is allowed), but the
    arithmetic leaves rounding-level differences; forgetting to restore changes x by h.
    """
    return 1e-12 * (np.abs(np.asarray(x, dtype=np.float64)) + abs(h))


def _same(before: Any, after: Any, atol: Any = 0.0) -> str | None:
    """None if equal (within ``atol`` per entry, nan == nan), else the first change."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray):
            return f"it was replaced by {_type_name(after)}"
        if before.shape != after.shape:
            return f"its shape changed from {before.shape} to {after.shape}"
        if before.dtype != after.dtype:
            return f"its dtype changed from {before.dtype} to {after.dtype}"
        if before.dtype.kind in "fc":
            with np.errstate(invalid="ignore", over="ignore"):
                near = np.abs(after - before) <= atol
            changed = ~((before == after) | (np.isnan(before) & np.isnan(after)) | near)
        else:
            changed = before != after
        if changed.any():
            i = int(np.flatnonzero(changed)[0])
            return (
                f"{int(changed.sum())} of {before.size} entries changed, first at index "
                f"{_index(i, before.shape)}: "
                f"{_plain(before.flat[i])!r} -> {_plain(after.flat[i])!r}"
            )
        return None
    if isinstance(before, Mapping):
        if not isinstance(after, Mapping) or set(before) != set(after):
            return "its keys changed"
        for k in before:
            sub = _same(before[k], after[k])
            if sub:
                return f"[{k!r}]: {sub}"
        return None
    if isinstance(before, (list, tuple)):
        if not isinstance(after, (list, tuple)) or len(before) != len(after):
            return "its length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            sub = _same(b, a)
            if sub:
                return f"[{i}]: {sub}"
        return None
    return None if before == after else f"{before!r} -> {after!r}"


def assert_args_unchanged(
    before: Mapping[str, Any], after: Mapping[str, Any], *, name: str
) -> None:
    """:func:`assert_unchanged` for several named arguments at once.

    Args:
        before: ``snapshot({"z": z, "upstream": g})`` taken before the call.
        after: the same dict of the arguments after the call, ``{"z": z, "upstream": g}``.
        name: the function under test.
    """
    __tracebackhide__ = True
    for arg, value in before.items():
        assert_unchanged(value, after[arg], name=name, arg=arg)


def assert_unchanged(before: Any, after: Any, *, name: str, arg: str, atol: Any = 0.0) -> None:
    """Assert that the argument ``arg`` of ``name`` was not modified in place.

    Args:
        before: a :func:`snapshot` of the argument taken before the call.
        after: the argument after the call.
        name: the function under test.
        arg: the argument's name, e.g. ``"z"``.
        atol: allowed absolute change per entry of a float array (default 0: exactly
            unchanged); see :func:`restore_tolerance`.
    """
    __tracebackhide__ = True
    change = _same(before, after, atol)
    if change:
        raise AssertionError(
            f"{name}: modified its input `{arg}` in place ({change}). "
            "Functions must not change their inputs: compute into a new array "
            "(e.g. x = x.copy() or x = x - m instead of x -= m)."
        )


# --------------------------------------------------------------------------- memory layout

#: the memory layouts :func:`laid_out` builds
LAYOUTS = ("C", "F", "swapped", "strided", "reversed")


def laid_out(x: Any, layout: str) -> np.ndarray:
    """The values of ``x`` in the memory layout ``layout``: how a test says an argument
    must arrive (the values are the same; only where they sit in memory differs).

    * ``"C"``: a C-contiguous copy (row after row), what ``np.array`` makes;
    * ``"F"``: a Fortran-ordered copy (column after column);
    * ``"swapped"``: a view with the last two axes swapped, like ``a.T`` of a 2-D array;
    * ``"strided"``: a view of every other entry (along every axis) of a larger array;
    * ``"reversed"``: a view that walks memory backwards along every axis.

    Code that works on arrays of one layout only shows its bug on the others:
    ``x.reshape(-1)`` is a view of a C-contiguous x, but a COPY of a Fortran-ordered,
    swapped or strided one. When graded, the argument reaches your code in the same layout.
    """
    a = np.asarray(x)
    if layout in ("C", "F"):
        return np.array(a, order=layout)  # a copy
    if layout == "swapped":
        if a.ndim < 2:
            return a.copy()
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if layout == "strided":
        big = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
        every_other = tuple(slice(None, None, 2) for _ in a.shape)
        big[every_other] = a
        return big[every_other]
    if layout == "reversed":
        backwards = tuple(slice(None, None, -1) for _ in a.shape)
        return np.ascontiguousarray(a[backwards])[backwards]
    raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
