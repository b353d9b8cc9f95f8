"""Regrade impact: whose grade a regrade changes, compared with an earlier output folder.

``autograder grade SUBMISSIONS --out NEW --compare OLD`` reads OLD's per-submission
``submissions/<id>/results.json`` (before grading, so OLD may be NEW itself) and compares
each submission's total and tests with the new results. Only submissions whose total
moved are listed (a submission only one side has is listed as new or gone), biggest
change first, with the tests that explain it: those that flipped between passed and
failed, those only one side has, and the late penalty (a moved due date, penalty or
extension); the other tests whose score changed (re-weighted points) are counted per
submission. Submissions whose total did not move are counted, not listed, and those among
them whose tests were re-weighted (points moved between functions they did equally well
on) are counted in one line. Written to ``changes.csv`` and the class report's "Changes
since OLD" section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.classroom.reports.csvsafe import writer
from autograder.classroom.reports.gradescsv import fmt_points
from autograder.classroom.reports.model import GradedSubmission, as_number
from autograder.grading.late_policy import LATE_ENTRY_NAME, is_late_entry
from autograder.grading.results import entries, per_test_records

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

    @property
    def flipped(self) -> bool:
        """Whether the test went from passed to failed or back."""
        return (self.old is not None and self.new is not None
                and (self.old_status == "passed") != (self.new_status == "passed"))

    @property
    def late(self) -> bool:
        """Whether this is the late penalty's entry (not a test)."""
        return self.name == LATE_ENTRY_NAME

    @property
    def explains(self) -> bool:
        """Whether this change is listed for a moved total: a flip, a test only one side
        has, or the late penalty (a score-only change is a re-weighting, counted)."""
        return self.flipped or self.late or self.old is None or self.new is None

    def describe(self) -> str:
        """``name: 1.5 -> 0`` (or ``(new test)`` / ``(test removed)``); the late entry as
        ``late penalty: -1 -> -2``."""
        if self.late:
            return f"late penalty: {fmt_points(self.old or 0)} -> {fmt_points(self.new or 0)}"
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
    #: other tests whose score changed (re-weighted points), counted, not listed
    reweighted: int = 0

    def describe(self) -> str:
        """What changed: the listed tests, then how many others were re-weighted."""
        parts = [t.describe() for t in self.tests]
        if self.reweighted:
            n = self.reweighted
            parts.append(f"{n} test{'s' if n != 1 else ''} re-weighted")
        return "; ".join(parts)

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
    changed: list[SubmissionChange]  # listed: moved totals, new and gone
    unchanged: int  # counted only
    #: of the unchanged, how many had tests re-weighted (their total did not move)
    reweighted: int = 0

    @property
    def moved(self) -> list[SubmissionChange]:
        """Submissions in both runs whose total moved, biggest change first."""
        return [c for c in self.changed if c.delta is not None and abs(c.delta) > EPSILON]

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
    """``{name: (score, status)}`` of the per-test records and the late penalty's entry;
    a name used twice gets ``#2``, ``#3``... appended."""
    out: dict[str, tuple[float, str]] = {}
    if not isinstance(results, dict):
        return out
    late = [t for t in entries(results) if is_late_entry(t)]
    for t in [*(t for t in per_test_records(results) if not is_late_entry(t)), *late]:
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
    unchanged = reweighted = 0
    for s in subs:
        if s.id not in previous:
            changed.append(SubmissionChange(s.id, None, s.total))
            continue
        old = previous[s.id]
        if old is None:
            unreadable = TestChange("(old results.json unreadable)", None, None, None, None)
            changed.append(SubmissionChange(s.id, None, s.total, [unreadable]))
            continue
        tests = compare_results(old, s.results)
        old_total = _total(old)
        if abs(s.total - old_total) > EPSILON:
            shown = [t for t in tests if t.explains]
            changed.append(SubmissionChange(s.id, old_total, s.total, shown,
                                            reweighted=len(tests) - len(shown)))
        else:
            unchanged += 1
            reweighted += bool(tests)
    current = {s.id for s in subs}
    for sub_id, old in previous.items():
        if sub_id not in current:
            changed.append(SubmissionChange(sub_id, _total(old), None))
    changed.sort(key=lambda c: (c.delta is None, -abs(c.delta or 0.0), c.id))
    return Changes(old=before.label, changed=changed, unchanged=unchanged, reweighted=reweighted)


def write_changes_csv(path: Path, changes: Changes) -> None:
    """``id, old_total, new_total, delta, tests_changed``: one row per submission whose
    total moved (an empty total: not in that run); ``tests_changed`` is ``name: old ->
    new (passed -> failed); ...; N tests re-weighted``."""
    def points(x: float | None) -> str:
        return "" if x is None else fmt_points(x)

    with writer(path) as w:
        w.writerow(CSV_COLUMNS)
        for c in changes.changed:
            if c.delta is None:
                what = "new submission" if c.old_total is None else "no longer in the input"
            else:
                what = c.describe()
            w.writerow([c.id, points(c.old_total), points(c.new_total), points(c.delta), what])
