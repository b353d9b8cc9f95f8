"""The built zip, run the Gradescope way in Gradescope's default box, grades as ``autograder run``.

``tests/gradescope_box.py`` unpacks ``autograder.zip`` as Gradescope does, runs its image
steps, then ``run_autograder`` in a cgroup of 0.5 CPU and 768 MB (grader and worker
together). A correct submission, the stubs, a memory bomb and a correct but slow one (a
Python loop per output entry of the linear layer, tens of times slower than the
reference) must get exactly what ``autograder run`` gives them on the unconstrained
machine: a grade depends on the submission, not on the box.

Root with writable cgroups only (CI runs as root); skipped with the reason otherwise.
The four boxes and four unconstrained runs share the machine at once.
"""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

import pytest
from gradescope_box import (
    Box,
    GradescopeImage,
    GradescopeRun,
    autograder_run,
    box_unavailable,
    comparable,
)

from autograder import paths
from autograder.grading.results import per_test_records
from autograder.release import build

REASON = box_unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

#: A memory bomb: 1.2 GB at once, more than the whole box.
MEMORY_BOMB = '''

def relu(x):
    import numpy as np
    hog = np.ones(150_000_000)  # 1.2 GB
    return hog[: np.size(x)].reshape(np.shape(x))
'''

#: The linear layer written as a Python loop per output entry (correct, and slow).
ENTRY_LOOPS = '''

def linear_forward(x, W, b):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = np.empty((x.shape[0], W.shape[1]))
    for i in range(x.shape[0]):
        for j in range(W.shape[1]):
            out[i, j] = np.dot(x[i], W[:, j]) + b[j]
    return out


def linear_backward(x, W, upstream):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    dx = np.empty((x.shape[0], W.shape[0]))
    for i in range(x.shape[0]):
        for j in range(W.shape[0]):
            dx[i, j] = np.dot(g[i], W[j])
    dW = np.empty(W.shape)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            dW[i, j] = np.dot(x[:, i], g[:, j])
    return dx, dW, g.sum(axis=0)
'''


def submissions(folder: Path) -> dict[str, Path]:
    """The four submissions, as files named hw.py (later definitions replace earlier)."""
    sources = {
        "solutions": paths.SOLUTIONS_HW.read_text(encoding="utf-8"),
        "stubs": paths.STUDENT_HW.read_text(encoding="utf-8"),
        "memory_bomb": paths.STUDENT_HW.read_text(encoding="utf-8") + MEMORY_BOMB,
        "entry_loops": paths.SOLUTIONS_HW.read_text(encoding="utf-8") + ENTRY_LOOPS,
    }
    out = {}
    for name, text in sources.items():
        (folder / name).mkdir()
        out[name] = folder / name / "hw.py"
        out[name].write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[GradescopeRun, dict]]:
    """name -> (the Gradescope-way run in the box, ``autograder run`` unconstrained)."""
    base = tmp_path_factory.mktemp("gradescope-box")
    ag_zip, _ = build.build(base / "dist")
    subs = submissions(base)

    def in_box(sub: Path) -> GradescopeRun:
        with Box() as box:
            return image.grade(sub, box)

    # all at once: the boxes and the unconstrained runs share the machine, which must not
    # change a grade either
    with GradescopeImage(ag_zip) as image, concurrent.futures.ThreadPoolExecutor(8) as pool:
        boxed = {name: pool.submit(in_box, sub) for name, sub in subs.items()}
        plain = {
            name: pool.submit(autograder_run, sub, base / f"{name}.json")
            for name, sub in subs.items()
        }
        return {name: (boxed[name].result(), plain[name].result()[0]) for name in subs}


@pytest.mark.parametrize(
    "name, score", [("solutions", 100), ("stubs", 0), ("memory_bomb", 0), ("entry_loops", 100)]
)
def test_the_box_grades_like_autograder_run(
    graded: dict[str, tuple[GradescopeRun, dict]], name: str, score: float
) -> None:
    run, plain = graded[name]
    assert run.results is not None, f"no results.json was written:\n{run.log[-4000:]}"
    json.dumps(run.results, allow_nan=False)
    assert run.results["score"] == pytest.approx(score), run.log[-4000:]
    assert comparable(run.results) == comparable(plain)


def test_the_memory_bomb_is_stopped_by_a_limit_the_box_has(
    graded: dict[str, tuple[GradescopeRun, dict]],
) -> None:
    run, _ = graded["memory_bomb"]
    assert run.results is not None
    relu = [t for t in per_test_records(run.results) if t["tags"][0] == "relu"]
    assert relu and all(t["score"] == 0 for t in relu)
    assert any("memory" in t["output"] for t in relu), [t["output"] for t in relu]


