"""The trusted side of the sandbox: start, limit, talk to and kill the worker.

``Worker`` owns one worker process for one submission (restarted lazily after a
timeout or a crash); ``SubmissionProxy`` makes it look like the imported module::

    with Worker(Path("hw.py"), [Path("student/tests/testfuncs.py")], Limits()) as w:
        hw = SubmissionProxy(w)
        s = hw.softmax(np.zeros((2, 3)), axis=0)

As root (Gradescope, CI) the worker runs as a dedicated unprivileged uid inside a
chroot jail (:mod:`autograder.sandbox.jail`); as an ordinary user, in the same jail
built with user namespaces; where neither is possible, as the grader's own user only
when that was explicitly allowed (:mod:`autograder.sandbox.isolation`). The trusted
launcher (:mod:`autograder.sandbox.launcher`) sets up each worker: namespaces, mounts,
limits, identity.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox import isolation, memory, wire
from autograder.sandbox.errors import (
    BadReturnValue,
    IsolationUnavailable,
    MissingFunction,
    NotImplementedBySubmission,
    SandboxError,
    SubmissionError,
    SubmissionImportError,
    SubmissionMemoryError,
    SubmissionNotImported,
    SubmissionRaised,
    SubmissionTimeout,
    WorkerCrashed,
    describe_exit,
    printable,
)
from autograder.sandbox.memory import MemoryWatch
from autograder.sandbox.procs import count_user_processes, kill_tree, kill_uid, stat_fields

__all__ = [
    "Limits",
    "SandboxError",
    "SubmissionError",
    "SubmissionProxy",
    "Worker",
    "WorkerStats",
]

HERE = Path(__file__).resolve().parent
TOKEN_VAR = "AUTOGRADER_WORKER_TOKEN"
#: The worker's ``oom_score_adj``: the kernel kills it first when memory runs out, so the
#: grader lives to write results.json.
OOM_SCORE_ADJ = 1000
#: Seconds the trusted launcher may take to set up namespaces and exec the worker.
LAUNCH_TIMEOUT = 30.0


@dataclass
class Limits:
    """Resource limits of one worker (``autograder/assignment.toml`` sets them)."""

    call_timeout_s: float = 10.0
    #: per-function call timeouts that replace ``call_timeout_s`` (e.g. a training loop)
    function_timeouts: dict[str, float] = field(default_factory=dict)
    memory_mb: int = 512
    cpu_s: int = 600
    max_processes: int = 64
    max_file_mb: int = 16
    max_output_kb: int = 64
    tmp_mb: int = 64  # as root: the worker's tmp is a tmpfs of this size (best effort)
    import_timeout_s: float = 30.0
    #: the worker's own start (interpreter, NumPy, namespaces) before it imports hw.py: no
    #: student code runs yet, so a slow or busy machine must not become an engine error
    start_timeout_s: float = 120.0
    max_message_mb: int = 16  # a reply: any right answer is far smaller; bounds the grader


@dataclass
class WorkerStats:
    """Counters for reports."""

    calls: int = 0
    restarts: int = 0
    timeouts: int = 0
    crashes: int = 0
    starts: int = 0
    start_seconds: list[float] = field(default_factory=list)


class _Stream:
    """One worker's output pipe (read end): non-blocking, closed once, under the lock."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.open = True


