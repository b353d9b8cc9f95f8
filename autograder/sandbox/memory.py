"""Which memory limit stopped a worker: its own, or the machine's (the kernel's OOM killer).

The worker has an address-space limit (``RLIMIT_AS`` = ``[limits] memory_mb``): past it an
allocation fails and the submission gets a ``MemoryError`` (or, in native code, often a
crash). The box the grader runs in may have less memory than that limit leaves room for
(Gradescope's default container: 768 MB for the grader and the worker together): then the
kernel's out-of-memory killer ends the worker with ``SIGKILL`` (its ``oom_score_adj`` is
1000, so it goes first and the grader lives to write results.json). A ``SIGKILL`` alone
does not say which: the OOM-kill counter of the grader's cgroup (or of the machine) does.
"""

from __future__ import annotations

import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _cgroup_paths() -> dict[str, str]:
    """``{controller: path}`` of this process (``""`` is the cgroup v2 entry)."""
    out: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(",") if controllers else [""]:
                    out[name] = path
    except (OSError, ValueError):
        pass
    return out


def _v1_memory_dir() -> Path | None:
    path = _cgroup_paths().get("memory")
    if path is None:
        return None
    d = CGROUP_ROOT / "memory" / path.lstrip("/")
    return d if d.is_dir() else None


def _v2_dir() -> Path | None:
    path = _cgroup_paths().get("")
    if path is None:
        return None
    for mount in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        d = mount / path.lstrip("/")
        if (d / "memory.events").is_file():
            return d
    return None


def _field(path: Path, name: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except (OSError, ValueError):
        pass
    return None


def oom_kills() -> int | None:
    """How many processes the OOM killer has killed in this grader's cgroup (v2
    ``memory.events``, v1 ``memory.oom_control``), else on the machine (``/proc/vmstat``)."""
    v2 = _v2_dir()
    if v2 is not None:
        count = _field(v2 / "memory.events", "oom_kill")
        if count is not None:
            return count
    v1 = _v1_memory_dir()
    if v1 is not None:
        count = _field(v1 / "memory.oom_control", "oom_kill")
        if count is not None:
            return count
    return _field(Path("/proc/vmstat"), "oom_kill")


def _physical_mb() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (ValueError, OSError):
        return None


def box_limit_mb() -> int | None:
    """The memory limit of the box this grader runs in (its cgroup, ancestors included),
    in MB; None when there is none below the machine's memory."""
    limits: list[int] = []
    v2 = _v2_dir()
    if v2 is not None:
        d = v2
        while d != d.parent and str(d).startswith(str(CGROUP_ROOT)):
            try:
                text = (d / "memory.max").read_text().strip()
                if text != "max":
                    limits.append(int(text) // 2**20)
            except (OSError, ValueError):
                pass
            d = d.parent
    v1 = _v1_memory_dir()
    if v1 is not None:
        value = _field(v1 / "memory.stat", "hierarchical_memory_limit")
        if value is not None:
            limits.append(value // 2**20)
    physical = _physical_mb()
    limits = [m for m in limits if physical is None or m < physical]
    return min(limits) if limits else None


class MemoryWatch:
    """Notes the OOM-kill counter when a worker starts; :meth:`oom_killed` tells whether the
    kernel's OOM killer has killed something since (None: this system does not say)."""

    def __init__(self) -> None:
        self.start = oom_kills()

    def oom_killed(self) -> bool | None:
        """Whether an OOM kill happened since the start (None when unknown)."""
        now = oom_kills()
        if self.start is None or now is None:
            return None
        return now > self.start
