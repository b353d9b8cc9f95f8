"""``autograder grade``: discovery, parallel grading in subprocesses, cache, limits, CSV.

Most tests inject ``tests/fake_grader.py`` (fast, predictable) as the grader command so
they test the batch machinery; ``test_real_cli_end_to_end`` runs the real
``python -m autograder run`` on a few bundled examples.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from autograder import batch, gradescope_export

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "submissions"
# A stand-in for ``python -m autograder run``, fast and predictable: written to a file and
# injected as the grader command.
# A stand-in for ``python -m autograder run`` in the batch tests: fast and predictable.
#
# ``python fake_grader.py SUBMISSION --results PATH`` reads the submitted hw.py as text
# and writes a SPEC section 4 results.json for a tiny two-function assignment
# (softmax 60 points, adam_step 40, two tests each). A function passes when it is
# defined and its body has no ``BUG`` and no ``raise NotImplementedError``. Source
# containing ``HANG_FOREVER`` sleeps (wall-clock limit test); ``CRASH_ENGINE`` exits 3
# without results. Every run appends a line to ``$FAKE_GRADER_LOG`` (to count runs).
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


def read_hw(path: Path) -> str:
    if path.is_dir():
        found = sorted(path.rglob("hw.py"), key=lambda p: len(p.parts))
        return found[0].read_text() if found else ""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith("hw.py")]
            return zf.read(names[0]).decode() if names else ""
    return path.read_text()


def main() -> int:
    sub, out = Path(sys.argv[1]), Path(sys.argv[sys.argv.index("--results") + 1])
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
    out.write_text(
        json.dumps({"score": score, "execution_time": 0.01, "output": "", "tests": tests})
    )
    print(f"{score:g}/100")
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The fake grader's command line."""
    script = tmp_path_factory.mktemp("fake") / "fake_grader.py"
    script.write_text(FAKE_GRADER)
    return [sys.executable, str(script)]


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
    assert "corrupt zip" in by_id["corrupt"].problem
    assert "no hw.py in the folder" in by_id["no_code"].problem
    assert "answers.pdf" in by_id["no_code"].problem
    for ok in ("good", "buggy", "nested_student", "zipped", "syntax"):
        assert by_id[ok].problem is None, ok
    assert [s.name for s in skipped] == ["grading_notes.txt"]


def test_folder_graded_end_to_end_with_reports(
    class_folder: Path, tmp_path: Path, fake: list[str]
) -> None:
    out = tmp_path / "out"
    summary = batch.grade(class_folder, out, jobs=2, progress=False, grader_cmd=fake)
    rows = read_csv(out / "grades.csv")
    assert set(rows) == {
        "buggy",
        "corrupt",
        "good",
        "nested_student",
        "no_code",
        "syntax",
        "zipped",
    }
    assert list(next(iter(rows.values())))[:7] == [
        "id", "name", "email", "sid", "total", "softmax", "adam_step",
    ]  # fmt: skip
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
    assert rows["corrupt"]["status"] == "bad_input" and "corrupt zip" in rows["corrupt"]["message"]
    assert rows["no_code"]["status"] == "bad_input"
    assert summary.n_run == 5 and summary.n_cached == 0
    report = (out / "report.html").read_text()
    assert "grading_notes.txt" in report and "corrupt zip" in report
    assert "hw.py could not be imported" in report  # the syntax error, from extra_data kind
    page = (out / "submissions" / "buggy" / "report.html").read_text()
    assert "softmax: check 1" in page and "wrong values" in page
    # The failing function's code is shown (highlighted), the passing one is not.
    assert 'np</span><span class="o">.</span><span class="n">exp</span>' in page
    assert 'def</span> <span class="nf">adam_step' not in page


