"""The class's misconceptions: the catalogued mistakes the engine recognised, counted.

Each test entry of a submission's results.json lists in ``extra_data["mistakes"]`` the
catalogued mistakes (:mod:`autograder.mistakes`) whose diagnosis its failure message showed
("This matches a known mistake: ..."). Here they are counted over the class: how many
submissions made each mistake, which ones, and what it is, most widespread first
("a third of you forgot the 1/N of the mean"). Written to ``misconceptions.csv`` and the
class report's "Misconceptions" section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.classroom.reports.csvsafe import write_rows
from autograder.classroom.reports.model import GradedSubmission, function_order, test_function
from autograder.mistakes import get as catalogued

#: the columns of misconceptions.csv
CSV_COLUMNS = ("mistake", "function", "description", "submissions", "share", "ids")


@dataclass
class Misconception:
    """One catalogued mistake and the submissions that made it."""

    mistake: str  # the catalog's id
    function: str
    description: str
    submissions: list[str] = field(default_factory=list)  # submission ids, class order
    graded: int = 0  # submissions graded by the engine (the share's denominator)

    @property
    def share(self) -> float:
        """The fraction of graded submissions that made this mistake."""
        return len(self.submissions) / self.graded if self.graded else 0.0


def recorded_mistakes(test: dict) -> list[str]:
    """The mistake ids a results.json test entry records (``[]`` when none or malformed)."""
    extra = test.get("extra_data")
    found = extra.get("mistakes") if isinstance(extra, dict) else None
    if not isinstance(found, list):
        return []
    return [m for m in found if isinstance(m, str) and m]


def misconceptions(subs: list[GradedSubmission]) -> list[Misconception]:
    """Every catalogued mistake recorded in ``subs``, most submissions first (then in the
    order of the functions, then by id)."""
    graded = sum(1 for s in subs if s.status == "graded")
    found: dict[str, Misconception] = {}
    for s in subs:
        for t in s.tests:
            for mistake_id in recorded_mistakes(t):
                item = found.get(mistake_id)
                if item is None:
                    item = found[mistake_id] = _describe(mistake_id, test_function(t), graded)
                if s.id not in item.submissions:
                    item.submissions.append(s.id)
    order = {fn: i for i, fn in enumerate(function_order(subs))}
    return sorted(
        found.values(),
        key=lambda m: (-len(m.submissions), order.get(m.function, len(order)), m.mistake),
    )


def _describe(mistake_id: str, function: str, graded: int) -> Misconception:
    try:
        mistake = catalogued(mistake_id)
    except KeyError:  # results from before the catalog changed
        return Misconception(mistake_id, function, "(no longer in the catalog)", graded=graded)
    return Misconception(mistake_id, mistake.function, mistake.explanation, graded=graded)


def write_misconceptions_csv(path: Path, items: list[Misconception]) -> None:
    """``mistake, function, description, submissions, share, ids``: one row per mistake,
    most widespread first; ``share`` of the graded submissions, ``ids`` space-separated."""
    write_rows(path, CSV_COLUMNS, (
        [m.mistake, m.function, m.description, len(m.submissions), f"{m.share:.3f}",
         " ".join(m.submissions)]
        for m in items
    ))
