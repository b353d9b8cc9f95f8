"""Benchmark: wall and CPU time of one full grade of the solutions and of the stubs.

    python3 bench/bench_grade.py [--repeat N]

Target: a full grade in <= 10 s on a 2-core machine. CPU time (this process and the
sandbox worker it started) is printed too: unlike wall time it hardly depends on what
else the machine is doing. Tune ``[hypothesis]`` in ``autograder/assignment.toml`` to
meet the target.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import paths
from autograder.grading.results import per_test_records
from autograder.grading.runner import run_grading

TARGET_SECONDS = 10.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench(label: str, submission: Path, repeat: int) -> float:
    """Grade ``submission`` ``repeat`` times; print and return the best wall time."""
    walls = []
    for _ in range(repeat):
        cpu0, t0 = _cpu(), time.perf_counter()
        run = run_grading(submission)
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
        walls.append(wall)
        results = run.results
        records = per_test_records(results)
        failed = sum(1 for t in records if t["status"] != "passed")
        note = f"  ENGINE ERROR: {run.engine_error}" if run.engine_error else ""
        print(
            f"{label:<10} wall {wall:6.2f} s   cpu {cpu:6.2f} s   score {results['score']:6.2f}"
            f"   tests {len(records)} ({failed} failed){note}",
            flush=True,
        )
    return min(walls)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when the best solutions grade misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="grades per submission")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.2f}")
    best = bench("solutions", paths.SOLUTIONS_HW, args.repeat)
    bench("stubs", paths.STUDENT_HW, args.repeat)
    verdict = "meets" if best <= TARGET_SECONDS else "MISSES"
    print(
        f"best full grade of the solutions: {best:.2f} s "
        f"({verdict} the {TARGET_SECONDS:g} s target)"
    )
    return 0 if best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
