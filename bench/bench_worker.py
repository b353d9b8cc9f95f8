"""Benchmark the sandbox: worker start time and calls per second (not a test).

    python3 bench/bench_worker.py [--calls 2000]

Prints the cold start (first Worker in this process; as root this includes building
or finding the cached jail runtime), warm starts, calls per second of a small
``softmax`` through the worker, and the slowdown against the same calls in-process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.sandbox import Limits, SubmissionProxy, Worker

HW = """
import numpy as np

def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
"""


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    d = Path(tempfile.mkdtemp())
    (d / "hw.py").write_text(HW)
    ns: dict = {}
    exec(HW, ns)  # the in-process baseline
    z = np.random.default_rng(0).standard_normal((4, 10))
    try:
        if os.geteuid() == 0:
            from autograder.sandbox import jail

            saved = jail.STATE_DIR
            jail.STATE_DIR = d / "state"  # an empty cache: the first-ever start
            try:
                t = time.perf_counter()
                with Worker(d / "hw.py", [], Limits()):
                    pass
                print(
                    f"worker start + close, jail runtime NOT cached: "
                    f"{time.perf_counter() - t:.3f} s"
                )
            finally:
                jail.STATE_DIR = saved
            t = time.perf_counter()
            jail.runtime_root()
            print(f"jail runtime cache lookup: {time.perf_counter() - t:.4f} s")
        t = time.perf_counter()
        w = Worker(d / "hw.py", [], Limits())
        w.start()
        print(f"first worker start, cached ({w.jail_note}): {time.perf_counter() - t:.3f} s")
        w.close()
        starts = []
        for _ in range(5):
            t = time.perf_counter()
            with Worker(d / "hw.py", [], Limits()) as w:
                starts.append(time.perf_counter() - t)
        print(f"warm start (median of 5, incl. close): {sorted(starts)[2]:.3f} s")
        with Worker(d / "hw.py", [], Limits()) as w:
            hw = SubmissionProxy(w)
            hw.softmax(z, axis=1)
            t = time.perf_counter()
            for _ in range(args.calls):
                hw.softmax(z, axis=1)
            remote = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(args.calls):
            ns["softmax"](z, axis=1)
        local = time.perf_counter() - t
        print(f"sandboxed calls: {args.calls / remote:,.0f}/s ({remote / args.calls * 1e6:.0f} us)")
        print(f"in-process calls: {args.calls / local:,.0f}/s ({local / args.calls * 1e6:.1f} us)")
        print(f"slowdown: {remote / local:.0f}x")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
