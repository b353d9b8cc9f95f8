"""Graders' reports of a batch run: ``grades.csv``, ``gradebook.csv`` (one row per
student), the class ``report.html``, one HTML page per submission
(``submissions/<id>/report.html``), and what the class as a whole shows:
``misconceptions.csv`` (:mod:`.misconceptions`), ``similarity.csv`` with a page per
similar pair (``similarity/pair-N.html``, :mod:`.similarity`), ``item_analysis.csv``
(:mod:`.item_analysis`), ``candidate_mistakes.csv`` (:mod:`.candidates`) and, against an
earlier output folder, ``changes.csv`` (:mod:`.changes`).

Entry point: :func:`write_reports`; the data types are in :mod:`.model`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from autograder.classroom.reports.changes import PreviousGrades
from autograder.classroom.reports.model import GradedSubmission, SkippedInput, Student, summarize
from autograder.classroom.reports.similarity import SimilaritySettings

__all__ = [
    "GradedSubmission",
    "PreviousGrades",
    "SimilaritySettings",
    "SkippedInput",
    "Student",
    "write_reports",
]

#: the folder of the side-by-side pages of similar pairs, in the output folder
PAIRS_DIR = "similarity"
#: the cache of every submission's tokenised code, in PAIRS_DIR (a rerun reuses it)
FINGERPRINTS = "fingerprints.json"
#: the version of a page's inputs key (:func:`page_key`)
PAGE_KEY_VERSION = 1
#: a submission's page says on its second line what it was made from (its inputs' key,
#: and the sha256 of the page without this line: an edited or torn page is made again)
PAGE_KEY_LINE = "<!-- page inputs {} {} -->"


@functools.lru_cache(maxsize=1)
def _report_code_digest() -> str:
    """sha256 of what draws the pages: this package's code and templates, and the versions
    of jinja2, pygments and markupsafe."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for p in sorted(here.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".j2", ".css") and "__pycache__" not in p.parts:
            h.update(p.relative_to(here).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    for package in ("jinja2", "pygments", "markupsafe"):
        try:
            h.update(f"{package}={metadata.version(package)}\0".encode())
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            h.update(f"{package}=?\0".encode())
    return h.hexdigest()


def page_key(sub: GradedSubmission, title: str) -> str:
    """sha256 of everything a submission's page shows (its results, its source and the
    names around them, the title) and of the code that draws it: an equal key, an equal
    page (apart from its time stamp)."""
    inputs = [PAGE_KEY_VERSION, _report_code_digest(), title, sub.id, sub.label, sub.name,
              sub.email, sub.sid, sub.status, sub.message, sub.source_name, sub.source,
              sub.results]
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def write_page(path: Path, key: str, render: Callable[[], str]) -> bool:
    """Write ``render()`` to ``path``, unless the page there was made from the same inputs
    (``key``, :func:`page_key`) and is whole: its second line holds the key and the sha256
    of the rest of the page. Returns whether it was written."""
    try:
        first, mark, rest = path.read_text(encoding="utf-8").split("\n", 2)
        if mark == PAGE_KEY_LINE.format(key, _sha256(first + "\n" + rest)):
            return False
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    first, _, rest = render().partition("\n")
    mark = PAGE_KEY_LINE.format(key, _sha256(first + "\n" + rest))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{first}\n{mark}\n{rest}", encoding="utf-8")
    os.replace(tmp, path)
    return True


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def write_reports(
    out_dir: Path,
    subs: list[GradedSubmission],
    skipped: list[SkippedInput],
    *,
    per_test_columns: bool = False,
    title: str = "Grading report",
    similarity: SimilaritySettings | None = None,
    previous: PreviousGrades | None = None,
) -> None:
    """Write ``grades.csv``, ``gradebook.csv``, ``misconceptions.csv``, ``similarity.csv``
    (``similarity``: what to compare and when a pair is flagged; default: the handout's
    stub as starter code and the default threshold), with ``previous`` ``changes.csv``, then
    ``report.html``, each ``submissions/<id>/report.html`` and ``similarity/pair-N.html``."""
    from autograder.classroom.reports.candidates import candidate_mistakes, write_candidates_csv
    from autograder.classroom.reports.changes import compare, write_changes_csv
    from autograder.classroom.reports.gradescsv import write_gradebook_csv, write_grades_csv
    from autograder.classroom.reports.html import (
        render_class_report,
        render_pair_page,
        render_submission_report,
    )
    from autograder.classroom.reports.item_analysis import item_analysis, write_item_analysis_csv
    from autograder.classroom.reports.misconceptions import misconceptions, write_misconceptions_csv
    from autograder.classroom.reports.similarity import find_similar, write_similarity_csv

    out_dir = Path(out_dir)
    write_grades_csv(out_dir / "grades.csv", subs, per_test=per_test_columns, skipped=skipped)
    write_gradebook_csv(out_dir / "gradebook.csv", subs)
    mistakes = misconceptions(subs)
    write_misconceptions_csv(out_dir / "misconceptions.csv", mistakes)
    similar = find_similar({s.id: s.source for s in subs}, similarity,
                           cache=out_dir / PAIRS_DIR / FINGERPRINTS)
    write_similarity_csv(out_dir / "similarity.csv", similar)
    items = item_analysis(subs)
    write_item_analysis_csv(out_dir / "item_analysis.csv", items)
    candidates = candidate_mistakes(subs)
    write_candidates_csv(out_dir / "candidate_mistakes.csv", candidates)
    changes = compare(previous, subs) if previous is not None else None
    if changes is not None:
        write_changes_csv(out_dir / "changes.csv", changes)
    else:  # an earlier run's comparison would no longer be true
        (out_dir / "changes.csv").unlink(missing_ok=True)
    (out_dir / "report.html").write_text(
        render_class_report(
            summarize(subs, skipped),
            title,
            misconceptions=mistakes,
            similarity=similar,
            changes=changes,
            pairs_dir=PAIRS_DIR,
            items=items,
            candidates=candidates,
        ),
        encoding="utf-8",
    )
    for s in subs:
        d = out_dir / "submissions" / s.id
        d.mkdir(parents=True, exist_ok=True)
        write_page(d / "report.html", page_key(s, title),
                   lambda s=s: render_submission_report(s, title))
    pairs_dir = out_dir / PAIRS_DIR
    for old in pairs_dir.glob("pair-*.html"):  # the pages of an earlier run's pairs
        old.unlink()
    if similar.pairs:
        pairs_dir.mkdir(exist_ok=True)
    for number, pair in enumerate(similar.pairs, 1):
        (pairs_dir / f"pair-{number}.html").write_text(
            render_pair_page(pair, number, similar, title), encoding="utf-8"
        )
