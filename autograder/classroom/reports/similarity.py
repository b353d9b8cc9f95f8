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

The work grows with the class, not its square (MOSS's way): every submission's
fingerprints go into one index (fingerprint -> the submissions holding it); a fingerprint
found in more than ``common_share`` of the class (and in more than :data:`COMMON_FLOOR`
submissions) is class-common, what everyone writes, and is left out like the starter
code; only the pairs sharing enough of the remaining, rare fingerprints are compared in
full with copydetect's ``compare_files``. Each file's tokenised code (copydetect's
``filter_code``, the costly step) is cached by the file's sha256 in a JSON file of the
output folder, so a rerun with nothing changed tokenises nothing; each full comparison
is kept beside it (``comparisons.json``), keyed by what it saw of its two files (their
text and the positions of the fingerprints left after the starter and class-common code),
so a rerun compares no unchanged pair again; and the flagged pairs of the last run,
keyed by the settings and every file in order, so a rerun of the same class reads its
report back without tokenising or fingerprinting anything. Flagged pairs are joined into groups
(connected components: who shares code with whom).
"""

from __future__ import annotations

import ast
import hashlib
import io
import itertools
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
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
DEFAULT_COMMON_SHARE = SimilarityConfig.common_share
#: code held by at most this many submissions is never class-common (MOSS's ``-m``
#: default): in a small class a handful of students sharing a file are a group
COMMON_FLOOR = 10
#: tokenise on several processes when at least this many files per process are new
PARALLEL_FROM = 24
#: the version of the cache of tokenised code
CACHE_VERSION = 1
#: the columns of similarity.csv (``group``: the number of the pair's group)
CSV_COLUMNS = ("a", "b", "similarity_a", "similarity_b", "shared_tokens", "group")


@dataclass(frozen=True)
class SimilaritySettings:
    """What to compare and when a pair is flagged."""

    threshold: float = DEFAULT_THRESHOLD
    min_shared_tokens: int = DEFAULT_MIN_SHARED_TOKENS
    #: code in more than this share of the class is class-common (``[similarity]``)
    common_share: float = DEFAULT_COMMON_SHARE
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


@dataclass(frozen=True)
class SimilarGroup:
    """Submissions joined by flagged pairs (a connected component): who shares code with
    whom. ``pairs``: the numbers (1-based, as the report lists them) of its pairs."""

    number: int
    members: tuple[str, ...]
    pairs: tuple[int, ...]


@dataclass
class SimilarityReport:
    """The flagged pairs of a class, most similar first, and what was compared."""

    pairs: list[SimilarPair]
    threshold: float
    min_shared_tokens: int
    compared: int  # class submissions compared
    references: int  # earlier submissions compared with them
    not_compared: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    common_share: float = DEFAULT_COMMON_SHARE
    common_fingerprints: int = 0  # fingerprints found class-common, left out
    full_comparisons: int = 0  # pairs compared in full (the others shared too little)
    groups: list[SimilarGroup] = field(default_factory=list)


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


# --------------------------------------------------------------------------- tokenised code


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", errors="surrogatepass")).hexdigest()


def _tokenise(source: str) -> tuple[str, list[list[int]]]:
    """copydetect's ``filter_code`` of ``source``: the tokenised code and its offsets (the
    costly step of a fingerprint, some 40 ms a file)."""
    from copydetect.utils import filter_code

    filtered, offsets = filter_code(source, "hw.py", "python")
    return filtered, np.asarray(offsets, dtype=np.int64).reshape(-1, 2).tolist()


def _cache_key() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        copydetect_version = version("copydetect")
    except PackageNotFoundError:  # pragma: no cover - copydetect is a dependency
        copydetect_version = "?"
    return f"{CACHE_VERSION}:{copydetect_version}:{NOISE_TOKENS}"


def _read_cache(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("key") != _cache_key():
        return {}
    entries = data.get("files")
    return entries if isinstance(entries, dict) else {}


def _write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _write_cache(path: Path, entries: Mapping[str, Any]) -> None:
    _write_json(path, {"key": _cache_key(), "files": {k: entries[k] for k in sorted(entries)}})


Tokens = tuple[str, list[list[int]]]


def tokenised(sources: Iterable[str], cache: Path | None = None,
              jobs: int | None = None) -> dict[str, Tokens]:
    """``{sha256 of a source: (its tokenised code, offsets)}`` for every source: from
    ``cache`` (a JSON file) where it holds them, else computed (on ``jobs`` processes when
    there are many) and written back, so that ``cache`` then holds exactly these sources."""
    wanted = {_digest(s): s for s in sources}
    kept = _read_cache(cache)
    out: dict[str, Tokens] = {}
    for digest in wanted:
        entry = kept.get(digest)
        if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], list)):
            out[digest] = (entry[0], entry[1])
    todo = sorted(d for d in wanted if d not in out)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) // PARALLEL_FROM))
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            out.update(zip(todo, pool.map(_tokenise, [wanted[d] for d in todo], chunksize=16)))
    else:
        out.update((d, _tokenise(wanted[d])) for d in todo)
    if cache is not None and (todo or set(kept) != set(out)):
        _write_cache(cache, {d: list(v) for d, v in out.items()})
    return out


@dataclass
class _Print:
    """What copydetect's ``compare_files`` reads of a ``CodeFingerprint`` (the same
    attributes, computed by the same functions), built from cached tokenised code."""

    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set[int]
    hash_idx: dict[int, np.ndarray]  # fingerprint -> its positions, increasing
    k: int
    token_coverage: int
    positions: np.ndarray  # every fingerprint's position, increasing (not copydetect's)


def _print(source: str, tokens: Tokens, excluded: np.ndarray,
           dropped: frozenset[int] = frozenset()) -> _Print:
    """The fingerprint of one file as copydetect makes it (``excluded``: the starter code's
    hashes, removed by copydetect's own rule), less the ``dropped`` (class-common) ones.

    The steps of copydetect's ``get_document_fingerprints`` (window 1: every k-gram kept)
    and ``get_token_coverage``, with its per-fingerprint Python loops done by NumPy: the
    same hashes, positions and coverage (``tests/test_similarity_scale.py`` compares them).
    """
    from copydetect.utils import hashed_kgrams

    filtered, offsets = tokens
    hashes = hashed_kgrams(filtered, NOISE_TOKENS)
    idx = np.arange(len(hashes))
    if len(excluded) > 0:  # copydetect's own rule, as it is written (assume_unique and all)
        _, overlap_idx, _ = np.intersect1d(hashes, excluded, return_indices=True,
                                           assume_unique=True)
        idx = np.delete(idx, overlap_idx)
        hashes = np.delete(hashes, overlap_idx)
    if dropped and len(hashes):
        keep = ~np.isin(hashes, np.fromiter(dropped, dtype=np.int64, count=len(dropped)))
        hashes, idx = hashes[keep], idx[keep]
    order = np.argsort(hashes, kind="stable")  # positions in increasing order per hash
    hashes_sorted, idx_sorted = hashes[order], idx[order]
    starts = np.flatnonzero(np.r_[True, hashes_sorted[1:] != hashes_sorted[:-1]]) \
        if len(hashes_sorted) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(hashes_sorted)]
    hash_idx = {h: idx_sorted[a:b] for h, a, b in
                zip(hashes_sorted[starts].tolist(), starts.tolist(), ends.tolist())}
    coverage = np.zeros(len(filtered))
    for offset in range(NOISE_TOKENS):
        coverage[idx + offset] = 1
    return _Print(
        raw_code=source,
        filtered_code=filtered,
        offsets=np.asarray(offsets, dtype=np.int64).reshape(-1, 2),
        hashes=set(hash_idx),
        hash_idx=hash_idx,
        k=NOISE_TOKENS,
        token_coverage=np.sum(coverage),
        positions=idx,
    )


def _view_key(digest: str, fp: _Print) -> str:
    """What a comparison sees of one file: its text (``digest``) and the positions of the
    fingerprints it keeps (after the starter code and the class-common ones are left out).
    Stable across processes (Python's string hashes, copydetect's fingerprints, are not)."""
    kept = np.asarray(fp.positions, dtype="<i8")
    return hashlib.sha256(digest.encode() + b":" + kept.tobytes()).hexdigest()


#: a full comparison as :func:`_compare` gives it: shared tokens, the two shares, and the
#: two files' matching slices (kept only for flagged pairs, which are shown)
Comparison = tuple[int, float, float, list[list[int]] | None, list[list[int]] | None]


def _compare(fa: _Print, fb: _Print, settings: SimilaritySettings) -> Comparison:
    """copydetect's ``compare_files`` of two fingerprints, as plain data."""
    from copydetect import compare_files

    shared, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
    flagged = max(sim_a, sim_b) >= settings.threshold and shared >= settings.min_shared_tokens
    return (int(shared), float(sim_a), float(sim_b),
            np.asarray(slices_a, dtype=np.int64).tolist() if flagged else None,
            np.asarray(slices_b, dtype=np.int64).tolist() if flagged else None)


def _pairs_cache(cache: Path | None) -> Path | None:
    """The file beside ``cache`` keeping the full comparisons of the last run."""
    return cache.with_name("comparisons.json") if cache is not None else None


def _read_json(path: Path | None, key: str) -> dict[str, Any]:
    """The comparisons file's content when it was written with ``key``, else ``{}``."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("key") == key else {}


def _comparisons(data: Mapping[str, Any]) -> dict[str, Comparison]:
    """The full comparisons kept in the comparisons file's content."""
    pairs = data.get("pairs")
    if not isinstance(pairs, dict):
        return {}
    return {k: tuple(v) for k, v in pairs.items()  # type: ignore[misc]
            if isinstance(v, list) and len(v) == 5}


# --------------------------------------------------------------------------- the index


def common_limit(n: int, common_share: float) -> int:
    """A fingerprint held by more than this many of ``n`` class submissions is
    class-common: more than ``common_share`` of them and more than :data:`COMMON_FLOOR`
    (in a small class, a handful of students sharing a file are a group, not the class)."""
    return max(math.floor(common_share * n), COMMON_FLOOR)


@dataclass(frozen=True)
class FingerprintIndex:
    """The class's fingerprints indexed: which are class-common, how many rare ones each
    submission has, and how many each pair of submissions shares (pairs sharing none are
    absent)."""

    common: frozenset[int]
    rare: tuple[int, ...]  # per submission (index into the compared list)
    shared: dict[tuple[int, int], int]  # (i, j), i < j -> rare fingerprints shared


def index_fingerprints(prints: Sequence[set[int]], n_class: int,
                       common_share: float) -> FingerprintIndex:
    """Index ``prints``, the fingerprint sets of the compared files: the first ``n_class``
    are the class; the others (earlier terms') never make code class-common and are not
    paired with each other.

    The work is in the fingerprints' holders, not in the pairs of the class: each distinct
    set of holders of a rare fingerprint (a passage shared by the same students) is counted
    once, for its own pairs only.
    """
    empty = np.zeros(0, dtype=np.int64)
    ids = np.concatenate([np.full(len(p), i, dtype=np.int64) for i, p in enumerate(prints)]
                         or [empty])
    hashes = np.concatenate([np.fromiter(p, dtype=np.int64, count=len(p)) for p in prints]
                            or [empty])
    order = np.lexsort((ids, hashes))
    hashes, ids = hashes[order], ids[order]
    if not len(hashes):
        return FingerprintIndex(frozenset(), tuple(0 for _ in prints), {})
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], len(hashes)]
    in_class = np.add.reduceat((ids < n_class).astype(np.int64), starts)
    is_common = in_class > common_limit(n_class, common_share)
    common = frozenset(hashes[starts[is_common]].tolist())
    rare = np.zeros(len(prints), dtype=np.int64)
    np.add.at(rare, ids[np.repeat(~is_common, ends - starts)], 1)
    holders: dict[bytes, int] = {}
    shared_by_some = ~is_common & (ends - starts > 1)
    for s, e in zip(starts[shared_by_some].tolist(), ends[shared_by_some].tolist()):
        key = ids[s:e].tobytes()
        holders[key] = holders.get(key, 0) + 1
    counted: defaultdict[tuple[int, int], int] = defaultdict(int)
    for key, weight in holders.items():  # the holders are in increasing order
        who = np.frombuffer(key, dtype=np.int64).tolist()
        for pair in itertools.combinations(who, 2):
            if pair[0] < n_class:  # earlier with earlier: never
                counted[pair] += weight
    shared = {pair: counted[pair] for pair in sorted(counted)}
    return FingerprintIndex(common=common, rare=tuple(rare.tolist()), shared=shared)


