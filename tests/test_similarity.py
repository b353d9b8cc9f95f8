"""The similarity check of ``autograder grade`` (autograder/classroom/reports/similarity.py).

Near-copies are found through renamed variables, reordered functions and rewritten
comments; independent correct solutions (tests/variants/) are not flagged; the handout's
stub, the starter code, matches nothing; earlier terms' submissions are compared with the
class only. A signal, never a score: nothing here reads or writes a grade.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from near_copies import disguise

from autograder import paths
from autograder.classroom.reports.similarity import (
    CSV_COLUMNS,
    SimilaritySettings,
    find_similar,
    handout_boilerplate,
    without_docstrings,
    write_similarity_csv,
)

REPO = Path(__file__).resolve().parents[1]
#: independent correct implementations (hw_return_forms is the solutions with other
#: return forms: a near-copy of solutions/hw.py, not an independent solution)
INDEPENDENT = {
    p.stem: p.read_text(encoding="utf-8")
    for p in sorted((REPO / "tests" / "variants").glob("hw_*.py"))
    if p.stem != "hw_return_forms"
}
SOLUTIONS = paths.SOLUTIONS_HW.read_text(encoding="utf-8")
STUB = paths.STUDENT_HW.read_text(encoding="utf-8")


def flagged(report) -> set[frozenset[str]]:
    return {frozenset((p.a, p.b)) for p in report.pairs}


def test_the_disguised_copy_is_a_real_rewrite() -> None:
    original = SOLUTIONS
    copy = disguise(original)
    tree = ast.parse(copy)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    original_names = [n.name for n in ast.parse(original).body if isinstance(n, ast.FunctionDef)]
    assert names == original_names[::-1]  # reordered
    assert "my_" in copy and "# my own note" in copy  # renamed, comments rewritten
    assert copy.count("\n") < original.count("\n") + 5
    lines = set(original.splitlines())
    assert sum(line in lines for line in copy.splitlines() if line.strip()) < len(lines) / 2


def test_near_copies_are_flagged_and_independent_solutions_are_not() -> None:
    sources: dict[str, str | None] = dict(INDEPENDENT)
    sources["solutions"] = SOLUTIONS
    sources["copy_of_einsum"] = disguise(INDEPENDENT["hw_einsum"])
    sources["copy_of_solutions"] = disguise(SOLUTIONS)
    sources["stub"] = STUB
    sources["stub_without_docstrings"] = without_docstrings(STUB)
    sources["nothing_found"] = None
    report = find_similar(sources)
    assert flagged(report) == {
        frozenset(("hw_einsum", "copy_of_einsum")),
        frozenset(("solutions", "copy_of_solutions")),
    }
    for pair in report.pairs:
        assert pair.similarity_a > 0.8 and pair.similarity_b > 0.8, pair
        assert pair.shared_tokens > 1000
        assert "<mark>" in pair.a_html and "<mark>" in pair.b_html
    assert report.compared == len(sources) - 1
    assert report.not_compared == [("nothing_found", "no hw.py was found")]


def test_no_two_independent_solutions_come_near_the_threshold() -> None:
    """The margin: the most alike independent pair shares well under the default
    threshold, while a disguised copy shares nearly everything."""
    report = find_similar({**INDEPENDENT, "solutions": SOLUTIONS},
                          SimilaritySettings(threshold=0.01, min_shared_tokens=1))
    default = SimilaritySettings()
    assert report.pairs, "expected some shared idioms at a threshold of 1%"
    assert max(p.similarity for p in report.pairs) < default.threshold * 0.75


def test_the_stub_matches_nothing_not_even_another_stub() -> None:
    boilerplate = handout_boilerplate()
    assert boilerplate == (STUB, without_docstrings(STUB))
    assert '"""' not in without_docstrings(STUB).split("import", 1)[1]
    sources = {"stub": STUB, "bare_stub": without_docstrings(STUB), "solutions": SOLUTIONS,
               "other_stub": STUB.replace("# ", "#  ")}
    report = find_similar(sources, SimilaritySettings(threshold=0.01, min_shared_tokens=1))
    assert all("stub" not in p.a and "stub" not in p.b for p in report.pairs), report.pairs
    # without the starter code left out, two untouched stubs would be a pair
    unaware = find_similar(sources, SimilaritySettings(boilerplate=()))
    assert frozenset(("stub", "other_stub")) in flagged(unaware)


