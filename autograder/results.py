"""The result model of one grade and its Gradescope ``results.json`` form.

:class:`GradeResult` holds one :class:`TestResult` per test (plus whole-submission entries);
:func:`to_gradescope` turns it into the dict of Gradescope's autograder specification
(SPEC section 4), :func:`write_results` writes that dict atomically, and
:func:`failure_results` is the valid results.json for when the engine itself failed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSED = "passed"
FAILED = "failed"
SUBMISSION_TAG = "submission"
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
    """One entry of results.json: a test (or a whole-submission fact) and its score."""

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
        """The Gradescope form of this entry."""
        return {
            "name": self.name,
            "score": round(self.score, SCORE_DIGITS),
            "max_score": round(self.max_score, SCORE_DIGITS),
            "status": self.status,
            "visibility": self.visibility,
            "output": trim(self.output),
            "tags": list(self.tags),
            "extra_data": dict(self.extra_data),
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

    The top-level ``score`` is the sum of the (rounded) test scores.
    """
    tests = [t.to_dict() for t in model.tests]
    data: dict[str, Any] = {
        "score": round(math.fsum(t["score"] for t in tests), SCORE_DIGITS),
        "execution_time": round(model.execution_time, 3),
        "output": model.output,
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


def failure_results(message: str, execution_time: float = 0.0) -> dict[str, Any]:
    """A valid results.json for when the grading engine itself failed: score 0, says why.

    The student sees that the autograder (not their code) failed and that the
    instructor must look; ``extra_data.engine_error`` holds the message.
    """
    text = (
        "The autograder itself failed, so this submission could not be graded. "
        "This is not a problem with your code: please tell the course staff.\n\n" + trim(message)
    )
    entry = TestResult(
        name="Autograder error",
        function=SUBMISSION_TAG,
        max_score=0.0,
        output=text,
        tags=[SUBMISSION_TAG, "engine-error"],
    )
    model = GradeResult(
        tests=[entry],
        execution_time=execution_time,
        output=text,
        extra_data={"engine_error": message},
    )
    return to_gradescope(model)


def is_engine_failure(results: dict[str, Any]) -> bool:
    """Whether ``results`` reports that the engine could not grade (see :func:`failure_results`)."""
    return bool(results.get("extra_data", {}).get("engine_error"))
