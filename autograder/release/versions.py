"""The one list of versions (``autograder/release/versions.toml``) and every copy made from it.

    python -m autograder.release.versions            # rewrite pyproject.toml's lists
    python -m autograder.release.versions --check    # exit 1 when a copy disagrees
    python -m autograder.release.versions --apt ci   # the apt packages of a machine

``versions.toml`` names each package once, with its version and where it goes. From it:

* :func:`zip_requirements`: the ``requirements.txt`` that ``autograder build`` hands to
  ``otter generate`` (the pip packages of the zip's ``environment.yml``): the ``engine``
  packages, pinned exactly;
* :func:`pyproject_block`: pyproject.toml's ``dependencies`` and extras (``otter``, ``dev``),
  between the lines :data:`BEGIN` and :data:`END` (:func:`write_pyproject` rewrites them);
* :func:`handout_requirements`: ``student/requirements.txt`` (generated with the handout's
  other files by ``autograder stubs``, :mod:`autograder.release.handout`);
* :func:`apt_packages`: the Debian packages of the Gradescope image (``setup.sh``) and of CI
  (``.ci/run``).

:func:`problems` lists what disagrees (a project test and the build use it).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder import paths
from autograder.release.gradescope import OTTER_VERSION, PYTHON_VERSION

VERSIONS_RELPATH = Path("autograder") / "release" / "versions.toml"
PYPROJECT_RELPATH = Path("pyproject.toml")
HANDOUT_REQUIREMENTS_RELPATH = Path("student") / "requirements.txt"

BEGIN = "# BEGIN versions: generated from autograder/release/versions.toml; do not edit"
END = "# END versions"

GROUPS = ("engine", "project", "otter", "dev")
_EXACT = re.compile(r"^\d+(\.\d+)*$")
_KEYS = {"version", "for", "markers", "py310", "handout", "optional", "extras"}


class VersionsError(ValueError):
    """versions.toml is malformed; the message names the entry."""


@dataclass(frozen=True)
class Package:
    """One entry of ``[packages]``."""

    name: str
    version: str
    groups: tuple[str, ...]
    markers: str = ""
    py310: str = ""
    handout: str = ""
    optional: bool = False
    extras: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        """True when ``version`` is one release (installed as ``==version``)."""
        return bool(_EXACT.match(self.version))

    def requirements(self) -> list[str]:
        """The PEP 508 requirement lines of this package (two with a ``py310`` version)."""
        name = self.name + (f"[{','.join(self.extras)}]" if self.extras else "")
        spec = f"=={self.version}" if self.exact else self.version
        if self.py310:
            return [
                f"{name}=={self.version}; python_version >= '3.11'",
                f"{name}=={self.py310}; python_version < '3.11'",
            ]
        return [f"{name}{spec}" + (f"; {self.markers}" if self.markers else "")]


@dataclass(frozen=True)
class Versions:
    """The parsed ``versions.toml``."""

    packages: tuple[Package, ...]
    apt: dict[str, tuple[str, ...]]

    def group(self, group: str) -> list[Package]:
        """The packages of ``group``, in the file's order."""
        return [p for p in self.packages if group in p.groups]

    def get(self, name: str) -> Package | None:
        """The package called ``name`` (None if the list lacks it)."""
        return next((p for p in self.packages if p.name == name), None)


def versions_file(root: Path | None = None) -> Path:
    """``versions.toml`` of the checkout at ``root`` (default: this one)."""
    return (paths.ROOT if root is None else Path(root)) / VERSIONS_RELPATH


def load(root: Path | None = None) -> Versions:
    """Read and check ``versions.toml`` of ``root``; :class:`VersionsError` when malformed."""
    path = versions_file(root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise VersionsError(f"{VERSIONS_RELPATH}: {exc}") from None
    packages = []
    for name, entry in (data.get("packages") or {}).items():
        where = f"{VERSIONS_RELPATH}: [packages] {name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            raise VersionsError(f"{where}: needs version = \"...\"")
        unknown = set(entry) - _KEYS
        if unknown:
            raise VersionsError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        groups = tuple(entry.get("for") or ())
        if not groups or set(groups) - set(GROUPS):
            raise VersionsError(f"{where}: for = [...] takes {', '.join(GROUPS)}")
        package = Package(
            name=name,
            version=entry["version"],
            groups=groups,
            markers=str(entry.get("markers", "")),
            py310=str(entry.get("py310", "")),
            handout=str(entry.get("handout", "")),
            optional=bool(entry.get("optional", False)),
            extras=tuple(entry.get("extras") or ()),
        )
        if "engine" in groups and not package.exact:
            raise VersionsError(
                f"{where}: an engine package is pinned to one version (\"X.Y.Z\"): Gradescope "
                "and `autograder run` must grade with the same code"
            )
        packages.append(package)
    apt = {k: tuple(v) for k, v in (data.get("apt") or {}).items()}
    return Versions(tuple(packages), apt)


# ---------------------------------------------------------------------------- the copies


def zip_requirements(versions: Versions, python: str = PYTHON_VERSION) -> str:
    """The ``requirements.txt`` of the Gradescope zip, whose environment has Python
    ``python`` (otter adds otter-grader itself)."""
    lines = [
        "# Generated by `autograder build` from autograder/release/versions.toml (the",
        "# \"engine\" packages): the pip packages of environment.yml on Gradescope's image.",
    ]
    older = tuple(int(n) for n in python.split(".")[:2]) < (3, 11)
    for package in versions.group("engine"):
        version = package.py310 if older and package.py310 else package.version
        lines.append(f"{package.name}=={version}")
    return "\n".join(lines) + "\n"


