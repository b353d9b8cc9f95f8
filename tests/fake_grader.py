"""A stand-in for ``python -m autograder run`` in the batch tests: fast and predictable.

``python fake_grader.py SUBMISSION --results PATH`` reads the submitted hw.py as text
and writes a SPEC section 4 results.json for a tiny two-function assignment
(softmax 60 points, adam_step 40, two tests each). A function passes when it is
defined and its body has no ``BUG`` and no ``raise NotImplementedError``. Source
containing ``HANG_FOREVER`` sleeps (wall-clock limit test); ``CRASH_ENGINE`` exits 3
without results. Every run appends a line to ``$FAKE_GRADER_LOG`` (to count runs).
"""

from __future__ import annotations

import ast
import json
import os
import sys
import time
import zipfile
from pathlib import Path

POINTS = {"softmax": 60.0, "adam_step": 40.0}


def read_hw(path: Path) -> str:
    if path.is_dir():
        found = sorted(path.rglob("hw.py"), key=lambda p: len(p.parts))
        return found[0].read_text() if found else ""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith("hw.py")]
            return zf.read(names[0]).decode() if names else ""
    return path.read_text()


def main() -> int:
    sub, out = Path(sys.argv[1]), Path(sys.argv[sys.argv.index("--results") + 1])
    if os.environ.get("FAKE_GRADER_LOG"):
        with open(os.environ["FAKE_GRADER_LOG"], "a") as f:
            f.write(f"{sub}\n")
    src = read_hw(sub)
    if "HANG_FOREVER" in src:
        time.sleep(3600)
    if "CRASH_ENGINE" in src:
        print("Traceback: engine exploded", file=sys.stderr)
        return 3
    tests = []
    try:
        lines = src.splitlines()
        funcs = {
            n.name: "\n".join(lines[n.lineno - 1 : n.end_lineno])
            for n in ast.parse(src).body
            if isinstance(n, ast.FunctionDef)
        }
        problem = None
    except SyntaxError as exc:
        funcs, problem = (
            {},
            f"hw.py could not be imported: SyntaxError: {exc.msg} (line {exc.lineno})",
        )
        tests.append(
            {
                "name": "Importing hw.py",
                "score": 0.0,
                "max_score": 0.0,
                "status": "failed",
                "visibility": "visible",
                "output": problem,
                "tags": ["submission"],
                "extra_data": {"kind": "import"},
            }
        )
    for fn, pts in POINTS.items():
        body = funcs.get(fn)
        for i in (1, 2):
            ok = body is not None and "BUG" not in body and "NotImplementedError" not in body
            if body is None:
                msg = problem or f"{fn}: hw.py has no function {fn}"
                kind = "import" if problem else "missing"
            else:
                msg = f"{fn}: wrong values at index {i * 7}: expected 0.{i}5 got 0.{i}9"
                kind = "wrong"
            tests.append(
                {
                    "name": f"{fn}: check {i}",
                    "score": pts / 2 if ok else 0.0,
                    "max_score": pts / 2,
                    "status": "passed" if ok else "failed",
                    "visibility": "visible" if i == 1 else "after_published",
                    "output": "" if ok else msg,
                    "tags": [fn, "public" if i == 1 else "hidden"],
                    "extra_data": {} if ok else {"kind": kind},
                }
            )
    score = sum(t["score"] for t in tests)
    out.write_text(
        json.dumps({"score": score, "execution_time": 0.01, "output": "", "tests": tests})
    )
    print(f"{score:g}/100")
    return 0


if __name__ == "__main__":
    sys.exit(main())
