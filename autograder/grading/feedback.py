"""What a grading test's entry tells the student: its name, and why it failed.

Pure text work on what pytest hands the grading plugin (:mod:`autograder.grading.plugin`):

* :func:`display_name`: ``function: first docstring line [parameter id] (hidden|public)``;
* :func:`failure_message`: the message of a failed test phase. Never a trusted traceback
  or hidden test source: an assertion shows its message (the ``checks`` helpers write
  informative ones) without pytest's rewritten-assert explanation, a ``SubmissionError``
  its student-readable message, anything else its type and message; a public test adds
  its failing line. Hypothesis' falsifying example is kept unless the message already
  lists the call's inputs by name (the ``checks`` "inputs:" block);
* :func:`redact_expected`: the expected values taken out of a message (hidden tests when
  ``[visibility] show_expected_values = false``);
* :func:`failure_kind`: the ``extra_data.kind`` of a failure (``wrong``, ``error``,
  ``time_budget``, or the ``kind`` of a ``SubmissionError``: ``timeout``, ...);
* :func:`skip_reason`, :func:`collection_error_line`: one line for a skipped test and
  for a test file that could not be collected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import paths
from autograder.grading.call_guard import NoFurtherExamples, TimeBudgetExhausted
from autograder.grading.results import trim
from autograder.sandbox.errors import SubmissionError

#: Longest part of a failure message kept per test (before results.py's own cap).
MAX_MESSAGE = 3000
#: The "inputs:" block of a ``checks`` message (``checks.format_inputs``).
INPUTS_LISTED = re.compile(r"^\s+inputs:$", re.MULTILINE)
#: Hypothesis' notes that show a failing example: "Falsifying example: ...", "Draw 1: ...".
HYPOTHESIS_EXAMPLE = re.compile(r"(Falsifying example|Failing test case|Draw \d+)\b")
#: The note of Hypothesis' that would tell how to replay the example (not for students).
REPRODUCE_NOTE = "You can reproduce"

_EXPECTED_LABEL = re.compile(r"^(\s*)(?:expected|numerical)\s*:")
_EXPECTED_INLINE = re.compile(r",\s*(?:expected|numerical gradient) [^\s),]+")
_EXPECTED_FINITE = re.compile(r"a finite value \([^)]*\) was expected")


def display_name(item: pytest.Item, function: str, hidden: bool) -> str:
    """``function: first docstring line`` (or the test name), plus the parameter id."""
    obj = getattr(item, "obj", None)
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    label = doc[0].strip() if doc else getattr(item, "originalname", item.name)
    callspec = getattr(item, "callspec", None)
    if callspec is not None and doc:
        label += f" [{callspec.id}]"
    elif callspec is not None:
        label = item.name
    return f"{function}: {label} ({'hidden' if hidden else 'public'})"


def failure_message(
    excinfo: pytest.ExceptionInfo, when: str, *, hidden: bool, redact: bool
) -> str:
    """The student-readable message of a test phase (``when``) that raised ``excinfo``.

    ``hidden``: the test is a hidden one (no source location is shown); ``redact``: its
    expected values are taken out (:func:`redact_expected`).
    """
    exc = unwrap(excinfo.value)
    if isinstance(exc, (SubmissionError, TimeBudgetExhausted)):
        message = str(exc)
    else:
        if _is_check_failure(exc):
            message = without_rewrite(str(exc)).strip() or "the check failed"
        else:
            message = f"{type(exc).__name__}: {exc}"
        if not hidden:
            where = public_location(excinfo)
            if where:
                message += f"\n{where}"
    if redact:
        message = redact_expected(message)
    if when != "call":
        message = f"error in test {when}: {message}"
    notes = [str(n) for n in getattr(exc, "__notes__", []) or []]
    notes = [n for n in notes if not n.startswith(REPRODUCE_NOTE)]
    if INPUTS_LISTED.search(message):
        # the checks helpers already list the call's inputs, by name: Hypothesis'
        # falsifying example and its unnamed "Draw N: value" lines repeat them
        notes = [n for n in notes if not HYPOTHESIS_EXAMPLE.match(n)]
    if notes:
        message += "\n\n" + "\n".join(notes)
    return trim(message, MAX_MESSAGE)


def failure_kind(exc: BaseException) -> str:
    """What kind of failure ``exc`` is, for ``extra_data.kind``."""
    inner = unwrap(exc)
    kind = getattr(inner, "kind", None)
    if kind:
        return kind
    if isinstance(inner, TimeBudgetExhausted):
        return "time_budget"
    if _is_check_failure(inner):
        return "wrong"
    return "error"


def unwrap(exc: BaseException) -> BaseException:
    """The meaningful exception: the error a :class:`NoFurtherExamples` carries, or inside
    an exception group (e.g. Hypothesis' FlakyFailure, raised when a replay fails
    differently) its first SubmissionError, else its first."""
    for _ in range(10):
        if isinstance(exc, NoFurtherExamples):
            exc = exc.error
            continue
        inner = getattr(exc, "exceptions", None)
        if not inner or not isinstance(inner, (list, tuple)):
            return exc
        found = [e for e in inner if isinstance(e, SubmissionError)]
        exc = found[0] if found else inner[0]
    return exc


def _is_check_failure(exc: BaseException) -> bool:
    """A test's own verdict: a failed assertion or ``pytest.fail``."""
    return isinstance(exc, (AssertionError, pytest.fail.Exception))


def redact_expected(message: str) -> str:
    """``message`` without expected values, in the formats of ``checks.assert_close``.

    A safety net for hidden tests when ``show_expected_values = false``: the ``checks``
    helpers already omit them when ``checks.SHOW_EXPECTED`` is False.
    """
    out: list[str] = []
    label_indent: int | None = None
    for line in message.splitlines():
        if label_indent is not None:
            indent = len(line) - len(line.lstrip())
            if line.strip() and indent > label_indent + len("expected:"):
                continue  # continuation of a multi-line expected array
            label_indent = None
        match = _EXPECTED_LABEL.match(line)
        if match:
            out.append(f"{match.group(1)}expected: (not shown for this test)")
            label_indent = len(match.group(1))
            continue
        line = _EXPECTED_FINITE.sub("a finite value was expected", line)
        out.append(_EXPECTED_INLINE.sub("", line))
    return "\n".join(out)


def public_location(excinfo: pytest.ExceptionInfo) -> str:
    """``at test_x.py:12: <source line>`` of the innermost frame in a public test file."""
    try:
        public = paths.STUDENT_TESTS.resolve()
        for entry in reversed(excinfo.traceback):
            path = Path(str(entry.path)).resolve()
            if path.parent == public and path.name.startswith("test_"):
                line = str(entry.statement).strip().splitlines()
                return f"at {path.name}:{entry.lineno + 1}: {line[0] if line else ''}"
    except Exception:
        return ""
    return ""


def without_rewrite(text: str) -> str:
    """An assertion message without pytest's rewritten-assert explanation (test source)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("assert "):
            return "\n".join(lines[:i])
    return text


def skip_reason(report: pytest.TestReport) -> str:
    """Why pytest skipped a test, without pytest's ``Skipped:`` prefix."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
        return reason[len("Skipped: ") :] if reason.startswith("Skipped: ") else reason
    return str(longrepr or "skipped")


def collection_error_line(text: str) -> str:
    """The line that says why a test file could not be collected (pytest's last ``E`` line)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("E ")]
    return (errors[-1][2:].strip() if errors else lines[-1] if lines else text)[:500]
