"""``autograder grade`` of a class of 300 with nothing changed: everything from the cache.

    python3 bench/bench_cached_grade.py [--n 300] [--work DIR] [--profile FILE] [--force]

What it does:

1. the bases: the bundled examples (``examples/submissions/*``) and the correct variants
   (``tests/variants/*.py``) graded by the real engine into ``WORK/bases`` (itself a cached
   ``grade``, so a second bench run does not grade them again);
2. the class: ``--n`` students of ``tests/synthetic_class.py`` (independent solutions in
   several styles, about 6 % planted copies), each a folder holding its ``hw.py``, in
   ``WORK/class``;
3. the first ``grade`` of the class into ``WORK/out``: the real batch (plan, cache keys,
   pool, results.json and cache.json, every report), its grader a stand-in that answers
   each student with the real results of one base (grading 300 for real takes hours on a
   loaded 2-core machine, and only the second run is measured);
4. the second ``grade`` with nothing changed: every result from the cache. Prints its wall
   time and where it went (discover, autograder hash, cache checks, similarity, item
   analysis, candidates, CSVs, HTML pages), with ``uptime``'s load average.

``--profile FILE`` writes a cProfile of the second run (``python3 -m pstats FILE``) and
prints its top entries; ``--force`` adds a third run with ``force=True`` (every grade
again, by the stand-in) for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import json
import os
import pstats
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from synthetic_class import make_class  # noqa: E402  (tests/synthetic_class.py)

from autograder.classroom import batch, graders  # noqa: E402

#: (phase, module, function): what the second run's time is split into
PHASES = [
    ("discover", "autograder.classroom.batch", "discover"),
    ("autograder hash", "autograder.classroom.batch", "autograder_hash"),
    ("cache checks", "autograder.classroom.batch", "plan"),  # less discover
    ("similarity", "autograder.classroom.reports.similarity", "find_similar"),
    ("item analysis", "autograder.classroom.reports.item_analysis", "item_analysis"),
    ("candidates", "autograder.classroom.reports.candidates", "candidate_mistakes"),
    ("CSVs", "autograder.classroom.reports.gradescsv", "write_grades_csv"),
    ("CSVs", "autograder.classroom.reports.misconceptions", "misconceptions"),
    ("CSVs", "autograder.classroom.reports.misconceptions", "write_misconceptions_csv"),
    ("CSVs", "autograder.classroom.reports.similarity", "write_similarity_csv"),
    ("CSVs", "autograder.classroom.reports.item_analysis", "write_item_analysis_csv"),
    ("CSVs", "autograder.classroom.reports.candidates", "write_candidates_csv"),
    ("reports", "autograder.classroom.batch", "write_reports"),  # less the above
]


def uptime() -> str:
    """The load averages (1, 5, 15 minutes)."""
    with open("/proc/loadavg", encoding="ascii") as f:
        return "load average " + ", ".join(f.read().split()[:3])


@contextlib.contextmanager
def timed_phases() -> Iterator[dict[str, float]]:
    """Wrap the functions of :data:`PHASES`; yields ``({phase: wall seconds}, {phase: CPU
    seconds of this process})`` (filled in as they run; nested phases are subtracted from
    their callers at the end)."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    saved = []
    for phase, module_name, name in PHASES:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        def wrapper(*a: object, __f: Callable = original, __p: str = phase, **k: object):
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                return __f(*a, **k)
            finally:
                spent[__p] += time.perf_counter() - start
                cpu[__p] += time.process_time() - start_cpu

        functools.update_wrapper(wrapper, original)
        setattr(module, name, wrapper)
        saved.append((module, name, original))
    try:
        yield spent, cpu
    finally:
        for module, name, original in saved:
            setattr(module, name, original)
        for times in (spent, cpu):
            times["cache checks"] -= times["discover"]
            inner = ("similarity", "item analysis", "candidates", "CSVs")
            times["HTML pages"] = times.pop("reports", 0.0) - sum(times[p] for p in inner)


class StandIn:
    """A grader answering each student with the real results of one base (by the
    student's number), as :class:`autograder.classroom.graders.Grader` does."""

    def __init__(self, bases: list[dict]) -> None:
        self.bases = bases

    def grade(self, submission: Path, sub_dir: Path, timeout: float) -> graders.GradeOutcome:
        """The results of base ``k % len(bases)`` for student ``s<k>``."""
        k = int(submission.name.lstrip("s"))
        results = json.loads(json.dumps(self.bases[k % len(self.bases)]))
        # the file graded is the student's own (the reports show it)
        results.setdefault("extra_data", {})["submission_file"] = "hw.py"
        return results, "graded", ""

    def close(self) -> None:
        """Nothing to stop."""


