"""Public tests: their points need unseen inputs too, and each test builds its own.

SPEC section 4: "A public test's points count only when its function is also right on
inputs the student has not seen: a table of the public tests' answers earns nothing."
When graded, every public test also runs as its twin on unseen inputs of the same kind
(:mod:`autograder.grading.public_twins`, :mod:`autograder.hidden_tests.unseen_inputs`):

* the lookup-table attack of issue 21 (every public call's answer recorded from a run of
  the public tests, nothing implemented) scores 0 (and scored over 30 without the twins);
* every honest submission keeps exactly its points: for the solutions, every correct
  variant and every catalogued mistake, each public test passes on its unseen inputs
  exactly when it passes on its own (the student's own run of both, one process);
* every ``stored.example`` kind has unseen values, of the same names and kinds, and never
  the public ones.

Issue 23 "Public tests independent": no public test module holds a mutable module-level
value, and a ``mse_loss`` that subtracts in place is blamed on ``mse_loss`` in the student's
own run (it used to change an array the next test, of ``mse_grad``, used).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from lookup_table import lookup_source, record_public_answers
from variant_helpers import VARIANTS, completed

from autograder import paths
from autograder.config import load_config
from autograder.devtools.mutation import callers_of
from autograder.grading import public_twins
from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission
from autograder.hidden_tests.unseen_inputs import KINDS, UnseenInputs
from autograder.mistakes import MISTAKES
from autograder.mistakes.inject import mutant_source

HARNESS = Path(__file__).with_name("public_twin_harness.py")
PUBLIC_TESTS = sorted(paths.STUDENT_TESTS.glob("test_*.py"))


def _public_score(results: dict[str, Any]) -> float:
    return sum(r["score"] for r in per_test_records(results)
               if r["extra_data"].get("source") == "public")


# ----------------------------------------------------------------------------- the attack


def test_a_table_of_the_public_answers_earns_nothing(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    functions = list(load_config().functions)
    table = record_public_answers(tmp_path, functions)
    assert len(table) > 100  # every call of the public tests (143 when written)
    hw = tmp_path / "lookup" / "hw.py"
    hw.parent.mkdir()
    hw.write_text(lookup_source(table, functions), encoding="utf-8")
    graded = grade_submission(hw)
    assert graded["score"] == 0, [r["name"] for r in per_test_records(graded) if r["score"]]
    # without the twins, the table passed the public tests (as in issue 21: 30.93 / 100)
    monkeypatch.setattr(public_twins.PublicTwins, "with_twins", lambda self, items, _: items)
    before = grade_submission(hw)
    assert before["score"] >= 30 and _public_score(before) == pytest.approx(before["score"])
    passed = {r["name"] for r in per_test_records(before) if r["status"] == "passed"}
    assert len(passed) >= 90
    for r in per_test_records(graded):  # each fails on its twin, which shows nothing
        if r["name"] in passed:
            assert r["output"] == public_twins.UNSEEN_FAILED, r
            assert r["extra_data"]["kind"] == public_twins.UNSEEN_KIND, r


# ----------------------------------------------------------------------------- the kinds


def _example_kinds() -> set[str]:
    """Every ``example("kind", ...)`` of the public tests (the first argument, a string)."""
    kinds = set()
    for path in PUBLIC_TESTS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "example"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                kinds.add(node.args[0].value)
    return kinds


def test_every_example_kind_has_unseen_values_and_no_generator_is_unused() -> None:
    assert _example_kinds() == set(KINDS)


def _same_kind(public: Any, unseen: Any, where: str) -> None:
    if isinstance(public, np.ndarray):
        assert isinstance(unseen, np.ndarray), where
        assert (unseen.dtype, unseen.ndim) == (public.dtype, public.ndim), where
    elif isinstance(public, dict):
        assert isinstance(unseen, dict) and list(unseen) == list(public), where
        for k in public:
            _same_kind(public[k], unseen[k], f"{where}[{k!r}]")
    elif isinstance(public, (list, tuple)):
        assert type(unseen) is type(public), where
        if isinstance(public, list) and all(isinstance(p, np.ndarray) for p in public):
            # batches: any count
            for u in unseen:
                _same_kind(public[0], u, f"{where}[...]")
        else:
            assert len(unseen) == len(public), where
            for i, (p, u) in enumerate(zip(public, unseen)):
                _same_kind(p, u, f"{where}[{i}]")
    else:
        assert type(unseen) is type(public), f"{where}: {type(unseen)} for {type(public)}"


def test_unseen_cases_are_of_the_same_kind_and_not_the_public_ones() -> None:
    stored = paths.load_module(paths.STUDENT_TESTS / "stored.py", "_stored_for_kinds")
    unseen = UnseenInputs()
    public_cases = json.loads(stored.VALUES_FILE.read_text(encoding="utf-8"))["cases"]
    for name, encoded in public_cases.items():
        public = stored.decode(encoded)
        twin = unseen.case(name)
        _same_kind(public, twin, name)
        assert json.dumps(_plain(public)) != json.dumps(_plain(twin)), name


def test_unseen_examples_are_of_the_same_kind_and_not_the_public_ones(outcomes) -> None:
    """Checked on every example the public tests take in the harness' run of the solutions
    (:class:`public_twin_harness.CheckedUnseen`)."""
    assert outcomes["solutions"]  # it ran
    assert outcomes["_example_problems"] == {}


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- honest points


def _harness(tmp_path: Path, spec: list[dict[str, Any]]) -> dict[str, dict[str, list[bool]]]:
    spec_file, out = tmp_path / "spec.json", tmp_path / "outcomes.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run([sys.executable, str(HARNESS), str(spec_file), str(out)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[bool]]]:
    """Every public test's outcome on its own and on unseen inputs: for the solutions, the
    correct variants and every catalogued mistake (the tests of its function and callers)."""
    folder = tmp_path_factory.mktemp("twins")
    everything = list(load_config().functions)
    spec = [{"name": "solutions", "path": str(paths.SOLUTIONS_HW), "functions": everything}]
    for variant in VARIANTS:
        path = folder / f"{variant.stem}.py"
        path.write_text(completed(variant), encoding="utf-8")
        spec.append({"name": variant.stem, "path": str(path), "functions": everything})
    for m in MISTAKES:
        path = folder / f"mistake_{m.id}.py"
        path.write_text(mutant_source(m), encoding="utf-8")
        spec.append({"name": m.id, "path": str(path),
                     "functions": [m.function, *sorted(callers_of(m.function))]})
    return _harness(folder, spec)


def test_correct_submissions_pass_every_public_test_on_unseen_inputs(outcomes) -> None:
    names = ["solutions", *(v.stem for v in VARIANTS)]
    failed = [(n, t, o) for n in names for t, o in outcomes[n].items() if o != [True, True]]
    assert failed == []


def test_an_honest_mistake_passes_a_twin_exactly_when_it_passes_the_public_test(
        outcomes) -> None:
    """A public test passed on its own inputs but failed on unseen ones would cost an
    honest submission points it gets without the twins."""
    lost = [(m.id, test) for m in MISTAKES for test, (public, unseen) in outcomes[m.id].items()
            if public and not unseen]
    assert lost == []
    assert all(outcomes[m.id] for m in MISTAKES)  # each ran its function's tests


# ----------------------------------------------------------------------------- independence


def _module(path: Path) -> ModuleType:
    saved = list(sys.path)
    sys.path.insert(0, str(path.parent))
    try:
        return paths.load_module(path, f"_public_{path.stem}")
    finally:
        sys.path[:] = saved


@pytest.mark.parametrize("path", PUBLIC_TESTS, ids=lambda p: p.stem)
def test_no_public_test_module_holds_a_mutable_value(path: Path) -> None:
    module = _module(path)
    mutable = [name for name, value in vars(module).items()
               if not name.startswith("__")
               and isinstance(value, (np.ndarray, list, dict, set, bytearray))]
    assert mutable == [], f"{path.name}: module-level {mutable} could pass from test to test"


IN_PLACE_MSE_LOSS = '''
def mse_loss(y_pred, y):
    y_pred -= y  # in place: the caller's array changes
    return float(np.mean(np.asarray(y_pred, dtype=np.float64) ** 2))
'''


def test_an_in_place_mse_loss_is_blamed_on_mse_loss_in_the_students_run(tmp_path: Path) -> None:
    from autograder.mistakes.inject import replace_function

    hw = tmp_path / "hw.py"
    hw.write_text(replace_function(paths.SOLUTIONS_HW.read_text(encoding="utf-8"), "mse_loss",
                                   IN_PLACE_MSE_LOSS), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist",
         f"--hw-file={hw}", "-k", "mse or mae"],
        cwd=paths.STUDENT_DIR, capture_output=True, text=True,
    )
    out = done.stdout
    assert "mse_loss: modified its input `y_pred` in place" in out, out[-3000:]
    checklist = out[out.index("homework checklist"):]
    assert "✗ mse_loss" in checklist or "x mse_loss" in checklist
    for other in ("mse_grad", "mae_loss", "mae_grad"):
        assert f"{other} " in checklist and f"✗ {other}" not in checklist, checklist


# ----------------------------------------------------------------------------- local hints


def test_a_students_run_names_a_catalogued_mistake(tmp_path: Path) -> None:
    """Issue 23 "Hints before submitting": the student's own pytest names the mistake its
    failing function makes (student/tests/hints.py), and the right functions get none."""
    from autograder.mistakes import get

    mistake = get("mse_grad_missing_2")
    hw = tmp_path / "hw.py"
    hw.write_text(mutant_source(mistake), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist",
         f"--hw-file={hw}", "-k", "mse or mae"],
        cwd=paths.STUDENT_DIR, capture_output=True, text=True,
    )
    out = done.stdout
    assert f"This matches a known mistake: {mistake.explanation}" in out, out[-3000:]
    assert out.count("This matches a known mistake") == 2  # its two failing tests
