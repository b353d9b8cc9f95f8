"""``autograder grade``: discovery, parallel grading in grader processes, cache, limits, CSV.

Most tests inject a fake grader (fast, predictable), in both of the batch's modes: as a
grading server (the default mode: long-lived processes, see autograder.classroom.graders) and as a
one-process-per-submission command; they test the batch machinery.
The real engine grades the bundled examples in tests/test_quickstart.py (the README's
command).
"""

from __future__ import annotations

import csv
import functools
import json
import shutil
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from config_helpers import set_hidden_visibility, set_limit

from autograder.classroom import batch, graders
from autograder.config import load_config
from autograder.grading.results import PROBLEM_KINDS
from autograder.intake import gradescope_export

REPO = Path(__file__).resolve().parents[1]
#: ``batch.grade`` keyword arguments choosing the grader (see the ``fake`` fixture).
GraderArgs = dict[str, list[str]]
EXAMPLES = REPO / "examples" / "submissions"
# A stand-in for the grading engine in the batch tests: fast and predictable.
#
# ``python fake_grader.py SUBMISSION --results PATH`` (as ``autograder run``) reads the
# submitted hw.py as text and writes a SPEC section 4 results.json for a tiny
# two-function assignment (softmax 60 points, adam_step 40, two tests each). A function
# passes when it is defined and its body has no ``BUG`` and no ``raise
# NotImplementedError``. Source containing ``HANG_FOREVER`` sleeps (wall-clock limit
# test); ``CRASH_ENGINE`` exits 3 without results. Every grade appends a line to
# ``$FAKE_GRADER_LOG`` (to count grades). Like the engine, it records which file it graded
# (``extra_data.submission_file``), which the reports show. ``python fake_grader.py --serve`` speaks
# autograder.classroom.grading_server's protocol instead, one grade per request line; it appends a
# line to ``$FAKE_SERVER_LOG`` when it starts (to count server starts), and answers
# garbage to a submission containing ``SERVER_GARBLES``.
FAKE_GRADER = r"""
from __future__ import annotations

import ast
import json
import os
import sys
import time
import zipfile
from pathlib import Path

POINTS = {"softmax": 60.0, "adam_step": 40.0}


def graded_file(path: Path) -> str | None:
    # what the engine records as extra_data.submission_file (the fake's simple rule)
    if path.is_dir():
        found = sorted(path.rglob("hw.py"), key=lambda p: len(p.parts))
        return found[0].relative_to(path).as_posix() if found else None
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith("hw.py")]
            return names[0] if names else None
    return path.name


def read_hw(path: Path) -> str:
    if path.is_dir():
        found = sorted(path.rglob("hw.py"), key=lambda p: len(p.parts))
        return found[0].read_text() if found else ""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith("hw.py")]
            return zf.read(names[0]).decode() if names else ""
    return path.read_text()


def grade(sub: Path, out: Path) -> int:
    if os.environ.get("FAKE_GRADER_LOG"):
        with open(os.environ["FAKE_GRADER_LOG"], "a") as f:
            f.write(f"{sub}\n")
    src = read_hw(sub)
    if "HANG_FOREVER" in src:
        time.sleep(3600)
    if "CRASH_ENGINE" in src:
        print("Traceback: engine exploded", file=sys.stderr)
        return 3
    tests = []
    try:
        lines = src.splitlines()
        funcs = {
            n.name: "\n".join(lines[n.lineno - 1 : n.end_lineno])
            for n in ast.parse(src).body
            if isinstance(n, ast.FunctionDef)
        }
        problem = None
    except SyntaxError as exc:
        funcs, problem = (
            {},
            f"hw.py could not be imported: SyntaxError: {exc.msg} (line {exc.lineno})",
        )
        tests.append(
            {
                "name": "Importing hw.py",
                "score": 0.0,
                "max_score": 0.0,
                "status": "failed",
                "visibility": "visible",
                "output": problem,
                "tags": ["submission"],
                "extra_data": {"kind": "import"},
            }
        )
    for fn, pts in POINTS.items():
        body = funcs.get(fn)
        for i in (1, 2):
            ok = body is not None and "BUG" not in body and "NotImplementedError" not in body
            if body is None:
                msg = problem or f"{fn}: hw.py has no function {fn}"
                kind = "import" if problem else "missing"
            else:
                msg = f"{fn}: wrong values at index {i * 7}: expected 0.{i}5 got 0.{i}9"
                kind = "wrong"
            tests.append(
                {
                    "name": f"{fn}: check {i}",
                    "score": pts / 2 if ok else 0.0,
                    "max_score": pts / 2,
                    "status": "passed" if ok else "failed",
                    "visibility": "visible" if i == 1 else "after_published",
                    "output": "" if ok else msg,
                    "tags": [fn, "public" if i == 1 else "hidden"],
                    "extra_data": {} if ok else {"kind": kind},
                }
            )
    score = sum(t["score"] for t in tests)
    results = {"score": score, "execution_time": 0.01, "output": "", "tests": tests}
    if graded_file(sub) is not None and problem is None:
        results["extra_data"] = {"submission_file": graded_file(sub)}
    out.write_text(json.dumps(results))
    print(f"{score:g}/100")
    return 0


def serve() -> int:
    # as autograder.classroom.grading_server: answers on the real stdout, prints go to stderr
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    if os.environ.get("FAKE_SERVER_LOG"):
        with open(os.environ["FAKE_SERVER_LOG"], "a") as f:
            f.write("started\n")
    for line in sys.stdin:
        request = json.loads(line)
        if "SERVER_GARBLES" in read_hw(Path(request["submission"])):
            print("this is not json", file=answers, flush=True)
            continue
        rc = grade(Path(request["submission"]), Path(request["results"]))
        if rc != 0:
            os._exit(rc)  # the server dies in the middle of a grade
        Path(request["log"]).write_text("fake log\n")
        print(json.dumps({"ok": True, "engine_error": None}), file=answers, flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        sys.exit(serve())
    sys.exit(grade(Path(sys.argv[1]), Path(sys.argv[sys.argv.index("--results") + 1])))
"""


