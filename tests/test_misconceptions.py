"""The class's misconceptions (autograder/classroom/reports/misconceptions.py): the catalogued
mistakes recorded in results.json (``extra_data["mistakes"]``), counted per submission."""

from __future__ import annotations

import csv
from pathlib import Path

from test_reports import entry, sub

from autograder.classroom.reports import write_reports
from autograder.classroom.reports.misconceptions import (
    CSV_COLUMNS,
    misconceptions,
    recorded_mistakes,
    write_misconceptions_csv,
)
from autograder.mistakes import get


def wrong(fn: str, name: str, *mistakes: str) -> dict:
    """A failing test entry whose message showed these catalogued mistakes."""
    t = entry(fn, name, 0, 1, "wrong values", "wrong")
    t["extra_data"]["mistakes"] = list(mistakes)
    return t


CLASS = [
    # two tests of one submission name the same mistake: it counts once for it
    sub("ann", [wrong("mse_grad", "t1", "mse_grad_missing_2"),
                wrong("mse_grad", "t2", "mse_grad_missing_2"), entry("softmax", "t1", 1, 1)]),
    sub("ben", [wrong("mse_grad", "t1", "mse_grad_missing_2"),
                wrong("softmax", "t1", "softmax_no_max_shift")]),
    sub("cat", [wrong("mse_grad", "t1", "mse_grad_missing_2"), entry("softmax", "t1", 1, 1)]),
    sub("dan", [entry("mse_grad", "t1", 1, 1), wrong("relu", "t1", "gone_from_catalog")]),
    sub("eve", [entry("mse_grad", "t1", 0, 1, "timed out", "timeout")], status="timeout"),
]


def test_each_mistake_counted_once_per_submission_most_widespread_first() -> None:
    found = misconceptions(CLASS)
    assert [(m.mistake, m.submissions) for m in found] == [
        ("mse_grad_missing_2", ["ann", "ben", "cat"]),
        ("softmax_no_max_shift", ["ben"]),  # ties: the functions' order in the results
        ("gone_from_catalog", ["dan"]),
    ]
    first = found[0]
    assert first.function == "mse_grad" and first.description == get(first.mistake).explanation
    assert first.share == 3 / 4  # of the graded submissions (eve timed out)
    assert found[2].function == "relu" and "no longer in the catalog" in found[2].description


def test_malformed_records_are_ignored() -> None:
    assert recorded_mistakes({"extra_data": {"mistakes": ["a", 3, "", None, "b"]}}) == ["a", "b"]
    for extra in (None, "x", {"mistakes": "a"}, {}):
        assert recorded_mistakes({"extra_data": extra}) == []
    assert misconceptions([]) == []


def test_csv_and_report_section(tmp_path: Path) -> None:
    write_misconceptions_csv(tmp_path / "m.csv", misconceptions(CLASS))
    with open(tmp_path / "m.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0] == {
        "mistake": "mse_grad_missing_2",
        "function": "mse_grad",
        "description": get("mse_grad_missing_2").explanation,
        "submissions": "3",
        "share": "0.750",
        "ids": "ann ben cat",
    }
    (tmp_path / "out").mkdir()
    write_reports(tmp_path / "out", CLASS, [])
    assert (tmp_path / "out" / "misconceptions.csv").read_text() == (tmp_path / "m.csv").read_text()
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="misconceptions"'):html.index("Most frequent failure")]
    assert section.index("mse_grad_missing_2") < section.index("softmax_no_max_shift")
    assert "3 (75%)" in section and 'href="submissions/cat/report.html"' in section
    empty = tmp_path / "empty"
    empty.mkdir()
    write_reports(empty, [sub("x", [entry("relu", "t1", 1, 1)])], [])
    assert "No catalogued mistake was recognised" in (empty / "report.html").read_text()
    assert (empty / "misconceptions.csv").read_text().strip() == ",".join(CSV_COLUMNS)
