"""Run the grader as a freshly created unprivileged user (the suite itself runs as root).

:func:`fresh_user` creates a system user with a home of its own (removed afterwards, with
every process it left); :func:`run_as` runs a command as that user. The command runs in a
private mount namespace (nothing on the host changes) where the interpreter and the
project are reachable even when they live under a folder the user may not enter (``/root``
is 0700 and this machine's Python lives in ``/root/.pyenv``): that folder is covered by a
tmpfs holding bind mounts of just those trees. With ``userns=False`` the command also runs
in a user namespace (identity-mapped, made by root) whose ``user.max_user_namespaces`` is
0, so the user cannot create user namespaces there: a kernel without them, for one process
tree and nothing else.

Run as a script (by :func:`run_as`, as root) it does that setup and then becomes the user.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18


@dataclasses.dataclass(frozen=True)
class FreshUser:
    """A user made for the test: name, ids and a home folder it owns (0700)."""

    name: str
    uid: int
    gid: int
    home: Path


def _tool(name: str) -> str | None:
    for d in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    return None


def skip_reason() -> str | None:
    """Why the unprivileged-user tests cannot run here (None: they can)."""
    if os.geteuid() != 0:
        return "creating a fresh unprivileged user needs root (CI runs the suite as root)"
    if sys.platform != "linux":
        return "Linux only"
    if not (_tool("useradd") and _tool("userdel")):
        return "useradd/userdel are not installed"
    return None


@contextlib.contextmanager
def fresh_user(prefix: str = "agt") -> Iterator[FreshUser]:
    """A new system user with a fresh home; removed afterwards with all its processes."""
    name = f"{prefix}{secrets.token_hex(4)}"
    home = Path(tempfile.mkdtemp(prefix=f"{name}-home-"))
    subprocess.run(
        [_tool("useradd"), "--system", "--no-create-home", "--user-group",
         "--home-dir", str(home), "--shell", "/usr/sbin/nologin", name],
        check=True, capture_output=True,
    )
    entry = pwd.getpwnam(name)
    try:
        os.chown(home, entry.pw_uid, entry.pw_gid)
        os.chmod(home, 0o700)
        yield FreshUser(name, entry.pw_uid, entry.pw_gid, home)
    finally:
        from autograder.sandbox.procs import kill_uid

        kill_uid(entry.pw_uid)
        subprocess.run([_tool("userdel"), name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def user_dir(user: FreshUser, name: str) -> Path:
    """A folder in the user's home that the user owns (for its inputs and outputs)."""
    d = user.home / name
    d.mkdir(parents=True, exist_ok=True)
    os.chown(d, user.uid, user.gid)
    return d


def give(user: FreshUser, path: Path) -> Path:
    """Make ``path`` (a file or a tree) the user's."""
    for p in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.chown(p, user.uid, user.gid, follow_symlinks=False)
    return path


def user_env(user: FreshUser, **extra: str) -> dict[str, str]:
    """A plain environment for the user's grader: its home and cache, this checkout first."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(user.home),
        "USER": user.name,
        "LANG": "C.UTF-8",
        "XDG_CACHE_HOME": str(user.home / ".cache"),
        "PYTHONPATH": str(PROJECT),
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }


def run_as(
    user: FreshUser,
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    userns: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """Run ``argv`` as ``user`` (see the module docstring); ``userns=False``: the user may
    not create user namespaces there."""
    spec = {
        "uid": user.uid,
        "gid": user.gid,
        "argv": argv,
        "cwd": str(cwd),
        "env": env if env is not None else user_env(user),
        "userns": userns,
        "expose": sorted({os.path.realpath(p) for p in (
            PROJECT, sys.prefix, sys.base_prefix, sys.exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable)),
        )}),
    }
    return subprocess.run(
        [sys.executable, "-I", "-S", os.path.abspath(__file__), json.dumps(spec)],
        capture_output=True, text=True, errors="replace", timeout=timeout, env={},
    )


# ----------------------------------------------------------------------------- as a script

_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)):
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _closed_ancestor(path: str) -> str | None:
    """The topmost folder above ``path`` that others may not enter, if any."""
    parts = Path(path).parts
    for i in range(2, len(parts)):
        d = os.path.join(*parts[:i])
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return d
    return None


def _expose(paths: list[str]) -> None:
    """Cover each folder others may not enter with a tmpfs holding just ``paths`` below it."""
    by_ancestor: dict[str, set[str]] = {}
    for p in paths:
        top = _closed_ancestor(p)
        if top is not None:  # keep the first level below it: e.g. /root/.pyenv
            first = os.path.join(top, Path(p).relative_to(top).parts[0])
            by_ancestor.setdefault(top, set()).add(first)
    for top, keep in by_ancestor.items():
        staged = []
        for src in sorted(keep):
            stage = tempfile.mkdtemp(prefix="expose-")
            _mount(src, stage, None, MS_BIND | MS_REC)
            staged.append((src, stage))
        _mount("tmpfs", top, "tmpfs", 0, "mode=0755")
        for src, stage in staged:
            os.makedirs(src, exist_ok=True)
            _mount(stage, src, None, MS_BIND | MS_REC)
            _libc.umount2(stage.encode(), 2)
            os.rmdir(stage)


def _no_user_namespaces() -> None:
    """Enter a user namespace (mapped by the parent, root) where none can be created."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    parent = os.getpid()
    child = os.fork()
    if child == 0:  # maps the parent's new namespace, then leaves
        os.close(ready_w)
        os.close(go_r)
        os.read(ready_r, 1)
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{parent}/{name}", "w") as f:
                f.write("0 0 4294967295\n")
        os.write(go_w, b"x")
        os._exit(0)
    os.close(ready_r)
    os.close(go_w)
    if _libc.unshare(CLONE_NEWUSER):
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
    os.write(ready_w, b"x")
    if os.read(go_r, 1) != b"x":
        raise OSError("the user namespace was not mapped")
    os.waitpid(child, 0)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")


def _main(spec: dict) -> None:
    if _libc.unshare(CLONE_NEWNS):
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _expose(spec["expose"])
    if not spec["userns"]:
        _no_user_namespaces()
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]))
