"""The expected values stored with the public tests (``expected_values.json``).

Some checks need a value that only a working implementation could compute: the numerical
gradient of a loss (to check your analytic gradient), the parameters after a few training
steps. Shipping that implementation would give the answer away, so the values were
computed once from the reference solutions and are stored next to the tests, with the
inputs they belong to (as CS231n ships its ``correct_out`` arrays).

    case = stored.case("mse_grad")   # {"y_pred": array, "y": array, "numerical": array, ...}
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["case", "decode"]

VALUES_FILE = Path(__file__).resolve().parent / "expected_values.json"


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
    return decode(_cases()[name])
