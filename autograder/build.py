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

Before writing anything the build validates ``assignment.toml``, checks that every public
function of ``solutions/hw.py`` has points, that ``student/hw.py`` and the handout's
generated points (``autograder stubs``) are up to date, and that no handout file leaks a
solution. Then it stages the files of the zip in a temporary folder and, while otter
builds the zip, grades the solutions and the stubs with that staged engine and
configuration (:mod:`autograder.release_check`): unless the solutions get the maximum and
the stubs 0, the build is refused. Any problem raises :class:`BuildError` with a message
saying what to do, and no zip is written. The handout's points (``student/README.md``'s
table, ``student/tests/points.json``) are rendered from the configuration the zip ships
(:mod:`autograder.handout`). Two of otter's files are changed (:func:`gradescope_entry`):
``run_autograder`` runs the engine directly (:mod:`autograder.gradescope.run_autograder`)
and ``setup.sh`` also builds the sandbox's runtime copy into the image
(:mod:`autograder.gradescope.prepare_image`); ``otter run`` grades through
:mod:`autograder.gradescope.otter_plugin`. See ``docs/INSTRUCTOR.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from autograder import handout, paths, release_check
from autograder.config import AssignmentConfig, ConfigError, load_config
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

#: The line of otter's ``run_autograder`` that starts otter's runner. The zip runs the
#: engine directly instead (:mod:`autograder.gradescope.run_autograder`): otter's runner
#: adds a Jupyter kernel and a second interpreter, about doubling a grade on Gradescope.
OTTER_RUN_LINE = "python /autograder/source/run_otter.py"
ENGINE_RUN_LINE = (
    "cd /autograder/source && exec python -m autograder.gradescope.run_autograder /autograder"
)
#: Appended to otter's ``setup.sh`` (run once, when Gradescope builds the image): the
#: sandbox's runtime copy is built into the image instead of at every grade. Not fatal:
#: without it, each grade builds the copy itself.
IMAGE_STEPS_BEGIN = "# BEGIN music-ai-autograder image steps"
IMAGE_STEPS_END = "# END music-ai-autograder image steps"
IMAGE_STEPS = rf"""
{IMAGE_STEPS_BEGIN}
# the sandbox's syscall filter needs libseccomp.so.2 (in Ubuntu's base image as apt's own)
if ! ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2'; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libseccomp2) \
        || echo "music-ai-autograder: libseccomp2 missing: workers run without a syscall filter"
fi
if ! (cd /autograder/source \
      && mamba run -n otter-env python -m autograder.gradescope.prepare_image); then
    echo "music-ai-autograder: the sandbox runtime will be built at each grade instead"
fi
{IMAGE_STEPS_END}
"""


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
) -> AssignmentConfig:
    """Everything the build needs is present and consistent, or :class:`BuildError`.

    Returns the configuration the zip will ship.
    """
    from autograder.stubgen import check_stub

    for rel in ("solutions/hw.py", "student/hw.py", "student/tests", "autograder/hidden_tests"):
        if not (root / rel).exists():
            raise BuildError(f"{root / rel} is missing: the zip cannot be built without it")
    if not any((root / "autograder" / "hidden_tests").glob("test_*.py")):
        raise BuildError(f"{root / 'autograder' / 'hidden_tests'} holds no test_*.py files")
    solutions = root / "solutions" / "hw.py"
    try:
        config = load_config(config_path, solutions=solutions)
    except ConfigError as exc:
        raise BuildError(f"invalid grading configuration: {exc}") from None
    unknown = sorted(set(functions or ()) - set(config.functions))
    if unknown:
        raise BuildError(
            f"--functions: {', '.join(unknown)} not graded by the configuration "
            f"(known: {', '.join(config.functions)})"
        )
    ungraded = release_check.ungraded_solution_functions(config, solutions)
    if ungraded:
        raise BuildError(ungraded)
    try:
        up_to_date = check_stub(root)
    except ValueError as exc:  # malformed solution markers
        raise BuildError(f"cannot generate student/hw.py from solutions/hw.py: {exc}") from None
    if not up_to_date:
        raise BuildError(
            "student/hw.py is out of date with solutions/hw.py: run `autograder stubs`, "
            "check the diff, commit, then build again"
        )
    _check_generated_points(root, config, config_path)
    secrets = {solutions.read_bytes()}
    secrets |= {p.read_bytes() for p in (root / "autograder" / "hidden_tests").glob("*.py")}
    for path, arc in handout_members(root):
        if path.read_bytes() in secrets and path.stat().st_size > 0:
            raise BuildError(f"{arc} is a copy of an instructor file: not a handout")
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [m for m in SOLUTION_MARKERS if m in text]
            if leaked:
                raise BuildError(f"{arc} contains the solution marker {leaked[0]!r}: not a handout")
    return config


def _check_generated_points(
    root: Path, config: AssignmentConfig, config_path: Path | None
) -> None:
    """The checked-in handout points agree with the project's own ``assignment.toml``.

    (With ``--config``, the zips carry points rendered from that file instead.)
    """
    own = root / "autograder" / "assignment.toml"
    if config_path is not None and Path(config_path).resolve() != own.resolve():
        try:
            config = load_config(own, solutions=root / "solutions" / "hw.py")
        except ConfigError as exc:
            raise BuildError(f"invalid grading configuration: {exc}") from None
    try:
        stale = handout.stale_files(root, config)
    except ValueError as exc:  # the README lost its points markers
        raise BuildError(str(exc)) from None
    if stale:
        names = ", ".join(rel.as_posix() for rel in stale)
        raise BuildError(
            f"{names}: out of date with autograder/assignment.toml (the handout would show "
            "other points than the grader gives): run `autograder stubs`, check the diff, "
            "commit, then build again"
        )


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


