"""Regrade impact: whose grade a regrade changes, compared with an earlier output folder.

``autograder grade SUBMISSIONS --out NEW --compare OLD`` reads OLD's per-submission
``submissions/<id>/results.json`` (before grading, so OLD may be NEW itself) and compares
each submission's total and tests with the new results. A test changed when its score
changed (a test only one side has counts as 0 points there) or it flipped between passed
and failed; a submission is listed when one of its tests changed, a submission only one
side has is listed as new or gone. The others are counted, not listed. Those whose
total moved come first; a submission whose tests changed but whose total did not (points
moved between two functions it did equally well on) is listed after them, with a change
of 0. Written to ``changes.csv`` and the class report's "Changes since OLD" section.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.classroom.reports.gradescsv import fmt_points
from autograder.classroom.reports.model import GradedSubmission, as_number
from autograder.grading.results import per_test_records

#: the columns of changes.csv
CSV_COLUMNS = ("id", "old_total", "new_total", "delta", "tests_changed")
#: score differences below this are rounding, not changes
EPSILON = 1e-6


@dataclass(frozen=True)
class TestChange:
    """One test whose score or outcome differs (None: the test is not on that side)."""

    name: str
    old: float | None
    new: float | None
    old_status: str | None
    new_status: str | None

    def describe(self) -> str:
        """``name: 1.5 -> 0`` (or ``(new test)`` / ``(test removed)``)."""
        old = "(new test)" if self.old is None else fmt_points(self.old)
        new = "(test removed)" if self.new is None else fmt_points(self.new)
        text = f"{self.name}: {old} -> {new}"
        if self.old is not None and self.new is not None and self.old_status != self.new_status:
            text += f" ({self.old_status} -> {self.new_status})"
        return text


@dataclass
class SubmissionChange:
    """One submission whose results differ (a total is None where it has no results)."""

    id: str
    old_total: float | None
    new_total: float | None
    tests: list[TestChange] = field(default_factory=list)

    @property
    def delta(self) -> float | None:
        """New total minus old total (None for a new or gone submission)."""
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total


@dataclass
class Changes:
    """The comparison of a regrade with an earlier output folder."""

    old: str  # the earlier folder, as the grader named it
    changed: list[SubmissionChange]  # listed: moved totals and flipped tests, new and gone
    unchanged: int  # counted only

    @property
    def moved(self) -> list[SubmissionChange]:
        """Submissions in both runs whose total moved, biggest change first."""
        return [c for c in self.changed if c.delta is not None and abs(c.delta) > EPSILON]

    @property
    def tests_only(self) -> list[SubmissionChange]:
        """Submissions in both runs whose test scores changed but whose total did not
        (points moved between tests, or between functions they did equally well on)."""
        return [c for c in self.changed if c.delta is not None and abs(c.delta) <= EPSILON]

    @property
    def new(self) -> list[SubmissionChange]:
        """Submissions that the earlier folder does not have."""
        return [c for c in self.changed if c.old_total is None]

    @property
    def gone(self) -> list[SubmissionChange]:
        """Submissions of the earlier folder that are no longer graded."""
        return [c for c in self.changed if c.new_total is None]


@dataclass(frozen=True)
class PreviousGrades:
    """The results of an earlier output folder: ``{submission id: results}`` (None for a
    results.json that cannot be read), and the folder as the grader named it."""

    label: str
    results: dict[str, dict | None]


def read_previous(old_dir: Path) -> PreviousGrades:
    """The per-submission results of an earlier ``autograder grade`` output folder.
    Raises ValueError when ``old_dir`` is not such a folder."""
    old_dir = Path(old_dir)
    subs_dir = old_dir / "submissions"
    if not subs_dir.is_dir():
        raise ValueError(
            f"--compare {old_dir}: not an output folder of autograder grade "
            "(it has no submissions/ folder)"
        )
    found: dict[str, dict | None] = {}
    for folder in sorted(subs_dir.iterdir()):
        path = folder / "results.json"
        if not folder.is_dir() or not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        found[folder.name] = data if isinstance(data, dict) else None
    return PreviousGrades(str(old_dir), found)


def _tests(results: dict | None) -> dict[str, tuple[float, str]]:
    """``{name: (score, status)}``; a name used twice gets ``#2``, ``#3``... appended."""
    out: dict[str, tuple[float, str]] = {}
    for t in per_test_records(results) if isinstance(results, dict) else []:
        name, n = str(t.get("name", "")), 2
        key = name
        while key in out:
            key, n = f"{name} #{n}", n + 1
        out[key] = (as_number(t.get("score")), str(t.get("status", "")))
    return out


def _total(results: dict | None) -> float:
    return sum(score for score, _ in _tests(results).values())


def compare_results(old: dict | None, new: dict | None) -> list[TestChange]:
    """The tests whose score changed or that flipped between passed and failed."""
    before, after = _tests(old), _tests(new)
    changes = []
    for name in [*after, *(n for n in before if n not in after)]:
        o, n = before.get(name), after.get(name)
        old_score = o[0] if o else 0.0
        new_score = n[0] if n else 0.0
        flipped = o is not None and n is not None and (o[1] == "passed") != (n[1] == "passed")
        if abs(new_score - old_score) > EPSILON or flipped:
            changes.append(TestChange(name, o[0] if o else None, n[0] if n else None,
                                      o[1] if o else None, n[1] if n else None))
    return changes


def compare(before: PreviousGrades, subs: list[GradedSubmission]) -> Changes:
    """Compare the new results ``subs`` with the earlier ones (:func:`read_previous`)."""
    previous = before.results
    changed: list[SubmissionChange] = []
    unchanged = 0
    for s in subs:
        if s.id not in previous:
            changed.append(SubmissionChange(s.id, None, s.total))
            continue
        old = previous[s.id]
        tests = compare_results(old, s.results)
        old_total = _total(old) if old is not None else None
        if old is None:
            tests = [TestChange("(old results.json unreadable)", None, None, None, None)]
        if tests or old_total is None or abs(s.total - old_total) > EPSILON:
            changed.append(SubmissionChange(s.id, old_total, s.total, tests))
        else:
            unchanged += 1
    current = {s.id for s in subs}
    for sub_id, old in previous.items():
        if sub_id not in current:
            changed.append(SubmissionChange(sub_id, _total(old), None))
    changed.sort(key=lambda c: (c.delta is None, -abs(c.delta or 0.0), c.id))
    return Changes(old=before.label, changed=changed, unchanged=unchanged)


def write_changes_csv(path: Path, changes: Changes) -> None:
    """``id, old_total, new_total, delta, tests_changed``: one row per listed submission
    (an empty total: not in that run); ``tests_changed`` is ``name: old -> new; ...``."""
    def points(x: float | None) -> str:
        return "" if x is None else fmt_points(x)

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for c in changes.changed:
            if c.delta is None:
                what = "new submission" if c.old_total is None else "no longer in the input"
            else:
                what = "; ".join(t.describe() for t in c.tests)
            w.writerow([c.id, points(c.old_total), points(c.new_total), points(c.delta), what])
