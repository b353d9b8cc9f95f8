"""Root only: a dedicated unprivileged uid and a chroot jail for the worker.

Why a jail and not just another uid: the grader's files (a git checkout, the unpacked
Gradescope zip) are world-readable, so a separate user could still read the solutions
and hidden tests. And the Python runtime may live under ``/root`` (mode 700), which an
unprivileged user cannot even execute. So the worker runs chrooted into a directory
holding only:

* a copy of the Python runtime (interpreter, libpython, the stdlib minus test suites,
  idlelib, tkinter, ensurepip and site-packages; lib-dynload), NumPy (+ ``numpy.libs``)
  and the shared libraries they load (plus the dynamic loader), all at their original
  absolute paths, hard-linked from a per-version cache (copied when linking fails);
* a writable ``/tmp`` and the private directory with ``worker.py``, ``wire.py``,
  ``testfuncs.py`` and ``hw.py``.

No ``/proc``, no ``/dev`` beyond ``null``/``zero``/``urandom``-less essentials, no
solutions, hidden tests or results.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.procs import kill_uid, user_processes

UID_RANGE = range(61000, 62000)
STATE_DIR = Path(os.environ.get("AUTOGRADER_SANDBOX_DIR", "/var/cache/music-ai-autograder"))


@dataclass
class UidLease:
    """An unused uid, held (via an flock'ed lock file) until :meth:`release`."""

    uid: int
    fd: int

    def release(self) -> None:
        """Kill anything left running as this uid, then free it."""
        if self.fd < 0:
            return
        kill_uid(self.uid, self.uid)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if st.st_uid != 0:
        raise PermissionError(f"{path} is not owned by root")
    os.chmod(path, 0o700)
    return path


def lease_uid() -> UidLease:
    """Pick a uid in 61000-61999 that is not in the passwd database and not leased."""
    locks = _private_dir(STATE_DIR / "uids")
    for uid in UID_RANGE:
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        fd = os.open(locks / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if user_processes(uid):  # leftovers of a grader that died: clean them up
            kill_uid(uid, uid)
        return UidLease(uid, fd)
    raise RuntimeError("no free uid in 61000-61999 for the sandbox")
