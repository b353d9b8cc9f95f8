"""``autograder build``: the Gradescope autograder zip and the student handout zip.

``build(out_dir)`` writes

* ``out_dir/autograder.zip``, made by otter-grader 7.0.0's ``otter generate`` (its
  ``setup.sh``, ``run_autograder``, ``run_otter.py``, ``environment.yml`` with a pinned
  Python and pinned pip packages, ``otter_config.json`` naming our otter plugin), to which
  the build adds the whole grading engine as it sits in this checkout: the ``autograder``
  package (hidden tests, ``assignment.toml``), ``solutions/`` and ``student/`` (public
  tests, ``checks.py``, ``testfuncs.py``, ``timbre.py``). Gradescope unpacks it into
  ``/autograder/source``, where the engine's project root is ``/autograder/source``
  itself, so grading there depends on nothing but the zip.
* ``out_dir/handout.zip``: the ``student/`` folder as a student receives it (no caches,
  no generated plot, no solutions, no hidden tests).

Before writing anything the build validates ``assignment.toml`` and checks that
``student/hw.py`` is exactly the stub generated from ``solutions/hw.py``; any problem
raises :class:`BuildError` with a message saying what to do, and no zip is written.
How the zip grades on Gradescope: see :mod:`autograder.gradescope.otter_plugin` and
``docs/INSTRUCTOR.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autograder import paths
from autograder.gradescope import (
    OTTER_TESTS_README,
    OTTER_VERSION,
    PLACEHOLDER_NOTEBOOK,
    PLUGIN_NAME,
    PYTHON_VERSION,
)

DEFAULT_OUT = Path("dist")

EXCLUDED_DIRS = frozenset(
    {
        "__pycache__",
        ".pytest_cache",
        ".hypothesis",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".ruff_cache",
        ".git",
        ".venv",
    }
)
EXCLUDED_NAMES = frozenset({"optimizers.png", ".DS_Store", "results.json"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".egg-info")

REQUIREMENTS = paths.PACKAGE_DIR / "gradescope" / "requirements.txt"

OTTER_CONFIG = {
    "lang": "python",
    "plugins": [PLUGIN_NAME],
    # The plugin prints the engine's own summary; otter's score line would describe
    # otter's (empty) view of the results.
    "print_score": False,
    "print_summary": True,
}

TESTS_README_TEXT = """\
This folder is required by otter-grader but holds no otter tests on purpose.
The grading engine (autograder/, run by the otter plugin
autograder.gradescope.otter_plugin.EnginePlugin) grades the submission with the public
tests in student/tests and the hidden tests in autograder/hidden_tests.
"""

SOLUTION_MARKERS = ("# BEGIN SOLUTION", "# END SOLUTION", "# BEGIN INSTRUCTOR ONLY")


class BuildError(RuntimeError):
    """The build cannot go ahead; the message says why and what to do."""


def _excluded(rel: Path) -> bool:
    if any(part in EXCLUDED_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
        return True
    return rel.name in EXCLUDED_NAMES or rel.name.endswith(EXCLUDED_SUFFIXES)


def tree_files(folder: Path) -> list[Path]:
    """The files under ``folder`` that belong in a zip (caches and outputs left out), sorted."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue  # a link could pull in files from outside the folder
            if not _excluded(path.relative_to(folder)):
                files.append(path)
    return files


def handout_members(root: Path) -> list[tuple[Path, str]]:
    """``(file, name in the zip)`` for every file of the student handout."""
    student = root / "student"
    return [(f, (Path("student") / f.relative_to(student)).as_posix()) for f in tree_files(student)]


def engine_members(root: Path, config_path: Path | None = None) -> list[tuple[Path, str]]:
    """``(file, name in the zip)`` for the engine: ``autograder/``, ``solutions/``, ``student/``.

    With ``config_path``, that file is shipped as ``autograder/assignment.toml``.
    """
    members: list[tuple[Path, str]] = []
    package = root / "autograder"
    for f in tree_files(package):
        arc = (Path("autograder") / f.relative_to(package)).as_posix()
        if arc == "autograder/assignment.toml" and config_path is not None:
            f = Path(config_path)
        members.append((f, arc))
    solutions = root / "solutions"
    members += [
        (f, (Path("solutions") / f.relative_to(solutions)).as_posix())
        for f in tree_files(solutions)
    ]
    members += handout_members(root)
    return members


def check_sources(
    root: Path, config_path: Path | None = None, functions: list[str] | None = None
) -> None:
    """Everything the build needs is present and consistent, or :class:`BuildError`."""
    from autograder.config import ConfigError, load_config
    from autograder.stubgen import check_stub

    for rel in ("solutions/hw.py", "student/hw.py", "student/tests", "autograder/hidden_tests"):
        if not (root / rel).exists():
            raise BuildError(f"{root / rel} is missing: the zip cannot be built without it")
    if not any((root / "autograder" / "hidden_tests").glob("test_*.py")):
        raise BuildError(f"{root / 'autograder' / 'hidden_tests'} holds no test_*.py files")
    try:
        config = load_config(config_path, solutions=root / "solutions" / "hw.py")
    except ConfigError as exc:
        raise BuildError(f"invalid grading configuration: {exc}") from None
    unknown = sorted(set(functions or ()) - set(config.functions))
    if unknown:
        raise BuildError(
            f"--functions: {', '.join(unknown)} not graded by the configuration "
            f"(known: {', '.join(config.functions)})"
        )
    try:
        up_to_date = check_stub(root)
    except ValueError as exc:  # malformed solution markers
        raise BuildError(f"cannot generate student/hw.py from solutions/hw.py: {exc}") from None
    if not up_to_date:
        raise BuildError(
            "student/hw.py is out of date with solutions/hw.py: run `autograder stubs`, "
            "check the diff, commit, then build again"
        )
    secrets = {(root / "solutions" / "hw.py").read_bytes()}
    secrets |= {p.read_bytes() for p in (root / "autograder" / "hidden_tests").glob("*.py")}
    for path, arc in handout_members(root):
        if path.read_bytes() in secrets and path.stat().st_size > 0:
            raise BuildError(f"{arc} is a copy of an instructor file: not a handout")
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [m for m in SOLUTION_MARKERS if m in text]
            if leaked:
                raise BuildError(f"{arc} contains the solution marker {leaked[0]!r}: not a handout")


