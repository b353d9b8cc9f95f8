"""``grades.csv``: one row per submission, one column per function (and per test)."""

from __future__ import annotations

from pathlib import Path

from autograder.classroom.reports.csvsafe import writer
from autograder.classroom.reports.model import GradedSubmission, function_order


def fmt_points(x: float) -> str:
    """Points as short text: ``87.5``, ``100``, ``3.3333``."""
    r = round(float(x), 4)
    return f"{r:.4f}".rstrip("0").rstrip(".") if r != int(r) else str(int(r))


def write_grades_csv(path: Path, subs: list[GradedSubmission], per_test: bool = False) -> None:
    """Write ``id, name, email, sid, total, <function>..., [test:<name>...], status, message``.

    ``total`` is the sum of the test scores of the submission's results.json.
    """
    functions = function_order(subs)
    test_names: list[str] = []
    if per_test:
        seen: dict[str, None] = {}
        for s in subs:
            for t in s.tests:
                seen.setdefault(str(t.get("name", "")), None)
        test_names = list(seen)
    header = ["id", "name", "email", "sid", "total", *functions]
    header += [f"test:{n}" for n in test_names] + ["status", "message"]
    with writer(path) as w:
        w.writerow(header)
        for s in subs:
            fs = s.function_scores()
            row = [s.id, s.name, s.email, s.sid, fmt_points(s.total)]
            row += [fmt_points(fs[fn][0]) if fn in fs else "0" for fn in functions]
            if per_test:
                by_name = {str(t.get("name", "")): t for t in s.tests}
                row += [
                    fmt_points(float(by_name[n].get("score") or 0)) if n in by_name else ""
                    for n in test_names
                ]
            row += [s.status, s.message.splitlines()[0] if s.message else ""]
            w.writerow(row)
