"""The data behind the reports: one graded submission, and the class-wide aggregates.

Everything here reads ``results.json`` dicts (SPEC section 4) through
:func:`autograder.grading.results.per_test_records`: per-test records with
``name``, ``score``, ``max_score``, ``status``, ``visibility``, ``output``, ``tags``
(first tag = the ``hw.py`` function, or ``"submission"``) and ``extra_data``
(``kind`` names what went wrong: ``"timeout"``, ``"crash"``, ``"import"``, ...).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from autograder.grading.late_policy import EXTRA_KEY as LATE_KEY
from autograder.grading.late_policy import is_late_entry
from autograder.grading.results import (
    PROBLEM_KINDS,
    SUBMISSION_TAG,
    entries,
    first_line,
    per_test_records,
)

#: the statuses of grades.csv, in words (the class table's badges follow them)
STATUSES: dict[str, str] = {
    "graded": "graded",
    "import_error": "hw.py could not be imported",
    "timeout": "timed out",
    "crash": "grader crashed",
    "bad_input": "could not be graded",
    "not_a_submission": "not a submission",
}
#: whole-submission problems that mean a submission was not graded, whatever the engine
#: returned: their ``extra_data.kind`` -> the status grades.csv gives it
UNGRADED_KINDS = {"import": "import_error", "submission": "bad_input", "collection": "crash"}

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _kind(test: dict) -> str | None:
    extra = test.get("extra_data")
    if isinstance(extra, dict) and extra.get("kind"):
        return str(extra["kind"])
    return None


def problem_label(kind: str) -> str | None:
    """Readable label of a problem kind, or None when the kind is an ordinary failure."""
    return PROBLEM_KINDS.get(kind)


def test_function(test: dict) -> str:
    """The ``hw.py`` function a test grades (first tag), ``"submission"`` if none."""
    tags = test.get("tags") or []
    return str(tags[0]) if tags else SUBMISSION_TAG


def as_number(x: object) -> float:
    """A results.json number as a float (0 when it is missing or not a number)."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b.*$", re.M)


def problem_detail(text: str) -> str:
    """First line of a problem's message, plus the exception line when it is further down."""
    head = first_line(text)
    exc = _EXCEPTION_LINE.search(text or "")
    if exc and exc.group(0).strip() not in head:
        return f"{head} … {first_line(exc.group(0))}"
    return head


def normalize_message(text: str) -> str:
    """A failure message's first line with numbers replaced by ``#``, for grouping."""
    return _NUMBER.sub("#", first_line(text, 400))[:160]


@dataclass
class Problem:
    """One kind of problem in one submission: the tests and functions it hit."""

    label: str
    detail: str
    tests: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)


