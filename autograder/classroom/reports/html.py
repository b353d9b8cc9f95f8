"""The HTML reports: the class page and one page per submission (jinja2 templates).

Pages are self-contained: CSS inline, plots as inline SVG, no external URLs, so the
folder can be zipped and mailed to the course staff.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from autograder.classroom.reports.candidates import Candidate, example_input, short
from autograder.classroom.reports.changes import Changes
from autograder.classroom.reports.code import CodeBlock, failing_code, pygments_css
from autograder.classroom.reports.gradescsv import fmt_points
from autograder.classroom.reports.item_analysis import Item, item_plot
from autograder.classroom.reports.misconceptions import Misconception
from autograder.classroom.reports.model import (
    STATUSES,
    SUBMISSION_TAG,
    ClassSummary,
    GradedSubmission,
    first_line,
    passed,
    test_function,
)
from autograder.classroom.reports.plots import score_histogram
from autograder.classroom.reports.similarity import SimilarityReport, SimilarPair
from autograder.grading.entries import label_of
from autograder.grading.results import entry_records

TEMPLATES = Path(__file__).with_name("templates")

STATUS_LABELS = {
    "graded": "graded",
    "timeout": "timed out",
    "crash": "grader crashed",
    "bad_input": "could not be graded",
    **STATUSES,  # every status grades.csv gives (import_error...)
}

#: what the reports call each isolation mode (results.json's ``extra_data.isolation.mode``,
#: named by ``autograder.sandbox.isolation.reported_mode``)
ISOLATION_NAMES = {
    "chroot": "root jail (chroot, own uid, own namespaces)",
    "uid": "own uid, no chroot",
    "userns": "user-namespace jail (no root needed)",
    "same-user": "NO SANDBOX: graded with --unsafe-same-user, student code ran as the "
                 "grader's own user, with its files and network",
}


@dataclass(frozen=True)
class IsolationInForce:
    """One way student code was isolated in a grade: the mode's name, what it lacked in
    plain words (results.json's ``weaker``, empty when nothing), and who was graded so."""

    mode: str
    name: str
    weaker: str
    ids: tuple[str, ...]


def isolation_in_force(subs: list[GradedSubmission]) -> list[IsolationInForce]:
    """The isolations recorded in ``subs``' results.json (``extra_data.isolation``), each
    with the submissions graded under it; weakest first (most said about what it lacked)."""
    seen: dict[tuple[str, str], list[str]] = {}
    for sub in subs:
        info = sub.isolation
        if info is None or not info.get("mode"):
            continue
        key = (str(info["mode"]), str(info.get("weaker") or ""))
        seen.setdefault(key, []).append(sub.id)
    return sorted((IsolationInForce(mode, ISOLATION_NAMES.get(mode, mode), weaker, tuple(ids))
                   for (mode, weaker), ids in seen.items()),
                  key=lambda i: (i.mode != "same-user", -len(i.weaker), i.mode))


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    """The report's template environment (built once: compiled templates are reused)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pts"] = lambda x: fmt_points(round(float(x), 2))
    env.filters["pct"] = lambda x: f"{100 * x:.0f}%"
    env.filters["first_line"] = first_line
    env.filters["urlpart"] = lambda s: quote(str(s))
    env.globals["status_label"] = lambda s: STATUS_LABELS.get(s, s)
    env.globals["passed"] = passed
    env.globals["test_function"] = test_function
    env.globals["entry_records"] = entry_records
    env.globals["isolation_in_force"] = isolation_in_force
    env.globals["check_label"] = lambda t: label_of(str(t.get("name", "")), test_function(t))
    return env


def _stamp() -> str:
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


@functools.lru_cache(maxsize=1)
def _style_css() -> str:
    """The report's style sheet (read once, not once per page)."""
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")


def _render(template: str, extra_css: str = "", **context: object) -> str:
    """``template`` with the report's style sheet (plus ``extra_css``) and time stamp."""
    css = _style_css()
    if extra_css:
        css += "\n" + extra_css
    return _env().get_template(template).render(css=Markup(css), generated=_stamp(), **context)


def render_class_report(
    summary: ClassSummary,
    title: str = "Grading report",
    *,
    misconceptions: list[Misconception] | None = None,
    similarity: SimilarityReport | None = None,
    changes: Changes | None = None,
    pairs_dir: str = "similarity",
    items: list[Item] | None = None,
    candidates: list[Candidate] | None = None,
) -> str:
    """The class page: histogram, changes since an earlier run, problems, pass rates,
    misconceptions, candidate mistakes, frequent failures, similar submissions (and their
    groups), item analysis, all submissions."""
    max_total = max((s.max_total for s in summary.graded), default=100.0) or 100.0
    return _render(
        "class.html.j2",
        title=title,
        s=summary,
        max_total=max_total,
        histogram=score_histogram(summary.totals, max_total) if summary.subs else None,
        misconceptions=misconceptions,
        similarity=similarity,
        changes=changes,
        pairs_dir=pairs_dir,
        items=items,
        item_plot=item_plot(items) if items else None,
        candidates=candidates,
        short=short,
        example_input=example_input,
    )


def render_pair_page(
    pair: SimilarPair, number: int, report: SimilarityReport, title: str = "Grading report"
) -> str:
    """One similar pair side by side, the matching passages marked (in ``similarity/``)."""
    return _render("pair.html.j2", title=title, pair=pair, number=number, report=report)


@dataclass
class FailingFunction:
    """A failing function on a submission's page: its failures (same message once) and code."""

    name: str
    points: float
    max_points: float
    failures: list[tuple[str, list[dict]]]  # (message, the tests that failed with it)
    code: CodeBlock | None


def failing_sections(sub: GradedSubmission) -> tuple[CodeBlock | None, list[FailingFunction]]:
    """The whole-file code block (syntax error) and one section per failing function.

    Whole-submission entries (hw.py not found or not importable) come first.
    """
    names = sub.failing_functions()
    file_block, blocks = failing_code(sub.source, names)
    scores = sub.function_scores()
    out = []
    for fn in [SUBMISSION_TAG, *names]:
        groups: dict[str, list[dict]] = {}
        for t in sub.failed_tests():
            if test_function(t) == fn:
                groups.setdefault(str(t.get("output") or "(no message)"), []).append(t)
        if groups:
            got, mx = scores.get(fn, (0.0, 0.0))
            out.append(FailingFunction(fn, got, mx, list(groups.items()), blocks.get(fn)))
    return file_block, out


def render_submission_report(sub: GradedSubmission, title: str = "Grading report") -> str:
    """One submission's page: failing functions with messages and code, then its
    Gradescope entries (one per graded function and visibility), each with its checks."""
    file_block, failing = failing_sections(sub)
    return _render(
        "submission.html.j2",
        extra_css=pygments_css(),
        title=title,
        sub=sub,
        fn_scores=sub.function_scores(),
        file_block=file_block,
        failing=failing,
        # When hw.py cannot be imported every function fails the same way: fold them.
        fold_failing=file_block is not None or len(failing) > 12,
    )
