"""Landlock: the worker's file system view where it cannot be chrooted (stdlib only).

Where the grader is root but ``chroot`` is not permitted (a container without
``CAP_SYS_CHROOT``), the worker runs the runtime copy by its host path (``uid`` mode).
Landlock (Linux 5.13+, no privilege needed, after ``PR_SET_NO_NEW_PRIVS``) then gives it
the view a chroot would have: it may read and execute only the runtime copy, the system's
shared libraries and its private folder, and create or write files only in its ``tmp``.
The grader's files (solutions, hidden tests, the catalog, results), ``/tmp``,
``/var/tmp`` and ``/dev/shm`` are out of its reach. Where the kernel has no Landlock,
:func:`restrict` says why and the report says the view is the host's.
"""

from __future__ import annotations

import ctypes
import os
import struct

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
#: The rights each ABI version knows (a ruleset handles all of them: denied unless granted).
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
              5: (1 << 16) - 1}
#: Rights that make sense on a file (a rule for a regular file may hold no others).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = EXECUTE | READ_FILE | READ_DIR
WRITE = READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM \
    | MAKE_FIFO | REFER | TRUNCATE
#: System folders the dynamic loader and the C library read (no grader file lives there).
SYSTEM_READ = ("/lib", "/lib32", "/lib64", "/usr/lib", "/usr/lib32", "/usr/lib64",
               "/usr/local/lib", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
               "/etc/localtime", "/usr/share/zoneinfo", "/sys/devices/system/cpu")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI version (0: none)."""
    v = _libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0),
                      ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(v), 0)


def restrict(read: list[str], write: list[str]) -> str | None:
    """Limit this process (and what it execs) to reading ``read`` + :data:`SYSTEM_READ`
    and writing ``write``. Needs ``PR_SET_NO_NEW_PRIVS``. Returns None when in force,
    else why not (no Landlock in this kernel)."""
    abi = abi_version()
    if abi <= 0:
        return f"this kernel has no Landlock ({os.strerror(ctypes.get_errno() or 38)})"
    handled = _FS_BY_ABI.get(abi, _FS_BY_ABI[5])
    attr = struct.pack("=Q", handled)
    if abi >= 4:
        attr += struct.pack("=Q", 0)  # no network rights handled (seccomp does sockets)
    if abi >= 6:
        attr += struct.pack("=Q", 0)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), buf, ctypes.c_size_t(len(attr)),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        err = ctypes.get_errno()
        return f"landlock_create_ruleset: {os.strerror(err)}"
    try:
        for path, rights in ([(p, READ) for p in (*SYSTEM_READ, *read)]
                             + [(p, WRITE) for p in write]
                             + [(p, READ_FILE | WRITE_FILE) for p in DEVICES]):
            _add(ruleset, path, rights & handled)
        if _libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset),
                         ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(ruleset)
    return None


def _add(ruleset: int, path: str, rights: int) -> None:
    """Grant ``rights`` beneath ``path`` (skipped when it does not exist)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
        if _libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset),
                         ctypes.c_int(RULE_PATH_BENEATH), rule, ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_add_rule {path}: {os.strerror(err)}")
    finally:
        os.close(fd)
