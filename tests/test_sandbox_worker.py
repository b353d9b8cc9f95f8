"""The worker process and the trusted client: calls, errors, limits, kills, the jail."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import autograder
from autograder.sandbox import (
    BadReturnValue,
    Limits,
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionImportError,
    SubmissionMemoryError,
    SubmissionProxy,
    SubmissionRaised,
    SubmissionTimeout,
    Worker,
    WorkerCrashed,
)

ROOT = Path(autograder.__file__).resolve().parents[1]
IS_ROOT = os.geteuid() == 0

HW = '''
import os, sys, time
import numpy as np

def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)

def scale_in_place(x, params):
    x *= 2
    params["W"] += 1
    params["new"] = np.zeros(2)

def pure(x):
    return x * 2

def overflows(x):
    return np.exp(x)

def uses_stub(x):
    return stub(x) + 1

def nap(seconds):
    time.sleep(seconds)
    return seconds

def long_nap(seconds):
    time.sleep(seconds)
    return seconds

def loop_forever():
    while True:
        pass

def stub(x):
    """Docstring."""
    raise NotImplementedError

def _helper(x):
    return x[10]

def raises(x):
    return _helper(x)

def object_array():
    return np.array([1, "a"], dtype=object)

class MyFloat(float):
    pass

def lone_surrogate():
    return "ok" + chr(0xD800)

def raises_surrogate():
    raise ValueError("bad" + chr(0xD800))

def float_subclass():
    return MyFloat(1.0)

def ndarray_subclass():
    return np.ma.masked_array([1.0, 2.0])

def exits():
    os._exit(3)

def sys_exit():
    sys.exit(0)

def kills_itself():
    import signal
    os.kill(os.getpid(), signal.SIGKILL)

def segfault():
    import ctypes
    ctypes.string_at(0)

def talk():
    print("START")
    sys.stdout.write("x" * 10_000_000)
    print("END")
    return 1

def use_f(f, x):
    return f(x)

def memory_bomb():
    hog = []
    while True:
        hog.append(np.ones(10_000_000))

def detach(name):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            import ctypes
            ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
            os.write(w, b"x")
            time.sleep(300)
        os._exit(0)
    os.waitpid(pid, 0)
    return os.read(r, 1) == b"x"

def fork_many(n):
    pids = []
    try:
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                time.sleep(300)
                os._exit(0)
            pids.append(pid)
    except OSError:
        pass
    return pids

def connect(port):
    import socket
    try:  # the syscall filter may refuse the socket itself
        with socket.socket() as s:
            s.settimeout(2)
            s.connect(("127.0.0.1", port))
            return "connected"
    except OSError as e:
        return type(e).__name__

def exit_later():
    import threading
    threading.Thread(target=lambda: (time.sleep(0.2), os._exit(1))).start()
    return 1

def fill_tmp(count, size):
    written = 0
    try:
        for i in range(count):
            with open(os.path.join(os.environ["TMPDIR"], f"f{i}"), "wb") as f:
                f.write(b"x" * size)
            written += 1
    except OSError as e:
        return written, e.errno
    return written, None

def escapes():
    esc = chr(27)
    print(esc + "[2J" + esc + "]0;pwned" + chr(7), flush=True)
    raise RuntimeError(esc + "[8mscore: 100/100" + chr(13) + "all tests passed")

def whoami():
    return os.getuid()

def probe(paths, write_paths):
    out = {}
    for p in paths:
        try:
            with open(p, "rb") as f:
                f.read(1)
            out[p] = "read"
        except OSError as e:
            out[p] = type(e).__name__
    for p in write_paths:
        try:
            with open(p, "w") as f:
                f.write("x")
            out[p] = "written"
        except OSError as e:
            out[p] = type(e).__name__
    found = []
    for d, _, files in os.walk("/"):
        found += [os.path.join(d, f) for f in files if f in ("hw.py", "results.json")]
    out["found"] = found
    out["proc"] = os.path.exists("/proc/1") or os.path.exists("/proc/self")
    out["tmp"] = os.environ["TMPDIR"]
    return out
'''

TESTFUNCS = """
import numpy as np

class NamedFunction:
    def __init__(self, name, params):
        self.name = name
        self.params = params
    def __call__(self, x):
        return float(np.sum(self.params["A"] * x ** 2))

def make(name, **params):
    return NamedFunction(name, params)
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("sandbox")
    (d / "hw.py").write_text(HW)
    (d / "testfuncs.py").write_text(TESTFUNCS)
    return d


@pytest.fixture(scope="module")
def worker(files):
    with Worker(files / "hw.py", [files / "testfuncs.py"], Limits(call_timeout_s=2)) as w:
        yield w


@pytest.fixture
def hw(worker):
    return SubmissionProxy(worker)


