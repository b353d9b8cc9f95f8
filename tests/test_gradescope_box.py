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
