"""Item analysis (autograder/classroom/reports/item_analysis.py) on a tiny hand-made class
whose point-biserial correlations are worked out by hand."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from autograder.classroom.reports.item_analysis import (
    CSV_COLUMNS,
    item_analysis,
    point_biserial,
    write_item_analysis_csv,
)
from autograder.classroom.reports.model import GradedSubmission


def _sub(sid: str, scores: dict[str, float]) -> GradedSubmission:
    """A graded submission with tests t1 (f, 1 pt), t2 (f, 1 pt), t3 (g, 2 pts), t4 (g, 1)."""
    maxima = {"t1": ("f", 1.0), "t2": ("f", 1.0), "t3": ("g", 2.0), "t4": ("g", 1.0)}
    tests = [{"name": n, "score": scores[n], "max_score": m, "tags": [fn],
              "status": "passed" if scores[n] >= m else "failed", "visibility": "visible"}
             for n, (fn, m) in maxima.items()]
    return GradedSubmission(sid, sid, "", "", "", "graded", "", {"tests": tests})


# t4 passes for everyone; t2 fails only where t1 fails
CLASS = [
    _sub("a", {"t1": 1, "t2": 1, "t3": 2, "t4": 1}),  # total 5
    _sub("b", {"t1": 1, "t2": 1, "t3": 0, "t4": 1}),  # total 3
    _sub("c", {"t1": 0, "t2": 0, "t3": 2, "t4": 1}),  # total 3
    _sub("d", {"t1": 0, "t2": 1, "t3": 0, "t4": 1}),  # total 2
]


def test_point_biserial_by_hand() -> None:
    items = {(i.kind, i.name): i for i in item_analysis(CLASS)}
    # t1: passers a, b with rest (total - t1) 4, 2; failers c, d with rest 3, 2.
    # rest = [4, 2, 3, 2], mean 2.75, population sd sqrt((1.5625+.5625+.0625+.5625)/4)
    sd = math.sqrt((1.5625 + 0.5625 + 0.0625 + 0.5625) / 4)
    by_hand = (3.0 - 2.5) / sd * math.sqrt(0.5 * 0.5)
    t1 = items[("test", "t1")]
    assert (t1.n, t1.passed, t1.pass_share) == (4, 2, 0.5)
    assert t1.point_biserial == pytest.approx(by_hand)  # 0.3015...
    # t3: passers a, c with rest 3, 1; failers b, d with rest 3, 2: rest [3, 3, 1, 2],
    # mean 2.25, sd sqrt((.5625+.5625+1.5625+.0625)/4)
    sd3 = math.sqrt((0.5625 + 0.5625 + 1.5625 + 0.0625) / 4)
    assert items[("test", "t3")].point_biserial == pytest.approx(
        (2.0 - 2.5) / sd3 * 0.5)  # negative: passing t3 goes with a lower rest
    assert items[("test", "t4")].point_biserial is None  # everyone passes
    # function f: full marks for a, b (rest 3, 1), not for c, d (rest 3, 1)
    assert items[("function", "f")].point_biserial == pytest.approx(0.0)


def test_flags_nobody_everybody_and_fails_with() -> None:
    items = {(i.kind, i.name): i for i in item_analysis(CLASS)}
    assert items[("test", "t4")].flags == ["nobody fails"]
    assert items[("test", "t2")].fails_with == ["t1"]  # only d fails t2, and d fails t1
    assert items[("test", "t1")].fails_with == []  # c fails t1 but passes t2
    everybody = item_analysis([_sub(s, {"t1": 0, "t2": 1, "t3": 2, "t4": 1}) for s in "xy"])
    t1 = next(i for i in everybody if i.name == "t1" and i.kind == "test")
    assert "everybody fails" in t1.flags and t1.point_biserial is None


def test_point_biserial_is_pearson() -> None:
    flags = [True, False, True, True, False, False, True]
    rest = [5.0, 1.0, 4.0, 2.5, 2.0, 0.5, 3.0]
    x = [float(f) for f in flags]
    mx, my = sum(x) / len(x), sum(rest) / len(rest)
    cov = sum((a - mx) * (b - my) for a, b in zip(x, rest))
    pearson = cov / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in rest))
    assert point_biserial(flags, rest) == pytest.approx(pearson)


def test_csv(tmp_path: Path) -> None:
    write_item_analysis_csv(tmp_path / "item_analysis.csv", item_analysis(CLASS))
    with open(tmp_path / "item_analysis.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["kind"], r["name"]) for r in rows] == [
        ("test", "t1"), ("test", "t2"), ("test", "t3"), ("test", "t4"),
        ("function", "f"), ("function", "g")]
    assert rows[0]["point_biserial"] == "0.302" and rows[3]["point_biserial"] == ""
    assert rows[3]["flags"] == "nobody fails" and rows[1]["fails_with"] == "t1"
