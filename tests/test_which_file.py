"""One rule for "which file was graded": the engine's, recorded in results.json and shown.

The engine finds ``hw.py`` (:func:`autograder.intake.submission.find_submission`), records the
file it graded as ``extra_data.submission_file`` and the reports show exactly that file
(:func:`autograder.intake.submission.read_graded`, which follows no link): the batch never shows
a file the engine did not grade, nor hides the one it did.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder import paths
from autograder.classroom import batch
from autograder.intake import bounded_zip
from autograder.intake.submission import (
    SubmissionNotFound,
    find_submission,
    graded_name,
    read_graded,
)


def _solution_lines() -> list[str]:
    """Lines of the reference solution that no stub or report would otherwise contain."""
    stub = set(paths.STUDENT_HW.read_text(encoding="utf-8").splitlines())
    return [
        line.strip()
        for line in paths.SOLUTIONS_HW.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 30 and line not in stub and not line.strip().startswith("#")
    ]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class with the three cases that once disagreed, graded by the real engine."""
    base = tmp_path_factory.mktemp("which-file")
    subs = base / "subs"
    two = subs / "two_hw_files"
    for sub in ("a", "b"):
        (two / sub).mkdir(parents=True)
        shutil.copy(paths.STUDENT_HW, two / sub / "hw.py")
    hidden = subs / "hidden_helper"
    (hidden / ".hidden").mkdir(parents=True)
    (hidden / ".hidden" / "helper.py").write_text("x = 1\n")
    shutil.copy(paths.STUDENT_HW, hidden / "hw_final.py")
    linked = subs / "symlinked_hw"
    linked.mkdir()
    os.symlink(paths.SOLUTIONS_HW, linked / "hw.py")
    batch.grade(subs, base / "out", jobs=2, progress=False)
    return base / "out"


def _results(out: Path, sub_id: str) -> dict:
    return json.loads((out / "submissions" / sub_id / "results.json").read_text())


def test_a_refused_folder_shows_the_refusal_and_no_file(graded_class: Path) -> None:
    data = _results(graded_class, "two_hw_files")
    assert "found several hw.py files" in data["tests"][0]["output"]
    assert "submission_file" not in data.get("extra_data", {})
    page = (graded_class / "submissions" / "two_hw_files" / "report.html").read_text()
    assert "found several hw.py files" in page and "def softmax" not in page


def test_the_report_shows_the_file_the_engine_graded(graded_class: Path) -> None:
    data = _results(graded_class, "hidden_helper")
    assert data["extra_data"]["submission_file"] == "hw_final.py"
    page = (graded_class / "submissions" / "hidden_helper" / "report.html").read_text()
    assert "hw_final.py" in page and '<span class="nf">softmax</span>' in page


def test_a_symlinked_hw_py_never_shows_the_solutions(graded_class: Path) -> None:
    secret = _solution_lines()
    assert secret
    outputs = [p for p in graded_class.rglob("*") if p.is_file()]
    for path in outputs:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{path} shows solution lines: {leaked[:3]}"
    data = _results(graded_class, "symlinked_hw")
    assert data["score"] == 0 and "submission_file" not in data.get("extra_data", {})
    assert "is a symbolic link" in data["tests"][0]["output"]


def test_graded_names_and_reads_follow_the_same_rule(tmp_path: Path) -> None:
    folder = tmp_path / "folder" / "src"
    folder.mkdir(parents=True)
    (folder / "hw.py").write_text("def softmax(z): return z\n")
    hw = find_submission(tmp_path / "folder")
    name = graded_name(tmp_path / "folder", hw)
    assert name == "src/hw.py"
    assert read_graded(tmp_path / "folder", name) == "def softmax(z): return z\n"
    archive = tmp_path / "up.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Homework/hw.py", "x = 2\n")
        zf.writestr("notes.txt", "hi")
    hw = find_submission(archive, extract_dir=tmp_path / "x")
    name = graded_name(archive, hw, tmp_path / "x")
    assert (name, read_graded(archive, name)) == ("Homework/hw.py", "x = 2\n")
    single = tmp_path / "hw (2).py"
    single.write_text("y = 3\n")
    assert graded_name(single, find_submission(single)) == "hw (2).py"
    assert read_graded(single, "hw (2).py") == "y = 3\n"
    for bad in ("../folder/src/hw.py", "/etc/passwd", "src/../../x.py", ""):
        assert read_graded(tmp_path / "folder", bad) is None, bad


def test_a_zip_is_read_by_the_limits_it_was_graded_by(tmp_path: Path) -> None:
    """A member the engine never extracts (a large data file) does not hide the graded
    file from the report: both apply the same limits."""
    archive = tmp_path / "with_data.zip"
    big = bounded_zip.SUBMISSION.max_member_bytes + 2**20
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("hw.py", "z = 1\n")
        zf.writestr("data.bin", os.urandom(big))
    hw = find_submission(archive, extract_dir=tmp_path / "x")
    name = graded_name(archive, hw, tmp_path / "x")
    assert (name, read_graded(archive, name)) == ("hw.py", "z = 1\n")


def test_no_link_is_followed_on_the_way(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    os.symlink(paths.SOLUTIONS_HW.parent, folder / "src")  # a linked folder
    os.symlink(paths.SOLUTIONS_HW, folder / "hw.py")  # a linked file
    assert read_graded(folder, "src/hw.py") is None
    assert read_graded(folder, "hw.py") is None
    with pytest.raises(SubmissionNotFound, match=r"hw\.py in sub is a symbolic link"):
        find_submission(folder)


def test_no_gradable_file_lists_what_was_handed_in(tmp_path: Path) -> None:
    folder = tmp_path / "only_a_notebook"
    folder.mkdir()
    (folder / "hw.ipynb").write_text("{}")
    with pytest.raises(SubmissionNotFound, match=r"no hw\.py .* \(found: hw\.ipynb\)"):
        find_submission(folder)
    archive = tmp_path / "pdf.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("answers.pdf", "%PDF")
    with pytest.raises(SubmissionNotFound, match=r"\(found: answers\.pdf\)"):
        find_submission(archive, extract_dir=tmp_path / "y")
