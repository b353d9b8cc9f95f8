"""Kernel state and the ways out that are not files (issue 21): keyrings, sockets, disk.

As root (CI, Gradescope), in every root mode the kernel may leave us: the full jail
(``chroot``), a container without ``CAP_SYS_ADMIN`` (no namespaces: ``Worker.root_namespaces``
empty) and one without ``CAP_SYS_CHROOT`` either (``uid``: chroot refused). In each, the
worker cannot read a key of the grader's session keyring, cannot hand a key to the next
worker, cannot reach a loopback listener, cannot use SysV IPC, and is stopped at its disk
limit with a message that names the limit; in ``uid`` mode it cannot read the solutions.
A sandbox uid's user keyring is empty once its lease ends.
"""

from __future__ import annotations

import ctypes
import os
import platform
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.sandbox import (
    Limits,
    SubmissionProxy,
    SubmissionRaised,
    Worker,
    WorkerCrashed,
    landlock,
)
from autograder.sandbox import jail as jailmod

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid jail needs root")

X86 = platform.machine() == "x86_64"
ADD_KEY, KEYCTL = (248, 250) if X86 else (217, 219)
KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_READ, KEYCTL_SEARCH = 1, 11, 10
KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING = -3, -4

HW = textwrap.dedent(f'''
    import ctypes, os, time
    import numpy as np

    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.syscall.restype = ctypes.c_long

    def _err():
        return "failed: " + os.strerror(ctypes.get_errno())

    def read_key(serial):
        buf = ctypes.create_string_buffer(256)
        n = _libc.syscall({KEYCTL}, {KEYCTL_READ}, serial, buf, 256)
        return buf.raw[:n].decode() if n >= 0 else _err()

    def search_key(ring, description):
        n = _libc.syscall({KEYCTL}, {KEYCTL_SEARCH}, ring, b"user", description.encode(), 0)
        return read_key(n) if n >= 0 else _err()

    def plant_key(ring, description, payload):
        n = _libc.syscall({ADD_KEY}, b"user", description.encode(), payload.encode(),
                          len(payload), ring)
        return n if n >= 0 else _err()

    def connect(port):
        import socket
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return "connected"
        except OSError as e:
            return "failed: " + str(e)

    def shm():
        n = _libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
        return n if n >= 0 else _err()

    def read_file(path):
        try:
            with open(path) as f:
                return f.read(200)
        except OSError as e:
            return "failed: " + str(e)

    def fill(folder, mb_per_file, files):
        """Write files of 1 MB blocks until an error (raised) or the worker is killed."""
        for i in range(files):
            with open(os.path.join(folder, "fill%d" % i), "wb") as f:
                for _ in range(mb_per_file):
                    f.write(b"x" * 2**20)
        for _ in range(600):  # a watched folder: the launcher kills the worker meanwhile
            time.sleep(0.1)
        return "wrote %d files" % files

    def softmax(z, axis=-1):
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
''')

MODES = ["chroot", "no namespaces", "uid"]

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _add_key(description: str, payload: str, ring: int) -> int:
    n = _libc.syscall(ADD_KEY, b"user", description.encode(), payload.encode(),
                      len(payload), ring)
    if n < 0:
        pytest.skip(f"this kernel has no keyrings ({os.strerror(ctypes.get_errno())})")
    return int(n)


@pytest.fixture
def hw_file(tmp_path: Path) -> Path:
    path = tmp_path / "hw.py"
    path.write_text(HW, encoding="utf-8")
    return path


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The root modes: the full jail, no namespaces (no CAP_SYS_ADMIN), no chroot either."""
    monkeypatch.delenv("AUTOGRADER_NO_JAIL", raising=False)
    if request.param in ("no namespaces", "uid"):
        monkeypatch.setattr(Worker, "root_namespaces", ())
    if request.param == "uid":
        monkeypatch.setattr(jailmod, "_CHROOT_OK", False)  # as if chroot() gave EPERM
    yield request.param


def _worker(hw_file: Path, **limits: object) -> Worker:
    lim = Limits(call_timeout_s=20, function_timeouts={"fill": 90.0}, **limits)  # type: ignore[arg-type]
    return Worker(hw_file, [], lim, jail=True)


def test_the_grader_session_keyring_is_out_of_reach(hw_file: Path, mode: str) -> None:
    """A key in the grader's session keyring (the worker used to inherit it): unreadable."""
    _libc.syscall(KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, None)  # this test's own session ring
    secret = f"grader-secret-{os.getpid()}"
    serial = _add_key("h7grader", secret, KEY_SPEC_SESSION_KEYRING)
    with _worker(hw_file) as w:
        hw = SubmissionProxy(w)
        by_serial = hw.read_key(serial)
        by_name = hw.search_key(KEY_SPEC_SESSION_KEYRING, "h7grader")
        assert w.isolation["syscall_filter"].startswith("seccomp")
    assert secret not in by_serial and by_serial.startswith("failed")
    assert secret not in by_name and by_name.startswith("failed")


def test_a_key_does_not_pass_from_one_worker_to_the_next(hw_file: Path, mode: str) -> None:
    planted = []
    for ring in (KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING):
        with _worker(hw_file) as w:
            planted.append(SubmissionProxy(w).plant_key(ring, "h7relay", "from-worker-one"))
        with _worker(hw_file) as w:
            got = SubmissionProxy(w).search_key(ring, "h7relay")
        assert "from-worker-one" not in got, (ring, planted)
    assert all(str(p).startswith("failed") for p in planted), planted


