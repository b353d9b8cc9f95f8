"""Reading untrusted zips with bounds: submission zips and Gradescope exports.

A zip is a promise about sizes that its author writes: a 1.5 MB file can hold a 1.5 GB
``hw.py`` (a "zip bomb"), a central directory of millions of entries, members named
``../../x`` or links. Everything the instructor's side reads from a zip goes through here:

* :func:`open_zip` checks the end-of-central-directory record before :mod:`zipfile` parses
  the central directory (so its size, and the memory parsing it takes, are bounded), then
  the member count, the declared size of every member and of all of them, and each
  member's compression ratio, against :class:`ZipLimits`. It decompresses nothing.
* :func:`read_text` and :func:`extract` stream: no member is ever decompressed whole into
  memory (no ``ZipFile.read``, no ``testzip``), and the bytes actually produced are counted
  against the same limits, whatever the headers claim (:mod:`zipfile` also stops at the
  declared size and checks the CRC).

A refusal is a :class:`ZipRefused` whose message is written for a person ("``hw.py`` would
be 10 GB once extracted; the limit is 5 MB per file").
"""

from __future__ import annotations

import stat
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "EXPORT",
    "SUBMISSION",
    "ZipLimits",
    "ZipRefused",
    "check_members",
    "extract",
    "file_members",
    "is_link",
    "member_problem",
    "open_zip",
    "read_text",
    "safe_member_path",
]

CHUNK = 64 * 1024
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on one zip: members, bytes once extracted, compression ratio."""

    max_members: int = 2000
    max_member_bytes: int = 5 * 2**20
    max_total_bytes: int = 20 * 2**20
    #: uncompressed / compressed size above which a member is a bomb (text: about 3-10)
    max_ratio: float = 100.0
    #: members smaller than this are not held to ``max_ratio`` (a few KB of spaces is fine)
    ratio_floor: int = 2**20

    @property
    def max_central_directory(self) -> int:
        """Bytes of central directory that ``max_members`` entries can need."""
        return self.max_members * 1024 + 65536


#: A student's zip: a few source files.
SUBMISSION = ZipLimits()
#: A Gradescope "Export Submissions" zip: a whole class, any file a student uploaded.
EXPORT = ZipLimits(max_members=100_000, max_member_bytes=100 * 2**20, max_total_bytes=8 * 2**30)


class ZipRefused(Exception):
    """The zip is corrupt, unsafe or over a limit (the message says which, for a person)."""


def _mb(n: float) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def _central_directory(path: Path) -> tuple[int, int]:
    """``(entries, central directory bytes)`` from the end records, without parsing."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        tail_len = min(size, _EOCD.size + 65535)
        f.seek(size - tail_len)
        tail = f.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            raise zipfile.BadZipFile("no end of central directory record")
        fields = _EOCD.unpack_from(tail, at)
        entries, cd_size = fields[4], fields[5]
        locator_at = size - tail_len + at - _EOCD64_LOCATOR.size
        if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and locator_at >= 0:
            f.seek(locator_at)
            sig, _, eocd64_at, _ = _EOCD64_LOCATOR.unpack(f.read(_EOCD64_LOCATOR.size))
            if sig == b"PK\x06\x07":
                f.seek(eocd64_at)
                record = f.read(_EOCD64.size)
                if len(record) == _EOCD64.size and record[:4] == b"PK\x06\x06":
                    values = _EOCD64.unpack(record)
                    entries, cd_size = values[7], values[8]
    return entries, cd_size


def check_count(infos: list[zipfile.ZipInfo], limits: ZipLimits, shown: str) -> None:
    """Refuse more members than ``limits`` accept (the central directory may hold more
    entries than its end record declares)."""
    if len(infos) > limits.max_members:
        raise ZipRefused(
            f"{shown} holds {len(infos)} files (at most {limits.max_members} are accepted)"
        )


def check_members(infos: list[zipfile.ZipInfo], limits: ZipLimits, shown: str) -> None:
    """Refuse a member count, declared sizes or a compression ratio over ``limits``."""
    check_count(infos, limits, shown)
    total = 0
    for info in infos:
        problem = member_problem(info, limits)
        if problem:
            raise ZipRefused(f"{shown}: {problem}")
        total += info.file_size
    if total > limits.max_total_bytes:
        raise ZipRefused(
            f"{shown} is too large once extracted ({_mb(total)}; the limit is "
            f"{_mb(limits.max_total_bytes)} in all): a zip bomb?"
        )


