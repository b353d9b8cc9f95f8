"""The sandbox's exceptions: student-readable messages, kinds, copy and pickle."""

from __future__ import annotations

import copy
import pickle
import signal

import pytest

from autograder.sandbox.errors import (
    BadReturnValue,
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionError,
    SubmissionImportError,
    SubmissionMemoryError,
    SubmissionNotImported,
    SubmissionRaised,
    SubmissionTimeout,
    WorkerCrashed,
    describe_exit,
)

EXAMPLES = [
    (NotImplementedBySubmission("softmax"), "not_implemented", "softmax() is not implemented"),
    (
        SubmissionRaised("relu", "ValueError", "bad", ['  File "hw.py", line 3, in relu\n']),
        "raised",
        'relu() raised ValueError: bad\nTraceback (your code only):\n  File "hw.py", line 3',
    ),
    (SubmissionMemoryError("f", "no", [], 512), "memory", "memory limit of 512 MB"),
    (SubmissionTimeout("f", 10.0, "f(1)"), "timeout", "timed out after 10 s while calling f(1)"),
    (WorkerCrashed("f", -9), "crash", "SIGKILL"),
    (BadReturnValue("f", "an array has dtype object"), "bad_return", "dtype object"),
    (MissingFunction("predict"), "missing", "no function named 'predict'"),
    (SubmissionImportError("SyntaxError: x", "SyntaxError", 3), "import", "could not be imported"),
]


@pytest.mark.parametrize("exc, kind, text", EXAMPLES, ids=lambda v: type(v).__name__)
def test_messages_kinds_copy_and_pickle(exc, kind, text):
    assert isinstance(exc, SubmissionError)
    assert exc.kind == kind and text in str(exc)
    for clone in (copy.copy(exc), pickle.loads(pickle.dumps(exc))):
        assert type(clone) is type(exc) and str(clone) == str(exc) and clone is not exc
        assert clone.__dict__ == exc.__dict__


def test_attribute_error_flavours():
    assert isinstance(MissingFunction("x"), AttributeError)
    err = SubmissionNotImported(SubmissionImportError("boom", "ValueError", 2))
    assert isinstance(err, SubmissionImportError) and isinstance(err, AttributeError)
    assert str(err) == "hw.py could not be imported: boom" and err.line == 2


@pytest.mark.parametrize(
    "code, hint",
    [
        (-signal.SIGKILL, "memory limit of 100 MB"),
        (-signal.SIGSEGV, "segmentation fault"),
        (-signal.SIGXCPU, "CPU time"),
        (3, "os._exit / sys.exit"),
        (None, "stopped answering"),
    ],
)
def test_exit_descriptions_give_a_hint(code, hint):
    assert hint in describe_exit(code, memory_mb=100)


def test_a_sigkill_names_the_memory_limit_that_was_really_hit():
    oom = describe_exit(-signal.SIGKILL, 512, oom_killed=True, box_mb=768)
    assert "out-of-memory killer" in oom and "768 MB" in oom and "limit of 512 MB" in oom
    not_oom = describe_exit(-signal.SIGKILL, 512, oom_killed=False)
    assert "not for memory" in not_oom and "768" not in not_oom
    unknown = describe_exit(-signal.SIGKILL, 512)  # the system keeps no OOM counter
    assert "most likely it exceeded the memory limit of 512 MB" in unknown
