"""Run a built ``autograder.zip`` the way Gradescope does, in a box like Gradescope's.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once to build the
image, then for every submission starts a fresh container from that image (by default
about 0.5 vCPU and 768 MB of memory), puts the upload into ``/autograder/submission`` and
runs ``/autograder/run_autograder``, which must leave ``/autograder/grading/results/results.json``.

Here (root only, no Docker):

* the box is a cgroup (v1 ``cpu`` + ``memory`` controllers, or v2 ``cpu.max`` +
  ``memory.max``) with CPU quota ``cpu`` and a memory limit of ``memory_mb``, holding the
  whole run (grader and sandbox worker alike, as in Gradescope's container);
* ``/autograder`` is a private bind mount (a mount namespace of the run's own) of a fresh
  temporary folder laid out as Gradescope lays it out; nothing outside it is written,
  except an empty ``/autograder`` mount point when the machine has none (removed after);
* the image: the zip's requirements are those of this interpreter (otter's ``setup.sh``
  downloads Miniforge, which cannot run offline); the image steps the project adds to
  ``setup.sh`` (between :data:`IMAGE_STEPS_BEGIN` and :data:`IMAGE_STEPS_END`) are run,
  untimed, with a fresh sandbox state directory (``AUTOGRADER_SANDBOX_DIR``), so the
  graded run starts from what a new image holds;
* ``run_autograder`` itself runs, with a stand-in ``mamba`` whose ``activate`` does
  nothing and whose ``run -n ENV CMD`` runs ``CMD`` (the environment is this one).

Used by tests/test_gradescope_box.py and bench/bench_gradescope_box.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.grading.results import per_test_records
from autograder.release.build import IMAGE_STEPS_BEGIN, IMAGE_STEPS_END

ROOT = Path(__file__).resolve().parents[1]
#: Gradescope's default container (vCPUs, MB).
GRADESCOPE_CPU = 0.5
GRADESCOPE_MEMORY_MB = 768
#: Where Gradescope puts everything (a private bind mount in each run here).
MOUNT_POINT = Path("/autograder")
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_V2 = Path("/sys/fs/cgroup")
#: A ``/autograder/submission_metadata.json`` as Gradescope writes it (the fields otter reads).
SUBMISSION_METADATA = {
    "id": 1,
    # on time for the course's [late] rule (due 2025-02-07 23:59 ET): no late penalty
    "created_at": "2025-02-07T12:00:00.000000-05:00",
    "assignment": {"id": 1, "title": "Deep Learning Fundamentals II", "total_points": "100.0",
                   "due_date": "2025-02-07T23:59:00.000000-05:00"},
    "submission_method": "upload",
    "users": [{"email": "student@example.edu", "id": 1, "name": "A Student"}],
    "previous_submissions": [],
}
#: The stand-in for Miniforge's ``mamba`` (see the module docstring).
MAMBA_STUB = """#!/bin/sh
case "$1" in
  shell) echo 'mamba() { :; }' ;;
  run) shift; while [ "$1" = "-n" ]; do shift 2; done; exec "$@" ;;
  *) echo "mamba stand-in: $* is not supported" >&2; exit 2 ;;
