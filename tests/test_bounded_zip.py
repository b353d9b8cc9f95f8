"""Untrusted zips on the instructor's side: bounded in members, sizes and ratio, streamed.

Real bombs (``tests/zipbombs.py``): a 10 GB ``hw.py`` in 10 MB, one whose header lies about
its size, one compressed 1000 to 1 within the size limit, and an end record that claims a
huge directory. A bomb among a class's submissions, or inside a Gradescope export, gets a
clear message and every other submission is graded.
"""

from __future__ import annotations

import json
import resource
import shutil
from pathlib import Path

import pytest
from zipbombs import write_bomb, write_directory_bomb

from autograder import paths
from autograder.classroom import batch
from autograder.intake import bounded_zip, gradescope_export
from autograder.intake.submission import (
    SubmissionNotFound,
    find_submission,
    read_graded,
)

TEN_GB_MIB = 10 * 1024


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10 MB zip whose hw.py is 10 GB of zeros once extracted (a valid zip, right CRC)."""
    return write_bomb(tmp_path_factory.mktemp("bomb") / "mallory.zip", [("hw.py", TEN_GB_MIB)])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_10_gb_bomb_is_refused_from_its_directory(bomb: Path, tmp_path: Path) -> None:
    before = _peak_mb()
    with pytest.raises(SubmissionNotFound, match=r"'hw.py' is too large once extracted \(10\.0 GB"):
        find_submission(bomb, extract_dir=tmp_path / "x")
    assert not list((tmp_path / "x").rglob("*.py"))
    problem = batch.check_submission(bomb)
    assert problem is not None and "10.0 GB" in problem and "zip bomb" in problem
    # nothing was graded, so a report shows nothing of it (it reads through the same limits)
    assert read_graded(bomb, "hw.py") is None
    assert _peak_mb() - before < 200


def test_a_bomb_that_lies_about_its_size_is_stopped_by_what_it_produces(tmp_path: Path) -> None:
    """The header says 4 MB (under the limit), the stream holds 64 MB: never more than the
    declared size is produced, and the CRC gives it away."""
    liar = write_bomb(tmp_path / "liar.zip", [("hw.py", 64)], declared={"hw.py": 4 * 2**20})
    with pytest.raises(SubmissionNotFound, match="corrupt"):
        find_submission(liar, extract_dir=tmp_path / "x")
    assert not (tmp_path / "x" / "hw.py").exists()


def test_a_member_compressed_too_well_is_refused(tmp_path: Path) -> None:
    dense = write_bomb(tmp_path / "dense.zip", [("hw.py", 4)])  # 4 MB, under 5 MB per file
    with pytest.raises(SubmissionNotFound, match=r"compressed \d+ to 1 \(at most 100 to 1"):
        find_submission(dense, extract_dir=tmp_path / "x")
    fine = write_bomb(tmp_path / "fine.zip", [("hw.py", b"x = 1\n" * 1000)])  # small: any ratio
    assert find_submission(fine, extract_dir=tmp_path / "y").read_text().startswith("x = 1")


def test_a_huge_directory_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    for entries in (0xFFFF, 50_000):
        fake = write_directory_bomb(tmp_path / f"dir{entries}.zip", entries)
        with pytest.raises(bounded_zip.ZipRefused, match="at most 2000 files"):
            bounded_zip.open_zip(fake)
        assert "at most 2000 files" in (batch.check_submission(fake) or "")


def _class_folder(tmp_path: Path, bomb: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(paths.SOLUTIONS_HW, folder / "ada.py")
    shutil.copy(paths.STUDENT_HW, folder / "bob.py")
    shutil.copy(bomb, folder / "mallory.zip")
    return folder


def test_a_bomb_among_a_class_gets_a_message_and_the_rest_grade(
    bomb: Path, tmp_path: Path
) -> None:
    before = _peak_mb()
    summary = batch.grade(_class_folder(tmp_path, bomb), tmp_path / "out", jobs=1,
                          progress=False)
    by_id = {g.id: g for g in summary.graded}
    assert by_id["mallory"].status == "bad_input"
    assert "too large once extracted (10.0 GB" in by_id["mallory"].message
    assert (by_id["ada"].status, by_id["ada"].results["score"]) == ("graded", 100)
    assert (by_id["bob"].status, by_id["bob"].results["score"]) == ("graded", 0)
    assert _peak_mb() - before < 200


def test_an_export_with_a_bomb_inside_grades_the_others(bomb: Path, tmp_path: Path) -> None:
    """A 10 GB hw.py among a Gradescope export's uploads: left out, noted, and that one
    submission gets the reason; the export is read and the other submissions graded."""
    meta = (
        "submission_1:\n  :submitters:\n  - :name: Ada\n    :sid: '1'\n"
        "submission_2:\n  :submitters:\n  - :name: Mallory\n    :sid: '2'\n"
    )
    export = write_bomb(tmp_path / "export.zip", [
        ("assignment_9_export/submission_metadata.yml", meta.encode()),
        ("assignment_9_export/submission_1/hw.py", paths.SOLUTIONS_HW.read_bytes()),
        ("assignment_9_export/submission_2/hw.py", TEN_GB_MIB),
    ])
    assert gradescope_export.is_export_zip(export)
    summary = batch.grade(export, tmp_path / "out", jobs=1, progress=False)
    by_id = {g.id: g for g in summary.graded}
    assert by_id["submission_1"].status == "graded"
    assert by_id["submission_1"].results["score"] == 100
    mallory = by_id["submission_2"]
    assert mallory.status == "bad_input" and mallory.name == "Mallory"
    assert mallory.message.startswith("hw.py was not extracted from the export")
    assert "10.0 GB" in mallory.message
    results = json.loads(
        (tmp_path / "out" / "submissions" / "submission_2" / "results.json").read_text()
    )
    assert "10.0 GB" in results["tests"][0]["output"]
