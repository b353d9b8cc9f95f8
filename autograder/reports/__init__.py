"""Graders' reports of a batch run: ``grades.csv``, the class ``report.html`` and one
HTML page per submission (``submissions/<id>/report.html``).

Entry point: :func:`write_reports`; the data types are in :mod:`.model`.
"""

from __future__ import annotations

from pathlib import Path

from autograder.reports.model import GradedSubmission, SkippedInput, summarize

__all__ = ["GradedSubmission", "SkippedInput", "write_reports"]


def write_reports(
    out_dir: Path,
    subs: list[GradedSubmission],
    skipped: list[SkippedInput],
    *,
    per_test_columns: bool = False,
    title: str = "Grading report",
) -> None:
    """Write ``grades.csv``, ``report.html`` and each ``submissions/<id>/report.html``."""
    from autograder.reports.gradescsv import write_grades_csv
    from autograder.reports.html import render_class_report, render_submission_report

    out_dir = Path(out_dir)
    write_grades_csv(out_dir / "grades.csv", subs, per_test=per_test_columns)
    (out_dir / "report.html").write_text(
        render_class_report(summarize(subs, skipped), title), encoding="utf-8"
    )
    for s in subs:
        d = out_dir / "submissions" / s.id
        d.mkdir(parents=True, exist_ok=True)
        (d / "report.html").write_text(render_submission_report(s, title), encoding="utf-8")
