"""The long-lived grading server ``autograder grade`` uses (autograder.classroom.grading_server).

Its results must be exactly those of a fresh ``autograder run`` process per submission:
one server grades a sequence of different submissions (a stub, buggy ones whose
feedback loads the diagnosis code, a zip), and every results.json is compared with the
fresh process's, apart from timings.
"""

from __future__ import annotations

import concurrent.futures
import io
import json
import shutil
import sys
from pathlib import Path

from results_helpers import strip_timings

from autograder.classroom import graders
from autograder.classroom.grading_server import serve
from autograder.config import TOTAL_POINTS

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "submissions"
#: Graded in this order by one server: the stub first, then buggy ones and a zip.
SEQUENCE = [
    "bob_stub",
    "carol_softmax_no_shift.py",
    "dave_adam_no_bias_correction",
    "heidi_zip.zip",
]


def test_pooled_results_equal_fresh_process_results(tmp_path: Path) -> None:
    """One server grades the sequence in order; fresh processes grade the same submissions
    beside it (two at a time: the results do not depend on the machine's load)."""

    def grade(grader: graders.Grader, label: str, name: str) -> dict:
        sub_dir = tmp_path / label / name
        sub_dir.mkdir(parents=True)
        data, status, message = grader.grade(EXAMPLES / name, sub_dir, timeout=300)
        assert (status, message) == ("graded", ""), (label, name, message)
        return data

    pooled = graders.PooledGrader()
    fresh = graders.ProcessGrader([sys.executable, "-m", "autograder", "run"])
    try:
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            in_fresh = {name: pool.submit(grade, fresh, "fresh", name) for name in SEQUENCE}
            in_pool = {name: grade(pooled, "pooled", name) for name in SEQUENCE}
            in_fresh_done = {name: future.result() for name, future in in_fresh.items()}
        assert pooled.starts == 1  # one process graded them all
    finally:
        pooled.close()
    scores = {name: data["score"] for name, data in in_pool.items()}
    assert scores["bob_stub"] == 0 and 0 < scores["carol_softmax_no_shift.py"] < TOTAL_POINTS
    for name in SEQUENCE:
        assert strip_timings(in_pool[name]) == strip_timings(in_fresh_done[name]), name


def test_a_bad_request_is_answered_and_the_server_goes_on(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    shutil.copy(EXAMPLES / "erin_syntax_error.py", hw)
    good = {
        "submission": str(hw),
        "results": str(tmp_path / "results.json"),
        "log": str(tmp_path / "grader.log"),
    }
    (tmp_path / "a-folder").mkdir()
    unwritable = dict(good, results=str(tmp_path / "a-folder"))
    requests = io.StringIO(
        "not json\n"
        + json.dumps({"submission": str(hw)})
        + "\n\n"
        + json.dumps(unwritable)
        + "\n"
        + json.dumps(good)
        + "\n"
    )
    answers = io.StringIO()
    assert serve(requests, answers) == 0
    replies = [json.loads(line) for line in answers.getvalue().splitlines()]
    assert [r["ok"] for r in replies] == [False, False, False, True]
    assert replies[0]["engine_error"].startswith("JSONDecodeError")
    assert replies[1]["engine_error"] == "KeyError: 'results'"  # checked before grading
    assert "a-folder" in replies[2]["engine_error"]
    assert replies[3]["engine_error"] is None
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["score"] == 0 and "SyntaxError" in data["tests"][0]["output"]


def test_a_bad_configuration_stops_the_server_with_a_message(
    tmp_path: Path, capsys: object
) -> None:
    bad = tmp_path / "assignment.toml"
    bad.write_text("this is = not [valid toml\n")
    answers = io.StringIO()
    assert serve(io.StringIO(""), answers, bad) == 2
    assert answers.getvalue() == ""
    assert "configuration error" in capsys.readouterr().err  # type: ignore[attr-defined]
