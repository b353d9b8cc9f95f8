"""Item analysis: how each test and each function of the homework behaves over a class.

For every test (and every function: full marks on it) over the graded submissions: the
share who pass, and how well it separates students, the point-biserial correlation of
passing it with the rest of the score (the total without this item's own points; None
when everyone or no one passes, or the rest does not vary). And the tests nobody fails,
the tests everybody fails, and the tests whose failures always come with another test's
(every submission failing it fails that other test too). Written to
``item_analysis.csv`` and the class report's "Item analysis" section, with a plot.
Nothing here changes a grade.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from autograder.classroom.reports.csvsafe import write_rows
from autograder.classroom.reports.model import GradedSubmission, as_number, passed, test_function
from autograder.grading.results import SUBMISSION_TAG, per_test_records

#: the columns of item_analysis.csv
CSV_COLUMNS = ("kind", "name", "function", "visibility", "points", "n", "passed",
               "pass_share", "point_biserial", "flags", "fails_with")
#: at most this many other tests are named in ``fails_with``
MAX_FAILS_WITH = 5


@dataclass
class Item:
    """One test or function over the class."""

    kind: str  # "test" or "function"
    name: str
    function: str
    visibility: str
    points: float
    n: int = 0
    passed: int = 0
    point_biserial: float | None = None
    fails_with: list[str] = field(default_factory=list)  # tests failing whenever this does

    @property
    def pass_share(self) -> float:
        """The fraction of graded submissions passing it."""
        return self.passed / self.n if self.n else 0.0

    @property
    def flags(self) -> list[str]:
        """``nobody fails``, ``everybody fails``, ``fails with another``."""
        out = []
        if self.n and self.passed == self.n:
            out.append("nobody fails")
        if self.n and self.passed == 0:
            out.append("everybody fails")
        if self.fails_with:
            out.append("fails with another")
        return out


def point_biserial(flags: Sequence[bool], rest: Sequence[float]) -> float | None:
    """The point-biserial correlation of ``flags`` (passed or not) with ``rest``:
    ``(M1 - M0) / s * sqrt(p q)`` with the population standard deviation ``s``; None when
    one group is empty or ``rest`` does not vary."""
    n = len(flags)
    ones = [r for f, r in zip(flags, rest) if f]
    zeros = [r for f, r in zip(flags, rest) if not f]
    if not ones or not zeros:
        return None
    mean = math.fsum(rest) / n
    s = math.sqrt(math.fsum((r - mean) ** 2 for r in rest) / n)
    if s <= 1e-12:
        return None
    p = len(ones) / n
    m1, m0 = math.fsum(ones) / len(ones), math.fsum(zeros) / len(zeros)
    return (m1 - m0) / s * math.sqrt(p * (1 - p))


def item_analysis(subs: Iterable[GradedSubmission]) -> list[Item]:
    """The items of a class (tests in results order, then functions), over the submissions
    the engine graded."""
    graded = [s for s in subs if s.status == "graded"]
    records = [per_test_records(s.results) for s in graded]
    totals = [sum(as_number(t.get("score")) for t in r) for r in records]
    tests: dict[str, Item] = {}
    functions: dict[str, Item] = {}
    outcome: dict[str, list[tuple[bool, float]]] = {}  # name -> per submission (passed, rest)
    by_function: dict[str, list[tuple[bool, float]]] = {}
    failed: dict[str, set[int]] = {}
    for k, (rec, total) in enumerate(zip(records, totals)):
        per_fn: dict[str, list[float]] = {}
        for t in rec:
            fn = test_function(t)
            if fn == SUBMISSION_TAG:
                continue
            name = str(t.get("name", ""))
            item = tests.get(name)
            if item is None:
                item = tests[name] = Item("test", name, fn, str(t.get("visibility", "")),
                                          as_number(t.get("max_score")))
            ok, score = passed(t), as_number(t.get("score"))
            item.n += 1
            item.passed += ok
            outcome.setdefault(name, []).append((ok, total - score))
            if not ok:
                failed.setdefault(name, set()).add(k)
            acc = per_fn.setdefault(fn, [0.0, 0.0])
            acc[0] += score
            acc[1] += as_number(t.get("max_score"))
        for fn, (score, top) in per_fn.items():
            item = functions.get(fn)
            if item is None:
                item = functions[fn] = Item("function", fn, fn, "", top)
            ok = score >= top - 1e-9
            item.n += 1
            item.passed += ok
            by_function.setdefault(fn, []).append((ok, total - score))
    for name, item in tests.items():
        pairs = outcome[name]
        item.point_biserial = point_biserial([p for p, _ in pairs], [r for _, r in pairs])
        mine = failed.get(name, set())
        if mine:
            item.fails_with = sorted(o for o, theirs in failed.items()
                                     if o != name and mine <= theirs)[:MAX_FAILS_WITH]
    for fn, item in functions.items():
        pairs = by_function[fn]
        item.point_biserial = point_biserial([p for p, _ in pairs], [r for _, r in pairs])
    return [*tests.values(), *functions.values()]


def write_item_analysis_csv(path: Path, items: Sequence[Item]) -> None:
    """One row per test, then per function (see :data:`CSV_COLUMNS`): ``flags`` and
    ``fails_with`` separated by ``; ``, ``point_biserial`` empty when undefined."""
    write_rows(path, CSV_COLUMNS, [
        [i.kind, i.name, i.function, i.visibility, f"{i.points:g}", i.n, i.passed,
         f"{i.pass_share:.3f}",
         "" if i.point_biserial is None else f"{i.point_biserial:.3f}",
         "; ".join(i.flags), "; ".join(i.fails_with)]
        for i in items
    ])


def item_plot(items: Sequence[Item]) -> Markup | None:
    """Each test as a point: pass share (x) against point-biserial (y), inline SVG."""
    points = [(i.pass_share, i.point_biserial, i.visibility) for i in items
              if i.kind == "test" and i.point_biserial is not None]
    if not points:
        return None
    import matplotlib.pyplot as plt

    from autograder.classroom.reports.plots import _svg

    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    for hidden, colour, label in ((False, "#3b6ea8", "public"), (True, "#c0504d", "hidden")):
        chosen = [(x, y) for x, y, v in points if (v != "visible") == hidden]
        if chosen:
            ax.scatter([x for x, _ in chosen], [y for _, y in chosen], s=14, color=colour,
                       alpha=0.7, label=label)
    ax.axhline(0, color="#888", linewidth=0.6)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of the class passing")
    ax.set_ylabel("point-biserial with the rest")
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(alpha=0.3)
    return _svg(fig)
