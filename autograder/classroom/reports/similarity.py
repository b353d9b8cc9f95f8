"""Similar submissions: pairs of ``hw.py`` files whose code is alike, for a person to look at.

The comparison is copydetect's (MOSS-style fingerprints of the tokenised code): every name
becomes one token, comments and whitespace are dropped, so renamed variables, reordered
functions and rewritten comments do not hide a copy. The handout's ``student/hw.py``
(signatures, docstrings, ``raise NotImplementedError``; with and without its docstrings)
is starter code: what a submission shares with it never counts, so the stub matches
nothing. Earlier terms' submissions (``--similarity-against``) are compared with the class
but not with each other.

A pair is flagged when the code the two share is at least ``threshold`` of either one's own
code and at least ``min_shared_tokens`` long (``[similarity]`` of ``assignment.toml``).
It is a signal for a human, never a score: nothing here changes a grade.

Every match of copydetect is exact: with its window equal to its noise threshold every
fingerprint is kept (no winnowing), so the same files always give the same pairs.
"""

from __future__ import annotations

import ast
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from autograder import paths
from autograder.classroom.reports.code import MAX_SHOWN_BYTES
from autograder.classroom.reports.csvsafe import write_rows
from autograder.config import SimilarityConfig

if TYPE_CHECKING:
    from copydetect import CodeFingerprint

#: copydetect's noise threshold (its default): the shortest match that counts, in
#: characters of the tokenised code (a name is one character), about one line of code
NOISE_TOKENS = 25
#: the defaults of ``[similarity]`` in assignment.toml
DEFAULT_THRESHOLD = SimilarityConfig.threshold
DEFAULT_MIN_SHARED_TOKENS = SimilarityConfig.min_shared_tokens
#: the columns of similarity.csv
CSV_COLUMNS = ("a", "b", "similarity_a", "similarity_b", "shared_tokens")


@dataclass(frozen=True)
class SimilaritySettings:
    """What to compare and when a pair is flagged."""

    threshold: float = DEFAULT_THRESHOLD
    min_shared_tokens: int = DEFAULT_MIN_SHARED_TOKENS
    #: sources of starter code (default: the handout's student/hw.py)
    boilerplate: tuple[str, ...] | None = None
    #: earlier terms' submissions, id -> source: compared with the class, not each other
    references: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions flagged as similar, with their code marked where it matches."""

    a: str
    b: str
    similarity_a: float  # the share of a's own code found in b
    similarity_b: float  # the share of b's own code found in a
    shared_tokens: int
    a_html: Markup  # a's source, escaped, the matching passages in <mark>
    b_html: Markup
    b_is_reference: bool = False  # b is an earlier term's submission

    @property
    def similarity(self) -> float:
        """The larger of the two shares (what the threshold applies to)."""
        return max(self.similarity_a, self.similarity_b)


@dataclass
class SimilarityReport:
    """The flagged pairs of a class, most similar first, and what was compared."""

    pairs: list[SimilarPair]
    threshold: float
    min_shared_tokens: int
    compared: int  # class submissions compared
    references: int  # earlier submissions compared with them
    not_compared: list[tuple[str, str]] = field(default_factory=list)  # (id, why)


def handout_boilerplate() -> tuple[str, ...]:
    """The handout's ``student/hw.py``, as given and without its docstrings (a student
    who deletes them keeps the signatures, which are starter code too)."""
    try:
        stub = paths.STUDENT_HW.read_text(encoding="utf-8")
    except OSError:
        return ()
    return (stub, without_docstrings(stub))


def without_docstrings(source: str) -> str:
    """``source`` without the docstrings of its module, classes and functions (unchanged
    when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    drop: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                 ast.AsyncFunctionDef)) or not body:
            continue
        first = body[0]
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            drop.update(range(first.lineno - 1, first.end_lineno or first.lineno))
    lines = source.splitlines(keepends=True)
    return "".join(line for i, line in enumerate(lines) if i not in drop)


def _fingerprint(source: str, boilerplate: Sequence[int] | None = None) -> CodeFingerprint:
    from copydetect import CodeFingerprint

    return CodeFingerprint("hw.py", NOISE_TOKENS, 1, boilerplate, language="python",
                           fp=io.StringIO(source))


def _boilerplate_hashes(sources: Iterable[str]) -> list[int]:
    hashes: set[int] = set()
    for source in sources:
        hashes |= _fingerprint(source).hashes
    return sorted(hashes)


def _usable(source: str | None) -> str | None:
    """Why ``source`` is not compared, or None."""
    if source is None:
        return "no hw.py was found"
    if len(source.encode("utf-8", errors="replace")) > MAX_SHOWN_BYTES:
        return f"hw.py is over {MAX_SHOWN_BYTES // 1024} KB"
    if not source.strip():
        return "hw.py is empty"
    return None


def _marked(source: str, slices: Any) -> Markup:
    from copydetect.utils import highlight_overlap

    html, _ = highlight_overlap(source, slices, "<mark>", "</mark>", escape_html=True)
    return Markup(html)


def find_similar(
    sources: Mapping[str, str | None], settings: SimilaritySettings | None = None
) -> SimilarityReport:
    """Compare every pair of ``sources`` (submission id -> its hw.py text) and each with
    every reference; return the pairs above the settings' threshold, most similar first.

    A source that is missing, empty or too large is not compared (``not_compared`` says
    why). Never changes a grade.
    """
    from copydetect import compare_files

    settings = settings or SimilaritySettings()
    boilerplate = settings.boilerplate
    if boilerplate is None:
        boilerplate = handout_boilerplate()
    hashes = _boilerplate_hashes(boilerplate)
    not_compared: list[tuple[str, str]] = []
    prints = {}
    for sub_id, source in sources.items():
        why = _usable(source)
        if why is not None:
            not_compared.append((sub_id, why))
            continue
        prints[sub_id] = _fingerprint(source, hashes)
    references = {}
    for ref_id, source in settings.references.items():
        if _usable(source) is None:
            references[ref_id] = _fingerprint(source, hashes)
    pairs: list[SimilarPair] = []
    candidates = [(a, b, False) for a, b in itertools.combinations(prints, 2)]
    candidates += [(a, r, True) for a in prints for r in references]
    for a, b, reference in candidates:
        fa, fb = prints[a], (references if reference else prints)[b]
        if not fa.hashes & fb.hashes:
            continue
        shared, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
        if max(sim_a, sim_b) < settings.threshold or shared < settings.min_shared_tokens:
            continue
        pairs.append(
            SimilarPair(
                a=a,
                b=b,
                similarity_a=float(sim_a),
                similarity_b=float(sim_b),
                shared_tokens=int(shared),
                a_html=_marked(fa.raw_code, slices_a),
                b_html=_marked(fb.raw_code, slices_b),
                b_is_reference=reference,
            )
        )
    pairs.sort(key=lambda p: (-p.similarity, -p.shared_tokens, p.a, p.b))
    return SimilarityReport(
        pairs=pairs,
        threshold=settings.threshold,
        min_shared_tokens=settings.min_shared_tokens,
        compared=len(prints),
        references=len(references),
        not_compared=not_compared,
    )


def write_similarity_csv(path: Path, report: SimilarityReport) -> None:
    """``a, b, similarity_a, similarity_b, shared_tokens``: one row per flagged pair (b is
    an earlier term's submission when it came from ``--similarity-against``)."""
    write_rows(path, CSV_COLUMNS, (
        [p.a, p.b, f"{p.similarity_a:.3f}", f"{p.similarity_b:.3f}", p.shared_tokens]
        for p in report.pairs
    ))
