"""The similarity check of ``autograder grade`` at the size of a large class.

    python3 bench/bench_similarity.py [--sizes 100,300,1000] [--all-pairs 100] [--seed 0]

For each N takes a synthetic class (``tests/synthetic_class.py``: independent solutions
in the styles of the solutions and ``tests/variants/``, each student writing them their
own way, plus about 6 % planted copies, disguised by ``tests/near_copies.py``), and times
``find_similar`` (the fingerprint index, class-common code left out, full comparisons only
for pairs sharing enough rare fingerprints) from an empty cache and again from its cache.
Prints per N: the time, the pairs compared in full, the pairs and groups flagged, and
whether they are exactly the planted copies. For the sizes given to ``--all-pairs`` it
also runs the comparison of every pair (``find_similar_all_pairs``, what ``grade`` did
before) and prints whether both flag the same pairs. Exit 1 when a check fails.

The classes are the first N students of one class of the largest size (``make_class`` draws
student after student, so its first N are ``make_class(N)``), built once. Times are wall
clock and CPU (this process and its tokenising workers), with the load average beside
them: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from synthetic_class import SyntheticClass, make_class  # noqa: E402  (tests/synthetic_class.py)

from autograder.classroom.reports.similarity import (  # noqa: E402
    SimilarityReport,
    find_similar,
    find_similar_all_pairs,
)


def flagged(report: SimilarityReport) -> set[frozenset[str]]:
    return {frozenset((p.a, p.b)) for p in report.pairs}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the tokenising workers)."""
    own, children = (resource.getrusage(who) for who in
                     (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load() -> str:
    """The 1-minute load average."""
    with open("/proc/loadavg", encoding="ascii") as f:
        return f.read().split()[0]


def first(made: SyntheticClass, n: int) -> SyntheticClass:
    """The first ``n`` students of ``made`` (every copier's original comes before it)."""
    ids = list(made.sources)[:n]
    return SyntheticClass({i: made.sources[i] for i in ids},
                          {c: o for c, o in made.copied_from.items() if c in set(ids)})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,300,1000", help="class sizes (comma-separated)")
    ap.add_argument("--all-pairs", default="100",
                    help="sizes at which the all-pairs comparison runs too ('' for none)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    both = {int(x) for x in args.all_pairs.split(",") if x}
    failures = []
    print(f"{os.cpu_count()} CPUs, load average {load()}")
    start = time.perf_counter()
    largest = make_class(max(sizes), seed=args.seed)
    print(f"class of {max(sizes)} built in {time.perf_counter() - start:.1f} s")
    print(f"{'N':>5} {'first':>7} {'cpu':>7} {'cached':>7} {'cpu':>6} {'compared':>9} "
          f"{'pairs':>6} {'groups':>6} {'planted':>10} {'load':>5}  all-pairs")
    for n in sizes:
        made = first(largest, n)
        with tempfile.TemporaryDirectory(prefix="bench_similarity_") as tmp:
            cache = Path(tmp) / "fingerprints.json"
            start, cpu = time.perf_counter(), cpu_seconds()
            report = find_similar(made.sources, cache=cache)
            first_s, first_cpu = time.perf_counter() - start, cpu_seconds() - cpu
            start, cpu = time.perf_counter(), cpu_seconds()
            again = find_similar(made.sources, cache=cache)
            cached, cached_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        found = flagged(report)
        planted = made.planted_pairs()
        ok = found == planted and flagged(again) == found
        if not ok:
            failures.append(f"N={n}: flagged {len(found)}, planted {len(planted)} "
                            f"(missed {sorted(map(sorted, planted - found))[:3]}, "
                            f"extra {sorted(map(sorted, found - planted))[:3]})")
        line = (f"{n:>5} {first_s:>6.1f}s {first_cpu:>6.1f}s {cached:>6.1f}s {cached_cpu:>5.1f}s "
                f"{report.full_comparisons:>9} {len(report.pairs):>6} {len(report.groups):>6} "
                f"{len(found & planted):>4}/{len(planted):<4}{'' if found == planted else '!'} "
                f"{load():>5}")
        if n in both:
            start = time.perf_counter()
            full = find_similar_all_pairs(made.sources)
            seconds = time.perf_counter() - start
            same = flagged(full) == found
            line += (f"  {seconds:.1f}s, {full.full_comparisons} pairs compared, "
                     f"{len(full.pairs)} flagged: {'the same pairs' if same else 'DIFFERENT'}")
            if not same:
                failures.append(f"N={n}: all-pairs flags {len(full.pairs)}, the index {len(found)}")
        print(line, flush=True)
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
