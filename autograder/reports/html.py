"""The HTML reports: the class page and one page per submission (jinja2 templates).

Pages are self-contained: CSS inline, plots as inline SVG, no external URLs, so the
folder can be zipped and mailed to the course staff.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from urllib.parse import quote

import jinja2

from autograder.reports.code import failing_code, pygments_css
from autograder.reports.gradescsv import fmt_points
from autograder.reports.model import (
    ClassSummary,
    GradedSubmission,
    first_line,
    passed,
    test_function,
)
from autograder.reports.plots import score_histogram

TEMPLATES = Path(__file__).with_name("templates")

STATUS_LABELS = {
    "graded": "graded",
    "timeout": "timed out",
    "crash": "grader crashed",
    "bad_input": "could not be graded",
}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pts"] = fmt_points
    env.filters["pct"] = lambda x: f"{100 * x:.0f}%"
    env.filters["first_line"] = first_line
    env.filters["urlpart"] = lambda s: quote(str(s))
    env.globals["status_label"] = lambda s: STATUS_LABELS.get(s, s)
    env.globals["passed"] = passed
    env.globals["test_function"] = test_function
    return env


def _stamp() -> str:
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def render_class_report(summary: ClassSummary, title: str = "Grading report") -> str:
    """The class page: histogram, pass rates, frequent failures, problems, all submissions."""
    max_total = max((s.max_total for s in summary.graded), default=100.0) or 100.0
    return (
        _env()
        .get_template("class.html.j2")
        .render(
            title=title,
            s=summary,
            max_total=max_total,
            histogram=score_histogram(summary.totals, max_total) if summary.subs else None,
            css=(TEMPLATES / "style.css").read_text(encoding="utf-8"),
            generated=_stamp(),
        )
    )


def render_submission_report(sub: GradedSubmission, title: str = "Grading report") -> str:
    """One submission's page: every test with status, points, message; failing code."""
    fn_scores = sub.function_scores()
    return (
        _env()
        .get_template("submission.html.j2")
        .render(
            title=title,
            sub=sub,
            fn_scores=fn_scores,
            code_blocks=failing_code(sub.source, sub.failing_functions()),
            css=(TEMPLATES / "style.css").read_text(encoding="utf-8") + "\n" + pygments_css(),
            generated=_stamp(),
        )
    )
