"""The Gradescope entries a person reads: one per graded function, split by visibility.

The grading plugin records one :class:`~autograder.grading.results.TestResult` per test
(a *check*). A student does not want 300 entries worth 0.2353 points each: Gradescope
gets one entry per graded function instead (SPEC section 4), split where its checks
differ in visibility ("softmax: checks you can run", "softmax: hidden checks"):

* its ``max_score`` is the sum of its checks' maxima, so a function's entries add up to
  exactly the instructor's points (whole when they are whole; the split between a
  function's visible and hidden entry follows the tests' weights), and its ``score`` is
  the sum of its passed checks' maxima, as before;
* its ``status`` is ``passed`` only when every check passed;
* its ``output`` (Gradescope's ``text`` format: shown in a ``<pre>``, as written) lists
  every check on one line (✓ or ✗ and a readable name), then the failing checks'
  messages, each distinct message once;
* every check's own record (name, score, max_score, status, visibility, output, tags,
  extra_data) stays inside it, in ``extra_data["tests"]``; readers get them through
  :func:`autograder.grading.results.per_test_records`.

Whole-submission entries (tag ``submission``: hw.py could not be found or imported, a
test file could not be collected; ``late``: the late penalty) stay single entries.

:func:`top_level_output` writes the summary shown to students at once (Gradescope's
``md`` format): the points of the entries shown now, per part, in one precision, and one
sentence for each visibility whose results come later, right for that visibility.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from autograder.config import AssignmentConfig
from autograder.grading.points import format_points
from autograder.grading.results import (
    FAILED,
    LATE_TAG,
    PASSED,
    SCORE_DIGITS,
    SUBMISSION_TAG,
    TestResult,
    md_code,
    trim,
)

#: Tags of entries that are about the whole submission: never grouped.
WHOLE_SUBMISSION_TAGS = frozenset({SUBMISSION_TAG, LATE_TAG})
#: Visibilities from the most to the least open (the order of a function's entries).
VISIBILITY_ORDER = ("visible", "after_due_date", "after_published", "hidden")
PASS_MARK = "✓"
FAIL_MARK = "✗"
#: Longest message of one failing check inside a function entry.
MAX_MESSAGE_CHARS = 4000
#: Longest output of one function entry (Gradescope pages get unreadable beyond).
MAX_ENTRY_CHARS = 16000
#: Checks named in the heading of a message several checks share.
NAMED_PER_MESSAGE = 3

#: When the results of each visibility reach the student (Gradescope's specification).
WHEN_SHOWN = {
    "visible": "shown now",
    "after_due_date": "shown after the due date (after the late due date when late "
    "submissions are allowed)",
    "after_published": "shown when the instructor publishes the grades",
    "hidden": "not shown to students (the course staff see them)",
}
#: A short form of :data:`WHEN_SHOWN`, to tell apart two entries of one function.
WHEN_SHOWN_SHORT = {
    "visible": "shown now",
    "after_due_date": "shown after the due date",
    "after_published": "shown when grades are published",
    "hidden": "not shown",
}

_SOURCE_SUFFIX = re.compile(r" \((?:hidden|public)\)$")


# ---------------------------------------------------------------------------------------
# names


def check_label(check: TestResult) -> str:
    """A readable name of one check inside its function's entry (:func:`label_of`)."""
    return label_of(check.name, check.function)


def label_of(name: str, function: str) -> str:
    """A readable name of the check ``name`` (a per-test record's) of ``function``.

    ``softmax: test_softmax_axis_0 (public)`` -> ``axis 0``;
    ``softmax: test_inputs_unchanged[softmax-ndarray-F] (hidden)`` ->
    ``inputs unchanged [ndarray-F]``. A name taken from a docstring is kept as written
    (without the function and the source).
    """
    label = _SOURCE_SUFFIX.sub("", name)
    if label.startswith(f"{function}: "):
        label = label[len(function) + 2 :]
    if not label.startswith("test_"):
        return label
    base, bracket, param = label.partition("[")
    base = base[len("test_") :]
    if base.startswith(f"{function}_"):
        base = base[len(function) + 1 :]
    words = base.replace("_", " ").strip() or function
    if not bracket:
        return words
    param = param[:-1] if param.endswith("]") else param
    kept = [p for p in param.split("-") if p != function]
    return f"{words} [{'-'.join(kept)}]" if kept else words


