"""Does a grade depend on the box? Grade every example and correct variant three ways.

    python3 bench/bench_same_grade.py               # all examples and variants (~10 min)
    python3 bench/bench_same_grade.py alice hw_loops  # the ones whose names contain these

Each submission is graded with ``autograder run``: on the idle machine, in a cgroup of
0.5 CPU and 768 MB (Gradescope's default box, ``tests/gradescope_box.py``), and with a CPU
hog on every core but one. Prints the three totals and wall times, and whether the three
results are identical test by test (apart from timings). Root only for the box (without
root the box column says so). Exit status 1 when a submission got different results.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from gradescope_box import Box, autograder_run, box_unavailable, comparable  # noqa: E402
from variant_helpers import VARIANTS, completed  # noqa: E402

EXAMPLES = ROOT / "examples" / "submissions"


def submissions(folder: Path) -> dict[str, Path]:
    """name -> path: the bundled examples as they are, the variants completed."""
    found = {p.stem if p.is_file() else p.name: p for p in sorted(EXAMPLES.iterdir())}
    for variant in VARIANTS:
        target = folder / variant.stem / "hw.py"
        target.parent.mkdir(parents=True)
        target.write_text(completed(variant), encoding="utf-8")
        found[variant.stem] = target
    return found


@contextlib.contextmanager
def busy_cores(n: int) -> Iterator[None]:
    """``n`` processes spinning for as long as the block runs."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only submissions whose names contain these")
    args = parser.parse_args(argv)
    no_box = box_unavailable()
    different = 0
    with tempfile.TemporaryDirectory(prefix="bench-same-") as tmp:
        base = Path(tmp)
        subs = submissions(base / "subs")
        chosen = {
            n: p for n, p in subs.items() if not args.names or any(a in n for a in args.names)
        }
        busy = max(1, (os.cpu_count() or 2) - 1)
        print(f"box: {'0.5 CPU, 768 MB' if no_box is None else 'unavailable: ' + no_box}; "
              f"busy: {busy} core(s) hogged")
        print(f"{'submission':<32}{'idle':>16}{'box':>16}{'busy':>16}  same")
        for name, path in chosen.items():
            idle, t_idle = autograder_run(path, base / f"{name}-idle.json")
            if no_box is None:
                with Box() as box:
                    boxed, t_box = autograder_run(path, base / f"{name}-box.json", box)
            else:
                boxed, t_box = idle, float("nan")
            with busy_cores(busy):
                loaded, t_busy = autograder_run(path, base / f"{name}-busy.json")
            same = comparable(idle) == comparable(boxed) == comparable(loaded)
            different += not same
            cells = [f"{r['score']:g} ({t:.1f}s)" for r, t in
                     ((idle, t_idle), (boxed, t_box), (loaded, t_busy))]
            verdict = "yes" if same else "NO"
            print(f"{name:<32}{cells[0]:>16}{cells[1]:>16}{cells[2]:>16}  {verdict}")
    print(f"{len(chosen) - different} of {len(chosen)} graded identically three ways")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
