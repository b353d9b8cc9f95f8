"""``autograder grade SUBMISSIONS --out DIR [--jobs N]``: grade a whole class.

SUBMISSIONS is a folder of submissions (each a ``.py`` file, a folder or a ``.zip``),
an unpacked Gradescope export, or a Gradescope "Export Submissions" zip
(:mod:`autograder.intake.gradescope_export`). ``--jobs`` grader processes grade the
submissions in parallel (:mod:`autograder.classroom.graders`): long-lived grading servers, each
grade exactly an ``autograder run`` of that submission in its own sandbox worker. A crash
or a hang of one grade cannot take down the batch (its grader is replaced), and this
module reads only the ``results.json`` the graders write (SPEC section 4).

Outputs in DIR: ``grades.csv``, ``report.html`` (the class), ``misconceptions.csv``,
``similarity.csv`` (with ``similarity/pair-N.html``), with ``--compare OLD``
``changes.csv``, and per submission ``submissions/<id>/results.json`` and
``submissions/<id>/report.html`` (:mod:`autograder.classroom.reports`). Results are cached:
``submissions/<id>/cache.json`` holds the hash of the submission's files and of the
autograder (package code, hidden tests, solutions, assignment.toml, public tests); a rerun
grades only what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from autograder import paths
from autograder.classroom import graders
from autograder.classroom.reports import (
    GradedSubmission,
    PreviousGrades,
    SimilaritySettings,
    SkippedInput,
    Student,
    write_reports,
)
from autograder.classroom.reports.model import settle_status
from autograder.config import (
    TOTAL_POINTS,
    AssignmentConfig,
    ConfigError,
    LatePolicy,
    SimilarityConfig,
    grading_digest,
    load_config,
)
from autograder.grading import late_policy
from autograder.grading.results import failure_kind, failure_results, read_results
from autograder.intake import bounded_zip, gradescope_export
from autograder.intake.submission import (
    SubmissionNotFound,
    find_submission,
    graded_name,
    read_graded,
)

#: Default per-submission wall-clock limit in seconds.
DEFAULT_TIMEOUT = 600.0
#: Files and folders never treated as submissions or hashed.
IGNORED_NAMES = {"__pycache__", "__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints"}
#: Files of the package that do not change grades (batch + reports): not in the cache key.
NOT_GRADING_CODE = (
    "autograder/classroom/batch.py",
    "autograder/intake/gradescope_export.py",
    "autograder/classroom/reports/",
    # the late rule is applied to the cached grades afresh on every run
    "autograder/grading/late_policy.py",
    "autograder/extensions.csv",
)
CACHE_VERSION = 1
#: What ``grade`` writes in a submission's folder (a folder holding only these is ours).
SUBMISSION_FILES = frozenset(
    {"results.json", "cache.json", "report.html", "grader.log", "results.engine.json"}
)


@dataclass
class Submission:
    """One submission found in the input, before grading."""

    id: str
    path: Path | None
    label: str
    name: str = ""
    email: str = ""
    sid: str = ""
    problem: str | None = None
    #: what the report should say about this input beside its grade
    notes: list[str] = field(default_factory=list)
    #: every student of the submission (one for an individual one; none when unknown)
    students: list[Student] = field(default_factory=list)
    #: when it was submitted, as the export or --submitted-at gave it ("" if unknown)
    submitted_at: str = ""


@dataclass
class BatchSummary:
    """What :func:`grade` did."""

    out_dir: Path
    graded: list[GradedSubmission] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)
    n_run: int = 0
    n_cached: int = 0
    n_removed: int = 0
    seconds: float = 0.0
    #: what the instructor should know about the input (printed after the summary)
    warnings: list[str] = field(default_factory=list)

    @property
    def grades_csv(self) -> Path:
        """Path of ``grades.csv``."""
        return self.out_dir / "grades.csv"

    @property
    def report_html(self) -> Path:
        """Path of the class ``report.html``."""
        return self.out_dir / "report.html"


# --------------------------------------------------------------------------- discovery


def _safe_id(text: str) -> str:
    """A file-name-safe submission id."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned or "submission"


