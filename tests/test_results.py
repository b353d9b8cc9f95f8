"""autograder/grading/results.py: the result model, results.json form, atomic writes, failures."""

from __future__ import annotations

import json
import math

import pytest

from autograder.grading.results import (
    FAILED,
    FAILURE_KINDS,
    PASSED,
    PROBLEM_KINDS,
    GradeResult,
    TestResult,
    failure_kind,
    failure_results,
    is_engine_failure,
    read_results,
    to_gradescope,
    trim,
    write_results,
)

TEST_FIELDS = {"name", "score", "max_score", "status", "visibility", "output", "tags", "extra_data"}


def check_schema(data: dict) -> None:
    """Gradescope's format (SPEC section 4), shared with the runner tests."""
    assert set(data) >= {"score", "execution_time", "output", "tests"}
    assert isinstance(data["output"], str)
    assert data["execution_time"] >= 0
    for test in data["tests"]:
        assert set(test) == TEST_FIELDS, test
        assert test["status"] in (PASSED, FAILED)
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert isinstance(test["tags"], list) and test["tags"], test
        assert 0 <= test["score"] <= test["max_score"] + 1e-9
        assert isinstance(test["output"], str) and isinstance(test["extra_data"], dict)
    assert math.isclose(data["score"], sum(t["score"] for t in data["tests"]), abs_tol=1e-9)
    json.dumps(data, allow_nan=False)


def _model() -> GradeResult:
    return GradeResult(
        tests=[
            TestResult("softmax: a", "softmax", 1 / 3, 1 / 3, PASSED, tags=["part 1"]),
            TestResult("softmax: b", "softmax", 2 / 3, 0.0, FAILED, output="wrong"),
            TestResult("Importing hw.py", "submission", 0.0, output="SyntaxError"),
        ],
        execution_time=1.23456,
        output="summary",
    )


def test_to_gradescope_has_every_field_and_sums_scores() -> None:
    data = to_gradescope(_model())
    check_schema(data)
    assert data["score"] == pytest.approx(0.3333)
    assert data["execution_time"] == 1.235
    assert [t["tags"][0] for t in data["tests"]] == ["softmax", "softmax", "submission"]
    assert data["tests"][0]["tags"] == ["softmax", "part 1"]
    assert data["tests"][1]["output"] == "wrong"
    assert "extra_data" not in data  # nothing to add at the top level


def test_status_is_validated() -> None:
    with pytest.raises(ValueError, match="status"):
        TestResult("x", "softmax", 1.0, status="error")


def test_long_output_is_trimmed() -> None:
    text = "x" * 10_000
    cut = trim(text, 100)
    assert len(cut) <= 100 and "more characters cut" in cut
    entry = TestResult("x", "softmax", 1.0, output=text).to_dict()
    assert len(entry["output"]) < len(text)
    assert trim("short", 100) == "short"


def test_write_results_is_atomic_json(tmp_path) -> None:
    data = to_gradescope(_model())
    path = write_results(tmp_path / "out" / "results.json", data)
    assert json.loads(path.read_text(encoding="utf-8")) == data
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]  # no temp file left
    write_results(path, failure_results("again"))
    assert is_engine_failure(json.loads(path.read_text()))


def test_write_results_refuses_nan_and_keeps_the_old_file(tmp_path) -> None:
    path = write_results(tmp_path / "results.json", to_gradescope(_model()))
    before = path.read_text()
    with pytest.raises(ValueError):
        write_results(path, {"score": float("nan"), "tests": []})
    assert path.read_text() == before
    assert len(list(tmp_path.iterdir())) == 1


def test_failure_results_is_valid_and_says_why() -> None:
    data = failure_results("ImportError: no module named numpy", execution_time=2.0)
    check_schema(data)
    assert data["score"] == 0
    assert "no module named numpy" in data["output"]
    assert data["tests"][0]["tags"][0] == "submission"
    assert data["tests"][0]["status"] == FAILED
    assert is_engine_failure(data)
    assert not is_engine_failure(to_gradescope(_model()))


@pytest.mark.parametrize("kind", FAILURE_KINDS)
def test_every_kind_of_failure_has_one_shape(kind: str) -> None:
    """The engine, Gradescope's entry, the otter plugin and the batch graders all describe a
    submission that could not be graded with this one function."""
    data = failure_results("what happened", kind, max_score=100.0, details="log tail")
    check_schema(data)
    (entry,) = data["tests"]
    assert (data["score"], entry["score"], entry["max_score"]) == (0, 0, 100.0)
    assert entry["tags"][0] == "submission" and entry["extra_data"]["kind"] == kind
    assert failure_kind(data) == kind and kind in PROBLEM_KINDS
    assert data["extra_data"]["details"] == "log tail"
    assert is_engine_failure(data) == (kind == "engine")
    # the student is told it is not their code only when it is not
    assert ("not a problem with your code" in entry["output"]) == (kind == "engine")
    assert failure_kind(to_gradescope(_model())) is None


def test_an_unknown_kind_of_failure_is_a_bug() -> None:
    with pytest.raises(ValueError, match="kind"):
        failure_results("x", "crash")


def test_read_results_gives_valid_results_or_none(tmp_path) -> None:
    good = write_results(tmp_path / "good.json", failure_results("x"))
    assert read_results(good) == json.loads(good.read_text())
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "shape.json").write_text(json.dumps({"tests": [{"name": "no score"}]}))
    for name in ("garbage.json", "shape.json", "missing.json"):
        assert read_results(tmp_path / name) is None, name