def _sources(checks: Sequence[TestResult]) -> list[str]:
    """``public`` / ``hidden`` (the tags the plugin gives a check), in that order."""
    found = {tag for c in checks for tag in c.tags[1:] if tag in ("public", "hidden")}
    return [s for s in ("public", "hidden") if s in found]


def _kind_label(checks: Sequence[TestResult]) -> str:
    sources = _sources(checks)
    if sources == ["public"]:
        return "checks you can run"
    if sources == ["hidden"]:
        return "hidden checks"
    return "checks"


def entry_names(function: str, groups: Sequence[tuple[str, Sequence[TestResult]]]) -> list[str]:
    """The names of one function's entries, one per ``(visibility, checks)`` group.

    One group: the function's name. Several: ``function: checks you can run`` (public
    tests only), ``function: hidden checks`` (hidden tests only) or ``function: checks``;
    two groups that would share a name also say when they are shown.
    """
    if len(groups) == 1:
        return [function]
    labels = [_kind_label(checks) for _, checks in groups]
    names = []
    for (visibility, _), label in zip(groups, labels):
        if labels.count(label) > 1:
            label = f"{label} ({WHEN_SHOWN_SHORT.get(visibility, visibility)})"
        names.append(f"{function}: {label}")
    return names


# ---------------------------------------------------------------------------------------
# outputs


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def entry_output(checks: Sequence[TestResult]) -> str:
    """The ``output`` of one function entry: a line per check, then the failing checks'
    messages (each distinct message once, under the checks that gave it). Plain text:
    Gradescope shows it in a ``<pre>`` (``test_output_format`` ``text``), so arrays and
    the ``^`` under a syntax error stay aligned and ``**``, ``*``, ``<=`` stay as written."""
    failed = [c for c in checks if not c.passed]
    points = math.fsum(c.score for c in checks)
    top = math.fsum(c.max_score for c in checks)
    n = len(checks)
    if failed:
        head = f"{n - len(failed)} of {n} checks passed"
    else:
        head = f"All {n} checks passed" if n > 1 else "The check passed"
    lines = [f"{head}: {format_points(points)}/{format_points(top)} points.", ""]
    lines += [f"{PASS_MARK if c.passed else FAIL_MARK} {check_label(c)}" for c in checks]
    messages: dict[str, list[str]] = {}
    for c in failed:
        text = trim((c.output or "").strip() or "(no message)", MAX_MESSAGE_CHARS)
        messages.setdefault(text, []).append(check_label(c))
    for text, labels in messages.items():
        named = ", ".join(labels[:NAMED_PER_MESSAGE])
        if len(labels) > NAMED_PER_MESSAGE:
            named += f" and {len(labels) - NAMED_PER_MESSAGE} more"
        lines += ["", f"{FAIL_MARK} {named}:", _indent(text)]
    return trim("\n".join(lines), MAX_ENTRY_CHARS)


# ---------------------------------------------------------------------------------------
# grouping


def is_whole_submission(entry: TestResult) -> bool:
    """Whether ``entry`` is about the whole submission (never grouped)."""
    return entry.function in WHOLE_SUBMISSION_TAGS


def _visibility_rank(visibility: str) -> int:
    return VISIBILITY_ORDER.index(visibility) if visibility in VISIBILITY_ORDER else 99