def is_candidate(shared: int, rare_a: int, rare_b: int, settings: SimilaritySettings) -> bool:
    """Whether a pair that shares ``shared`` rare fingerprints is compared in full.

    A flagged pair shares at least ``min_shared_tokens`` tokens and at least ``threshold``
    of one file's code, and a shared passage of L tokens holds L - 24 fingerprints: so it
    shares about as many fingerprints. Asked here: a quarter of the first and half of the
    second, an ample margin (the bench and the tests check that every pair the all-pairs
    comparison flags is found).
    """
    least = min(rare_a, rare_b)
    return shared >= max(1.0, settings.min_shared_tokens / 4, settings.threshold / 2 * least)


def find_similar(
    sources: Mapping[str, str | None],
    settings: SimilaritySettings | None = None,
    *,
    cache: Path | None = None,
) -> SimilarityReport:
    """The pairs of ``sources`` (submission id -> its hw.py text), and of each with every
    reference, above the settings' threshold, most similar first, and their groups.

    Fingerprints are indexed (:func:`index_fingerprints`); code found in more than
    ``common_share`` of the class is class-common and left out like the starter code; only
    pairs sharing enough rare fingerprints are compared in full (:func:`is_candidate`).
    ``cache``: a JSON file keeping every source's tokenised code between runs (and beside
    it ``comparisons.json``, the last run's full comparisons, each keyed by what it saw of
    its two files, and its flagged pairs, keyed by the whole class). A source that is
    missing, empty or too large is not compared (``not_compared`` says why). Never changes
    a grade.
    """
    settings = settings or SimilaritySettings()
    boilerplate = settings.boilerplate
    if boilerplate is None:
        boilerplate = handout_boilerplate()
    not_compared: list[tuple[str, str]] = []
    usable: dict[str, str] = {}
    for sub_id, source in sources.items():
        why = _usable(source)
        if why is not None:
            not_compared.append((sub_id, why))
        else:
            usable[sub_id] = str(source)
    references = {r: s for r, s in settings.references.items() if _usable(s) is None}
    names = [*usable, *references]
    texts = [*usable.values(), *references.values()]
    # the whole report depends on the settings, the files and their order only: a rerun of
    # the same class reads it back without tokenising, fingerprinting or comparing
    class_key = hashlib.sha256(json.dumps(
        [_cache_key(), repr(settings.threshold), settings.min_shared_tokens,
         repr(settings.common_share), len(usable), [_digest(b) for b in boilerplate],
         [[n, _digest(t)] for n, t in zip(names, texts)]]).encode()).hexdigest()
    comparisons_key = (f"{_cache_key()}:{settings.threshold!r}:{settings.min_shared_tokens}")
    comparisons_path = _pairs_cache(cache)
    last = _read_json(comparisons_path, comparisons_key)
    summary = last.get("class") if last.get("class_key") == class_key else None
    if isinstance(summary, dict):
        pairs = [SimilarPair(a=names[i], b=names[j], similarity_a=sim_a, similarity_b=sim_b,
                             shared_tokens=shared,
                             a_html=_marked(texts[i], np.asarray(slices_a, dtype=np.int64)),
                             b_html=_marked(texts[j], np.asarray(slices_b, dtype=np.int64)),
                             b_is_reference=j >= len(usable))
                 for i, j, shared, sim_a, sim_b, slices_a, slices_b in summary["flagged"]]
        return SimilarityReport(
            pairs=pairs, threshold=settings.threshold,
            min_shared_tokens=settings.min_shared_tokens, compared=len(usable),
            references=len(references), not_compared=not_compared,
            common_share=settings.common_share,
            common_fingerprints=summary["common_fingerprints"],
            full_comparisons=summary["full_comparisons"], groups=similar_groups(pairs))
    tokens = tokenised([*texts, *boilerplate], cache)
    starter: set[int] = set()
    for source in boilerplate:
        starter |= _print(source, tokens[_digest(source)], np.zeros(0, dtype=np.int64)).hashes
    excluded = np.array(sorted(starter), dtype=np.int64)
    plain = [_print(t, tokens[_digest(t)], excluded) for t in texts]
    index = index_fingerprints([p.hashes for p in plain], len(usable), settings.common_share)
    candidates = sorted(
        pair for pair, count in index.shared.items()
        if is_candidate(count, index.rare[pair[0]], index.rare[pair[1]], settings)
    )
    prints: dict[int, _Print] = {}

    def fingerprint(i: int) -> _Print:
        if i not in prints:
            prints[i] = (_print(texts[i], tokens[_digest(texts[i])], excluded, index.common)
                         if index.common else plain[i])
        return prints[i]

    # a pair's full comparison depends on what it sees of its two files only: kept by
    # that between runs (a rerun with nothing changed compares nothing again)
    kept_comparisons = _comparisons(last)
    views: dict[int, str] = {}

    def view(i: int) -> str:
        if i not in views:
            views[i] = _view_key(_digest(texts[i]), fingerprint(i))
        return views[i]

    done: dict[str, Comparison] = {}
    pairs: list[SimilarPair] = []
    flagged: list[list[Any]] = []
    for i, j in candidates:
        pair_key = f"{view(i)}:{view(j)}"
        got = kept_comparisons.get(pair_key)
        if got is None:
            got = _compare(fingerprint(i), fingerprint(j), settings)
        done[pair_key] = got
        shared, sim_a, sim_b, slices_a, slices_b = got
        if slices_a is None or slices_b is None:  # not flagged
            continue
        flagged.append([i, j, *got])
        pairs.append(
            SimilarPair(
                a=names[i],
                b=names[j],
                similarity_a=sim_a,
                similarity_b=sim_b,
                shared_tokens=shared,
                a_html=_marked(texts[i], np.asarray(slices_a, dtype=np.int64)),
                b_html=_marked(texts[j], np.asarray(slices_b, dtype=np.int64)),
                b_is_reference=j >= len(usable),
            )
        )
    order = sorted(range(len(pairs)), key=lambda n: (-pairs[n].similarity,
                                                      -pairs[n].shared_tokens,
                                                      pairs[n].a, pairs[n].b))
    pairs = [pairs[n] for n in order]
    if comparisons_path is not None:
        _write_json(comparisons_path, {
            "key": comparisons_key, "class_key": class_key,
            "class": {"flagged": [flagged[n] for n in order],
                      "common_fingerprints": len(index.common),
                      "full_comparisons": len(candidates)},
            "pairs": {k: list(done[k]) for k in sorted(done)}})
    return SimilarityReport(
        pairs=pairs,
        threshold=settings.threshold,
        min_shared_tokens=settings.min_shared_tokens,
        compared=len(usable),
        references=len(references),
        not_compared=not_compared,
        common_share=settings.common_share,
        common_fingerprints=len(index.common),
        full_comparisons=len(candidates),
        groups=similar_groups(pairs),
    )


