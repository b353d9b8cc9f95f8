"""The lookup-table attack of issue 21 (item 6): a hw.py that implements nothing.

:func:`record_public_answers` runs the public tests (``pytest student/tests``, the student's
own run) against a recorder ``hw.py`` that answers with the reference solution and writes
down every call: the function, a digest of its arguments and the answer. That is what a
student gets from failing runs that print the expected values. :func:`lookup_source` turns
the record into a ``hw.py`` that returns the recorded answer for exactly those arguments and
raises anything else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from autograder import paths

#: the argument digest and the encoding of answers, shared by the recorder and the table
_COMMON = r'''
import hashlib
import json

import numpy as np


def _key(value):
    if isinstance(value, np.ndarray):
        a = np.ascontiguousarray(value)
        return ["a", a.dtype.str, list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()]
    if isinstance(value, dict):
        return ["d", sorted((str(k), _key(v)) for k, v in value.items())]
    if isinstance(value, (list, tuple)):
        return ["l", [_key(v) for v in value]]
    if isinstance(value, (bool, int, float, str, type(None), np.generic)):
        return ["s", repr(value.item() if isinstance(value, np.generic) else value)]
    if hasattr(value, "name") and hasattr(value, "params"):  # a testfuncs function
        return ["f", value.name, _key(dict(value.params))]
    return ["?", type(value).__name__]


def digest(function, args, kwargs):
    text = json.dumps([function, _key(list(args)), _key(dict(kwargs))])
    return hashlib.sha256(text.encode()).hexdigest()


def encode(value):
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, dict):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(value):
    if isinstance(value, dict):
        if "array" in value:
            return np.array(value["array"], dtype=value["dtype"]).reshape(value["shape"])
        if "dict" in value:
            return {k: decode(v) for k, v in value["dict"].items()}
        if "tuple" in value:
            return tuple(decode(v) for v in value["tuple"])
        if "list" in value:
            return [decode(v) for v in value["list"]]
    return value
'''

_RECORDER = _COMMON + r'''
import importlib.util
import os

_spec = importlib.util.spec_from_file_location("_recorded_reference", {reference!r})
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)


def _recorded(function):
    def call(*args, **kwargs):
        key = digest(function, args, kwargs)
        answer = getattr(_reference, function)(*args, **kwargs)
        with open(os.environ["LOOKUP_RECORD"], "a", encoding="utf-8") as f:
            f.write(json.dumps([function, key, encode(answer)]) + "\n")
        return answer

    return call


for _name in {functions!r}:
    globals()[_name] = _recorded(_name)
'''

_TABLE = _COMMON + r'''
_TABLE = json.loads({table!r})


def _answer(function):
    def call(*args, **kwargs):
        key = digest(function, args, kwargs)
        if key not in _TABLE:
            raise NotImplementedError(function + ": not in the table")
        return decode(_TABLE[key])

    return call


for _name in {functions!r}:
    globals()[_name] = _answer(_name)
'''


def record_public_answers(folder: Path, functions: list[str]) -> dict[str, Any]:
    """``{digest: encoded answer}`` of every call the public tests make (a student's run of
    ``pytest`` in ``student/``, with a recorder as ``hw.py``)."""
    recorder = folder / "recorder_hw.py"
    recorder.write_text(
        _RECORDER.replace("{reference!r}", repr(str(paths.SOLUTIONS_HW)))
        .replace("{functions!r}", repr(functions)),
        encoding="utf-8",
    )
    record = folder / "record.jsonl"
    env = {**os.environ, "LOOKUP_RECORD": str(record)}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist",
         f"--hw-file={recorder}"],
        cwd=paths.STUDENT_DIR, env=env, check=True, capture_output=True, text=True,
    )
    table: dict[str, Any] = {}
    for line in record.read_text(encoding="utf-8").splitlines():
        _, key, answer = json.loads(line)
        table[key] = answer
    return table


def lookup_source(table: dict[str, Any], functions: list[str]) -> str:
    """A hw.py answering exactly the calls in ``table`` (and raising for any other)."""
    return _TABLE.replace("{table!r}", repr(json.dumps(table))).replace(
        "{functions!r}", repr(functions)
    )
