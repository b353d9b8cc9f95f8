"""Which isolation the sandbox gives a worker on this machine, and when it refuses.

=============  =====================================================================
mode           when
=============  =====================================================================
``chroot``     the grader is root (Gradescope, CI, a container): a dedicated uid in a
               chroot jail, own PID/mount/network namespaces where the kernel allows
``uid``        root, but ``chroot`` is not permitted: a dedicated uid only
``userns``     an ordinary user whose kernel allows user namespaces: the same jail
               built with user, PID, mount and network namespaces (no root needed)
``same-user``  neither: the submission runs as the grader, with its files and network.
               Refused unless the grader says so (``--unsafe-same-user``, which sets
               :data:`UNSAFE_ENV` for the grading processes), or for debugging as root
               with ``AUTOGRADER_NO_JAIL=1``
=============  =====================================================================

Every mode also gets the syscall filter (:mod:`.syscall_filter`: no sockets but local
ones, no keyrings, IPC, tracing, namespaces or mounts), a fresh session keyring and a
bounded disk. :func:`worker_kind` is THE rule of which jail a ``Worker`` gets and
:func:`reported_mode` what results.json calls it; :func:`describe` builds
``extra_data.isolation``, whose ``weaker`` says in plain words what a weaker mode lacks.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from autograder.sandbox.errors import IsolationUnavailable

__all__ = [
    "LAUNCHER",
    "NO_JAIL_ENV",
    "UNSAFE_ENV",
    "IsolationUnavailable",
    "automatic_mode",
    "check_allowed",
    "consent",
    "describe",
    "planned",
    "refusal",
    "reported_mode",
    "uid_switch_probe",
    "unsafe_same_user_allowed",
    "userns_probe",
    "worker_kind",
]

LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
#: Set to "1" by ``--unsafe-same-user``: the grader accepts running student code as itself.
UNSAFE_ENV = "AUTOGRADER_UNSAFE_SAME_USER"
#: Set to "1" (as root, debugging the engine only): no jail, the worker runs as root.
NO_JAIL_ENV = "AUTOGRADER_NO_JAIL"


def is_root() -> bool:
    """Whether this grader runs as root (and so can build the root jail)."""
    return os.geteuid() == 0


def jail_disabled() -> bool:
    """Whether ``AUTOGRADER_NO_JAIL`` turns the jail off (root, debugging only)."""
    return os.environ.get(NO_JAIL_ENV, "") not in ("", "0")


def unsafe_same_user_allowed() -> bool:
    """Whether the grader accepted running submissions as itself (``--unsafe-same-user``)."""
    return os.environ.get(UNSAFE_ENV, "") == "1"


@functools.lru_cache(maxsize=1)
def userns_probe() -> str | None:
    """None when this user can build the ``userns`` jail here, else why not (cached).

    Runs the launcher's own probe (user, PID, mount and network namespaces, a tmpfs, a
    read-only bind mount and a chroot) in a child process: a kernel or a security module
    that allows one step and refuses the next is found out here, not in a grade.
    """
    if sys.platform != "linux":
        return f"{sys.platform} has no Linux namespaces"
    try:
        probe = subprocess.run(
            [sys.executable, "-I", "-S", "-B", str(LAUNCHER), "--probe-userns"],
            capture_output=True, text=True, timeout=30, env={}, check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the probe could not run ({exc})"
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]


def automatic_mode() -> str:
    """The kind of jail a worker gets here: ``"root"``, ``"userns"`` or ``"same-user"``."""
    if is_root():
        return "same-user" if jail_disabled() else "root"
    return "userns" if userns_probe() is None else "same-user"


def worker_kind(jail: bool | None) -> tuple[str, bool]:
    """The jail a ``Worker(jail=...)`` gets: ``("root" | "userns" | "same-user", consent)``.

    ``jail=None``: :func:`automatic_mode`; ``consent`` is True when that is the grader's
    own user without root (refused unless ``--unsafe-same-user``). ``True``: a jail
    (root's or the user namespace one), never the grader's own user. ``False``: none.
    """
    if jail is None:
        kind = automatic_mode()
        return kind, kind == "same-user" and not is_root()
    if jail:
        return ("root" if is_root() else "userns"), False
    return "same-user", False


def reported_mode(kind: str, chrooted: bool) -> str:
    """What results.json calls a worker of ``kind``: ``chroot`` or ``uid`` (root, chroot
    refused), ``userns``, ``same-user``."""
    if kind == "root":
        return "chroot" if chrooted else "uid"
    return kind


#: What each weaker part of the isolation means, in plain words (results.json, summary).
_PLAIN = {
    "uid": "no chroot (not permitted here): student code ran as its own user, with the "
           "host's file system in view",
    "same-user": "NO SANDBOX: student code ran as the grader's own user, with its files",
    "network": "no network namespace, so the syscall filter alone kept it off the network",
    "no_filter": "no syscall filter",
    "tmp": "no private tmpfs: its disk use was watched instead",
    "host_view": "no Landlock either: it could read the host's world-readable files (the "
                 "autograder's own are closed to other users on Gradescope)",
    "landlock": "Landlock limited that view to the runtime copy and its own folder",
}


def describe(kind: str, chrooted: bool, uid: int, report: dict[str, Any],
             network: str, note: str) -> dict[str, Any]:
    """``extra_data.isolation`` of a worker of ``kind`` after its launch ``report``
    (the launcher's: namespaces, tmp, syscall_filter, landlock)."""
    mode = reported_mode(kind, chrooted)
    filt = str(report.get("syscall_filter") or "none")
    landlocked = report.get("landlock") == "in force"
    info: dict[str, Any] = {
        "mode": mode,
        "uid": uid,
        "grader_files_hidden": mode in ("chroot", "userns") or landlocked,
        "network": network,
        "pid_namespace": bool(report.get("init")),
        "syscall_filter": filt,
        "note": note,
    }
    if report.get("tmp"):
        info["tmp"] = report["tmp"]
    if mode == "uid":
        info["file_view"] = ("Landlock: the runtime copy and its own folder only" if landlocked
                             else f"the host's ({report.get('landlock') or 'no Landlock'})")
    if mode == "same-user":
        info["unsafe_same_user"] = True
    weaker = []
    if mode in ("uid", "same-user"):
        weaker.append(_PLAIN[mode])
    if mode == "uid":
        weaker.append(_PLAIN["landlock"] if landlocked else _PLAIN["host_view"])
    if not filt.startswith("seccomp"):
        weaker.append(f"{_PLAIN['no_filter']} ({filt})")
        if network == "host":
            weaker.append("it could open network connections")
    elif network.startswith("none (syscall filter"):
        weaker.append(_PLAIN["network"])
    if mode != "same-user" and not str(info.get("tmp", "")).startswith("tmpfs"):
        weaker.append(_PLAIN["tmp"])
    if weaker:
        info["weaker"] = "weaker isolation: " + "; ".join(weaker)
    return info


@functools.lru_cache(maxsize=1)
def uid_switch_probe() -> str | None:
    """As root: None when a worker can be given another uid here, else why not (cached)."""
    if not is_root():
        return "the grader is not root"
    code = ("import os; os.setgroups([]); os.setgid(61999); os.setuid(61999); "
            "assert os.getuid() == 61999")
    try:
        probe = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                               text=True, timeout=30, env={}, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the probe could not run ({exc})"
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]


def refusal() -> str:
    """Why no submission is run here, and what to do (for the command line)."""
    return (
        "refusing to run student code: no sandbox is possible here. This grader is not "
        "root, and this system does not let an ordinary user create user namespaces "
        f"({userns_probe()}), so a submission would run as you, with your files "
        "(SSH keys, the solutions) and your network. Do one of these: grade as root in "
        "a container (e.g. docker run --rm -v \"$PWD\":/work python:3.11 ...), as "
        "Gradescope does; enable unprivileged user namespaces (sysctl "
        "user.max_user_namespaces=10000; on Ubuntu also "
        "kernel.apparmor_restrict_unprivileged_userns=0); or, only for code you trust, "
        "pass --unsafe-same-user (every results.json and report will say so)."
    )


def check_allowed() -> None:
    """Raise :class:`IsolationUnavailable` (message: :func:`refusal`) when submissions
    would run unjailed as this user without ``--unsafe-same-user``."""
    if automatic_mode() == "same-user" and not is_root() and not unsafe_same_user_allowed():
        raise IsolationUnavailable(refusal())


def consent(unsafe_same_user: bool) -> str | None:
    """``--unsafe-same-user`` of ``run`` and ``grade``: recorded in the environment (so the
    grading processes this one starts inherit it); returns the refusal when no sandbox is
    possible here and the flag was not given, else None."""
    if unsafe_same_user:
        os.environ[UNSAFE_ENV] = "1"
    try:
        check_allowed()
    except IsolationUnavailable as exc:
        return str(exc)
    return None


def planned() -> dict[str, object]:
    """The isolation a worker would get here (for a results.json whose submission never
    ran: no hw.py found, or the sandbox refused)."""
    kind = automatic_mode()
    chrooted = False
    if kind == "root":
        from autograder.sandbox.jail import chroot_permitted

        chrooted = chroot_permitted(Path("/"))
    mode = reported_mode(kind, chrooted)
    info: dict[str, object] = {"mode": mode, "planned": True}
    if mode == "same-user":
        info["unsafe_same_user"] = True
    if mode in ("uid", "same-user"):
        info["weaker"] = "weaker isolation: " + _PLAIN[mode]
    return info
