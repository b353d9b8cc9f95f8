"""The course's rules in ``autograder grade`` (issue 24): the late rule from an export's
``created_at`` or ``--submitted-at FILE.csv``, extensions, groups, ``gradebook.csv``,
statuses, and a regrade after moving the due date (``changes.csv``).

The grades come from the fake engine of tests/test_batch.py (softmax 60 + adam_step 40
points), so the figures are the batch's; ``test_a_realistic_export_end_to_end`` grades a
realistic export with the real engine. The rule is the course's: due 2025-02-07 23:59
America/Detroit, 1 point per started day.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from test_batch import BUGGY, FAKE_GRADER, GOOD

from autograder import paths
from autograder.classroom import batch

TOML = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
EXTENSIONS = "student,due,extra_days,note\nbo@uni.edu,,2,\n31340,2025-03-10 23:59,,\n"

#: folder -> (students, created_at as Gradescope's export writes it, code)
EXPORT = {
    "submission_1": ([("Ana Student", "ana@uni.edu", "31337")],
                     "2025-02-07 20:00:00.000000000 -05:00", GOOD),               # on time
    "submission_2": ([("Cy One", "cy@uni.edu", "31339")],
                     "2025-02-08 00:00:00.000000000 -05:00", GOOD),               # 1 minute
    "submission_3": ([("Di Two", "di@uni.edu", "31341")],
                     "2025-02-09 00:59:00.000000000 -05:00", GOOD),               # 25 hours
    "submission_4": ([("Ed Dst", "ed@uni.edu", "31342")],
                     "2025-03-10 00:30:00.000000000 -04:00", GOOD),               # DST: 30
    "submission_5": ([("Fay Ext", "fay@uni.edu", "31340")],
                     "2025-03-11 00:00:00.000000000 -04:00", GOOD),               # ext: 1
    "submission_6": ([("Gus Group", "gus@uni.edu", "31343"),
                      ("Bo Partner", "bo@uni.edu", "31338")],                     # group, Bo
                     "2025-02-09 12:00:00.000000000 -05:00", GOOD),               # has 2 days
    "submission_7": ([("Hal Low", "hal@uni.edu", "31344")],
                     "2025-02-20 12:00:00.000000000 -05:00", BUGGY),              # 13 days
    "submission_8": ([("Ivy Zero", "ivy@uni.edu", "31345")],
                     "2025-03-30 12:00:00.000000000 -04:00", BUGGY),              # 51 d > 40 raw
}
#: id -> (days late, penalty, raw total, total)
EXPECTED = {
    "submission_1": (0, 0, 100, 100),
    "submission_2": (1, 1, 100, 99),
    "submission_3": (2, 2, 100, 98),
    "submission_4": (30, 30, 100, 70),
    "submission_5": (1, 1, 100, 99),
    "submission_6": (0, 0, 100, 100),
    "submission_7": (13, 13, 40, 27),
    "submission_8": (51, 40, 40, 0),
}


#: the fake engine, taking (and ignoring) ``--config FILE`` as ``autograder run`` does
FAKE_WITH_CONFIG = (
    "import sys\nif '--config' in sys.argv:\n"
    "    del sys.argv[sys.argv.index('--config'):sys.argv.index('--config') + 2]\n"
    + FAKE_GRADER.replace("from __future__ import annotations\n", "")
)


@pytest.fixture
def fake(tmp_path_factory: pytest.TempPathFactory) -> dict:
    script = tmp_path_factory.mktemp("fake") / "fake_grader.py"
    script.write_text(FAKE_WITH_CONFIG)
    return {"grader_cmd": [sys.executable, str(script)], "jobs": 2, "progress": False}


def course_config(folder: Path, due: str = "2025-02-07T23:59:00") -> Path:
    """The course's assignment.toml with its extensions file named (and ``due``)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = TOML.replace('# extensions = "extensions.csv"', 'extensions = "extensions.csv"')
    text = text.replace("due = 2025-02-07T23:59:00", f"due = {due}")
    assert 'extensions = "extensions.csv"' in text and f"due = {due}" in text
    (folder / "assignment.toml").write_text(text, encoding="utf-8")
    (folder / "extensions.csv").write_text(EXTENSIONS, encoding="utf-8")
    return folder / "assignment.toml"


