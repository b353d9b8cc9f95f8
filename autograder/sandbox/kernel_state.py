"""Kernel state a worker could pass on: keyrings, SysV IPC, files in shared folders.

Stdlib only (the launcher imports it). A worker gets a fresh session keyring
(:func:`join_fresh_session_keyring`, before the syscall filter, which then forbids
keyrings altogether). When a sandbox uid's lease ends (or begins, after a grader that
died), root removes what the uid may have left for the next worker of that uid:
its user keyrings (:func:`clear_user_keyrings`, run as that uid for a moment by this
file as a script, once nothing else runs as it), its SysV IPC objects
(:func:`remove_ipc`) and its files in the world-writable folders (:func:`remove_files`).

    python -I -S -B kernel_state.py --clear-keyrings UID     # as root
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import shutil
import stat
import subprocess
import sys

KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR = 1, 7
KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -4, -5
#: keyctl's number (the generic table: arm64, riscv64; x86_64 has its own).
_KEYCTL = {"x86_64": 250, "i686": 288, "i386": 288}.get(platform.machine(), 219)
IPC_RMID = 0
PR_SET_NO_NEW_PRIVS = 38
#: Folders anyone may write (host paths): what a uid left there is removed with its lease.
SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _keyctl(op: int, *args: int) -> int:
    return int(_libc.syscall(ctypes.c_long(_KEYCTL), ctypes.c_long(op),
                             *[ctypes.c_long(a) for a in args]))


def join_fresh_session_keyring() -> bool:
    """Replace this process's session keyring by a new, empty, anonymous one (what the
    grader's session keyring held is then out of reach). False when the kernel has no
    keyrings (nothing to inherit then either)."""
    return _keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0) >= 0


def clear_user_keyrings(uid: int, timeout: float = 30) -> str | None:
    """As root: empty ``uid``'s user and user-session keyrings (None: done, else why not)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-B", os.path.abspath(__file__), "--clear-keyrings",
             str(uid)], capture_output=True, text=True, timeout=timeout, env={}, cwd="/",
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return None if proc.returncode == 0 else (proc.stderr.strip() or f"exit {proc.returncode}")


def _clear_as(uid: int) -> int:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for ring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
        if _keyctl(KEYCTL_CLEAR, ring) < 0:
            err = ctypes.get_errno()
            if err not in (38, 126):  # ENOSYS, ENOKEY: no keyrings here at all
                print(f"keyctl(CLEAR, {ring}): {os.strerror(err)}", file=sys.stderr)
                return 1
    return 0


def remove_ipc(uid: int) -> int:
    """As root: remove every SysV shared memory segment, message queue and semaphore set
    that ``uid`` owns or created (in this IPC namespace). Returns how many."""
    removed = 0
    for kind, owner_cols, rm in (
        ("shm", (7, 9), lambda i: _libc.shmctl(i, IPC_RMID, None)),
        ("msg", (7, 9), lambda i: _libc.msgctl(i, IPC_RMID, None)),
        ("sem", (4, 6), lambda i: _libc.semctl(i, 0, IPC_RMID)),
    ):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            try:
                if any(int(cols[c]) == uid for c in owner_cols) and rm(int(cols[1])) == 0:
                    removed += 1
            except (IndexError, ValueError):
                continue
    return removed


def remove_files(uid: int, dirs: tuple[str, ...] = SHARED_DIRS, limit: int = 10000) -> int:
    """As root: remove what ``uid`` owns in the world-writable ``dirs`` (and in the
    world-writable folders below them). Links are never followed. Returns how many."""
    removed = 0
    todo = [d for d in dirs if os.path.isdir(d)]
    seen = 0
    while todo and seen < limit:
        top = todo.pop()
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if st.st_uid == uid:
                with contextlib.suppress(OSError):
                    if stat.S_ISDIR(st.st_mode):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)
                    removed += 1
            elif stat.S_ISDIR(st.st_mode) and st.st_mode & 0o002:
                todo.append(entry.path)
    return removed


def scrub_uid(uid: int) -> list[str]:
    """Everything :mod:`kernel_state` removes for a uid whose lease ends; the problems."""
    problems = []
    why = clear_user_keyrings(uid)
    if why:
        problems.append(f"keyrings of uid {uid}: {why}")
    remove_ipc(uid)
    remove_files(uid)
    return problems


if __name__ == "__main__":
    if sys.argv[1:2] == ["--clear-keyrings"] and len(sys.argv) == 3:
        sys.exit(_clear_as(int(sys.argv[2])))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