def test_a_small_file_shares_too_little_to_be_a_pair() -> None:
    """Two students who only wrote the same two one-line functions are not a pair, however
    alike: the shared code is below ``min_shared_tokens``."""
    one_liners = {"relu": "    return np.maximum(x, 0)\n",
                  "gd_step": "    return param - lr * grad\n"}
    stub = STUB
    for function, body in one_liners.items():
        start = stub.index(f"def {function}(")
        raise_at = stub.index("raise NotImplementedError", start)
        line_start = stub.rindex("\n", 0, raise_at) + 1
        stub = stub[:line_start] + body + stub[stub.index("\n", raise_at) + 1 :]
    report = find_similar({"x": stub, "y": stub.replace("(x, 0)", "(0, x)")})
    assert report.pairs == []
    relaxed = find_similar({"x": stub, "y": stub}, SimilaritySettings(min_shared_tokens=1))
    assert flagged(relaxed) == {frozenset(("x", "y"))}


def test_earlier_submissions_are_compared_with_the_class_only() -> None:
    earlier = {"2024/ann": INDEPENDENT["hw_loops"], "2024/ben": INDEPENDENT["hw_loops"]}
    sources = {"now_copy": disguise(INDEPENDENT["hw_loops"]), "now_own": SOLUTIONS}
    report = find_similar(sources, SimilaritySettings(references=earlier))
    assert [(p.a, p.b, p.b_is_reference) for p in report.pairs] == [
        ("now_copy", "2024/ann", True), ("now_copy", "2024/ben", True)]
    assert (report.compared, report.references) == (2, 2)


def test_csv_has_one_row_per_flagged_pair(tmp_path: Path) -> None:
    sources = {"a": SOLUTIONS, "b": disguise(SOLUTIONS), "c": INDEPENDENT["hw_loops"]}
    report = find_similar(sources)
    write_similarity_csv(tmp_path / "similarity.csv", report)
    with open(tmp_path / "similarity.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2 and rows[1][:2] == ["a", "b"]
    assert 0.8 < float(rows[1][2]) <= 1 and 0.8 < float(rows[1][3]) <= 1
    assert int(rows[1][4]) == report.pairs[0].shared_tokens


DETERMINISM_SCRIPT = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from near_copies import disguise
from autograder.classroom.reports.similarity import SimilaritySettings, find_similar
files = sorted(Path(sys.argv[1], "variants").glob("hw_*.py"))[:4]
sources = {p.stem: p.read_text() for p in files}
sources["copy"] = disguise(sources[files[0].stem])
report = find_similar(sources, SimilaritySettings(threshold=0.2, min_shared_tokens=100))
print(json.dumps([[p.a, p.b, p.similarity_a, p.similarity_b, p.shared_tokens, str(p.a_html)]
                  for p in report.pairs]))
"""


def test_the_same_files_always_give_the_same_pairs() -> None:
    """copydetect hashes with Python's hash(), salted per process: every fingerprint is
    kept (no winnowing), so the salt cannot change what is found."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT, str(REPO / "tests")],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) >= 2  # the copy, and a few independent pairs at this low threshold


@pytest.mark.parametrize("source", ["", "   \n", "x" * (600 * 1024)])
def test_empty_and_huge_files_are_not_compared(source: str) -> None:
    report = find_similar({"odd": source, "a": SOLUTIONS, "b": SOLUTIONS})
    assert [sid for sid, _ in report.not_compared] == ["odd"]
    assert flagged(report) == {frozenset(("a", "b"))}
