"""The similarity check of ``autograder grade`` at the size of a large class.

    python3 bench/bench_similarity.py [--sizes 100,300,1000] [--all-pairs 100] [--seed 0]

For each N builds a synthetic class (``tests/synthetic_class.py``: independent solutions
in the styles of the solutions and ``tests/variants/``, each student writing them their
own way, plus about 6 % planted copies, disguised by ``tests/near_copies.py``), and times
``find_similar`` (the fingerprint index, class-common code left out, full comparisons only
for pairs sharing enough rare fingerprints) from an empty cache and again from its cache.
Prints per N: the time, the pairs compared in full, the pairs and groups flagged, and
whether they are exactly the planted copies. For the sizes given to ``--all-pairs`` it
also runs the comparison of every pair (``find_similar_all_pairs``, what ``grade`` did
before) and prints whether both flag the same pairs. Exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from synthetic_class import make_class  # noqa: E402  (tests/synthetic_class.py)

from autograder.classroom.reports.similarity import (  # noqa: E402
    SimilarityReport,
    find_similar,
    find_similar_all_pairs,
)


def flagged(report: SimilarityReport) -> set[frozenset[str]]:
    return {frozenset((p.a, p.b)) for p in report.pairs}


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
    print(f"{os.cpu_count()} CPUs")
    print(f"{'N':>5} {'build':>7} {'first':>7} {'cached':>7} {'compared':>9} {'pairs':>6} "
          f"{'groups':>6} {'planted':>7}  all-pairs")
    for n in sizes:
        start = time.perf_counter()
        made = make_class(n, seed=args.seed)
        build = time.perf_counter() - start
        with tempfile.TemporaryDirectory(prefix="bench_similarity_") as tmp:
            cache = Path(tmp) / "fingerprints.json"
            start = time.perf_counter()
            report = find_similar(made.sources, cache=cache)
            first = time.perf_counter() - start
            start = time.perf_counter()
            again = find_similar(made.sources, cache=cache)
            cached = time.perf_counter() - start
        found = flagged(report)
        planted = made.planted_pairs()
        ok = found == planted and flagged(again) == found
        if not ok:
            failures.append(f"N={n}: flagged {len(found)}, planted {len(planted)} "
                            f"(missed {sorted(map(sorted, planted - found))[:3]}, "
                            f"extra {sorted(map(sorted, found - planted))[:3]})")
        line = (f"{n:>5} {build:>6.1f}s {first:>6.1f}s {cached:>6.1f}s "
                f"{report.full_comparisons:>9} {len(report.pairs):>6} {len(report.groups):>6} "
                f"{'same' if found == planted else 'DIFF':>7}")
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
