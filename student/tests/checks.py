"""Comparison and gradient-check helpers shared by the public and the hidden tests.

Every failing check raises an ``AssertionError`` whose message tells the student
*which function* failed, *on which input*, what was expected and what came back,
and how far off it was (largest absolute and relative error, and where).

Only NumPy is used, so this file works in the handout as well as in the grader.

Main helpers
------------
* :func:`conform` -- THE rule of what a function may return (the assignment's
  "a tuple or a list, a NumPy float for a float, an array of losses"): every test,
  public or hidden, accepts exactly what it accepts.
* :func:`assert_close` -- :func:`conform`, then compare the values with a tolerance
  scaled to the magnitude of the expected values.
* :func:`assert_gradient_matches` -- compare an analytic gradient with a numerical one
  (stored with the public tests; computed by the grader for the hidden ones).
* :func:`snapshot` / :func:`assert_unchanged` -- check that inputs are not modified.
* :func:`laid_out` -- the same values in another memory layout (Fortran order, a
  transposed or strided view, ...): how a test says an argument must arrive.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

__all__ = [
    "LAYOUTS",
    "assert_args_unchanged",
    "assert_close",
    "assert_gradient_matches",
    "assert_unchanged",
    "conform",
    "format_inputs",
    "format_value",
    "laid_out",
    "no_float_warnings",
    "snapshot",
    "typed",
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


#: inputs with at most this many numbers in all get a line to paste (``hw.f(...)``)
CALL_THRESHOLD = 40


def _entries(x: Any) -> int:
    """How many numbers a value holds."""
    if isinstance(x, np.ndarray):
        return int(x.size)
    if isinstance(x, Mapping):
        return sum(_entries(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return sum(_entries(v) for v in x)
    return 1


def _number(x: Any) -> str:
    """A number exactly as Python reads it back (repr: up to 17 significant digits)."""
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    v = float(x)
    if math.isnan(v):
        return "np.nan"
    if math.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def _nested(values: Any) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _number(values)


def typed(x: Any) -> str | None:
    """Python source that rebuilds ``x`` exactly (``np.array([0.9999999999999, 1.0])``,
    every float as its repr), or None for what cannot be typed back (a test function's
    code, an object)."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            return None
        dtype = "" if x.dtype in (np.float64, np.int64) else f", dtype=np.{x.dtype.name}"
        text = f"np.array({_nested(x.tolist())}{dtype})"
        if x.ndim >= 2 and x.flags.f_contiguous and not x.flags.c_contiguous:
            text = f"np.asfortranarray({text})"  # the layout matters to some bugs
        return text
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        text = _number(x)
        return text if type(x) in (bool, int, float) else f"np.{type(x).__name__}({text})"
    if isinstance(x, str):
        return repr(x)
    if x is None:
        return "None"
    if isinstance(x, Mapping):
        items = [(repr(k), typed(v)) for k, v in x.items()]
        if any(v is None for _, v in items):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(x, (list, tuple)):
        items = [typed(v) for v in x]
        if any(v is None for v in items):
            return None
        if isinstance(x, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"  # type: ignore[arg-type]
        return "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if hasattr(x, "name") and hasattr(x, "params") and callable(x):  # testfuncs.make(...)
        params = typed(dict(x.params))
        if params is None:
            return None
        extra = "" if params == "{}" else f", **{params}"
        return f"testfuncs.make({x.name!r}{extra})"
    return None


def format_inputs(inputs: Mapping[str, Any] | None, call: str | None = None) -> str:
    """Format a dict of named inputs, one per line (empty string for None).

    A small input is written so that it can be typed back exactly (``np.array([...])``,
    every float with all the digits Python needs to read it back); a large one as its
    shape and a few entries. With ``call`` (the function's name) and small inputs, a last
    line to paste after ``import numpy as np; import hw``: ``hw.f(x=np.array([...]), ...)``.
    """
    if not inputs:
        return ""
    lines = ["  inputs:"]
    exact: dict[str, str | None] = {}
    for key, value in inputs.items():
        prefix = f"    {key} = "
        text = typed(value) if _entries(value) <= PRINT_THRESHOLD else None
        exact[key] = text
        shown = text if text is not None else format_value(value, indent=len(prefix))
        lines.append(prefix + shown)
    function = (call or "").split(" ")[0]
    if (
        function.isidentifier()
        and all(key.isidentifier() for key in inputs)
        and sum(_entries(v) for v in inputs.values()) <= CALL_THRESHOLD
    ):
        args = {key: exact[key] or typed(value) for key, value in inputs.items()}
        if all(v is not None for v in args.values()):
            joined = ", ".join(f"{key}={text}" for key, text in args.items())
            lines.append(f"  to reproduce: hw.{function}({joined})")
    return "\n".join(lines)


def _index(flat_index: int, shape: tuple[int, ...]) -> str:
    if not shape:
        return "(scalar)"
    idx = np.unravel_index(flat_index, shape)
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


# --------------------------------------------------------------------------- the rule


class _Mismatch(Exception):
    """Internal: a difference found at ``where`` (path inside the result)."""

    def __init__(self, where: str, text: str) -> None:
        super().__init__(text)
        self.where = where
        self.text = text


def _type_name(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    if isinstance(x, np.generic):
        return f"a NumPy {type(x).__name__}"
    return f"a {type(x).__name__}"


def _is_number_list(exp: Any) -> bool:
    """A list of numbers (e.g. the losses of every step): an array of them is accepted."""
    return type(exp) is list and bool(exp) and all(_is_scalar(v) for v in exp)


def _int_note(opts: dict[str, Any]) -> str:
    return " (integer inputs are treated as float64)" if opts.get("int_inputs") else ""


def _conform_scalar(got: Any, exp: Any, where: str, opts: dict[str, Any]) -> None:
    """A single number: a float for a float (a NumPy float64 is one), an int for an int."""
    if isinstance(exp, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            raise _Mismatch(where, f"expected True or False, got {_type_name(got)}")
    elif isinstance(exp, float):
        if not isinstance(got, float):
            hint = " (e.g. return float(...))" if isinstance(got, (np.ndarray, np.generic)) else ""
            raise _Mismatch(where, f"expected a float, got {_type_name(got)}{hint}")
    elif isinstance(exp, int):  # a Python int: counts, sizes
        if type(got) is not int:
            raise _Mismatch(where, f"expected a Python int, got {_type_name(got)} (use int(...))")
    elif isinstance(exp, np.integer):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise _Mismatch(where, f"expected an integer, got {_type_name(got)}")
    elif isinstance(exp, np.floating):  # not a float64: compared as a number
        if not isinstance(got, (float, np.floating)):
            raise _Mismatch(where, f"expected a float, got {_type_name(got)}")
    elif not _is_scalar(exp):
        raise TypeError(f"assert_close cannot compare expected values of type {type(exp)}")


def _conform_array(got: Any, exp: np.ndarray, where: str, opts: dict[str, Any]) -> None:
    """An array of the expected shape: float64 where float64 is expected, integers (of any
    size, signed or not) where integers are."""
    if not isinstance(got, np.ndarray):
        raise _Mismatch(
            where, f"expected a NumPy array of shape {exp.shape}, got {_type_name(got)}"
        )
    if got.dtype.kind not in "biuf":
        raise _Mismatch(where, f"expected numbers, got an array of dtype {got.dtype}")
    if exp.dtype.kind in "iu" and got.dtype.kind not in "iu":
        raise _Mismatch(where, f"expected an integer array, got dtype {got.dtype}")
    if exp.dtype == np.float64 and got.dtype != np.float64:
        raise _Mismatch(
            where, f"expected a float64 array, got dtype {got.dtype}{_int_note(opts)}"
        )
    if exp.dtype.kind == "b" and got.dtype.kind != "b":
        raise _Mismatch(where, f"expected a bool array, got dtype {got.dtype}")
    if got.shape != exp.shape:
        raise _Mismatch(where, f"expected shape {exp.shape}, got shape {got.shape}")


def _compare(got: Any, exp: Any, where: str, opts: dict[str, Any]) -> None:
    """Raise _Mismatch on the first difference between got and exp.

    The structure is checked first (the acceptance rule of :func:`conform`), then, when
    ``opts["values"]``, the numbers.
    """
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
        if _is_number_list(exp) and isinstance(got, np.ndarray):
            # a list of numbers (the losses of every step) may come as a 1-D array
            expected = np.asarray(exp)
            if got.ndim != 1:
                raise _Mismatch(
                    where,
                    f"expected a list of {len(exp)} numbers (or a 1-D array), got "
                    f"{_type_name(got)}",
                )
            _compare_arrays(got, expected, where, opts)
            return
        if not isinstance(got, (list, tuple)):
            what = "numbers" if _is_number_list(exp) else "values"
            raise _Mismatch(
                where,
                f"expected a {type(exp).__name__} (or a tuple or list) of {len(exp)} {what}, "
                f"got {_type_name(got)}",
            )
        if len(got) != len(exp):
            raise _Mismatch(
                where,
                f"expected a {type(exp).__name__} of {len(exp)} values, "
                f"got a {type(got).__name__} of {len(got)}",
            )
        for i, (g, e) in enumerate(zip(got, exp)):
            _compare(g, e, f"{where}[{i}]", opts)
        return

    if isinstance(exp, np.ndarray) and exp.ndim > 0:
        _compare_arrays(got, exp, where, opts)
        return

    # expected is a scalar (Python / NumPy number or a 0-d array)
    if isinstance(exp, np.ndarray):
        if isinstance(got, np.ndarray):  # a 0-d array for a 0-d array
            _compare_arrays(got, exp, where, opts)
            return
        exp = exp[()]
    _conform_scalar(got, exp, where, opts)
    if opts["values"]:
        _compare_values(np.asarray(got), np.asarray(exp), where, opts)


#: ``relative_tiny``: how far (a factor) a value may be from the expected one when their
#: difference is within the absolute floor but not within the relative tolerance.
TINY_FACTOR = 16.0
#: ``relative_tiny``: differences this small are float64's subnormal numbers' own rounding
#: (the smallest normal float64, about 2.2e-308): always accepted.
SUBNORMAL_LEVEL = float(np.finfo(np.float64).tiny)


def _keeps_magnitude(g: np.ndarray, e: np.ndarray, abs_err: np.ndarray, rtol: float) -> np.ndarray:
    """Per entry: ``g`` is within the relative tolerance of ``e``, or of its magnitude
    (the same sign, within :data:`TINY_FACTOR`), or 0 (an underflow: fine, the assignment
    says), or at most :data:`SUBNORMAL_LEVEL` away from it.

    The absolute floor of :func:`assert_close` (``atol * scale``) accepts every value below
    1e-9: a sigmoid that clips x to [-500, 500] gives 7e-218 at x = -600 instead of 3e-261
    and would pass. Formulas that lose the tiny values to rounding (``0.5 * (1 +
    tanh(x / 2))`` gives 0 below x = -37, ``1 - 1 / (1 + exp(x))`` a multiple of 1.1e-16)
    are right within the floor AND of the right magnitude or 0; a cut-off is not.
    """
    with np.errstate(all="ignore"):
        relative = abs_err <= rtol * np.abs(e)
        ratio = np.abs(g) / np.abs(e)
        magnitude = (np.sign(g) == np.sign(e)) & (ratio <= TINY_FACTOR) & (
            ratio >= 1.0 / TINY_FACTOR
        )
    return relative | magnitude | (g == 0) | (abs_err <= SUBNORMAL_LEVEL)


def _compare_arrays(got: Any, exp: np.ndarray, where: str, opts: dict[str, Any]) -> None:
    """An array: the rule (type, dtype kind, shape), then the values."""
    _conform_array(got, exp, where, opts)
    if opts["values"]:
        _compare_values(got, exp, where, opts)


def _compare_values(got: np.ndarray, exp: np.ndarray, where: str, opts: dict[str, Any]) -> None:
    """Compare two numeric arrays of the same shape (finiteness, then values)."""
    show = opts["show_expected"]
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
    if opts.get("relative_tiny"):
        bad |= ~_keeps_magnitude(gf, ef, abs_err, opts["rtol"])
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
    if opts.get("relative_tiny"):
        lines.append(
            f"  and every value keeps its magnitude: within a factor {TINY_FACTOR:g} of the "
            f"expected one, 0 (an underflow), or at most {SUBNORMAL_LEVEL:.3g} away from it "
            "(tiny values such as exp(-600) must not be cut off by a clip)"
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


def _has_integer_arrays(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iu"
    if isinstance(value, Mapping):
        return any(_has_integer_arrays(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_integer_arrays(v) for v in value)
    return False


def _check(
    got: Any, expected: Any, name: str, inputs: Mapping[str, Any] | None, opts: dict[str, Any]
) -> None:
    __tracebackhide__ = True
    opts["int_inputs"] = _has_integer_arrays(list((inputs or {}).values()))
    try:
        _compare(got, expected, "result", opts)
    except _Mismatch as m:
        where = "" if m.where == "result" else f" (in {m.where})"
        parts = [f"{name}: {m.text.splitlines()[0]}{where}"]
        parts.extend(m.text.splitlines()[1:])
        text_inputs = format_inputs(inputs, call=name)
        if text_inputs:
            parts.append(text_inputs)
        raise AssertionError("\n".join(parts)) from None


def conform(
    got: Any, expected: Any, *, name: str, inputs: Mapping[str, Any] | None = None
) -> None:
    """Assert that ``got`` is a value of the kind ``expected`` is (its values are not compared).

    The one rule of what a function may return, shared by every test (public and hidden,
    :func:`assert_close` applies it first):

    * a float where a float is expected: a Python ``float`` or a NumPy float64 (which is
      one); not an array, not an int;
    * an int where a Python int is expected (``int(...)``; a bool is not one);
    * a NumPy array of the expected shape: dtype float64 where float64 is expected, an
      integer dtype (any size, signed or unsigned) where integers are;
    * several values (an expected tuple or list): a tuple or a list of as many values, each
      by this rule; a list of numbers (the losses of every step) may also be a 1-D array;
    * a dict with exactly the expected keys, each value by this rule.

    The trusted side calls it before computing anything on a returned value, so that
    nothing it computes can be larger than what the expected value's shapes allow.

    Raises:
        AssertionError: with a message for the student, naming ``name`` and the inputs.
    """
    __tracebackhide__ = True
    opts = {"rtol": 0.0, "atol": 0.0, "show_expected": False, "values": False}
    _check(got, expected, name, inputs, opts)


def assert_close(
    got: Any,
    expected: Any,
    *,
    name: str,
    inputs: Mapping[str, Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    show_expected: bool | None = None,
    relative_tiny: bool = False,
) -> None:
    """Assert that ``got`` equals ``expected`` up to a scaled tolerance.

    ``got`` must first be a value of the kind ``expected`` is (:func:`conform`: a float
    for a float, a float64 array of the same shape, a tuple or list of as many values, a
    dict with the same keys...). Then, per array: finiteness (nan/inf where a finite value
    is expected), then every entry::

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
        relative_tiny: values far below the absolute floor must also keep their
            magnitude (:func:`_keeps_magnitude`): for results that span many orders of
            magnitude and must be stable (a sigmoid at x = -600 is 3e-261, not 7e-218).

    Raises:
        AssertionError: with a message for the student.
    """
    __tracebackhide__ = True  # pytest: show the failing test, not this helper
    if show_expected is None:
        show_expected = SHOW_EXPECTED
    opts = {"rtol": rtol, "atol": atol, "show_expected": show_expected, "values": True,
            "relative_tiny": relative_tiny}
    _check(got, expected, name, inputs, opts)


# --------------------------------------------------------------------------- gradients


def assert_gradient_matches(
    analytic: Any,
    numerical: np.ndarray,
    *,
    name: str,
    f_value: float = 0.0,
    h: float = 1e-5,
    tol: float = 1e-6,
    atol: float = 1e-8,
    inputs: Mapping[str, Any] | None = None,
) -> None:
    """Assert that an analytic gradient matches the numerical gradient of the loss.

    ``numerical`` is the central-difference gradient ``(f(x + h e_i) - f(x - h e_i)) /
    (2 h)`` of the scalar loss f at the point x: the public tests read it from the values
    stored with them (``expected_values.json``), the grader computes it with its own
    trusted code. Per entry, the relative error ``|a - n| / max(1e-8, |a| + |n|)`` must
    be at most ``tol``. Entries whose absolute difference is below
    ``atol * max(1, |f(x)|)`` also pass: there the finite-difference rounding noise
    (about 1e-16 * |f| / h) dominates, e.g. where the true gradient is 0.

    Args:
        analytic: the gradient computed by the function under test.
        numerical: the numerical gradient (the expected value).
        name: the function under test, named in the message.
        f_value: f(x), the value of the loss at the point (scales the absolute floor).
        h: the finite-difference step ``numerical`` was computed with (for the message).
        tol: largest allowed relative error.
        atol: absolute floor, scaled by max(1, |f(x)|).
        inputs: the arguments of the function under test, shown in the message.

    Raises:
        AssertionError: with a message for the student.
    """
    __tracebackhide__ = True
    numeric = np.asarray(numerical, dtype=np.float64)
    text_inputs = format_inputs(inputs, call=name)

    def fail(text: str) -> None:
        __tracebackhide__ = True
        raise AssertionError(f"{name}: {text}" + (f"\n{text_inputs}" if text_inputs else ""))

    if not isinstance(analytic, np.ndarray):
        fail(
            f"the gradient should be a NumPy array of shape {numeric.shape}, "
            f"got {_type_name(analytic)}"
        )
    a = analytic
    if a.dtype != np.float64:
        fail(f"the gradient should be a float64 array, got dtype {a.dtype}")
    if a.shape != numeric.shape:
        fail(f"the gradient has shape {a.shape}, expected {numeric.shape} (the shape of the input)")
    if not np.all(np.isfinite(a)):
        i = int(np.flatnonzero(~np.isfinite(a))[0])
        fail(f"the gradient has a non-finite value ({a.flat[i]}) at index {_index(i, a.shape)}")

    diff = np.abs(a - numeric)
    rel = diff / np.maximum(1e-8, np.abs(a) + np.abs(numeric))
    floor = atol * max(1.0, abs(float(f_value)))
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
            f"  got:       {format_value(a, indent=13)}",
            f"  numerical: {format_value(numeric, indent=13)}",
        ]
    else:
        lines += [
            f"  largest relative error {rel.flat[i]:.3g} {where}",
            f"  got:       {format_value(a, indent=13)}",
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
            text = format_inputs(inputs, call=name)
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


def _rounding_only(before: np.ndarray, after: np.ndarray, changed: np.ndarray) -> bool:
    """Every change is a rounding-level one (as ``x[i] += h; x[i] -= h`` leaves)."""
    if before.dtype.kind != "f":
        return False
    with np.errstate(all="ignore"):
        b, a = before[changed], after[changed]
        ulps = np.spacing(np.maximum(np.abs(a), np.abs(b)) + 1.0)
        return bool(np.all(np.abs(a - b) <= 64 * ulps))


def _same(before: Any, after: Any) -> str | None:
    """None if exactly equal (nan == nan), else the first change."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray):
            return f"it was replaced by {_type_name(after)}"
        if before.shape != after.shape:
            return f"its shape changed from {before.shape} to {after.shape}"
        if before.dtype != after.dtype:
            return f"its dtype changed from {before.dtype} to {after.dtype}"
        changed = before != after
        if before.dtype.kind in "fc":
            changed &= ~(np.isnan(before) & np.isnan(after))
        if changed.any():
            i = int(np.flatnonzero(changed)[0])
            text = (
                f"{int(changed.sum())} of {before.size} entries changed, first at index "
                f"{_index(i, before.shape)}: "
                f"{_plain(before.flat[i])!r} -> {_plain(after.flat[i])!r}"
            )
            if _rounding_only(before, after, changed):
                text += (
                    "; only by rounding: adding h and subtracting it again does not "
                    "always give the old value back in floating point, so store the old "
                    "value and put it back (old = x[i]; ...; x[i] = old)"
                )
            return text
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


def assert_unchanged(before: Any, after: Any, *, name: str, arg: str) -> None:
    """Assert that the argument ``arg`` of ``name`` was not modified in place: exactly
    unchanged, as the assignment says (also ``numerical_gradient``'s x, which may be
    perturbed in place if every entry is put back exactly).

    Args:
        before: a :func:`snapshot` of the argument taken before the call.
        after: the argument after the call.
        name: the function under test.
        arg: the argument's name, e.g. ``"z"``.
    """
    __tracebackhide__ = True
    change = _same(before, after)
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
