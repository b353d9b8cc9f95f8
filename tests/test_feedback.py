"""What a failing test's entry says (autograder/grading/feedback.py), without running a grade.

The grade-level behaviour (entries, redaction flag, the falsifying example left out when
the message lists the inputs) is tested through fake grades in tests/test_runner.py; here
each rule is checked on its own, on exceptions built by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from autograder.grading.call_guard import NoFurtherExamples, TimeBudgetExhausted, TimeoutNotRetried
from autograder.grading.feedback import (
    MAX_MESSAGE,
    collection_error_line,
    display_name,
    failure_kind,
    failure_message,
    skip_reason,
    unwrap,
    without_rewrite,
)
from autograder.sandbox.errors import (
    NotImplementedBySubmission,
    SubmissionError,
    SubmissionRaised,
    SubmissionTimeout,
)


def excinfo_of(exc: BaseException) -> pytest.ExceptionInfo:
    """``exc`` as pytest hands it to the plugin (raised, so it has a traceback)."""
    try:
        raise exc
    except BaseException as raised:
        return pytest.ExceptionInfo.from_exception(raised)


def message(exc: BaseException, when: str = "call", *, hidden: bool = True,
            redact: bool = False) -> str:
    return failure_message(excinfo_of(exc), when, hidden=hidden, redact=redact)


# ---------------------------------------------------------------------------- which message


def test_a_submission_error_shows_its_own_message() -> None:
    exc = SubmissionRaised("softmax", "ValueError", "bad axis", ["  File \"hw.py\", line 3\n"])
    assert message(exc) == str(exc)
    assert "ValueError" in message(exc) and "bad axis" in message(exc)


def test_the_error_that_ended_the_test_early_is_the_one_reported() -> None:
    inner = NotImplementedBySubmission("relu")
    assert message(NoFurtherExamples(inner)) == str(inner)
    assert message(NoFurtherExamples(TimeBudgetExhausted("stopped: budget"))) == "stopped: budget"


def test_an_assertion_shows_its_message_without_the_rewritten_assert() -> None:
    exc = AssertionError("relu: 2 of 6 entries differ\nassert False\n +  where False = f()")
    assert message(exc) == "relu: 2 of 6 entries differ"
    assert message(AssertionError("")) == "the check failed"
    assert without_rewrite("a\nb\nassert x == y\nmore") == "a\nb"


def test_pytest_fail_is_a_check_failure_and_anything_else_names_its_type() -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        pytest.fail("not a distribution")
    assert failure_message(failed, "call", hidden=True, redact=False) == "not a distribution"
    assert message(ValueError("boom")) == "ValueError: boom"


def test_a_failure_outside_the_call_says_in_which_phase() -> None:
    assert message(ValueError("no data"), "setup") == "error in test setup: ValueError: no data"


def test_redaction_applies_to_hidden_tests_when_asked() -> None:
    text = "relu: values differ\n  got:      [1.0]\n  expected: [2.0]"
    assert "[2.0]" in message(AssertionError(text))
    redacted = message(AssertionError(text), redact=True)
    assert "[2.0]" not in redacted
    assert "expected: (not shown for this test)" in redacted
    assert "got:      [1.0]" in redacted


def test_the_message_is_capped() -> None:
    long = message(AssertionError("x" * (MAX_MESSAGE * 3)))
    assert MAX_MESSAGE <= len(long) < MAX_MESSAGE + 200


# ---------------------------------------------------------------------------- Hypothesis notes


def with_notes(exc: BaseException, *notes: str) -> BaseException:
    exc.__notes__ = list(notes)  # what add_note() fills (Python 3.11+; Hypothesis sets it too)
    return exc


FALSIFYING = "Falsifying example: test_relu(\n    hw=<hw>, x=array([1.]),\n)"


def test_the_falsifying_example_is_kept_when_the_message_does_not_list_the_inputs() -> None:
    out = message(with_notes(AssertionError("relu: wrong"), FALSIFYING,
                             "You can reproduce this example by temporarily adding ..."))
    assert out == f"relu: wrong\n\n{FALSIFYING}"


def test_the_falsifying_example_and_draws_are_left_out_when_the_inputs_are_listed() -> None:
    text = "relu: wrong\n  inputs:\n    x = [1.0]"
    out = message(with_notes(AssertionError(text), FALSIFYING, "Draw 1: 3", "other note"))
    assert out == f"{text}\n\nother note"


# ---------------------------------------------------------------------------- kinds and unwrapping


class Group(Exception):
    """An exception group as Hypothesis raises one (ExceptionGroup is Python 3.11+)."""

    def __init__(self, *exceptions: BaseException) -> None:
        super().__init__("group")
        self.exceptions = exceptions


class LooksLikeOne(Exception):
    """Not a SubmissionError, whatever its name says."""


LooksLikeOne.__name__ = "SubmissionError"


class ASubmissionError(SubmissionError):
    """A subclass under another name: still a submission's error."""

    kind = "custom"


def test_submission_errors_are_recognised_by_their_class_not_their_name() -> None:
    assert message(LooksLikeOne("x")) == "SubmissionError: x"
    assert message(ASubmissionError("the student's message")) == "the student's message"
    group = Group(ValueError("first"), ASubmissionError("second"))
    assert str(unwrap(group)) == "second"
    lookalikes = Group(ValueError("first"), LooksLikeOne("second"))
    assert str(unwrap(lookalikes)) == "first"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (AssertionError("wrong"), "wrong"),
        (ValueError("x"), "error"),
        (NoFurtherExamples(TimeBudgetExhausted("spent")), "time_budget"),
        (NoFurtherExamples(SubmissionTimeout("relu", 5.0)), "timeout"),
        (TimeoutNotRetried("again"), "timeout"),
        (NoFurtherExamples(NotImplementedBySubmission("relu")), "not_implemented"),
        (ASubmissionError("x"), "custom"),
    ],
)
def test_failure_kinds(exc: BaseException, kind: str) -> None:
    assert failure_kind(exc) == kind


def test_pytest_fail_is_a_wrong_answer() -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        pytest.fail("no")
    assert failure_kind(failed.value) == "wrong"


# ---------------------------------------------------------------------------- names and lines


def fake_item(name: str, doc: str | None, callspec: str | None = None) -> SimpleNamespace:
    def test() -> None:
        pass

    test.__doc__ = doc
    return SimpleNamespace(
        obj=test,
        name=f"{name}[{callspec}]" if callspec else name,
        originalname=name,
        callspec=SimpleNamespace(id=callspec) if callspec else None,
    )


def test_display_names() -> None:
    assert display_name(fake_item("test_rows", "rows sum to one\n more"), "softmax", True) == (
        "softmax: rows sum to one (hidden)"
    )
    assert display_name(fake_item("test_rows", None), "softmax", False) == (
        "softmax: test_rows (public)"
    )
    assert display_name(fake_item("test_rows", "rows", "F"), "softmax", True) == (
        "softmax: rows [F] (hidden)"
    )
    assert display_name(fake_item("test_rows", None, "F"), "softmax", True) == (
        "softmax: test_rows[F] (hidden)"
    )


def test_skip_reasons_and_collection_errors_become_one_line() -> None:
    assert skip_reason(SimpleNamespace(longrepr=("f.py", 3, "Skipped: no reason"))) == "no reason"
    assert skip_reason(SimpleNamespace(longrepr=None)) == "skipped"
    text = "ImportError while importing\nE   first\nsome context\nE   ModuleNotFoundError: nope\n"
    assert collection_error_line(text) == "ModuleNotFoundError: nope"
    assert collection_error_line("only text\nlast line\n") == "last line"