@dataclass
class SkippedInput:
    """An input that is not a submission at all (a stray file in the folder)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Student:
    """One student of a submission (a group submission has several)."""

    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass
class GradedSubmission:
    """One submission and its results (from the engine, the cache, or synthesised)."""

    id: str
    label: str
    name: str
    email: str
    sid: str
    status: str  # "graded", "timeout", "crash", "bad_input"
    message: str
    results: dict
    source_name: str | None = None
    source: str | None = None
    seconds: float = 0.0
    cached: bool = False
    #: what the report says about this input beside its grade (e.g. a file ignored)
    notes: list[str] = field(default_factory=list)
    #: every student of the submission (gradebook.csv gives each the grade)
    students: list[Student] = field(default_factory=list)

    @property
    def tests(self) -> list[dict]:
        """The per-test records of results.json (the late penalty's entry is no test)."""
        return [t for t in per_test_records(self.results) if not is_late_entry(t)]

    @property
    def raw_total(self) -> float:
        """Sum of the test scores: the total before any late penalty."""
        return sum(as_number(t.get("score")) for t in self.tests)

    @property
    def late_penalty(self) -> float:
        """The points the late rule took (0 when on time or without a rule)."""
        return -sum(as_number(t.get("score")) for t in entries(self.results) if is_late_entry(t))

    @property
    def late(self) -> dict | None:
        """The late rule's figures (``extra_data["late"]``: due, submitted_at, days_late,
        deduction...), or None when none was applied."""
        return self._extra(LATE_KEY)

    @property
    def isolation(self) -> dict | None:
        """How student code was isolated (``extra_data["isolation"]``: mode, weaker...), or
        None when results.json records none."""
        return self._extra("isolation")

    def _extra(self, key: str) -> dict | None:
        """results.json's ``extra_data[key]`` when it is a dict, else None."""
        extra = self.results.get("extra_data") if isinstance(self.results, dict) else None
        value = extra.get(key) if isinstance(extra, dict) else None
        return value if isinstance(value, dict) else None

    @property
    def days_late(self) -> int:
        """Days late by the rule (0 when on time or unknown)."""
        return int(as_number((self.late or {}).get("days_late")))

    @property
    def entries(self) -> list[dict]:
        """The Gradescope entries of results.json (one per graded function and visibility,
        plus whole-submission entries), each with its checks' records."""
        return entries(self.results)

    @property
    def total(self) -> float:
        """The total after the late penalty (results.json's top-level score), never below 0."""
        return max(0.0, self.raw_total - self.late_penalty)

    @property
    def max_total(self) -> float:
        """Sum of the tests' max scores."""
        return sum(as_number(t.get("max_score")) for t in self.tests)

    def function_scores(self) -> dict[str, tuple[float, float]]:
        """``{function: (points, max)}`` in results order, without whole-submission entries."""
        out: dict[str, list[float]] = {}
        for t in self.tests:
            fn = test_function(t)
            if fn == SUBMISSION_TAG:
                continue
            acc = out.setdefault(fn, [0.0, 0.0])
            acc[0] += as_number(t.get("score"))
            acc[1] += as_number(t.get("max_score"))
        return {k: (v[0], v[1]) for k, v in out.items()}

    def failed_tests(self) -> list[dict]:
        """Tests not passed (status other than ``passed`` or score below max)."""
        return [t for t in self.tests if not passed(t)]

    def failing_functions(self) -> list[str]:
        """Functions (in results order) with at least one failed test."""
        seen: dict[str, None] = {}
        for t in self.failed_tests():
            seen.setdefault(test_function(t), None)
        return [f for f in seen if f != SUBMISSION_TAG]

    def problems(self) -> list[Problem]:
        """Problem-kind failures (timeouts, crashes, ...), one entry per kind of problem."""
        out: dict[str, Problem] = {}
        for t in self.failed_tests():
            kind = _kind(t)
            label = problem_label(kind) if kind else None
            if not label:
                continue
            p = out.get(label)
            if p is None:
                p = out[label] = Problem(label, problem_detail(str(t.get("output", ""))))
            p.tests.append(str(t.get("name", "")))
            fn = test_function(t)
            if fn != SUBMISSION_TAG and fn not in p.functions:
                p.functions.append(fn)
        return list(out.values())


def passed(test: dict) -> bool:
    """A test counts as passed when its status says so (or, without status, full score)."""
    status = test.get("status")
    if status is not None:
        return status == "passed"
    return as_number(test.get("score")) >= as_number(test.get("max_score"))


@dataclass
class FunctionStats:
    """Class-wide numbers of one ``hw.py`` function."""

    name: str
    max_points: float
    mean_points: float
    full_marks: int
    n: int

    @property
    def full_rate(self) -> float:
        """Fraction of graded submissions with full points on this function."""
        return self.full_marks / self.n if self.n else 0.0


@dataclass
class TestStats:
    """Class-wide numbers of one test."""

    name: str
    function: str
    visibility: str
    max_score: float
    passed: int
    n: int

    @property
    def rate(self) -> float:
        """Pass rate among graded submissions."""
        return self.passed / self.n if self.n else 0.0


@dataclass
class FailureGroup:
    """One frequent failure message (numbers and function name masked) and where it occurs."""

    message: str
    example: str
    count: int
    functions: list[str] = field(default_factory=list)
    submissions: list[str] = field(default_factory=list)


@dataclass
class ClassSummary:
    """Aggregates over all submissions, for the class report."""

    subs: list[GradedSubmission]
    skipped: list[SkippedInput]
    functions: list[FunctionStats]
    tests: list[TestStats]
    failures: list[FailureGroup]
    problems: list[tuple[GradedSubmission, Problem]]
    totals: list[float]

    @property
    def graded(self) -> list[GradedSubmission]:
        """Submissions the engine graded (denominator of the pass rates)."""
        return [s for s in self.subs if s.status == "graded"]

    def stat(self, name: str) -> float | None:
        """``mean`` / ``median`` / ``min`` / ``max`` / ``stdev`` of the totals."""
        if not self.totals:
            return None
        if name == "stdev":
            return statistics.pstdev(self.totals)
        return {
            "mean": statistics.fmean,
            "median": statistics.median,
            "min": min,
            "max": max,
        }[name](self.totals)

    def status_counts(self) -> dict[str, int]:
        """How many submissions have each status."""
        return dict(Counter(s.status for s in self.subs))


def function_order(subs: list[GradedSubmission]) -> list[str]:
    """Every graded function, in the order tests first mention them."""
    seen: dict[str, None] = {}
    for s in subs:
        for t in s.tests:
            fn = test_function(t)
            if fn != SUBMISSION_TAG:
                seen.setdefault(fn, None)
    return list(seen)


def summarize(
    subs: list[GradedSubmission], skipped: list[SkippedInput], top_failures: int = 15
) -> ClassSummary:
    """Aggregate ``subs`` into the numbers the class report shows."""
    graded = [s for s in subs if s.status == "graded"]
    scores = [s.function_scores() for s in graded]  # once per submission, not per function
    fn_stats = []
    for fn in function_order(subs):
        pts = [sub_scores.get(fn) for sub_scores in scores]
        pts = [p for p in pts if p is not None]
        max_pts = max((p[1] for p in pts), default=0.0)
        fn_stats.append(
            FunctionStats(
                name=fn,
                max_points=max_pts,
                mean_points=statistics.fmean([p[0] for p in pts]) if pts else 0.0,
                full_marks=sum(1 for p in pts if p[0] >= p[1] - 1e-9),
                n=len(pts),
            )
        )
    test_acc: dict[str, TestStats] = {}
    for s in graded:
        for t in s.tests:
            name = str(t.get("name", ""))
            ts = test_acc.get(name)
            if ts is None:
                ts = test_acc[name] = TestStats(
                    name=name,
                    function=test_function(t),
                    visibility=str(t.get("visibility", "")),
                    max_score=as_number(t.get("max_score")),
                    passed=0,
                    n=0,
                )
            ts.n += 1
            ts.passed += passed(t)
    # Frequent failures: ordinary wrong answers (problems are listed on their own), grouped
    # by message with numbers and the function's name masked, so that "softmax() is not
    # implemented" and "relu() is not implemented" are one line.
    groups: dict[str, FailureGroup] = {}
    seen_in: defaultdict[str, set[str]] = defaultdict(set)
    for s in subs:
        for t in s.failed_tests():
            kind = _kind(t)
            if kind and problem_label(kind):
                continue
            fn = test_function(t)
            msg = str(t.get("output", "")) or "(no message)"
            line = first_line(msg, 400)
            key = normalize_message(line.replace(fn, "\x00")).replace("\x00", "‹function›")
            g = groups.get(key)
            if g is None:
                g = groups[key] = FailureGroup(key, first_line(msg, 300), 0)
            g.count += 1
            if fn not in g.functions:
                g.functions.append(fn)
            if s.id not in seen_in[key]:
                seen_in[key].add(s.id)
                g.submissions.append(s.id)
    failures = sorted(groups.values(), key=lambda g: (-len(g.submissions), -g.count, g.message))
    problems = [(s, p) for s in subs for p in s.problems()]
    return ClassSummary(
        subs=subs,
        skipped=skipped,
        functions=fn_stats,
        tests=sorted(test_acc.values(), key=lambda t: (t.rate, t.name)),
        failures=failures[:top_failures],
        problems=problems,
        totals=[s.total for s in subs],
    )


def settle_status(status: str, message: str, results: dict) -> tuple[str, str]:
    """The status and message grades.csv gives a submission: a grade the engine finished
    is ``graded`` only when hw.py could be graded at all. A whole-submission problem
    (:data:`UNGRADED_KINDS`: not importable, no hw.py, tests not loadable) makes it that
    problem's status, with ``kind: first line of its message`` as the message."""
    if status != "graded":
        return status, message
    for t in per_test_records(results):
        kind = _kind(t)
        if test_function(t) == SUBMISSION_TAG and kind in UNGRADED_KINDS and not passed(t):
            return UNGRADED_KINDS[kind], f"{kind}: {first_line(str(t.get('output', '')))}"
    return status, message