def with_generated(
    members: list[tuple[Path, str]], generated: dict[str, Path]
) -> list[tuple[Path, str]]:
    """``members`` with the file of every name in ``generated`` replaced by its rendering."""
    return [(generated.get(arc, path), arc) for path, arc in members]


def render_generated(root: Path, config: AssignmentConfig, folder: Path) -> dict[str, Path]:
    """Write the handout's generated files, rendered from ``config``, under ``folder``.

    Returns ``{name in the zip: file}`` for :func:`with_generated`.
    """
    rendered = {}
    for rel, text in handout.generated_files(root, config).items():
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        rendered[rel.as_posix()] = dest
    return rendered


def stage_members(members: list[tuple[Path, str]], stage: Path) -> Path:
    """Copy ``members`` into ``stage`` as the zip lays them out; returns ``stage``."""
    for path, arc in members:
        dest = stage / arc
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return stage


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
    root: Path,
    dest: Path,
    config_path: Path | None = None,
    functions: list[str] | None = None,
    members: list[tuple[Path, str]] | None = None,
) -> Path:
    """Write the Gradescope zip at ``dest`` with ``otter generate``, then add the engine.

    ``members``: the engine's files (default: :func:`engine_members`).
    """
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
        final = stage / "final.zip"
        with zipfile.ZipFile(partial) as src, zipfile.ZipFile(
            final, "w", compression=zipfile.ZIP_DEFLATED
        ) as zf:
            for info in src.infolist():
                zf.writestr(info, gradescope_entry(info.filename, src.read(info)))
            zf.writestr(f"tests/{OTTER_TESTS_README}", TESTS_README_TEXT)
            _write_members(zf, members or engine_members(root, config_path))
        shutil.move(str(final), str(dest))
    return dest


def gradescope_entry(name: str, data: bytes) -> bytes:
    """A file of otter's zip as the project ships it: ``run_autograder`` runs the engine
    directly, ``setup.sh`` also builds the sandbox runtime into the image; the rest as is."""
    if name == "run_autograder":
        text = data.decode("utf-8")
        if text.count(OTTER_RUN_LINE) != 1:
            raise BuildError(
                f"otter's run_autograder has no single line {OTTER_RUN_LINE!r} to replace "
                f"(is otter-grader=={OTTER_VERSION} installed?)"
            )
        return text.replace(OTTER_RUN_LINE, ENGINE_RUN_LINE).encode("utf-8")
    if name == "setup.sh":
        return (data.decode("utf-8").rstrip("\n") + "\n" + IMAGE_STEPS).encode("utf-8")
    return data


def write_handout_zip(
    root: Path, dest: Path, members: list[tuple[Path, str]] | None = None
) -> Path:
    """Write the student handout (the ``student/`` folder, or ``members``) at ``dest``."""
    dest = Path(dest)
    partial = dest.with_name(dest.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        _write_members(zf, members or handout_members(root))
    os.replace(partial, dest)
    return dest


def build(
    out_dir: Path | str = DEFAULT_OUT,
    config_path: Path | str | None = None,
    root: Path | None = None,
    functions: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[Path, Path]:
    """Check the sources, then write ``out_dir/autograder.zip`` and ``out_dir/handout.zip``.

    ``config_path`` replaces ``autograder/assignment.toml`` in the zip (validated first);
    ``root`` is the project root (default: this checkout). ``functions`` makes a zip that
    grades only those hw.py functions (e.g. parts 1-3 released as their own Gradescope
    assignment); the maximum is then their points. Raises :class:`BuildError` (nothing
    written) when the sources are inconsistent (see :func:`check_sources`) or when the
    staged zip, grading the solutions and the stubs, does not give them the maximum and 0.
    ``log`` receives a line saying what the check found.
    """
    root = Path(root) if root is not None else paths.ROOT
    if config_path is not None:
        config_file: Path | None = Path(config_path)
    elif root.resolve() != paths.ROOT:
        config_file = root / "autograder" / "assignment.toml"
    else:
        config_file = None
    config = check_sources(root, config_file, functions)
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        work = Path(tmp)
        generated = render_generated(root, config, work / "generated")
        engine = with_generated(engine_members(root, config_file), generated)
        stage = stage_members(engine, work / "stage")
        check = release_check.start(stage, config, functions)
        try:
            ag_zip = write_autograder_zip(
                root, work / "autograder.zip", config_file, functions, members=engine
            )
            handout_zip = write_handout_zip(
                root, work / "handout.zip", with_generated(handout_members(root), generated)
            )
            verdict = check.result()
        except release_check.CheckFailed as exc:
            raise BuildError(str(exc)) from None
        finally:
            check.close()
        if log is not None:
            log(verdict)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        results = []
        for made in (ag_zip, handout_zip):
            dest = out / made.name
            shutil.move(str(made), str(dest))
            results.append(dest)
    return results[0], results[1]


def main(argv: list[str] | None = None) -> int:
    """Command line of ``autograder build``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="autograder build",
        description=(
            "Build the Gradescope autograder zip (otter-grader) and the handout zip. The "
            "build is refused unless the zip grades solutions/hw.py with every point and "
            "student/hw.py with none."
        ),
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
        ag_zip, handout = build(args.out, args.config, functions=functions or None, log=print)
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
