"""Run the public tests on many hw.py files, each on its public inputs and on unseen ones.

``python tests/public_twin_harness.py SPEC.json OUT.json`` (run by
``tests/test_public_twins.py`` in a fresh process): SPEC is a list of ``{"name", "path",
"functions"}``; the public tests of those functions (``student/tests``, the student's own
run: ``hw`` is the file, imported fresh per test) are collected once and each runs twice per
file, as it is and inside :func:`autograder.grading.public_twins.unseen_inputs` (what a
graded twin runs). OUT gets ``{name: {nodeid: [passed on public, passed on unseen]}}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.runner import runtestprotocol

from autograder import paths
from autograder.grading.public_twins import unseen_inputs
from autograder.hidden_tests.unseen_inputs import UnseenInputs


def _function(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("grades")
    return str(marker.args[0]) if marker is not None and marker.args else None


def _kind_problem(public: Any, unseen: Any) -> str | None:
    """Why ``unseen`` is not a value of ``public``'s kind (None when it is)."""
    if isinstance(public, np.ndarray):
        ok = isinstance(unseen, np.ndarray) and (unseen.dtype, unseen.ndim) == (
            public.dtype, public.ndim)
        return None if ok else f"{unseen!r} for {public!r}"
    if isinstance(public, dict):
        if not isinstance(unseen, dict) or list(unseen) != list(public):
            return "other keys"
        return next((p for k in public if (p := _kind_problem(public[k], unseen[k]))), None)
    if isinstance(public, (list, tuple)):
        if type(unseen) is not type(public):
            return f"a {type(unseen).__name__} for a {type(public).__name__}"
        if isinstance(public, list) and all(isinstance(p, np.ndarray) for p in public):
            # batches: any count
            return next((p for u in unseen if (p := _kind_problem(public[0], u))), None)
        if len(unseen) != len(public):
            return "another length"
        return next((p for a, b in zip(public, unseen) if (p := _kind_problem(a, b))), None)
    if type(unseen) is not type(public):
        return f"a {type(unseen).__name__} for a {type(public).__name__}"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [value.dtype.str, value.tolist()]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class CheckedUnseen(UnseenInputs):
    """The grader's unseen inputs, each checked against the public values it replaces:
    of the same kind, and other inputs (an expected value may coincide, e.g. a count)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: dict[str, str] = {}

    def example(self, kind_name: str, values: dict[str, Any]) -> dict[str, Any]:
        out = super().example(kind_name, values)
        for key in values:
            problem = _kind_problem(values[key], out[key])
            if problem:
                self.problems[f"{kind_name}: {key}"] = problem
        inputs = [k for k in values if not k.startswith("expected")]
        if json.dumps(_plain({k: values[k] for k in inputs}), default=repr) == json.dumps(
                _plain({k: out[k] for k in inputs}), default=repr):
            self.problems[kind_name] = "the unseen inputs are the public ones"
        return out


class Harness:
    """The pytest plugin: its own test loop over the files and the two modes."""

    def __init__(self, spec: list[dict[str, Any]]) -> None:
        self.spec = spec
        self.unseen = False
        self.inputs = CheckedUnseen()
        self.outcomes: dict[str, dict[str, list[bool]]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        if not self.unseen:
            yield
            return
        with unseen_inputs(getattr(item, "obj", None), item.nodeid, self.inputs):
            yield

    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        run = session.config.pluginmanager.get_plugin("student-hw-run")
        for entry in self.spec:
            run.hw_path = Path(entry["path"]).resolve()
            run.import_error = None
            wanted = set(entry["functions"])
            results: dict[str, list[bool]] = {}
            for unseen in (False, True):
                self.unseen = unseen
                for item in session.items:
                    if _function(item) not in wanted:
                        continue
                    reports = runtestprotocol(item, nextitem=None, log=False)
                    results.setdefault(item.nodeid, []).append(all(r.passed for r in reports
                                                                   if r.when == "call")
                                                               and not any(r.failed for r in
                                                                           reports))
            self.outcomes[entry["name"]] = results
        self.outcomes["_example_problems"] = self.inputs.problems  # type: ignore[assignment]
        return True


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    harness = Harness(spec)
    args = [str(paths.STUDENT_TESTS), "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-p", "no:xdist", "--rootdir", str(paths.STUDENT_DIR), "-c",
            str(paths.STUDENT_DIR / "pytest.ini"), f"--hw-file={spec[0]['path']}"]
    code = pytest.main(args, plugins=[harness])
    Path(argv[1]).write_text(json.dumps(harness.outcomes), encoding="utf-8")
    return 0 if int(code) in (0, 1, 5) else int(code)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
