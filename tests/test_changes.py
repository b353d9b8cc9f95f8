"""Regrade impact (autograder/classroom/reports/changes.py) and the class-wide outputs of
``autograder grade`` (``--compare OLD``, ``--similarity-against DIR``, the CSVs).

The batch tests grade with a stand-in engine that writes, as results.json, the results a
submission carries in its first line (``# RESULTS {...}``): what the real engine would
give is beside the point here, only how the batch compares and reports it.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from near_copies import disguise
from test_reports import entry, sub

from autograder import paths
from autograder.classroom import batch
from autograder.classroom.reports.changes import (
    CSV_COLUMNS,
    PreviousGrades,
    compare,
    compare_results,
    read_previous,
    write_changes_csv,
)
from autograder.config import load_config

ECHO_GRADER = r"""
import json, sys
from pathlib import Path
args = sys.argv[1:]
options = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
sub = Path(next(a for i, a in enumerate(args)
                if not a.startswith("--") and (i == 0 or not args[i - 1].startswith("--"))))
source = (sub / "hw.py" if sub.is_dir() else sub).read_text()
first = source.splitlines()[0]
results = json.loads(first.removeprefix("# RESULTS "))
results["score"] = sum(t["score"] for t in results["tests"])
# like the engine: which file was graded (the reports show exactly that one)
results["extra_data"] = {"submission_file": "hw.py" if sub.is_dir() else sub.name}
Path(options["--results"]).write_text(json.dumps(results))
"""


def results(*tests: dict) -> dict:
    return {"score": sum(t["score"] for t in tests), "tests": list(tests)}


def test_changed_scores_and_flips_are_listed_unchanged_counted() -> None:
    before = PreviousGrades("old", {
        "same": results(entry("f", "t1", 1, 1), entry("f", "t2", 0, 1, "no")),
        "up": results(entry("f", "t1", 0, 1, "no"), entry("g", "t1", 2, 2)),
        "points": results(entry("f", "t1", 1, 1), entry("g", "t1", 2, 2)),
        "gone": results(entry("f", "t1", 1, 1)),
        "broken": None,
    })
    now = [
        sub("same", [entry("f", "t1", 1, 1), entry("f", "t2", 0, 1, "no")]),
        sub("up", [entry("f", "t1", 1, 1), entry("g", "t1", 2, 2)]),
        # the points of g changed from 2 to 3: a passed test's score moves with them
        sub("points", [entry("f", "t1", 1, 1), entry("g", "t1", 3, 3)]),
        sub("broken", [entry("f", "t1", 1, 1)]),
        sub("new", [entry("f", "t1", 1, 1)]),
    ]
    changes = compare(before, now)
    assert changes.unchanged == 1 and changes.old == "old"
    assert [(c.id, c.old_total, c.new_total, c.delta) for c in changes.changed] == [
        ("points", 3, 4, 1), ("up", 2, 3, 1),
        ("broken", None, 1, None), ("gone", 1, None, None), ("new", None, 1, None),
    ]
    # a moved total lists the flipped tests; a passed test whose points grew is counted
    assert changes.changed[0].tests == [] and changes.changed[0].reweighted == 1
    assert changes.changed[0].describe() == "1 test re-weighted"
    assert [t.describe() for t in changes.changed[1].tests] == ["f: t1: 0 -> 1 (failed -> passed)"]
    assert [c.id for c in changes.moved] == ["points", "up"]
    assert [c.id for c in changes.new] == ["broken", "new"]
    assert [c.id for c in changes.gone] == ["gone"]


def test_points_moved_between_two_passed_functions_change_tests_not_the_total() -> None:
    before = PreviousGrades("old", {"a": results(entry("f", "t1", 2, 2), entry("g", "t1", 10, 10)),
                                    "b": results(entry("f", "t1", 0, 2, "no"),
                                                 entry("g", "t1", 10, 10))})
    now = [sub("a", [entry("f", "t1", 4, 4), entry("g", "t1", 8, 8)]),
           sub("b", [entry("f", "t1", 0, 4, "no"), entry("g", "t1", 8, 8)])]
    changes = compare(before, now)
    # only b's total moved: a, re-weighted to the same total, is counted in one figure
    assert [(c.id, c.delta) for c in changes.changed] == [("b", -2)]
    assert [c.id for c in changes.moved] == ["b"]
    assert (changes.unchanged, changes.reweighted) == (1, 1)
    assert changes.changed[0].describe() == "1 test re-weighted"


def test_a_failing_test_whose_points_changed_is_no_change() -> None:
    """0 of 2 points becoming 0 of 3 changes nobody's grade; a test only one side has
    counts as 0 points there."""
    old = results(entry("f", "t1", 0, 2, "no"), entry("f", "removed", 0, 1, "no"))
    new = results(entry("f", "t1", 0, 3, "no"), entry("f", "added", 0, 1, "no"))
    assert compare_results(old, new) == []
    new = results(entry("f", "t1", 0, 3, "no"), entry("f", "added", 1, 1))
    assert [t.describe() for t in compare_results(old, new)] == ["f: added: (new test) -> 1"]


def test_a_name_used_twice_is_told_apart() -> None:
    old = results(entry("f", "t", 1, 1), entry("f", "t", 1, 1))
    new = results(entry("f", "t", 1, 1), entry("f", "t", 0, 1, "no"))
    assert [t.describe() for t in compare_results(old, new)] == [
        "f: t #2: 1 -> 0 (passed -> failed)"]


def test_csv_rows(tmp_path: Path) -> None:
    before = PreviousGrades("old", {"a": results(entry("f", "t1", 1, 1)), "b": None})
    changes = compare(before, [sub("a", [entry("f", "t1", 0.5, 1, "half")])])
    write_changes_csv(tmp_path / "changes.csv", changes)
    with open(tmp_path / "changes.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1:] == [["a", "1", "0.5", "-0.5", "f: t1: 1 -> 0.5 (passed -> failed)"],
                        ["b", "0", "", "", "no longer in the input"]]


def test_an_earlier_folder_must_be_an_output_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an output folder"):
        read_previous(tmp_path)
    (tmp_path / "submissions" / "x").mkdir(parents=True)
    (tmp_path / "submissions" / "x" / "results.json").write_text("{not json")
    (tmp_path / "submissions" / "y").mkdir()  # no results: not a submission of that run
    assert read_previous(tmp_path).results == {"x": None}


# -- through autograder grade ------------------------------------------------------------


@pytest.fixture
def echo(tmp_path: Path) -> dict:
    script = tmp_path / "echo_grader.py"
    script.write_text(ECHO_GRADER)
    return {"grader_cmd": [sys.executable, str(script)], "jobs": 2, "progress": False}


def submission(folder: Path, name: str, tests: list[dict], code: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    first = "# RESULTS " + json.dumps({"tests": tests})
    (folder / f"{name}.py").write_text(first + "\n" + code, encoding="utf-8")


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_grade_compare_lists_whose_grade_changed(tmp_path: Path, echo: dict) -> None:
    subs = tmp_path / "subs"
    for name, score in (("ann", 1), ("ben", 0), ("cat", 1)):
        submission(subs, name, [entry("f", "t1", score, 1, "" if score else "no")])
    first = batch.grade(subs, tmp_path / "out", **echo)
    assert not (first.out_dir / "changes.csv").exists()
    # the regrade: ann's test now fails; ben and cat unchanged; dan is new
    submission(subs, "ann", [entry("f", "t1", 0, 1, "no")], code="# resubmitted\n")
    submission(subs, "dan", [entry("f", "t1", 1, 1)])
    batch.grade(subs, tmp_path / "new", compare=tmp_path / "out", **echo)
    rows = read_rows(tmp_path / "new" / "changes.csv")
    assert [(r["id"], r["old_total"], r["new_total"], r["delta"]) for r in rows] == [
        ("ann", "1", "0", "-1"), ("dan", "", "1", "")]
    assert rows[0]["tests_changed"] == "f: t1: 1 -> 0 (passed -> failed)"
    html = (tmp_path / "new" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="changes"'):html.index("Needs attention")]
    assert "2 unchanged (not listed)" in section and "1 new" in section
    assert "ann" in section and "ben" not in section and "cat" not in section
    # OLD may be the output folder itself: it is read before anything is overwritten
    batch.grade(subs, tmp_path / "out", compare=tmp_path / "out", **echo)
    assert [r["id"] for r in read_rows(tmp_path / "out" / "changes.csv")] == ["ann", "dan"]
    # a later run without --compare leaves no stale comparison behind
    batch.grade(subs, tmp_path / "out", **echo)
    assert not (tmp_path / "out" / "changes.csv").exists()
    with pytest.raises(ValueError, match="not an output folder"):
        batch.grade(subs, tmp_path / "out", compare=subs, **echo)


def test_grade_flags_similar_submissions_and_earlier_terms(tmp_path: Path, echo: dict) -> None:
    solutions = paths.SOLUTIONS_HW.read_text(encoding="utf-8")
    variants = Path(__file__).parent / "variants"
    passing = [entry("f", "t1", 1, 1)]
    subs, earlier = tmp_path / "subs", tmp_path / "2024"
    submission(subs, "ann", passing, solutions)
    submission(subs, "ben", passing, disguise(solutions))
    submission(subs, "cat", passing, (variants / "hw_loops.py").read_text())
    submission(subs, "dan", passing, paths.STUDENT_HW.read_text(encoding="utf-8"))
    submission(earlier, "old_eve", passing, disguise((variants / "hw_loops.py").read_text()))
    submission(earlier, "old_fay", passing, (variants / "hw_einsum.py").read_text())
    batch.grade(subs, tmp_path / "out", similarity_against=earlier, **echo)
    rows = read_rows(tmp_path / "out" / "similarity.csv")
    # most similar first: the disguised loops keep more of their code than the solutions,
    # whose many docstrings the copy deleted
    assert [(r["a"], r["b"]) for r in rows] == [("cat", "2024/old_eve"), ("ann", "ben")]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="similar"'):html.index("Pass rate per test")]
    assert "never a score" in section and "4 submissions compared" in section
    assert "2 earlier submissions" in section
    pages = sorted((tmp_path / "out" / "similarity").glob("pair-*.html"))
    assert [p.name for p in pages] == ["pair-1.html", "pair-2.html"]
    page = pages[0].read_text(encoding="utf-8")
    assert "<mark>" in page and "../report.html" in page and "never a score" in page
    grades = read_rows(tmp_path / "out" / "grades.csv")
    assert {r["id"]: r["total"] for r in grades} == dict.fromkeys(["ann", "ben", "cat", "dan"], "1")
    # without the earlier term, and after a change that splits the pair, old pages go
    submission(subs, "ben", passing, (variants / "hw_einsum.py").read_text())
    batch.grade(subs, tmp_path / "out", **echo)
    assert read_rows(tmp_path / "out" / "similarity.csv") == []
    assert not list((tmp_path / "out" / "similarity").glob("pair-*.html"))
    with pytest.raises(ValueError, match="--similarity-against"):
        batch.grade(subs, tmp_path / "out", similarity_against=tmp_path / "nowhere", **echo)


def test_changing_the_similarity_threshold_regrades_nothing(tmp_path: Path, echo: dict) -> None:
    from config_helpers import move_points, set_points

    subs = tmp_path / "subs"
    submission(subs, "ann", [entry("f", "t1", 1, 1)])
    submission(subs, "ben", [entry("f", "t1", 0, 1, "no")])
    text = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
    config = tmp_path / "assignment.toml"
    config.write_text(text, encoding="utf-8")
    assert batch.grade(subs, tmp_path / "out", config=config, **echo).n_run == 2
    config.write_text(text.replace("threshold = 0.6", "threshold = 0.9  # stricter")
                      .replace("[similarity]", "# a comment\n[similarity]"), encoding="utf-8")
    assert "threshold = 0.9" in config.read_text()
    again = batch.grade(subs, tmp_path / "out", config=config, **echo)
    assert (again.n_run, again.n_cached) == (0, 2)
    first = load_config(config).functions[0]
    config.write_text(set_points(text, first, load_config(config).points(first)), "utf-8")
    assert batch.grade(subs, tmp_path / "out", config=config, **echo).n_cached == 2  # same
    moved = text.replace("threshold = 0.6", "threshold = 0.9")
    config.write_text(move_points(moved, load_config())[0], encoding="utf-8")
    assert batch.grade(subs, tmp_path / "out", config=config, **echo).n_run == 2
