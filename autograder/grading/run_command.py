"""``autograder run``: grade one submission, print a summary, write results.json.

Like otter's ``run_autograder`` main: the configuration, then the runner, then the run,
then results.json. Exit 0 whenever grading finished (whatever the score), 1 when the
grading engine itself failed (results.json then says so), 2 for a refused call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder.config import ConfigError, load_config
from autograder.grading.results import write_results
from autograder.grading.runner import run_grading
from autograder.grading.summary import format_summary
from autograder.sandbox.isolation import consent


def parser() -> argparse.ArgumentParser:
    """The options of ``autograder run``."""
    run = argparse.ArgumentParser(
        prog="autograder run",
        description=(
            "Grade one submission: hw.py, a folder holding it, or a .zip. Prints a summary "
            "per part and function and writes a Gradescope results.json. Exit status 0 "
            "whenever grading finished (whatever the score), 1 when the grading engine "
            "itself failed (results.json then says so)."
        ),
    )
    run.add_argument("submission", type=Path, help="hw.py, a folder holding it, or a .zip")
    run.add_argument(
        "--results",
        type=Path,
        default=Path("results.json"),
        help="where to write results.json (default: ./results.json)",
    )
    run.add_argument(
        "--config",
        type=Path,
        default=None,
        help="grading configuration (default: autograder/assignment.toml)",
    )
    run.add_argument(
        "--functions",
        default=None,
        metavar="F1,F2",
        help="grade only these hw.py functions (comma-separated); other tests are omitted",
    )
    run.add_argument(
        "-v", "--verbose", action="store_true", help="list every test, not only the failing ones"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="print only the total")
    run.add_argument(
        "--unsafe-same-user",
        action="store_true",
        help="where no sandbox is possible (not root, no user namespaces), run the "
        "submission as yourself, with your files and network (recorded in results.json)",
    )
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``autograder run`` with ``argv``; returns the exit status."""
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))

    refused = consent(args.unsafe_same_user)
    if refused:
        print(f"autograder run: {refused}", file=sys.stderr)
        return 2

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"autograder run: configuration error: {exc}", file=sys.stderr)
        return 2
    functions = None
    if args.functions:
        functions = [f.strip() for f in args.functions.split(",") if f.strip()]
        unknown = [f for f in functions if f not in config.functions]
        if unknown:
            print(
                f"autograder run: unknown function(s) {', '.join(unknown)}; graded functions: "
                f"{', '.join(config.functions)}",
                file=sys.stderr,
            )
            return 2
    run = run_grading(args.submission, config, functions)
    try:
        write_results(args.results, run.results)
    except OSError as exc:
        print(f"autograder run: cannot write {args.results}: {exc}", file=sys.stderr)
        return 1
    if args.quiet:
        print(f"score {run.results['score']:g}")
    else:
        ascii_only = (getattr(sys.stdout, "encoding", "") or "").lower() not in ("utf-8", "utf8")
        print(format_summary(run.results, config, ascii_only=ascii_only, show_passing=args.verbose))
    print(f"results written to {args.results}")
    if run.engine_error:
        print(f"\nautograder run: the grading engine failed: {run.engine_error}", file=sys.stderr)
        if run.log.strip():
            print("--- pytest log (tail) ---\n" + run.log[-6000:], file=sys.stderr)
        return 1
    collection = run.results.get("extra_data", {}).get("collection_errors")
    if collection:
        print(
            "\nautograder run: WARNING: some test files could not be collected: "
            + ", ".join(collection)
            + "\n--- pytest log (tail) ---\n"
            + run.log[-4000:],
            file=sys.stderr,
        )
    return 0