def make_export(folder: Path, entries: dict = EXPORT) -> Path:
    meta = []
    for name, (people, created, code) in entries.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "hw.py").write_text(code)
        meta.append(f"{name}:\n  :submitters:\n")
        for who, email, sid in people:
            meta.append(f"  - :name: {who}\n    :sid: '{sid}'\n    :email: {email}\n")
        meta.append(f"  :created_at: {created}\n  :score: 0.0\n  :history: []\n")
    (folder / "submission_metadata.yml").write_text("".join(meta))
    return folder


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_an_export_is_graded_with_the_late_rule(tmp_path: Path, fake: dict) -> None:
    export = make_export(tmp_path / "export")
    out = tmp_path / "out"
    batch.grade(export, out, config=course_config(tmp_path / "cfg"), **fake)
    grades = {r["id"]: r for r in rows(out / "grades.csv")}
    got = {k: (int(r["days_late"]), float(r["late_penalty"]), float(r["raw_total"]),
               float(r["total"])) for k, r in grades.items()}
    assert got == EXPECTED
    assert grades["submission_2"]["submitted_at"] == "2025-02-08T00:00:00-05:00"
    assert grades["submission_4"]["submitted_at"] == "2025-03-10T00:30:00-04:00"
    # results.json: the entry, the figures, the score the sum of the entries
    data = json.loads((out / "submissions" / "submission_3" / "results.json").read_text())
    assert data["tests"][-1]["name"] == "Late submission" and data["tests"][-1]["score"] == -2
    assert data["score"] == 98 == sum(t["score"] for t in data["tests"])
    fay = json.loads((out / "submissions" / "submission_5" / "results.json").read_text())
    assert fay["extra_data"]["late"]["extension"] == (
        "extension for 31340: due 2025-03-10 23:59:00 EDT")
    # gradebook.csv: one row per student, the group's members each with its total
    book = rows(out / "gradebook.csv")
    assert [r["email"] for r in book] == [
        "ana@uni.edu", "cy@uni.edu", "di@uni.edu", "ed@uni.edu", "fay@uni.edu",
        "gus@uni.edu", "bo@uni.edu", "hal@uni.edu", "ivy@uni.edu"]
    by_email = {r["email"]: r for r in book}
    assert (by_email["bo@uni.edu"]["total"], by_email["bo@uni.edu"]["submission_id"],
            by_email["bo@uni.edu"]["sid"]) == ("100", "submission_6", "31338")
    assert by_email["gus@uni.edu"]["total"] == "100" and by_email["ivy@uni.edu"]["total"] == "0"
    assert list(book[0]) == ["name", "email", "sid", "total", "submission_id", "status", "note"]
    # the class report says who was late and by how much
    html = (out / "report.html").read_text()
    section = html[html.index('id="late"'):html.index("Needs attention")]
    assert "6 of 8 submissions came after their due time" in section
    assert "submission_4" in section and "-30" in section and "submission_1" not in section
    page = (out / "submissions" / "submission_2" / "report.html").read_text()
    assert "Late submission</b>: 1 day after 2025-02-07T23:59:00-05:00" in page


def test_moving_the_due_date_changes_exactly_whose_total_it_moves(
    tmp_path: Path, fake: dict
) -> None:
    """A regrade after moving the due date one day later regrades nothing (the cache
    holds grades, not penalties) and changes.csv lists exactly the students it moves."""
    export = make_export(tmp_path / "export")
    out = tmp_path / "out"
    first = batch.grade(export, out, config=course_config(tmp_path / "cfg"), **fake)
    assert first.n_run == 8
    later = course_config(tmp_path / "cfg", due="2025-02-08T23:59:00")  # the same file
    again = batch.grade(export, out, config=later, compare=out, **fake)
    assert (again.n_run, again.n_cached) == (0, 8)
    changed = {r["id"]: r for r in rows(out / "changes.csv")}
    # on time before and after: 1 and 6 (extension); 5's extension is a due time of its
    # own; 8 has 0 either way (51 -> 50 days, still more than its 40 points)
    assert set(changed) == {"submission_2", "submission_3", "submission_4", "submission_7"}
    assert (changed["submission_2"]["old_total"], changed["submission_2"]["new_total"],
            changed["submission_2"]["delta"]) == ("99", "100", "1")
    assert changed["submission_2"]["tests_changed"] == "late penalty: -1 -> 0"
    assert changed["submission_4"]["tests_changed"] == "late penalty: -30 -> -29"
    grades = {r["id"]: r for r in rows(out / "grades.csv")}
    assert grades["submission_2"]["days_late"] == "0" and grades["submission_3"]["total"] == "99"
    html = (out / "report.html").read_text()
    assert "4 submissions with a different total" in html
    batch.grade(export, out, config=later, compare=out, **fake)
    assert rows(out / "changes.csv") == []


def test_a_plain_folder_with_submitted_at_file(tmp_path: Path, fake: dict,
                                              capsys: pytest.CaptureFixture) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("ann", "ben", "cat"):
        (subs / f"{name}.py").write_text(GOOD)
    (subs / "hw.ipynb").write_text("{}")
    times = tmp_path / "times.csv"
    times.write_text("id,submitted_at\nann,2025-02-07T23:00:00-05:00\nben.py,2025-02-09 00:59\n"
                     "zed,2025-02-09T00:59:00-05:00\n")
    out = tmp_path / "out"
    monkey = {"grader_cmd": fake["grader_cmd"]}
    summary = batch.grade(subs, out, submitted_at=times, progress=False, jobs=2, **monkey)
    grades = {r["id"]: r for r in rows(out / "grades.csv")}
    assert (grades["ann"]["days_late"], grades["ann"]["total"]) == ("0", "100")
    assert (grades["ben"]["days_late"], grades["ben"]["total"]) == ("2", "98")
    assert (grades["cat"]["days_late"], grades["cat"]["submitted_at"]) == ("", "")
    assert grades["cat"]["total"] == "100"  # no time known: no penalty
    nb = grades["hw.ipynb"]
    assert (nb["status"], nb["total"]) == ("not_a_submission", "")
    assert "not a submission" in nb["message"]
    assert summary.warnings == ["--submitted-at: 1 id(s) match no submission: zed"]
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("who,when\nann,now\n")
    with pytest.raises(ValueError, match="needs a header with the columns id and submitted_at"):
        batch.grade(subs, out, submitted_at=bad, progress=False, **monkey)


