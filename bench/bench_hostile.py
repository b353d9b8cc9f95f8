"""Grade every hostile submission and print a table: payload, contained?, seconds.

    python3 bench/bench_hostile.py                 # all 43 payloads (about 2 minutes)
    python3 bench/bench_hostile.py fork_bomb sleep # some of them
    python3 bench/bench_hostile.py --cli           # every one through the CLI

Uses the same harness and verdict as ``tests/test_hostile.py`` (small limits: 1 s per
call, 512 MB, 40 s budget). Meaningful as root (the jail and the dedicated uid are only
used then); as another user it says so and still runs. Exit status 1 when an attack was
not contained.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hostile.harness import run_payload  # noqa: E402
from hostile.payloads import BY_NAME, PAYLOADS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the payloads named in ``argv`` (all by default); print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="payload names (default: all)")
    parser.add_argument("--cli", action="store_true", help="grade every payload via the CLI")
    parser.add_argument("-v", "--verbose", action="store_true", help="print notes and outputs")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown payload(s) {unknown}; known: {', '.join(BY_NAME)}")
    chosen = [BY_NAME[n] for n in args.names] if args.names else list(PAYLOADS)
    if os.geteuid() != 0:
        print("NOTE: not root: no jail, no dedicated uid; results are not meaningful\n")
    print(f"{'payload':24} {'how':4} {'contained?':10} {'seconds':>7}  details")
    failures = 0
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        for i, payload in enumerate(chosen):
            out = run_payload(payload, Path(tmp) / f"{i:02d}-{payload.name}", cli=args.cli or None)
            how = "cli" if (args.cli or payload.cli) else "api"
            verdict = "yes" if out.contained else "NO"
            failures += not out.contained
            detail = "; ".join(out.problems) if out.problems else (out.mode or "")
            print(f"{payload.name:24} {how:4} {verdict:10} {out.seconds:7.1f}  {detail}",
                  flush=True)
            if args.verbose:
                for note in out.notes:
                    print(f"{'':24} note: {note}")
                print(f"{'':24} output: {out.outputs()[:600]!r}")
    print(f"\n{len(chosen) - failures}/{len(chosen)} contained, "
          f"{time.monotonic() - t_all:.0f} s in all")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
