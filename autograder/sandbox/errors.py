"""Exceptions a test sees when it calls the submission through the sandbox.

Every one is a :class:`SubmissionError` whose ``str()`` is written for the student,
and whose ``kind`` is a short id (``"timeout"``, ``"crash"``, ...) for reports.
"""

from __future__ import annotations

import signal

__all__ = [
    "BadReturnValue",
    "IsolationUnavailable",
    "MissingFunction",
    "NotImplementedBySubmission",
    "SandboxError",
    "SubmissionError",
    "SubmissionImportError",
    "SubmissionMemoryError",
    "SubmissionNotImported",
    "SubmissionRaised",
    "SubmissionTimeout",
    "WorkerCrashed",
    "printable",
]


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
for _keep in (0x09, 0x0A):  # tab, newline
    del _CONTROL[_keep]


def printable(text: str) -> str:
    """``text`` with terminal control characters (escape sequences, bell, carriage
    return, ...) shown as ``\\xNN``: text from the submission must not drive the terminal
    of whoever reads a report."""
    return text.translate(_CONTROL)


class SandboxError(RuntimeError):
    """The sandbox itself could not run (a grader problem, not the student's)."""


class IsolationUnavailable(SandboxError):
    """No jail is possible here and running student code as the grader was not allowed."""


class SubmissionError(Exception):
    """Base class: something about the submitted code (not the grader) went wrong."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple:
        # Picklable and copyable (copy.copy) despite the subclasses' own __init__ signatures.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type, args: tuple, state: dict) -> SubmissionError:
    obj = cls.__new__(cls, *args)
    obj.args = args
    obj.__dict__.update(state)
    return obj


class NotImplementedBySubmission(SubmissionError):
    """The function still raises the stub's ``NotImplementedError``."""

    kind = "not_implemented"

    def __init__(self, function: str, detail: str = "", needs: str | None = None) -> None:
        if needs and needs != function:  # a helper it calls is still a stub
            msg = f"{function}() needs {needs}(), which is not implemented yet"
        else:
            msg = f"{function}() is not implemented yet (it raises NotImplementedError)"
        if detail and detail.strip():
            msg += f": {detail.strip()}"
        super().__init__(msg)
        self.function = function
        self.needs = needs


class SubmissionRaised(SubmissionError):
    """The submitted function raised an exception."""

    kind = "raised"

    def __init__(
        self, function: str, exc_type: str, exc_message: str, traceback_lines: list[str]
    ) -> None:
        self.function = function
        self.exc_type = exc_type
        self.exc_message = exc_message
        self.traceback_lines = list(traceback_lines)
        head = f"{function}() raised {exc_type}"
        if exc_message:
            head += f": {exc_message}"
        if self.traceback_lines:
            tb = "".join(self.traceback_lines).rstrip("\n")
            head += "\nTraceback (your code only):\n" + tb
        super().__init__(head)


class SubmissionMemoryError(SubmissionRaised):
    """The submission ran out of memory (MemoryError under the memory limit)."""

    kind = "memory"

    def __init__(
        self, function: str, exc_message: str, traceback_lines: list[str], memory_mb: int
    ) -> None:
        super().__init__(function, "MemoryError", exc_message, traceback_lines)
        self.message = (
            f"{function}() ran out of memory: it reached the memory limit of {memory_mb} MB "
            f"(address space of the process running your code)\n{self.message}"
        )


class SubmissionTimeout(SubmissionError):
    """A call did not return within the per-call time limit."""

    kind = "timeout"

    def __init__(self, function: str, seconds: float, call_repr: str = "") -> None:
        self.function = function
        self.seconds = seconds
        call = call_repr or f"{function}(...)"
        super().__init__(
            f"timed out after {seconds:g} s while calling {call} "
            "(an infinite loop, or far too slow?)"
        )


def describe_exit(
    returncode: int | None,
    memory_mb: int | None = None,
    *,
    oom_killed: bool | None = None,
    box_mb: int | None = None,
) -> str:
    """Human description of a worker's exit status, with a hint about the likely cause.

    ``oom_killed``: whether the kernel's out-of-memory killer struck meanwhile (None:
    unknown); ``box_mb``: the memory of the machine or container the grader runs in.
    A ``SIGKILL`` then names the limit that was really hit.
    """
    if returncode is None:
        return "the worker stopped answering"
    if returncode < 0:
        sig = -returncode
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        limit = f" of {memory_mb} MB" if memory_mb else ""
        if name == "SIGKILL" and oom_killed:
            box = f" ({box_mb} MB for the grader and your code together)" if box_mb else ""
            kill = (
                "killed by the kernel's out-of-memory killer: the machine the grader runs "
                f"on ran out of memory{box} before your code reached its own limit{limit}; "
                "it used far too much memory"
            )
        elif name == "SIGKILL" and oom_killed is False:
            kill = (
                "killed, but not for memory (the kernel's out-of-memory killer did not "
                "strike): the submission killed its own process, or it used up its CPU time"
            )
        else:
            kill = (
                f"killed: most likely it exceeded the memory limit{limit}, "
                "or the submission killed its own process"
            )
        hints = {
            "SIGKILL": kill,
            "SIGSEGV": "segmentation fault (invalid memory access, e.g. through ctypes, or "
            f"native code that could not get memory under the limit{limit})",
            "SIGBUS": "bus error (invalid memory access)",
            "SIGABRT": "aborted (a C library detected an error, e.g. it could not get memory "
            f"under the limit{limit})",
            "SIGXCPU": "it used up its CPU time limit",
            "SIGXFSZ": "it wrote a file larger than the file size limit",
            "SIGFPE": "arithmetic fault in native code",
            "SIGTERM": "terminated",
        }
        return f"{name}: {hints.get(name, 'killed by a signal')}"
    return (
        f"exit code {returncode}: the submission exited the worker "
        "(os._exit / sys.exit / exit() in hw.py?)"
    )


class WorkerCrashed(SubmissionError):
    """The worker process died (or broke the protocol) during a call."""

    kind = "crash"

    def __init__(self, function: str, returncode: int | None, detail: str = "") -> None:
        self.function = function
        self.returncode = returncode
        what = detail or describe_exit(returncode)
        super().__init__(f"the process running your code died while calling {function}(): {what}")


class BadReturnValue(SubmissionError):
    """The function returned something that is not plain data."""

    kind = "bad_return"

    def __init__(self, function: str, detail: str) -> None:
        self.function = function
        super().__init__(f"{function}() returned a value the grader cannot accept: {detail}")


class MissingFunction(SubmissionError, AttributeError):
    """hw.py has no (callable) attribute with that name."""

    kind = "missing"

    def __init__(self, function: str, detail: str = "") -> None:
        self.function = function
        super().__init__(detail or f"hw.py has no function named {function!r}")


class SubmissionImportError(SubmissionError):
    """hw.py could not be imported (syntax error, exception at import time, ...)."""

    kind = "import"

    def __init__(self, message: str, exc_type: str = "", line: int | None = None) -> None:
        self.exc_type = exc_type
        self.line = line
        super().__init__(f"hw.py could not be imported: {message}")


class SubmissionNotImported(SubmissionImportError, AttributeError):
    """Raised by ``SubmissionProxy.<name>`` when hw.py could not be imported.

    Same message as the :class:`SubmissionImportError` it copies; also an
    ``AttributeError``, so ``getattr(hw, name, default)`` keeps working.
    """

    def __init__(self, original: SubmissionImportError) -> None:
        SubmissionError.__init__(self, original.message)
        self.exc_type = original.exc_type
        self.line = original.line
