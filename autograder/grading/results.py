"""The result model of one grade and its Gradescope ``results.json`` form.

:class:`GradeResult` holds one :class:`TestResult` per test (plus whole-submission entries);
:func:`to_gradescope` turns it into the dict of Gradescope's autograder specification
(SPEC section 4), :func:`write_results` writes that dict atomically and
:func:`read_results` reads one back, and :func:`failure_results` is the valid results.json
of a submission that could not be graded (the one shape of "the engine failed", of "the
grade timed out" and of "nothing gradable was handed in"). :data:`PROBLEM_KINDS` names
every ``extra_data.kind`` that needs a human look. This module is the one definition of
results.json: the engine, Gradescope's entry point, the otter plugin, the batch graders
and the reports all use it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSED = "passed"
FAILED = "failed"
SUBMISSION_TAG = "submission"
#: The first tag of the late penalty's entry (``Late submission``, a negative score).
LATE_TAG = "late"
#: Gradescope's formats (its specification's "Output String Formatting"): the top-level
#: output is Markdown (a list per part, messages in code blocks); entries' outputs and
#: names are plain text, which Gradescope shows in a ``<pre>``, as written.
OUTPUT_FORMAT = "md"
TEST_OUTPUT_FORMAT = "text"
TEST_NAME_FORMAT = "text"
#: Digits kept for scores (rounding-level noise never shows up in results.json).
SCORE_DIGITS = 4
#: Longest ``output`` of one test; the rest is cut (Gradescope pages get unreadable).
MAX_OUTPUT_CHARS = 4000


def trim(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with a note when something was cut."""
    if len(text) <= limit:
        return text
    note = f"\n... ({len(text) - limit} more characters cut)"
    return text[: max(0, limit - len(note))] + note


