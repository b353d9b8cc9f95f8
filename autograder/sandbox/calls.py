"""The call protocol: ``Worker`` starts the worker, reads its import report, sends calls,
turns replies and failures into the student-readable :mod:`~autograder.sandbox.errors`.

``Worker`` owns one worker process for one submission (restarted lazily after a timeout
or a crash; :class:`~autograder.sandbox.process.WorkerProcess` starts, limits and kills
it)::

    with Worker(Path("hw.py"), [Path("student/tests/testfuncs.py")], Limits()) as w:
        s = w.call("softmax", (np.zeros((2, 3)),), {"axis": 0})
"""

from __future__ import annotations

import contextlib
import copy
import re
import subprocess
import time
from typing import Any

import numpy as np

from autograder.sandbox import wire
from autograder.sandbox.errors import (
    BadReturnValue,
    MissingFunction,
    NotImplementedBySubmission,
    SandboxError,
    SubmissionImportError,
    SubmissionMemoryError,
    SubmissionRaised,
    SubmissionTimeout,
    WorkerCrashed,
    printable,
)
from autograder.sandbox.mirror import mirror_mutations
from autograder.sandbox.process import WorkerProcess

__all__ = ["Worker"]


def _short_repr(function: str, args: tuple, kwargs: dict) -> str:
    def r(x: Any) -> str:
        if isinstance(x, np.ndarray):
            return f"array(shape={x.shape}, dtype={x.dtype})"
        if wire.is_named_function(x):
            return f"testfuncs.make({x.name!r}, ...)"
        s = repr(x)
        return s if len(s) <= 60 else s[:57] + "..."

    parts = [r(a) for a in args] + [f"{k}={r(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"



def _str(x: Any, default: str = "") -> str:
    return printable(x[:20000]) if type(x) is str else default


def _lines(x: Any) -> list[str]:
    if type(x) is not list:
        return []
    return [printable(s[:2000]) for s in x[:200] if type(s) is str]



class Worker(WorkerProcess):
    """One sandboxed worker process running one submission.

    ``jail``: ``None`` = automatic (:func:`autograder.sandbox.isolation.worker_kind`: the
    root jail as root, unless ``AUTOGRADER_NO_JAIL=1`` (debugging only); the user
    namespace jail for an ordinary user; where neither exists, :meth:`start` refuses
    with :class:`IsolationUnavailable` unless ``--unsafe-same-user`` allowed it);
    ``True`` = a jail (root's or the user namespace one), never the grader's own user;
    ``False`` = never: the worker runs as the grader's own user, with the same limits.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.import_error: SubmissionImportError | None = None
        self.functions: list[str] = []
        self._started_once = False

    def __enter__(self) -> Worker:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker (if not running) and read its import report."""
        with self._lock:
            if self._closed:
                raise SandboxError("this Worker is closed")
            if self.alive or self.import_error is not None:
                return  # hw.py cannot be imported: it will not get better by retrying
            if self._proc is not None:
                self._kill()  # died between calls: clean up what it left
            if self.submission_file.is_symlink():  # could point at the solutions
                self.import_error = SubmissionImportError(
                    "hw.py is a symbolic link, not a file: submit the file itself", "Refused"
                )
                return
            if not self.submission_file.is_file():
                raise SandboxError(f"no submission file {self.submission_file}")
            if self._started_once:
                self.stats.restarts += 1
            self._started_once = True
            self._spawn()

    def _read_import_report(self) -> None:
        lim = self.limits
        try:
            hello = wire.read_message(self._rep_r, max(lim.start_timeout_s, lim.import_timeout_s))
            if type(hello) is not dict or hello.get("op") != "hello":
                raise wire.WireError("no hello")
        except (wire.PipeClosed, wire.PipeTimeout, wire.WireError) as e:
            rc = self._kill()
            raise SandboxError(
                f"the worker failed to start ({type(e).__name__}, {self._describe_exit(rc)}); "
                f"its output:\n{self.output_tail()[-3000:]}"
            ) from None
        try:
            report = wire.read_message(self._rep_r, lim.import_timeout_s)
        except wire.PipeTimeout:
            self._kill()
            self.import_error = SubmissionImportError(
                f"importing it took more than {lim.import_timeout_s:g} s "
                "(code at module level that runs for ever?)",
                "Timeout",
            )
            return
        except wire.PipeClosed:
            rc = self._kill()
            self.import_error = SubmissionImportError(
                f"the worker died while importing it: {self._describe_exit(rc)}",
                "WorkerCrashed",
            )
            return
        except wire.WireError as e:
            self._kill()
            self.import_error = SubmissionImportError(f"protocol violation ({e})", "Protocol")
            return
        if type(report) is not dict or report.get("op") != "ready":
            self._kill()
            self.import_error = SubmissionImportError("protocol violation", "Protocol")
            return
        if report.get("ok") is True:
            self.import_error = None
            self.functions = [f for f in _lines(report.get("functions")) if f.isidentifier()]
            return
        exc_type = _str(report.get("exc_type"), "Exception")
        message = _str(report.get("message"))
        tb = "".join(_lines(report.get("traceback")))
        line = report.get("line") if type(report.get("line")) is int else None
        if exc_type in ("SyntaxError", "IndentationError", "TabError"):
            where = f" (line {line})" if line is not None else ""
            text = f"{exc_type}{where}:\n{message}"  # message: File "hw.py", line N ...
        else:
            text = f"{exc_type}: {message}" if message else exc_type
        if exc_type == "ModuleNotFoundError":
            text += (
                "\n(when graded, hw.py can import only NumPy and the Python standard library: "
                "remove this import, e.g. plotting belongs in train.py)"
            )
        if tb:
            text += "\nTraceback (your code only):\n" + tb.rstrip("\n")
        self.import_error = SubmissionImportError(text, exc_type, line)
        self._kill()

    def call(
        self,
        function: str,
        args: tuple | list = (),
        kwargs: dict | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call ``hw.<function>(*args, **kwargs)`` in the worker and return the value.

        ``timeout``: seconds the call may take (default: the function's limit in
        :class:`Limits`). Arrays the submission modified in place are mirrored back into
        ``args`` / ``kwargs``. Raises the :mod:`~autograder.sandbox.errors` exceptions.
        """
        kwargs = {} if kwargs is None else kwargs
        try:
            request = wire.encode(
                {
                    "op": "call",
                    "function": function,
                    "args": list(args),
                    "kwargs": dict(kwargs),
                    # the caller's np.errstate applies in the worker too, so
                    # `with np.errstate(over="raise"): hw.f(x)` means what it says
                    "errstate": {k: str(v) for k, v in np.geterr().items()},
                },
                allow_callables=True,
                keep_layout=True,  # the worker rebuilds each argument's memory layout
                max_bytes=self.limits.max_message_mb * 2**20,
            )
        except wire.WireError as e:
            raise TypeError(f"cannot pass these arguments to hw.{function}(): {e}") from None
        with self._lock:
            self.start()
            if self.import_error is not None:
                raise copy.copy(self.import_error)  # a fresh instance: no growing traceback
            self.stats.calls += 1
            if timeout is None:
                timeout = self.limits.function_timeouts.get(function, self.limits.call_timeout_s)
            t0 = time.monotonic()
            try:
                wire.write_message(self._req_w, request, timeout)
                remaining = max(timeout - (time.monotonic() - t0), 0.001)
                reply = wire.read_message(
                    self._rep_r, remaining, max_bytes=self.limits.max_message_mb * 2**20
                )
            except wire.PipeTimeout:
                self._kill()
                self.stats.timeouts += 1
                raise SubmissionTimeout(
                    function, timeout, _short_repr(function, tuple(args), kwargs)
                ) from None
            except (wire.PipeClosed, BrokenPipeError):
                rc = self._wait_exit()
                self.stats.crashes += 1
                raise WorkerCrashed(function, rc, self._describe_exit(rc)) from None
            except wire.WireError as e:
                self._kill()
                self.stats.crashes += 1
                raise WorkerCrashed(
                    function, None, f"it sent data that is not a valid reply ({e})"
                ) from None
        return self._handle_reply(function, reply, args, kwargs)

    def _disk_hint(self, message: str) -> str:
        """Which disk limit an ``OSError`` of the submission ran into, in plain words."""
        lim = self.limits
        if "[Errno 28]" in message or "[Errno 122]" in message:  # ENOSPC, EDQUOT
            return (f" (the sandbox's disk limit: {lim.tmp_mb} MB and {lim.max_files} files "
                    "in all, in the worker's tmp folder)")
        if "[Errno 27]" in message:  # EFBIG: RLIMIT_FSIZE with SIGXFSZ ignored
            return f" (the sandbox's file size limit: {min(lim.max_file_mb, lim.tmp_mb)} MB)"
        return ""

    def _wait_exit(self) -> int | None:
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        return self._kill()

    def _handle_reply(self, function: str, reply: Any, args: Any, kwargs: dict) -> Any:
        if type(reply) is not dict:
            self._kill()
            raise WorkerCrashed(function, None, "it sent a reply that is not a message")
        mutated = reply.get("mutated")
        if type(mutated) is list:
            mirror_mutations(mutated, args, kwargs)
        if "ok" in reply:
            return reply["ok"]
        kind = reply.get("error")
        message = _str(reply.get("message"))
        exc_type = _str(reply.get("exc_type"), "Exception")
        tb = _lines(reply.get("traceback"))
        if kind == "not_implemented":
            raise NotImplementedBySubmission(function, message, needs=_innermost_function(tb))
        if kind == "missing":
            raise MissingFunction(function)
        if kind == "memory":
            raise SubmissionMemoryError(function, message, tb, self.limits.memory_mb)
        if kind == "raised":
            raise SubmissionRaised(function, exc_type, message + self._disk_hint(message), tb)
        if kind == "bad_return":
            raise BadReturnValue(function, message)
        if kind == "import":
            raise SubmissionImportError(message)
        if kind == "bad_request":
            raise SandboxError(f"the worker rejected the call to {function}(): {message}")
        raise BadReturnValue(function, f"unexpected reply ({kind!r}: {message})")


def _innermost_function(traceback_lines: list[str]) -> str | None:
    """The hw.py function of the innermost frame of a student traceback, if any."""
    names = re.findall(r'File "hw\.py", line \d+, in (\w+)', "".join(traceback_lines))
    return names[-1] if names else None
