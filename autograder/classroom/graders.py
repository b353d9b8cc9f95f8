"""How ``autograder grade`` runs one grade: the grader processes and their failures.

Two kinds of grader, both used one submission at a time by one batch thread:

* :class:`PooledGrader` (the default): a long-lived
  ``python -m autograder.classroom.grading_server``
  that grades submission after submission (each in its own sandbox worker), saving the
  interpreter start and imports of every grade. It is replaced by a fresh one when it
  crashes, when a grade exceeds the wall-clock limit, and after ``max_grades`` grades.
* :class:`ProcessGrader`: one process per submission running a command called as
  ``CMD <submission> --results <path>`` (``python -m autograder run`` or a stand-in).

Either way a grade ends as ``(results, status, message)``: ``status`` is ``"graded"``,
``"timeout"`` (the wall-clock limit killed it) or ``"crash"`` (the engine failed or wrote
no valid results.json), and ``results`` is always a valid results.json dict (for a timeout
or a crash, :func:`autograder.grading.results.failure_results`).
Grader processes run in their own sessions; :func:`stop_all` stops every one still
running (an interrupted batch).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from autograder import paths
from autograder.config import TOTAL_POINTS
from autograder.grading.results import failure_results, first_line, read_results

#: Cap on the grader log kept per submission.
LOG_CAP = 200_000
#: A pooled grader is replaced after this many grades (bounds whatever a long run leaks).
MAX_GRADES_PER_PROCESS = 25

GradeOutcome = tuple[dict, str, str]

#: Grader processes running now (they run in their own sessions and do not get the
#: terminal's Ctrl-C, so an interrupted batch stops them with :func:`stop_all`).
_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


class Grader(Protocol):
    """Grades one submission at a time."""

    def grade(self, submission: Path, sub_dir: Path, timeout: float) -> GradeOutcome:
        """Grade ``submission``; keep the engine's log in ``sub_dir/grader.log``."""
        ...

    def close(self) -> None:
        """Stop any process still running."""
        ...


def timeout_outcome(timeout: float) -> GradeOutcome:
    """The outcome of a grade killed by the wall-clock limit."""
    msg = f"grading timed out after {timeout:g} s (wall-clock limit per submission); killed"
    return failure_results(msg, "timeout", max_score=TOTAL_POINTS), "timeout", msg


