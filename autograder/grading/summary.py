"""A readable terminal summary of one grade (a results.json dict).

The same grouping as Gradescope's page (:mod:`autograder.grading.entries`): per part and
per graded function a mark (✓ every check passed, ~ some, ✗ none), the points and the
checks passed; then each failing entry ("softmax: hidden checks") with its failing
checks and their messages (trimmed, each distinct message once), and the total. Points
in one precision (:func:`autograder.grading.points.format_points`). Works from the
results.json dict alone, so it also summarises a saved file or an engine failure.
"""

from __future__ import annotations

import math
from typing import Any

from autograder.config import AssignmentConfig
from autograder.grading.entries import WHOLE_SUBMISSION_TAGS, label_of
from autograder.grading.points import format_points
from autograder.grading.results import entries as results_entries
from autograder.grading.results import entry_records

#: Lines of a failing check's message shown in the summary.
MESSAGE_LINES = 8
MARKS = {"all": "✓", "some": "~", "none": "✗"}
ASCII_MARKS = {"all": "+", "some": "~", "none": "x"}


def _function(entry: dict[str, Any]) -> str:
    tags = entry.get("tags") or [""]
    return str(tags[0])


def _part_of(entry: dict[str, Any]) -> int | None:
    for tag in entry.get("tags", [])[1:]:
        if isinstance(tag, str) and tag.startswith("part "):
            try:
                return int(tag[5:])
            except ValueError:
                return None
    return None


def _passed(record: dict[str, Any]) -> bool:
    return record.get("status") == "passed"


def _trim_message(text: str, lines: int = MESSAGE_LINES, width: int = 160) -> list[str]:
    rows = [r[:width] + ("..." if len(r) > width else "") for r in text.strip().splitlines()]
    if len(rows) > lines:
        rows = [*rows[:lines], f"... ({len(rows) - lines} more lines)"]
    return rows


def format_summary(
    results: dict[str, Any],
    config: AssignmentConfig | None = None,
    *,
    ascii_only: bool = False,
    show_passing: bool = False,
) -> str:
    """The summary text of ``results`` (a results.json dict).

    ``config`` supplies part titles and order; ``show_passing`` lists every check, not
    only the failing ones.
    """
    marks = ASCII_MARKS if ascii_only else MARKS
    pts = format_points
    entries = results_entries(results)
    out: list[str] = []
    notices = [e for e in entries if _function(e) in WHOLE_SUBMISSION_TAGS]
    graded = [e for e in entries if _function(e) not in WHOLE_SUBMISSION_TAGS]

    for e in notices:
        if e.get("status") != "passed" or e.get("score", 0) < 0:
            out.append(f"{marks['none']} {e.get('name', '')}")
            out.extend("    " + r for r in _trim_message(e.get("output", "")))
    if any(e.get("status") != "passed" or e.get("score", 0) < 0 for e in notices):
        out.append("")

    # function -> its entries, in order of first appearance
    functions: dict[str, list[dict[str, Any]]] = {}
    for e in graded:
        functions.setdefault(_function(e), []).append(e)
    parts: dict[int | None, list[str]] = {}
    for name, es in functions.items():
        parts.setdefault(_part_of(es[0]), []).append(name)
    titles = {p.number: p.title for p in config.parts} if config else {}
    width = max((len(n) for n in functions), default=10) + 2
    heads = {
        number: (f"Part {number}" if number is not None else "Other")
        + (f": {titles[number]}" if number in titles else "")
        for number in parts
    }
    column = max([width + 4, *(len(h) + 1 for h in heads.values())])

    for number, names in parts.items():
        p_score = math.fsum(e["score"] for n in names for e in functions[n])
        p_max = math.fsum(e["max_score"] for n in names for e in functions[n])
        out.append(f"{heads[number]:<{column}} {pts(p_score):>6} / {pts(p_max)}")
        for name in names:
            es = functions[name]
            checks = [c for e in es for c in entry_records(e)]
            n_pass = sum(1 for c in checks if _passed(c))
            state = "all" if n_pass == len(checks) else "some" if n_pass else "none"
            score = math.fsum(e["score"] for e in es)
            top = math.fsum(e["max_score"] for e in es)
            out.append(
                f"  {marks[state]} {name:<{column - 4}} {pts(score):>6} / {pts(top):<5}"
                f" ({n_pass}/{len(checks)} checks)"
            )
            if show_passing:
                for e in es:
                    if len(es) > 1:
                        out.append(f"      {e.get('name', '')}")
                    for c in entry_records(e):
                        mark = marks["all"] if _passed(c) else marks["none"]
                        out.append(f"        {mark} {label_of(str(c.get('name', '')), name)}")
        out.append("")

    failing = [e for e in graded if e.get("status") != "passed"]
    if failing:
        out.append(f"Failing ({len(failing)} of {len(graded)} entries):")
        for e in failing:
            checks = entry_records(e)
            bad = [c for c in checks if not _passed(c)]
            out.append(
                f"{marks['none']} {e.get('name', '')}  [{pts(e['score'])}/{pts(e['max_score'])}"
                f" points, {len(bad)} of {len(checks)} checks failed]"
            )
            messages: dict[str, list[str]] = {}
            for c in bad:
                text = str(c.get("output", "")).strip() or "(no message)"
                label = label_of(str(c.get("name", "")), _function(e))
                messages.setdefault(text, []).append(label)
            for text, labels in messages.items():
                named = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3
                                                 else "")
                out.append(f"    {marks['none']} {named}")
                out.extend("        " + r for r in _trim_message(text))
        out.append("")

    total = results.get("score", 0.0)
    top = math.fsum(e.get("max_score", 0.0) for e in entries)
    checks = [c for e in graded for c in entry_records(e)]
    n_pass = sum(1 for c in checks if _passed(c))
    out.append(
        f"Total: {pts(total)} / {pts(top)} points  ({n_pass}/{len(checks)} checks passed, "
        f"{len(entries)} Gradescope entries)"
    )
    # a weaker isolation than the full jail, in plain words (extra_data.isolation.weaker)
    out += filter(None, [(results.get("extra_data") or {}).get("isolation", {}).get("weaker")])
    return "\n".join(out)