def member_problem(info: zipfile.ZipInfo, limits: ZipLimits) -> str | None:
    """Why one member may not be extracted (size, ratio), from its declared sizes."""
    if info.file_size > limits.max_member_bytes:
        return (
            f"{info.filename!r} is too large once extracted ({_mb(info.file_size)}; the "
            f"limit is {_mb(limits.max_member_bytes)} per file): a zip bomb?"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= limits.ratio_floor and ratio > limits.max_ratio:
        return (
            f"{info.filename!r} is compressed {ratio:.0f} to 1 (at most "
            f"{limits.max_ratio:.0f} to 1 is accepted): a zip bomb?"
        )
    return None


def open_zip(path: Path, limits: ZipLimits = SUBMISSION, *, check: bool = True,
             shown: str | None = None) -> zipfile.ZipFile:
    """Open ``path`` after bounding its central directory; with ``check``, refuse it when
    its members are over ``limits`` (:func:`check_members`). Raises :class:`ZipRefused`."""
    shown = shown or path.name
    try:
        entries, cd_size = _central_directory(path)
        if entries > limits.max_members or cd_size > limits.max_central_directory:
            raise ZipRefused(
                f"{shown} holds {entries} files in a {_mb(cd_size)} directory "
                f"(at most {limits.max_members} files are accepted)"
            )
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as exc:
        raise ZipRefused(f"{shown} is not a valid zip file ({exc})") from None
    if check:
        try:
            check_members(zf.infolist(), limits, shown)
        except ZipRefused:
            zf.close()
            raise
    return zf


def safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path of a member, or None when it must not be extracted (absolute,
    ``..``, a drive letter)."""
    normalized = name.replace("\\", "/")
    pure = PurePosixPath(normalized)
    if normalized.startswith("/") or pure.is_absolute() or ".." in pure.parts:
        return None
    if pure.parts and ":" in pure.parts[0]:
        return None
    return pure


def is_link(info: zipfile.ZipInfo) -> bool:
    """Whether the member is a symbolic link (Unix mode in the external attributes)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def read_text(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> str:
    """The first ``max_bytes`` of a member as text, streamed (never the whole member)."""
    out = bytearray()
    try:
        with zf.open(info) as src:
            while len(out) < max_bytes:
                chunk = src.read(min(CHUNK, max_bytes - len(out)))
                if not chunk:
                    break
                out += chunk
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        raise ZipRefused(f"{info.filename!r} is corrupt ({exc})") from None
    return out.decode("utf-8", "replace")


def extract(
    zf: zipfile.ZipFile,
    dest: Path,
    limits: ZipLimits,
    *,
    select: Callable[[zipfile.ZipInfo], bool] = lambda info: True,
    skip: Callable[[zipfile.ZipInfo, str], None] | None = None,
    shown: str | None = None,
) -> list[Path]:
    """Extract the ``select``-ed members under ``dest``, streaming, within ``limits``.

    An unsafe name or a link always refuses the whole zip. A member over the per-file
    limits (declared or really produced) refuses it too, unless ``skip`` is given: then
    ``skip(info, reason)`` is called, the member is left out (nothing of it stays on
    disk) and extraction goes on. Returns the files written.
    """
    shown = shown or Path(zf.filename or "zip").name
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[Path] = []
    total = 0
    for info in zf.infolist():
        if not select(info):
            continue
        rel = safe_member_path(info.filename)
        if rel is None or is_link(info):
            raise ZipRefused(
                f"{shown} contains an unsafe entry {info.filename!r} (absolute path, '..' "
                "or link): zip the files themselves"
            )
        target = root.joinpath(*rel.parts) if rel.parts else root
        if target != root and root not in target.resolve().parents:
            raise ZipRefused(f"{shown} contains an unsafe entry {info.filename!r}")
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        problem = member_problem(info, limits)
        if problem is None and total + info.file_size > limits.max_total_bytes:
            problem = (f"{shown} is too large once extracted (over "
                       f"{_mb(limits.max_total_bytes)} in all): a zip bomb?")
        if problem is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                produced = _copy_member(zf, info, target, limits.max_member_bytes, shown)
            except ZipRefused as exc:  # a damaged member
                if skip is None:
                    raise
                skip(info, str(exc))
                continue
            if produced is not None:
                total += produced
                written.append(target)
                continue
            problem = (f"{info.filename!r} is too large once extracted (more than its "
                       f"header says, over {_mb(limits.max_member_bytes)}): a zip bomb?")
        if skip is None:
            raise ZipRefused(problem if problem.startswith(shown) else f"{shown}: {problem}")
        skip(info, problem)
    return written


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, cap: int,
                 shown: str) -> int | None:
    """Stream one member to ``target``; the bytes written, or None (and no file) when it
    produces more than ``cap``."""
    produced = 0
    try:
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(CHUNK):
                produced += len(chunk)
                if produced > cap:
                    break
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        target.unlink(missing_ok=True)
        raise ZipRefused(f"{shown} is corrupt ({info.filename}: {exc})") from None
    if produced > cap:
        target.unlink(missing_ok=True)
        return None
    return produced


def file_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members that are files (not folders)."""
    return [i for i in zf.infolist() if not i.is_dir()]
