"""The instructor's command line: ``autograder run | build | grade | stubs``.

``python -m autograder ...`` is the same. Each command lives in the room it belongs to
and is imported only when used (``autograder <command> --help`` shows its options):
``run`` in :mod:`autograder.grading.run_command`, ``grade`` in
:mod:`autograder.classroom.batch`, ``build`` in :mod:`autograder.release.build` and
``stubs`` in :mod:`autograder.release.stubgen`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

DESCRIPTION = (
    "Autograder of the 'Deep Learning Fundamentals II' NumPy homework: grades hw.py "
    "submissions in a sandbox and writes Gradescope results.json files."
)

#: command -> (module, one-line help, description)
DELEGATED = {
    "run": (
        "autograder.grading.run_command",
        "grade one submission, print a summary, write results.json",
        "Grade one submission: hw.py, a folder holding it, or a .zip. Prints a summary "
        "per part and function and writes a Gradescope results.json. Options: SUBMISSION "
        "[--results PATH] [--functions F1,F2] [-v] [-q] [--unsafe-same-user].",
    ),
    "build": (
        "autograder.release.build",
        "build dist/autograder.zip (Gradescope, via otter-grader) and dist/handout.zip",
        "Write DIR/autograder.zip (upload it to Gradescope) and DIR/handout.zip "
        "(the student/ folder), refused unless the zip grades the solutions with every "
        "point and the stubs with none. Options: --out DIR (default dist/).",
    ),
    "grade": (
        "autograder.classroom.batch",
        "grade many submissions: grades.csv, report.html, one report each",
        "Grade a folder of submissions (each a .py, a folder or a .zip) or a Gradescope "
        "'Export Submissions' zip. Options: SUBMISSIONS --out DIR [--jobs N].",
    ),
    "stubs": (
        "autograder.release.stubgen",
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
    for name, (_, short, long) in DELEGATED.items():
        sub.add_parser(name, help=short, description=long, add_help=False)
    return parser


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
    parser.parse_args(args_list)
    parser.print_help()
    return 2
