"""Where every public test gets its inputs and expected values: fresh copies, every call.

Two kinds of values:

* ``example(kind, **values)``: the inputs a test writes out itself, and the expected values
  worked out by hand (in the comments), returned in the order given::

      z, expected = example("softmax known values",
                            z=np.array([[0.0, np.log(2.0)]]), expected=np.array([[1 / 3, 2 / 3]]))

* ``case(name)``: the values only a working implementation could compute (the numerical
  gradient of a loss, the params after a few training steps). Shipping that implementation
  would give the answer away, so they were computed once from the reference solutions and
  are stored next to the tests, with the inputs they belong to (``expected_values.json``, as
  CS231n ships its ``correct_out`` arrays)::

      values = case("mse_grad")   # {"y_pred": array, "y": array, "numerical": array, ...}

Both return new arrays every time, so no test can change the inputs of another.

When the autograder grades your ``hw.py``, it runs every public test twice: on the values
written here, and on other values of the same kind that you have not seen (the autograder
replaces what ``example`` and ``case`` return, and computes their expected values from the
reference solution). A public test's points need both: a ``hw.py`` that only knows the
answers to these tests earns nothing. In your own run nothing is replaced.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = ["case", "decode", "example"]

VALUES_FILE = Path(__file__).resolve().parent / "expected_values.json"


class Unseen(Protocol):
    """What the autograder installs (as :data:`UNSEEN`) to run a public test on other
    values of the same kind."""

    def example(self, kind: str, values: dict[str, Any]) -> dict[str, Any]: ...

    def case(self, name: str) -> Any: ...


#: None in your own run; set by the autograder while a test runs on unseen values
UNSEEN: Unseen | None = None


def decode(value: Any) -> Any:
    """A value of the file: arrays from {"dtype", "shape", "data"}, tuples, dicts."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "dtype" in value:
        return np.array(value["data"], dtype=value["dtype"]).reshape(value["shape"])
    if "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    return {k: decode(v) for k, v in value["dict"].items()}


@functools.lru_cache(maxsize=1)
def _cases() -> dict[str, Any]:
    with open(VALUES_FILE, encoding="utf-8") as f:
        return json.load(f)["cases"]


def case(name: str) -> Any:
    """The stored case ``name``: its inputs and expected values (fresh arrays every call)."""
    if UNSEEN is not None:
        return copy.deepcopy(UNSEEN.case(name))
    return decode(_cases()[name])


def example(kind: str, **values: Any) -> tuple[Any, ...]:
    """The ``values`` of one check (inputs and expected values), as fresh copies, in the
    order given. ``kind`` names the check (the autograder's unseen values are of that
    kind)."""
    if UNSEEN is not None:
        replaced = UNSEEN.example(kind, copy.deepcopy(values))
        if list(replaced) != list(values):
            raise KeyError(f"example {kind!r}: the unseen values have other names")
        values = replaced
    return tuple(copy.deepcopy(v) for v in values.values())
