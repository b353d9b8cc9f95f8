"""Every point is earned by right values: the right structure with wrong numbers scores 0.

A "junk" submission is generated from the solutions' return values, not written per
function: every function of ``hw.py`` runs the reference (a private copy of
``solutions/hw.py``) and returns its value with the same structure, types, dtypes and
shapes (a float for a float, float64 arrays, a tuple or list of as many values, dicts with
the same keys, a Python int for an int) but wrong numbers: floats scaled and shifted (or
all 0.123), integers off by one. Graded by the real engine (sandboxed worker, public and
hidden tests, the instructor's configuration), it must score exactly 0, in every test.
"""

from __future__ import annotations

import ast
import concurrent.futures
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from autograder import paths
from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission

#: how a float becomes wrong: (name, Python expression in v)
JUNK = {"scaled": "v * 1.37 + 0.123", "filled": "v * 0.0 + 0.123"}

_TEMPLATE = '''"""Junk: the solutions' structure, types and shapes with wrong numbers."""
import numpy as np

_SOURCE = {source!r}
_REAL = {{}}
exec(compile(_SOURCE, "reference", "exec"), _REAL)


def _wrong_float(v):
    return {expression}


def _junk(value):
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, np.integer)):
        return type(value)(value + 1)
    if isinstance(value, (float, np.floating)):
        return type(value)(_wrong_float(value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return _wrong_float(value).astype(value.dtype)
        if value.dtype.kind in "iu":
            return value + 1
        return ~value
    if isinstance(value, dict):
        return {{k: _junk(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return type(value)(_junk(v) for v in value)
    return value
'''

_WRAPPER = '''

def {name}(*args, **kwargs):
    return _junk(_REAL["{name}"](*args, **kwargs))
'''


def junk_source(expression: str) -> str:
    """A complete hw.py: every public function of the solutions, its values made wrong by
    ``expression`` (floats) and by one (integers)."""
    source = paths.SOLUTIONS_HW.read_text(encoding="utf-8")
    names = [n.name for n in ast.parse(source).body
             if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    text = _TEMPLATE.format(source=source, expression=expression)
    return text + "".join(_WRAPPER.format(name=name) for name in names)


def _grade(kind: str, folder: str) -> dict[str, Any]:
    target = Path(folder) / kind / "hw.py"
    target.parent.mkdir(parents=True)
    target.write_text(junk_source(JUNK[kind]), encoding="utf-8")
    return grade_submission(target, None)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """results.json of each junk submission, graded in fresh processes."""
    folder = tmp_path_factory.mktemp("junk")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = {kind: pool.submit(_grade, kind, str(folder)) for kind in JUNK}
        return {kind: f.result() for kind, f in futures.items()}


def test_the_junk_keeps_the_structure_of_every_value() -> None:
    """The junk is structure-preserving (else scoring 0 would prove nothing)."""
    import copy
    import sys

    import numpy as np

    from autograder.mistakes.diagnosis import reference_module
    from autograder.mistakes.probes import PROBES

    sys.path.insert(0, str(paths.STUDENT_TESTS))
    try:
        import checks
    finally:
        sys.path.remove(str(paths.STUDENT_TESTS))
    for kind, expression in JUNK.items():
        namespace: dict[str, Any] = {}
        exec(compile(junk_source(expression), f"<junk {kind}>", "exec"), namespace)
        for function, probes in PROBES.items():
            for probe in probes:
                args, kwargs = probe()
                with np.errstate(all="ignore"):
                    expected = getattr(reference_module(), function)(
                        *copy.deepcopy(args), **copy.deepcopy(kwargs))
                    got = namespace[function](*copy.deepcopy(args), **copy.deepcopy(kwargs))
                checks.conform(got, expected, name=f"{kind} {function}")
                with pytest.raises(AssertionError):
                    checks.assert_close(got, expected, name=f"{kind} {function}")


@pytest.mark.parametrize("kind", list(JUNK))
def test_structure_preserving_junk_scores_zero(graded: dict[str, dict[str, Any]], kind: str):
    results = graded[kind]
    scored = [f"{t['tags'][0]}: {t['name']} ({t['score']:g} / {t['max_score']:g})"
              for t in per_test_records(results) if t["score"] > 0]
    assert scored == [], "points for wrong values:\n" + "\n".join(scored)
    assert results["score"] == 0
    assert len(per_test_records(results)) > 100  # every test ran (no import or engine failure)
