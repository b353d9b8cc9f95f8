"""autograder/intake/submission.py: finding hw.py in a file, a folder or a zip."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from autograder.intake.submission import SubmissionNotFound, find_submission, unusable_reason

CODE = "def softmax(z, axis=-1):\n    return z\n"


def _write(path: Path, text: str = CODE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def test_a_py_file_is_the_submission_whatever_its_name(tmp_path: Path) -> None:
    assert find_submission(_write(tmp_path / "hw.py")) == tmp_path / "hw.py"
    assert find_submission(_write(tmp_path / "hw (1).py")) == tmp_path / "hw (1).py"


def test_folder_with_hw_at_top_wins_over_nested_and_other_files(tmp_path: Path) -> None:
    _write(tmp_path / "hw.py")
    _write(tmp_path / "old" / "hw.py")
    _write(tmp_path / "notes.py")
    assert find_submission(tmp_path) == tmp_path / "hw.py"


def test_nested_hw_is_found(tmp_path: Path) -> None:
    target = _write(tmp_path / "homework" / "src" / "hw.py")
    _write(tmp_path / "homework" / "README.md", "hi")
    assert find_submission(tmp_path) == target


def test_shallowest_nested_hw_wins_but_a_tie_is_ambiguous(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "hw.py")
    _write(tmp_path / "a" / "b" / "hw.py")
    assert find_submission(tmp_path) == tmp_path / "a" / "hw.py"
    _write(tmp_path / "c" / "hw.py")
    with pytest.raises(SubmissionNotFound, match=r"several hw\.py"):
        find_submission(tmp_path)


def test_only_py_file_under_another_name(tmp_path: Path) -> None:
    target = _write(tmp_path / "HW_final.py")
    _write(tmp_path / "data.csv", "1,2")
    assert find_submission(tmp_path) == target


def test_several_other_py_files_are_ambiguous(tmp_path: Path) -> None:
    _write(tmp_path / "a.py")
    _write(tmp_path / "b.py")
    with pytest.raises(SubmissionNotFound, match=r"name your homework file hw\.py"):
        find_submission(tmp_path)


def test_debris_folders_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path / "__MACOSX" / "hw.py")
    _write(tmp_path / ".ipynb_checkpoints" / "hw.py")
    target = _write(tmp_path / "sub" / "hw.py")
    assert find_submission(tmp_path) == target


def test_missing_and_empty_and_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(SubmissionNotFound, match="does not exist"):
        find_submission(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionNotFound, match=r"no hw\.py"):
        find_submission(tmp_path / "empty")
    with pytest.raises(SubmissionNotFound, match="not a Python file"):
        find_submission(_write(tmp_path / "hw.txt"))


def test_zip_is_extracted_and_searched(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "sub.zip", {"my_hw/hw.py": CODE, "my_hw/notes.txt": "x"})
    found = find_submission(archive, extract_dir=tmp_path / "out")
    assert found == tmp_path / "out" / "my_hw" / "hw.py"
    assert found.read_text() == CODE
    assert not (tmp_path / "out" / "my_hw" / "notes.txt").exists()  # only .py extracted


def test_zip_without_extract_dir_uses_a_temporary_folder(tmp_path: Path) -> None:
    found = find_submission(_zip(tmp_path / "s.zip", {"hw.py": CODE}))
    try:
        assert found.name == "hw.py" and found.read_text() == CODE
        assert tmp_path not in found.parents
    finally:
        import shutil

        shutil.rmtree(found.parent)


@pytest.mark.parametrize("name", ["../evil.py", "a/../../evil.py", "/abs/hw.py", "C:/x/hw.py"])
def test_zip_path_traversal_is_refused(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), CODE)
    with pytest.raises(SubmissionNotFound, match="unsafe"):
        find_submission(archive, extract_dir=tmp_path / "out")
    assert not (tmp_path / "evil.py").exists()


def test_zip_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("hw.py")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(SubmissionNotFound, match="unsafe"):
        find_submission(archive, extract_dir=tmp_path / "out")


def test_corrupt_zip(tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionNotFound, match="not a valid zip"):
        find_submission(bad, extract_dir=tmp_path / "out")


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import autograder.intake.submission as submission

    monkeypatch.setattr(submission, "ZIP_LIMITS",
                        dataclasses.replace(submission.ZIP_LIMITS, max_member_bytes=1000))
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("hw.py", "#" * 100_000)
    with pytest.raises(SubmissionNotFound, match="too large"):
        find_submission(archive, extract_dir=tmp_path / "out")


def test_zip_with_too_many_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import autograder.intake.submission as submission

    monkeypatch.setattr(submission, "ZIP_LIMITS",
                        dataclasses.replace(submission.ZIP_LIMITS, max_members=3))
    archive = _zip(tmp_path / "many.zip", {f"f{i}.txt": "x" for i in range(5)})
    with pytest.raises(SubmissionNotFound, match="at most 3"):
        find_submission(archive, extract_dir=tmp_path / "out")


@pytest.mark.parametrize(
    "content, pattern",
    [
        ("def relu(x):\n    return x\n".encode("utf-16"), "UTF-16"),
        ("def relu(x):\n    return x\n".encode("utf-16-le"), "UTF-16"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "binary"),
        (b'{\n "cells": [{"cell_type": "code", "source": []}],\n "nbformat": 4\n}', "notebook"),
    ],
)
def test_files_that_are_not_python_source_are_named(
    tmp_path: Path, content: bytes, pattern: str
) -> None:
    hw = tmp_path / "hw.py"
    hw.write_bytes(content)
    assert pattern in (unusable_reason(hw) or "")


@pytest.mark.parametrize(
    "content",
    [
        b"def relu(x):\n    return x\n",
        "\ufeffdef relu(x):\n    return x  # caf\u00e9\n".encode(),  # UTF-8 with a BOM
        b"# -*- coding: latin-1 -*-\ndef relu(x):\n    return x  # caf\xe9\n",
        b"",
        b'CONFIG = {"cell_type": 1}\n',  # a dict literal is not a notebook
    ],
)
def test_python_sources_are_left_to_the_import(tmp_path: Path, content: bytes) -> None:
    hw = tmp_path / "hw.py"
    hw.write_bytes(content)
    assert unusable_reason(hw) is None