esac
"""


def _v1_dirs() -> dict[str, Path] | None:
    cpu, mem = CGROUP_V1 / "cpu", CGROUP_V1 / "memory"
    if (cpu / "cpu.cfs_quota_us").exists() and (mem / "memory.limit_in_bytes").exists():
        return {"cpu": cpu, "memory": mem}
    return None


def _v2_dir() -> Path | None:
    controllers = CGROUP_V2 / "cgroup.controllers"
    if controllers.exists() and {"cpu", "memory"} <= set(controllers.read_text().split()):
        return CGROUP_V2
    return None


def box_unavailable() -> str | None:
    """Why no box can be made here (None when it can)."""
    if os.geteuid() != 0:
        return "a Gradescope-like box needs root (cgroups, a mount namespace, the jail)"
    if shutil.which("unshare") is None:
        return "util-linux's unshare is missing"
    if _v1_dirs() is None and _v2_dir() is None:
        return "no cgroup v1 cpu+memory hierarchy and no cgroup v2 with cpu and memory here"
    try:
        with Box(0.5, 256):
            pass
    except OSError as exc:
        return f"cgroups are not writable here ({exc})"
    return None


class Box:
    """A cgroup with a CPU quota and a memory limit (a context manager; removed after)."""

    def __init__(self, cpu: float = GRADESCOPE_CPU, memory_mb: int = GRADESCOPE_MEMORY_MB):
        self.cpu = cpu
        self.memory_mb = memory_mb
        self.name = f"music-ai-box-{secrets.token_hex(4)}"
        self.dirs: list[Path] = []

    def __enter__(self) -> Box:
        v1 = _v1_dirs()
        try:
            if v1 is not None:
                cpu = v1["cpu"] / self.name
                mem = v1["memory"] / self.name
                for d in (cpu, mem):
                    d.mkdir()
                    self.dirs.append(d)
                (cpu / "cpu.cfs_period_us").write_text("100000")
                (cpu / "cpu.cfs_quota_us").write_text(str(int(self.cpu * 100000)))
                (mem / "memory.limit_in_bytes").write_text(str(self.memory_mb * 2**20))
                with contextlib.suppress(OSError):  # no swap beyond the limit either
                    (mem / "memory.memsw.limit_in_bytes").write_text(str(self.memory_mb * 2**20))
            else:
                v2 = _v2_dir()
                assert v2 is not None
                d = v2 / self.name
                d.mkdir()
                self.dirs.append(d)
                (d / "cpu.max").write_text(f"{int(self.cpu * 100000)} 100000")
                (d / "memory.max").write_text(str(self.memory_mb * 2**20))
                with contextlib.suppress(OSError):
                    (d / "memory.swap.max").write_text("0")
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd``, started inside the box (it joins every cgroup, then execs)."""
        procs = " ".join(f"'{d / 'cgroup.procs'}'" for d in self.dirs)
        join = f'for p in {procs}; do echo $$ > "$p"; done; exec "$@"'
        return ["sh", "-c", join, "box", *cmd]

    def oom_kills(self) -> int:
        """How many times the kernel's OOM killer struck in the box."""
        for d in self.dirs:
            for name in ("memory.oom_control", "memory.events"):
                with contextlib.suppress(OSError):
                    for line in (d / name).read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill":
                            return int(value)
        return 0

    def _remove(self) -> None:
        for d in reversed(self.dirs):
            procs = d / "cgroup.procs"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if not procs.read_text().split():
                        break
                time.sleep(0.05)
            with contextlib.suppress(OSError):
                d.rmdir()
        self.dirs = []


@dataclass
class GradescopeRun:
    """What one Gradescope-style run produced."""

    results: dict[str, Any] | None
    seconds: float
    returncode: int
    log: str
    oom_kills: int = 0


def image_steps(setup_sh: str) -> str:
    """The project's lines of ``setup.sh`` (the image build steps it adds to otter's)."""
    start = setup_sh.find(IMAGE_STEPS_BEGIN)
    end = setup_sh.find(IMAGE_STEPS_END)
    if start < 0 or end < start:
        raise ValueError(f"setup.sh has no {IMAGE_STEPS_BEGIN!r} block")
    return setup_sh[start:end]


def _tool_dir(work: Path) -> Path:
    bin_dir = work / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    mamba = bin_dir / "mamba"
    mamba.write_text(MAMBA_STUB)
    mamba.chmod(0o755)
    return bin_dir


def _env(tools: Path, state_dir: Path) -> dict[str, str]:
    python_dir = str(Path(sys.executable).parent)
    system = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    path = os.pathsep.join([str(tools), python_dir, *system])
    env = {
        "PATH": path,
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "AUTOGRADER_SANDBOX_DIR": str(state_dir),
    }
    return env


def _in_autograder_ns(script: str, tree: Path, drop_caps: tuple[str, ...] = ()) -> list[str]:
    """Run ``script`` (bash) with ``tree`` mounted at ``/autograder`` (private mount ns);
    ``drop_caps`` (e.g. ``cap_sys_admin``): the script runs without those capabilities
    (``capsh --drop``, as in a container that does not grant them)."""
    if drop_caps:
        script = f"exec capsh --drop={','.join(drop_caps)} -- -c {shlex.quote(script)}"
    inner = f'mount --bind "$0" /autograder && cd /autograder && {script}'
    return ["unshare", "--mount", "--propagation", "private", "bash", "-c", inner, str(tree)]


def capsh_unavailable() -> str | None:
    """Why capabilities cannot be dropped here (None: ``capsh`` is installed)."""
    if shutil.which("capsh") is None:
        return "capsh is missing (Debian's libcap2-bin; .ci/run installs it)"
    return None


