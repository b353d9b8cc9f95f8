"""One list of versions (``autograder/release/versions.toml``), and every copy agrees with it.

The dev install (pyproject.toml), the Gradescope zip's requirements (written by the build:
tests/test_build.py reads them from the zip's environment.yml), the handout's
``student/requirements.txt`` and the apt packages of CI are made from the list; a copy
edited by hand is found.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from quickstart import CI_SCRIPT

from autograder import paths
from autograder.release import versions
from autograder.release.gradescope import OTTER_VERSION

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = paths.ROOT


def test_every_copy_agrees_with_the_one_list() -> None:
    assert versions.problems() == []


def test_the_dev_install_pins_the_engine_as_the_zip_does() -> None:
    """pyproject.toml's dependencies: each engine package at exactly the zip's version."""
    pins = versions.load()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies = project["dependencies"]
    zip_lines = versions.zip_requirements(pins).splitlines()
    for package in pins.group("engine"):
        assert f"{package.name}=={package.version}" in zip_lines
        assert any(d.startswith(f"{package.name}=={package.version}") for d in dependencies)
        assert not any(d.startswith(package.name + ">") for d in dependencies), package.name
    # what changes results is pinned exactly everywhere: Hypothesis's examples, NumPy's maths
    assert "hypothesis==" in versions.handout_requirements(pins)
    assert f"otter-grader[grading]=={OTTER_VERSION}" in project["optional-dependencies"]["dev"]


def test_the_handout_pins_hypothesis_and_bounds_numpy_around_the_graders() -> None:
    pins = versions.load()
    lines = (ROOT / "student" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    hypothesis, numpy = pins.get("hypothesis"), pins.get("numpy")
    assert hypothesis is not None and numpy is not None
    assert f"hypothesis=={hypothesis.version}" in lines
    (numpy_line,) = [line for line in lines if line.startswith("numpy")]
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(numpy_line.removeprefix("numpy"))
    assert numpy.version in allowed and numpy.py310 in allowed  # both graders' NumPys
    assert {"numpy", "pytest", "hypothesis"} <= {
        line.split("=")[0].split(">")[0] for line in lines if not line.startswith("#")
    }


def test_ci_installs_the_apt_packages_of_the_list() -> None:
    text = CI_SCRIPT.read_text(encoding="utf-8")
    assert "python3 -m autograder.release.versions --apt ci" in text
    assert "python3 -m autograder.release.versions --check" in text
    for line in text.splitlines():  # no apt package named in the script itself
        if "apt-get" in line and "install" in line:
            words = set(re.findall(r"[\w.+-]+", line))
            assert not words & set(versions.apt_packages(versions.load(), "ci")), line
    assert versions.main(["--apt", "ci"]) == 0


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The files the list is checked against, copied."""
    for rel in ("pyproject.toml", "autograder/release/versions.toml", "student/requirements.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    assert versions.problems(tmp_path) == []
    return tmp_path


def test_a_pin_changed_in_one_place_only_is_found(scratch: Path) -> None:
    pyproject = scratch / "pyproject.toml"
    pytest_pin = versions.load().get("pytest")
    assert pytest_pin is not None
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace(f"pytest=={pytest_pin.version}", "pytest>=7.4"))
    (problem,) = versions.problems(scratch)
    assert problem.startswith("pyproject.toml: its dependencies differ")
    assert versions.main(["--root", str(scratch), "--check"]) == 1
    assert versions.main(["--root", str(scratch)]) == 0  # rewritten from the list
    assert pyproject.read_text(encoding="utf-8") == text


def test_a_package_added_to_the_list_is_one_line(scratch: Path) -> None:
    """How another helper adds a dependency: one line in versions.toml, then the command."""
    toml = scratch / "autograder" / "release" / "versions.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[packages]\n", '[packages]\ntabulate = { version = "0.9.0", for = ["engine"] }\n'))
    assert [p.split(":")[0] for p in versions.problems(scratch)] == ["pyproject.toml"]
    assert versions.main(["--root", str(scratch)]) == 0
    assert versions.problems(scratch) == []
    deps = tomllib.loads((scratch / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "tabulate==0.9.0" in deps
    assert "tabulate==0.9.0" in versions.zip_requirements(versions.load(scratch)).splitlines()


def test_an_engine_package_must_be_exact(scratch: Path) -> None:
    toml = scratch / "autograder" / "release" / "versions.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'pytest = { version = "', 'pytest = { version = ">='))
    with pytest.raises(versions.VersionsError, match="pytest: an engine package is pinned"):
        versions.load(scratch)
