"""The late rule on Gradescope and in ``autograder run --submitted-at`` (issue 24).

Gradescope writes ``/autograder/submission_metadata.json`` beside the upload
(``created_at``, ``users[].email``, ``assignment.due_date``); the zip's entry point
(``autograder/release/gradescope/run_autograder.py``) hands them to the engine, which adds
one visible ``Late submission`` entry (first tag ``late``, score minus the deduction,
max_score 0) and the figures in ``extra_data``. Here its ``main`` runs on a temporary
AG_DIR laid out as Gradescope lays it out, with the real engine grading the solutions for
a release of two functions (5 points: fast, and small enough that 30 days late shows the
cap at the raw score). The course's own rule applies (due 2025-02-07 23:59 America/Detroit,
1 point per day), with an extensions file beside a copy of the course's assignment.toml.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from autograder import paths
from autograder.grading import run_command
from autograder.release.gradescope import PLUGIN_NAME, run_autograder

FUNCTIONS = ["softmax_backward", "relu"]  # 4 + 1 points
RAW = 5.0
EXTENSIONS = "student,due,extra_days,note\next@uni.edu,2025-03-10 23:59,,\nbo@uni.edu,,2,\n"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The course's assignment.toml naming an extensions file, which lies beside it."""
    folder = tmp_path / "config"
    folder.mkdir()
    config = folder / "assignment.toml"
    text = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
    named = text.replace('# extensions = "extensions.csv"', 'extensions = "extensions.csv"')
    assert named != text
    config.write_text(named, encoding="utf-8")
    (folder / "extensions.csv").write_text(EXTENSIONS, encoding="utf-8")
    monkeypatch.setattr(paths, "ASSIGNMENT_TOML", config)
    return config


def gradescope(tmp_path: Path, created_at: str | None, emails: list[str]) -> dict[str, Any]:
    """Run the zip's entry point on the solutions as Gradescope would; its results.json."""
    ag_dir = tmp_path / "autograder"
    for sub in ("source", "submission", "results"):
        (ag_dir / sub).mkdir(parents=True)
    (ag_dir / "source" / "otter_config.json").write_text(
        json.dumps({"plugins": [{PLUGIN_NAME: {"functions": FUNCTIONS}}]}))
    shutil.copy(paths.SOLUTIONS_HW, ag_dir / "submission" / "hw.py")
    if created_at is not None:
        (ag_dir / "submission_metadata.json").write_text(json.dumps({
            "id": 7, "created_at": created_at,
            "assignment": {"id": 1, "title": "Deep Learning Fundamentals II",
                           "due_date": "2025-02-07T23:59:00.000000-05:00",
                           "late_due_date": "2025-02-14T23:59:00.000000-05:00",
                           "total_points": "100.0"},
            "users": [{"email": e, "id": i, "name": e.split("@")[0]} for i, e in enumerate(emails)],
            "submission_method": "upload", "previous_submissions": [],
        }))
    assert run_autograder.main([str(ag_dir)]) == 0
    return json.loads((ag_dir / "results" / "results.json").read_text(encoding="utf-8"))


CASES = [
    # created_at (as Gradescope writes it), users, days late, deduction
    ("on time", "2025-02-07T23:58:59.123456-05:00", ["ana@uni.edu"], 0, 0.0),
    ("1 minute late", "2025-02-08T00:00:00.000000-05:00", ["ana@uni.edu"], 1, 1.0),
    ("25 hours late", "2025-02-09T00:59:00.000000-05:00", ["ana@uni.edu"], 2, 2.0),
    # 29 days 23 h 31 min of real time across the change to EDT: day 30; the penalty (30)
    # is larger than the raw score (5): the total is 0, never below
    ("across DST, penalty > raw", "2025-03-10T00:30:00.000000-04:00", ["ana@uni.edu"], 30, RAW),
    ("extension to an EDT due time", "2025-03-11T00:00:00.000000-04:00", ["ext@uni.edu"], 1, 1.0),
    ("group, one member has 2 days", "2025-02-09T12:00:00.000000-05:00",
     ["ana@uni.edu", "bo@uni.edu"], 0, 0.0),
    ("the same time without that member", "2025-02-09T12:00:00.000000-05:00",
     ["ana@uni.edu"], 2, 2.0),
]


@pytest.mark.parametrize("what, created_at, emails, days, deduction", CASES,
                         ids=[c[0] for c in CASES])
def test_gradescope_metadata_gives_the_late_penalty(
    course: Path, tmp_path: Path, what: str, created_at: str, emails: list[str],
    days: int, deduction: float,
) -> None:
    results = gradescope(tmp_path, created_at, emails)
    figures = results["extra_data"]["late"]
    assert (figures["days_late"], figures["deduction"], figures["raw_total"]) == (
        days, deduction, RAW)
    assert figures["gradescope_due_date"] == "2025-02-07T23:59:00.000000-05:00"
    late = [t for t in results["tests"] if t["tags"][0] == "late"]
    others = [t for t in results["tests"] if t["tags"][0] != "late"]
    assert sum(t["score"] for t in others) == RAW
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    assert results["score"] == pytest.approx(RAW - deduction)
    if days == 0:
        assert late == []
        return
    (entry,) = late
    assert (entry["name"], entry["score"], entry["max_score"], entry["visibility"]) == (
        "Late submission", -deduction, 0.0, "visible")
    assert results["tests"][-1] is not None and results["tests"][-1]["name"] == "Late submission"
    assert f"Days late: {days} " in entry["output"]
    assert "Due: " in entry["output"] and "Submitted: " in entry["output"]
    assert entry["extra_data"]["days_late"] == days


def test_without_metadata_or_late_rule_nothing_is_deducted(
    course: Path, tmp_path: Path
) -> None:
    results = gradescope(tmp_path, None, [])
    assert results["score"] == RAW and "late" not in results.get("extra_data", {})
    assert all(t["tags"][0] != "late" for t in results["tests"])


def test_autograder_run_submitted_at_gives_what_gradescope_gives(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The same submission at the same time: the same entries, scores and figures."""
    when = "2025-03-11T00:00:00.000000-04:00"
    on_gradescope = gradescope(tmp_path / "gs", when, ["ext@uni.edu"])
    capsys.readouterr()
    out = tmp_path / "run.json"
    assert run_command.main([str(paths.SOLUTIONS_HW), "--results", str(out),
                             "--functions", ",".join(FUNCTIONS),
                             "--submitted-at", when, "--student", "ext@uni.edu"]) == 0
    printed = capsys.readouterr().out
    assert "Late submission: 1 day after the due time (2025-03-10 23:59:00 EDT): -1 point" \
        in printed
    assert "Total after the late penalty: 4" in printed
    local = json.loads(out.read_text(encoding="utf-8"))

    def same(results: dict[str, Any]) -> Any:
        figures = dict(results["extra_data"]["late"])
        figures.pop("gradescope_due_date", None)
        return results["score"], figures, [
            (t["name"], t["score"], t["max_score"], t["status"], t["visibility"], t["tags"],
             t["output"]) for t in results["tests"]]

    assert same(local) == same(on_gradescope)
    assert local["extra_data"]["late"]["extension"] == (
        "extension for ext@uni.edu: due 2025-03-10 23:59:00 EDT")


def test_a_bad_submission_time_is_refused(course: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture) -> None:
    assert run_command.main([str(paths.SOLUTIONS_HW), "--results", str(tmp_path / "r.json"),
                             "--submitted-at", "last tuesday"]) == 2
    assert "--submitted-at: 'last tuesday' is not a time" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
