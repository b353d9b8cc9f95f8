"""Generate the student handout ``student/hw.py`` from the reference ``solutions/hw.py``.

Markers (each alone on its line, surrounding whitespace ignored):

* ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` inside a function body: the block,
  markers included, becomes ``raise NotImplementedError`` (after a short TODO
  comment) at the indentation of the ``# BEGIN SOLUTION`` line. Everything else
  (imports, signatures, docstrings, section comments) is kept verbatim.
* ``# BEGIN INSTRUCTOR ONLY`` ... ``# END INSTRUCTOR ONLY``: the block, markers
  included, is removed (e.g. the "reference solutions, do not distribute" header),
  so the generated file reads as a handout.

Unbalanced, nested or misspelt markers raise a ``ValueError`` naming the line.

``autograder stubs`` (the CLI; ``python -m autograder.release.stubgen`` is the same) regenerates
everything of the handout that is generated rather than written: ``student/hw.py`` here,
the points table of ``student/README.md`` and ``student/tests/points.json`` from
``autograder/assignment.toml``, and ``student/requirements.txt`` from the list of versions
(:mod:`autograder.release.handout`). ``--check`` only verifies
(:func:`out_of_date`), ``--root DIR`` works on another checkout.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from autograder import paths
from autograder.config import AssignmentConfig, load_config
from autograder.release import handout

BEGIN_SOLUTION = "# BEGIN SOLUTION"
END_SOLUTION = "# END SOLUTION"
BEGIN_INSTRUCTOR = "# BEGIN INSTRUCTOR ONLY"
END_INSTRUCTOR = "# END INSTRUCTOR ONLY"

TODO_COMMENT = "# TODO: implement this function (see the docstring above)."
STUB_STATEMENT = "raise NotImplementedError"

SOLUTIONS_RELPATH = Path("solutions") / "hw.py"
STUDENT_RELPATH = Path("student") / "hw.py"

# Anything that looks like a marker must be exactly one of the four markers above.
_MARKER_LIKE = re.compile(r"#+\s*(BEGIN|END)\b\s*(SOLUTION|INSTRUCTOR)", re.IGNORECASE)
_BLOCKS = {BEGIN_SOLUTION: END_SOLUTION, BEGIN_INSTRUCTOR: END_INSTRUCTOR}
_ENDS = {end: begin for begin, end in _BLOCKS.items()}


def default_root() -> Path:
    """The project root (the folder holding ``solutions/`` and ``student/``)."""
    return paths.ROOT


def _marker(line: str, lineno: int) -> str | None:
    """The marker on ``line`` (None if it is an ordinary line); ValueError if misspelt."""
    stripped = line.strip()
    if stripped in _BLOCKS or stripped in _ENDS:
        return stripped
    if _MARKER_LIKE.match(stripped):
        known = ", ".join(repr(m) for m in (*_BLOCKS, *_ENDS))
        raise ValueError(f"line {lineno}: malformed marker {stripped!r} (expected one of {known})")
    return None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def make_stub(solution_source: str) -> str:
    """Return the student version of ``solution_source``.

    Every ``# BEGIN SOLUTION`` / ``# END SOLUTION`` block (markers included) is
    replaced by a TODO comment and ``raise NotImplementedError`` at the block's
    indentation; every ``# BEGIN INSTRUCTOR ONLY`` / ``# END INSTRUCTOR ONLY``
    block is dropped; all other lines are copied unchanged.

    Raises:
        ValueError: unbalanced, nested or misspelt markers, a solution block at
            module level, mismatched BEGIN/END indentation, or a result that is
            not valid Python. The message names the offending line (1-based).
    """
    return _transform(solution_source, keep_solutions=False)


def make_solved(solution_source: str) -> str:
    """The solutions as a student who solved everything would hand them in.

    Like :func:`make_stub`, except that the code of every solution block stays (only its
    marker lines go). The example submissions are made from it (``examples/generate.py``).
    """
    return _transform(solution_source, keep_solutions=True)


def _transform(solution_source: str, keep_solutions: bool) -> str:
    out: list[str] = []
    open_marker: str | None = None  # the BEGIN marker of the block we are in
    open_line = 0
    open_indent = ""
    for lineno, line in enumerate(solution_source.splitlines(keepends=True), start=1):
        marker = _marker(line, lineno)
        if marker is None:
            if open_marker is None or (keep_solutions and open_marker == BEGIN_SOLUTION):
                out.append(line)
            continue
        if marker in _BLOCKS:  # a BEGIN marker
            if open_marker is not None:
                raise ValueError(
                    f"line {lineno}: {marker!r} inside the block opened by "
                    f"{open_marker!r} on line {open_line} (blocks cannot nest)"
                )
            open_marker, open_line, open_indent = marker, lineno, _indent(line)
            if marker == BEGIN_SOLUTION and not open_indent:
                raise ValueError(
                    f"line {lineno}: {marker!r} at module level; solution blocks belong "
                    "inside a function body"
                )
            continue
        # an END marker
        if open_marker is None:
            raise ValueError(f"line {lineno}: {marker!r} without a matching {_ENDS[marker]!r}")
        if _ENDS[marker] != open_marker:
            raise ValueError(
                f"line {lineno}: {marker!r} closes the block opened by {open_marker!r} "
                f"on line {open_line}"
            )
        if _indent(line) != open_indent:
            raise ValueError(
                f"line {lineno}: {marker!r} is indented differently from its "
                f"{open_marker!r} on line {open_line}"
            )
        if open_marker == BEGIN_SOLUTION and not keep_solutions:
            newline = "\r\n" if line.endswith("\r\n") else "\n"
            out.append(f"{open_indent}{TODO_COMMENT}{newline}")
            out.append(f"{open_indent}{STUB_STATEMENT}{newline}")
        open_marker = None
    if open_marker is not None:
        raise ValueError(f"line {open_line}: {open_marker!r} is never closed")

    result = "".join(out)
    try:
        ast.parse(result)
    except SyntaxError as exc:
        what = "solved file" if keep_solutions else "stub"
        raise ValueError(
            f"line {exc.lineno} of the generated {what}: invalid Python ({exc.msg})"
        ) from exc
    return result


def _paths(root: Path | None) -> tuple[Path, Path]:
    base = default_root() if root is None else Path(root)
    return base / SOLUTIONS_RELPATH, base / STUDENT_RELPATH


def write_stub(root: Path | None = None) -> Path:
    """Regenerate ``<root>/student/hw.py`` from ``<root>/solutions/hw.py``; return its path."""
    solutions, student = _paths(root)
    stub = make_stub(solutions.read_text(encoding="utf-8"))
    student.parent.mkdir(parents=True, exist_ok=True)
    with open(student, "w", encoding="utf-8", newline="") as fh:
        fh.write(stub)
    return student


def check_stub(root: Path | None = None) -> bool:
    """True when ``<root>/student/hw.py`` is exactly what :func:`write_stub` would write."""
    solutions, student = _paths(root)
    if not student.is_file():
        return False
    with open(student, encoding="utf-8", newline="") as fh:
        current = fh.read()
    return current == make_stub(solutions.read_text(encoding="utf-8"))


def _config(root: Path | None) -> AssignmentConfig | None:
    """The configuration of ``root`` (None when it has no ``autograder/assignment.toml``).

    Raises :class:`ConfigError` when the file is invalid.
    """
    base = default_root() if root is None else Path(root)
    toml = base / "autograder" / "assignment.toml"
    if not toml.is_file():
        return None
    return load_config(toml, solutions=base / SOLUTIONS_RELPATH)


def regenerate(root: Path | None = None) -> list[Path]:
    """Write every generated handout file of ``root`` that is out of date; returns them.

    ``student/hw.py`` always; the points table of ``student/README.md``,
    ``student/tests/points.json`` and ``student/requirements.txt`` when ``root`` has an
    ``autograder/assignment.toml``.
    Raises ValueError (markers, README without its points table) or
    :class:`~autograder.config.ConfigError`.
    """
    base = default_root() if root is None else Path(root)
    config = _config(base)  # validated before anything is written
    written = [] if check_stub(base) else [write_stub(base)]
    if config is not None:
        written += handout.write(base, config)
    return written


def out_of_date(root: Path | None = None) -> list[str]:
    """The generated handout files of ``root`` that :func:`regenerate` would change."""
    base = default_root() if root is None else Path(root)
    stale = [] if check_stub(base) else [STUDENT_RELPATH.as_posix()]
    config = _config(base)
    if config is not None:
        stale += [rel.as_posix() for rel in handout.stale_files(base, config)]
    return stale


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the generated handout files, or (--check) only verify them."""
    parser = argparse.ArgumentParser(
        prog="autograder stubs",
        description=(
            "Generate student/hw.py from solutions/hw.py, the points table of "
            "student/README.md and student/tests/points.json from autograder/assignment.toml, "
            "and student/requirements.txt from autograder/release/versions.toml."
        ),
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="project root (default: this checkout)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if a generated file is out of date",
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = out_of_date(args.root)
            if not stale:
                print("student/hw.py and the handout's generated files are up to date")
                return 0
            print(
                f"out of date: {', '.join(stale)}: run `autograder stubs`", file=sys.stderr
            )
            return 1
        written = regenerate(args.root)
    except (OSError, ValueError) as exc:  # ConfigError is a ValueError
        print(f"autograder stubs: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("student/hw.py and the handout's generated files are up to date (nothing written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
