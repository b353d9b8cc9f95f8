"""Candidate mistakes (autograder/classroom/reports/candidates.py): a class of one-mistake
submissions the catalog does not hold, graded by the real engine; the candidates name each
mistake's function and the relation of its wrong value to the right one. The failing
comparisons they come from are recorded in extra_data only, never in a test's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from unknown_mistakes import UNKNOWN

from autograder import paths
from autograder.classroom.reports.candidates import candidate_mistakes, relation
from autograder.classroom.reports.model import GradedSubmission
from autograder.devtools.mutation import quick_config
from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission
from autograder.mistakes import MISTAKES
from autograder.mistakes.inject import replace_function
from autograder.mistakes.observed import decode, encode

REPO = Path(__file__).resolve().parents[1]
#: two independent correct bases each mistake is written into
BASES = {"ref": paths.SOLUTIONS_HW, "loops": REPO / "tests" / "variants" / "hw_loops.py"}


def test_the_unknown_mistakes_are_not_in_the_catalog() -> None:
    catalogued = {m.source.strip() for m in MISTAKES}
    ids = {m.id for m in MISTAKES}
    for mistake_id, (_, source, _) in UNKNOWN.items():
        assert mistake_id not in ids and source.strip() not in catalogued


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> list[GradedSubmission]:
    tmp = tmp_path_factory.mktemp("unknown")
    config = quick_config(5)
    subs = []
    for mistake_id, (function, source, _) in UNKNOWN.items():
        for base, path in BASES.items():
            hw = tmp / f"{mistake_id}-{base}" / "hw.py"
            hw.parent.mkdir()
            hw.write_text(replace_function(path.read_text(encoding="utf-8"), function, source),
                          encoding="utf-8")
            results = grade_submission(hw, None, config=config, functions=[function])
            sid = f"{mistake_id}-{base}"
            subs.append(GradedSubmission(sid, sid, "", "", "", "graded", "", results))
    return subs


def test_each_unknown_mistake_is_a_candidate_with_its_relation(
        graded_class: list[GradedSubmission]) -> None:
    found = candidate_mistakes(graded_class)
    for mistake_id, (function, _, expected_relation) in UNKNOWN.items():
        students = {f"{mistake_id}-{b}" for b in BASES}
        mine = [c for c in found if set(c.submissions) == students]
        # one mistake, one candidate: its values on every input joined, whatever each shows
        assert len(mine) == 1, (mistake_id, [(c.function, c.relation, c.submissions)
                                             for c in found])
        c = mine[0]
        assert c.function == function
        assert c.relation.startswith(expected_relation), (mistake_id, c.relation, c.also_seen)
        assert c.example is not None and c.example.function == function
        assert f'"{function}"' in c.draft and f"def {function}(" in c.draft
    part = next(c for c in found if c.function == "linear_backward")
    assert part.part == "dx"
    # where every right label is 1, a one-based predict is also twice the right value
    one_based = next(c for c in found if c.function == "predict")
    assert "factor 2 (1 test)" in one_based.also_seen
    assert len(found) == len(UNKNOWN)


def test_drafts_of_simple_relations_reproduce_the_mistake(
        graded_class: list[GradedSubmission]) -> None:
    """The draft entry of a factor, a transpose, an offset or another function's output is
    runnable buggy code: it returns the wrong value the students returned."""
    import numpy as np

    from autograder.mistakes.diagnosis import reference_module

    for c in candidate_mistakes(graded_class):
        if c.relation == "same wrong value" or c.relation.startswith("right in"):
            continue
        source = c.draft.split('"""')[1]
        namespace = dict(vars(reference_module()))
        exec(compile(__import__("textwrap").dedent(source), "<draft>", "exec"), namespace)
        ex = c.example
        assert ex is not None
        got = namespace[c.function](*ex.args, **ex.kwargs)
        if isinstance(ex.got, tuple):
            got, want = got[("dx", "dW", "db").index(c.part)] if c.part else got, \
                ex.got[("dx", "dW", "db").index(c.part)] if c.part else ex.got
        else:
            want = ex.got
        assert np.allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float)), c.draft


def test_the_record_is_in_extra_data_only(graded_class: list[GradedSubmission]) -> None:
    failing = [t for s in graded_class for t in per_test_records(s.results)
               if t["status"] == "failed" and "observed" in t.get("extra_data", {})]
    assert failing
    for t in failing:
        record = t["extra_data"]["observed"]
        assert set(record) == {"function", "args", "kwargs", "expected", "got"}
        assert "observed" not in t["output"] and '"expected"' not in t["output"]
        assert len(json.dumps(record)) < 20_000  # bounded
    passing = [t for s in graded_class for t in per_test_records(s.results)
               if t["status"] == "passed"]
    assert passing and not any("observed" in t.get("extra_data", {}) for t in passing)


def test_catalogued_mistakes_are_not_candidates(tmp_path: Path) -> None:
    source = replace_function(paths.SOLUTIONS_HW.read_text(encoding="utf-8"), "mae_grad",
                              next(m for m in MISTAKES if m.id == "mae_grad_no_mean").source)
    subs = []
    for k in range(2):
        hw = tmp_path / f"s{k}" / "hw.py"
        hw.parent.mkdir()
        hw.write_text(source, encoding="utf-8")
        results = grade_submission(hw, None, config=quick_config(3), functions=["mae_grad"])
        subs.append(GradedSubmission(f"s{k}", "", "", "", "", "graded", "", results))
    assert any(t.get("extra_data", {}).get("mistakes") for t in per_test_records(subs[0].results))
    assert candidate_mistakes(subs) == []


def test_encoding_is_bounded_and_round_trips() -> None:
    import numpy as np

    small = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert np.array_equal(decode(encode(small)), small)
    pair = decode(encode((1.5, {"W": small})))
    assert pair[0] == 1.5 and np.array_equal(pair[1]["W"], small)
    big = encode(np.zeros(1000))
    assert big["omitted"] and "v" not in big and big["shape"] == [1000]
    assert decode(encode(float("nan"))) != decode(encode(float("nan")))  # nan kept as nan


def test_relation_of_a_hand_made_record() -> None:
    import numpy as np

    from autograder.classroom.reports.candidates import Observation

    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    right = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    obs = Observation("s", "t", "softmax", [z], {"axis": -1}, right, 0.5 * right, {})
    assert relation(obs) == ("", "factor 1/2")
    obs.got = right + 0.25
    assert relation(obs) == ("", "offset +0.25")
    obs.got = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    assert relation(obs) == ("", "axis 0")
