"""What a grading test's entry tells the student: its name, and why it failed.

Pure text work on what pytest hands the grading plugin (:mod:`autograder.grading.plugin`):

* :func:`display_name`: ``function: first docstring line [parameter id] (hidden|public)``;
* :func:`failure_message`: the message of a failed test phase. Never a trusted traceback
  or hidden test source: an assertion shows its message (the ``checks`` helpers write
  informative ones) without pytest's rewritten-assert explanation, a ``SubmissionError``
  its student-readable message, anything else its type and message; a public test adds
  its failing line. Hypothesis' falsifying example is kept unless the message already
  lists the call's inputs by name (the ``checks`` "inputs:" block). Whatever the message
  is built from, no line of it quotes the hidden tests' source
  (:func:`without_hidden_lines`: a submission that patches NumPy or the test framework
  inside the worker can make a trusted traceback reach a message, e.g. Hypothesis'
  "Failed to reproduce exception" note of a flaky test);
* :func:`redact_expected`: the expected values taken out of a message (hidden tests when
  ``[visibility] show_expected_values = false``);
* :func:`failure_kind`: the ``extra_data.kind`` of a failure (``wrong``, ``error``,
  ``time_budget``, or the ``kind`` of a ``SubmissionError``: ``timeout``, ...);
* :func:`skip_reason`, :func:`collection_error_line`: one line for a skipped test and
  for a test file that could not be collected.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
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
#: Hypothesis' notes that carry the grader's own traceback or source locations (a flaky
#: test's "Failed to reproduce exception. Expected: <traceback>", the explain phase's
#: "Explanation: ... lines were always and only run by failing examples: file:line").
TRUSTED_NOTES = ("Failed to reproduce exception", "Explanation:", "    These lines were")
#: Hidden test lines shorter than this (stripped) are not looked for: too common to tell
#: anything ("return value", "import numpy as np").
MIN_HIDDEN_LINE = 20
#: What stands in a message for a line that quoted the hidden tests.
HIDDEN_LINE_SHOWN = "(a line of the grader's hidden tests: not shown)"

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
    notes = [n for n in notes if not n.startswith((REPRODUCE_NOTE, *TRUSTED_NOTES))]
    if INPUTS_LISTED.search(message):
        # the checks helpers already list the call's inputs, by name: Hypothesis'
        # falsifying example and its unnamed "Draw N: value" lines repeat them
        notes = [n for n in notes if not HYPOTHESIS_EXAMPLE.match(n)]
    if notes:
        message += "\n\n" + "\n".join(notes)
    return trim(without_hidden_lines(message), MAX_MESSAGE)


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
        reason = reason[len("Skipped: ") :] if reason.startswith("Skipped: ") else reason
        return without_hidden_lines(reason)
    return without_hidden_lines(str(longrepr or "skipped"))


def collection_error_line(text: str) -> str:
    """The line that says why a test file could not be collected (pytest's last ``E`` line)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("E ")]
    line = (errors[-1][2:].strip() if errors else lines[-1] if lines else text)[:500]
    return without_hidden_lines(line)


# ----------------------------------------------------------------------------- hidden source


class HiddenLines:
    """The distinctive source lines of the hidden tests, found fast inside any text.

    A line is distinctive when it has :data:`MIN_HIDDEN_LINE` characters or more once
    stripped, is not part of a docstring (the first docstring lines are the names that
    results.json shows) and is not a whole line of the handout's files (``public``: a
    public test's line, a stub's docstring, the README): those a student has anyway.

    A text quotes a hidden line when it contains it, unless the occurrence lies inside a
    whole public line the text also contains: ``at test_part2_losses.py:51: <a public
    test's line>`` shows a public line that happens to contain a hidden test's
    continuation line (``inputs={"y_pred": y_pred, "y": y})``), while that continuation
    line alone, as a traceback of the hidden test prints it, is a quote.

    :meth:`quoted_in` looks each hidden line up by its first :data:`MIN_HIDDEN_LINE`
    characters, so checking a message costs one dictionary lookup per character, however
    many hidden lines there are.
    """

    def __init__(self, lines: Iterable[str], public: Iterable[str] = ()) -> None:
        self.public = frozenset(p for p in public if len(p) >= MIN_HIDDEN_LINE)
        self.index: dict[str, list[str]] = {}
        for line in sorted(set(lines) - self.public):
            if len(line) >= MIN_HIDDEN_LINE:
                self.index.setdefault(line[:MIN_HIDDEN_LINE], []).append(line)
        self._covering: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self.index.values())

    def covering(self, line: str) -> tuple[str, ...]:
        """The public lines that contain the hidden ``line`` (and are longer)."""
        if line not in self._covering:
            self._covering[line] = tuple(p for p in self.public if line in p and p != line)
        return self._covering[line]

    def _match_at(self, text: str, i: int) -> str | None:
        """The hidden line ``text`` quotes at position ``i``, if any."""
        found = self.index.get(text[i : i + MIN_HIDDEN_LINE])
        for line in found or ():
            if text.startswith(line, i) and not any(p in text for p in self.covering(line)):
                return line
        return None

    def quoted_in(self, text: str) -> bool:
        """Whether ``text`` (one line) quotes a hidden line (see the class docstring)."""
        return self.cleaned(text) != text

    def cleaned(self, text: str) -> str:
        """``text`` (one line) with every quoted hidden line replaced by
        :data:`HIDDEN_LINE_SHOWN` (the rest of the line kept)."""
        out: list[str] = []
        start = i = 0
        index = self.index
        while i <= len(text) - MIN_HIDDEN_LINE:
            line = self._match_at(text, i) if text[i : i + MIN_HIDDEN_LINE] in index else None
            if line is None:
                i += 1
                continue
            out += [text[start:i], HIDDEN_LINE_SHOWN]
            i = start = i + len(line)
        return "".join(out) + text[start:] if out else text


def _docstring_lines(tree: ast.AST) -> set[int]:
    """The line numbers of every docstring of a module, its classes and functions."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def _public_lines(public: Path) -> set[str]:
    """Every stripped line of the handout's text files."""
    lines: set[str] = set()
    for p in sorted(public.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".md", ".txt", ".ini"):
            try:
                text = p.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            lines.update(ln.strip() for ln in text.splitlines())
    return lines


@functools.lru_cache(maxsize=4)
def hidden_lines(
    hidden: Path = paths.HIDDEN_TESTS, public: Path = paths.STUDENT_DIR
) -> HiddenLines:
    """The distinctive lines of every ``.py`` file under ``hidden`` against the handout
    folder ``public`` (see :class:`HiddenLines`). Read once per process."""
    found: set[str] = set()
    for p in sorted(Path(hidden).rglob("*.py")):
        try:
            text = p.read_text(encoding="utf-8")
            skip = _docstring_lines(ast.parse(text))
        except (OSError, SyntaxError, ValueError):
            continue
        found.update(
            raw.strip() for number, raw in enumerate(text.splitlines(), 1) if number not in skip
        )
    return HiddenLines(found, _public_lines(Path(public)))


def without_hidden_lines(text: str, lines: HiddenLines | None = None) -> str:
    """``text`` with every quote of a hidden test's source line replaced by
    :data:`HIDDEN_LINE_SHOWN` (``lines``: default :func:`hidden_lines`)."""
    lines = lines if lines is not None else hidden_lines()
    out = [lines.cleaned(ln) for ln in text.splitlines()]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
