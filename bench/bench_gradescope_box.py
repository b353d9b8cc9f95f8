"""Grade submissions the Gradescope way in Gradescope's default box and print the figures.

    python3 bench/bench_gradescope_box.py            # solutions, stubs, memory bomb, loops
    python3 bench/bench_gradescope_box.py --cpu 1.0 --memory 2048

Builds ``autograder.zip``, unpacks it as Gradescope does, runs its image steps, then for
each submission, one at a time: ``run_autograder`` in a cgroup of ``--cpu`` CPUs and
``--memory`` MB (the Gradescope way, ``tests/gradescope_box.py``), ``autograder run`` in
the same box, and ``autograder run`` on the unconstrained machine. Prints scores, wall
times and the ratio of the Gradescope run to ``autograder run`` in the same box. Root
only (cgroups, a mount namespace, the jail).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from gradescope_box import (  # noqa: E402
    GRADESCOPE_CPU,
    GRADESCOPE_MEMORY_MB,
    Box,
    GradescopeImage,
    autograder_run,
    box_unavailable,
)
from test_gradescope_box import submissions  # noqa: E402

from autograder.release import build  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", type=float, default=GRADESCOPE_CPU, help="CPU quota of the box")
    parser.add_argument("--memory", type=int, default=GRADESCOPE_MEMORY_MB, help="MB of the box")
    parser.add_argument("names", nargs="*", help="submissions (default: all)")
    args = parser.parse_args(argv)
    reason = box_unavailable()
    if reason is not None:
        print(f"cannot make a box here: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-box-") as tmp:
        base = Path(tmp)
        ag_zip, _ = build.build(base / "dist")
        subs = submissions(base)
        names = args.names or list(subs)
        print(f"box: {args.cpu:g} CPU, {args.memory} MB; zip {ag_zip.stat().st_size // 1024} KiB")
        header = (
            f"{'submission':<14}{'score':>8}{'gradescope':>12}{'run (box)':>11}"
            f"{'ratio':>7}{'run (idle)':>12}{'score idle':>12}{'OOM kills':>11}"
        )
        with GradescopeImage(ag_zip) as image:
            print(f"image steps (setup.sh, untimed on Gradescope): {image.build_seconds:.1f} s")
            print(header)
            for name in names:
                with Box(args.cpu, args.memory) as box:
                    run = image.grade(subs[name], box)
                    kills = run.oom_kills
                with Box(args.cpu, args.memory) as box:
                    _, boxed = autograder_run(subs[name], base / f"{name}-box.json", box)
                idle_results, idle = autograder_run(subs[name], base / f"{name}-idle.json")
                score = "-" if run.results is None else f"{run.results['score']:g}"
                print(
                    f"{name:<14}{score:>8}{run.seconds:>11.1f}s{boxed:>10.1f}s"
                    f"{run.seconds / boxed:>7.2f}{idle:>11.1f}s{idle_results['score']:>12g}"
                    f"{kills:>11}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
