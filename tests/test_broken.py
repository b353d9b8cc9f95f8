"""Broken submissions (``tests/broken/cases.py``): a clear message, the rest still graded.

Files that cannot be imported (empty, syntax error, Latin-1, UTF-16, a notebook, an ELF
binary, a missing package, input(), IPython magics) give one whole-submission entry with
the reason and every test failed with it. A broken function (missing, wrong signature,
returns None / a list / NaN / a wrong shape or dtype, a loss as an array, too few return
values) fails its own tests with a message that says what is wrong, while a correct
function in the same file earns its points. Five regrades of one submission give the
same results.json apart from timings.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from broken.cases import BROKEN, BY_NAME, CORRECT_ONE_HOT, CORRECT_RELU, STUB, Broken
from hostile.harness import recording_workers, schema_problems, small_config
from results_helpers import strip_timings

from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission


def _points(config: Any, functions: tuple[str, ...] | None) -> float:
    names = config.functions if functions is None else functions
    return math.fsum(config.points(f) for f in names)


@pytest.fixture(scope="module")
def grade(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``grade(case)``: the results of a broken case (each graded once per module)."""
    cache: dict[str, dict] = {}
    config = small_config()

    def run(case: Broken) -> dict:
        if case.name not in cache:
            folder = tmp_path_factory.mktemp(case.name)
            hw = folder / "hw.py"
            hw.write_bytes(case.build())
            functions = None if case.functions is None else list(case.functions)
            with recording_workers():
                cache[case.name] = grade_submission(hw, folder / "results.json", config,
                                                    functions)
            assert json.loads((folder / "results.json").read_text()) == cache[case.name]
        return cache[case.name]

    run.config = config  # type: ignore[attr-defined]
    return run


def _tests_of(data: dict, function: str) -> list[dict]:
    return [t for t in per_test_records(data) if t["tags"][0] == function]


def _check_messages(data: dict, messages: dict[str, str]) -> None:
    for function, pattern in messages.items():
        tests = _tests_of(data, function)
        assert tests, f"no test of {function} in the results"
        failed = [t for t in tests if t["status"] == "failed"]
        assert failed, f"every test of the broken {function} passed"
        for test in failed:
            assert re.search(pattern, test["output"], re.S), (
                f"{test['name']}: {test['output'][:400]!r} does not match {pattern!r}")
        if function == "submission":  # and every graded test says the file is unusable
            for test in per_test_records(data)[1:]:
                assert test["output"].startswith("hw.py could not be imported"), test


@pytest.mark.parametrize("case", BROKEN, ids=[c.name for c in BROKEN])
def test_broken_submission(case: Broken, grade: Any) -> None:
    data = grade(case)
    config = grade.config
    assert schema_problems(data, _points(config, case.functions)) == []
    assert "engine_error" not in data.get("extra_data", {})
    _check_messages(data, case.messages)
    for function, points in case.earns.items():  # the rest of the file is graded
        got = math.fsum(t["score"] for t in _tests_of(data, function))
        assert math.isclose(got, points, abs_tol=1e-3), (function, got, points)
    for function in case.messages:  # what is broken does not get full marks
        if function != "submission":
            got = math.fsum(t["score"] for t in _tests_of(data, function))
            assert got < config.points(function) - 1e-6, (function, got)
    if case.functions is None:
        assert data["score"] == 0
        assert data["tests"][0]["tags"] == ["submission"]


def test_a_function_that_returns_nothing_earns_nothing(grade: Any) -> None:
    data = grade(BY_NAME["returns_none"])
    assert math.fsum(t["score"] for t in _tests_of(data, "relu")) == 0


def test_the_cases_are_what_they_claim() -> None:
    """The builders really produce the broken inputs (so the checks above mean something)."""
    assert BY_NAME["empty_file"].build() == b""
    assert BY_NAME["elf_binary"].build().startswith(b"\x7fELF")
    assert json.loads(BY_NAME["notebook"].build())["nbformat"] == 4
    assert BY_NAME["utf16"].build()[:2] in (b"\xff\xfe", b"\xfe\xff")
    with pytest.raises(UnicodeDecodeError):
        BY_NAME["latin1"].build().decode("utf-8")
    assert b"def relu(x)\n" in BY_NAME["syntax_error"].build()
    assert b"def relu(" not in BY_NAME["missing_relu"].build()
    for case in BROKEN:
        if case.functions is not None and case.name != "only_relu":
            compile(case.build(), "hw.py", "exec")  # function-level cases import fine


def test_five_regrades_are_identical_apart_from_timings(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    hw.write_text(STUB.read_text(encoding="utf-8") + CORRECT_ONE_HOT + CORRECT_RELU + '''
def softmax(z):
    import numpy as np
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def mae_loss(y_pred, y):
    import numpy as np
    return float(np.mean(np.abs(np.asarray(y_pred, float) - y))) if np.size(y) > 1 else np.nan
''')
    functions = ["softmax", "mae_loss", "relu", "one_hot"]
    config = small_config()
    runs = []
    with recording_workers():
        for _ in range(5):
            runs.append(grade_submission(hw, None, config, functions))
    first = strip_timings(runs[0])
    assert schema_problems(runs[0], 10.0) == []
    assert 2.0 <= runs[0]["score"] < 10.0  # relu and one_hot right, the others partly
    for other in runs[1:]:
        assert strip_timings(other) == first
    assert len({r["execution_time"] for r in runs}) > 1  # the timings really were removed