def _toml_list(items: list[str], indent: str = "    ") -> str:
    return "[\n" + "".join(f'{indent}"{item}",\n' for item in items) + "]"


def pyproject_block(versions: Versions) -> str:
    """pyproject.toml's lines from :data:`BEGIN` to :data:`END` (markers included)."""

    def lines(*groups: str) -> list[str]:
        return [r for p in versions.packages if set(p.groups) & set(groups)
                for r in p.requirements()]

    return "\n".join([
        BEGIN,
        f"dependencies = {_toml_list(lines('engine', 'project'))}",
        "",
        "[project.optional-dependencies]",
        f"otter = {_toml_list(lines('otter'))}",
        f"dev = {_toml_list(lines('otter', 'dev'))}",
        END,
    ])


def handout_requirements(versions: Versions) -> str:
    """The text of ``student/requirements.txt``."""
    lines = [
        "# pip install -r requirements.txt",
        "# (made from the autograder's list of versions: the Hypothesis and NumPy it grades with)",
    ]
    for package in versions.packages:
        if not package.handout:
            continue
        line = f"{package.name}{package.handout}"
        if package.optional:
            lines.append("# optional: only train.py's plot (optimizers.png) needs it")
        lines.append(line)
    return "\n".join(lines) + "\n"


def apt_packages(versions: Versions, machine: str) -> list[str]:
    """The apt packages of ``machine`` (``image``: Gradescope's, ``ci``: CI's)."""
    if machine not in versions.apt:
        raise VersionsError(f"{VERSIONS_RELPATH}: [apt] has no {machine} list")
    return list(versions.apt[machine])


def render_pyproject(text: str, versions: Versions) -> str:
    """``text`` (pyproject.toml) with its generated block rewritten; ValueError without one."""
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < begin or text.count(BEGIN) != 1:
        raise VersionsError(
            f"{PYPROJECT_RELPATH} needs one block between the lines {BEGIN!r} and {END!r} "
            "(where dependencies and [project.optional-dependencies] go)"
        )
    return text[:begin] + pyproject_block(versions) + text[end + len(END):]


# ---------------------------------------------------------------------------- checks


def problems(root: Path | None = None) -> list[str]:
    """What disagrees with ``versions.toml`` under ``root`` (empty: nothing).

    pyproject.toml's generated block, ``student/requirements.txt``, and otter-grader's
    version against the one the build requires (:data:`OTTER_VERSION`).
    """
    base = paths.ROOT if root is None else Path(root)
    try:
        versions = load(base)
    except VersionsError as exc:
        return [str(exc)]
    found = []
    pyproject = base / PYPROJECT_RELPATH
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        try:
            if render_pyproject(text, versions) != text:
                found.append(
                    f"{PYPROJECT_RELPATH}: its dependencies differ from {VERSIONS_RELPATH}: run "
                    "`python -m autograder.release.versions`, check the diff, commit"
                )
        except VersionsError as exc:
            found.append(str(exc))
    reqs = base / HANDOUT_REQUIREMENTS_RELPATH
    if not reqs.is_file() or reqs.read_text(encoding="utf-8") != handout_requirements(versions):
        found.append(
            f"{HANDOUT_REQUIREMENTS_RELPATH}: out of date with {VERSIONS_RELPATH}: run "
            "`autograder stubs`, check the diff, commit"
        )
    otter = versions.get("otter-grader")
    if otter is None or otter.version != OTTER_VERSION:
        found.append(
            f"{VERSIONS_RELPATH}: otter-grader must be {OTTER_VERSION!r} (the version "
            "autograder.release.gradescope.OTTER_VERSION builds the zip with)"
        )
    return found


def write_pyproject(root: Path | None = None) -> bool:
    """Rewrite pyproject.toml's generated block; True when it changed."""
    base = paths.ROOT if root is None else Path(root)
    path = base / PYPROJECT_RELPATH
    text = path.read_text(encoding="utf-8")
    new = render_pyproject(text, load(base))
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite pyproject.toml's lists, ``--check`` them, or print ``--apt``."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.release.versions",
        description="Make pyproject.toml's dependencies from autograder/release/versions.toml, "
        "or check every copy of the versions.",
    )
    parser.add_argument("--root", type=Path, default=None, help="project root")
    parser.add_argument("--check", action="store_true", help="only verify; exit 1 on a mismatch")
    parser.add_argument("--apt", metavar="MACHINE", help="print the apt packages of MACHINE")
    args = parser.parse_args(argv)
    try:
        if args.apt:
            print(" ".join(apt_packages(load(args.root), args.apt)))
            return 0
        if args.check:
            found = problems(args.root)
            for line in found:
                print(line, file=sys.stderr)
            if not found:
                print("every copy agrees with autograder/release/versions.toml")
            return 1 if found else 0
        changed = write_pyproject(args.root)
    except (OSError, VersionsError) as exc:
        print(f"versions: {exc}", file=sys.stderr)
        return 2
    print("wrote pyproject.toml" if changed else "pyproject.toml is up to date (nothing written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