def test_calls_return_rebuilt_plain_data(hw):
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    got = hw.softmax(z, axis=1)
    assert type(got) is np.ndarray and got.dtype == np.float64
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    assert hw.import_error is None
    assert hw.pure(3) == 6


def test_in_place_mutations_are_mirrored_into_the_callers_objects(hw):
    x = np.ones(3)
    w = np.zeros(2)
    params = {"W": w}
    hw.scale_in_place(x, params)
    np.testing.assert_array_equal(x, [2.0, 2.0, 2.0])
    assert params["W"] is w  # the caller's own array, updated in place
    np.testing.assert_array_equal(w, [1.0, 1.0])
    assert set(params) == {"W", "new"}
    y = np.ones(3)
    hw.pure(y)
    np.testing.assert_array_equal(y, np.ones(3))


def test_the_callers_float_error_state_applies_in_the_worker(hw):
    x = np.array([0.0, 1000.0])
    assert np.isinf(hw.overflows(x)[1])  # NumPy's default: a warning, not an error
    with np.errstate(over="raise"), pytest.raises(SubmissionRaised, match="FloatingPointError"):
        hw.overflows(x)
    with np.errstate(over="ignore"):
        assert np.isinf(hw.overflows(x)[1])


def test_a_stub_called_by_another_function_is_named(hw):
    with pytest.raises(NotImplementedBySubmission) as info:
        hw.uses_stub(1.0)
    assert str(info.value).startswith("uses_stub() needs stub(), which is not implemented yet")
    with pytest.raises(NotImplementedBySubmission, match=r"^stub\(\) is not implemented yet"):
        hw.stub(1.0)


def test_a_function_can_have_its_own_call_timeout(files):
    limits = Limits(call_timeout_s=0.5, function_timeouts={"long_nap": 5.0})
    with Worker(files / "hw.py", [], limits) as w:
        hw = SubmissionProxy(w)
        assert hw.long_nap(1.0) == 1.0
        with pytest.raises(SubmissionTimeout, match=r"0\.5 s"):
            hw.nap(1.0)


def test_named_test_functions_cross_by_name(hw, files):
    import importlib.util

    spec = importlib.util.spec_from_file_location("scratch_testfuncs", files / "testfuncs.py")
    tf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tf)
    assert hw.use_f(tf.make("quadratic", A=np.array([1.0, 3.0])), np.array([1.0, 2.0])) == 13.0
    with pytest.raises(TypeError, match=r"testfuncs\.make"):
        hw.use_f(lambda x: 0.0, np.ones(2))


def test_student_errors(hw):
    with pytest.raises(NotImplementedBySubmission, match="stub"):
        hw.stub(1)
    with pytest.raises(SubmissionRaised) as e:
        hw.raises([1])
    msg = str(e.value)
    assert "IndexError" in msg and "_helper" in msg and 'File "hw.py"' in msg
    assert "worker.py" not in msg and "sandbox" not in msg
    with pytest.raises(SubmissionRaised, match="ValueError"):
        hw.raises_surrogate()
    with pytest.raises(MissingFunction):
        hw.no_such_function(1)
    assert not hasattr(hw, "no_such_function")
    with pytest.raises(AttributeError):
        hw._helper  # noqa: B018 - private names are not exposed


def test_terminal_control_characters_never_reach_the_grader_text(hw):
    with pytest.raises(SubmissionRaised) as e:
        hw.escapes()
    text = str(e.value) + hw.output_tail()
    assert not any(c in text for c in ("\x1b", "\x07", "\r"))
    assert "\\x1b[8mscore" in str(e.value)


@pytest.mark.parametrize(
    "fn", ["object_array", "float_subclass", "ndarray_subclass", "lone_surrogate"]
)
def test_non_plain_return_values_are_refused(hw, fn):
    with pytest.raises(BadReturnValue):
        getattr(hw, fn)()


def test_timeout_kills_and_next_call_restarts(hw):
    before = hw.stats.restarts
    # cut at its 2 s limit (the message is the client's record of the limit it applied),
    # not left to loop: the call returns at all
    with pytest.raises(SubmissionTimeout, match=r"timed out after 2 s while calling loop_forever"):
        hw.loop_forever()
    assert hw.pure(2) == 4
    assert hw.stats.restarts == before + 1 and hw.stats.timeouts >= 1


@pytest.mark.parametrize(
    "fn, pattern",
    [
        ("exits", "exit code 3"),
        ("sys_exit", "SystemExit"),
        ("kills_itself", "SIGKILL"),
        ("segfault", "SIGSEGV"),
    ],
)
def test_a_dead_worker_is_reported_and_restarted(hw, fn, pattern):
    exc = SubmissionRaised if fn == "sys_exit" else WorkerCrashed
    with pytest.raises(exc, match=pattern):
        getattr(hw, fn)()
    assert hw.pure(5) == 10


