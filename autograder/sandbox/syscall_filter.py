"""The worker's syscall filter (seccomp), built with libseccomp through ``pyseccomp``.

Stdlib only at import (the launcher runs as ``python -I -S -B`` without site-packages):
``pyseccomp`` (a pure-Python ctypes binding of ``libseccomp.so.2``, API-compatible with
libseccomp's own Python bindings, which are not on PyPI) is loaded from the file the
grader names (:func:`library_spec`), and ``libseccomp.so.2`` from the path the grader
resolved, so neither a search path nor ``ldconfig`` is needed in the launcher.

The filter allows everything except what no NumPy homework needs and what would cross
the jail (each denied call fails with ``EPERM``, so Python raises ``PermissionError``):

* sockets: none but ``AF_UNIX``, and not even those where the worker shares the host's
  network namespace or file system (its abstract and path sockets would reach the
  host's daemons); ``socketpair`` stays (a local pipe);
* kernel keyrings (``keyctl``, ``add_key``, ``request_key``), SysV IPC and POSIX
  message queues (state that outlives the worker);
* tracing and other processes' memory (``ptrace``, ``process_vm_readv/writev``,
  ``pidfd_getfd``, ``kcmp``), ``perf_event_open``, ``bpf``, ``userfaultfd``,
  ``io_uring``;
* namespaces and mounts (``unshare``, ``setns``, ``clone`` with a namespace flag,
  ``mount`` and the new mount API, ``umount2``, ``pivot_root``, ``chroot``), modules,
  ``kexec``, ``reboot``, swap, clocks, quotas, file handles.

``clone3`` fails with ``ENOSYS`` (its flags sit in memory a filter cannot read), so the
C library falls back to ``clone``, whose flags the filter checks. Calls of another
architecture (32-bit ``int 0x80``, x32) kill the process (libseccomp's bad-arch action).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import importlib.util
import sys
from typing import Any

#: Denied with EPERM in every mode.
DENIED = (
    # kernel state that outlives the worker or is shared with the grader
    "keyctl", "add_key", "request_key",
    "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # other processes, the kernel's insides
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd",
    "kcmp", "perf_event_open", "bpf", "userfaultfd", "lookup_dcookie", "syslog",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "fanotify_init", "name_to_handle_at", "open_by_handle_at",
    # namespaces, mounts, the root
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "mount_setattr",
    "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount",
    # the machine
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "iopl", "ioperm",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
    "setdomainname", "vhangup", "uselib", "_sysctl", "nfsservctl",
)
CLONE_NAMESPACES = {
    "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
AF_UNIX = 1


@functools.lru_cache(maxsize=1)
def library_spec() -> dict[str, str] | None:
    """Where the grader finds ``pyseccomp`` and ``libseccomp.so.2`` (for the launch spec),
    or None when either is missing (then the worker runs without a syscall filter)."""
    spec = importlib.util.find_spec("pyseccomp")
    lib = ctypes.util.find_library("seccomp")
    libc = ctypes.util.find_library("c")
    if spec is None or spec.origin is None or lib is None or libc is None:
        return None
    return {"module": spec.origin, "libseccomp": lib, "libc": libc}


def unavailable_reason() -> str | None:
    """Why no syscall filter can be installed here (None: it can)."""
    if sys.platform != "linux":
        return f"{sys.platform} has no seccomp"
    if importlib.util.find_spec("pyseccomp") is None:
        return "the pyseccomp package is not installed"
    if ctypes.util.find_library("seccomp") is None:
        return "libseccomp.so.2 is not installed (apt-get install libseccomp2)"
    return None


def load_pyseccomp(spec: dict[str, str]) -> Any:
    """Import ``pyseccomp`` from ``spec["module"]``, binding the exact libraries named."""
    real = ctypes.util.find_library
    names = {"seccomp": spec["libseccomp"], "c": spec["libc"]}
    ctypes.util.find_library = lambda name: names.get(name) or real(name)  # type: ignore
    try:
        module_spec = importlib.util.spec_from_file_location("pyseccomp", spec["module"])
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load pyseccomp from {spec['module']}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module
    finally:
        ctypes.util.find_library = real


def build(seccomp: Any, *, unix_sockets: bool) -> Any:
    """The worker's filter (a ``pyseccomp.SyscallFilter``, not loaded yet).

    ``unix_sockets``: whether ``socket(AF_UNIX, ...)`` is allowed (only where the worker
    has its own network namespace and file system view).
    """
    f = seccomp.SyscallFilter(seccomp.ALLOW)
    eperm = seccomp.ERRNO(errno.EPERM)

    def resolve(name: str) -> int | None:
        nr = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
        return nr if isinstance(nr, int) and nr >= 0 else None  # unknown on this arch

    for name in DENIED:
        nr = resolve(name)
        if nr is None:
            continue
        f.add_rule(eperm, nr)
    if unix_sockets:
        f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
                   seccomp.Arg(0, seccomp.NE, AF_UNIX))
    else:
        f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket")
    f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socketpair",
               seccomp.Arg(0, seccomp.NE, AF_UNIX))
    for flag in CLONE_NAMESPACES.values():
        f.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    nr = resolve("clone3")
    if nr is not None:
        f.add_rule(seccomp.ERRNO(errno.ENOSYS), nr)
    return f


def prepare(spec: dict[str, str] | None, *, unix_sockets: bool) -> tuple[Any, str]:
    """The filter to load just before ``execve`` and a description for the report.

    Built before the launcher chroots (the libraries are then still reachable): loading it
    later needs no file. Returns ``(None, why)`` when no filter can be built.
    """
    if spec is None:
        return None, "none (pyseccomp or libseccomp.so.2 missing)"
    try:
        seccomp = load_pyseccomp(spec)
        f = build(seccomp, unix_sockets=unix_sockets)
    except (OSError, ImportError, RuntimeError, ValueError, AttributeError) as exc:
        return None, f"none ({type(exc).__name__}: {exc})"
    # kept alive with its library: the filter object frees its context when collected
    f._autograder_module = seccomp  # type: ignore[attr-defined]
    what = "no sockets but AF_UNIX" if unix_sockets else "no sockets"
    return f, f"seccomp ({what}, no keyrings, no IPC, no tracing, no namespaces or mounts)"


def install(f: Any) -> None:
    """Load ``f`` into this process (after ``PR_SET_NO_NEW_PRIVS``); raises OSError."""
    f.load()


__all__ = ["DENIED", "build", "install", "library_spec", "prepare", "unavailable_reason"]
