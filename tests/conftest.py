"""Session fixtures shared by several test modules (costly work done once)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from quickstart import EXAMPLES, REPO, out_dir_of, quickstart_commands, split_install

# The project's own property tests: no wall-clock deadline or "too slow" health check
# decides a test (a busy machine stretches every example; the examples stay the same).
settings.register_profile(
    "project-suite", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("project-suite")


@dataclass(frozen=True)
class QuickstartRun:
    """The README's grading command, run as written in a folder holding the examples."""

    command: str
    cwd: Path
    out: Path
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def quickstart_run(tmp_path_factory: pytest.TempPathFactory) -> QuickstartRun:
    """Run the grading half of the README's first Quickstart command, verbatim, in a fresh
    folder holding a copy of ``examples/`` (its paths are relative to that folder).

    The install half is what ``.ci/run`` runs before this suite (tests/test_quickstart.py
    checks the two are the same command); running it here would reinstall the project
    into the interpreter running these tests.
    """
    _, command = split_install(quickstart_commands()[0])
    cwd = tmp_path_factory.mktemp("newcomer")
    shutil.copytree(EXAMPLES, cwd / "examples")
    env = dict(os.environ)
    # the console script of this interpreter, importing this checkout
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return QuickstartRun(
        command, cwd, cwd / out_dir_of(command), proc.returncode, proc.stdout, proc.stderr
    )
