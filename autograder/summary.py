"""A readable terminal summary of one grade (a results.json dict).

Per part and per function: a mark (✓ all tests passed, ~ some, ✗ none), the points and the
tests passed; then the messages of the failing tests (trimmed) and the total. Works from
the results.json dict alone, so it also summarises a saved file or an engine failure.
"""

from __future__ import annotations

import math
from typing import Any

from autograder.config import AssignmentConfig
from autograder.results import SUBMISSION_TAG

#: Lines of a failing test's message shown in the summary.
MESSAGE_LINES = 8
MARKS = {"all": "✓", "some": "~", "none": "✗"}
ASCII_MARKS = {"all": "+", "some": "~", "none": "x"}


def _part_of(test: dict[str, Any]) -> int | None:
    for tag in test.get("tags", [])[1:]:
        if isinstance(tag, str) and tag.startswith("part "):
            try:
                return int(tag[5:])
            except ValueError:
                return None
    return None


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{int(x)}"


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

    ``config`` supplies part titles and order; ``show_passing`` lists every test, not
    only the failing ones.
    """
    marks = ASCII_MARKS if ascii_only else MARKS
    tests: list[dict[str, Any]] = list(results.get("tests", []))
    out: list[str] = []
    notices = [t for t in tests if (t.get("tags") or [""])[0] == SUBMISSION_TAG]
    graded = [t for t in tests if (t.get("tags") or [""])[0] != SUBMISSION_TAG]

    for t in notices:
        if t.get("status") != "passed":
            out.append(f"{marks['none']} {t.get('name', '')}")
            out.extend("    " + r for r in _trim_message(t.get("output", "")))
    if notices:
        out.append("")

    # function -> tests, in order of first appearance
    functions: dict[str, list[dict[str, Any]]] = {}
    for t in graded:
        functions.setdefault(t["tags"][0], []).append(t)
    parts: dict[int | None, list[str]] = {}
    for name, ts in functions.items():
        parts.setdefault(_part_of(ts[0]), []).append(name)
    titles = {p.number: p.title for p in config.parts} if config else {}
    width = max((len(n) for n in functions), default=10) + 2
    heads = {
        number: (f"Part {number}" if number is not None else "Other")
        + (f": {titles[number]}" if number in titles else "")
        for number in parts
    }
    column = max([width + 4, *(len(h) + 1 for h in heads.values())])

    for number, names in parts.items():
        p_score = math.fsum(t["score"] for n in names for t in functions[n])
        p_max = math.fsum(t["max_score"] for n in names for t in functions[n])
        out.append(f"{heads[number]:<{column}} {_fmt(p_score):>6} / {_fmt(p_max)}")
        for name in names:
            ts = functions[name]
            n_pass = sum(1 for t in ts if t.get("status") == "passed")
            state = "all" if n_pass == len(ts) else "some" if n_pass else "none"
            score = math.fsum(t["score"] for t in ts)
            top = math.fsum(t["max_score"] for t in ts)
            out.append(
                f"  {marks[state]} {name:<{column - 4}} {_fmt(score):>6} / {_fmt(top):<4}"
                f"  ({n_pass}/{len(ts)} tests)"
            )
            if show_passing:
                for t in ts:
                    ok = t.get("status") == "passed"
                    out.append(f"      {marks['all'] if ok else marks['none']} {t['name']}")
        out.append("")

    failing = [t for t in graded if t.get("status") != "passed"]
    if failing:
        out.append(f"Failing tests ({len(failing)}):")
        for t in failing:
            out.append(
                f"{marks['none']} {t.get('name', '')}  [{_fmt(t['score'])}/{_fmt(t['max_score'])}]"
            )
            out.extend("    " + r for r in _trim_message(t.get("output", "")))
        out.append("")

    total = results.get("score", 0.0)
    top = math.fsum(t.get("max_score", 0.0) for t in tests)
    n_pass = sum(1 for t in graded if t.get("status") == "passed")
    out.append(f"Total: {_fmt(total)} / {_fmt(top)} points  ({n_pass}/{len(graded)} tests passed)")
    out += filter(None, [(results.get("extra_data") or {}).get("isolation", {}).get("weaker")])
    return "\n".join(out)