def _ignored(p: Path) -> bool:
    return p.name in IGNORED_NAMES or p.name.startswith(".")


def check_submission(path: Path) -> str | None:
    """Why ``path`` cannot be graded at all (a clear one-line reason), or None.

    The engine's own rule decides (:func:`autograder.intake.submission.find_submission`, a zip
    extracted within its limits), so the batch never calls gradable what the engine
    refuses, nor the other way round.
    """
    if not path.exists():
        return "the submitted folder is missing from the export"
    if path.is_dir():
        left_out = [(n, why) for n, why in gradescope_export.skipped_members(path)
                    if n.endswith(".py")]
        if left_out:
            return f"{left_out[0][0]} was not extracted from the export: {left_out[0][1]}"
    elif path.suffix != ".py" and path.suffix.lower() != ".zip":
        return f"not a .py file, folder or .zip: {path.name}"
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        try:
            find_submission(path, extract_dir=Path(tmp) / "zip")
        except SubmissionNotFound as exc:
            return str(exc)
    return None


def _unique(ident: str, taken: set[str]) -> str:
    ident = _safe_id(ident)
    out, n = ident, 2
    while out in taken:
        out, n = f"{ident}-{n}", n + 1
    taken.add(out)
    return out


def student_metadata_notes(folder: Path) -> list[str]:
    """A note for each ``submission_metadata.yml`` a student put in their own ``folder``:
    never read (only an export's top folder is), and the report says so."""
    return [
        f"{rel.as_posix()} in this submission is the student's own file: ignored (only "
        f"the {gradescope_export.METADATA_NAME} at the top of an export is read)"
        for rel in gradescope_export.student_metadata_files(folder)
    ]


def _from_export(
    subs: list[gradescope_export.ExportedSubmission], taken: set[str]
) -> list[Submission]:
    """The export's entries as submissions. The ids of the folders that exist are given
    first, so that an entry naming no folder (``invalid``) can never take a student's id."""
    ids: dict[int, str] = {}
    for i, s in enumerate(subs):
        if s.invalid is None:
            ids[i] = _unique(s.id, taken)
    for i, s in enumerate(subs):
        if s.invalid is not None:
            ids[i] = _unique(f"invalid-{s.id}", taken)
    out = []
    for i, s in enumerate(subs):
        out.append(
            Submission(
                id=ids[i],
                path=None if s.invalid is not None else s.folder,
                label=s.id,
                name=s.name,
                email=s.email,
                sid=s.sid,
                problem=s.invalid if s.invalid is not None else check_submission(s.folder),
                notes=[] if s.invalid is not None else student_metadata_notes(s.folder),
                students=[Student(p.name, p.email, p.sid) for p in s.submitters],
                submitted_at=s.created_at,
            )
        )
    return out


