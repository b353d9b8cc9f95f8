"""Known mistakes, recognised in your own run (``pytest`` names them under a failing test).

``known_mistakes.json`` lists mistakes students often make (the autograder's catalog). For
each it holds a few small inputs on which that mistake gives another result than a right
answer, and a *fingerprint* of what the mistake returns there: a salted, slow hash of the
result rounded to 6 significant digits. When a public test of a function fails, your
function is called on those inputs; if what it returns has the fingerprints of a mistake on
every one of them, the failure says "This matches a known mistake: ...".

The file holds inputs and hashes of wrong results only: no right answer, and no way back
from a hash to the numbers (the autograder's tests check both).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

FINGERPRINTS_FILE = Path(__file__).resolve().with_name("known_mistakes.json")
#: PBKDF2 iterations per fingerprint (slow on purpose)
ITERATIONS = 20_000
#: how a hint starts (the autograder's feedback uses the same words)
KNOWN_MISTAKE = "This matches a known mistake: "


def _numbers(a: np.ndarray) -> str:
    kind = {"f": "f", "b": "b", "i": "i", "u": "i"}.get(a.dtype.kind, "?")
    if kind == "b":
        return f"b{a.shape}:" + ",".join("1" if v else "0" for v in a.reshape(-1))
    if kind == "i":
        return f"i{a.shape}:" + ",".join(str(int(v)) for v in a.reshape(-1))
    values = a.astype(np.float64).reshape(-1)
    finite = values[np.isfinite(values)]
    floor = 1e-9 * max(1.0, float(np.max(np.abs(finite), initial=0.0)))
    out = []
    for v in values:
        if math.isnan(v):
            out.append("nan")
        elif math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        elif abs(v) <= floor:
            out.append("0")
        else:
            out.append(f"{v:.5e}")
    return f"f{a.shape}:" + ",".join(out)


def canonical(value: Any) -> str:
    """``value`` as text, rounded to 6 significant digits (a list of numbers like a 1-D
    array, a tuple like a list, a NumPy float like a float)."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{canonical(value[k])}" for k in sorted(value, key=str)) + "}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (float, np.floating)) for v in value):
            return _numbers(np.asarray(value, dtype=np.float64))
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, (np.ndarray, int, float, bool, np.number, np.bool_)):
        return _numbers(np.asarray(value))
    return f"<{type(value).__name__}>"


def fingerprint(value: Any, salt: str) -> str:
    """The salted, slow hash of ``canonical(value)``."""
    key = hashlib.pbkdf2_hmac("sha256", canonical(value).encode(), salt.encode(), ITERATIONS)
    return key.hex()[:32]


def decode(value: Any) -> Any:
    """An input of the file: arrays (in their memory order), tuples, dicts, test functions."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "dtype" in value:
        a = np.array(value["data"], dtype=value["dtype"]).reshape(value["shape"])
        return np.asfortranarray(a) if value.get("order") == "F" else a
    if "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    if "testfunc" in value:
        import testfuncs

        return testfuncs.make(value["testfunc"], **decode(value["params"]))
    return {k: decode(v) for k, v in value["dict"].items()}


def _entries(path: Path = FINGERPRINTS_FILE) -> list[dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["mistakes"]
    except (OSError, ValueError, KeyError):
        return []


def _matches(call: Any, entry: dict[str, Any]) -> bool:
    """Whether ``call`` returns, on every probe of ``entry``, what the mistake returns."""
    for i, probe in enumerate(entry["probes"]):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = call(*decode(probe["args"]), **decode(probe["kwargs"]))
        except Exception:
            return False
        if fingerprint(got, f"{entry['salt']}:{i}") != probe["fingerprint"]:
            return False
    return True


def known_mistakes(function: str, module: Any, path: Path = FINGERPRINTS_FILE) -> list[str]:
    """The explanations of the known mistakes of ``function`` that ``module`` (your hw.py)
    makes: its ``function`` has the mistake's fingerprints on all of the mistake's inputs."""
    call = getattr(module, function, None)
    if not callable(call):
        return []
    return [e["explanation"] for e in _entries(path)
            if e["function"] == function and _matches(call, e)]