@contextmanager
def _chdir(folder: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def _write_members(zf: zipfile.ZipFile, members: list[tuple[Path, str]]) -> None:
    for path, arc in members:
        zf.write(path, arcname=arc)


def _placeholder_notebook() -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_markdown_cell(
            "Placeholder shipped by `autograder build`: otter finds this notebook instead of the "
            "student's files; the grading engine grades the submission (see docs/INSTRUCTOR.md)."
        )
    )
    return nbformat.writes(nb)


def otter_config(functions: list[str] | None = None) -> dict:
    """The ``otter_config.json`` of the zip (``functions``: grade only those)."""
    config = json.loads(json.dumps(OTTER_CONFIG))
    if functions:
        config["plugins"] = [{PLUGIN_NAME: {"functions": list(functions)}}]
    return config


def write_autograder_zip(
    root: Path, dest: Path, config_path: Path | None = None, functions: list[str] | None = None
) -> Path:
    """Write the Gradescope zip at ``dest`` with ``otter generate``, then add the engine."""
    import otter
    from otter.generate import main as otter_generate

    if otter.__version__ != OTTER_VERSION:
        raise BuildError(
            f"otter-grader {otter.__version__} is installed; the zip must be built with "
            f"otter-grader=={OTTER_VERSION} (pip install 'otter-grader=={OTTER_VERSION}')"
        )
    dest = Path(dest).resolve()
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        stage = Path(tmp)
        (stage / "tests").mkdir()
        (stage / "otter_config.json").write_text(json.dumps(otter_config(functions), indent=2))
        (stage / "requirements.txt").write_text(REQUIREMENTS.read_text(encoding="utf-8"))
        (stage / PLACEHOLDER_NOTEBOOK).write_text(_placeholder_notebook(), encoding="utf-8")
        partial = stage / "autograder.zip"
        with _chdir(stage):
            otter_generate(
                tests_dir="tests",
                output_path=str(partial),
                config="otter_config.json",
                lang="python",
                requirements="requirements.txt",
                no_environment=True,
                python_version=PYTHON_VERSION,
                files=[PLACEHOLDER_NOTEBOOK],
            )
        with zipfile.ZipFile(partial, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"tests/{OTTER_TESTS_README}", TESTS_README_TEXT)
            _write_members(zf, engine_members(root, config_path))
        shutil.move(str(partial), str(dest))
    return dest


def write_handout_zip(root: Path, dest: Path) -> Path:
    """Write the student handout (the ``student/`` folder) at ``dest``."""
    dest = Path(dest)
    partial = dest.with_name(dest.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        _write_members(zf, handout_members(root))
    os.replace(partial, dest)
    return dest


def build(
    out_dir: Path | str = DEFAULT_OUT,
    config_path: Path | str | None = None,
    root: Path | None = None,
    functions: list[str] | None = None,
) -> tuple[Path, Path]:
    """Check the sources, then write ``out_dir/autograder.zip`` and ``out_dir/handout.zip``.

    ``config_path`` replaces ``autograder/assignment.toml`` in the zip (validated first);
    ``root`` is the project root (default: this checkout). Raises :class:`BuildError`
    (nothing written) when the configuration is invalid or ``student/hw.py`` is stale.
    ``functions`` makes a zip that grades only those hw.py functions (e.g. parts 1-3
    released as their own Gradescope assignment); the maximum is then their points.
    """
    root = Path(root) if root is not None else paths.ROOT
    if config_path is not None:
        config: Path | None = Path(config_path)
    elif root.resolve() != paths.ROOT:
        config = root / "autograder" / "assignment.toml"
    else:
        config = None
    check_sources(root, config, functions)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ag_zip = write_autograder_zip(root, out / "autograder.zip", config, functions)
    handout = write_handout_zip(root, out / "handout.zip")
    return ag_zip, handout


def main(argv: list[str] | None = None) -> int:
    """Command line of ``autograder build``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="autograder build",
        description="Build the Gradescope autograder zip (otter-grader) and the handout zip.",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: dist/)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="grading configuration to ship (default: autograder/assignment.toml)",
    )
    parser.add_argument(
        "--functions",
        metavar="F1,F2",
        default="",
        help="grade only these hw.py functions on Gradescope (default: all)",
    )
    args = parser.parse_args(argv)
    try:
        functions = [f.strip() for f in args.functions.split(",") if f.strip()]
        ag_zip, handout = build(args.out, args.config, functions=functions or None)
    except BuildError as exc:
        print(f"autograder build: error: {exc}", file=sys.stderr)
        return 1
    for path in (ag_zip, handout):
        with zipfile.ZipFile(path) as zf:
            count = len(zf.namelist())
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {count} files)")
    print(
        "Upload autograder.zip on Gradescope (Configure Autograder > Zip file upload); "
        "give students handout.zip. See docs/INSTRUCTOR.md."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