def _as_uid(uid: int, code: str) -> str:
    """Run ``code`` (Python) as ``uid`` with the keyctl helpers; its stdout."""
    prelude = (
        "import ctypes, os, sys\n"
        f"os.setgroups([]); os.setgid({uid}); os.setuid({uid})\n"
        "libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long\n"
    )
    out = subprocess.run([sys.executable, "-I", "-S", "-c", prelude + code],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def test_a_sandbox_uid_keyring_is_cleared_when_its_lease_ends() -> None:
    lease = jailmod.lease_uid()
    uid = lease.uid
    try:
        planted = _as_uid(uid, (
            f"print(libc.syscall({ADD_KEY}, b'user', b'h7left', b'left-behind', 11, "
            f"{KEY_SPEC_USER_KEYRING}))"))
        if int(planted) < 0:
            pytest.skip("this kernel has no keyrings")
    finally:
        lease.release()
    found = _as_uid(uid, (
        f"print(libc.syscall({KEYCTL}, {KEYCTL_SEARCH}, {KEY_SPEC_USER_KEYRING}, b'user', "
        "b'h7left', 0))"))
    assert int(found) < 0, f"the key of uid {uid} outlived its lease ({found})"


def test_no_loopback_connection_from_the_worker(hw_file: Path, mode: str) -> None:
    with socket.socket() as server, _worker(hw_file) as w:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        got = SubmissionProxy(w).connect(server.getsockname()[1])
        assert got != "connected", w.isolation
        assert w.isolation["network"] != "host"


def test_no_sysv_ipc_in_the_worker(hw_file: Path, mode: str) -> None:
    with _worker(hw_file) as w:
        got = SubmissionProxy(w).shm()
    assert str(got).startswith("failed"), got


def test_writing_past_the_disk_limit_is_stopped_and_named(hw_file: Path, mode: str) -> None:
    """8 MB of tmp: 1 MB files written until it stops: an error or a kill, naming the limit."""
    with _worker(hw_file, tmp_mb=8) as w:
        hw = SubmissionProxy(w)
        with pytest.raises((SubmissionRaised, WorkerCrashed)) as info:
            hw.fill("tmp", 1, 40)
        assert hw.softmax(np.zeros(2))[0] == 0.5  # restarted, with an empty tmp
    assert "disk limit of 8 MB" in str(info.value) or "disk limit: 8 MB" in str(info.value), (
        str(info.value))


def test_one_file_past_the_file_size_limit_is_named(hw_file: Path) -> None:
    with _worker(hw_file, max_file_mb=2) as w, pytest.raises(SubmissionRaised) as info:
        SubmissionProxy(w).fill("tmp", 3, 1)
    assert "file size limit: 2 MB" in str(info.value), str(info.value)


@pytest.mark.parametrize("where", ["/tmp", "/var/tmp", "/dev/shm"])
def test_the_shared_folders_take_no_files_in_uid_mode(hw_file: Path, where: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if landlock.abi_version() == 0:
        pytest.skip("this kernel has no Landlock")
    monkeypatch.setattr(Worker, "root_namespaces", ())
    monkeypatch.setattr(jailmod, "_CHROOT_OK", False)
    with _worker(hw_file) as w, pytest.raises(SubmissionRaised) as info:
        SubmissionProxy(w).fill(where, 1, 1)
    assert "Permission denied" in str(info.value)


def test_the_solutions_are_unreadable_in_uid_mode(hw_file: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No chroot (EPERM) and no namespaces: the worker still cannot read the solutions,
    the hidden tests, the catalog or the grader's configuration."""
    monkeypatch.setattr(Worker, "root_namespaces", ())
    monkeypatch.setattr(jailmod, "_CHROOT_OK", False)
    secrets = [paths.SOLUTIONS_HW, *sorted(paths.HIDDEN_TESTS.glob("test_*.py"))[:2],
               paths.ROOT / "autograder" / "mistakes" / "catalog.py", paths.ASSIGNMENT_TOML]
    if landlock.abi_version() == 0:
        pytest.skip("this kernel has no Landlock (on Gradescope run_autograder closes the "
                    "autograder's files to other users: tests/test_gradescope_box.py)")
    with _worker(hw_file) as w:
        hw = SubmissionProxy(w)
        got = {str(p): hw.read_file(str(p)) for p in secrets}
        assert w.isolation["mode"] == "uid" and w.isolation["grader_files_hidden"] is True
        assert "weaker isolation" in w.isolation["weaker"]
    for path, text in got.items():
        assert text.startswith("failed"), f"the worker read {path}"


def test_a_weaker_mode_is_named_in_plain_words_in_the_summary(hw_file: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """What results.json's ``extra_data.isolation.weaker`` says, the summary of ``run``
    says too."""
    from autograder.grading.summary import format_summary

    monkeypatch.setattr(Worker, "root_namespaces", ())
    monkeypatch.setattr(jailmod, "_CHROOT_OK", False)
    with _worker(hw_file) as w:
        iso = w.isolation
    assert iso["weaker"].startswith("weaker isolation: no chroot")
    results = {"score": 0.0, "tests": [], "extra_data": {"isolation": iso}}
    assert iso["weaker"] in format_summary(results).splitlines()