def discover(
    submissions: Path, work_dir: Path, exclude: Path | None = None
) -> tuple[list[Submission], list[SkippedInput]]:
    """Find the submissions in ``submissions`` (folder, export folder or export zip).

    Zips of whole classes are extracted under ``work_dir``; ``exclude`` (the output
    folder, when it lies inside the submissions folder) is skipped. Returns the submissions
    (each with a ``problem`` when it cannot be graded) and the inputs that are not
    submissions at all (stray files), each with a reason.
    Raises ValueError when ``submissions`` itself is unusable.
    """
    submissions = submissions.resolve()
    taken: set[str] = set()
    if not submissions.exists():
        raise ValueError(f"{submissions} does not exist")
    if submissions.is_file() and submissions.suffix.lower() == ".zip":
        dest = work_dir / _safe_id(submissions.stem)
        if dest.exists():
            _rmtree(dest)
        dest.mkdir(parents=True)
        if gradescope_export.is_export_zip(submissions):
            try:
                exported = gradescope_export.read_export(submissions, dest)
            except gradescope_export.ExportError as exc:
                raise ValueError(str(exc)) from exc
            return _from_export(exported, taken), []
        try:  # the class zip's directory is bounded too (a zip bomb of members)
            with bounded_zip.open_zip(submissions, bounded_zip.EXPORT, check=False) as zf:
                gradescope_export.safe_extract(zf, dest)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            gradescope_export.ExportError,
            bounded_zip.ZipRefused,
        ) as exc:
            raise ValueError(f"{submissions.name} is not a readable zip: {exc}") from exc
        children = [c for c in dest.iterdir() if not _ignored(c)]
        folder = children[0] if len(children) == 1 and children[0].is_dir() else dest
        return discover(folder, work_dir / "_nested")
    if submissions.is_file():
        # One single submission file.
        sub = Submission(
            id=_unique(submissions.stem, taken), path=submissions, label=submissions.name
        )
        sub.problem = check_submission(submissions)
        return [sub], []
    meta_root = gradescope_export.find_metadata_root(submissions)
    if meta_root is not None:
        try:
            exported = gradescope_export.read_export_dir(meta_root)
        except gradescope_export.ExportError as exc:
            raise ValueError(str(exc)) from exc
        return _from_export(exported, taken), []
    found: list[Submission] = []
    skipped: list[SkippedInput] = []
    for child in sorted(submissions.iterdir()):
        if _ignored(child) or (exclude is not None and child.resolve() == exclude.resolve()):
            continue
        if child.is_dir() or child.suffix == ".py" or child.suffix.lower() == ".zip":
            stem = child.name if child.is_dir() else child.stem
            sub = Submission(id=_unique(stem, taken), path=child, label=child.name)
            sub.problem = check_submission(child)
            sub.notes = student_metadata_notes(child)
            found.append(sub)
        else:
            skipped.append(
                SkippedInput(child.name, "not a submission (.py file, folder or .zip): ignored")
            )
    return found, skipped


# --------------------------------------------------------------------------- hashing


def _file_digest(p: Path) -> bytes:
    return hashlib.sha256(p.read_bytes()).digest()


def _hash_tree(
    h: hashlib._Hash, base: Path, paths: Sequence[Path],
    digest: Callable[[Path], bytes] = _file_digest,
) -> None:
    for p in paths:
        h.update(p.relative_to(base).as_posix().encode() + b"\0")
        h.update(digest(p))


def submission_hash(path: Path) -> str:
    """sha256 of a submission's file(s): the file itself or every file of the folder."""
    h = hashlib.sha256()
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part in IGNORED_NAMES for part in p.relative_to(path).parts)
        )
        _hash_tree(h, path, files)
    elif path.is_file():
        h.update(path.read_bytes())
    return h.hexdigest()


