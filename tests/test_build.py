"""End-to-end tests of ``autograder build`` (no Docker, no network).

* The zips: contents of ``autograder.zip`` (otter's files, pinned environment, the
  engine) and of ``handout.zip`` (the student folder only, nothing secret, no debris).
* The zip's ``setup.sh`` (what grading needs and nothing else) and entry modes (scripts
  0755, the rest 0644), read from the zip; the check that refuses otherwise.
* Refusals: a stale ``student/hw.py``, handout points table or requirements, an invalid
  ``assignment.toml``, a dev install off the list of versions, a graded function the
  assignment does not describe or without probe inputs, and the ways a zip cannot grade
  (points for a function no test grades, no hidden test, tests for a function without
  points, a solution function with neither, the solutions short of the maximum or the
  stubs above 0) stop the build with a message naming the problem, the file, the step of
  the recipe and the fix, and no zip.
* The handout carries the points of the configuration the zip ships.
* The handout works: unpacked in a fresh folder, its ``pytest`` runs and reports the
  stubs as not implemented.
* Gradescope equivalence: the zip, run by otter's local runner (``otter.run``) on the
  solutions, the stubs, a buggy submission and the ways Gradescope delivers them (folder
  in a zip, another file name, nothing gradable), gives exactly the tests, scores,
  statuses, visibility and tags of ``autograder run`` on the same file.

otter executes the (replaced, empty) notebook in a Jupyter kernel, which needs
``ipykernel`` (otter-grader's ``[grading]`` extra). Where it is importable (by this
Python, or by the Python named in ``AUTOGRADER_OTTER_PYTHON``) the real ``otter run``
command is used, and a hostile ``otter.py`` upload checks that the kernel never imports
student files. Without it, the in-process otter runner is used with only otter's
kernel-execution step (``grade_notebook``) replaced by a stand-in that calls the plugin
events as otter does; everything else (otter's file preparation, submission lookup,
plugin loading, results.json writing) is otter's own code.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from config_helpers import (
    add_points,
    copy_project,
    move_points,
    set_hidden_visibility,
    set_points,
)

from autograder import paths
from autograder.config import TOTAL_POINTS, load_config
from autograder.grading.results import per_test_records
from autograder.release import build as build_mod
from autograder.release import handout, release_check, stubgen, versions, zip_files
from autograder.release.gradescope import PLACEHOLDER_NOTEBOOK, PLUGIN_NAME, otter_plugin
from autograder.release.stubgen import make_stub

ROOT = paths.ROOT
ENGINE_TIMEOUT = 600
# The zip built with `--functions` grades only these (the stubs take ~100 s in full).
FAST = ["softmax", "relu", "mae_loss"]
FAST_POINTS = sum(load_config().points(f) for f in FAST)


# ---------------------------------------------------------------------------- helpers


def zip_text(zf: zipfile.ZipFile, name: str) -> str:
    return zf.read(name).decode("utf-8")


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    """What must agree between Gradescope (via otter) and ``autograder run``."""
    return {
        "score": round(float(results["score"]), 6),
        "tests": [
            (
                t["name"],
                round(float(t.get("score", 0.0)), 6),
                round(float(t.get("max_score", 0.0)), 6),
                t.get("status"),
                t.get("visibility"),
                tuple(t.get("tags", [])),
            )
            for t in results["tests"]
        ],
        # and the per-test records inside the entries
        "records": [
            (t["name"], round(float(t.get("score", 0.0)), 6), t.get("status"),
             t.get("visibility"), tuple(t.get("tags", [])))
            for t in per_test_records(results)
        ],
    }


def autograder_run(
    submission: Path, out: Path, functions: list[str] | None = None, config: Path | None = None
) -> dict[str, Any]:
    """``autograder run SUBMISSION --results OUT`` from this checkout; the results dict."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "autograder", "run", str(submission), "--results", str(out)]
    if functions:
        cmd += ["--functions", ",".join(functions)]
    if config is not None:
        cmd += ["--config", str(config)]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=ENGINE_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


def kernel_python() -> str | None:
    """A Python that can run otter's Jupyter kernel (has ipykernel), if any."""
    if importlib.util.find_spec("ipykernel") is not None:
        return sys.executable
    other = os.environ.get("AUTOGRADER_OTTER_PYTHON")
    return other if other and Path(other).exists() else None


