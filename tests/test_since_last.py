"""Since your last submission (issue 23): the top of Gradescope's output says which
functions became right or wrong since the student's previous submission, read from
``submission_metadata.json``'s ``previous_submissions`` (each with its ``results``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autograder.grading import run_command, since_last
from autograder.grading.results import read_results, write_results
from autograder.intake.gradescope_metadata import read_metadata
from autograder.release.gradescope import run_autograder


def _test(function: str, passed: bool, visibility: str = "visible", score: float = 1.0
          ) -> dict[str, Any]:
    return {"name": f"{function}: a check ({visibility})", "score": score if passed else 0.0,
            "max_score": score, "status": "passed" if passed else "failed",
            "visibility": visibility, "output": "" if passed else "wrong",
            "tags": [function, "part 1"], "extra_data": {}}


def _results(*tests: dict[str, Any], output: str = "3/4 visible tests passed.") -> dict:
    return {"score": sum(t["score"] for t in tests), "execution_time": 1.0,
            "output": output, "tests": list(tests)}


PREVIOUS = _results(_test("softmax", False), _test("softmax", True), _test("relu", True),
                    _test("sigmoid", True), _test("mae_loss", False))
CURRENT = _results(_test("softmax", True), _test("softmax", True), _test("relu", False),
                   _test("sigmoid", True), _test("mae_loss", False),
                   _test("gd_step", True))  # graded now only: not compared


def _metadata(*previous: tuple[str, dict]) -> dict[str, Any]:
    return {"created_at": "2026-03-01T23:00:00.0-05:00",
            "previous_submissions": [{"submission_time": t, "score": r["score"], "results": r}
                                     for t, r in previous]}


def test_per_function_status_needs_every_visible_test() -> None:
    assert since_last.function_status(PREVIOUS) == {
        "softmax": False, "relu": True, "sigmoid": True, "mae_loss": False}


def test_the_changes_are_per_function() -> None:
    assert since_last.changes(PREVIOUS, CURRENT) == (["softmax"], ["relu"])


def test_the_most_recent_previous_submission_is_compared() -> None:
    older = _results(_test("softmax", True), _test("relu", False))
    meta = _metadata(("2026-03-01T10:00:00.0-05:00", PREVIOUS),
                     ("2026-02-28T10:00:00.0-05:00", older))
    assert since_last.previous_results(meta) is PREVIOUS
    assert since_last.previous_results({"previous_submissions": []}) is None
    assert since_last.previous_results({}) is None


def test_hidden_results_are_never_told_before_they_are_published() -> None:
    previous = _results(_test("softmax", True), _test("softmax", True, "after_due_date"))
    current = _results(_test("softmax", True), _test("softmax", False, "after_due_date"))
    assert since_last.changes(previous, current) == ([], [])


def test_the_top_of_the_output_says_what_changed() -> None:
    out = since_last.with_changes(CURRENT, _metadata(("2026-03-01T10:00:00Z", PREVIOUS)))
    assert out["output"].splitlines()[:3] == [
        "Since your last submission:", "  now right: softmax", "  now wrong: relu"]
    assert out["output"].endswith("3/4 visible tests passed.")
    assert out["extra_data"]["since_last"] == {"right": ["softmax"], "wrong": ["relu"]}
    assert out["tests"] == CURRENT["tests"] and out["score"] == CURRENT["score"]
    same = since_last.with_changes(PREVIOUS, _metadata(("2026-03-01T10:00:00Z", PREVIOUS)))
    assert same["output"].startswith("Since your last submission: no function became right")
    first = since_last.with_changes(CURRENT, {"previous_submissions": []})
    assert first is CURRENT  # a first submission: nothing to say


def test_metadata_that_cannot_be_read_is_empty(tmp_path: Path) -> None:
    assert read_metadata(tmp_path / "missing.json") == {}
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert read_metadata(tmp_path / "bad.json") == {}
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    assert read_metadata(tmp_path / "list.json") == {}


def test_gradescopes_entry_point_adds_the_note(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_autograder`` with a fake metadata file (the engine stood in by a canned grade)."""
    ag = tmp_path / "autograder"
    (ag / "submission").mkdir(parents=True)
    (ag / "source").mkdir()
    (ag / "submission" / "hw.py").write_text("# the upload\n", encoding="utf-8")
    (ag / "submission_metadata.json").write_text(
        json.dumps(_metadata(("2026-03-01T10:00:00Z", PREVIOUS))), encoding="utf-8")

    def engine(args: list[str]) -> int:
        write_results(args[args.index("--results") + 1], CURRENT)
        return 0

    monkeypatch.setattr(run_command, "main", engine)
    assert run_autograder.main([str(ag)]) == 0
    results = read_results(ag / "results" / "results.json")
    assert results is not None
    assert results["output"].startswith("Since your last submission:\n  now right: softmax")
    assert results["tests"] == CURRENT["tests"]

    (ag / "submission_metadata.json").unlink()  # not on Gradescope: the results as graded
    assert run_autograder.main([str(ag)]) == 0
    assert read_results(ag / "results" / "results.json") == CURRENT
