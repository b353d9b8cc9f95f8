"""Read a Gradescope "Export Submissions" archive.

Gradescope's export (Assignment -> Review Grades -> Export Submissions) is a zip holding
one folder per submission (``submission_<id>/`` with the files the student uploaded) and
``submission_metadata.yml`` that maps each folder to its submitters, e.g.::

    submission_123456:
      :submitters:
      - :name: Ada Lovelace
        :sid: '1815'
        :email: ada@example.edu
      :created_at: 2026-03-02 21:14:03.123456000 -08:00
      :score: 87.5
      :history: []

Keys are Ruby symbols written as strings with a leading colon; everything usually sits
under one top folder (``assignment_<id>_export/``).

An export is the instructor's input, and only its top is read (:func:`find_metadata_root`):
the metadata file at the top of what was given, or at the top of its single top folder. A
``submission_metadata.yml`` anywhere deeper sits inside some student's submission: it is
that student's file, never read (:func:`student_metadata_files` finds it so that the
report can say so). Every key of the metadata must name a direct child folder of the
export (no ``/``, no ``..``, no absolute path, no link): an entry that does not is kept
with :attr:`ExportedSubmission.invalid` saying why, so the batch reports it and grades
the others. Older exports may carry Ruby object
tags (``!ruby/object:...``); they are read as plain data, never constructed.
This module only reads: it extracts the archive safely and within bounds
(:mod:`autograder.intake.bounded_zip`: no path escapes, no links, limits on members, sizes and
compression ratios, streamed) and returns plain records for :mod:`autograder.classroom.batch`. A
member over the limits (a zip bomb among a class's uploads) is left out and named, with
the reason, in :data:`SKIPPED_NOTE` in its folder, so that the batch refuses that one
submission with a clear message and grades the others.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from autograder.intake import bounded_zip

METADATA_NAME = "submission_metadata.yml"
#: Written into a folder whose member(s) were left out of the extraction: one
#: ``name<TAB>reason`` line each.
SKIPPED_NOTE = "autograder-skipped.txt"
#: Entries of an export's top folder that are not submissions (system clutter).
INCIDENTAL_NAMES = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db"})


class ExportError(Exception):
    """The archive is not a readable Gradescope export."""


@dataclass
class Submitter:
    """One student of a (possibly group) submission."""

    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass
class ExportedSubmission:
    """One ``submission_<id>`` folder of an export and who submitted it."""

    id: str
    folder: Path
    submitters: list[Submitter] = field(default_factory=list)
    #: when Gradescope received it (ISO 8601 text, as the export gives it; "" if unknown)
    created_at: str = ""
    #: why this metadata entry names no folder of the export (None: it does)
    invalid: str | None = None

    @property
    def name(self) -> str:
        """All submitters' names, ``; ``-separated (group submissions)."""
        return "; ".join(s.name for s in self.submitters if s.name)

    @property
    def email(self) -> str:
        """All submitters' emails, ``; ``-separated."""
        return "; ".join(s.email for s in self.submitters if s.email)

    @property
    def sid(self) -> str:
        """All submitters' student ids, ``; ``-separated."""
        return "; ".join(s.sid for s in self.submitters if s.sid)


class _TolerantLoader(yaml.SafeLoader):
    """A safe loader that reads unknown tags (Ruby objects) as plain data."""


def _construct_unknown(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_TolerantLoader.add_multi_constructor("!", _construct_unknown)
_TolerantLoader.add_multi_constructor("tag:", _construct_unknown)


def _key(record: dict, name: str) -> Any:
    """``record[':name']`` or ``record['name']`` (symbol keys lose their colon sometimes)."""
    for k in (f":{name}", name):
        if k in record:
            return record[k]
    return None


def parse_metadata(text: str) -> dict[str, dict]:
    """Parse ``submission_metadata.yml`` into ``{folder: record}``.

    Raises :class:`ExportError` when the text is not YAML or not a mapping.
    """
    try:
        data = yaml.load(text, Loader=_TolerantLoader)
    except yaml.YAMLError as exc:
        raise ExportError(f"{METADATA_NAME} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ExportError(f"{METADATA_NAME} is not a mapping of submission folders")
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in data.items()}


def _submitters(record: dict) -> list[Submitter]:
    people = _key(record, "submitters") or []
    if isinstance(people, dict):
        people = [people]
    out = []
    for p in people:
        if not isinstance(p, dict):
            continue
        out.append(
            Submitter(
                name=str(_key(p, "name") or ""),
                email=str(_key(p, "email") or ""),
                sid=str(_key(p, "sid") or ""),
            )
        )
    return out


def _created_at(value: Any) -> str:
    """The ``:created_at:`` of a record as ISO 8601 text ("" when absent).

    YAML reads Gradescope's ``2026-03-02 21:14:03.123456000 -08:00`` as a datetime; older
    exports hold a Ruby ``TimeWithZone`` object, read as ``{utc: ..., zone: ...}``.
    """
    if isinstance(value, dict):
        value = value.get("utc", value.get(":utc"))
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def key_problem(root: Path, key: str) -> str | None:
    """Why the metadata key ``key`` does not name a direct child folder of the export
    ``root`` (None when it does, or when that folder is simply missing)."""
    if (not key or key in (".", "..") or "/" in key or "\\" in key or "\0" in key
            or PurePosixPath(key).is_absolute()):
        return (f"{METADATA_NAME} names {key!r}, which is not the name of a folder of the "
                "export: not graded")
    folder = root / key
    if folder.is_symlink():
        return f"{METADATA_NAME} names {key!r}, which is a link, not a folder: not graded"
    if folder.exists() and not folder.is_dir():
        return f"{METADATA_NAME} names {key!r}, which is a file, not a folder: not graded"
    return None


def _incidental(name: str) -> bool:
    return name in INCIDENTAL_NAMES or name.startswith(".")


def _top_member(names: list[str]) -> str | None:
    """Where an export zip's metadata must be: at the top, or under its single top folder."""
    paths = [PurePosixPath(n) for n in names]
    if any(len(p.parts) == 1 and p.name == METADATA_NAME for p in paths):
        return METADATA_NAME
    tops = {p.parts[0] for p in paths if p.parts and not _incidental(p.parts[0])}
    if len(tops) == 1:
        (top,) = tops
        candidate = f"{top}/{METADATA_NAME}"
        if candidate in names:
            return candidate
    return None


def is_export_zip(path: Path) -> bool:
    """True when ``path`` is a zip holding a ``submission_metadata.yml`` at its top (or at
    the top of its single top folder, as Gradescope nests it); one deeper inside is a
    student's file and does not make the zip an export."""
    try:
        with bounded_zip.open_zip(path, bounded_zip.EXPORT, check=False) as zf:
            return _top_member(zf.namelist()) is not None
    except bounded_zip.ZipRefused:
        return False


def _note_skipped(dest: Path, info: zipfile.ZipInfo, reason: str) -> None:
    rel = bounded_zip.safe_member_path(info.filename)
    folder = dest.joinpath(*rel.parts[:-1]) if rel is not None else dest
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / SKIPPED_NOTE, "a", encoding="utf-8") as f:
        f.write(f"{rel.name if rel else info.filename}\t{' '.join(reason.split())}\n")


