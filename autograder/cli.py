"""The instructor's command line: ``autograder run | build | grade | stubs``.

``python -m autograder ...`` is the same. ``run`` is implemented here (on
:mod:`autograder.runner`); ``build``, ``grade`` and ``stubs`` are forwarded to
:mod:`autograder.build`, :mod:`autograder.batch` and :mod:`autograder.stubgen`, imported
only when used (``autograder <command> --help`` shows their options).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

DESCRIPTION = (
    "Autograder of the 'Deep Learning Fundamentals II' NumPy homework: grades hw.py "
    "submissions in a sandbox and writes Gradescope results.json files."
)

#: command -> (module, one-line help, description)
DELEGATED = {
    "build": (
        "autograder.build",
        "build dist/autograder.zip (Gradescope, via otter-grader) and dist/handout.zip",
        "Write DIR/autograder.zip (upload it to Gradescope) and DIR/handout.zip "
        "(the student/ folder), refused unless the zip grades the solutions with every "
        "point and the stubs with none. Options: --out DIR (default dist/).",
    ),
    "grade": (
        "autograder.batch",
        "grade many submissions: grades.csv, report.html, one report each",
        "Grade a folder of submissions (each a .py, a folder or a .zip) or a Gradescope "
        "'Export Submissions' zip. Options: SUBMISSIONS --out DIR [--jobs N].",
    ),
    "stubs": (
        "autograder.stubgen",
        "regenerate student/hw.py and the handout's points table (--check: only verify)",
        "Generate the student stub from the solutions, and the handout's points "
        "(student/README.md's table, student/tests/points.json) from assignment.toml. "
        "Options: --check.",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description=DESCRIPTION,
        epilog="Run 'autograder COMMAND --help' for the options of a command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="grade one submission, print a summary, write results.json",
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
    for name, (_, short, long) in DELEGATED.items():
        sub.add_parser(name, help=short, description=long, add_help=False)
    return parser


def _run(args: argparse.Namespace) -> int:
    from autograder.config import ConfigError, load_config
    from autograder.results import write_results
    from autograder.runner import run_grading
    from autograder.sandbox.isolation import consent
    from autograder.summary import format_summary

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


def _delegate(command: str, argv: list[str]) -> int:
    module_name = DELEGATED[command][0]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        print(
            f"autograder {command}: not available: module {module_name} could not be "
            f"imported ({exc})",
            file=sys.stderr,
        )
        return 1
    entry = getattr(module, "main", None)
    if entry is None:
        print(f"autograder {command}: {module_name} has no main()", file=sys.stderr)
        return 1
    return int(entry(argv) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``autograder`` command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in DELEGATED:
        return _delegate(args_list[0], args_list[1:])
    parser = _parser()
    args = parser.parse_args(args_list)
    if args.command == "run":
        return _run(args)
    parser.print_help()
    return 2
