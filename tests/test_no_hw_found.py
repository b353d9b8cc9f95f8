"""A folder without hw.py is never graded as another file (issue 23): a folder holding only
``train.py`` and notes was graded as if train.py were hw.py. The handout's provided files
(``train.py``, ``timbre.py``) are never taken for the homework; a lone ``.py`` file under
another name still is."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from autograder import paths
from autograder.intake.submission import PROVIDED_FILES, SubmissionNotFound, find_submission


def _write(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_provided_files_are_the_handouts_code() -> None:
    handout = {p.name for p in paths.STUDENT_DIR.glob("*.py")} - {"hw.py"}
    assert set(PROVIDED_FILES) == handout


def test_a_folder_with_only_train_py_and_notes_is_not_graded(tmp_path: Path) -> None:
    _write(tmp_path / "sub" / "train.py")
    _write(tmp_path / "sub" / "notes.txt", "my notes")
    with pytest.raises(SubmissionNotFound) as refused:
        find_submission(tmp_path / "sub")
    assert str(refused.value).startswith("no hw.py found (found: train.py, notes.txt)")


def test_both_provided_files_and_nested_ones_are_refused_too(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "train.py")
    _write(tmp_path / "a" / "timbre.py")
    with pytest.raises(SubmissionNotFound, match=r"timbre\.py and train\.py are provided"):
        find_submission(tmp_path / "a")
    _write(tmp_path / "b" / "week3" / "timbre.py")
    with pytest.raises(SubmissionNotFound, match=r"no hw\.py found \(found: week3/timbre\.py\)"):
        find_submission(tmp_path / "b")


def test_a_zip_of_train_py_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("train.py", "print('training')\n")
        zf.writestr("notes.txt", "notes")
    with pytest.raises(SubmissionNotFound, match=r"no hw\.py found \(found: train\.py, notes"):
        find_submission(archive, extract_dir=tmp_path / "out")


def test_a_lone_py_file_under_another_name_is_still_the_homework(tmp_path: Path) -> None:
    target = _write(tmp_path / "HW_final.py")
    _write(tmp_path / "notes.txt")
    assert find_submission(tmp_path) == target
    _write(tmp_path / "train.py")  # now two .py files: which one is meant is unclear
    with pytest.raises(SubmissionNotFound, match=r"several other \.py files"):
        find_submission(tmp_path)


def test_a_py_file_handed_in_directly_is_graded_whatever_its_name(tmp_path: Path) -> None:
    target = _write(tmp_path / "hw (1).py")
    assert find_submission(target) == target