def safe_extract(zf: zipfile.ZipFile, dest: Path,
                 limits: bounded_zip.ZipLimits = bounded_zip.EXPORT) -> None:
    """Extract every member of ``zf`` under ``dest`` within ``limits``.

    An absolute path, ``..`` or a link refuses the archive (:class:`ExportError`); a member
    over the size limits is left out and noted in :data:`SKIPPED_NOTE` beside it.
    """
    try:
        bounded_zip.extract(zf, dest, limits,
                            skip=lambda info, why: _note_skipped(dest, info, why))
    except bounded_zip.ZipRefused as exc:
        raise ExportError(str(exc)) from None


def skipped_members(folder: Path) -> list[tuple[str, str]]:
    """``(file name, reason)`` of what the extraction left out anywhere in ``folder``."""
    out = []
    for note in sorted(folder.rglob(SKIPPED_NOTE)):
        for line in note.read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, reason = line.partition("\t")
            out.append((name, reason))
    return out


def read_export_dir(root: Path) -> list[ExportedSubmission]:
    """Read an already unpacked export: the folder holding ``submission_metadata.yml``.

    Every folder listed in the metadata becomes a submission (a listed folder that is
    missing still appears, so the batch can report it); folders present but not listed
    are included too, without submitters. A key that names no direct child folder
    (:func:`key_problem`) is kept with ``invalid`` set and its folder pointing nowhere
    inside or outside the export.
    """
    meta_path = root / METADATA_NAME
    meta = parse_metadata(meta_path.read_text(encoding="utf-8", errors="replace"))
    subs: list[ExportedSubmission] = []
    seen = set()
    for folder, record in meta.items():
        problem = key_problem(root, folder)
        if problem is None:
            seen.add(folder)
        subs.append(
            ExportedSubmission(
                id=folder,
                folder=root / folder if problem is None else root / METADATA_NAME / "invalid",
                submitters=_submitters(record),
                created_at=_created_at(_key(record, "created_at")),
                invalid=problem,
            )
        )
    for child in sorted(root.iterdir()):
        if (child.is_dir() and not child.is_symlink() and child.name not in seen
                and not child.name.startswith((".", "__"))):
            subs.append(ExportedSubmission(id=child.name, folder=child))
    return subs


def student_metadata_files(folder: Path) -> list[Path]:
    """The ``submission_metadata.yml`` files inside one submission's ``folder``: the
    student's own files, never read (their paths relative to ``folder``)."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p.relative_to(folder) for p in folder.rglob(METADATA_NAME))


def find_metadata_root(root: Path) -> Path | None:
    """The export's folder: ``root`` when it holds the metadata, or else ``root``'s single
    top folder (clutter such as ``__MACOSX`` aside) when that holds it and no ``.py`` file
    of its own (an export's top holds submission folders, never code). None otherwise:
    a metadata file in one of several folders is a student's, not an export's."""
    if (root / METADATA_NAME).is_file() and not (root / METADATA_NAME).is_symlink():
        return root
    children = [c for c in root.iterdir() if not _incidental(c.name)]
    if len(children) != 1 or not children[0].is_dir() or children[0].is_symlink():
        return None
    top = children[0]
    meta = top / METADATA_NAME
    if meta.is_file() and not meta.is_symlink() and not any(top.glob("*.py")):
        return top
    return None


def read_export(zip_path: Path, dest: Path) -> list[ExportedSubmission]:
    """Extract the export ``zip_path`` under ``dest`` and read its submissions.

    Raises :class:`ExportError` when the zip is corrupt, unsafe or has no metadata.
    """
    try:
        with bounded_zip.open_zip(zip_path, bounded_zip.EXPORT, check=False) as zf:
            safe_extract(zf, dest)
    except bounded_zip.ZipRefused as exc:
        raise ExportError(str(exc)) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ExportError(f"{zip_path.name} is not a readable zip: {exc}") from exc
    root = find_metadata_root(dest)
    if root is None:
        raise ExportError(f"{zip_path.name} has no {METADATA_NAME}")
    return read_export_dir(root)