def autograder_hash(root: Path = paths.ROOT, extra: Sequence[str] = ()) -> str:
    """sha256 of everything that decides grades.

    The package code (except the batch and report code), the hidden tests,
    ``assignment.toml`` (what in it decides grades: not ``[similarity]``), the solutions
    and the public tests (``student/tests``), plus ``extra`` strings (grader command,
    limits), and the versions of Python, NumPy and Hypothesis.
    """
    h = hashlib.sha256()
    files: list[Path] = []
    for sub in ("autograder", "solutions", "student/tests"):
        d = root / sub
        if not d.is_dir():
            continue
        for p in sorted(d.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if (
                not p.is_file()
                or p.suffix in (".pyc", ".pyo")
                or any(
                    part in IGNORED_NAMES or part.startswith(".")
                    for part in p.relative_to(root).parts
                )
                or any(rel.startswith(n) if n.endswith("/") else rel == n for n in NOT_GRADING_CODE)
            ):
                continue
            files.append(p)
    def digest(p: Path) -> bytes:  # assignment.toml's [similarity] decides no grade
        return grading_digest(p) if p.name == "assignment.toml" else _file_digest(p)

    _hash_tree(h, root, files, digest)
    import hypothesis
    import numpy

    # what the grades also depend on: the interpreter, NumPy (results), Hypothesis (examples)
    for item in (*extra, sys.version, numpy.__version__, hypothesis.__version__):
        h.update(item.encode() + b"\0")
    return h.hexdigest()


def remove_stale_folders(subs_root: Path, current: set[str]) -> int:
    """Delete the folders of submissions that are no longer in the input.

    Only folders holding nothing but what ``grade`` writes (:data:`SUBMISSION_FILES`,
    and their ``.tmp`` versions) are removed, so a folder of the grader's own notes
    stays. Returns how many were removed.
    """
    if not subs_root.is_dir():
        return 0
    removed = 0
    for folder in sorted(subs_root.iterdir()):
        if folder.name in current or not folder.is_dir() or folder.is_symlink():
            continue
        entries = list(folder.iterdir())
        names = {p.name.removesuffix(".tmp") for p in entries}
        if names <= SUBMISSION_FILES and all(p.is_file() for p in entries):
            _rmtree(folder)
            removed += 1
    return removed


# --------------------------------------------------------------------------- grading


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def cached_outcome(sub_dir: Path, key: str) -> tuple[dict, str, str, float] | None:
    """``(results, status, message, seconds)`` kept from an earlier run with the same key.

    Engine crashes are never reused: they may be transient (a rerun retries them).
    """
    cache_path, results_path = sub_dir / "cache.json", sub_dir / "results.json"
    if not (cache_path.is_file() and results_path.is_file()):
        return None
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        results = read_results(results_path)
        if cache.get("key") != key or cache.get("status") == "crash" or results is None:
            return None
        return results, cache["status"], cache.get("message", ""), cache.get("seconds", 0.0)
    except (ValueError, OSError, KeyError, AttributeError):
        return None


def grade_and_store(
    sub: Submission, sub_dir: Path, key: str, grader: graders.Grader, timeout: float
) -> tuple[dict, str, str, float]:
    """Grade ``sub`` with ``grader``; write its results.json and cache entry."""
    assert sub.path is not None
    cache_path = sub_dir / "cache.json"
    cache_path.unlink(missing_ok=True)
    start = time.monotonic()
    results, status, message = grader.grade(sub.path, sub_dir, timeout)
    seconds = time.monotonic() - start
    _write_json(sub_dir / "results.json", results)
    entry = {
        "version": CACHE_VERSION,
        "key": key,
        "status": status,
        "message": message,
        "seconds": seconds,
    }
    _write_json(cache_path, entry)
    return results, status, message, seconds


def read_assignment(config: Path | None) -> AssignmentConfig:
    """The assignment file a batch grades by (the packaged one when None), read once.

    Raises ValueError (with the key named) when it is not a valid assignment file.
    """
    try:
        return load_config(config)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def graded_submission(
    sub: Submission, results: dict, status: str, message: str, seconds: float, cached: bool
) -> GradedSubmission:
    """What the reports need of one submission: its results and exactly the file the
    engine graded (none when it refused the submission)."""
    graded = (results.get("extra_data") or {}).get("submission_file")
    source = read_graded(sub.path, graded) if sub.path is not None and graded else None
    status, message = settle_status(status, message, results)
    return GradedSubmission(
        id=sub.id,
        label=sub.label,
        name=sub.name,
        email=sub.email,
        sid=sub.sid,
        status=status,
        message=message,
        results=results,
        source_name=graded if source is not None else None,
        source=source,
        seconds=seconds,
        cached=cached,
        notes=list(sub.notes),
        students=list(sub.students),
    )


def grader_factory(
    config: Path | None,
    timeout: float,
    grader_cmd: Sequence[str] | None = None,
    server_cmd: Sequence[str] | None = None,
) -> tuple[Callable[[], graders.Grader], list[str]]:
    """How each grade runs, and what of that keys the cache (see :func:`grade`).

    ``config`` is an assignment file the caller has already read and checked
    (:func:`read_assignment`); the graders are handed its path.
    """
    from autograder.sandbox import isolation

    config_args: list[str] = []
    # a grade made without a jail is not reused by one made with it, and vice versa
    key = [f"timeout={timeout}", f"isolation={isolation.automatic_mode()}"]
    if config is not None:
        config_args = ["--config", str(config)]
        key.append(grading_digest(config).hex())
    if grader_cmd:
        process_cmd = [*grader_cmd, *config_args]
        key.append(json.dumps(process_cmd))
        return (lambda: graders.ProcessGrader(process_cmd)), key
    server = [*(server_cmd or [sys.executable, "-m", "autograder.classroom.grading_server"])]
    server += config_args
    # the interpreter's path is not part of the key (sys.version is)
    key.append(json.dumps(server[1:] if server_cmd is None else server))
    return (lambda: graders.PooledGrader(server)), key


@dataclass
class Plan:
    """What a batch will do: the submissions found, and which of them need a grader."""

    subs: list[Submission]
    skipped: list[SkippedInput]
    done: dict[str, GradedSubmission]  # bad inputs and cached grades, by id
    to_grade: list[tuple[Submission, Path, str]]  # (submission, its folder, cache key)
    n_removed: int = 0


def plan(submissions: Path, out_dir: Path, autograder_key: str, force: bool) -> Plan:
    """Discover the submissions, settle the ungradable and the cached ones, list the rest.

    Writes the results.json of every submission that cannot be graded at all, and removes
    the folders of submissions no longer in the input.
    """
    subs, skipped = discover(Path(submissions), out_dir / ".inputs", exclude=out_dir)
    subs_root = out_dir / "submissions"
    result = Plan(subs, skipped, {}, [])
    result.n_removed = remove_stale_folders(subs_root, {s.id for s in subs})
    for sub in subs:
        sub_dir = subs_root / sub.id
        sub_dir.mkdir(parents=True, exist_ok=True)
        if sub.problem is not None:
            results = failure_results(sub.problem, "bad_input", max_score=TOTAL_POINTS)
            _write_json(sub_dir / "results.json", results)
            (sub_dir / "cache.json").unlink(missing_ok=True)
            result.done[sub.id] = graded_submission(
                sub, results, "bad_input", sub.problem, 0.0, False
            )
            continue
        assert sub.path is not None
        key = hashlib.sha256(
            f"{CACHE_VERSION}:{autograder_key}:{submission_hash(sub.path)}".encode()
        ).hexdigest()
        kept = None if force else cached_outcome(sub_dir, key)
        if kept is None:
            result.to_grade.append((sub, sub_dir, key))
        else:
            result.done[sub.id] = graded_submission(sub, *kept, cached=True)
    return result


def run_pool(
    to_grade: list[tuple[Submission, Path, str]],
    make_grader: Callable[[], graders.Grader],
    jobs: int,
    timeout: float,
    progress: bool,
) -> dict[str, GradedSubmission]:
    """Grade ``to_grade`` with ``jobs`` graders at a time (each reused for the next
    submission); every grader is stopped at the end, and at once on Ctrl-C."""
    from tqdm import tqdm

    idle: queue.SimpleQueue[graders.Grader] = queue.SimpleQueue()
    started: list[graders.Grader] = []
    graded: dict[str, GradedSubmission] = {}

    def work(item: tuple[Submission, Path, str]) -> tuple[Submission, tuple]:
        sub, sub_dir, key = item
        try:
            grader = idle.get_nowait()
        except queue.Empty:
            grader = make_grader()
            started.append(grader)
        try:
            return sub, grade_and_store(sub, sub_dir, key, grader, timeout)
        finally:
            idle.put(grader)

    with tqdm(
        total=len(to_grade), disable=not progress, unit="sub", desc="grading", file=sys.stderr
    ) as bar:
        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = [pool.submit(work, item) for item in to_grade]
            for fut in as_completed(futures):
                sub, outcome = fut.result()
                graded[sub.id] = graded_submission(sub, *outcome, cached=False)
                bar.set_postfix_str(f"{sub.id}: {outcome[1]}", refresh=False)
                bar.update(1)
        except BaseException:
            # Ctrl-C or a bug: stop the graders still running, drop the queued ones.
            pool.shutdown(wait=False, cancel_futures=True)
            graders.stop_all()
            raise
        finally:
            pool.shutdown(wait=True)
            for grader in started:
                grader.close()
    return graded


def earlier_sources(folder: Path, work_dir: Path) -> dict[str, str]:
    """``{"<folder name>/<id>": hw.py text}`` of the submissions in ``folder`` (earlier
    terms, for ``--similarity-against``), found as ``grade`` finds a class's; never graded.
    Raises ValueError when ``folder`` is unusable."""
    try:
        found, _ = discover(Path(folder), work_dir)
    except ValueError as exc:
        raise ValueError(f"--similarity-against: {exc}") from None
    out = {}
    for sub in found:
        if sub.problem is not None or sub.path is None:
            continue
        with tempfile.TemporaryDirectory(prefix="autograder-earlier-") as tmp:
            try:  # the file the engine would grade, by the engine's rule
                hw = find_submission(sub.path, extract_dir=Path(tmp) / "zip")
            except SubmissionNotFound:
                continue
            text = read_graded(sub.path, graded_name(sub.path, hw, Path(tmp) / "zip"))
        if text is not None:
            out[f"{Path(folder).resolve().name}/{sub.id}"] = text
    return out


def similarity_settings(
    chosen: SimilarityConfig, against: Path | None, work_dir: Path
) -> SimilaritySettings:
    """``[similarity]`` of the assignment file, and the earlier submissions to compare with."""
    references = earlier_sources(against, work_dir) if against is not None else {}
    return SimilaritySettings(
        threshold=chosen.threshold,
        min_shared_tokens=chosen.min_shared_tokens,
        common_share=chosen.common_share,
        references=references,
    )


def read_submission_times(path: Path) -> dict[str, str]:
    """``--submitted-at FILE.csv``: ``{submission id or input name: time}`` from a CSV
    with the columns ``id`` and ``submitted_at`` (or ``time``). Raises ValueError."""
    import csv

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"--submitted-at {path}: cannot be read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    time_column = next((c for c in ("submitted_at", "time") if c in columns), None)
    if "id" not in columns or time_column is None:
        raise ValueError(f"--submitted-at {path}: needs a header with the columns id and "
                         "submitted_at (or time)")
    out: dict[str, str] = {}
    for number, raw in enumerate(reader, 2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not row.get("id"):
            continue
        if not row.get(time_column):
            raise ValueError(f"--submitted-at {path} row {number}: no time for {row['id']}")
        out[row["id"]] = row[time_column]
    return out


def assign_times(subs: list[Submission], times: dict[str, str]) -> list[str]:
    """Give each submission its time from ``times`` (by id or input name); the warnings
    for ids of the file that match no submission."""
    used: set[str] = set()
    for sub in subs:
        for key in (sub.id, sub.label):
            if key in times:
                sub.submitted_at = times[key]
                used.add(key)
                break
    unknown = sorted(set(times) - used)
    if not unknown:
        return []
    return [f"--submitted-at: {len(unknown)} id(s) match no submission: "
            + ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")]


def apply_late_rule(
    graded: GradedSubmission, sub: Submission, policy: LatePolicy | None, sub_dir: Path
) -> GradedSubmission:
    """``graded`` with the course's late rule applied afresh (the cache holds the grade,
    never the penalty: a changed due date, penalty or extension needs no regrade), and its
    results.json rewritten when that changed it. A submission that could not be graded at
    all, or whose time is unknown, gets no penalty; an unreadable time is noted."""
    base = late_policy.strip_late(graded.results)
    results = base
    if policy is not None and sub.submitted_at and failure_kind(base) is None:
        try:
            when = late_policy.parse_time(sub.submitted_at, policy.zone)
        except late_policy.TimeError as exc:
            graded.notes.append(f"submission time unreadable, no late rule applied: {exc}")
        else:
            people = [x for st in sub.students for x in (st.email, st.sid) if x]
            results, _ = late_policy.judge(base, policy, when, people)
    if results != graded.results:
        _write_json(sub_dir / "results.json", results)
        graded.results = results
    return graded


def grade(
    submissions: Path,
    out_dir: Path,
    jobs: int | None = None,
    *,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    grader_cmd: Sequence[str] | None = None,
    server_cmd: Sequence[str] | None = None,
    per_test_columns: bool = False,
    force: bool = False,
    autograder_root: Path | None = None,
    config: Path | None = None,
    compare: Path | None = None,
    similarity_against: Path | None = None,
    submitted_at: Path | None = None,
) -> BatchSummary:
    """Grade every submission in ``submissions``; write the CSV and reports into ``out_dir``.

    ``jobs`` parallel graders (default ``os.cpu_count()``), each a long-lived grading
    server (:class:`autograder.classroom.graders.PooledGrader`; ``server_cmd`` replaces its command)
    or, with ``grader_cmd``, one process per submission running that command with
    ``<submission> --results <path>`` (e.g. ``python -m autograder run``); ``timeout``
    wall-clock seconds per submission; ``force`` ignores the cache; ``autograder_root``
    is the project whose files key the cache (default: this checkout); ``config`` another
    ``assignment.toml`` (the one a Gradescope zip was built with, to regrade exactly as
    Gradescope did); ``compare`` an earlier output folder (read before grading, so it may
    be ``out_dir`` itself) to write ``changes.csv``; ``similarity_against`` a folder of
    earlier terms' submissions that the similarity check compares the class with;
    ``submitted_at`` a CSV of ``id, submitted_at`` (for a plain folder; an export's own
    ``created_at`` serves otherwise) by which the late rule of ``[late]`` applies. Raises
    ValueError when ``submissions``, ``config``, ``compare``, ``similarity_against`` or
    ``submitted_at`` is unusable.

    Plan (discover, cache) -> run the pool of graders -> write the reports.
    """
    t0 = time.monotonic()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = Path(config).resolve() if config is not None else None
    assignment = read_assignment(config)
    make_grader, key_parts = grader_factory(config, timeout, grader_cmd, server_cmd)
    previous: PreviousGrades | None = None
    if compare is not None:
        from autograder.classroom.reports.changes import read_previous

        previous = read_previous(Path(compare))
    similarity = similarity_settings(
        assignment.similarity, similarity_against, out_dir / ".inputs" / "similarity-against"
    )
    times = read_submission_times(submitted_at) if submitted_at is not None else {}
    work = plan(
        Path(submissions), out_dir, autograder_hash(autograder_root or paths.ROOT, key_parts), force
    )
    warnings = assign_times(work.subs, times) if times else []
    jobs = max(1, jobs or os.cpu_count() or 1)
    fresh = run_pool(work.to_grade, make_grader, jobs, timeout, progress)
    graded = {**work.done, **fresh}
    summary = BatchSummary(
        out_dir=out_dir,
        graded=[
            apply_late_rule(graded[s.id], s, assignment.late, out_dir / "submissions" / s.id)
            for s in work.subs
        ],
        skipped=work.skipped,
        n_run=len(fresh),
        n_cached=sum(1 for g in work.done.values() if g.cached),
        n_removed=work.n_removed,
        warnings=warnings,
    )
    write_reports(
        out_dir,
        summary.graded,
        summary.skipped,
        per_test_columns=per_test_columns,
        title=f"Grading report: {assignment.title}",
        similarity=similarity,
        previous=previous,
    )
    summary.seconds = time.monotonic() - t0
    return summary


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``grade`` options to ``parser`` (used by :mod:`autograder.cli`)."""
    parser.add_argument(
        "submissions", type=Path, help="folder of submissions or a Gradescope export zip"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="output folder for grades.csv and reports"
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="parallel graders (default: CPU count)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"wall-clock limit per submission in seconds (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--per-test", action="store_true", help="add one grades.csv column per test"
    )
    parser.add_argument(
        "--force", action="store_true", help="ignore the cache and regrade everything"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--unsafe-same-user",
        action="store_true",
        help="where no sandbox is possible (not root, no user namespaces), run the "
        "submissions as yourself, with your files and network (every results.json and "
        "the class report say so)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="grading configuration (default: autograder/assignment.toml); use the file the "
        "Gradescope zip was built with",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        default=None,
        metavar="OLD",
        help="an earlier output folder: write changes.csv (whose total and tests changed) "
        "and a 'Changes since OLD' section in report.html; OLD may be --out itself",
    )
    parser.add_argument(
        "--submitted-at",
        type=Path,
        default=None,
        metavar="FILE",
        help="a CSV of id,submitted_at (ISO 8601 times) for a plain folder of submissions: "
        "the late rule of assignment.toml applies (an export's own created_at is used "
        "otherwise)",
    )
    parser.add_argument(
        "--similarity-against",
        type=Path,
        default=None,
        metavar="DIR",
        help="earlier terms' submissions (a folder or export, as SUBMISSIONS) that the "
        "similarity check compares the class with (never graded)",
    )


def run_from_args(ns: argparse.Namespace) -> int:
    """Run ``grade`` for parsed arguments; print a summary. Returns the exit code."""
    from autograder.sandbox.isolation import consent

    refused = consent(ns.unsafe_same_user)
    if refused:
        print(f"autograder grade: {refused}", file=sys.stderr)
        return 2
    try:
        summary = grade(
            ns.submissions,
            ns.out,
            ns.jobs,
            progress=not ns.no_progress,
            timeout=ns.timeout,
            per_test_columns=ns.per_test,
            force=ns.force,
            config=ns.config,
            compare=ns.compare,
            similarity_against=ns.similarity_against,
            submitted_at=ns.submitted_at,
        )
    except ValueError as exc:
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    statuses: dict[str, int] = {}
    for g in summary.graded:
        statuses[g.status] = statuses.get(g.status, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    print(
        f"{len(summary.graded)} submissions ({counts}); {summary.n_run} graded now, "
        f"{summary.n_cached} from cache, {len(summary.skipped)} inputs skipped"
        + (
            f", {summary.n_removed} folders of submissions no longer in the input removed"
            if summary.n_removed
            else ""
        )
        + "; "
        f"{summary.seconds:.1f} s"
    )
    late = [g for g in summary.graded if g.days_late > 0]
    if late:
        print(f"{len(late)} late: " + ", ".join(
            f"{g.id} ({g.days_late} d, -{g.late_penalty:g})" for g in late[:8])
            + (", ..." if len(late) > 8 else ""))
    for warning in summary.warnings:
        print(f"autograder grade: warning: {warning}", file=sys.stderr)
    print(f"grades:  {summary.grades_csv}")
    print(f"gradebook: {summary.out_dir / 'gradebook.csv'}")
    print(f"report:  {summary.report_html}")
    for name in ("misconceptions", "candidate_mistakes", "item_analysis", "similarity",
                 "changes"):
        if (summary.out_dir / f"{name}.csv").is_file():
            print(f"{name}: {summary.out_dir / f'{name}.csv'}")
    crashed = [g for g in summary.graded if g.status == "crash"]
    if crashed:
        logs = summary.out_dir / "submissions" / "<id>" / "grader.log"
        print(
            f"autograder grade: the grading engine itself failed on {len(crashed)} of "
            f"{len(summary.graded)} submissions ({', '.join(g.id for g in crashed[:5])}"
            f"{', ...' if len(crashed) > 5 else ''}); their grades are not valid. "
            f"Each one's log: {logs}",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``autograder grade`` as a stand-alone entry point
    (``python -m autograder.classroom.batch``)."""
    parser = argparse.ArgumentParser(prog="autograder grade", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
