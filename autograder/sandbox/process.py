"""Starting, limiting and killing the worker process (the trusted side).

:class:`WorkerProcess` builds the worker's jail (:mod:`.jail`) or private folder, writes
the launcher's spec (namespaces, limits, identity, the syscall filter, the disk limits),
starts the trusted launcher, reads its report and kills everything the submission
started. :class:`autograder.sandbox.calls.Worker` adds the call protocol on top.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox import isolation, memory, syscall_filter
from autograder.sandbox.errors import IsolationUnavailable, SandboxError, describe_exit, printable
from autograder.sandbox.limits import Limits, WorkerStats
from autograder.sandbox.memory import MemoryWatch
from autograder.sandbox.output import OutputCapture
from autograder.sandbox.procs import count_user_processes, kill_tree, kill_uid, stat_fields

HERE = Path(__file__).resolve().parent
TOKEN_VAR = "AUTOGRADER_WORKER_TOKEN"
#: The worker's ``oom_score_adj``: the kernel kills it first when memory runs out, so the
#: grader lives to write results.json.
OOM_SCORE_ADJ = 1000
#: Seconds the trusted launcher may take to set up namespaces and exec the worker.
LAUNCH_TIMEOUT = 30.0


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


def _net_kind(pid: int, syscall_filter_text: str) -> str:
    """The worker's network: its own namespace, none through the filter, or the host's."""
    try:
        if os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net"):
            return "none (own network namespace)"
    except OSError:
        pass
    if syscall_filter_text.startswith("seccomp"):
        return "none (syscall filter: no sockets)"
    return "host"


def _empty(folder: Path) -> None:
    """Remove what ``folder`` holds (links not followed), keeping the folder."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)


class WorkerProcess:
    """One worker process of one submission: its jail, launch, limits and kill.

    ``jail``: see :func:`autograder.sandbox.isolation.worker_kind` (the one rule).
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
        #: "root" | "userns" | "same-user"; consent: running unjailed was not asked for
        self.kind, self._needs_consent = isolation.worker_kind(jail)
        self.use_jail = self.kind != "same-user"
        self.stats = WorkerStats()
        self.output = OutputCapture(self.limits.max_output_kb * 1024)
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
        self._closed = False
        self._lock = threading.RLock()

    @property
    def alive(self) -> bool:
        """True when a worker process is running and ready for calls."""
        return self._proc is not None and self._proc.poll() is None

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
        """How the submission is isolated, for results (``extra_data``) and reports
        (:func:`autograder.sandbox.isolation.describe`: ``mode`` ``chroot`` | ``uid`` |
        ``userns`` | ``same-user``, ``network``, ``syscall_filter``, ``tmp``, ``weaker``...).
        Before the first start: what is planned."""
        if self._isolation is not None:
            return dict(self._isolation)
        chrooted = self._jail is not None and self._jail.chrooted
        uid = self._jail.uid if self._jail is not None else os.getuid()
        return isolation.describe(self.kind, chrooted, uid, {}, "host", self.jail_note)

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
            _empty(j.private / "tmp")  # each start gets an empty tmp, as a tmpfs would be
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
        return python, home, worker, paths, env

    def _launch_spec(self, python: str, cwd: str, argv: list[str], env: dict[str, str],
                     fds: dict[str, int]) -> dict[str, Any]:
        """What the launcher sets up for this worker (see ``launcher.py``)."""
        lim = self.limits
        j = self._jail
        nproc = lim.max_processes
        if self.kind == "same-user":  # RLIMIT_NPROC counts all of this user's processes
            nproc += count_user_processes(os.getuid())
        elif self.kind == "userns":  # counted per user namespace: the launcher and init too
            nproc += 2
        cpu = (lim.cpu_s, lim.cpu_s + 5)
        # one file may fill the whole tmp at most (RLIMIT_FSIZE applies to every file)
        fsize = min(lim.max_file_mb, lim.tmp_mb) * 2**20
        landlock = None
        if j is not None and self.kind == "root" and not j.chrooted:
            landlock = {"read": [str(j.runtime), str(j.private)],
                        "write": [str(j.private / "tmp")]}
        return {
            "mode": self.kind,
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
            "max_files": lim.max_files,
            "seccomp": syscall_filter.library_spec(),
            "landlock": landlock,
            "oom_score_adj": OOM_SCORE_ADJ,
            "rlimits": [
                ("RLIMIT_AS", lim.memory_mb * 2**20, lim.memory_mb * 2**20),
                ("RLIMIT_CPU", *cpu),
                ("RLIMIT_NPROC", nproc, nproc),
                ("RLIMIT_FSIZE", fsize, fsize),
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
        j = self._jail
        note = self.jail_note
        if report.get("mount_error"):
            note += f"; no private mounts ({report['mount_error']})"
        filt = str(report.get("syscall_filter") or "none")
        self._isolation = isolation.describe(
            self.kind, j is not None and j.chrooted, j.uid if j is not None else os.getuid(),
            report, _net_kind(self._proc.pid, filt), note)
        self._read_import_report()
        self.stats.start_seconds.append(time.monotonic() - t0)

    def _read_import_report(self) -> None:  # pragma: no cover - the call protocol's
        raise NotImplementedError

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

    def _disk_limit_hit(self) -> str | None:
        """What the launcher wrote when it killed the worker for its disk use (once)."""
        if self._jail is None:
            return None
        path = Path(str(self._jail.private) + ".limit")
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:300]
        except OSError:
            return None
        with contextlib.suppress(OSError):
            path.unlink()
        return f"killed by the sandbox: {printable(text)}"

    def _describe_exit(self, rc: int | None) -> str:
        """:func:`describe_exit` with the limit that was really hit, if any."""
        disk = self._disk_limit_hit()
        if disk is not None:
            return disk
        oom = self._memory.oom_killed() if self._memory is not None else None
        box = memory.box_limit_mb() if oom else None
        text = describe_exit(rc, self.limits.memory_mb, oom_killed=oom, box_mb=box)
        if "SIGXFSZ" in text:
            text += f" of {min(self.limits.max_file_mb, self.limits.tmp_mb)} MB"
        return text