@dataclass
class TestResult:
    """One entry of results.json, or one check (test) inside a function's entry.

    A check is what the grading plugin records per test; a function's entry
    (:func:`autograder.grading.entries.function_entries`) holds its checks in
    :attr:`checks`, whose records :meth:`to_dict` writes into ``extra_data["tests"]``.
    A whole-submission fact (hw.py could not be imported, a late penalty) is an entry
    without checks.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    function: str
    max_score: float
    score: float = 0.0
    status: str = FAILED
    visibility: str = "visible"
    output: str = ""
    tags: list[str] = field(default_factory=list)
    extra_data: dict[str, Any] = field(default_factory=dict)
    #: the checks (one per test) of a function's entry; empty for a single test or fact
    checks: list[TestResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.status not in (PASSED, FAILED):
            raise ValueError(f"status must be {PASSED!r} or {FAILED!r}, got {self.status!r}")
        if not self.tags or self.tags[0] != self.function:
            self.tags = [self.function, *[t for t in self.tags if t != self.function]]

    @property
    def passed(self) -> bool:
        """Whether the test passed."""
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        """The Gradescope form of this entry (its checks' records in ``extra_data["tests"]``)."""
        extra = dict(self.extra_data)
        if self.checks:
            extra["tests"] = [check.to_dict() for check in self.checks]
        return {
            "name": self.name,
            "score": round(self.score, SCORE_DIGITS),
            "max_score": round(self.max_score, SCORE_DIGITS),
            "status": self.status,
            "visibility": self.visibility,
            # an entry's output lists its checks (its own limit, entries.MAX_ENTRY_CHARS)
            "output": self.output if self.checks else trim(self.output),
            "tags": list(self.tags),
            "extra_data": extra,
        }


@dataclass
class GradeResult:
    """The whole grade of one submission."""

    tests: list[TestResult] = field(default_factory=list)
    execution_time: float = 0.0
    output: str = ""
    extra_data: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Sum of the test scores."""
        return math.fsum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        """Sum of the test maxima (100 for a complete grade)."""
        return math.fsum(t.max_score for t in self.tests)


def to_gradescope(model: GradeResult) -> dict[str, Any]:
    """The results.json dict of ``model`` (Gradescope's autograder specification).

    The top-level ``score`` is the sum of the (rounded) entry scores; the output formats
    are set explicitly (:data:`OUTPUT_FORMAT`, :data:`TEST_OUTPUT_FORMAT`,
    :data:`TEST_NAME_FORMAT`), so ``model.output`` is Markdown.
    """
    tests = [t.to_dict() for t in model.tests]
    data: dict[str, Any] = {
        "score": round(math.fsum(t["score"] for t in tests), SCORE_DIGITS),
        "execution_time": round(model.execution_time, 3),
        "output": model.output,
        "output_format": OUTPUT_FORMAT,
        "test_output_format": TEST_OUTPUT_FORMAT,
        "test_name_format": TEST_NAME_FORMAT,
        # what the grading process printed (the engine's log) is for the staff only
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if model.extra_data:
        data["extra_data"] = dict(model.extra_data)
    return data


def write_results(path: str | Path, results: dict[str, Any]) -> Path:
    """Write ``results`` as JSON to ``path`` atomically (temp file + rename); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


#: The ``extra_data.kind`` of an entry that needs a human look -> what it means in a report.
#: ``engine``, ``timeout`` (the wall-clock limit of a whole grade) and ``bad_input`` (no
#: gradable hw.py in what was handed in) are whole-submission failures
#: (:func:`failure_results`); the others are a test's own outcome.
PROBLEM_KINDS: dict[str, str] = {
    "engine": "the autograder itself failed",
    "timeout": "timed out",
    "bad_input": "could not be graded",
    "crash": "the process running the code died",
    "memory": "ran out of memory",
    "import": "hw.py could not be imported",
    "submission": "hw.py not found",
    "bad_return": "returned something that is not plain data",
    "collection": "the autograder could not load its tests",
    "time_budget": "ran out of the time budget",
}
#: The kinds :func:`failure_results` makes.
FAILURE_KINDS = ("engine", "timeout", "bad_input")

#: What the student reads when the engine failed (not their code).
ENGINE_FAILED = (
    "The autograder itself failed, so this submission could not be graded. "
    "This is not a problem with your code: please tell the course staff."
)


def failure_results(
    message: str,
    kind: str = "engine",
    *,
    max_score: float = 0.0,
    execution_time: float = 0.0,
    details: str = "",
) -> dict[str, Any]:
    """The results.json of a submission that could not be graded at all: score 0, says why.

    ``kind`` (:data:`FAILURE_KINDS`): ``engine`` (the grading engine itself failed: the
    student is told it is not their code, and ``extra_data.engine_error`` holds the
    message), ``timeout`` (a whole grade exceeded its wall-clock limit) or ``bad_input``
    (nothing gradable was handed in). ``max_score``: what the one entry is out of (0 for
    Gradescope, where the assignment sets the maximum; the total for a class report);
    ``details``: a log tail kept for the staff in ``extra_data``.
    """
    if kind not in FAILURE_KINDS:
        raise ValueError(f"kind must be one of {FAILURE_KINDS}, got {kind!r}")
    engine = kind == "engine"
    text = f"{ENGINE_FAILED}\n\n{trim(message)}" if engine else trim(message)
    extra: dict[str, Any] = {"kind": kind}
    if engine:
        extra["engine_error"] = message
    if details:
        extra["details"] = details[-20000:]
    entry = TestResult(
        name="Autograder error" if engine else "hw.py could not be graded",
        function=SUBMISSION_TAG,
        max_score=max_score,
        output=text,
        tags=[SUBMISSION_TAG, "engine-error"] if engine else [SUBMISSION_TAG],
        extra_data={"kind": kind},
    )
    summary = trim(message)
    summary = f"{ENGINE_FAILED}\n\n{md_code(summary)}" if engine else md_code(summary)
    model = GradeResult(
        tests=[entry], execution_time=execution_time, output=summary, extra_data=extra
    )
    return to_gradescope(model)


def failure_kind(results: dict[str, Any]) -> str | None:
    """The kind of a :func:`failure_results` dict (None for a graded submission)."""
    kind = (results.get("extra_data") or {}).get("kind")
    return kind if kind in FAILURE_KINDS else None


def is_engine_failure(results: dict[str, Any]) -> bool:
    """Whether ``results`` reports that the engine could not grade (see :func:`failure_results`)."""
    return failure_kind(results) == "engine"


def valid_results(data: object) -> bool:
    """Whether ``data`` has the shape of a results.json (SPEC section 4) that reports can use."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("tests"), list)
        and all(isinstance(t, dict) and "score" in t for t in data["tests"])
    )


def read_results(path: str | Path) -> dict[str, Any] | None:
    """The results.json at ``path``, or None when it is missing, unreadable or not valid."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if valid_results(data) else None


def first_line(text: str, limit: int = 200) -> str:
    """The first non-empty line of ``text``, shortened to ``limit`` characters."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def md_code(text: str) -> str:
    """``text`` as a fenced Markdown code block (shown as written, aligned, in ``md``),
    its fence longer than any run of backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def entries(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of a results.json (what Gradescope shows: one per graded function and
    visibility, plus whole-submission entries)."""
    tests = results.get("tests") if isinstance(results, dict) else None
    return [t for t in tests if isinstance(t, dict)] if isinstance(tests, list) else []


def per_test_records(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every test of a results.json, one dict each (``name``, ``score``, ``max_score``,
    ``status``, ``visibility``, ``output``, ``tags`` whose first entry is the function,
    ``extra_data``, with ``"mistakes"`` where a failure named catalogued mistakes): what
    reports, item analysis and regrade comparisons read.

    The one reader of per-test records: a function's entry keeps its tests' records in
    its ``extra_data["tests"]``, flattened here in order; a whole-submission entry (and
    every entry of a results.json written before entries were grouped) is its own record.
    """
    return [record for entry in entries(results) for record in entry_records(entry)]


def entry_records(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-test records of one results.json entry: those in a function entry's
    ``extra_data["tests"]``, or the entry itself (a whole-submission entry, or an entry of
    a results.json written before entries were grouped)."""
    extra = entry.get("extra_data")
    inner = extra.get("tests") if isinstance(extra, dict) else None
    if isinstance(inner, list):
        return [t for t in inner if isinstance(t, dict)]
    return [entry]
