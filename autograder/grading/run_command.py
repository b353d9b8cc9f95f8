"""``autograder run``: grade one submission, print a summary, write results.json.

Like otter's ``run_autograder`` main: the configuration, then the runner, then the run,
then results.json. Exit 0 whenever grading finished (whatever the score), 1 when the
grading engine itself failed (results.json then says so), 2 for a refused call.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder.config import AssignmentConfig, ConfigError, load_config
from autograder.grading import late_policy
from autograder.grading.results import failure_kind, write_results
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
        "--submitted-at",
        default=None,
        metavar="TIME",
        help="when the submission was made (ISO 8601, e.g. 2025-02-08T00:00:00-05:00; without "
        "an offset: the course's time zone): the late rule of assignment.toml applies, as on "
        "Gradescope",
    )
    run.add_argument(
        "--student",
        action="append",
        default=[],
        metavar="EMAIL",
        help="the student's email or SID, for an extension (repeat it for each member of a "
        "group)",
    )
    run.add_argument(
        "--gradescope-due-date",
        default=None,
        help=argparse.SUPPRESS,  # Gradescope's own due date, recorded (run_autograder)
    )
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
    submitted_at = None
    if args.submitted_at is not None:
        zone = config.late.zone if config.late is not None else None
        try:
            submitted_at = late_policy.parse_time(args.submitted_at, zone)
        except late_policy.TimeError as exc:
            print(f"autograder run: --submitted-at: {exc}", file=sys.stderr)
            return 2
    run = run_grading(args.submission, config, functions)
    raw = run.results
    late_line = ""
    if submitted_at is not None:
        run.results, late_line = apply_late_rule(
            run.results, config, submitted_at, args.student, args.gradescope_due_date
        )
    try:
        write_results(args.results, run.results)
    except OSError as exc:
        print(f"autograder run: cannot write {args.results}: {exc}", file=sys.stderr)
        return 1
    if args.quiet:
        print(f"score {run.results['score']:g}")
    else:
        ascii_only = (getattr(sys.stdout, "encoding", "") or "").lower() not in ("utf-8", "utf8")
        print(format_summary(raw, config, ascii_only=ascii_only, show_passing=args.verbose))
        if late_line:
            print(late_line)
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


def apply_late_rule(
    results: dict,
    config: AssignmentConfig,
    submitted_at: datetime.datetime,
    students: Sequence[str] = (),
    gradescope_due: str | None = None,
) -> tuple[dict, str]:
    """``results`` with the late rule of ``config`` applied for a submission made at
    ``submitted_at`` by ``students`` (emails or SIDs: extensions), and the line the
    summary prints about it. Results of a submission that could not be graded at all
    (engine failure, nothing gradable) are left as they are."""
    if config.late is None:
        return results, (f"Submitted {submitted_at.isoformat()}: assignment.toml has no "
                         "[late] rule, nothing deducted")
    if failure_kind(results) is not None:
        return results, "Not graded, so no late penalty applied"
    people = [s.strip() for arg in students for s in arg.split(",") if s.strip()]
    out, late = late_policy.judge(results, config.late, submitted_at, people)
    if gradescope_due:
        out["extra_data"]["late"]["gradescope_due_date"] = gradescope_due
        try:
            theirs = late_policy.parse_time(gradescope_due, config.late.zone)
        except late_policy.TimeError:
            theirs = None
        if theirs is not None and theirs != config.late.due:
            print(
                f"autograder run: note: Gradescope's due date ({gradescope_due}) is not "
                f"[late] due of assignment.toml ({config.late.due.isoformat()}); the penalty "
                "counts from assignment.toml's (and the student's extension)",
                file=sys.stderr,
            )
    due = late_policy.show_time(late.due, config.late)
    if not late.late:
        return out, f"On time (due {due}): no late penalty"
    day = "day" if late.days_late == 1 else "days"
    return out, (
        f"Late submission: {late.days_late} {day} after the due time ({due}): "
        f"-{late_policy.points_text(late.deduction)}\n"
        f"Total after the late penalty: {late.total:g}"
    )