def test_a_worker_that_died_between_calls_is_restarted(hw):
    before = hw.stats.restarts
    assert hw.exit_later() == 1
    deadline = time.monotonic() + 60  # the worker exits 0.2 s later (later on a busy box)
    while hw.worker.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not hw.worker.alive
    assert hw.pure(4) == 8
    assert hw.stats.restarts == before + 1


def test_output_is_captured_and_capped(files):
    with Worker(files / "hw.py", [], Limits(max_output_kb=64)) as w:
        assert SubmissionProxy(w).talk() == 1
        out = w.output_tail()
    assert len(out) < 66 * 1024
    assert out.startswith("START") and out.rstrip().endswith("END") and "omitted" in out


def test_memory_bomb_hits_the_limit_cleanly(files):
    with Worker(files / "hw.py", [], Limits(memory_mb=512, call_timeout_s=20)) as w:
        hw = SubmissionProxy(w)
        with pytest.raises((SubmissionMemoryError, WorkerCrashed), match="memory"):
            hw.memory_bomb()
        assert hw.pure(1) == 2


def _named(name: str) -> list[int]:
    """Live (non-zombie) processes called ``name`` (pids seen from here: a worker in its own
    PID namespace knows other numbers)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm, state = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1][1]
        if comm == name and state != "Z":
            found.append(int(entry))
    return found


@pytest.mark.parametrize("jail", [None, False] if IS_ROOT else [None])
def test_detached_grandchild_does_not_survive_close(files, jail):
    name = f"det{os.getpid() % 10**6}{'j' if jail is None else 'u'}"
    with Worker(files / "hw.py", [], Limits(), jail=jail) as w:
        assert SubmissionProxy(w).detach(name)
        assert _named(name), "the detached grandchild is not running"
    assert _named(name) == [], f"a detached grandchild escaped (mode {w.jail_note})"


def _import_error(files: Path, source: str) -> SubmissionImportError | None:
    bad = files / "bad_hw.py"
    bad.write_text(textwrap.dedent(source))
    with Worker(bad, [], Limits(import_timeout_s=3)) as w:
        hw = SubmissionProxy(w)
        err = hw.import_error
        if err is not None:
            for _ in range(3):
                with pytest.raises(SubmissionImportError):
                    hw.softmax(np.zeros(2))
            assert w.stats.starts == 1  # not re-imported for every call
        return err


def test_syntax_error_is_an_import_error_with_line(files):
    err = _import_error(files, "import numpy as np\n\ndef softmax(z:\n    return z\n")
    assert err is not None and err.line == 3
    assert "SyntaxError" in str(err) and "line 3" in str(err)


@pytest.mark.parametrize(
    "source, pattern",
    [
        ("import numpy as np\nx = 1 / 0\ndef softmax(z): return z\n", "ZeroDivisionError"),
        ("import sys\nsys.exit(1)\n", "SystemExit"),
        ("import os\nos._exit(0)\n", "died while importing"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "SIGKILL"),
        ("while True:\n    pass\n", "took more than"),
        # a module the grader does not provide is a placeholder: its use stops the import
        ("import scipy_not_there\nscipy_not_there.f()\n", "does not provide"),
        ("import matplotlib.pyplot as plt\nplt.figure()\n",
         "can import only NumPy and the Python standard"),
    ],
)
def test_import_time_failures(files, source, pattern):
    err = _import_error(files, source)
    assert err is not None and pattern in str(err)


@pytest.mark.skipif(not IS_ROOT, reason="jail tests need root (CI and Gradescope run as root)")
def test_jail_hides_the_grader_and_drops_privileges(hw, worker):
    assert worker.use_jail and "chroot" in worker.jail_note
    assert hw.whoami() != 0
    secret = [
        str(ROOT / "solutions" / "hw.py"),
        str(ROOT / "autograder" / "__init__.py"),
        str(Path(autograder.__file__).resolve()),
        "/etc/shadow",
        "/etc/passwd",
        "/proc/self/status",
        "/root/.bashrc",
    ]
    tmp = hw.probe([], [])["tmp"]
    writes = ["/x", "/tmp/x", "/root/x", str(Path(tmp).parent / "x"), f"{tmp}/ok"]
    out = hw.probe(secret, writes)
    for p in secret:
        assert out[p] != "read", f"the submission could read {p}"
    for p in writes[:-1]:
        assert out[p] != "written", f"the submission could write {p}"
    assert out[f"{tmp}/ok"] == "written"
    assert out["found"] == [] and out["proc"] is False


@pytest.mark.skipif(not IS_ROOT, reason="network isolation needs root (CI and Gradescope)")
def test_jailed_worker_has_no_network(hw, worker):
    import socket

    assert worker.isolation["network"] != "host"  # a namespace, or the syscall filter
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        assert hw.connect(server.getsockname()[1]) != "connected"


def test_network_isolation_report_is_truthful(files):
    import socket

    with Worker(files / "hw.py", [], Limits()) as w, socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        reached = SubmissionProxy(w).connect(server.getsockname()[1]) == "connected"
        assert reached == (w.isolation["network"] == "host")


@pytest.mark.skipif(not IS_ROOT, reason="jail tests need root (CI and Gradescope run as root)")
def test_without_chroot_the_worker_still_runs_as_a_dedicated_uid(files, monkeypatch):
    from autograder.sandbox import jail

    monkeypatch.setattr(jail, "_CHROOT_OK", False)  # as if chroot() gave EPERM
    with Worker(files / "hw.py", [], Limits()) as w:
        hw = SubmissionProxy(w)
        iso = w.isolation
        assert iso["mode"] == "uid"  # hidden only where Landlock gives it the chroot's view
        assert iso["grader_files_hidden"] == iso["file_view"].startswith("Landlock")
        assert hw.whoami() == w.isolation["uid"] != 0
        assert hw.softmax(np.zeros(4))[0] == 0.25
        out = hw.probe(["/root/.bashrc"], ["/x"])
        assert out["/root/.bashrc"] != "read" and out["/x"] != "written"


def test_isolation_is_reported(worker):
    iso = worker.isolation
    if IS_ROOT:
        assert iso["mode"] == "chroot" and iso["grader_files_hidden"] and iso["uid"] != 0
    else:  # an ordinary user: the user namespace jail (the suite's unjailed runs refuse)
        assert iso["mode"] == "userns" and iso["grader_files_hidden"]
    if iso["network"] == "none (own network namespace)":  # granted one, granted them all
        assert iso["pid_namespace"] is True and iso["tmp"].startswith("tmpfs")


def test_without_a_jail_the_worker_refuses_unless_allowed(files, monkeypatch):
    """Where no jail is possible (stubbed here), an automatic Worker refuses to run the
    submission as the grader; ``--unsafe-same-user`` (its environment variable) allows it,
    and the isolation then says so."""
    from autograder.sandbox import IsolationUnavailable, isolation

    monkeypatch.setattr(isolation, "automatic_mode", lambda: "same-user")
    monkeypatch.setattr(isolation, "is_root", lambda: False)
    monkeypatch.setattr(isolation, "userns_probe", lambda: "stubbed: no user namespaces")
    monkeypatch.delenv(isolation.UNSAFE_ENV, raising=False)
    refused = Worker(files / "hw.py", [], Limits())
    with pytest.raises(IsolationUnavailable) as info:
        refused.start()
    refused.close()
    assert "--unsafe-same-user" in str(info.value) and "stubbed" in str(info.value)
    assert refused.stats.starts == 0
    assert isolation.consent(False) is not None
    monkeypatch.setenv(isolation.UNSAFE_ENV, "1")  # what --unsafe-same-user sets
    assert isolation.consent(False) is None
    with Worker(files / "hw.py", [], Limits()) as w:
        assert SubmissionProxy(w).pure(2) == 4
        assert w.isolation["mode"] == "same-user" and w.isolation["unsafe_same_user"] is True


@pytest.mark.skipif(not IS_ROOT, reason="RLIMIT_NPROC binds a dedicated uid: needs root")
def test_process_limit_stops_a_fork_bomb_and_close_reaps_it(files):
    from autograder.sandbox.procs import user_processes

    with Worker(files / "hw.py", [], Limits(max_processes=16)) as w:
        pids = SubmissionProxy(w).fork_many(200)
        uid = w.isolation["uid"]
        assert 0 < len(pids) < 16
        assert len(user_processes(uid)) > len(pids)  # the worker and its sleeping children
    assert user_processes(uid) == []  # close() killed every one


@pytest.mark.skipif(not IS_ROOT, reason="a tmpfs quota needs root (CI and Gradescope)")
def test_jailed_tmp_is_a_small_tmpfs(files):
    import errno

    with Worker(files / "hw.py", [], Limits(tmp_mb=8)) as w:
        if not w.isolation["tmp"].startswith("tmpfs"):
            pytest.skip("no tmpfs here (mount needs CAP_SYS_ADMIN in a container)")
        written, err = SubmissionProxy(w).fill_tmp(20, 2**20)
        assert written <= 8 and err == errno.ENOSPC


def test_a_symlinked_submission_is_refused(files, tmp_path):
    link = tmp_path / "hw.py"
    link.symlink_to(ROOT / "solutions" / "hw.py")
    with Worker(link, [], Limits()) as w:
        hw = SubmissionProxy(w)
        assert "symbolic link" in str(hw.import_error)
        with pytest.raises(SubmissionImportError):
            hw.softmax(np.zeros(3))
        assert w.stats.starts == 0
