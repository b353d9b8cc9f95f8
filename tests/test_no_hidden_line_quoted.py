"""No output ever quotes a line of the hidden tests (issue 21.7).

A submission that patched NumPy or the test framework inside the worker got a failing
test's output to quote ``inputs={"y_pred": y_pred, "y": y})``, the continuation line of a
statement of ``autograder/hidden_tests/test_part2_losses.py``: trusted traceback text (such
as Hypothesis' "Failed to reproduce exception. Expected: <traceback>" note of a test that
failed once and then passed) reached the message. ``feedback.failure_message`` now
replaces every line that quotes a hidden test's source, whatever built it, and leaves
Hypothesis' traceback notes out; a public test's own line that merely contains such a
line is still shown.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder import paths
from autograder.grading import feedback
from autograder.grading.feedback import (
    HIDDEN_LINE_SHOWN,
    HiddenLines,
    failure_message,
    hidden_lines,
    without_hidden_lines,
)
from autograder.sandbox.errors import SubmissionRaised

HIDDEN_FILE = paths.HIDDEN_TESTS / "test_part2_losses.py"
#: The line the issue saw quoted: a hidden statement's continuation line (the public tests
#: have it only inside longer lines).
QUOTED = 'inputs={"y_pred": y_pred, "y": y})'


def _hidden_statement() -> list[str]:
    """The lines of the hidden statement that ends with :data:`QUOTED`, as in the file."""
    lines = HIDDEN_FILE.read_text(encoding="utf-8").splitlines()
    end = next(i for i, ln in enumerate(lines) if ln.strip() == QUOTED)
    return lines[end - 2 : end + 1]


def _pytest_style_traceback() -> str:
    """A trusted traceback of the hidden test, as pytest (and so Hypothesis) prints it."""
    statement = _hidden_statement()
    return "\n".join(
        [
            "Failed to reproduce exception. Expected: ",
            "case = (array([1.]), array([2.]))",
            "",
            "    def test_mae_grad_matches_numerical_gradient(hw, ref, case):",
            *(f">       {statement[0].strip()}" if i == 0 else f"        {ln}"
              for i, ln in enumerate(statement)),
            "",
            f"{HIDDEN_FILE}:67: ",
            "E       AssertionError: mae_grad: the gradient does not match",
        ]
    )


def _message_of(exc: BaseException, *, hidden: bool = True) -> str:
    try:
        raise exc
    except BaseException:
        excinfo = pytest.ExceptionInfo.from_current()
    return failure_message(excinfo, "call", hidden=hidden, redact=False)


def _quoted_hidden_lines(text: str) -> list[str]:
    """Lines of ``text`` that are, once stripped, a distinctive line of the hidden tests."""
    secret = {ln for v in hidden_lines().index.values() for ln in v}
    return [ln for ln in text.splitlines() if ln.strip() in secret]


def test_the_quoted_line_is_a_distinctive_hidden_line() -> None:
    assert hidden_lines().quoted_in(QUOTED)
    assert _quoted_hidden_lines(_pytest_style_traceback())  # the test's input does quote it


def test_a_trusted_traceback_in_an_exception_message_is_not_quoted() -> None:
    exc = AssertionError("mae_grad: wrong\n" + _pytest_style_traceback())
    message = _message_of(exc)
    assert "mae_grad: wrong" in message
    assert _quoted_hidden_lines(message) == []
    assert HIDDEN_LINE_SHOWN in message


def test_hypothesis_traceback_notes_are_left_out() -> None:
    exc = AssertionError("mae_grad: wrong values")
    exc.add_note("Falsifying example: test_mae_grad(\n    case=(...),\n)")
    exc.add_note(_pytest_style_traceback())
    message = _message_of(exc)
    assert _quoted_hidden_lines(message) == []
    assert "Failed to reproduce exception" not in message
    assert "Falsifying example" in message  # the other notes stay


def test_a_submission_error_that_carries_hidden_source_is_cleaned() -> None:
    statement = [ln.strip() for ln in _hidden_statement()]
    exc = SubmissionRaised("mae_grad", "ValueError", "\n".join(statement), [])
    message = _message_of(exc)
    assert _quoted_hidden_lines(message) == []
    assert message.startswith("mae_grad() raised ValueError")


def test_a_public_tests_own_line_is_still_shown() -> None:
    """The location line of a public test holds a public line that contains QUOTED."""
    public = (paths.STUDENT_TESTS / "test_part2_losses.py").read_text(encoding="utf-8")
    line = next(ln.strip() for ln in public.splitlines() if QUOTED in ln and ln.strip() != QUOTED)
    shown = f"at test_part2_losses.py:51: {line}"
    assert without_hidden_lines(shown) == shown


def test_ordinary_messages_are_unchanged() -> None:
    text = textwrap.dedent(
        """\
        mae_loss: wrong value
          expected: 1.625
          got:      1.5
          inputs:
            y_pred = [1., 2.]  (shape (2,), float64)
            y = [0.5, 0.25]  (shape (2,), float64)
        """
    )
    assert without_hidden_lines(text) == text


def test_any_hidden_folder_is_read_and_docstrings_are_not_secret(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    public = tmp_path / "public"
    hidden.mkdir()
    public.mkdir()
    (hidden / "test_x.py").write_text(
        '"""Hidden: the docstring line that names the test is no secret."""\n'
        "expected = secret_reference_formula(x, y)  # distinctive\n"
        "value = shared_with_the_handout(x, y, z)\n",
        encoding="utf-8",
    )
    (public / "test_y.py").write_text("value = shared_with_the_handout(x, y, z)\n",
                                      encoding="utf-8")
    found = feedback.hidden_lines(hidden, public)
    assert isinstance(found, HiddenLines)
    assert found.quoted_in("    expected = secret_reference_formula(x, y)  # distinctive")
    assert not found.quoted_in("value = shared_with_the_handout(x, y, z)")
    assert not found.quoted_in("Hidden: the docstring line that names the test is no secret.")


def test_checking_a_long_message_costs_one_lookup_per_character() -> None:
    """Cheap enough to check every message (the work is counted; no wall clock)."""
    lines = hidden_lines()
    calls = 0

    class Counting(dict):
        def __contains__(self, key: object) -> bool:
            nonlocal calls
            calls += 1
            return super().__contains__(key)

    counted = HiddenLines([], [])
    counted.index = Counting(lines.index)
    counted.public = lines.public
    assert counted.cleaned("x" * 3000) == "x" * 3000
    assert calls == 3000 - feedback.MIN_HIDDEN_LINE + 1
    assert len(lines) > 500  # every hidden test file is read