def find_similar_all_pairs(
    sources: Mapping[str, str | None], settings: SimilaritySettings | None = None
) -> SimilarityReport:
    """The comparison before the index, kept to check the index against (the bench, the
    tests): every pair sharing any fingerprint compared in full, nothing class-common, no
    earlier terms."""
    from copydetect import compare_files

    settings = settings or SimilaritySettings()
    boilerplate = settings.boilerplate
    if boilerplate is None:
        boilerplate = handout_boilerplate()
    hashes = _boilerplate_hashes(boilerplate)
    prints = {s: _fingerprint(str(t), hashes) for s, t in sources.items() if _usable(t) is None}
    pairs = []
    compared = 0
    for a, b in itertools.combinations(prints, 2):
        fa, fb = prints[a], prints[b]
        if not fa.hashes & fb.hashes:
            continue
        compared += 1
        shared, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
        if max(sim_a, sim_b) < settings.threshold or shared < settings.min_shared_tokens:
            continue
        pairs.append(SimilarPair(a, b, float(sim_a), float(sim_b), int(shared),
                                 _marked(fa.raw_code, slices_a), _marked(fb.raw_code, slices_b)))
    pairs.sort(key=lambda p: (-p.similarity, -p.shared_tokens, p.a, p.b))
    return SimilarityReport(pairs=pairs, threshold=settings.threshold,
                            min_shared_tokens=settings.min_shared_tokens, compared=len(prints),
                            references=0, common_share=1.0, full_comparisons=compared,
                            groups=similar_groups(pairs))