# ----------------------------------------------------------------------------- fewer capabilities

#: At import: load the solutions the Gradescope way and re-export them (scored 100 when
#: chroot was refused, issue 21), printing what it read; relu also phones a loopback
#: listener of the test and says how that went.
SNOOP = '''

_h7_got = []
for _h7_path in ("/autograder/source/solutions/hw.py",
                 "/autograder/source/autograder/hidden_tests/test_part3_layers.py",
                 "/autograder/source/autograder/mistakes/catalog.py"):
    try:
        with open(_h7_path) as _h7_f:
            _h7_text = _h7_f.read()
        _h7_got.append(_h7_path + ": READ")
        print(_h7_text)
        if _h7_path.endswith("solutions/hw.py"):
            exec(compile(_h7_text, _h7_path, "exec"), globals())
    except OSError as _h7_e:
        _h7_got.append(_h7_path + ": " + type(_h7_e).__name__)
_h7_relu = globals().get("relu")


def relu(x):
    import socket
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
        net = "CONNECTED"
    except OSError as e:
        net = "refused: " + str(e)
    raise RuntimeError("loopback " + net + " | " + " | ".join(_h7_got))
'''

#: (what is dropped, the isolation mode it leaves)
CAP_DROPS = {
    "no CAP_SYS_ADMIN": (("cap_sys_admin",), "chroot"),
    "no CAP_SYS_ADMIN, no CAP_SYS_CHROOT": (("cap_sys_admin", "cap_sys_chroot"), "uid"),
}


@pytest.fixture(scope="module")
def dropped(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, GradescopeRun], list[bytes]]:
    """The snooping submission graded the Gradescope way with capabilities dropped, and a
    correct one with CAP_SETUID and CAP_SETGID dropped (no other uid to be had)."""
    from gradescope_box import capsh_unavailable

    if capsh_unavailable():
        pytest.skip(capsh_unavailable() or "")
    from hostile.harness import LoopbackListener

    base = tmp_path_factory.mktemp("gradescope-caps")
    ag_zip, _ = build.build(base / "dist")
    listener = LoopbackListener()
    (base / "snoop").mkdir()
    snoop = base / "snoop" / "hw.py"
    snoop.write_text(paths.STUDENT_HW.read_text(encoding="utf-8")
                     + SNOOP.replace("PORT", str(listener.port)), encoding="utf-8")
    jobs = {name: (snoop, caps) for name, (caps, _) in CAP_DROPS.items()}
    jobs["no CAP_SETUID"] = (paths.SOLUTIONS_HW, ("cap_setuid", "cap_setgid"))
    try:
        with GradescopeImage(ag_zip) as image, \
                concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
            runs = {name: pool.submit(image.grade, sub, None, 900, caps)
                    for name, (sub, caps) in jobs.items()}
            out = {name: run.result() for name, run in runs.items()}
    finally:
        listener.close()
    return out, listener.received


@pytest.mark.parametrize("drop", CAP_DROPS)
def test_without_capabilities_the_solutions_and_the_network_stay_out_of_reach(
    dropped: tuple[dict[str, GradescopeRun], list[bytes]], drop: str
) -> None:
    from hostile.harness import leaked

    runs, received = dropped
    run = runs[drop]
    assert run.results is not None, run.log[-4000:]
    assert run.returncode == 0, run.log[-4000:]
    text = json.dumps(run.results)
    assert run.results["score"] == 0, text[:3000]
    assert leaked(text) == [] and leaked(run.log) == []
    relu = [t for t in run.results["tests"] if t["tags"][0] == "relu"]
    assert relu and all("loopback refused" in t["output"] for t in relu), relu[0]["output"]
    assert ": READ" not in text
    assert received == []
    iso = run.results["extra_data"]["isolation"]
    assert iso["mode"] == CAP_DROPS[drop][1]
    assert iso["network"] != "host" and iso["syscall_filter"].startswith("seccomp")
    assert "weaker isolation" in iso["weaker"]


def test_without_another_uid_gradescope_refuses_to_run_student_code(
    dropped: tuple[dict[str, GradescopeRun], list[bytes]],
) -> None:
    run = dropped[0]["no CAP_SETUID"]
    assert run.returncode != 0
    assert run.results is not None and run.results["score"] == 0
    assert "cannot isolate student code" in json.dumps(run.results), run.log[-3000:]
