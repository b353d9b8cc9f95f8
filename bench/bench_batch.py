"""Benchmark of ``autograder grade``: 40 submissions (copies of the bundled examples).

    python3 bench/bench_batch.py [--n 40] [--jobs N] [--keep DIR] [--only NAME ...]
                                 [--process-per-submission]

Copies ``examples/submissions/*`` round-robin into a temporary class folder (each copy
gets its own id and a distinct trailing comment, so nothing is shared or cached),
grades it once with a fresh output folder, and prints submissions per minute, the
status counts and the slowest submissions. Target: >= 30 submissions/min on 2 cores.
``--process-per-submission`` grades each submission with a fresh ``autograder run``
process instead of the batch's long-lived grading servers (to compare the two).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.classroom import batch  # noqa: E402

EXAMPLES = ROOT / "examples" / "submissions"


def make_class(dest: Path, n: int, only: list[str] | None = None) -> None:
    """``n`` submissions in ``dest``: copies of the examples, each made distinct."""
    examples = sorted(p for p in EXAMPLES.iterdir() if not p.name.startswith("."))
    if only:
        examples = [p for p in examples if any(o in p.name for o in only)]
    for i in range(n):
        src = examples[i % len(examples)]
        name = f"{i:03d}_{src.name}"
        target = dest / name
        if src.is_dir():
            shutil.copytree(src, target)
            for hw in target.rglob("hw.py"):
                with open(hw, "a", encoding="utf-8") as f:
                    f.write(f"\n# copy {i}\n")
        else:
            shutil.copy(src, target)
            if src.suffix == ".py":
                with open(target, "a", encoding="utf-8") as f:
                    f.write(f"\n# copy {i}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the throughput."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    ap.add_argument("--jobs", type=int, default=None, help="parallel graders (default: CPUs)")
    ap.add_argument("--keep", type=Path, default=None, help="write the reports here")
    ap.add_argument("--only", nargs="*", help="use only examples whose name contains these")
    ap.add_argument(
        "--process-per-submission",
        action="store_true",
        help="one fresh 'autograder run' process per submission (no grading servers)",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        subs = Path(tmp) / "class"
        subs.mkdir()
        make_class(subs, args.n, args.only)
        out = args.keep or Path(tmp) / "out"
        if out.exists():
            shutil.rmtree(out)
        start = time.monotonic()
        fresh = [sys.executable, "-m", "autograder", "run"]
        summary = batch.grade(
            subs,
            out,
            args.jobs,
            progress=True,
            grader_cmd=fresh if args.process_per_submission else None,
        )
        elapsed = time.monotonic() - start
    per_min = len(summary.graded) / elapsed * 60
    jobs = args.jobs or os.cpu_count()
    mode = "a process per submission" if args.process_per_submission else "grading servers"
    print(
        f"{len(summary.graded)} submissions in {elapsed:.1f} s with --jobs {jobs} ({mode}): "
        f"{per_min:.1f} submissions/min (target >= 30)"
    )
    print("statuses:", dict(Counter(g.status for g in summary.graded)))
    slow = sorted(summary.graded, key=lambda g: -g.seconds)[:5]
    print("slowest:", ", ".join(f"{g.id} {g.seconds:.1f} s" for g in slow))
    return 0


if __name__ == "__main__":
    sys.exit(main())
