"""The chroot jail of the worker: a dedicated uid as root, user namespaces otherwise.

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

There is no ``/proc``, no ``/dev``, no solutions, hidden tests or results in its view.

Layout (``STATE_DIR``, root-owned, default ``/var/cache/music-ai-autograder``)::

    runtime-<key>/           the chroot root, built once per interpreter + NumPy version
        root/.pyenv/...      the runtime at its original absolute paths (hard links)
        usr/lib/...          shared libraries and the loader
        w/<id>/              one private dir per worker: root:<gid> 0750, files 0640,
            tmp/             the only writable place (<uid> 0700)

If ``chroot`` is not permitted (EPERM), the worker runs the same runtime copy by its
host path, as the dedicated uid, with ``LD_LIBRARY_PATH`` pointing into the copy; it
can then see world-readable host files (``Jail.chrooted`` is False and ``note`` says so).

An ordinary user (``mode="userns"``) gets the same runtime copy, built in a per-user
cache (``$XDG_CACHE_HOME/music-ai-autograder``, 0700) and the same layout; the launcher
then enters a new user namespace (the grader's uid is :data:`INSIDE_UID` there), mounts
the copy read-only and chroots into it. No uid is leased: PID, mount and network
namespaces keep workers apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.sandbox import kernel_state
from autograder.sandbox.procs import kill_uid, user_processes

UID_RANGE = range(61000, 62000)
#: The uid (and gid) a ``userns`` worker has inside its user namespace.
INSIDE_UID = 61000
DEFAULT_STATE_DIR = Path("/var/cache/music-ai-autograder")
STATE_DIR = Path(os.environ.get("AUTOGRADER_SANDBOX_DIR", str(DEFAULT_STATE_DIR)))


@dataclass
class UidLease:
    """An unused uid, held (via an flock'ed lock file) until :meth:`release`."""

    uid: int
    fd: int

    def release(self) -> None:
        """Kill anything left running as this uid, remove the kernel state it may have
        left (keyrings, SysV IPC, files in the shared folders), then free it."""
        if self.fd < 0:
            return
        kill_uid(self.uid)
        kernel_state.scrub_uid(self.uid)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = os.lstat(path)  # not stat(): never follow a planted symlink
    if st.st_uid != 0 or not stat.S_ISDIR(st.st_mode):
        raise PermissionError(f"{path} is not a root-owned directory")
    os.chmod(path, 0o700)
    return path


def _lock_dir() -> Path:
    """Where uid leases are locked: a fixed place, whatever ``AUTOGRADER_SANDBOX_DIR`` says,
    so that every grader on this machine sees every lease."""
    candidates = (
        DEFAULT_STATE_DIR / "uids",
        Path("/run/lock/music-ai-autograder-uids"),
        Path(tempfile.gettempdir()) / "music-ai-autograder-uids",
    )
    for path in candidates:
        if path.parent.is_dir() or path.parent == DEFAULT_STATE_DIR:
            with contextlib.suppress(OSError):
                return _private_dir(path)
    return _private_dir(state_dir() / "uids")


def lease_uid() -> UidLease:
    """Pick a uid in 61000-61999: not in the passwd database, not leased, no processes.

    A uid that still has processes is skipped, never killed: they may belong to a
    grader that does not share our lock directory.
    """
    locks = _lock_dir()
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
        if user_processes(uid):
            os.close(fd)
            continue
        kernel_state.scrub_uid(uid)  # left by a grader that died holding this uid
        return UidLease(uid, fd)
    raise RuntimeError("no free uid in 61000-61999 for the sandbox")


# ------------------------------------------------------------------------- the runtime copy

_STDLIB_SKIP = {
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "site-packages",
    "dist-packages",
    "lib2to3",
    "pydoc_data",
}
_BLAS_FAMILY = re.compile(r"lib(mkl|iomp|gomp|tbb|openblas|blas|cblas|lapack)[^/]*\.so[.\d]*$")
_LDD_LINE = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")


class _TreeBuilder:
    """Replicates host paths (files, symlinks, directories) under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.elves: list[str] = []
        self.done: set[str] = set()

    def _mkdir(self, inside: str) -> None:
        p = self.root / inside.lstrip("/")
        if not p.is_dir():
            p.mkdir(parents=True, exist_ok=True)
        os.chmod(p, 0o755)

    def _place(self, src: str, dst: Path) -> None:
        st = os.lstat(src)
        safe = st.st_uid == 0 and not (st.st_mode & 0o6022)
        if safe:
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o755 if st.st_mode & 0o111 else 0o644)

    def add(self, path: str, depth: int = 0) -> None:
        """Replicate ``path`` (a file or a symlink chain, with its parent dirs)."""
        if path in self.done or depth > 40:
            return
        self.done.add(path)
        parts = Path(path).parts
        cur = "/"
        for i, part in enumerate(parts[1:], start=1):
            nxt = os.path.join(cur, part)
            jail_p = self.root / nxt.lstrip("/")
            if os.path.islink(nxt):
                target = os.readlink(nxt)
                if not os.path.lexists(jail_p):
                    self._mkdir(cur)
                    os.symlink(target, jail_p)
                resolved = os.path.normpath(os.path.join(cur, target))
                self.add(os.path.join(resolved, *parts[i + 1 :]), depth + 1)
                return
            if i == len(parts) - 1 and not os.path.isdir(nxt):
                self._mkdir(cur)
                if not os.path.lexists(jail_p):
                    self._place(nxt, jail_p)
                    if _is_elf(nxt):
                        self.elves.append(nxt)
                return
            cur = nxt
        self._mkdir(path)

    def add_tree(self, top: str, skip: set[str] = frozenset(), skip_tests: bool = False) -> None:
        """Replicate a directory tree (real paths), minus ``skip`` names at the top."""
        self._mkdir(top)
        for dirpath, dirnames, filenames in os.walk(top):
            if dirpath == top:
                dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith("config-")]
            if skip_tests:
                dirnames[:] = [d for d in dirnames if d not in ("tests", "test")]
            self._mkdir(dirpath)
            for name in filenames:
                if name.startswith("_tkinter"):
                    continue
                src = os.path.join(dirpath, name)
                if os.path.islink(src):
                    dst = self.root / src.lstrip("/")
                    if not os.path.lexists(dst):
                        os.symlink(os.readlink(src), dst)
                    continue
                if os.path.isfile(src):
                    self.add(src)

    def add_shared_libraries(self, prefixes: tuple[str, ...] = ()) -> None:
        """Add every library the copied ELF files need (``ldd``), and the loader.

        BLAS builds that ``dlopen()`` their kernels (MKL in conda environments) are not
        seen by ``ldd``: every BLAS/OpenMP library beside a needed library that lives
        under one of ``prefixes`` (the Python installation) is added too.
        """
        seen: set[str] = set()
        todo = list(self.elves)
        while todo:
            batch, todo = todo[:64], todo[64:]
            out = subprocess.run(
                ["ldd", *batch], capture_output=True, text=True, check=False, env={"LC_ALL": "C"}
            ).stdout
            for m in _LDD_LINE.finditer(out):
                lib = m.group(1)
                if lib in seen:
                    continue
                seen.add(lib)
                before = len(self.elves)
                self.add(lib)
                lib_dir = os.path.dirname(os.path.realpath(lib))
                if prefixes and lib_dir.startswith(prefixes):
                    for name in sorted(os.listdir(lib_dir)):
                        if _BLAS_FAMILY.match(name):
                            self.add(os.path.join(lib_dir, name))
                todo.extend(self.elves[before:])
        for extra in ("libgcc_s.so.1",):  # dlopen()ed by glibc for thread cancellation
            for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"):
                if os.path.exists(os.path.join(d, extra)):
                    self.add(os.path.join(d, extra))
                    break


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _runtime_key(python: str) -> str:
    numpy_dir = Path(np.__file__).resolve().parent
    blob = "|".join(
        [
            os.path.realpath(python),
            sys.version,
            np.__version__,
            str(numpy_dir),
            str(os.stat(os.path.realpath(python)).st_mtime_ns),
            "v3",
        ]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def state_dir() -> Path:
    """The root-owned state directory (0711: traversable, not listable).

    ``$AUTOGRADER_SANDBOX_DIR`` or ``/var/cache/music-ai-autograder``; if that cannot
    be created (read-only file system), ``<tempdir>/music-ai-autograder-root``.
    """
    for d in (STATE_DIR, Path(tempfile.gettempdir()) / "music-ai-autograder-root"):
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        st = d.lstat()
        if st.st_uid != 0 or not stat.S_ISDIR(st.st_mode):
            raise PermissionError(f"{d} is not a root-owned directory")
        os.chmod(d, 0o711)
        return d
    raise PermissionError(f"cannot create {STATE_DIR}")


def user_state_dir() -> Path:
    """An ordinary user's cache of the runtime copy: ``$XDG_CACHE_HOME/music-ai-autograder``
    (``~/.cache/...``), or ``<tempdir>/music-ai-autograder-<uid>``; owned by the user, 0700."""
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    uid = os.getuid()
    for d in (Path(xdg) / "music-ai-autograder",
              Path(tempfile.gettempdir()) / f"music-ai-autograder-{uid}"):
        try:
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            continue
        st = d.lstat()
        if st.st_uid != uid or not stat.S_ISDIR(st.st_mode):
            continue
        os.chmod(d, 0o700)
        return d
    raise PermissionError("no writable cache directory for the sandbox runtime")


def runtime_root(python: str | None = None) -> Path:
    """The cached runtime tree for this interpreter + NumPy (built on first use).

    Root's lives in :func:`state_dir`, an ordinary user's in :func:`user_state_dir`.
    """
    python = os.path.realpath(python or sys.executable)
    base = state_dir() if os.geteuid() == 0 else user_state_dir()
    root = base / f"runtime-{_runtime_key(python)}"
    if (root / ".complete").exists():
        return root
    lock_fd = os.open(base / f"{root.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if (root / ".complete").exists():
            return root
        tmp = base / f"{root.name}.building-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o755)
        os.chmod(tmp, 0o755)
        tb = _TreeBuilder(tmp)
        tb.add(python)
        tb.add_tree(os.path.realpath(sysconfig.get_paths()["stdlib"]), _STDLIB_SKIP)
        dynload = os.path.realpath(sysconfig.get_paths()["platstdlib"])
        if dynload != os.path.realpath(sysconfig.get_paths()["stdlib"]):
            tb.add_tree(dynload, _STDLIB_SKIP)
        numpy_pkg = Path(np.__file__).resolve().parent
        tb.add_tree(str(numpy_pkg), skip_tests=True)
        libs = numpy_pkg.parent / "numpy.libs"
        if libs.is_dir():
            tb.add_tree(str(libs.resolve()))
        prefixes = tuple(
            os.path.realpath(p) + "/" for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}
        )
        tb.add_shared_libraries(prefixes)
        (tmp / "w").mkdir(mode=0o711)
        os.chmod(tmp / "w", 0o711)
        _self_test(tmp, python)
        (tmp / ".complete").write_text(python + "\n")
        if root.exists():
            shutil.rmtree(root)
        os.rename(tmp, root)
        return root
    finally:
        os.close(lock_fd)


_SELF_TEST = (
    "import sys; sys.path.insert(0, sys.argv[1]); import numpy as np; "
    "a = np.random.default_rng(0).standard_normal((60, 60)); "
    "assert abs(np.linalg.inv(a) @ a - np.eye(60)).max() < 1e-6; print('ok')"
)


def _self_test(root: Path, python: str) -> None:
    """Run NumPy (BLAS, LAPACK) inside the new runtime, chrooted when possible.

    A broken copy must fail here, once, with a clear message, rather than make every
    submission look broken.
    """
    numpy_dir = str(Path(np.__file__).resolve().parents[1])
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if chroot_permitted(root):  # chroot, then exec the copy's own interpreter in there
        inner = [python, "-I", "-S", "-c", _SELF_TEST, numpy_dir]
        shim = (
            "import os, sys; os.chroot(sys.argv[1]); os.chdir('/'); "
            "os.execv(sys.argv[2], sys.argv[2:])"
        )
        cmd = [sys.executable, "-I", "-S", "-c", shim, str(root), *inner]
    else:
        libdir = sysconfig.get_config_var("LIBDIR") or ""
        env["LD_LIBRARY_PATH"] = str(root) + os.path.realpath(libdir)
        cmd = [str(root) + python, "-I", "-S", "-c", _SELF_TEST, str(root) + numpy_dir]
    probe = subprocess.run(cmd, env=env, cwd="/", capture_output=True, text=True, timeout=120)
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        raise RuntimeError(
            f"the sandbox runtime copy in {root} does not work "
            f"(exit {probe.returncode}):\n{probe.stderr[-3000:]}"
        )


_CHROOT_OK: bool | None = None


def chroot_permitted(root: Path) -> bool:
    """Whether this process may chroot (tried once, in a child process)."""
    global _CHROOT_OK
    if _CHROOT_OK is None:
        probe = subprocess.run(
            [sys.executable, "-I", "-S", "-c", "import os, sys; os.chroot(sys.argv[1])", str(root)],
            capture_output=True,
            check=False,
        )
        _CHROOT_OK = probe.returncode == 0
    return _CHROOT_OK


# ------------------------------------------------------------------------- one jail


@dataclass
class Jail:
    """One worker's view: the shared runtime root plus its own private directory."""

    root: Path | None  # chroot() target; None when chroot is not permitted
    runtime: Path
    private: Path  # host path of the private dir
    lease: UidLease | None  # the dedicated uid (root); None in a user namespace
    inside_python: str
    inside_private: str
    inside_tmp: str
    inside_numpy_dir: str
    note: str
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def uid(self) -> int:
        """The dedicated unprivileged uid (root), or the worker's uid in its user namespace."""
        return self.lease.uid if self.lease is not None else INSIDE_UID

    @property
    def gid(self) -> int:
        """Its gid (same number)."""
        return self.uid

    @property
    def userns(self) -> bool:
        """True for an ordinary user's jail (user namespaces, no leased uid)."""
        return self.lease is None

    @property
    def chrooted(self) -> bool:
        """True when the worker is chrooted (False: the EPERM fallback)."""
        return self.root is not None

    def cleanup(self) -> None:
        """Kill the uid's processes, remove the private dir, free the uid."""
        if self.lease is not None:
            self.lease.release()
        shutil.rmtree(self.private, ignore_errors=True)
        with contextlib.suppress(OSError):  # the launcher's note of a disk limit hit
            os.unlink(str(self.private) + ".limit")


def build_userns_jail(files: dict[str, Path], python: str | None = None) -> Jail:
    """An ordinary user's jail holding ``files``: the launcher makes it a chroot inside
    user, PID, mount and network namespaces (see :mod:`autograder.sandbox.launcher`)."""
    python = os.path.realpath(python or sys.executable)
    runtime = runtime_root(python)
    wid = secrets.token_hex(8)
    private = runtime / "w" / wid
    try:
        private.mkdir(mode=0o700)
        for name, src in files.items():
            shutil.copyfile(src, private / name)
            os.chmod(private / name, 0o600)
        (private / "tmp").mkdir(mode=0o700)
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise
    return _chroot_jail(runtime, private, None, python,
                        f"user namespace jail {runtime} (uid {INSIDE_UID} inside)")


def _chroot_jail(runtime: Path, private: Path, lease: UidLease | None, python: str,
                 note: str) -> Jail:
    """A jail that chroots into ``runtime``: paths as the worker sees them there."""
    inside = f"/w/{private.name}"
    return Jail(
        root=runtime,
        runtime=runtime,
        private=private,
        lease=lease,
        inside_python=python,
        inside_private=inside,
        inside_tmp=f"{inside}/tmp",
        inside_numpy_dir=str(Path(np.__file__).resolve().parents[1]),
        note=note,
    )


def build_jail(files: dict[str, Path], python: str | None = None) -> Jail:
    """Make a jail holding ``files`` (name -> host path) in a fresh private dir."""
    python = os.path.realpath(python or sys.executable)
    runtime = runtime_root(python)
    lease = lease_uid()
    uid = gid = lease.uid
    wid = secrets.token_hex(8)
    private = runtime / "w" / wid
    for stale in (runtime / "w").iterdir():  # left by a grader that died holding this uid
        with contextlib.suppress(OSError):
            if stale.stat().st_gid == gid:
                shutil.rmtree(stale, ignore_errors=True)
    try:
        private.mkdir(mode=0o750)
        os.chown(private, 0, gid)
        os.chmod(private, 0o750)
        for name, src in files.items():
            dst = private / name
            shutil.copyfile(src, dst)
            os.chown(dst, 0, gid)
            os.chmod(dst, 0o640)
        (private / "tmp").mkdir(mode=0o700)
        os.chown(private / "tmp", uid, gid)
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        lease.release()
        raise
    numpy_dir = str(Path(np.__file__).resolve().parents[1])
    if chroot_permitted(runtime):
        return _chroot_jail(runtime, private, lease, python, f"chroot jail {runtime}, uid {uid}")
    prefix = str(runtime)
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    return Jail(
        root=None,
        runtime=runtime,
        private=private,
        lease=lease,
        inside_python=prefix + python,
        inside_private=str(private),
        inside_tmp=str(private / "tmp"),
        inside_numpy_dir=prefix + numpy_dir,
        note=f"NO chroot (not permitted): runtime copy {runtime}, uid {uid}; "
        "the submission sees the host's files except where Landlock hides them",
        extra_env={"LD_LIBRARY_PATH": prefix + os.path.realpath(libdir)} if libdir else {},
    )
