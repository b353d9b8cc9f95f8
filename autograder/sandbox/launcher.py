"""Trusted launcher of the sandbox worker: namespaces, mounts, limits, identity, then exec.

Run by the grader (never imported by it) as::

    python -I -S -B launcher.py SPEC_FD          # start one worker (JSON spec on that fd)
    python -I -S -B launcher.py --probe-userns   # can this user jail without root?

It replaces a ``preexec_fn`` (Python code between ``fork`` and ``exec`` of a threaded
grader, which Python documents as unsafe): the grader starts this script with a plain
``subprocess.Popen``, and everything that must happen before the submission runs happens
here, in a fresh single-threaded interpreter. It imports only the standard library and
the stdlib-only modules beside it (``procs``, ``syscall_filter``, ``landlock``,
``kernel_state``; ``pyseccomp`` from the file the spec names); nothing of the
``autograder`` package.

What it does (the spec is written by ``client.py`` into a pipe; ``mode`` is one of ``root``,
``userns``, ``same-user``):

1. dies with the grader (``PR_SET_PDEATHSIG``) and never dumps core;
2. ``unshare``: as root a new PID, mount, network, IPC and UTS namespace (each one best
   effort: a container without ``CAP_SYS_ADMIN`` refuses them); in ``userns`` mode the
   same plus a new user namespace in which the grader's uid is ``SPEC["uid"]`` (all of
   them mandatory);
3. mounts, in its private mount namespace: the jail's runtime read-only, a tmpfs over
   ``w/`` that holds only this worker's private folder (read-only), and a size-capped
   tmpfs as its ``tmp/``;
4. with a PID namespace, forks the namespace's init (PID 1, :func:`_init`), which forks
   the worker and reaps orphans; when the worker ends the init exits and the kernel kills
   every process left in the namespace. Killing the init from outside does the same:
   nothing inside can stop, delay or survive it. Without a PID namespace (root in a
   container), it stays as a root guardian that reaps orphans and, when the worker ends
   or the grader dies, freezes and kills every process of the sandbox uid from outside;
   Where the worker's ``tmp`` is no tmpfs (no mount namespace), the init or guardian
   watches it: past ``tmp_mb`` bytes or ``max_files`` entries it kills the worker and
   writes why into ``limit_file``;
5. the worker (:func:`_exec_worker`): resource limits, ``oom_score_adj`` 1000 (the
   kernel's first victim), ``chroot``, drop to the sandbox uid (root) or keep the mapped
   uid without capabilities (``userns``), a fresh session keyring, no new privileges,
   Landlock where there is no chroot (``uid`` mode), the syscall filter (built before the
   chroot, loaded last), then ``execve``.

The grader learns what was set up from the control pipe (one JSON line per message, EOF
once the worker has exec'd): ``{"init": pid, "namespaces": [...], ...}`` or
``{"error": "..."}``. This launcher's exit status is the worker's (a worker killed by
signal N makes it die of signal N too), so ``Popen.returncode`` describes the worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import time
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24
#: statvfs flags -> mount flags that a bind remount must keep (the kernel locks them)
_LOCKED = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)
NAMESPACES = {"pid": CLONE_NEWPID, "mount": CLONE_NEWNS, "network": CLONE_NEWNET,
              "ipc": CLONE_NEWIPC, "uts": CLONE_NEWUTS}

_libc = ctypes.CDLL(None, use_errno=True)
kernel_state: Any = None  # the modules beside this file, imported by launch()
landlock: Any = None
syscall_filter: Any = None


class LaunchError(Exception):
    """A step that must succeed did not (reported to the grader, which refuses to go on)."""


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise LaunchError(f"{what}: {os.strerror(err)} (errno {err})")


def _prctl(option: int, arg: int) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0)


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> int:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    return _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


def _send(fd: int, message: dict) -> None:
    if fd >= 0:
        with contextlib.suppress(OSError):
            os.write(fd, (json.dumps(message) + "\n").encode())


# ----------------------------------------------------------------------------- namespaces


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _enter_userns(uid: int, gid: int) -> None:
    """A new user namespace (plus every other kind) where the grader's uid is ``uid``."""
    outer_uid, outer_gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWUSER | sum(NAMESPACES.values())
    _check(_libc.unshare(flags), "unshare(user, pid, mount, network, ipc, uts namespaces)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {outer_uid} 1\n")
    _write("/proc/self/gid_map", f"{gid} {outer_gid} 1\n")


def _enter_namespaces(wanted: list[str]) -> list[str]:
    """As root: each ``wanted`` namespace the kernel grants (a container may refuse some)."""
    got = []
    for name, flag in NAMESPACES.items():
        if name in wanted and _libc.unshare(flag) == 0:
            got.append(name)
    return got


