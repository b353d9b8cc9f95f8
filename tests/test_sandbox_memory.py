"""Memory that fits the box: the worker is the kernel's first victim, and the message
names the limit that was really hit (its own address-space limit, or the box's memory).

The box is a memory cgroup made for the test (cgroup v1 ``memory``, or v2 where the
parent delegates the ``memory`` controller), below the one this test runs in; skipped
where none can be made (not root, read-only cgroups).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import autograder
from autograder.grading.results import per_test_records
from autograder.sandbox import memory

ROOT = Path(autograder.__file__).resolve().parents[1]
BOX_MB = 350

GREEDY = """
def softmax(z, axis=-1):
    blocks = []
    for _ in range(10):  # at most 640 MB, touched: more than the box, less than the limit
        blocks.append(bytearray(64 * 2**20))
    return z
"""


def _own_cgroup_dir() -> Path | None:
    """Where a child memory cgroup of this process can be made, or None."""
    paths = memory._cgroup_paths()
    if "memory" in paths:  # v1
        d = memory.CGROUP_ROOT / "memory" / paths["memory"].lstrip("/")
        return d if (d / "memory.limit_in_bytes").is_file() else None
    v2 = memory._v2_dir()
    if v2 is not None and "memory" in (v2 / "cgroup.subtree_control").read_text().split():
        return v2
    return None


@contextlib.contextmanager
def memory_box(limit_mb: int) -> Iterator[Path]:
    """A fresh memory cgroup of ``limit_mb`` (no swap); yields its ``cgroup.procs``."""
    parent = _own_cgroup_dir()
    if os.geteuid() != 0 or parent is None or not os.access(parent, os.W_OK):
        pytest.skip("needs root and a writable memory cgroup (v1, or v2 with memory delegated)")
    box = parent / f"autograder-test-{secrets.token_hex(4)}"
    box.mkdir()
    try:
        limit = str(limit_mb * 2**20)
        if (box / "memory.limit_in_bytes").exists():
            (box / "memory.limit_in_bytes").write_text(limit)
            with contextlib.suppress(OSError):
                (box / "memory.memsw.limit_in_bytes").write_text(limit)
        else:
            (box / "memory.max").write_text(limit)
            with contextlib.suppress(OSError):
                (box / "memory.swap.max").write_text("0")
        yield box / "cgroup.procs"
    finally:
        for _ in range(100):  # empty once the grade's processes are gone
            with contextlib.suppress(OSError):
                box.rmdir()
                break
            time.sleep(0.1)


def test_the_box_running_out_of_memory_is_named_and_the_grader_survives(tmp_path: Path) -> None:
    """The worker may take 1024 MB, the box has 350: the kernel's OOM killer strikes,
    chooses the worker (oom_score_adj 1000), and the student reads that the machine ran
    out of memory (with the box's size), not that a limit it never reached was hit."""
    hw = tmp_path / "hw.py"
    hw.write_text((ROOT / "student" / "hw.py").read_text() + GREEDY)
    toml = tmp_path / "assignment.toml"
    text = (ROOT / "autograder" / "assignment.toml").read_text()
    toml.write_text(re.sub(r"(?m)^memory_mb\s*=.*$", "memory_mb = 1024", text))
    results = tmp_path / "results.json"
    with memory_box(BOX_MB) as procs:
        cmd = [sys.executable, "-m", "autograder", "run", str(hw), "--results", str(results),
               "--config", str(toml), "--functions", "softmax"]
        proc = subprocess.run(
            ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(procs), *cmd],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert proc.returncode == 0, proc.stderr[-2000:]  # the grader lived to write results
    data = json.loads(results.read_text())
    outputs = [t["output"] for t in per_test_records(data) if t["tags"][0] == "softmax"]
    assert data["score"] == 0 and outputs
    killed = [o for o in outputs if "out-of-memory killer" in o]
    assert killed, outputs[0][:500]
    assert f"{BOX_MB} MB for the grader and your code together" in killed[0]
    assert "limit of 1024 MB" in killed[0]


def _worker_processes(launcher: int) -> list[int]:
    """The processes below the launcher whose command line runs ``worker.py``."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [launcher]
    while todo:
        for pid in children.get(todo.pop(), []):
            todo.append(pid)
            with contextlib.suppress(OSError):
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if any(a.endswith(b"/worker.py") for a in argv):  # not the launcher's spec
                    found.append(pid)
    return found


def test_the_worker_is_the_first_victim_and_its_own_limit_is_named(tmp_path: Path) -> None:
    """oom_score_adj 1000 (the kernel kills it before the grader); within the box, its
    address-space limit stops it first: a MemoryError that names that limit."""
    from autograder.sandbox import Limits, SubmissionMemoryError, SubmissionProxy, Worker

    hw = tmp_path / "hw.py"
    hw.write_text(GREEDY)
    with Worker(hw, [], Limits(memory_mb=256, call_timeout_s=20)) as worker:
        workers = _worker_processes(worker._proc.pid)
        assert len(workers) == 1
        assert Path(f"/proc/{workers[0]}/oom_score_adj").read_text().strip() == "1000"
        assert Path("/proc/self/oom_score_adj").read_text().strip() != "1000"
        with pytest.raises(SubmissionMemoryError, match="memory limit of 256 MB"):
            SubmissionProxy(worker).softmax(1.0)