def similar_groups(pairs: Sequence[SimilarPair]) -> list[SimilarGroup]:
    """The connected components of ``pairs`` (who shares code with whom), largest first,
    then by first member: each with its members (sorted) and the numbers of its pairs
    (1-based, in the order of ``pairs``)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = root(p.a), root(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(root(x), []).append(x)
    numbers: dict[str, list[int]] = {}
    for number, p in enumerate(pairs, 1):
        numbers.setdefault(root(p.a), []).append(number)
    ordered = sorted(members, key=lambda r: (-len(members[r]), sorted(members[r])))
    return [SimilarGroup(i, tuple(sorted(members[r])), tuple(numbers[r]))
            for i, r in enumerate(ordered, 1)]


def group_of(report: SimilarityReport) -> dict[int, int]:
    """Pair number (1-based, as listed) -> the number of its group."""
    return {n: g.number for g in report.groups for n in g.pairs}


def write_similarity_csv(path: Path, report: SimilarityReport) -> None:
    """``a, b, similarity_a, similarity_b, shared_tokens, group``: one row per flagged
    pair (b is an earlier term's submission when it came from ``--similarity-against``;
    ``group``: the number of its group of submissions sharing code)."""
    groups = group_of(report)
    write_rows(path, CSV_COLUMNS, (
        [p.a, p.b, f"{p.similarity_a:.3f}", f"{p.similarity_b:.3f}", p.shared_tokens,
         groups.get(n, "")]
        for n, p in enumerate(report.pairs, 1)
    ))
