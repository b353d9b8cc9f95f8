"""``autograder grade`` with nothing changed (autograder/classroom/reports/): a rerun from the
cache writes exactly the files a forced run from scratch writes (apart from time stamps),
without re-rendering the pages of unchanged submissions, tokenising code or comparing a
pair in full again; a changed submission's page and pairs are made again.

The grader is an in-process stand-in (the batch's cache and reports are under test, not the
engine): it answers with a results.json in SPEC section 4's shape whose tests fail where the
source holds ``BUG``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from near_copies import disguise

from autograder import paths
from autograder.classroom import batch
from autograder.classroom.reports import html as html_module
from autograder.classroom.reports import similarity

REPO = Path(__file__).resolve().parents[1]
STAMP = re.compile(r"generated \d{4}-\d\d-\d\d \d\d:\d\d [^<]*")
PAGE_MARK = re.compile(r"<!-- page inputs (?P<key>[0-9a-f]{64}) (?P<sha>[0-9a-f]{64}) -->")


class StandIn:
    """Two tests per function of the source; a function whose code holds ``BUG`` fails."""

    def grade(self, submission: Path, sub_dir: Path, timeout: float) -> tuple[dict, str, str]:
        source = (submission / "hw.py").read_text(encoding="utf-8")
        chunks = re.split(r"^def ", source, flags=re.M)[1:]
        tests = []
        for chunk in chunks:
            fn = chunk.split("(", 1)[0]
            ok = "BUG" not in chunk
            for case in ("values", "shapes"):
                tests.append({"name": f"test_{fn}_{case}", "score": 1.0 if ok else 0.0,
                              "max_score": 1.0, "status": "passed" if ok else "failed",
                              "visibility": "visible", "tags": [fn],
                              "output": "" if ok else f"{fn}() returned wrong values"})
        results = {"score": sum(t["score"] for t in tests), "execution_time": 0.0,
                   "output": "", "tests": tests, "extra_data": {"submission_file": "hw.py"}}
        return results, "graded", ""

    def close(self) -> None:
        """Nothing to stop."""


@pytest.fixture(autouse=True)
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    original = batch.grader_factory

    def factory(*args, **kwargs):
        _, key = original(*args, **kwargs)
        return StandIn, [*key, "stand-in"]

    monkeypatch.setattr(batch, "grader_factory", factory)


@pytest.fixture
def klass(tmp_path: Path) -> Path:
    """Five students: two independent solutions, a disguised copy of one (a flagged pair),
    a buggy one and the stub."""
    loops = (REPO / "tests" / "variants" / "hw_loops.py").read_text(encoding="utf-8")
    files = {
        "ann": paths.SOLUTIONS_HW.read_text(encoding="utf-8"),
        "ben": loops,
        "cat": disguise(loops),
        "dan": (REPO / "tests" / "variants" / "hw_einsum.py").read_text(encoding="utf-8")
        .replace("def relu(x):", "def relu(x):  # BUG", 1),
        "eve": paths.STUDENT_HW.read_text(encoding="utf-8"),
    }
    folder = tmp_path / "class"
    for sid, text in files.items():
        (folder / sid).mkdir(parents=True)
        (folder / sid / "hw.py").write_text(text, encoding="utf-8")
    return folder


def written(out: Path) -> dict[str, str]:
    """Every file of an output folder, time stamps and grading times masked."""
    files = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file() or ".inputs" in p.parts:
            continue
        text = p.read_text(encoding="utf-8")
        if p.name == "cache.json":
            entry = json.loads(text)
            entry.pop("seconds")
            text = json.dumps(entry)
        files[p.relative_to(out).as_posix()] = STAMP.sub("generated <stamp>", _page_mark(text))
    return files


def _page_mark(text: str) -> str:
    """A submission page with its second line's sha256 of the rest of the page checked and
    masked: the rest holds the time stamp, so the sha256 differs when the stamps do."""
    first, _, rest = text.partition("\n")
    mark, _, body = rest.partition("\n")
    found = PAGE_MARK.fullmatch(mark)
    if found is None:
        return text
    assert found["sha"] == hashlib.sha256((first + "\n" + body).encode()).hexdigest(), mark
    return "\n".join([first, f"<!-- page inputs {found['key']} <sha256 of the page> -->", body])


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list]]:
    """Calls of the costly steps: page rendering, tokenising, full comparisons."""
    calls: dict[str, list] = {"page": [], "tokenise": [], "compare": []}
    for module, name, key in ((html_module, "render_submission_report", "page"),
                              (similarity, "_tokenise", "tokenise"),
                              (similarity, "_compare", "compare")):
        original = getattr(module, name)

        def spy(*a, __f=original, __k=key, **k):
            calls[__k].append(a[0])
            return __f(*a, **k)

        monkeypatch.setattr(module, name, spy)
    yield calls


def grade(folder: Path, out: Path, **kwargs) -> batch.BatchSummary:
    return batch.grade(folder, out, 1, progress=False, **kwargs)


def test_a_cached_rerun_writes_what_a_forced_run_writes(
        klass: Path, tmp_path: Path, counted: dict[str, list]) -> None:
    out = tmp_path / "out"
    first = grade(klass, out)
    assert first.n_run == 5 and len(counted["page"]) == 5 and counted["compare"]
    assert (out / "similarity" / "pair-1.html").is_file()  # ben and cat
    for calls in counted.values():
        calls.clear()
    again = grade(klass, out)
    assert again.n_cached == 5
    assert counted == {"page": [], "tokenise": [], "compare": []}
    scratch = grade(klass, tmp_path / "forced", force=True)
    assert scratch.n_run == 5
    assert written(out) == written(tmp_path / "forced")


def test_a_changed_submission_is_drawn_and_compared_again(
        klass: Path, tmp_path: Path, counted: dict[str, list]) -> None:
    out = tmp_path / "out"
    grade(klass, out)
    cat = klass / "cat" / "hw.py"
    cat.write_text(cat.read_text(encoding="utf-8") + "\n\ndef extra(x):\n    return x  # BUG\n",
                   encoding="utf-8")
    for calls in counted.values():
        calls.clear()
    summary = grade(klass, out)
    assert summary.n_run == 1
    assert [s.id for s in counted["page"]] == ["cat"]
    assert counted["tokenise"] == [cat.read_text(encoding="utf-8")]
    assert counted["compare"]  # cat's pairs, compared again
    assert written(out) == written(grade(klass, tmp_path / "forced", force=True).out_dir)


def test_an_edited_or_missing_page_is_drawn_again(klass: Path, tmp_path: Path,
                                                   counted: dict[str, list]) -> None:
    out = tmp_path / "out"
    grade(klass, out)
    ann, ben = (out / "submissions" / sid / "report.html" for sid in ("ann", "ben"))
    whole = ann.read_text(encoding="utf-8")
    ann.write_text(whole[:len(whole) // 2], encoding="utf-8")  # torn, its key line kept
    ben.unlink()
    counted["page"].clear()
    grade(klass, out)
    assert sorted(s.id for s in counted["page"]) == ["ann", "ben"]
    assert STAMP.sub("", ann.read_text(encoding="utf-8")) == STAMP.sub("", whole)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
