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
        fields = stat_fields(int(entry))
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        if fields is not None:
            table[int(entry)] = (int(fields[1]), uid, fields[0])
    return table


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, ...);
    None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


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


def _user_states(uid: int) -> dict[int, str]:
    """pid -> state of the live (non-zombie) processes owned by ``uid``."""
    return {p: state for p, (_, u, state) in _proc_table().items() if u == uid and state != "Z"}


def user_processes(uid: int) -> list[int]:
    """Live (non-zombie) processes owned by ``uid``."""
    return list(_user_states(uid))


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
            states = _user_states(uid)  # stopped ("T", "t") or dead ("X"): cannot run
            pids = list(states)
            if set(pids) <= frozen and all(state in ("T", "t", "X") for state in states.values()):
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
