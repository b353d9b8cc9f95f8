"""autograder/cli.py: the instructor's commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import cli, paths
from autograder.config import load_config
from autograder.grading.results import is_engine_failure


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "build", "grade", "stubs"):
        assert command in out


def test_run_help_documents_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--results" in out and "results.json" in out and "Exit status" in out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_run_grades_writes_results_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res" / "results.json"
    code = cli.main(["run", str(paths.SOLUTIONS_HW), "--results", str(out), "--functions", "relu"])
    assert code == 0
    data = json.loads(out.read_text())
    points = load_config().points("relu")
    assert data["score"] == points and {t["tags"][0] for t in data["tests"]} == {"relu"}
    text = capsys.readouterr().out
    assert "relu" in text and f"Total: {points:g} / {points:g} points" in text
    assert str(out) in text


def test_run_of_a_missing_submission_still_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    code = cli.main(
        ["run", str(tmp_path / "nothing"), "--results", str(out), "--functions", "relu"]
    )
    assert code == 0  # grading finished: the submission is at fault, not the engine
    data = json.loads(out.read_text())
    assert data["tests"][0]["name"] == "Finding hw.py" and data["score"] == 0
    assert "does not exist" in capsys.readouterr().out


def test_run_rejects_unknown_functions_and_bad_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    assert (
        cli.main(["run", str(paths.SOLUTIONS_HW), "--results", str(out), "--functions", "x"]) == 2
    )
    assert "unknown function" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\ncall_timeout = -1\n")
    assert cli.main(["run", str(paths.SOLUTIONS_HW), "--config", str(bad)]) == 2
    assert "call_timeout" in capsys.readouterr().err
    assert not out.exists()


def test_run_exits_nonzero_when_the_engine_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import autograder.grading.plugin

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(autograder.grading.plugin, "GradingPlugin", broken)
    out = tmp_path / "results.json"
    assert cli.main(["run", str(paths.SOLUTIONS_HW), "--results", str(out)]) == 1
    data = json.loads(out.read_text())
    assert is_engine_failure(data) and "engine exploded" in data["output"]
    assert "engine exploded" in capsys.readouterr().err


def test_stubs_check_is_delegated(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["stubs", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_build_refusal_is_delegated_with_its_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\ncall_timeout = -1\n")
    assert cli.main(["build", "--out", str(tmp_path / "dist"), "--config", str(bad)]) == 1
    assert "autograder build: error: invalid grading configuration" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()


def test_missing_delegate_gives_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(cli.DELEGATED, "build", ("autograder.no_such_module", "", ""))
    assert cli.main(["build"]) == 1
    assert "not available" in capsys.readouterr().err


def test_python_dash_m_autograder_runs_out_of_process(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    hw.write_text("def softmax(z, axis=-1:\n    pass\n")
    out = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "run", str(hw), "--results", str(out), "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 0 and "SyntaxError" in data["tests"][0]["output"]
    assert "score 0" in proc.stdout