def grader_env() -> dict[str, str]:
    """The environment of a grader process: this checkout first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(paths.ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def kill_group(proc: subprocess.Popen) -> None:
    """Stop a grader's process group: SIGTERM, then SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_all() -> None:
    """Stop every grader process still running (Ctrl-C or a bug in the batch)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        kill_group(proc)


def _start(cmd: Sequence[str], cwd: Path, **kwargs: object) -> subprocess.Popen:
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=grader_env(), start_new_session=True, **kwargs)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    return proc


def _forget(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


def _tail(path: Path, size: int = 4000) -> str:
    """The last ``size`` bytes of a log file, as text ("" when there is none)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - size))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _cap_log(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_CAP:
            with open(path, "r+b") as f:
                f.truncate(LOG_CAP)


def _read_results(path: Path) -> dict | None:
    """The results.json the engine wrote (removed after reading), or None."""
    data = read_results(path)
    path.unlink(missing_ok=True)
    return data


def _judge(
    data: dict | None, failed: str | None, engine_error: str | None, tail: str
) -> GradeOutcome:
    """The outcome of a finished grade: graded, or a crash with the engine's own words.

    ``failed`` describes how the grader process failed (None when it finished normally).
    """
    if data is not None and failed is None and not engine_error:
        return data, "graded", ""
    what = failed or "the grading engine failed"
    last = tail.splitlines()[-1] if tail else "no output"
    msg = f"{what}: {first_line(str(engine_error)) if engine_error else last}"
    if data is not None:  # the engine failed but said so in a valid results.json
        return data, "crash", msg
    crashed = failure_results(msg, "engine", max_score=TOTAL_POINTS, details=tail[-2000:])
    return crashed, "crash", msg


class ProcessGrader:
    """One fresh process per submission: ``cmd <submission> --results <path>``."""

    def __init__(self, cmd: Sequence[str]) -> None:
        self.cmd = list(cmd)

    def grade(self, submission: Path, sub_dir: Path, timeout: float) -> GradeOutcome:
        """Run the command on ``submission`` (see the module docstring)."""
        # the command runs in a scratch working directory: it gets absolute paths
        submission, sub_dir = submission.resolve(), sub_dir.resolve()
        out = sub_dir / "results.engine.json"
        out.unlink(missing_ok=True)
        log_path = sub_dir / "grader.log"
        # A scratch working directory, so whatever the grader leaves behind (caches)
        # does not end up in the report folder.
        scratch = Path(tempfile.mkdtemp(prefix="autograder-grade-"))
        try:
            with open(log_path, "wb") as log:
                proc = _start(
                    [*self.cmd, str(submission), "--results", str(out)],
                    scratch,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                return timeout_outcome(timeout)
            finally:
                _forget(proc)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        tail = _tail(log_path)
        _cap_log(log_path)
        data = _read_results(out)
        engine_error = (data or {}).get("extra_data", {}).get("engine_error")
        ok = rc == 0 and data is not None
        failed = None if ok else f"the grading engine failed (exit code {rc})"
        return _judge(data, failed, engine_error, tail)

    def close(self) -> None:
        """Nothing outlives a grade here."""


class PooledGrader:
    """A long-lived grading server (:mod:`autograder.classroom.grading_server`), restarted as
    needed.

    ``cmd`` starts the server (default ``python -m autograder.classroom.grading_server``, plus
    ``--config`` when given); its stderr goes to a log file in a scratch folder, whose
    tail explains a crash.
    """

    def __init__(
        self, cmd: Sequence[str] | None = None, max_grades: int = MAX_GRADES_PER_PROCESS
    ) -> None:
        self.cmd = list(cmd or [sys.executable, "-m", "autograder.classroom.grading_server"])
        self.max_grades = max_grades
        self.proc: subprocess.Popen | None = None
        self.grades = 0
        self.starts = 0
        self._scratch = Path(tempfile.mkdtemp(prefix="autograder-server-"))
        self._log = self._scratch / "server.log"
        self._buffer = b""

    def _ensure(self) -> subprocess.Popen:
        if self.proc is not None and (
            self.proc.poll() is not None or self.grades >= self.max_grades
        ):
            self._stop()
        if self.proc is None:
            with open(self._log, "wb") as log:
                self.proc = _start(
                    self.cmd,
                    self._scratch,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                )
            self.grades = 0
            self.starts += 1
            self._buffer = b""
        return self.proc

    def _stop(self, graceful: bool = True) -> None:
        """Stop the server: end its requests and let it exit (``graceful``), or kill it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if graceful:
            with contextlib.suppress(OSError):
                if proc.stdin:
                    proc.stdin.close()  # end of requests: the server exits by itself
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                kill_group(proc)
        else:
            kill_group(proc)
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if pipe:
                    pipe.close()
        _forget(proc)

    def _answer(self, proc: subprocess.Popen, deadline: float) -> dict | str | None:
        """The server's answer line (a dict), "timeout", or None when it died."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def grade(self, submission: Path, sub_dir: Path, timeout: float) -> GradeOutcome:
        """Send ``submission`` to the server; wait at most ``timeout`` seconds."""
        # the server runs in its own working directory: it gets absolute paths
        submission, sub_dir = submission.resolve(), sub_dir.resolve()
        out = sub_dir / "results.engine.json"
        out.unlink(missing_ok=True)
        log_path = sub_dir / "grader.log"
        log_path.unlink(missing_ok=True)
        deadline = time.monotonic() + timeout
        proc = self._ensure()
        request = {"submission": str(submission), "results": str(out), "log": str(log_path)}
        try:
            assert proc.stdin is not None
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
            answer = self._answer(proc, deadline)
        except OSError:  # the server is gone (broken pipe)
            answer = None
        self.grades += 1
        if answer == "timeout":
            self._stop(graceful=False)
            out.unlink(missing_ok=True)
            return timeout_outcome(timeout)
        if answer is None:  # the server died: the next grade gets a fresh one
            rc = proc.poll()
            if rc is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    rc = proc.wait(timeout=2)
            self._stop(graceful=False)
            tail = _tail(self._log, LOG_CAP)
            with contextlib.suppress(OSError):  # the server's own log explains the crash
                log_path.write_text(tail + "\n", encoding="utf-8")
            data = _read_results(out)
            return _judge(data, f"the grading engine failed (exit code {rc})", None, tail)
        _cap_log(log_path)
        assert isinstance(answer, dict)
        data = _read_results(out)
        engine_error = answer.get("engine_error")
        failed = None if answer.get("ok") and data is not None else "the grading engine failed"
        return _judge(data, failed, engine_error, _tail(log_path) or _tail(self._log))

    def close(self) -> None:
        """Stop the server; remove its scratch folder."""
        self._stop()
        shutil.rmtree(self._scratch, ignore_errors=True)