@contextlib.contextmanager
def stand_in_grader(bases: list[dict]) -> Iterator[None]:
    """``batch.grade``'s graders replaced by :class:`StandIn` (its cache key says so)."""
    original = batch.grader_factory

    def factory(*args: object, **kwargs: object):
        _, key = original(*args, **kwargs)
        return (lambda: StandIn(bases)), [*key, "bench_cached_grade stand-in"]

    batch.grader_factory = factory  # type: ignore[assignment]
    try:
        yield
    finally:
        batch.grader_factory = original


def grade_bases(work: Path, jobs: int) -> list[dict]:
    """The examples and the variants graded by the real engine (cached in ``work``)."""
    folder = work / "bases-in"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        for p in sorted((ROOT / "examples" / "submissions").iterdir()):
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, folder / p.name)
        for p in sorted((ROOT / "tests" / "variants").glob("*.py")):
            shutil.copy2(p, folder / p.name)
    start = time.perf_counter()
    summary = batch.grade(folder, work / "bases", jobs, progress=False)
    print(f"bases: {len(summary.graded)} graded by the engine ({summary.n_run} now, "
          f"{summary.n_cached} cached) in {time.perf_counter() - start:.1f} s; {uptime()}")
    return [g.results for g in summary.graded]


def write_class(folder: Path, n: int) -> None:
    """``n`` synthetic students, each ``folder/s<k>/hw.py`` (unchanged files kept)."""
    made = make_class(n, seed=0)
    for sid, text in made.sources.items():
        hw = folder / sid / "hw.py"
        if not hw.is_file() or hw.read_text(encoding="utf-8") != text:
            hw.parent.mkdir(parents=True, exist_ok=True)
            hw.write_text(text, encoding="utf-8")


Times = tuple[float, float, dict[str, float], dict[str, float], batch.BatchSummary]


def run(folder: Path, out: Path, *, force: bool = False, profile: Path | None = None) -> Times:
    """One ``grade`` of ``folder`` into ``out``: wall and CPU time, the phases' wall and CPU
    times, the summary."""
    profiler = cProfile.Profile() if profile else None
    with timed_phases() as (spent, cpu):
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        summary = batch.grade(folder, out, 2, progress=False, force=force)
        if profiler:
            profiler.disable()
        wall, total_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    if profiler and profile:
        profiler.dump_stats(str(profile))
    return wall, total_cpu, dict(spent), dict(cpu), summary


def show(label: str, wall: float, total_cpu: float, spent: dict[str, float],
         cpu: dict[str, float], summary: batch.BatchSummary) -> None:
    """Print one run's figures (CPU: this process's; the machine may be shared)."""
    print(f"{label}: {wall:.2f} s wall, {total_cpu:.2f} s CPU ({summary.n_run} graded, "
          f"{summary.n_cached} cached); {uptime()}")
    print(f"  {'phase':<16} {'wall':>7}   {'CPU':>7}")
    for phase in ("discover", "autograder hash", "cache checks", "similarity", "item analysis",
                  "candidates", "CSVs", "HTML pages"):
        print(f"  {phase:<16} {spent.get(phase, 0.0):7.2f} s {cpu.get(phase, 0.0):7.2f} s")
    print(f"  {'other':<16} {wall - sum(spent.values()):7.2f} s "
          f"{total_cpu - sum(cpu.values()):7.2f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="class size")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench_cached_grade"),
                    help="working folder (kept: the bases' grades are reused)")
    ap.add_argument("--jobs", type=int, default=2, help="graders for the bases")
    ap.add_argument("--profile", type=Path, default=None, help="cProfile of the second run")
    ap.add_argument("--force", action="store_true", help="also time a forced run")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; {uptime()}")
    bases = grade_bases(args.work, args.jobs)
    folder, out = args.work / f"class-{args.n}", args.work / f"out-{args.n}"
    write_class(folder, args.n)
    with stand_in_grader(bases):
        show("first run", *run(folder, out))
        show("second run, nothing changed", *run(folder, out, profile=args.profile))
        if args.force:
            show("forced run", *run(folder, out, force=True))
    if args.profile:
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
