"""How long ``autograder build`` takes, phase by phase (prints figures; not a test).

    python bench/bench_build.py [--repeat N] [--functions F1,F2]

The phases, as :func:`autograder.release.build.build` runs them: the static checks of the
sources, staging the engine's files, starting the release check (two ``autograder run``
grades in the background: the solutions and the stubs), ``otter generate`` and the zip
(while the grades run), the handout zip, and the wait for the two grades. Wall and CPU
seconds of each (CPU: this process and its finished children), and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import paths
from autograder.release import build, release_check


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Phases:
    """Wall and CPU seconds per named phase."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as the phase ``name``."""
        wall, cpu = time.monotonic(), _cpu()
        try:
            yield
        finally:
            self.rows.append((name, time.monotonic() - wall, _cpu() - cpu))

    def print(self) -> None:
        """The table, and the total."""
        print(f"{'phase':<44}{'wall':>8}{'cpu':>8}")
        for name, wall, cpu in self.rows:
            print(f"{name:<44}{wall:>7.1f}s{cpu:>7.1f}s")
        wall = sum(r[1] for r in self.rows)
        cpu = sum(r[2] for r in self.rows)
        print(f"{'total':<44}{wall:>7.1f}s{cpu:>7.1f}s")


def one_build(functions: list[str] | None) -> Phases:
    """The steps of :func:`build.build`, each timed (same calls, same order)."""
    phases = Phases()
    root = paths.ROOT
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        work = Path(tmp)
        with phases.phase("static checks (config, stubs, handout, probes)"):
            config = build.check_sources(root, None, functions)
        with phases.phase("staging the engine"):
            generated = build.render_generated(root, config, work / "generated")
            engine = build.with_generated(build.engine_members(root, None), generated)
            stage = build.stage_members(engine, work / "stage")
        with phases.phase("release check started (2 grades)"):
            check = release_check.start(stage, config, functions)
        try:
            with phases.phase("otter generate + the zip, read back"):
                build.write_autograder_zip(root, work / "autograder.zip", None, functions,
                                           members=engine)
            with phases.phase("handout zip"):
                build.write_handout_zip(root, work / "handout.zip",
                                        build.with_generated(build.handout_members(root),
                                                             generated))
            with phases.phase("waiting for the release check's grades"):
                verdict = check.result()
        finally:
            check.close()
    print(verdict)
    return phases


def main(argv: list[str] | None = None) -> int:
    """Build ``--repeat`` times and print each build's phases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--functions", default="", help="a partial release (F1,F2)")
    args = parser.parse_args(argv)
    functions = [f for f in args.functions.split(",") if f] or None
    for i in range(args.repeat):
        load = os.getloadavg()
        print(f"\nbuild {i + 1}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
              f"{os.cpu_count()} cores")
        one_build(functions).print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