# ----------------------------------------------------------------------------- mounts


def _locked_flags(path: str) -> int:
    flags = os.statvfs(path).f_flag
    return sum(ms for st, ms in _LOCKED if flags & st)


def _bind_readonly(source: str, target: str, recursive: bool = False) -> None:
    _check(_mount(source, target, None, MS_BIND | (MS_REC if recursive else 0)),
           f"bind mount {source}")
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | _locked_flags(target)
    _check(_mount(None, target, None, flags), f"read-only remount of {target}")


def _mount_jail(spec: dict) -> str:
    """The worker's view of the file system (in its own mount namespace).

    ``root`` (the shared runtime) read-only; a small read-only tmpfs over ``root/w`` with
    only this worker's private folder (read-only) in it, so that no other worker's folder
    exists in its view; a size-capped tmpfs as its ``tmp``. Returns a description of tmp.
    """
    _check(_mount(None, "/", None, MS_REC | MS_PRIVATE), "make / private")
    root, private, inside = spec.get("root"), spec["private"], spec.get("inside_private")
    tmp_opts = (f"size={spec['tmp_mb']}m,nr_inodes={spec['max_files'] + 1},mode=0700,"
                f"uid={spec['uid']},gid={spec['gid']}")
    hard = MS_NOSUID | MS_NODEV | MS_NOEXEC
    if root is None:  # no chroot: only the tmpfs tmp
        _check(_mount("tmpfs", private + "/tmp", "tmpfs", hard, tmp_opts), "tmpfs tmp")
        return f"tmpfs (size={spec['tmp_mb']}m, {spec['max_files']} files)"
    # the private folder may lie under root/w, which the tmpfs below hides: hold it by fd
    held = os.open(private, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        _bind_readonly(root, root, recursive=True)
        w = root + "/w"
        _check(_mount("tmpfs", w, "tmpfs", hard, "size=64k,mode=0711"), "tmpfs over w/")
        target = root + inside
        os.mkdir(target, 0o755)
        _bind_readonly(f"/proc/self/fd/{held}", target)
        _check(_mount("tmpfs", target + "/tmp", "tmpfs", hard, tmp_opts), "tmpfs tmp")
        _check(_mount(None, w, None, MS_REMOUNT | MS_RDONLY | hard), "read-only w/")
    finally:
        os.close(held)
    return f"tmpfs (size={spec['tmp_mb']}m, {spec['max_files']} files)"


def _unmount_jail(spec: dict) -> None:
    """Undo a half-done :func:`_mount_jail` (root keeps going without the mounts)."""
    for path in (spec.get("root"), spec["private"] + "/tmp"):
        if path:
            _libc.umount2(path.encode(), 2)  # MNT_DETACH: with everything mounted below


# ----------------------------------------------------------------------------- the worker


def _drop_capabilities() -> None:
    for cap in range(64):
        if _prctl(PR_CAPBSET_DROP, cap) != 0:
            break


#: The syscall filter built by :func:`launch` (None: unavailable; see the report).
_FILTER: object | None = None


def _harden(spec: dict, ctl: int) -> None:
    """After the identity change: a fresh session keyring, Landlock (``uid`` mode), the
    syscall filter. What could not be had is reported on the control pipe."""
    if not kernel_state.join_fresh_session_keyring():
        _send(ctl, {"keyring": "the kernel has no keyrings"})
    view = spec.get("landlock")
    if view is not None:
        why = landlock.restrict(view["read"], view["write"])
        _send(ctl, {"landlock": why or "in force"})
    if _FILTER is not None:
        try:
            syscall_filter.install(_FILTER)
        except OSError as exc:
            _send(ctl, {"syscall_filter": f"none (loading it failed: {exc})"})


def _exec_worker(spec: dict, ctl: int) -> None:
    """In the worker's process: limits, jail, identity, exec. Never returns."""
    try:
        for fd in spec["keep_fds"]:
            os.set_inheritable(fd, True)
        with open("/proc/self/oom_score_adj", "w") as f:  # the kernel's first victim
            f.write(str(spec["oom_score_adj"]))
        for name, soft, hard in spec["rlimits"]:
            res = getattr(resource, name)
            try:
                resource.setrlimit(res, (soft, hard))
            except (ValueError, OSError):
                if name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU"):
                    raise
        if spec.get("root") is not None:
            os.chroot(spec["root"])
        os.chdir(spec["cwd"])
        if spec["mode"] == "root":
            os.setgroups([])
            os.setgid(spec["gid"])
            os.setuid(spec["uid"])
        elif spec["mode"] == "userns":
            _drop_capabilities()
        if _prctl(PR_SET_NO_NEW_PRIVS, 1) != 0:  # no setuid binaries, ever
            raise LaunchError("prctl(PR_SET_NO_NEW_PRIVS) failed")
        _harden(spec, ctl)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
        os.umask(0o077)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.execve(spec["argv"][0], spec["argv"], spec["env"])
    except BaseException as exc:
        _send(ctl, {"error": f"starting the worker failed: {type(exc).__name__}: {exc}"})
    os._exit(127)


def _status_message(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


def _mirror(message: str) -> None:
    """End this process the way the worker ended (``exit N`` or ``signal N``)."""
    kind, _, number = message.partition(" ")
    if kind == "signal" and number.isdigit():
        sig = int(number)
        _prctl(PR_SET_DUMPABLE, 0)  # no core file of the launcher, whatever the signal
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
            signal.signal(sig, signal.SIG_DFL)
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(int(number) if number.isdigit() else 1)


def _hand_over(spec: dict, ctl: int) -> None:
    """Leave the worker's channels to the worker: close the control socket and the fds
    kept for it; stdout and stderr belong to it too, so say nothing there."""
    os.close(ctl)
    for fd in spec["keep_fds"]:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (1, 2):
        os.dup2(null, fd)
    os.close(null)


def _tmp_usage(spec: dict) -> tuple[int, int]:
    """Bytes (allocated) and entries under the worker's host ``tmp`` (plus, where its view
    is the host's, what its uid owns in the world-writable folders), counted up to just
    past the limits."""
    total = files = 0
    cap_files = spec["max_files"]
    todo = [spec["watch_tmp"]]
    shared = spec.get("watch_shared") or []
    while todo and files <= cap_files:
        top = todo.pop()
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            files += 1
            total += max(st.st_blocks * 512, 0)
            if entry.is_dir(follow_symlinks=False):
                todo.append(entry.path)
    for top in shared:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if st.st_uid == spec["uid"]:
                    files += 1
                    total += st.st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        todo2 = [entry.path]
                        while todo2 and files <= cap_files:
                            for sub in os.scandir(todo2.pop()):
                                files += 1
                                total += sub.stat(follow_symlinks=False).st_blocks * 512
                                if sub.is_dir(follow_symlinks=False):
                                    todo2.append(sub.path)
    return total, files


def _over_limit(spec: dict) -> str | None:
    """Why the worker's files broke its disk limits, or None."""
    total, files = _tmp_usage(spec)
    cap = spec["tmp_mb"] * 2**20
    if total > cap:
        return (f"it wrote more than the disk limit of {spec['tmp_mb']} MB "
                f"(files of {total / 2**20:.0f} MB)")
    if files > spec["max_files"]:
        return f"it created more than the limit of {spec['max_files']} files and folders"
    return None


def _wait(spec: dict, worker: int) -> int | None:
    """Reap children until ``worker`` ends; its wait status. Where its tmp is watched,
    a worker past its disk limits is killed (every process of its uid, or of its PID
    namespace when this is the init) and ``limit_file`` says why."""
    watch = spec.get("watch_tmp") is not None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG if watch else 0)
        except ChildProcessError:
            return None
        if pid == worker:
            return status
        if pid != 0:
            continue
        why = _over_limit(spec)
        if why is None:
            time.sleep(0.02)
            continue
        with contextlib.suppress(OSError):
            fd = os.open(spec["limit_file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, why.encode())
            os.close(fd)
        if os.getpid() == 1:
            os.kill(-1, signal.SIGKILL)  # PID 1: everything else in its namespace
        else:
            import procs

            procs.kill_uid(spec["uid"])
        watch = False


def _init(spec: dict, ctl: int, status_w: int) -> None:
    """PID 1 of the worker's PID namespace: start the worker, reap, report, exit."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    worker = os.fork()
    if worker == 0:
        os.close(status_w)
        _exec_worker(spec, ctl)
    _hand_over(spec, ctl)
    status = _wait(spec, worker)  # PID 1: every orphan of the submission is reaped here
    if status is not None:
        os.write(status_w, _status_message(status).encode())
    os._exit(0)  # the kernel now kills everything left in the namespace


class _ParentDied(Exception):
    pass


def _on_parent_death(signum: int, frame: object) -> None:
    raise _ParentDied


def _guard(spec: dict, ctl: int) -> None:
    """No PID namespace: fork the worker and watch it as a root guardian.

    Orphans of the submission are reparented here (a child subreaper) and reaped. When
    the worker ends, or the grader dies (``SIGTERM`` as the parent-death signal), every
    process of the sandbox uid is frozen and killed from outside, by pid, as root.
    """
    import procs  # stdlib only, beside this file

    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGTERM, _on_parent_death)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != spec["parent"]:
        os._exit(1)
    worker = os.fork()
    if worker == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _exec_worker(spec, ctl)
    _send(ctl, {"worker": worker})
    _hand_over(spec, ctl)
    message = "signal 9"
    try:
        status = _wait(spec, worker)
        if status is not None:
            message = _status_message(status)
    except _ParentDied:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    procs.kill_uid(spec["uid"])
    for _ in range(100):  # reap what the sweep killed (our children as a subreaper)
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.01)
        except ChildProcessError:
            break
    _mirror(message)


def launch(spec: dict) -> None:
    """Set up and start the worker described by ``spec`` (see the module docstring)."""
    global kernel_state, landlock, syscall_filter
    import kernel_state  # stdlib only, beside this file: imported before any chroot
    import landlock
    import syscall_filter

    ctl = spec["control_fd"]
    os.set_inheritable(ctl, False)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != spec["parent"]:  # the grader died before we got here
            os._exit(1)
        report: dict = {"namespaces": [], "tmp": None}
        mode = spec["mode"]
        if mode == "userns":
            _enter_userns(spec["uid"], spec["gid"])
            report["namespaces"] = ["user", *NAMESPACES]
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the credentials changed
        elif mode == "root":
            report["namespaces"] = _enter_namespaces(spec["namespaces"])
        if mode == "userns":
            report["tmp"] = _mount_jail(spec)
        elif "mount" in report["namespaces"]:
            try:  # best effort as root: a container may allow the namespace, not mounts
                report["tmp"] = _mount_jail(spec)
            except (LaunchError, OSError) as exc:
                _unmount_jail(spec)
                report["mount_error"] = str(exc)
        if mode == "userns" and "pid" not in report["namespaces"]:
            raise LaunchError("no PID namespace")
        if report["tmp"] is None and spec.get("private"):  # no tmpfs: watched instead
            spec["watch_tmp"] = spec["private"] + "/tmp"
            spec["limit_file"] = spec["private"] + ".limit"
            if spec.get("root") is None and spec.get("landlock") is None:
                spec["watch_shared"] = list(kernel_state.SHARED_DIRS)
            report["tmp"] = (f"watched directory (at most {spec['tmp_mb']} MB and "
                             f"{spec['max_files']} files; the worker is killed past them)")
        # built now, while the libraries are in reach (before the chroot); loaded last
        private_view = "network" in report["namespaces"] and spec.get("root") is not None
        global _FILTER
        _FILTER, report["syscall_filter"] = syscall_filter.prepare(
            spec.get("seccomp"), unix_sockets=private_view)
    except BaseException as exc:
        _send(ctl, {"error": f"{type(exc).__name__}: {exc}"})
        os._exit(126)
    if "pid" in report["namespaces"]:
        status_r, status_w = os.pipe()
        init = os.fork()
        if init == 0:
            os.close(status_r)
            _init(spec, ctl, status_w)
        os.close(status_w)
        report["init"] = init
        _send(ctl, report)
        _hand_over(spec, ctl)
        message = os.read(status_r, 64).decode(errors="replace")
        _, status = os.waitpid(init, 0)
        _mirror(message or _status_message(status))
    _send(ctl, report)
    if mode == "root":
        _guard(spec, ctl)
    _exec_worker(spec, ctl)  # same-user: this process becomes the worker


def probe_userns() -> int:
    """Exit 0 when this user can build the ``userns`` jail here (namespaces + tmpfs)."""
    import tempfile

    try:
        with tempfile.TemporaryDirectory(prefix="autograder-probe-") as tmp:
            pid = os.fork()
            if pid == 0:
                try:
                    _enter_userns(61000, 61000)
                    _check(_mount(None, "/", None, MS_REC | MS_PRIVATE), "make / private")
                    _check(_mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"),
                           "tmpfs")
                    _bind_readonly(tmp, tmp)
                    child = os.fork()  # PID 1 of the new namespace
                    if child == 0:
                        os.chroot(tmp)
                        os._exit(0 if os.getpid() == 1 else 3)
                    _, status = os.waitpid(child, 0)
                    os._exit(os.waitstatus_to_exitcode(status))
                except BaseException as exc:
                    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
                    os._exit(2)
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
    except OSError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def main() -> None:
    if sys.argv[1:] == ["--probe-userns"]:
        sys.exit(probe_userns())
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    spec_fd = int(sys.argv[1])
    data = b""
    while chunk := os.read(spec_fd, 65536):
        data += chunk
    os.close(spec_fd)
    launch(json.loads(data))


if __name__ == "__main__":
    main()