def function_entries(checks: Iterable[TestResult]) -> list[TestResult]:
    """The Gradescope entries of a grade whose ``checks`` are one result per test.

    Whole-submission entries come first, as they are; then, in the order the functions
    first appear, one entry per function and visibility (most open first). An entry
    holds its checks (:attr:`TestResult.checks`), whose records results.json keeps in
    its ``extra_data["tests"]``.
    """
    singles: list[TestResult] = []
    by_function: dict[str, dict[str, list[TestResult]]] = {}
    for check in checks:
        if is_whole_submission(check) or check.checks:
            singles.append(check)
            continue
        by_function.setdefault(check.function, {}).setdefault(check.visibility, []).append(check)
    entries = list(singles)
    for function, by_visibility in by_function.items():
        groups = sorted(by_visibility.items(), key=lambda kv: _visibility_rank(kv[0]))
        for (visibility, members), name in zip(groups, entry_names(function, groups)):
            entries.append(_entry(function, name, visibility, members))
    return entries


def _entry(function: str, name: str, visibility: str, checks: list[TestResult]) -> TestResult:
    passed = sum(1 for c in checks if c.passed)
    parts = [t for c in checks for t in c.tags[1:] if t.startswith("part ")]
    extra: dict[str, Any] = {"checks": len(checks), "passed": passed}
    numbers = {c.extra_data.get("part") for c in checks} - {None}
    if len(numbers) == 1:
        extra["part"] = numbers.pop()
    return TestResult(
        name=name,
        function=function,
        max_score=round(math.fsum(c.max_score for c in checks), SCORE_DIGITS),
        score=round(math.fsum(c.score for c in checks if c.passed), SCORE_DIGITS),
        status=PASSED if passed == len(checks) else FAILED,
        visibility=visibility,
        output=entry_output(checks),
        tags=[function, *dict.fromkeys(parts), *_sources(checks)],
        extra_data=extra,
        checks=list(checks),
    )


# ---------------------------------------------------------------------------------------
# the top-level output


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_escape(text: str) -> str:
    """``text`` with Markdown's special characters escaped (shown as written in ``md``)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def top_level_output(
    entries: Sequence[TestResult],
    config: AssignmentConfig,
    notes: Sequence[str] = (),
    code: Sequence[str] = (),
) -> str:
    """The summary of a grade shown to students at once (Gradescope's ``md`` format).

    Only the entries visible now are counted, per part ("Part 2 — Losses and their
    gradients: 8.47/8.47 points"), so it never gives away results that are shown later;
    for each later visibility one sentence says how many points come from it and when
    they are shown. ``notes`` (sentences) follow as paragraphs, ``code`` (e.g. why hw.py
    could not be imported, aligned under a syntax error) as code blocks.
    """
    graded = [e for e in entries if not is_whole_submission(e)]
    shown = [e for e in graded if e.visibility == "visible"]
    lines: list[str] = []
    if shown:
        everything = len(shown) == len(graded)
        score = math.fsum(e.score for e in shown)
        top = math.fsum(e.max_score for e in shown)
        what = "Points" if everything else "Points of the checks shown now"
        lines.append(f"{what}: {format_points(score)}/{format_points(top)}")
        lines.append("")
        for part in config.parts:
            mine = [e for e in shown if e.function in part.functions]
            if not mine:
                if any(e.function in part.functions for e in graded):
                    lines.append(f"- Part {part.number} — {md_escape(part.title)}: no checks "
                                 "shown now")
                continue
            got = math.fsum(e.score for e in mine)
            out_of = math.fsum(e.max_score for e in mine)
            lines.append(f"- Part {part.number} — {md_escape(part.title)}: "
                         f"{format_points(got)}/{format_points(out_of)} points")
    elif graded:
        lines.append("No checks are shown now.")
    later: dict[str, float] = {}
    for e in graded:
        if e.visibility != "visible":
            later[e.visibility] = later.get(e.visibility, 0.0) + e.max_score
    for visibility in sorted(later, key=_visibility_rank):
        points = format_points(later[visibility])
        more = "more " if shown else ""
        lines += ["", f"{points} {more}points come from checks whose results are "
                      f"{WHEN_SHOWN.get(visibility, visibility)}."]
    for note in notes:
        lines += ["", md_escape(note)]
    for text in code:
        lines += ["", md_code(text)]
    return "\n".join(lines).strip()
