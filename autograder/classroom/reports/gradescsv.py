"""``grades.csv`` (one row per input: what happened to it, its late figures, its points
per function) and ``gradebook.csv`` (one row per student, ready for a gradebook import).

Both are written through :mod:`autograder.classroom.reports.csvsafe` (no cell runs as a
spreadsheet formula).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from autograder.classroom.reports.csvsafe import write_rows, writer
from autograder.classroom.reports.model import GradedSubmission, SkippedInput, function_order

#: the columns of grades.csv before the per-function ones
LEADING_COLUMNS = ("id", "name", "email", "sid", "total", "raw_total", "late_penalty",
                   "days_late", "submitted_at")
#: the columns of gradebook.csv
GRADEBOOK_COLUMNS = ("name", "email", "sid", "total", "submission_id", "status", "note")
#: grades.csv's status of an input that is not a submission (a notebook, a PDF...)
NOT_A_SUBMISSION = "not_a_submission"


def fmt_points(x: float) -> str:
    """Points as short text: ``87.5``, ``100``, ``3.3333``."""
    r = round(float(x), 4)
    return f"{r:.4f}".rstrip("0").rstrip(".") if r != int(r) else str(int(r))


def late_cells(s: GradedSubmission) -> list[str]:
    """``raw_total, late_penalty, days_late, submitted_at`` of one submission (the last
    two empty when its time is unknown or no rule applies)."""
    late = s.late
    return [
        fmt_points(s.raw_total),
        fmt_points(s.late_penalty),
        str(s.days_late) if late is not None else "",
        str(late.get("submitted_at", "")) if late is not None else "",
    ]


def write_grades_csv(
    path: Path,
    subs: list[GradedSubmission],
    per_test: bool = False,
    skipped: list[SkippedInput] | None = None,
) -> None:
    """Write ``id, name, email, sid, total, raw_total, late_penalty, days_late,
    submitted_at, <function>..., [test:<name>...], status, message``.

    ``total`` is results.json's score (after the late penalty, never below 0),
    ``raw_total`` the sum of the test scores before it. Each input of ``skipped`` (not a
    submission at all) gets a row of its own: status ``not_a_submission``, the reason in
    ``message``, no points.
    """
    functions = function_order(subs)
    test_names: list[str] = []
    if per_test:
        seen: dict[str, None] = {}
        for s in subs:
            for t in s.tests:
                seen.setdefault(str(t.get("name", "")), None)
        test_names = list(seen)
    header = [*LEADING_COLUMNS, *functions]
    header += [f"test:{n}" for n in test_names] + ["status", "message"]
    with writer(path) as w:
        w.writerow(header)
        for s in subs:
            fs = s.function_scores()
            row = [s.id, s.name, s.email, s.sid, fmt_points(s.total), *late_cells(s)]
            row += [fmt_points(fs[fn][0]) if fn in fs else "0" for fn in functions]
            if per_test:
                by_name = {str(t.get("name", "")): t for t in s.tests}
                row += [
                    fmt_points(float(by_name[n].get("score") or 0)) if n in by_name else ""
                    for n in test_names
                ]
            row += [s.status, s.message.splitlines()[0] if s.message else ""]
            w.writerow(row)
        for k in skipped or []:
            w.writerow([k.name, *[""] * (len(header) - 3), NOT_A_SUBMISSION, k.reason])


def gradebook_rows(subs: list[GradedSubmission]) -> list[list[str]]:
    """One row per student: ``name, email, sid, total, submission_id, status, note``.

    Every member of a group submission gets the group's total. A submission without
    known students (a plain folder) is one row named by its id only. A submission whose
    grade is not valid (the grader crashed) has an empty total. A student found in two
    submissions gets the later one (by submission time, then id), and the note says which
    other one was not counted.
    """
    rows: dict[str, list[str]] = {}
    order: list[str] = []
    chosen: dict[str, GradedSubmission] = {}
    for s in subs:
        total = "" if s.status == "crash" else fmt_points(s.total)
        people = s.students or [None]
        for person in people:
            name, email, sid = (person.name, person.email, person.sid) if person else ("", "", "")
            key = (email.strip().lower() or sid.strip() or name.strip()) if person else ""
            key = key or f"submission:{s.id}"
            row = [name, email, sid, total, s.id, s.status, ""]
            if key not in rows:
                order.append(key)
                rows[key], chosen[key] = row, s
                continue
            earlier = chosen[key]
            if _when(s) >= _when(earlier):
                row[6] = f"also in {earlier.id} (not counted)"
                rows[key], chosen[key] = row, s
            else:
                rows[key][6] = f"also in {s.id} (not counted)"
    return [rows[k] for k in order]


def _when(s: GradedSubmission) -> tuple[float, str]:
    """When ``s`` was submitted (seconds since the epoch; unknown first), then its id."""
    try:
        stamp = _dt.datetime.fromisoformat(str((s.late or {}).get("submitted_at", "")))
        return (stamp.timestamp() if stamp.tzinfo else float("-inf"), s.id)
    except ValueError:
        return (float("-inf"), s.id)


def write_gradebook_csv(path: Path, subs: list[GradedSubmission]) -> None:
    """Write ``gradebook.csv`` (:func:`gradebook_rows`)."""
    write_rows(path, GRADEBOOK_COLUMNS, gradebook_rows(subs))
