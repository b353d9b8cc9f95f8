"""Finding and killing the processes a submission started (Linux ``/proc``).

Standard library only: the trusted launcher (``launcher.py``) imports it too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time


def _proc_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (ppid, uid, state) for every process (from /proc)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
            uid = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2 :].split()
        table[int(entry)] = (int(rest[1]), uid, rest[0])
    return table


def _has_token(pid: int, token: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return token in f.read()
    except OSError:
        return False


def _descendants(root: int, token: bytes | None) -> set[int]:
    """Live processes below ``root`` or carrying the worker's environment token."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    me = os.getpid()
    if token is not None:
        mine = os.getuid()
        for pid, (_, uid, _) in table.items():
            if uid == mine and pid != me and pid not in found and _has_token(pid, token):
                found.add(pid)
    found.add(root)
    return {p for p in found if p in table and table[p][2] != "Z" and p != me}


def kill_tree(root: int, token: bytes | None) -> None:
    """Freeze then SIGKILL ``root``, its descendants and every process with ``token``."""
    frozen: set[int] = set()
    for _ in range(20):
        pids = _descendants(root, token) - frozen
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)
        frozen |= pids
    for pid in frozen:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def user_processes(uid: int) -> list[int]:
    """Live (non-zombie) processes owned by ``uid``."""
    return [p for p, (_, u, state) in _proc_table().items() if u == uid and state != "Z"]


def _stopped(pid: int) -> bool:
    """Whether ``pid`` is stopped, a zombie or gone (it can no longer run)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :][:1] in ("T", "t", "Z", "X")


def kill_uid(uid: int, timeout: float = 10.0) -> bool:
    """Kill every process of ``uid`` from outside (needs root); True when none is left.

    Never runs anything as ``uid``: a process of the submission could stop such a helper
    (``kill(-1, SIGSTOP)`` reaches every process of its uid) and freeze the grade. Root
    signals each process by pid, which no process of ``uid`` can block or delay: first
    ``SIGSTOP`` to every one, scan again until none is runnable (a process forked in the
    meantime is found and stopped in the next scan), then ``SIGKILL`` to all, repeated
    until none is left. Forks are capped by the sandbox's ``RLIMIT_NPROC``, so this ends.
    """
    deadline = time.monotonic() + timeout
    while True:
        pids = user_processes(uid)
        if not pids:
            return True
        frozen: set[int] = set()
        freeze_until = min(deadline, time.monotonic() + 1.0)  # a process in D state may
        while time.monotonic() < freeze_until:  # not stop at once: SIGKILL reaches it anyway
            for pid in set(pids) - frozen:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGSTOP)
            frozen |= set(pids)
            pids = user_processes(uid)
            if set(pids) <= frozen and all(_stopped(p) for p in pids):
                break
            time.sleep(0.001)
        for pid in frozen | set(user_processes(uid)):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() >= deadline:
            return not user_processes(uid)
        time.sleep(0.002)


def count_user_processes(uid: int) -> int:
    """How many processes (zombies included: they count for RLIMIT_NPROC) ``uid`` has."""
    try:
        return sum(1 for _, (_, u, _) in _proc_table().items() if u == uid)
    except OSError:
        return 0
