"""Since your last submission: which functions became right or wrong.

On Gradescope, ``submission_metadata.json`` lists the student's ``previous_submissions``,
each with its ``results`` (the earlier results.json). :func:`annotate` puts at the top of
the new results' ``output`` the functions that became right and those that became wrong
since the most recent one, and records them in ``extra_data["since_last"]``.

A function is right when every one of its tests passed (:func:`function_status`, read
through :func:`autograder.grading.results.per_test_records`, whatever the entries'
grouping). Only visible tests count: the top-level output is shown at once, so it never
tells how tests whose results are not yet published went. A function graded in one of the
two results only is left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.grading.results import per_test_records, read_results, write_results
from autograder.intake.gradescope_metadata import read_metadata

#: Tags of entries that grade no function (hw.py not importable, the late penalty).
NOT_FUNCTIONS = frozenset({"submission", "late"})
HEADING = "Since your last submission:"


def function_status(results: Any) -> dict[str, bool]:
    """Per graded function of ``results`` (a results.json dict): whether all of its visible
    tests passed. Functions without a visible test are left out."""
    status: dict[str, bool] = {}
    for record in per_test_records(results):
        tags = record.get("tags")
        if not isinstance(tags, list) or not tags or not isinstance(tags[0], str):
            continue
        function = tags[0]
        if function in NOT_FUNCTIONS or record.get("visibility", "visible") != "visible":
            continue
        passed = record.get("status") == "passed"
        status[function] = status.get(function, True) and passed
    return status


def previous_results(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The results.json of the student's most recent previous submission (the latest
    ``submission_time``; the last listed when times are missing), or None."""
    earlier = metadata.get("previous_submissions")
    if not isinstance(earlier, list):
        return None
    usable = [
        (i, s) for i, s in enumerate(earlier)
        if isinstance(s, dict) and isinstance(s.get("results"), dict)
    ]
    if not usable:
        return None

    def when(item: tuple[int, dict[str, Any]]) -> tuple[str, int]:
        time = item[1].get("submission_time")
        return (time if isinstance(time, str) else "", item[0])

    return max(usable, key=when)[1]["results"]


def changes(previous: Any, current: Any) -> tuple[list[str], list[str]]:
    """``(became right, became wrong)``: the functions graded in both results whose status
    changed, in the order of the current results."""
    before, now = function_status(previous), function_status(current)
    common = [f for f in now if f in before]
    right = [f for f in common if now[f] and not before[f]]
    wrong = [f for f in common if before[f] and not now[f]]
    return right, wrong


def summary_lines(previous: Any, current: Any) -> list[str]:
    """The lines for the top of the output (see :func:`changes`)."""
    right, wrong = changes(previous, current)
    if not right and not wrong:
        return [f"{HEADING} no function became right or wrong."]
    lines = [HEADING]
    if right:
        lines.append(f"  now right: {', '.join(right)}")
    if wrong:
        lines.append(f"  now wrong: {', '.join(wrong)}")
    return lines


def with_changes(results: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    """``results`` with the changes since the previous submission at the top of its output
    (and in ``extra_data["since_last"]``); unchanged when there is no previous one."""
    previous = previous_results(metadata)
    if previous is None or not isinstance(results, dict):
        return results
    right, wrong = changes(previous, results)
    out = dict(results)
    lines = summary_lines(previous, results)
    output = str(results.get("output") or "")
    out["output"] = "\n".join(lines) + ("\n\n" + output if output else "")
    extra = dict(out.get("extra_data") or {})
    extra["since_last"] = {"right": right, "wrong": wrong}
    out["extra_data"] = extra
    return out


def annotate(results_path: str | Path, metadata_path: str | Path) -> bool:
    """Add the changes since the previous submission (``metadata_path``: Gradescope's
    ``submission_metadata.json``) to the results.json at ``results_path``. Returns whether
    it was rewritten; a missing or unreadable file changes nothing."""
    metadata = read_metadata(metadata_path)
    if previous_results(metadata) is None:
        return False
    results = read_results(results_path)
    if results is None:
        return False
    updated = with_changes(results, metadata)
    if updated is results:
        return False
    write_results(results_path, updated)
    return True