def test_cache_skips_unchanged_and_regrades_changes(
    class_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: list[str]
) -> None:
    log = tmp_path / "runs.log"
    monkeypatch.setenv("FAKE_GRADER_LOG", str(log))
    root = tmp_path / "project"  # a stand-in autograder whose files key the cache
    (root / "autograder" / "reports").mkdir(parents=True)
    (root / "autograder" / "hidden_tests").mkdir()
    (root / "solutions").mkdir()
    (root / "autograder" / "hidden_tests" / "test_x.py").write_text("# v1\n")
    (root / "autograder" / "reports" / "style.css").write_text("a {}\n")
    (root / "solutions" / "hw.py").write_text("# v1\n")
    out = tmp_path / "out"

    def run() -> batch.BatchSummary:
        return batch.grade(
            class_folder, out, jobs=2, progress=False, grader_cmd=fake, autograder_root=root
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
    (root / "autograder" / "reports" / "style.css").write_text("a { color: red }\n")
    assert run().n_run == 0
    # A fixed hidden test (or solution) regrades everything.
    (root / "autograder" / "hidden_tests" / "test_x.py").write_text("# v2\n")
    assert run().n_run == 5
    (root / "solutions" / "hw.py").write_text("# v2\n")
    assert run().n_run == 5
    assert run().n_run == 0
    forced = batch.grade(
        class_folder, out, jobs=2, progress=False, grader_cmd=fake, autograder_root=root, force=True
    )
    assert forced.n_run == 5


def test_stuck_submission_hits_the_wall_clock_limit(tmp_path: Path, fake: list[str]) -> None:
    d = tmp_path / "subs"
    d.mkdir()
    (d / "good.py").write_text(GOOD)
    (d / "stuck.py").write_text(GOOD + "\n# HANG_FOREVER\n")
    (d / "broken_engine.py").write_text(GOOD + "\n# CRASH_ENGINE\n")
    out = tmp_path / "out"
    start = time.monotonic()
    batch.grade(d, out, jobs=3, progress=False, grader_cmd=fake, timeout=2.0)
    assert time.monotonic() - start < 20
    rows = read_csv(out / "grades.csv")
    assert rows["stuck"]["status"] == "timeout" and float(rows["stuck"]["total"]) == 0
    assert "timed out after 2 s" in rows["stuck"]["message"]
    assert rows["broken_engine"]["status"] == "crash"
    assert "exit code 3" in rows["broken_engine"]["message"]
    assert float(rows["good"]["total"]) == 100
    stuck = json.loads((out / "submissions" / "stuck" / "results.json").read_text())
    assert stuck["tests"][0]["extra_data"]["kind"] == "timeout" and stuck["score"] == 0
    report = (out / "report.html").read_text()
    assert "timed out" in report and "crashed the grader" in report
    # A timeout is cached (same code, same grader); an engine crash is retried.
    again = batch.grade(d, out, jobs=3, progress=False, grader_cmd=fake, timeout=2.0)
    assert again.n_run == 1 and again.n_cached == 2


METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2026-03-02 21:14:03.123456000 -08:00
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
  :created_at: 2026-03-03 09:01:44.000000000 -08:00
  :score: 0.0
  :history:
  - :id: 99
    :created_at: 2026-03-01 10:00:00.000000000 -08:00
    :score: 0.0
submission_103:
  :submitters:
  - :name: Hildegard von Bingen
    :sid: '1098'
    :email: hildegard@example.edu
  :created_at: !ruby/object:ActiveSupport::TimeWithZone
    utc: 2026-03-04 08:00:00.000000000 Z
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


def test_gradescope_export_zip_graded_with_names(tmp_path: Path, fake: list[str]) -> None:
    export = make_export(tmp_path / "submissions.zip")
    assert gradescope_export.is_export_zip(export)
    out = tmp_path / "out"
    batch.grade(export, out, jobs=2, progress=False, grader_cmd=fake)
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
    with pytest.raises(gradescope_export.ExportError, match="unsafe path"):
        gradescope_export.read_export(evil, tmp_path / "dest")
    assert not (tmp_path / "outside.py").exists()


def test_unusable_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "class.zip"
    broken.write_bytes(b"garbage")
    assert batch.main([str(broken), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "not a readable zip" in capsys.readouterr().err
    assert batch.main([str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2


def test_real_cli_end_to_end(tmp_path: Path) -> None:
    """The real ``python -m autograder run`` on three bundled examples, two at a time."""
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(EXAMPLES / "alice_correct", subs / "alice_correct")
    shutil.copy(EXAMPLES / "carol_softmax_no_shift.py", subs)
    shutil.copy(EXAMPLES / "erin_syntax_error.py", subs)
    out = tmp_path / "out"
    summary = batch.grade(subs, out, jobs=2, progress=False)
    rows = read_csv(out / "grades.csv")
    assert {r["status"] for r in rows.values()} == {"graded"}, rows
    for sub_id, row in rows.items():
        data = json.loads((out / "submissions" / sub_id / "results.json").read_text())
        assert float(row["total"]) == pytest.approx(
            sum(t["score"] for t in data["tests"]), abs=1e-3
        )
        assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=1e-6)
    assert float(rows["alice_correct"]["total"]) == pytest.approx(100)
    carol = rows["carol_softmax_no_shift"]
    assert float(carol["softmax"]) < 6 and float(carol["total"]) < 100
    assert float(carol["total"]) > 80
    assert float(rows["erin_syntax_error"]["total"]) == 0
    assert summary.n_run == 3
    page = (out / "submissions" / "erin_syntax_error" / "report.html").read_text()
    assert "does not parse" in page


def test_grade_uses_the_given_configuration(tmp_path: Path) -> None:
    """``--config``: every ``autograder run`` of the batch reads the instructor's file."""
    from autograder import paths

    config = tmp_path / "assignment.toml"
    text = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
    config.write_text(text.replace('hidden_tests = "after_published"', 'hidden_tests = "hidden"'))
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(EXAMPLES / "carol_softmax_no_shift.py", subs)
    out = tmp_path / "out"
    batch.grade(subs, out, jobs=1, progress=False, config=config)
    data = json.loads((out / "submissions" / "carol_softmax_no_shift" / "results.json").read_text())
    hidden = [t for t in data["tests"] if "hidden" in t["tags"]]
    assert hidden and {t["visibility"] for t in hidden} == {"hidden"}
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("call_timeout = 5.0", "call_timeout = -5.0"))
    with pytest.raises(ValueError, match="call_timeout"):
        batch.grade(subs, tmp_path / "out2", jobs=1, progress=False, config=bad)
