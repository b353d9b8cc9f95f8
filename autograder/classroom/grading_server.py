"""A long-lived trusted grader: grades one submission per request, many per process.

    python -m autograder.classroom.grading_server [--config assignment.toml]

``autograder grade`` starts ``--jobs`` of these instead of one ``autograder run`` process
per submission: starting Python and importing NumPy, pytest, Hypothesis and the grading
tests costs about 0.8 s, a quarter of a typical grade. Each grade is exactly
:func:`autograder.grading.runner.run_grading`: the submission runs in its own fresh sandbox
worker, never in this process, so nothing of one submission can reach the next. What the
grader process keeps between grades (imported modules, Hypothesis' settings) is trusted
and does not change results: Hypothesis is derandomised and its constant pool pinned
(``runner.fixed_hypothesis_constants``), and tests/test_grading_server.py checks that
pooled results equal fresh-process results apart from timings.

Protocol (JSON lines, UTF-8). A request on stdin::

    {"submission": "/path/hw.py", "results": "/out/results.json", "log": "/out/grader.log"}

The server grades it, writes ``results`` (atomically) and ``log`` (pytest's output), then
answers on stdout::

    {"ok": true, "engine_error": null}

``ok`` is false when results.json could not be written; ``engine_error`` is the engine's
own failure message (results.json then says so too, as with ``autograder run``'s exit
status 1). End of input stops the server. Everything else this process prints goes to
stderr, so a stray print cannot corrupt the answers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any


def serve(requests: IO[str], answers: IO[str], config_path: Path | None = None) -> int:
    """Answer grading requests from ``requests`` until it ends; returns the exit status."""
    from autograder.config import ConfigError, load_config
    from autograder.grading.results import write_results
    from autograder.grading.runner import run_grading

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        print(f"autograder grading server: configuration error: {exc}", file=sys.stderr)
        return 2
    for line in requests:
        if not line.strip():
            continue
        answer: dict[str, Any] = {"ok": False, "engine_error": None}
        try:
            request = json.loads(line)
            submission, results, log = (
                Path(request[key]) for key in ("submission", "results", "log")
            )
            run = run_grading(submission, config)
            answer["engine_error"] = run.engine_error
            log.write_text(run.log, encoding="utf-8", errors="replace")
            write_results(results, run.results)
            answer["ok"] = True
        except Exception as exc:  # a bad request or an unwritable path: say so, go on
            answer["engine_error"] = f"{type(exc).__name__}: {exc}"
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Serve on stdin/stdout (the answers keep the real stdout; fd 1 goes to stderr)."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.classroom.grading_server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--config", type=Path, default=None, help="assignment.toml to grade with")
    args = parser.parse_args(argv)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with answers:
        return serve(sys.stdin, answers, args.config)


if __name__ == "__main__":
    sys.exit(main())