def otter_run_cli(python: str, ag_zip: Path, submission: Path, out_dir: Path) -> dict[str, Any]:
    """The real ``otter run`` command (otter's local runner, no Docker)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # so otter can import the plugin
    proc = subprocess.run(
        [
            python,
            "-m",
            "otter",
            "run",
            "-a",
            str(ag_zip),
            "-o",
            str(out_dir),
            "--no-logo",
            str(submission),
        ],
        cwd=out_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=ENGINE_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((out_dir / "results.json").read_text())


def otter_run_inprocess(
    ag_zip: Path, submission: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``otter.run.main`` with only the kernel execution replaced (see the module docstring).

    Returns the results.json otter wrote and what the stand-in observed.
    """
    import nbformat
    from otter.run import main as otter_run
    from otter.run.run_autograder.runners import python_runner
    from otter.test_files import GradingResults

    seen: dict[str, Any] = {}

    def grade_notebook(submission_path: str, *, cwd: str, plugin_collection: Any, **_: Any):
        # what otter's grade_notebook does around the kernel, without the kernel
        seen["resolved"] = os.path.basename(submission_path)
        seen["kernel_cwd"] = sorted(os.listdir(cwd))
        nb = nbformat.read(submission_path, as_version=nbformat.NO_CONVERT)
        seen["executed"] = plugin_collection.before_execution(nb)
        results = GradingResults([])
        plugin_collection.run("after_grading", results)
        return results

    monkeypatch.setattr(python_runner, "grade_notebook", grade_notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    otter_run(str(submission), autograder=str(ag_zip), output_dir=str(out_dir), no_logo=True)
    return json.loads((out_dir / "results.json").read_text()), seen


def gradescope_entry_run(ag_zip: Path, upload: Path, work: Path) -> dict[str, Any]:
    """What Gradescope runs (the zip's ``run_autograder`` minus the environment activation):
    ``python -m autograder.release.gradescope.run_autograder AG_DIR`` from ``AG_DIR/source``, with
    the upload in ``AG_DIR/submission``; the results.json it wrote."""
    ag_dir = work / "autograder"
    for sub in ("source", "submission", "results"):
        (ag_dir / sub).mkdir(parents=True)
    with zipfile.ZipFile(ag_zip) as zf:
        zf.extractall(ag_dir / "source")
        run_line = zip_text(zf, "run_autograder").strip().splitlines()[-1]
    assert run_line == build_mod.ENGINE_RUN_LINE
    shutil.copy2(upload, ag_dir / "submission" / upload.name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the zip's engine only
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.release.gradescope.run_autograder", str(ag_dir)],
        cwd=ag_dir / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=ENGINE_TIMEOUT,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads((ag_dir / "results" / "results.json").read_text())


def zip_of(dest: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return dest


BUG = '''

def relu(x):
    """Buggy on purpose: the absolute value instead of max(x, 0)."""
    import numpy as np

    return np.abs(np.asarray(x, dtype=np.float64))
'''


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the debris a working student folder accumulates."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    student = root / "student"
    (student / "__pycache__").mkdir(exist_ok=True)
    (student / "__pycache__" / "hw.cpython-311.pyc").write_bytes(b"\0junk")
    (student / ".pytest_cache").mkdir(exist_ok=True)
    (student / ".pytest_cache" / "README.md").write_text("cache")
    (student / ".hypothesis" / "examples").mkdir(parents=True, exist_ok=True)
    (student / ".hypothesis" / "examples" / "x").write_text("db")
    (student / "optimizers.png").write_bytes(b"\x89PNG")
    return root


@pytest.fixture(scope="module")
def built_log(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The release build of :func:`project` (all functions) and what it logged."""
    out = tmp_path_factory.mktemp("dist")
    lines: list[str] = []
    zips = build_mod.build(out, root=project, log=lines.append)
    return {"zips": zips, "log": lines}


@pytest.fixture(scope="module")
def built(built_log: dict[str, Any]) -> tuple[Path, Path]:
    return built_log["zips"]


def fast_config(project: Path) -> Path:
    """A valid configuration whose hidden-test visibility differs from the project's: a zip
    built with it can only give the same results as ``autograder run --config`` if the
    zip grades with its own copy of the engine and configuration."""
    return project / "fast.toml"


@pytest.fixture(scope="module")
def built_fast(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A zip that grades only FAST (``--functions``), with :func:`fast_config`."""
    text = (project / "autograder" / "assignment.toml").read_text()
    current = load_config(project / "autograder" / "assignment.toml").hidden_visibility
    other = "after_due_date" if current != "after_due_date" else "after_published"
    fast_config(project).write_text(set_hidden_visibility(text, other))
    out = tmp_path_factory.mktemp("dist-fast")
    return build_mod.build(out, root=project, config_path=fast_config(project), functions=FAST)


# ---------------------------------------------------------------------------- the zips


def test_autograder_zip_has_otter_files_pinned_environment_and_engine(
    built: tuple[Path, Path], project: Path
) -> None:
    ag_zip, _ = built
    assert ag_zip.name == "autograder.zip"
    with zipfile.ZipFile(ag_zip) as zf:
        names = set(zf.namelist())
        for required in (
            "setup.sh",
            "run_autograder",
            "run_otter.py",
            "environment.yml",
            "otter_config.json",
            f"files/{PLACEHOLDER_NOTEBOOK}",
            "tests/README.md",
        ):
            assert required in names, required
        env = zip_text(zf, "environment.yml")
        config = json.loads(zip_text(zf, "otter_config.json"))
        run_autograder = zip_text(zf, "run_autograder")
        setup_sh = zip_text(zf, "setup.sh")
        solutions = zf.read("solutions/hw.py")
        toml = zf.read("autograder/assignment.toml")
        student_hw = zf.read("student/hw.py")
    assert "python=3.11" in env
    assert "otter-grader[grading,plugins]==7.0.0" in env
    # the pip packages are the engine's, at the versions of the one list (Python 3.11)
    pins = versions.load(project)
    pip_lines = [line.strip()[2:] for line in env.splitlines()
                 if line.strip().startswith("- ") and "==" in line]
    assert pip_lines == ["otter-grader[grading,plugins]==7.0.0"] + [
        f"{p.name}=={p.version}" for p in pins.group("engine")
    ]
    for pkg in ("numpy==", "pytest==", "hypothesis==", "jinja2=="):
        assert pkg in env, pkg
    assert config["plugins"] == [PLUGIN_NAME]
    # Gradescope runs the engine directly; the image build prepares the sandbox runtime
    assert build_mod.ENGINE_RUN_LINE in run_autograder
    assert build_mod.OTTER_RUN_LINE not in run_autograder
    assert build_mod.IMAGE_STEPS.strip() in setup_sh
    # the engine, exactly as in the project
    assert solutions == (project / "solutions" / "hw.py").read_bytes()
    assert toml == (project / "autograder" / "assignment.toml").read_bytes()
    assert student_hw == (project / "student" / "hw.py").read_bytes()
    hidden = {p.name for p in (project / "autograder" / "hidden_tests").glob("*.py")}
    assert hidden and {f"autograder/hidden_tests/{n}" for n in hidden} <= names
    public = {p.name for p in (project / "student" / "tests").glob("*.py")}
    assert {"checks.py", "testfuncs.py"} <= public
    assert {f"student/tests/{n}" for n in public} <= names
    engine = ("__init__.py", "grading/runner.py", "release/gradescope/otter_plugin.py", "paths.py")
    for module in engine:
        assert f"autograder/{module}" in names, module
    # otter's test folder holds no otter tests: nothing but our engine grades
    assert not [n for n in names if n.startswith("tests/") and n.endswith(".py")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if ".hypothesis" in n or "optimizers.png" in n]


def test_the_zip_setup_installs_what_grading_needs_and_nothing_else(
    built: tuple[Path, Path], project: Path
) -> None:
    """setup.sh (read from the zip): the image's apt packages of the one list, Miniforge as
    otter installs it, otter's environment, the image step; no browser, no LaTeX, no
    notebook kernels (a failed download of any of them would fail the whole image)."""
    import otter.generate

    ag_zip, _ = built
    with zipfile.ZipFile(ag_zip) as zf:
        setup_sh = zip_text(zf, "setup.sh")
    commands = [line.strip() for line in setup_sh.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[0] == "set -e"
    image_apt = versions.apt_packages(versions.load(project), "image")
    assert [c for c in commands if c.startswith("apt-get install")] == [
        "apt-get install -y " + " ".join(image_apt)
    ]
    lowered = "\n".join(commands).lower()
    for unneeded in ("playwright", "chromium", "nb_conda_kernels", "texlive", "pandoc", "jq"):
        assert unneeded not in lowered.split() and unneeded not in lowered, unneeded
    assert f"/{otter.generate.MINIFORGE_VERSION}/Miniforge3-Linux-" in setup_sh
    assert zip_files.MINIFORGE_VERSION == otter.generate.MINIFORGE_VERSION
    assert zip_files.OTTER_ENV_NAME == otter.generate.OTTER_ENV_NAME
    assert "mamba env create -f /autograder/source/environment.yml" in commands
    assert f"mamba run -n {otter.generate.OTTER_ENV_NAME} python -m " \
        "autograder.release.gradescope.prepare_image); then" in setup_sh
    assert setup_sh.rstrip().endswith(build_mod.IMAGE_STEPS_END)
    assert zip_files.setup_sh_problems(setup_sh, image_apt) == []


def test_the_zip_entry_points_are_executable_and_the_rest_is_not(
    built: tuple[Path, Path],
) -> None:
    """The modes in the zip (what zipinfo shows): regular files, the scripts Gradescope and
    otter run 0755, everything else 0644; the handout's files 0644."""
    import stat

    ag_zip, handout_zip = built
    with zipfile.ZipFile(ag_zip) as zf:
        modes = {i.filename: (i.create_system, i.external_attr >> 16) for i in zf.infolist()}
    for name in ("run_autograder", "setup.sh", "run_otter.py"):
        assert modes[name] == (3, stat.S_IFREG | 0o755), (name, oct(modes[name][1]))
        assert stat.filemode(modes[name][1]) == "-rwxr-xr-x"
    for name in ("environment.yml", "otter_config.json", "solutions/hw.py",
                 "autograder/assignment.toml", "student/hw.py"):
        assert stat.filemode(modes[name][1]) == "-rw-r--r--", name
    scripts = {n for n, (_, mode) in modes.items() if mode & 0o111}
    assert scripts == {"run_autograder", "setup.sh", "run_otter.py"}
    assert {system for system, _ in modes.values()} == {3}
    assert all(stat.S_ISREG(mode) for _, mode in modes.values())
    with zipfile.ZipFile(handout_zip) as zf:
        assert {stat.filemode(i.external_attr >> 16) for i in zf.infolist()} == {"-rw-r--r--"}
    assert zip_files.check_zip(ag_zip, versions.apt_packages(versions.load(), "image")) == []


def test_the_zip_check_names_wrong_modes_and_an_otter_setup(tmp_path: Path) -> None:
    """What `build` refuses after writing the zip: otter's own setup.sh (a browser, kernels,
    R's libraries) and entries without their modes, each named."""
    otter_template = (
        Path(importlib.util.find_spec("otter.generate").origin).parent  # type: ignore[arg-type]
        / "templates" / "python" / "setup.sh"
    ).read_text(encoding="utf-8")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("setup.sh", otter_template)  # writestr's default mode: ?rw-------
        zf.writestr("run_autograder", "#!/bin/bash\n")
        info = zip_files.set_mode(zipfile.ZipInfo("environment.yml"))
        info.external_attr = (0o100755) << 16  # data marked executable
        zf.writestr(info, "name: otter-env\n")
    problems = "\n".join(zip_files.check_zip(bad, ["wget"]))
    assert "the zip has no run_otter.py" in problems
    assert "setup.sh: mode ?rw-------, not -rwxr-xr-x" in problems
    assert "run_autograder: mode ?rw-------, not -rwxr-xr-x" in problems
    assert "environment.yml: mode -rwxr-xr-x, not -rw-r--r--" in problems
    for word in ("playwright", "nb_conda_kernels", "texlive", "pandoc", "libgit2"):
        assert f"setup.sh installs {word!r}, which grading does not use" in problems
    assert "apt-get install lines" in problems
    assert "lacks the project's image step" in problems


def test_handout_is_the_student_folder_without_secrets_or_debris(
    built: tuple[Path, Path], project: Path
) -> None:
    _, handout = built
    with zipfile.ZipFile(handout) as zf:
        names = set(zf.namelist())
        texts = {n: zf.read(n) for n in names}
    assert all(n.startswith("student/") for n in names)
    assert "student/hw.py" in names and "student/tests/checks.py" in names
    assert texts["student/hw.py"].decode() == make_stub(
        (project / "solutions" / "hw.py").read_text(encoding="utf-8")
    )
    for debris in ("__pycache__", ".pytest_cache", ".hypothesis", "optimizers.png", ".pyc"):
        assert not [n for n in names if debris in n], debris
    # nothing from the instructor's side
    assert not [n for n in names if "solutions" in n or "hidden_tests" in n]
    solution = (project / "solutions" / "hw.py").read_bytes()
    hidden = [p.read_bytes() for p in (project / "autograder" / "hidden_tests").glob("test_*.py")]
    for name, data in texts.items():
        assert b"# BEGIN SOLUTION" not in data, name
        assert data != solution, name
        assert data not in hidden, name
    # the handout is exactly the student folder's files (less the debris)
    expected = {
        "student/" + p.relative_to(project / "student").as_posix()
        for p in (project / "student").rglob("*")
        if p.is_file()
        and not any(part in {"__pycache__", ".pytest_cache", ".hypothesis"} for part in p.parts)
        and p.name != "optimizers.png"
    }
    assert names == expected


def test_handout_pytest_runs_and_reports_stubs_as_not_implemented(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    _, handout = built
    with zipfile.ZipFile(handout) as zf:
        zf.extractall(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=tmp_path / "student",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # tests ran, and failed (not a usage/collection error)
    assert "not implemented yet" in out, out
    assert " passed" not in out.splitlines()[-1], out  # no stub passes a test
    assert "error" not in out.splitlines()[-1], out  # no collection/import errors


# ---------------------------------------------------------------------------- refusals


def test_build_refuses_a_stale_stub_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    hw = root / "student" / "hw.py"
    hw.write_text(hw.read_text() + "\n# edited by hand\n")
    out = tmp_path / "dist"
    with pytest.raises(build_mod.BuildError, match=r"out of date.*autograder stubs"):
        build_mod.build(out, root=root)
    assert not out.exists() or not list(out.iterdir())


def test_build_refuses_an_invalid_config_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "assignment.toml"
    config = load_config()
    first = config.functions[0]
    # one more point: the points no longer add up to the total
    bad.write_text(set_points(paths.ASSIGNMENT_TOML.read_text(), first, config.points(first) + 1))
    out = tmp_path / "dist"
    with pytest.raises(build_mod.BuildError, match="invalid grading configuration"):
        build_mod.build(out, config_path=bad)
    assert build_mod.main(["--out", str(out), "--config", str(bad)]) == 1
    assert "invalid grading configuration" in capsys.readouterr().err
    assert not out.exists() or not list(out.iterdir())


def test_build_ships_the_given_config_and_refuses_leaks(tmp_path: Path) -> None:
    good = tmp_path / "release.toml"
    visibility = "visible" if load_config().hidden_visibility != "visible" else "hidden"
    good.write_text(set_hidden_visibility(paths.ASSIGNMENT_TOML.read_text(), visibility))
    ag_zip, _ = build_mod.build(tmp_path / "dist", config_path=good, functions=["relu"])
    with zipfile.ZipFile(ag_zip) as zf:
        assert zf.read("autograder/assignment.toml") == good.read_bytes()
    # a copy of the solutions dropped into the student folder stops the build
    root = copy_project(tmp_path / "project")
    shutil.copy(root / "solutions" / "hw.py", root / "student" / "reference.py")
    with pytest.raises(build_mod.BuildError, match=r"student/reference\.py"):
        build_mod.build(tmp_path / "dist2", root=root)
    assert not (tmp_path / "dist2").exists()


def test_build_logs_the_check_of_the_full_release(built_log: dict[str, Any]) -> None:
    """The release build graded the solutions and the stubs with the zip's own engine."""
    (line,) = built_log["log"]
    assert f"solutions {TOTAL_POINTS:g} / {TOTAL_POINTS:g}" in line
    assert f"stubs 0 / {TOTAL_POINTS:g}" in line


# ------------------------------------------------------------- zips that cannot grade

NEW_FUNCTION = "new_activation"  # a leaky ReLU, under a name no homework will use
NEW_SOLUTION = f'''


def {NEW_FUNCTION}(x, alpha=0.01):
    """A leaky ReLU: x where x > 0, alpha * x elsewhere.

    Args:
        x: array of any shape.
        alpha: the slope where x <= 0.

    Returns:
        float64 array shaped like x.
    """
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * x)
    # END SOLUTION
'''
NEW_TEST = f"""


@pytest.mark.grades("{NEW_FUNCTION}")
def test_{NEW_FUNCTION}_keeps_positive_values(hw):
    np.testing.assert_array_equal(hw.{NEW_FUNCTION}(np.array([1.0, 2.0])), [1.0, 2.0])
"""


NEW_HIDDEN_TEST = f"""


@pytest.mark.grades("{NEW_FUNCTION}")
def test_{NEW_FUNCTION}_agrees_with_solution(hw, ref):
    agree(hw, ref, "{NEW_FUNCTION}", np.array([-2.0, 0.0, 3.0]), names=("x",))
"""


def add_new_solution(root: Path) -> None:
    """:data:`NEW_FUNCTION` written in the solutions, the handout regenerated."""
    solutions = root / "solutions" / "hw.py"
    solutions.write_text(solutions.read_text(encoding="utf-8") + NEW_SOLUTION, encoding="utf-8")
    stubgen.write_stub(root)


def add_new_points(root: Path) -> None:
    """2 points for :data:`NEW_FUNCTION` (from the function with the most), handout regenerated."""
    toml = root / "autograder" / "assignment.toml"
    config = load_config(toml)
    donor = max(config.functions, key=config.points)
    toml.write_text(add_points(toml.read_text(), donor, NEW_FUNCTION, 2, taken=2))
    assert stubgen.main(["--root", str(root)]) == 0  # the handout's points follow


def describe_new_function(root: Path) -> None:
    """:data:`NEW_FUNCTION` described in the assignment (student/README.md)."""
    readme = root / "student" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8")
                      + f"\n| `{NEW_FUNCTION}(x, alpha=0.01)` | a leaky ReLU |\n", encoding="utf-8")


def probe_new_function(root: Path) -> None:
    """Probe inputs of :data:`NEW_FUNCTION` in autograder/mistakes/probes.py."""
    probes = root / "autograder" / "mistakes" / "probes.py"
    probes.write_text(probes.read_text(encoding="utf-8") + f"""
PROBES["{NEW_FUNCTION}"] = [lambda: ((np.array([-2.0, 0.0, 3.0]),), {{}})]
""", encoding="utf-8")


def append_test(path: Path, test: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + test, encoding="utf-8")


def public_test_file(root: Path, function: str) -> Path:
    """The public test file holding the tests of ``function``."""
    for path in sorted((root / "student" / "tests").glob("test_*.py")):
        if f'@pytest.mark.grades("{function}"' in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError(f"no public test file grades {function}")


def refused(root: Path, out: Path, functions: list[str] | None = None) -> str:
    """The message of the build's refusal; checks that nothing was written."""
    with pytest.raises(build_mod.BuildError) as info:
        build_mod.build(out, root=root, functions=functions)
    assert not out.exists() or not list(out.iterdir())
    return str(info.value)


def test_build_refuses_points_for_a_function_no_test_grades(tmp_path: Path) -> None:
    """(1) The documented first step of adding a function: its solution and its points,
    before its tests. The zip would give every submission one "Autograder error"."""
    root = copy_project(tmp_path / "project")
    add_new_solution(root)
    add_new_points(root)
    describe_new_function(root)
    probe_new_function(root)
    message = refused(root, tmp_path / "dist")
    assert f"no test grades {NEW_FUNCTION}()" in message  # what `autograder run` says
    assert "the grading engine failed" in message
    assert f"Fix: write the tests of {NEW_FUNCTION}()" in message
    assert f'@pytest.mark.grades("{NEW_FUNCTION}")' in message
    assert message.count("no test grades") == 1  # told once, not once per submission


def test_build_refuses_tests_for_a_function_without_points(tmp_path: Path) -> None:
    """(2) Tests written first: marked for a function that has no points (and no solution)."""
    root = copy_project(tmp_path / "project")
    tests = public_test_file(root, "relu")
    tests.write_text(tests.read_text(encoding="utf-8") + NEW_TEST, encoding="utf-8")
    message = refused(root, tmp_path / "dist")
    assert f"grades '{NEW_FUNCTION}', which assignment.toml does not grade" in message
    assert f"test_{NEW_FUNCTION}_keeps_positive_values" in message
    assert f"Fix: give {NEW_FUNCTION} points in assignment.toml" in message


def test_build_refuses_a_solution_function_without_points_or_tests(tmp_path: Path) -> None:
    """(3) A function in solutions/hw.py (so in the stub) that nothing grades."""
    root = copy_project(tmp_path / "project")
    add_new_solution(root)
    message = refused(root, tmp_path / "dist")
    assert f"solutions/hw.py defines {NEW_FUNCTION}(), which assignment.toml gives no points" in (
        message
    )
    assert f"Fix: give it points in a part of [[parts]] ({NEW_FUNCTION} = N" in message
    assert f"_{NEW_FUNCTION}" in message  # or: a helper, named with a leading underscore
    # with its tests written too, the same refusal (the points are what is missing)
    tests = public_test_file(root, "relu")
    tests.write_text(tests.read_text(encoding="utf-8") + NEW_TEST, encoding="utf-8")
    assert "gives no points" in refused(root, tmp_path / "dist")


def test_build_refuses_a_function_the_assignment_does_not_describe(tmp_path: Path) -> None:
    """(5) Solution, points and tests, but student/README.md never explains the function."""
    root = copy_project(tmp_path / "project")
    add_new_solution(root)
    add_new_points(root)
    probe_new_function(root)
    message = refused(root, tmp_path / "dist")
    assert f"student/README.md does not describe {NEW_FUNCTION}()" in message
    assert f"| `{NEW_FUNCTION}(...)` |" in message
    assert release_check.recipe_step("student/README.md") in message


def test_build_refuses_a_function_without_probe_inputs(tmp_path: Path) -> None:
    """(6) The recipe's step the first instructor skipped: no PROBES entry. The build says
    which file and which step (the project's tests would fail otherwise)."""
    root = copy_project(tmp_path / "project")
    add_new_solution(root)
    add_new_points(root)
    describe_new_function(root)
    append_test(public_test_file(root, "relu"), NEW_TEST)
    message = refused(root, tmp_path / "dist")
    assert f"{NEW_FUNCTION}() has no probe inputs in autograder/mistakes/probes.py" in message
    assert f'Fix: add PROBES["{NEW_FUNCTION}"]' in message
    assert release_check.recipe_step("autograder/mistakes/probes.py") in message
    assert '"Adding a graded function", step ' in message


def test_build_refuses_a_function_without_a_hidden_test(tmp_path: Path) -> None:
    """(7) Public tests only: its public points would count without a check on inputs the
    students have not seen. Found by the release check (tests may be generated)."""
    root = copy_project(tmp_path / "project")
    add_new_solution(root)
    add_new_points(root)
    describe_new_function(root)
    probe_new_function(root)
    append_test(public_test_file(root, "relu"), NEW_TEST)
    message = refused(root, tmp_path / "dist", functions=[NEW_FUNCTION])
    assert f"The zip has no hidden test of {NEW_FUNCTION}()" in message
    assert f"Fix: write hidden tests of {NEW_FUNCTION}() in autograder/hidden_tests/" in message
    assert release_check.recipe_step("autograder/hidden_tests/") in message
    # with a hidden test too, the build goes through
    append_test(root / "autograder" / "hidden_tests" / "test_part3_layers.py", NEW_HIDDEN_TEST)
    lines: list[str] = []
    build_mod.build(tmp_path / "dist-ok", root=root, functions=[NEW_FUNCTION], log=lines.append)
    assert lines == ["checked with the zip's engine: solutions 2 / 2, stubs 0 / 2"]


def test_build_refuses_handout_requirements_off_the_list_of_versions(tmp_path: Path) -> None:
    """(8) student/requirements.txt edited by hand: stale against versions.toml."""
    root = copy_project(tmp_path / "project")
    reqs = root / "student" / "requirements.txt"
    reqs.write_text(reqs.read_text(encoding="utf-8").replace("hypothesis==", "hypothesis>="))
    message = refused(root, tmp_path / "dist")
    assert "student/requirements.txt: out of date with autograder/release/versions.toml" in (
        message
    )
    assert "run `autograder stubs`" in message
    assert release_check.recipe_step("autograder stubs") in message
    assert stubgen.main(["--root", str(root)]) == 0
    assert stubgen.out_of_date(root) == []


def test_build_refuses_a_dev_install_off_the_list_of_versions(tmp_path: Path) -> None:
    """(9) pyproject.toml pins another pytest than the zip: the build names the file."""
    root = copy_project(tmp_path / "project")
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pytest_pin = versions.load().get("pytest")
    assert pytest_pin is not None
    edited = text.replace(f'"pytest=={pytest_pin.version}"', '"pytest>=7.4"')
    assert edited != text
    (root / "pyproject.toml").write_text(edited, encoding="utf-8")
    message = refused(root, tmp_path / "dist")
    assert "pyproject.toml: its dependencies differ from autograder/release/versions.toml" in (
        message
    )
    assert "python -m autograder.release.versions" in message


def replace_solution_block(root: Path, function: str, body: str) -> None:
    """The solution block of ``function`` replaced by ``body`` (one line), stub regenerated."""
    path = root / "solutions" / "hw.py"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"def {function}(")
    begin = text.index("# BEGIN SOLUTION", start)
    end = text.index("# END SOLUTION", begin)
    indent = text[text.rindex("\n", 0, begin) + 1 : begin]
    path.write_text(text[:begin] + f"# BEGIN SOLUTION\n{indent}{body}\n{indent}" + text[end:])
    stubgen.write_stub(root)


def test_build_refuses_solutions_short_of_the_maximum(tmp_path: Path) -> None:
    """(4a) A wrong solution (the hidden tests compare with it, the public ones do not)."""
    root = copy_project(tmp_path / "project")
    replace_solution_block(root, "relu_backward", "return np.zeros_like(np.asarray(x, float))")
    points = load_config().points("relu_backward")
    message = refused(root, tmp_path / "dist", functions=["relu_backward"])
    assert "The solutions get " in message and f" / {points:g} with the built zip" in message
    assert "These tests lost points:" in message and "relu_backward" in message
    assert "Fix: correct solutions/hw.py" in message


def test_build_refuses_stubs_that_earn_points(tmp_path: Path) -> None:
    """(4b) A test that an empty hw.py passes: points not earned by right values."""
    root = copy_project(tmp_path / "project")
    hidden = sorted((root / "autograder" / "hidden_tests").glob("test_*.py"))[0]
    function = load_config().functions[0]
    hidden.write_text(
        hidden.read_text(encoding="utf-8")
        + f"\n\n@pytest.mark.grades({function!r})\ndef test_it_is_defined(hw):\n"
        f"    assert callable(hw.{function})\n",
        encoding="utf-8",
    )
    message = refused(root, tmp_path / "dist", functions=[function])
    assert "The stubs get " in message and "an empty hw.py must get 0" in message
    assert "test_it_is_defined" in message
    assert "Fix: make these tests fail unless the function returns right values" in message


def test_build_refuses_a_stale_points_table(tmp_path: Path) -> None:
    """The handout's points are generated: a points change without `autograder stubs`
    stops the build; `autograder stubs` brings the handout up to date."""
    root = copy_project(tmp_path / "project")
    toml = root / "autograder" / "assignment.toml"
    text, _, _ = move_points(toml.read_text(), load_config(toml))
    toml.write_text(text)
    message = refused(root, tmp_path / "dist")
    assert "student/tests/points.json" in message and "student/README.md" in message
    assert "run `autograder stubs`" in message
    assert stubgen.main(["--root", str(root)]) == 0
    assert stubgen.out_of_date(root) == []


def test_handout_carries_the_points_of_the_shipped_config(tmp_path: Path) -> None:
    """The README table and the checklist's points.json in both zips follow the
    configuration the zip ships (here another file, two functions' points changed)."""
    other = tmp_path / "other.toml"
    text, giver, taker = move_points(paths.ASSIGNMENT_TOML.read_text(), load_config())
    other.write_text(text)
    changed = load_config(other)
    ag_zip, handout_zip = build_mod.build(
        tmp_path / "dist", config_path=other, functions=[giver, taker]
    )
    readme_text = (ROOT / "student" / "README.md").read_text(encoding="utf-8")
    for path in (ag_zip, handout_zip):
        with zipfile.ZipFile(path) as zf:
            points = json.loads(zf.read("student/tests/points.json"))
            readme = zf.read("student/README.md").decode("utf-8")
        assert points == handout.points_data(changed)
        assert readme == handout.render_readme(readme_text, changed)
        for function in (giver, taker):
            assert f"| `{function}` | {changed.points(function):g} |" in readme


# ---------------------------------------------------------------------------- the plugin


def test_quarantine_moves_only_student_files_and_a_lone_zip_is_graded_as_a_zip(
    tmp_path: Path,
) -> None:
    source, submission = tmp_path / "source", tmp_path / "submission"
    (source / "tests").mkdir(parents=True)
    (source / "tests" / "README.md").write_text("x")
    shutil.copytree(source / "tests", submission / "tests")
    (submission / "__init__.py").write_text("")
    (submission / PLACEHOLDER_NOTEBOOK).write_text("{}")
    (submission / "hw.zip").write_bytes(b"PK")
    staging = tmp_path / "engine_submission"
    moved = otter_plugin.quarantine_submission(submission, staging, source)
    assert moved == ["hw.zip"]
    assert sorted(p.name for p in submission.iterdir()) == sorted(
        ["tests", "__init__.py", PLACEHOLDER_NOTEBOOK]
    )
    assert otter_plugin.engine_input(staging) == staging / "hw.zip"
    (staging / "notes.txt").write_text("hi")
    assert otter_plugin.engine_input(staging) == staging
    # anything that appears in the submission folder afterwards is removed
    (submission / "otter.py").write_text("planted")
    (submission / "pkg").mkdir()
    assert otter_plugin.purge_submission(submission, source) == ["otter.py", "pkg"]
    assert sorted(p.name for p in submission.iterdir()) == sorted(
        ["tests", "__init__.py", PLACEHOLDER_NOTEBOOK]
    )


# ---------------------------------------------------------------------------- equivalence


def check_seen(seen: dict[str, Any], label: str) -> None:
    """otter found only its placeholder, executed an empty notebook, and the folder its
    kernel starts in held none of the student's files."""
    assert seen["resolved"] == PLACEHOLDER_NOTEBOOK, label
    assert seen["executed"].cells == [], label
    assert set(seen["kernel_cwd"]) <= {"__init__.py", "tests", PLACEHOLDER_NOTEBOOK}, label


@pytest.mark.parametrize("which", ["solutions", "stubs"])
def test_release_zip_grades_solutions_and_stubs_like_autograder_run(
    which: str, built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release zip (all functions): solutions 100/100 uploaded as hw.py, stubs 0/100
    uploaded as a zip of a folder; the same results both ways."""
    ag_zip, _ = built
    solution = (ROOT / "solutions" / "hw.py").read_text(encoding="utf-8")
    if which == "solutions":
        upload = tmp_path / "hw.py"
        upload.write_text(solution)
    else:
        upload = zip_of(
            tmp_path / "folder.zip",
            {"hw_submission/hw.py": make_stub(solution), "hw_submission/notes.txt": "x"},
        )
    direct = autograder_run(upload, tmp_path / "direct.json")
    via_otter, seen = otter_run_inprocess(ag_zip, upload, tmp_path / "otter", monkeypatch)
    assert comparable(via_otter) == comparable(direct)
    check_seen(seen, which)
    assert direct["score"] == pytest.approx(TOTAL_POINTS if which == "solutions" else 0.0)
    assert sum(t["max_score"] for t in direct["tests"]) == pytest.approx(TOTAL_POINTS)
    assert {t["status"] for t in direct["tests"]} == (
        {"passed"} if which == "solutions" else {"failed"}
    )
    assert {t["visibility"] for t in direct["tests"]} >= {"visible"}
    assert len(per_test_records(direct)) > 200  # every test's record
    # one entry per function and visibility (the checks you can run, the hidden ones)
    assert len(direct["tests"]) == 2 * len(load_config().functions)


def uploads(tmp: Path) -> dict[str, tuple[Path, str]]:
    """How Gradescope may deliver a submission -> (the upload, expected outcome)."""
    solution = (ROOT / "solutions" / "hw.py").read_text(encoding="utf-8")
    stub = make_stub(solution)
    tmp.mkdir(parents=True, exist_ok=True)
    buggy = tmp / "my_homework.py"  # not called hw.py, but the only .py
    buggy.write_text(solution + BUG)
    in_folder = zip_of(tmp / "folder.zip", {"hw/hw.py": stub, "hw/train.py": "# not graded"})
    missing = zip_of(tmp / "missing.zip", {"README.txt": "I forgot the file"})
    return {
        "stubs beside another .py, inside a folder, in a zip": (in_folder, "zero"),
        "buggy relu, under another name": (buggy, "partial"),
        "no .py file at all": (missing, "explained"),
    }


def test_gradescope_zip_grades_stubs_buggy_and_odd_uploads_like_autograder_run(
    built_fast: tuple[Path, Path],
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A zip built with --functions (to keep this test fast) and its own configuration:
    same results both ways."""
    ag_zip, _ = built_fast
    config = fast_config(project)
    hidden_visibility = load_config(config).hidden_visibility
    for i, (label, (upload, outcome)) in enumerate(uploads(tmp_path / "uploads").items()):
        direct = autograder_run(upload, tmp_path / f"direct{i}.json", FAST, config)
        via_otter, seen = otter_run_inprocess(ag_zip, upload, tmp_path / f"otter{i}", monkeypatch)
        assert comparable(via_otter) == comparable(direct), label
        check_seen(seen, label)
        on_gradescope = gradescope_entry_run(ag_zip, upload, tmp_path / f"gradescope{i}")
        assert comparable(on_gradescope) == comparable(direct), label
        possible = sum(t.get("max_score", 0.0) for t in direct["tests"])
        if outcome == "explained":
            assert direct["score"] == 0.0, label
            assert direct["tests"][0]["tags"][0] == "submission", label
            assert "hw.py" in direct["tests"][0]["output"], label
            continue
        assert {t["tags"][0] for t in direct["tests"]} == set(FAST), label
        assert {t["visibility"] for t in direct["tests"] if "hidden" in t["tags"]} == {
            hidden_visibility
        }, label
        assert possible == pytest.approx(FAST_POINTS), label
        if outcome == "zero":
            assert direct["score"] == 0.0, label
        else:
            failed = {t["tags"][0] for t in direct["tests"] if t["status"] == "failed"}
            assert failed == {"relu"}, label
            assert 0 < direct["score"] < possible, label


def test_real_otter_run_with_a_hostile_upload(
    built_fast: tuple[Path, Path], project: Path, tmp_path: Path
) -> None:
    """``otter run`` itself (kernel included) grades like ``autograder run``, and a
    submitted ``otter.py`` is never imported by otter's kernel."""
    python = kernel_python()
    if python is None:
        pytest.skip(
            "otter run needs a Jupyter kernel: install otter-grader[grading] (ipykernel) "
            "or set AUTOGRADER_OTTER_PYTHON; the in-process otter runner tests cover the rest"
        )
    ag_zip, _ = built_fast
    marker = tmp_path / "PWNED"
    hostile = f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran in otter')\n"
    solution = (ROOT / "solutions" / "hw.py").read_text(encoding="utf-8")
    upload = zip_of(tmp_path / "upload.zip", {"hw.py": solution, "otter.py": hostile})
    via_otter = otter_run_cli(python, ag_zip, upload, tmp_path / "otter")
    assert not marker.exists(), "otter's kernel imported the student's otter.py"
    direct = autograder_run(upload, tmp_path / "direct.json", FAST, fast_config(project))
    assert comparable(via_otter) == comparable(direct)
    assert direct["score"] == pytest.approx(FAST_POINTS)


def test_grades_survive_when_otter_fails_after_the_engine(
    built_fast: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If otter's kernel cannot run, the results.json the plugin wrote stays in place."""
    from otter.run.run_autograder import main as run_autograder
    from otter.run.run_autograder.runners import python_runner

    ag_zip, _ = built_fast
    ag_dir = tmp_path / "autograder"
    for sub in ("source", "submission", "results"):
        (ag_dir / sub).mkdir(parents=True)
    (ag_dir / "submission_metadata.json").write_text("{}")
    with zipfile.ZipFile(ag_zip) as zf:
        zf.extractall(ag_dir / "source")
    (ag_dir / "submission" / "notes.txt").write_text("no homework here")

    def no_kernel(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("No such kernel named python3")

    monkeypatch.setattr(python_runner, "grade_notebook", no_kernel)
    with pytest.raises(RuntimeError, match="No such kernel"):
        run_autograder(str(ag_dir), otter_run=True, logo=False)
    written = json.loads((ag_dir / "results" / "results.json").read_text())
    assert written == json.loads((ag_dir / "results" / "engine_results.json").read_text())
    assert written["score"] == 0.0
    assert written["tests"][0]["tags"][0] == "submission"
    assert "hw.py" in written["tests"][0]["output"]


def test_the_gradescope_entry_writes_results_whatever_happens(tmp_path: Path) -> None:
    """No submission folder at all (Gradescope's layout broken): still a results.json that
    says the autograder failed, not the student."""
    from autograder.release.gradescope import run_autograder

    (tmp_path / "results").mkdir()
    assert run_autograder.main([str(tmp_path)]) == 1
    written = json.loads((tmp_path / "results" / "results.json").read_text())
    assert written["score"] == 0.0
    assert "The autograder itself failed" in written["tests"][0]["output"]
    assert "FileNotFoundError" in written["extra_data"]["engine_error"]


def test_a_release_zip_names_its_functions_for_the_gradescope_entry(
    built_fast: tuple[Path, Path], tmp_path: Path
) -> None:
    from autograder.release.gradescope.run_autograder import release_functions

    ag_zip, _ = built_fast
    with zipfile.ZipFile(ag_zip) as zf:
        zf.extract("otter_config.json", tmp_path)
    assert release_functions(tmp_path) == FAST
    assert release_functions(tmp_path / "nowhere") is None
