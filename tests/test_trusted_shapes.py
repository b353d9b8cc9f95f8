"""Trusted code on untrusted shapes (issue 17, section 2).

The trusted side computes on values a submission returned only after ``checks.conform`` has
checked their kind, dtype and shape against the solution's (the one acceptance rule), so the
cost of those computations is bounded by the expected shapes, whatever came over the wire.

The broadcast attack (``tests/hostile/payloads.py``: ``broadcast_params``, a ``b1`` of shape
(10**6, 1, 1) int8, 1 MB on the wire, that the reference ``predict`` would broadcast into
gigabytes of float64 temporaries): ``autograder run`` keeps the grader's peak memory under
300 MB, writes results.json and scores the function 0. (The worker has its own memory
limit.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hostile.payloads import BY_NAME, Context, Payload, write_submission

from autograder import paths
from autograder.grading.results import per_test_records
from autograder.sandbox import Limits

#: Gradescope's box is 768 MB with the grader in it; the grader must stay far below
PEAK_MB = 300


#: runs ``python -m autograder ARGS`` and writes the process's peak resident memory (its
#: VmHWM, in kB) to the file named first. Not ``wait4``'s ru_maxrss: a child forked from this
#: (large) test process starts with the test process's pages counted in its peak.
_MEASURED = """
import atexit, runpy, sys
out = sys.argv.pop(1)

def peak():
    with open("/proc/self/status") as status, open(out, "w") as f:
        f.write(next(x for x in status if x.startswith("VmHWM")).split()[1])

atexit.register(peak)
sys.argv[0] = "autograder"
runpy.run_module("autograder", run_name="__main__", alter_sys=True)
"""


def _run_measured(args: list[str], cwd: Path, timeout: float = 600) -> tuple[int, float, str]:
    """Run ``python -m autograder args``; return (exit code, the grader's peak memory in
    MB, output)."""
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT)}
    peak_file = cwd / "peak_kb.txt"
    proc = subprocess.run([sys.executable, "-c", _MEASURED, str(peak_file), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)
    peak_mb = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("inf")
    return proc.returncode, peak_mb, proc.stdout + proc.stderr


def _grade_measured(payload: Payload, tmp_path: Path) -> tuple[float, dict, str]:
    ctx = Context("h7shapes", tmp_path / "trap", tmp_path / "results.json", 1, 2, os.getuid())
    hw = write_submission(payload, ctx, tmp_path / "submission")
    code, peak_mb, output = _run_measured(
        ["run", str(hw), "--results", str(ctx.results), "--functions",
         ",".join(payload.functions or ())], tmp_path)
    assert code == 0, output[-3000:]
    return peak_mb, json.loads(ctx.results.read_text(encoding="utf-8")), output


def test_the_broadcast_attack_keeps_the_grader_small(tmp_path: Path) -> None:
    peak_mb, results, _ = _grade_measured(BY_NAME["broadcast_params"], tmp_path)
    assert peak_mb < PEAK_MB, f"the grader's peak memory was {peak_mb:.0f} MB"
    assert results["score"] == 0
    train = [t for t in per_test_records(results) if t["tags"][0] == "train_two_layer_net"]
    assert train and all(t["score"] == 0 for t in train)
    timbre = [t for t in train if "timbre" in t["name"]]
    assert len(timbre) == 1 and "expected shape" in timbre[0]["output"], timbre


#: a wrong answer just under the reply cap, returned by every call of relu
_JUST_UNDER_THE_CAP = Payload(
    "just_under_the_cap", "an array just under the reply cap from every relu call", f"""
def relu(x):
    import numpy as np
    return np.zeros({Limits().max_message_mb} * 2**20 - 2**16, dtype=np.bool_)
""")


@pytest.mark.parametrize("payload", [BY_NAME["huge_return"], _JUST_UNDER_THE_CAP],
                         ids=["150 MB reply", "a reply just under the cap"])
def test_the_reply_cap_bounds_what_big_answers_cost(tmp_path: Path, payload: Payload) -> None:
    """The grader decodes a reply and keeps a few of them (failure messages, Hypothesis'
    examples): ``Limits.max_message_mb`` (far above any right answer) bounds that."""
    peak_mb, results, _ = _grade_measured(payload, tmp_path)
    assert peak_mb < PEAK_MB, f"the grader's peak memory was {peak_mb:.0f} MB"
    assert results["score"] == 0 and results["tests"]


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (({"W1": np.ones((3, 4)), "b1": np.zeros((10**6, 1, 1), np.int8), "W2": np.ones((4, 2)),
           "b2": np.zeros(2)}, [0.0]), "expected a float64 array, got dtype int8"),
        (({"W1": np.ones((3, 4)), "b1": np.zeros((10**5, 1, 1)), "W2": np.ones((4, 2)),
           "b2": np.zeros(2)}, [0.0]), "expected shape (4,), got shape (100000, 1, 1)"),
        (({"W1": np.ones((3, 4)), "b1": np.zeros(4), "W2": np.ones((4, 2)), "b2": np.zeros(2)},
          [0.0] * 7), "expected a list of 1 values, got a list of 7"),
        ([{"W1": 1}, [0.0]], "expected a dict with keys"),
        (({"W1": np.ones((3, 4), np.float16), "b1": np.zeros(4), "W2": np.ones((4, 2)),
           "b2": np.zeros(2)}, [0.0]), "expected a float64 array, got dtype float16"),
    ],
)
def test_conform_stops_hostile_params_before_any_computation(got, message) -> None:
    sys.path.insert(0, str(paths.STUDENT_TESTS))
    try:
        import checks
    finally:
        sys.path.remove(str(paths.STUDENT_TESTS))
    expected = ({"W1": np.zeros((3, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 2)),
                 "b2": np.zeros(2)}, [0.0])
    with pytest.raises(AssertionError, match=r"^train_two_layer_net: ") as info:
        checks.conform(got, expected, name="train_two_layer_net")
    assert message in str(info.value)