class GradescopeImage:
    """An unpacked ``autograder.zip`` whose image steps have run (a context manager)."""

    def __init__(self, ag_zip: Path) -> None:
        self.ag_zip = Path(ag_zip)
        self.work = Path(tempfile.mkdtemp(prefix="gradescope-image-"))
        os.chmod(self.work, 0o711)
        self.source = self.work / "source"
        self.state_dir = self.work / "sandbox-state"  # a fresh jail cache: a new image's
        self.build_seconds = 0.0
        self._made_mount_point = False

    def __enter__(self) -> GradescopeImage:
        # the mount point of every run's private /autograder (kept while any run may use it)
        self._made_mount_point = not MOUNT_POINT.exists()
        if self._made_mount_point:
            MOUNT_POINT.mkdir()
        self.tools = _tool_dir(self.work)
        with zipfile.ZipFile(self.ag_zip) as zf:
            zf.extractall(self.source)
        (self.source / "run_autograder").chmod(0o755)
        steps = image_steps((self.source / "setup.sh").read_text(encoding="utf-8"))
        tree = self._tree(None)
        start = time.monotonic()
        proc = subprocess.run(
            _in_autograder_ns(steps, tree),
            env=_env(self.tools, self.state_dir),
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.build_seconds = time.monotonic() - start
        if proc.returncode != 0:
            raise RuntimeError(f"the image steps of setup.sh failed:\n{proc.stdout}{proc.stderr}")
        shutil.rmtree(tree, ignore_errors=True)
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        if self._made_mount_point:
            with contextlib.suppress(OSError):
                MOUNT_POINT.rmdir()

    def _tree(self, submission: Path | None) -> Path:
        """A fresh ``/autograder`` tree: source/, submission/, results/, run_autograder."""
        tree = Path(tempfile.mkdtemp(prefix="autograder-", dir=self.work))
        shutil.copytree(self.source, tree / "source", symlinks=True)
        shutil.copy2(self.source / "run_autograder", tree / "run_autograder")
        (tree / "submission").mkdir()
        (tree / "results").mkdir()
        (tree / "submission_metadata.json").write_text(json.dumps(SUBMISSION_METADATA))
        if submission is not None:
            if submission.is_dir():
                shutil.copytree(submission, tree / "submission", dirs_exist_ok=True)
            else:
                shutil.copy2(submission, tree / "submission" / submission.name)
        return tree

    def grade(
        self, submission: Path, box: Box | None = None, timeout: float = 900,
        drop_caps: tuple[str, ...] = (),
    ) -> GradescopeRun:
        """Run ``run_autograder`` on ``submission`` (in ``box`` when given; without the
        capabilities ``drop_caps``)."""
        tree = self._tree(submission)
        # every container starts from the image: what an earlier grade wrote is gone
        state = tree.parent / f"{tree.name}-state"
        if self.state_dir.exists():
            subprocess.run(["cp", "-a", "--link", str(self.state_dir), str(state)], check=True)
        cmd = _in_autograder_ns("exec bash /autograder/run_autograder", tree, drop_caps)
        if box is not None:
            cmd = box.wrap(cmd)
        start = time.monotonic()
        proc = subprocess.run(
            cmd, env=_env(self.tools, state), capture_output=True, text=True, timeout=timeout
        )
        seconds = time.monotonic() - start
        results_path = tree / "results" / "results.json"
        try:
            results = json.loads(results_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            results = None
        run = GradescopeRun(
            results,
            seconds,
            proc.returncode,
            proc.stdout + proc.stderr,
            box.oom_kills() if box is not None else 0,
        )
        shutil.rmtree(tree, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
        return run


def autograder_run(
    submission: Path, out: Path, box: Box | None = None, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float]:
    """``python -m autograder run SUBMISSION`` from this checkout (in ``box`` when given)."""
    cmd = [sys.executable, "-m", "autograder", "run", str(submission), "--results", str(out), "-q"]
    if box is not None:
        cmd = box.wrap(cmd)
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    start = time.monotonic()
    proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"autograder run failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return json.loads(out.read_text(encoding="utf-8")), seconds


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    """What must agree between two grades of the same submission."""
    return {
        "score": round(float(results["score"]), 6),
        "tests": [
            (t["name"], round(float(t["score"]), 6), t["status"], t.get("visibility"))
            for t in results["tests"]
        ],
        "records": [
            (t["name"], round(float(t["score"]), 6), t["status"], t.get("visibility"))
            for t in per_test_records(results)
        ],
    }