@pytest.fixture(scope="module")
def fake_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    script = tmp_path_factory.mktemp("fake") / "fake_grader.py"
    script.write_text(FAKE_GRADER)
    return script


@pytest.fixture(params=["server", "process"])
def fake(request: pytest.FixtureRequest, fake_script: Path) -> dict[str, list[str]]:
    """``batch.grade`` arguments that grade with the fake: as a pooled grading server (the
    batch's default mode) or as one process per submission (``grader_cmd``)."""
    if request.param == "server":
        return {"server_cmd": [sys.executable, str(fake_script), "--serve"]}
    return {"grader_cmd": [sys.executable, str(fake_script)]}


GOOD = textwrap.dedent(
    """
    import numpy as np

    def softmax(z, axis=-1):
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def adam_step(param, grad, m, v, t):
        return param, m, v
    """
)
BUGGY = GOOD.replace("e = np.exp(z - z.max(axis=axis, keepdims=True))", "e = np.exp(z)  # BUG")


#: The wall-clock limit per submission in the tests of stuck grades: ample for a fake grade
#: (about 0.1 s) on a busy machine; the stuck one would sleep an hour.
WALL_LIMIT = 4.0


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def results_total(out: Path, sub_id: str) -> float:
    data = json.loads((out / "submissions" / sub_id / "results.json").read_text())
    return sum(t["score"] for t in data["tests"])


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    """A folder with good, buggy, nested, zipped, broken and stray inputs."""
    d = tmp_path / "subs"
    d.mkdir()
    (d / "good.py").write_text(GOOD)
    (d / "buggy.py").write_text(BUGGY)
    nested = d / "nested_student" / "Homework 2" / "src"
    nested.mkdir(parents=True)
    (nested / "hw.py").write_text(GOOD.replace("return param, m, v", "return param  # BUG"))
    (d / "nested_student" / "Homework 2" / "notes.txt").write_text("extra file")
    with zipfile.ZipFile(d / "zipped.zip", "w") as zf:
        zf.writestr("hw.py", BUGGY)
    (d / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (d / "no_code").mkdir()
    (d / "no_code" / "answers.pdf").write_bytes(b"%PDF-1.4")
    (d / "syntax.py").write_text("def softmax(z:\n    return z\n")
    (d / "grading_notes.txt").write_text("not a submission")
    (d / ".DS_Store").write_bytes(b"\0")
    return d


def test_examples_alice_and_bob_stay_copies_of_solution_and_stub() -> None:
    """The bundled correct/stub examples are exactly the reference and the handout."""
    for example, source in (("alice_correct", "solutions"), ("bob_stub", "student")):
        copy = EXAMPLES / example / "hw.py"
        assert copy.read_bytes() == (REPO / source / "hw.py").read_bytes(), (
            f"{copy} is out of date: cp {source}/hw.py examples/submissions/{example}/hw.py"
        )


def test_discover_reports_every_kind_of_input(class_folder: Path, tmp_path: Path) -> None:
    (class_folder / "grading-report").mkdir()  # an earlier --out inside the folder
    subs, skipped = batch.discover(
        class_folder, tmp_path / "work", exclude=class_folder / "grading-report"
    )
    by_id = {s.id: s for s in subs}
    assert set(by_id) == {
        "buggy",
        "corrupt",
        "good",
        "nested_student",
        "no_code",
        "syntax",
        "zipped",
    }
    assert "is not a valid zip file" in by_id["corrupt"].problem
    assert "no hw.py (and no .py file at all) in no_code" in by_id["no_code"].problem
    assert "answers.pdf" in by_id["no_code"].problem
    for ok in ("good", "buggy", "nested_student", "zipped", "syntax"):
        assert by_id[ok].problem is None, ok
    assert [s.name for s in skipped] == ["grading_notes.txt"]


def test_folder_graded_end_to_end_with_reports(
    class_folder: Path, tmp_path: Path, fake: GraderArgs
) -> None:
    out = tmp_path / "out"
    summary = batch.grade(class_folder, out, jobs=2, progress=False, **fake)
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {
        "buggy",
        "corrupt",
        "good",
        "nested_student",
        "no_code",
        "syntax",
        "zipped",
        "grading_notes.txt",  # not a submission: a row of its own, saying so
    }
    assert list(next(iter(rows.values())))[:11] == [
        "id", "name", "email", "sid", "total", "raw_total", "late_penalty", "days_late",
        "submitted_at", "softmax", "adam_step",
    ]  # fmt: skip
    notes = rows.pop("grading_notes.txt")
    assert (notes["status"], notes["total"]) == ("not_a_submission", "")
    assert "not a submission" in notes["message"]
    # CSV totals are the sums of each submission's results.json scores.
    for sub_id, row in rows.items():
        assert float(row["total"]) == pytest.approx(results_total(out, sub_id), abs=1e-4)
        assert float(row["total"]) == pytest.approx(
            float(row["softmax"]) + float(row["adam_step"]), abs=1e-4
        )
    assert float(rows["good"]["total"]) == 100
    assert float(rows["buggy"]["softmax"]) == 0 and float(rows["buggy"]["adam_step"]) == 40
    assert float(rows["nested_student"]["total"]) == 60
    assert float(rows["zipped"]["total"]) == 40
    assert float(rows["syntax"]["total"]) == 0
    # not importable: never "graded", the kind and the first line of the message say why
    assert rows["syntax"]["status"] == "import_error"
    assert rows["syntax"]["message"].startswith("import: hw.py could not be imported: SyntaxError")
    assert rows["corrupt"]["status"] == "bad_input"
    assert "is not a valid zip file" in rows["corrupt"]["message"]
    assert rows["no_code"]["status"] == "bad_input"
    assert summary.n_run == 5 and summary.n_cached == 0
    report = (out / "report.html").read_text()
    assert "grading_notes.txt" in report and "is not a valid zip file" in report
    assert "hw.py could not be imported" in report  # the syntax error, from extra_data kind
    page = (out / "submissions" / "buggy" / "report.html").read_text()
    assert "softmax: check 1" in page and "wrong values" in page
    # The failing function's code is shown (highlighted), the passing one is not.
    assert 'np</span><span class="o">.</span><span class="n">exp</span>' in page
    assert 'def</span> <span class="nf">adam_step' not in page


def test_cache_skips_unchanged_and_regrades_changes(
    class_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: GraderArgs
) -> None:
    log = tmp_path / "runs.log"
    monkeypatch.setenv("FAKE_GRADER_LOG", str(log))
    root = tmp_path / "project"  # a stand-in autograder whose files key the cache
    (root / "autograder" / "classroom" / "reports").mkdir(parents=True)
    (root / "autograder" / "hidden_tests").mkdir()
    (root / "solutions").mkdir()
    (root / "autograder" / "hidden_tests" / "test_x.py").write_text("# v1\n")
    (root / "autograder" / "classroom" / "reports" / "style.css").write_text("a {}\n")
    (root / "solutions" / "hw.py").write_text("# v1\n")
    out = tmp_path / "out"

    def run() -> batch.BatchSummary:
        return batch.grade(
            class_folder, out, jobs=2, progress=False, **fake, autograder_root=root
        )

    def runs() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    first = run()
    assert (first.n_run, first.n_cached, runs()) == (5, 0, 5)
    second = run()
    assert (second.n_run, second.n_cached, runs()) == (0, 5, 5)
    assert float(read_csv(out / "grades.csv")["good"]["total"]) == 100
    # A changed submission is regraded, and only it.
    (class_folder / "good.py").write_text(GOOD.replace("return param, m, v", "return m  # BUG"))
    third = run()
    assert (third.n_run, third.n_cached, runs()) == (1, 4, 6)
    assert float(read_csv(out / "grades.csv")["good"]["total"]) == 60
    # Report code is not grading code: no regrade.
    (root / "autograder" / "classroom" / "reports" / "style.css").write_text("a { color: red }\n")
    assert run().n_run == 0
    # A fixed hidden test (or solution) regrades everything.
    (root / "autograder" / "hidden_tests" / "test_x.py").write_text("# v2\n")
    assert run().n_run == 5
    (root / "solutions" / "hw.py").write_text("# v2\n")
    assert run().n_run == 5
    assert run().n_run == 0
    forced = batch.grade(
        class_folder, out, jobs=2, progress=False, **fake, autograder_root=root, force=True
    )
    assert forced.n_run == 5


def test_folders_of_submissions_gone_from_the_input_are_removed(
    class_folder: Path, tmp_path: Path, fake_script: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    args = [str(class_folder), "--out", str(out), "--no-progress", "--jobs", "2"]
    cmd = [sys.executable, str(fake_script)]
    batch.grade(class_folder, out, jobs=2, progress=False, grader_cmd=cmd)
    assert (out / "submissions" / "buggy" / "results.json").is_file()
    notes = out / "submissions" / "my_notes"
    notes.mkdir()
    (notes / "regrade-requests.txt").write_text("not ours: keep")
    (class_folder / "buggy.py").unlink()
    shutil.rmtree(class_folder / "no_code")
    # the CLI (a pooled grader: no grader_cmd) prints what it removed
    assert batch.main(args) == 0
    assert "2 folders of submissions no longer in the input removed" in capsys.readouterr().out
    left = {p.name for p in (out / "submissions").iterdir()}
    assert left == {"corrupt", "good", "nested_student", "syntax", "zipped", "my_notes"}
    assert (notes / "regrade-requests.txt").is_file()
    assert set(read_csv(out / "grades.csv")) == left - {"my_notes"} | {"grading_notes.txt"}


def test_relative_paths_from_another_working_directory(
    class_folder: Path, tmp_path: Path, fake: GraderArgs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative SUBMISSIONS and --out, resolved against the caller's working directory,
    although every grader process runs in a scratch folder of its own."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rel_subs = Path("..") / class_folder.relative_to(tmp_path)
    summary = batch.grade(rel_subs, Path("../report"), jobs=2, progress=False, **fake)
    rows = read_csv(tmp_path / "report" / "grades.csv")
    assert rows["good"]["status"] == "graded" and float(rows["good"]["total"]) == 100
    assert {r["status"] for r in rows.values()} <= {
        "graded", "bad_input", "import_error", "not_a_submission"}, rows
    assert summary.n_run == 5
    assert (tmp_path / "report" / "submissions" / "good" / "results.json").is_file()


def test_an_engine_failure_fails_the_batch_with_a_clear_message(
    tmp_path: Path, fake: GraderArgs, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A class where the grader itself failed must not look like a finished run."""
    d = tmp_path / "subs"
    d.mkdir()
    (d / "good.py").write_text(GOOD)
    (d / "broken_engine.py").write_text(GOOD + "\n# CRASH_ENGINE\n")
    monkeypatch.setattr(batch, "grade", functools.partial(batch.grade, **fake))
    out = tmp_path / "out"
    assert batch.main([str(d), "--out", str(out), "--no-progress", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "the grading engine itself failed on 1 of 2 submissions (broken_engine)" in err
    assert str(out / "submissions" / "<id>" / "grader.log") in err
    log = (out / "submissions" / "broken_engine" / "grader.log").read_text()
    assert "engine exploded" in log
    (d / "broken_engine.py").unlink()  # without it, the batch succeeds
    assert batch.main([str(d), "--out", str(out), "--no-progress", "--jobs", "1"]) == 0


def test_stuck_submission_hits_the_wall_clock_limit(tmp_path: Path, fake: GraderArgs) -> None:
    d = tmp_path / "subs"
    d.mkdir()
    (d / "good.py").write_text(GOOD)
    (d / "stuck.py").write_text(GOOD + "\n# HANG_FOREVER\n")
    (d / "broken_engine.py").write_text(GOOD + "\n# CRASH_ENGINE\n")
    out = tmp_path / "out"
    # the stuck grade (3600 s) was cut: grade() returns, and the batch's record says so
    batch.grade(d, out, jobs=3, progress=False, **fake, timeout=WALL_LIMIT)
    rows = read_csv(out / "grades.csv")
    assert rows["stuck"]["status"] == "timeout" and float(rows["stuck"]["total"]) == 0
    assert f"timed out after {WALL_LIMIT:g} s" in rows["stuck"]["message"]
    assert rows["broken_engine"]["status"] == "crash"
    assert "exit code 3" in rows["broken_engine"]["message"]
    assert float(rows["good"]["total"]) == 100
    stuck = json.loads((out / "submissions" / "stuck" / "results.json").read_text())
    assert stuck["tests"][0]["extra_data"]["kind"] == "timeout" and stuck["score"] == 0
    report = (out / "report.html").read_text()
    assert PROBLEM_KINDS["timeout"] in report and PROBLEM_KINDS["engine"] in report
    # A timeout is cached (same code, same grader); an engine crash is retried.
    again = batch.grade(d, out, jobs=3, progress=False, **fake, timeout=WALL_LIMIT)
    assert again.n_run == 1 and again.n_cached == 2


def test_a_grading_server_survives_hangs_crashes_and_garbage(
    tmp_path: Path, fake_script: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pooled grader, one submission at a time: a grade that hangs, kills its server
    or answers garbage is reported, and the next submission gets a fresh server."""
    starts = tmp_path / "starts.log"
    monkeypatch.setenv("FAKE_SERVER_LOG", str(starts))
    d = tmp_path / "subs"
    d.mkdir()
    kinds = {"a_good": "", "b_stuck": "# HANG_FOREVER", "c_good": "", "d_crash": "# CRASH_ENGINE"}
    kinds |= {"e_good": "", "f_garbled": "# SERVER_GARBLES", "g_good": "", "h_good": ""}
    for name, marker in kinds.items():
        (d / f"{name}.py").write_text(GOOD + "\n" + marker + "\n")
    out = tmp_path / "out"
    server = [sys.executable, str(fake_script), "--serve"]
    batch.grade(d, out, jobs=1, progress=False, server_cmd=server, timeout=WALL_LIMIT)
    rows = read_csv(out / "grades.csv")
    assert {n: r["status"] for n, r in rows.items()} == {
        "a_good": "graded", "b_stuck": "timeout", "c_good": "graded", "d_crash": "crash",
        "e_good": "graded", "f_garbled": "crash", "g_good": "graded", "h_good": "graded",
    }  # fmt: skip
    assert f"timed out after {WALL_LIMIT:g} s" in rows["b_stuck"]["message"]
    assert "exit code 3" in rows["d_crash"]["message"]
    assert all(float(rows[n]["total"]) == 100 for n in kinds if n.endswith("_good"))
    # a fresh server after the hang, the crash and the garbled answer; none otherwise
    assert len(starts.read_text().splitlines()) == 4
    assert (out / "submissions" / "a_good" / "grader.log").read_text() == "fake log\n"


def test_a_grading_server_is_replaced_after_max_grades(tmp_path: Path, fake_script: Path) -> None:
    sub = tmp_path / "hw.py"
    sub.write_text(GOOD)
    grader = graders.PooledGrader([sys.executable, str(fake_script), "--serve"], max_grades=2)
    try:
        for i in range(5):
            sub_dir = tmp_path / f"s{i}"
            sub_dir.mkdir()
            results, status, message = grader.grade(sub, sub_dir, timeout=30)
            assert (status, message, results["score"]) == ("graded", "", 100)
        assert grader.starts == 3
        proc = grader.proc
        assert proc is not None
    finally:
        grader.close()
    assert proc.poll() is not None  # closing stops the server
    assert not graders._LIVE


#: on time for the course's [late] rule (due 2025-02-07 23:59 ET)
METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2025-02-02 21:14:03.123456000 -08:00
  :score: 0.0
  :history: []
submission_102:
  :submitters:
  - :name: Clara Schumann
    :sid: '1819'
    :email: clara@example.edu
  - :name: Fanny Mendelssohn
    :sid: '1805'
    :email: fanny@example.edu
  :created_at: 2025-02-03 09:01:44.000000000 -08:00
  :score: 0.0
  :history:
  - :id: 99
    :created_at: 2025-02-01 10:00:00.000000000 -08:00
    :score: 0.0
submission_103:
  :submitters:
  - :name: Hildegard von Bingen
    :sid: '1098'
    :email: hildegard@example.edu
  :created_at: !ruby/object:ActiveSupport::TimeWithZone
    utc: 2025-02-04 08:00:00.000000000 Z
    zone: !ruby/object:ActiveSupport::TimeZone
      name: America/Los_Angeles
  :score: 0.0
  :history: []
"""


def make_export(path: Path) -> Path:
    """A realistic Gradescope "Export Submissions" zip (one top folder, metadata, folders)."""
    top = "assignment_4242_export/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(top + "submission_metadata.yml", METADATA)
        zf.writestr(top + "submission_101/hw.py", GOOD)
        zf.writestr(top + "submission_102/hw.py", BUGGY)
        zf.writestr(top + "submission_102/README.md", "our group")
        zf.writestr(top + "submission_103/answers.pdf", "%PDF-1.4")
    return path


def test_gradescope_export_zip_graded_with_names(tmp_path: Path, fake: GraderArgs) -> None:
    export = make_export(tmp_path / "submissions.zip")
    assert gradescope_export.is_export_zip(export)
    out = tmp_path / "out"
    batch.grade(export, out, jobs=2, progress=False, **fake)
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {"submission_101", "submission_102", "submission_103"}
    ada = rows["submission_101"]
    assert (ada["name"], ada["email"], ada["sid"], ada["total"]) == (
        "Ada Lovelace", "ada@example.edu", "1815", "100",
    )  # fmt: skip
    group = rows["submission_102"]
    assert group["name"] == "Clara Schumann; Fanny Mendelssohn"
    assert group["email"] == "clara@example.edu; fanny@example.edu"
    assert float(group["total"]) == 40
    assert rows["submission_103"]["status"] == "bad_input"
    assert "Hildegard von Bingen" in (out / "report.html").read_text()
    page = (out / "submissions" / "submission_102" / "report.html").read_text()
    assert "Clara Schumann" in page and "clara@example.edu" in page


def test_export_metadata_with_ruby_tags_and_unsafe_paths(tmp_path: Path) -> None:
    meta = gradescope_export.parse_metadata(METADATA)
    assert list(meta) == ["submission_101", "submission_102", "submission_103"]
    with pytest.raises(gradescope_export.ExportError):
        gradescope_export.parse_metadata("- just\n- a list\n")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("submission_metadata.yml", "{}")
        zf.writestr("../outside.py", "x = 1")
    with pytest.raises(gradescope_export.ExportError, match="unsafe"):
        gradescope_export.read_export(evil, tmp_path / "dest")
    assert not (tmp_path / "outside.py").exists()


def test_unusable_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "class.zip"
    broken.write_bytes(b"garbage")
    assert batch.main([str(broken), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "not a readable zip" in capsys.readouterr().err
    assert batch.main([str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2


def test_grade_uses_the_given_configuration(tmp_path: Path) -> None:
    """``--config``: every ``autograder run`` of the batch reads the instructor's file."""
    from autograder import paths

    config = tmp_path / "assignment.toml"
    text = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
    visibility = "hidden" if load_config().hidden_visibility != "hidden" else "after_due_date"
    config.write_text(set_hidden_visibility(text, visibility))
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(EXAMPLES / "carol_softmax_no_shift.py", subs)
    out = tmp_path / "out"
    batch.grade(subs, out, jobs=1, progress=False, config=config)
    data = json.loads((out / "submissions" / "carol_softmax_no_shift" / "results.json").read_text())
    hidden = [t for t in data["tests"] if "hidden" in t["tags"]]
    assert hidden and {t["visibility"] for t in hidden} == {visibility}
    bad = tmp_path / "bad.toml"
    bad.write_text(set_limit(text, "call_timeout", -5.0))
    with pytest.raises(ValueError, match="call_timeout"):
        batch.grade(subs, tmp_path / "out2", jobs=1, progress=False, config=bad)
