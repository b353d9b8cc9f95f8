"""Find the submitted ``hw.py``: a file, a folder holding it, or a .zip.

:func:`find_submission` accepts

* a ``.py`` file (whatever its name: ``hw (1).py`` is still the homework);
* a folder: its top-level ``hw.py``; else the one ``hw.py`` nested in sub-folders (the
  shallowest, when it is the only one at its depth); else its only ``.py`` file, unless
  that is one of the handout's provided files (:data:`PROVIDED_FILES`: ``train.py``,
  ``timbre.py``), which is never graded as the homework;
* a ``.zip``: its ``.py`` members are extracted safely (no absolute paths, no ``..``, no
  links, limits on member count and sizes) and the result is searched like a folder.

Anything else (missing, empty, several candidates, corrupt zip) raises
:class:`SubmissionNotFound`, whose message is written for the student: the runner turns
it into a whole-submission entry of results.json, never a crash.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from autograder.intake import bounded_zip
from autograder.paths import SUBMISSION_FILENAME

#: A submitted zip: at most 2000 members; its ``.py`` members at most 5 MB each and 20 MB
#: together once extracted, and compressed at most 100 to 1 (:mod:`autograder.intake.bounded_zip`).
ZIP_LIMITS = bounded_zip.SUBMISSION
#: The handout's provided code (not graded, not submitted): never taken for the homework.
PROVIDED_FILES = frozenset({"train.py", "timbre.py"})
#: Folders never searched (editor, OS and tool debris).
IGNORED_DIRS = frozenset({"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints", "venv"})


class SubmissionNotFound(Exception):
    """No single ``hw.py`` could be found in what was submitted (message for the student)."""


def _ignored(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(p in IGNORED_DIRS or p.startswith(".") for p in parts)


def _candidates(root: Path, pattern: str) -> list[Path]:
    found = [
        p
        for p in root.rglob(pattern)
        if p.is_file() and not p.is_symlink() and not _ignored(p, root)
    ]
    return sorted(found, key=lambda p: (len(p.relative_to(root).parts), str(p)))


def _listing(paths: list[Path], root: Path, limit: int = 8) -> str:
    names = [str(p.relative_to(root)) for p in paths[:limit]]
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    return ", ".join(names) + more


def find_in_folder(
    folder: Path, shown_as: str | None = None, found: list[str] | None = None
) -> Path:
    """The homework file in ``folder`` (rules in the module docstring).

    ``found``: the names of what was handed in, to list when there is no ``.py`` file at
    all (default: the folder's files).
    """
    shown = shown_as or str(folder)
    top = folder / SUBMISSION_FILENAME
    if top.is_symlink():  # it could point anywhere: at the solutions, say
        raise SubmissionNotFound(
            f"{SUBMISSION_FILENAME} in {shown} is a symbolic link, not a file: submit the "
            "file itself"
        )
    if top.is_file():
        return top
    named = _candidates(folder, SUBMISSION_FILENAME)
    if named:
        depth = len(named[0].relative_to(folder).parts)
        shallowest = [p for p in named if len(p.relative_to(folder).parts) == depth]
        if len(shallowest) == 1:
            return shallowest[0]
        raise SubmissionNotFound(
            f"found several {SUBMISSION_FILENAME} files in {shown}: "
            f"{_listing(shallowest, folder)}; submit exactly one"
        )
    scripts = _candidates(folder, "*.py")
    provided = [p for p in scripts if p.name in PROVIDED_FILES]
    if len(scripts) == 1 and not provided:
        return scripts[0]
    if len(scripts) > len(provided):
        raise SubmissionNotFound(
            f"no {SUBMISSION_FILENAME} in {shown}, and several other .py files "
            f"({_listing(scripts, folder)}): name your homework file {SUBMISSION_FILENAME}"
        )
    if found is None:
        found = [
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink() and not _ignored(p, folder)
        ]
    found = sorted(found, key=lambda name: (not name.endswith(".py"), name))
    what = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    if provided:  # every .py file is the handout's provided code (train.py, timbre.py)
        names = " and ".join(sorted({p.name for p in provided}))
        verb = "is" if len({p.name for p in provided}) == 1 else "are"
        raise SubmissionNotFound(
            f"no {SUBMISSION_FILENAME} found (found: {what}) in {shown}: {names} {verb} "
            f"provided with the homework and not graded; submit your {SUBMISSION_FILENAME}"
        )
    raise SubmissionNotFound(
        f"no {SUBMISSION_FILENAME} (and no .py file at all) in {shown} "
        f"(found: {what or 'nothing'})"
    )


def extract_zip(archive: Path, dest: Path) -> list[str]:
    """Extract the ``.py`` members of ``archive`` into ``dest`` safely; returns the names
    of the zip's files (all of them, extracted or not).

    Raises :class:`SubmissionNotFound` for a corrupt archive, a member that would land
    outside ``dest`` (absolute path, ``..``, link), or one over the size/count limits
    (:data:`ZIP_LIMITS`; streamed, never decompressed whole).
    """
    try:
        with bounded_zip.open_zip(archive, ZIP_LIMITS, check=False) as zf:
            bounded_zip.check_count(zf.infolist(), ZIP_LIMITS, archive.name)
            bounded_zip.extract(
                zf, dest, ZIP_LIMITS, shown=archive.name,
                select=lambda info: not info.is_dir() and info.filename.endswith(".py"),
            )
            names = [info.filename for info in bounded_zip.file_members(zf)]
    except bounded_zip.ZipRefused as exc:
        raise SubmissionNotFound(str(exc)) from None
    return names


def find_submission(path: str | Path, extract_dir: str | Path | None = None) -> Path:
    """The homework file of a submission: ``path`` is a .py file, a folder or a .zip.

    A zip is extracted into ``extract_dir`` (a new temporary folder when None; the caller
    then owns it: it is the returned file's ancestor). Raises :class:`SubmissionNotFound`.
    """
    path = Path(path)
    if not path.exists():
        raise SubmissionNotFound(f"nothing was submitted: {path} does not exist")
    if path.is_dir():
        return find_in_folder(path, path.name or str(path))
    if path.suffix == ".py":
        return path
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        made = extract_dir is None
        dest = Path(tempfile.mkdtemp(prefix="submission-")) if made else Path(extract_dir)
        try:
            names = extract_zip(path, dest)
            return find_in_folder(dest, path.name, found=names)
        except BaseException:
            if made:
                shutil.rmtree(dest, ignore_errors=True)
            raise
    raise SubmissionNotFound(
        f"{path.name} is not a Python file: submit {SUBMISSION_FILENAME} "
        "(or a folder or .zip holding it)"
    )


#: Most of the graded file :func:`read_graded` returns (a homework file is about 30 KB).
MAX_SOURCE_BYTES = 1024 * 1024


def graded_name(submission: str | Path, hw: Path, extract_dir: str | Path | None = None) -> str:
    """Where the graded file lies in what was handed in: the file's own name, its path in
    the folder, or its member path in the zip (``extract_dir``: where the zip was
    extracted). This is what results.json records as ``extra_data.submission_file``."""
    submission = Path(submission)
    if submission.is_dir():
        return hw.relative_to(submission).as_posix()
    if extract_dir is not None and Path(extract_dir) in hw.parents:
        return hw.relative_to(extract_dir).as_posix()
    return hw.name


def read_graded(
    submission: str | Path, name: str, max_bytes: int = MAX_SOURCE_BYTES
) -> str | None:
    """The text of the file ``name`` (:func:`graded_name`) of ``submission``, for a report.

    Read by the rules the engine found it by: no link followed anywhere on the way (a
    symlinked ``hw.py`` could point at the solutions), a zip member within the limits
    :func:`extract_zip` holds it to (:data:`ZIP_LIMITS`: the member count and the member's
    own sizes, not its neighbours'), streamed. At most ``max_bytes`` are read. None when
    it cannot be read so.
    """
    submission = Path(submission)
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        return None
    try:
        if submission.is_dir():
            current = submission
            for part in rel.parts:
                current = current / part
                if stat.S_ISLNK(os.lstat(current).st_mode):
                    return None
            if not stat.S_ISREG(os.lstat(current).st_mode):
                return None
            with open(current, "rb") as f:
                return f.read(max_bytes).decode("utf-8", "replace")
        if submission.suffix == ".py":
            if name != submission.name or submission.is_symlink():
                return None
            with open(submission, "rb") as f:
                return f.read(max_bytes).decode("utf-8", "replace")
        with bounded_zip.open_zip(submission, ZIP_LIMITS, check=False) as zf:
            bounded_zip.check_count(zf.infolist(), ZIP_LIMITS, submission.name)
            for info in bounded_zip.file_members(zf):
                if bounded_zip.safe_member_path(info.filename) == rel and not (
                    bounded_zip.is_link(info) or bounded_zip.member_problem(info, ZIP_LIMITS)
                ):
                    return bounded_zip.read_text(zf, info, max_bytes)
    except (OSError, zipfile.BadZipFile, bounded_zip.ZipRefused):
        return None
    return None


#: How much of the file :func:`unusable_reason` reads (enough to recognise the format).
SNIFF_BYTES = 64 * 1024


def unusable_reason(hw: Path) -> str | None:
    """Why ``hw`` cannot be Python source at all, for the student; None if it may be.

    Recognises what students really upload by mistake, before any of it runs: a Jupyter
    notebook saved as ``hw.py``, a file saved as UTF-16 ("Unicode" in Windows Notepad),
    and binaries. Anything Python itself would accept (UTF-8 with or without a BOM, a
    declared coding) is left to the import, whose error message is clear enough.
    """
    with open(hw, "rb") as f:
        head = f.read(SNIFF_BYTES)
    half = len(head) // 2
    looks_utf16 = half >= 2 and any(  # ASCII text in UTF-16: a NUL byte every other byte
        head[z::2].count(0) > 0.9 * half and head[1 - z :: 2].count(0) < 0.1 * half
        for z in (0, 1)
    )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_utf16:
        return (
            "hw.py is saved as UTF-16 (\"Unicode\"), not as UTF-8 text: save it again with "
            "the UTF-8 encoding (in your editor: Save As... > Encoding: UTF-8)"
        )
    if b"\x00" in head:
        return "hw.py is a binary file, not Python source code (did you upload the right file?)"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{") and ('"nbformat"' in text or '"cell_type"' in text):
        return (
            "hw.py is a Jupyter notebook (.ipynb JSON), not a Python file: copy your "
            "functions into the hw.py from the handout (or File > Download as > Python "
            "(.py)) and submit that"
        )
    return None