REALISTIC = """\
submission_9001:
  :submitters:
  - :name: Ana Student
    :sid: '31337'
    :email: ana@uni.edu
  - :name: Bo Partner
    :sid: '31338'
    :email: bo@uni.edu
  :created_at: 2025-02-07 22:10:00.000000000 -05:00
  :score: 100.0
  :history:
  - :id: 8999
    :created_at: 2025-02-06 10:00:00.000000000 -05:00
    :score: 40.0
submission_9002:
  :submitters:
  - :name: Carol Late
    :sid: '31339'
    :email: carol@uni.edu
  :created_at: 2025-02-09 00:59:00.000000000 -05:00
  :score: 0.0
  :history: []
submission_9003:
  :submitters:
  - :name: Erin Syntax
    :sid: '31350'
    :email: erin@uni.edu
  :created_at: 2025-02-08 00:00:00.000000000 -05:00
  :score: 0.0
  :history: []
submission_9004:
  :submitters:
  - :name: Nico Notebook
    :sid: '31341'
    :email: nico@uni.edu
  :created_at: 2025-02-07 23:00:00.000000000 -05:00
  :score: 0.0
  :history: []
"""


def test_a_realistic_export_end_to_end(tmp_path: Path) -> None:
    """Graded by the real engine: a group (with history) on time, a submission 25 hours
    late, a syntax error one minute late, a notebook only. Every row of grades.csv and
    gradebook.csv says what happened; none is 'graded' without a grade."""
    import zipfile

    export = tmp_path / "export.zip"
    examples = paths.ROOT / "examples" / "submissions"
    with zipfile.ZipFile(export, "w") as zf:
        top = "assignment_777_export/"
        zf.writestr(top + "submission_metadata.yml", REALISTIC)
        zf.writestr(top + "submission_9001/hw.py", paths.SOLUTIONS_HW.read_text())
        zf.writestr(top + "submission_9002/hw.py",
                    (examples / "carol_softmax_no_shift.py").read_text())
        zf.writestr(top + "submission_9003/hw.py", "def softmax(z:\n    return z\n")
        zf.writestr(top + "submission_9004/hw.ipynb", '{"cells": []}')
    out = tmp_path / "out"
    batch.grade(export, out, jobs=2, progress=False, config=course_config(tmp_path / "cfg"))
    grades = {r["id"]: r for r in rows(out / "grades.csv")}
    assert set(grades) == {"submission_9001", "submission_9002", "submission_9003",
                           "submission_9004"}
    group, carol, erin, nico = (grades[f"submission_900{i}"] for i in range(1, 5))
    assert (group["status"], group["total"], group["days_late"]) == ("graded", "100", "0")
    assert carol["status"] == "graded" and carol["days_late"] == "2"
    assert float(carol["late_penalty"]) == 2 and 0 < float(carol["total"]) < 100
    assert float(carol["total"]) == pytest.approx(float(carol["raw_total"]) - 2)
    assert erin["status"] == "import_error" and erin["total"] == "0"
    assert erin["message"].startswith("import: ") and "SyntaxError" in erin["message"]
    assert erin["days_late"] == "1" and erin["late_penalty"] == "0"  # never below 0
    assert nico["status"] == "bad_input" and "hw.ipynb" in nico["message"]
    for row in grades.values():
        assert row["status"] != "graded" or float(row["raw_total"]) > 0, row
    book = rows(out / "gradebook.csv")
    assert [(r["name"], r["email"], r["sid"], r["total"], r["submission_id"], r["status"])
            for r in book] == [
        ("Ana Student", "ana@uni.edu", "31337", "100", "submission_9001", "graded"),
        ("Bo Partner", "bo@uni.edu", "31338", "100", "submission_9001", "graded"),
        ("Carol Late", "carol@uni.edu", "31339", carol["total"], "submission_9002", "graded"),
        ("Erin Syntax", "erin@uni.edu", "31350", "0", "submission_9003", "import_error"),
        ("Nico Notebook", "nico@uni.edu", "31341", "0", "submission_9004", "bad_input"),
    ]
    html = (out / "report.html").read_text()
    table = html[html.index("<h2>All submissions</h2>"):]
    assert table.count('class="badge graded"') == 2
    assert 'class="badge import_error">hw.py could not be imported' in table