class OutputCapture:
    """Keeps the head and the tail of everything the worker prints (capped).

    A thread per worker drains its output pipe; :meth:`text` first takes in whatever is
    still in the pipe (the worker flushes before it answers a call, so what a call printed
    is there by then, even when the draining thread is slow on a busy machine).
    """

    def __init__(self, cap_bytes: int) -> None:
        self.half = max(cap_bytes // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.lock = threading.RLock()
        self.threads: list[threading.Thread] = []
        self._streams: list[_Stream] = []

    def feed(self, data: bytes) -> None:
        with self.lock:
            room = self.half - len(self.head)
            if room > 0:
                self.head += data[:room]
                data = data[room:]
            if not data:
                return
            self.tail += data
            excess = len(self.tail) - self.half
            if excess > 0:
                del self.tail[:excess]
                self.dropped += excess

    def _pull(self, stream: _Stream) -> None:
        """Read what ``stream`` holds now (lock held); close it at its end."""
        while stream.open:
            try:
                chunk = os.read(stream.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                stream.open = False
                os.close(stream.fd)
                return
            self.feed(chunk)

    def attach(self, fd: int) -> None:
        """Drain ``fd`` in a daemon thread until EOF (then close it)."""
        os.set_blocking(fd, False)
        stream = _Stream(fd)
        with self.lock:
            self._streams.append(stream)

        def run() -> None:
            while True:
                with contextlib.suppress(OSError, ValueError):
                    select.select([stream.fd], [], [], 0.5)
                with self.lock:
                    if not stream.open:
                        return
                    self._pull(stream)

        t = threading.Thread(target=run, name="autograder-output", daemon=True)
        t.start()
        self.threads.append(t)

    def text(self) -> str:
        with self.lock:
            for stream in self._streams:
                self._pull(stream)
            self._streams = [s for s in self._streams if s.open]
            out = bytes(self.head)
            if self.dropped:
                out += f"\n[... {self.dropped} bytes of output omitted ...]\n".encode()
            out += bytes(self.tail)
        return out.decode("utf-8", errors="replace")


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


def _child_pidfd(pid: int, parent: int) -> int | None:
    """A pidfd for ``pid`` if it is (still) a child of ``parent``, else None.

    Checked after opening, so the pidfd cannot name a process that reused the pid.
    """
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        return None
    fields = stat_fields(pid)
    try:
        if fields is not None and int(fields[1]) == parent:
            return fd
    except (ValueError, IndexError):
        pass
    os.close(fd)
    return None


def _net_kind(pid: int) -> str:
    """``"none (own network namespace)"`` if the worker got its own, else ``"host"``."""
    try:
        if os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net"):
            return "none (own network namespace)"
    except OSError:
        pass
    return "host"


def _tmp_kind(pid: int, tmp: set[str]) -> str:
    """Describe the worker's tmp: a size-limited tmpfs in its own mount namespace, or not."""
    try:
        with open(f"/proc/{pid}/mountinfo") as f:
            for line in f:
                fields = line.split()
                if fields[4] in tmp and " - tmpfs " in line:
                    size = [o for o in line.rsplit(" ", 1)[-1].split(",") if o.startswith("size=")]
                    return f"tmpfs ({size[0] if size else 'no size'})"
    except (OSError, IndexError):
        pass
    return "directory on the host file system (no quota)"


def _str(x: Any, default: str = "") -> str:
    return printable(x[:20000]) if type(x) is str else default


def _lines(x: Any) -> list[str]:
    if type(x) is not list:
        return []
    return [printable(s[:2000]) for s in x[:200] if type(s) is str]


# ----------------------------------------------------------------------------- the worker


class Worker:
    """One sandboxed worker process running one submission.

    ``jail``: ``None`` = automatic (:func:`autograder.sandbox.isolation.automatic_mode`:
    the root jail as root, unless ``AUTOGRADER_NO_JAIL=1`` (debugging only); the user
    namespace jail for an ordinary user; where neither exists, :meth:`start` refuses
    with :class:`IsolationUnavailable` unless ``--unsafe-same-user`` allowed it);
    ``True`` = a jail (root's or the user namespace one), never the grader's own user;
    ``False`` = never: the worker runs as the grader's own user, with the same limits.
    """

    #: The namespaces the root jail asks for (each where the kernel grants it; a container
    #: without ``CAP_SYS_ADMIN`` grants none). The user namespace jail needs them all.
    root_namespaces: tuple[str, ...] = ("pid", "mount", "network", "ipc", "uts")

    def __init__(
        self,
        submission_file: Path,
        support_files: list[Path] | None = None,
        limits: Limits | None = None,
        *,
        jail: bool | None = None,
        python: str | None = None,
    ) -> None:
        self.submission_file = Path(submission_file)
        self.support_files = [Path(p) for p in (support_files or [])]
        self.limits = limits or Limits()
        self.python = python or sys.executable
        if jail is None:
            self.kind = isolation.automatic_mode()
            #: running unjailed was not asked for: refused unless the grader allowed it
            self._needs_consent = self.kind == "same-user" and not isolation.is_root()
        else:
            self.kind = ("root" if isolation.is_root() else "userns") if jail else "same-user"
            self._needs_consent = False
        self.use_jail = self.kind != "same-user"
        self.stats = WorkerStats()
        self.output = OutputCapture(self.limits.max_output_kb * 1024)
        self.import_error: SubmissionImportError | None = None
        self.functions: list[str] = []
        self.jail_note = ""  # how isolation was achieved, for reports
        self._proc: subprocess.Popen | None = None
        self._req_w = -1
        self._rep_r = -1
        self._private: Path | None = None
        #: the private directory as the worker sees it (its path shows in warnings)
        self._private_dir_seen: str | None = None
        self._jail: Any = None
        self._isolation: dict[str, Any] | None = None
        self._token = secrets.token_hex(16)
        self._init_fd: int | None = None  # pidfd of the PID namespace's init
        self._memory: MemoryWatch | None = None
        self._started_once = False
        self._closed = False
        self._lock = threading.RLock()

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> Worker:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """True when a worker process is running and ready for calls."""
        return self._proc is not None and self._proc.poll() is None

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

    def close(self) -> None:
        """Kill the worker and everything the submission started; remove temp files."""
        with self._lock:
            self._closed = True
            self._kill()
            for t in self.output.threads:
                t.join(timeout=2)
            if self._jail is not None:
                self._jail.cleanup()
                self._jail = None
            if self._private is not None:
                shutil.rmtree(self._private, ignore_errors=True)
                self._private = None

    @property
    def isolation(self) -> dict[str, Any]:
        """How the submission is isolated, for results (``extra_data``) and reports.

        ``mode``: ``"chroot"`` (root: jail + dedicated uid), ``"uid"`` (root, chroot not
        permitted: dedicated uid, the grader's world-readable files are visible),
        ``"userns"`` (an ordinary user: the same jail in user namespaces), ``"same-user"``
        (no jail: the submission runs as the grader, with its files and network;
        ``unsafe_same_user`` is then True). ``pid_namespace``: whether the worker had its
        own PID namespace (then nothing it starts can outlive or delay its kill).
        """
        if self._isolation is not None:
            return dict(self._isolation)
        if self._jail is not None:
            chrooted = "chroot" if self._jail.chrooted else "uid"
            mode = "userns" if self._jail.userns else chrooted
            uid: int | None = self._jail.uid
        else:
            mode, uid = "same-user", os.getuid()
        info: dict[str, Any] = {
            "mode": mode,
            "uid": uid,
            "grader_files_hidden": mode in ("chroot", "userns"),
            "network": "host",
            "pid_namespace": False,
            "note": self.jail_note,
        }
        if mode == "same-user":
            info["unsafe_same_user"] = True
        return info

    def output_tail(self) -> str:
        """Everything hw.py printed so far (head and tail, capped at max_output_kb),
        with terminal control characters escaped and the worker's private directory
        shown as nothing (``hw.py:12: RuntimeWarning``: the same on every run)."""
        text = self.output.text()
        if self._private_dir_seen:
            text = text.replace(self._private_dir_seen.rstrip("/") + "/", "")
        return printable(text)

    # -- spawning ---------------------------------------------------------------------

    def _prepare(self) -> tuple[str, str, str, list[str], dict[str, str]]:
        """Build the private dir (or jail). Returns (python, cwd, worker path, paths, env)."""
        numpy_dir = str(Path(np.__file__).resolve().parents[1])
        files = {"worker.py": HERE / "worker.py", "wire.py": HERE / "wire.py"}
        for p in self.support_files:
            files[p.name] = p
        files["hw.py"] = self.submission_file
        if self._needs_consent and not isolation.unsafe_same_user_allowed():
            raise IsolationUnavailable(isolation.refusal())
        if self.use_jail and self._jail is None:
            from autograder.sandbox import jail as jailmod

            build = jailmod.build_jail if self.kind == "root" else jailmod.build_userns_jail
            try:
                self._jail = build(files, python=self.python)
            except Exception as e:
                raise SandboxError(f"could not build the sandbox jail: {e}") from e
            self.jail_note = self._jail.note
        if self._jail is not None:
            j = self._jail
            home = j.inside_private
            env_tmp = j.inside_tmp
            python, worker = j.inside_python, f"{j.inside_private}/worker.py"
            self._private_dir_seen = str(j.inside_private)
            paths = [j.inside_numpy_dir]
        else:
            if self._private is None:
                self._private = Path(tempfile.mkdtemp(prefix="autograder-worker-"))
                for name, src in files.items():
                    shutil.copyfile(src, self._private / name)
                (self._private / "tmp").mkdir()
                self.jail_note = "NO JAIL: the submission runs as the grader's own user"
            home = str(self._private)
            env_tmp = str(self._private / "tmp")
            python, worker = self.python, str(self._private / "worker.py")
            self._private_dir_seen = str(self._private)
            paths = [numpy_dir]
        env = {
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": home,
            "TMPDIR": env_tmp,
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1",
            "VECLIB_MAXIMUM_THREADS": "1",
            TOKEN_VAR: self._token,
        }
        if self._jail is not None:
            env.update(self._jail.extra_env)
        self._isolation = None
        self._isolation = self.isolation
        return python, home, worker, paths, env

    def _launch_spec(self, python: str, cwd: str, argv: list[str], env: dict[str, str],
                     fds: dict[str, int]) -> dict[str, Any]:
        """What the launcher sets up for this worker (see ``launcher.py``)."""
        lim = self.limits
        j = self._jail
        mode = "same-user" if j is None else ("userns" if j.userns else "root")
        nproc = lim.max_processes
        if mode == "same-user":  # RLIMIT_NPROC counts all of this user's processes
            nproc += count_user_processes(os.getuid())
        elif mode == "userns":  # counted per user namespace: the launcher and init too
            nproc += 2
        cpu = (lim.cpu_s, lim.cpu_s + 5)
        return {
            "mode": mode,
            "namespaces": list(self.root_namespaces),
            "parent": os.getpid(),
            "argv": [python, *argv],
            "env": env,
            "cwd": cwd,
            "keep_fds": [fds["req"], fds["rep"]],
            "control_fd": fds["ctl"],
            "root": None if j is None or j.root is None else str(j.root),
            "private": None if j is None else str(j.private),
            "inside_private": None if j is None else j.inside_private,
            "uid": None if j is None else j.uid,
            "gid": None if j is None else j.gid,
            "tmp_mb": lim.tmp_mb,
            "oom_score_adj": OOM_SCORE_ADJ,
            "rlimits": [
                ("RLIMIT_AS", lim.memory_mb * 2**20, lim.memory_mb * 2**20),
                ("RLIMIT_CPU", *cpu),
                ("RLIMIT_NPROC", nproc, nproc),
                ("RLIMIT_FSIZE", lim.max_file_mb * 2**20, lim.max_file_mb * 2**20),
                ("RLIMIT_CORE", 0, 0),
                ("RLIMIT_NOFILE", 256, 256),
            ],
        }

    def _spawn(self) -> None:
        t0 = time.monotonic()
        python, cwd, worker, paths, env = self._prepare()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        ctl_r, ctl_w = os.pipe()
        argv = ["-I", "-S", "-B", worker, str(req_r), str(rep_w), *paths]
        spec = self._launch_spec(
            python, cwd, argv, env, {"req": req_r, "rep": rep_w, "ctl": ctl_w}
        )
        spec_r, spec_w = os.pipe()  # the spec (paths, environment) stays out of `ps`
        os.write(spec_w, json.dumps(spec).encode())  # far below a pipe's buffer
        os.close(spec_w)
        self._memory = MemoryWatch()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", str(isolation.LAUNCHER), str(spec_r)],
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w, ctl_w, spec_r),
                close_fds=True,
                env={},
                cwd="/",
                start_new_session=True,
            )
        except (OSError, subprocess.SubprocessError) as e:
            for fd in (req_w, rep_r, out_r, ctl_r):  # the child's ends are closed below
                os.close(fd)
            raise SandboxError(f"could not start the worker: {e}") from e
        finally:
            for fd in (req_r, rep_w, out_w, ctl_w, spec_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
        os.set_blocking(req_w, False)
        self._req_w, self._rep_r = req_w, rep_r
        self.output.attach(out_r)
        self.stats.starts += 1
        report = self._read_launch_report(ctl_r)
        if self._isolation is not None:
            self._isolation["network"] = _net_kind(self._proc.pid)
            self._isolation["pid_namespace"] = self._init_fd is not None
            if self._jail is not None:
                self._isolation["tmp"] = _tmp_kind(
                    self._proc.pid,
                    {str(self._jail.private / "tmp"), self._jail.inside_tmp,
                     f"{self._jail.runtime}{self._jail.inside_tmp}"},
                )
                if report.get("mount_error"):
                    self._isolation["note"] += f"; no private mounts ({report['mount_error']})"
        self._read_import_report()
        self.stats.start_seconds.append(time.monotonic() - t0)

    def _read_launch_report(self, ctl: int) -> dict[str, Any]:
        """Read the launcher's messages until the worker has exec'd (EOF); adopt the init."""
        data = b""
        deadline = time.monotonic() + LAUNCH_TIMEOUT
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([ctl], [], [], max(deadline - time.monotonic(), 0))
                if not ready:
                    break
                chunk = os.read(ctl, 65536)
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(ctl)
        report: dict[str, Any] = {}
        for line in data.decode("utf-8", "replace").splitlines():
            with contextlib.suppress(ValueError):
                message = json.loads(line)
                if isinstance(message, dict):
                    report.update(message)
        if type(report.get("init")) is int:
            self._init_fd = _child_pidfd(report["init"], self._proc.pid)
        if report.get("error") or not data:
            rc = self._kill()
            why = report.get("error") or f"the launcher said nothing ({describe_exit(rc)})"
            raise SandboxError(
                f"could not start the worker: {why}\n{self.output_tail()[-2000:]}".rstrip()
            )
        return report

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

    def _kill(self) -> int | None:
        """Kill the worker and all it started; return its exit status (if known).

        With a PID namespace, ``SIGKILL`` to its init (by pidfd, from outside) makes the
        kernel kill every process in it: nothing the submission does to signals can stop,
        delay or survive that. Without one, as root, every process of the sandbox uid is
        frozen and killed by pid from outside (:func:`procs.kill_uid`); as the grader's
        own user, the worker's process tree and every process carrying its token.
        """
        proc, self._proc = self._proc, None
        rc = None
        if proc is not None:
            if self._init_fd is not None:
                with contextlib.suppress(OSError):
                    signal.pidfd_send_signal(self._init_fd, signal.SIGKILL)
            if self._jail is not None and not self._jail.userns:
                kill_uid(self._jail.uid)
            elif self._jail is None:
                kill_tree(proc.pid, self._token.encode())
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            try:
                rc = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - the launcher is trusted
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
        if self._init_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._init_fd)
            self._init_fd = None
        for fd in (self._req_w, self._rep_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._req_w = self._rep_r = -1
        return rc

    def _describe_exit(self, rc: int | None) -> str:
        """:func:`describe_exit` with the memory limit that was really hit, if any."""
        oom = self._memory.oom_killed() if self._memory is not None else None
        box = memory.box_limit_mb() if oom else None
        return describe_exit(rc, self.limits.memory_mb, oom_killed=oom, box_mb=box)

    # -- calls ------------------------------------------------------------------------

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
            raise SubmissionRaised(function, exc_type, message, tb)
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


# ----------------------------------------------------------------------------- mirroring


def copy_into(target: Any, new: Any) -> Any:
    """Copy ``new`` into ``target`` in place where possible (arrays of the same shape,
    dicts and lists, recursively); return what the caller should store instead of
    ``target``. The one way the grader puts values back into its own arguments: the
    submission's in-place writes mirrored here, the input guard's restores."""
    if type(target) is np.ndarray and type(new) is np.ndarray:
        if target.shape == new.shape and target.flags.writeable:
            np.copyto(target, new, casting="unsafe")
            return target
        return new
    if isinstance(target, dict) and type(new) is dict:
        for k in [k for k in target if k not in new]:
            del target[k]
        for k, v in new.items():
            target[k] = copy_into(target[k], v) if k in target else v
        return target
    if isinstance(target, list) and type(new) is list:
        keep = min(len(target), len(new))
        merged = [copy_into(target[i], new[i]) for i in range(keep)]
        target[:] = merged + new[keep:]
        return target
    return new


def mirror_mutations(mutated: list, args: Any, kwargs: dict) -> None:
    """Apply the worker's ``mutated`` list (``[[path, value], ...]``) to the caller's args."""
    for entry in mutated[:10000]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not list:
            continue
        path, value = entry
        if not path or path[0] not in ("a", "k"):
            continue
        parent: Any = None
        key: Any = None
        obj: Any = args if path[0] == "a" else kwargs
        ok = True
        for step in path[1:]:
            if (isinstance(obj, (list, tuple)) and type(step) is int and 0 <= step < len(obj)) or (
                isinstance(obj, dict) and type(step) is str and step in obj
            ):
                parent, key, obj = obj, step, obj[step]
            else:
                ok = False
                break
        if not ok or parent is None:
            continue
        merged = copy_into(obj, value)
        if merged is not obj and isinstance(parent, (list, dict)):
            with contextlib.suppress(Exception):
                parent[key] = merged


# ----------------------------------------------------------------------------- the proxy


class _RemoteFunction:
    """``hw.<name>``: calling it calls the submission in the worker."""

    def __init__(self, worker: Worker, name: str) -> None:
        self._worker = worker
        self.__name__ = name
        self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<submitted function hw.{self.__name__}>"


class SubmissionProxy:
    """Looks like the imported ``hw`` module; every call runs in the sandboxed worker."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    @property
    def worker(self) -> Worker:
        """The underlying :class:`Worker`."""
        return self._worker

    @property
    def import_error(self) -> SubmissionImportError | None:
        """``None``, or why hw.py could not be imported."""
        if not self._worker.alive and self._worker.import_error is None:
            with contextlib.suppress(SandboxError):
                self._worker.start()
        return self._worker.import_error

    @property
    def stats(self) -> WorkerStats:
        """Call, restart and timeout counters."""
        return self._worker.stats

    def output_tail(self) -> str:
        """What the submission printed so far (capped)."""
        return self._worker.output_tail()

    def call_with_timeout(
        self, function: str, args: tuple | list, kwargs: dict, timeout: float
    ) -> Any:
        """``hw.<function>(*args, **kwargs)`` with its own time limit (``timeout`` s)."""
        self._check_callable(function)
        return self._worker.call(function, args, kwargs, timeout=timeout)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self._check_callable(name)
        return _RemoteFunction(self._worker, name)

    def _check_callable(self, name: str) -> None:
        """Raise unless the submission was imported and defines the function ``name``."""
        err = self.import_error
        if err is not None:
            raise SubmissionNotImported(err)
        if name not in self._worker.functions:
            raise MissingFunction(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._worker.functions))

    def __repr__(self) -> str:
        return f"<sandboxed submission {self._worker.submission_file}>"
