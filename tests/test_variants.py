"""Correct alternative implementations of the whole hw.py get full marks.

Each file in ``tests/variants/`` is a genuinely different, correct ``hw.py`` (loops,
einsum, log-domain formulas, in-place work on copies, full Jacobian + lists + NumPy
scalars, a functional style, class-based optimizers with errstate-guarded formulas,
clipped inputs with ``out=``/``where=`` logs). Graded by the real engine (sandboxed
worker, hidden and public tests, the instructor's configuration), each must score full
marks. A variant need not define every graded function: one it lacks is the reference's
(:func:`variant_helpers.completed`), so adding a function to the homework does not mean
editing every variant.
"""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from variant_helpers import VARIANTS, completed, defined_functions, load_completed

from autograder import paths
from autograder.config import TOTAL_POINTS, load_config
from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission


def _grade(path: str, folder: str) -> dict[str, Any]:
    """Grade one variant (completed) as a submission named hw.py (run in a fresh process)."""
    target = Path(folder) / path.rsplit("/", 1)[-1].removesuffix(".py") / "hw.py"
    target.parent.mkdir(parents=True)
    target.write_text(completed(Path(path)), encoding="utf-8")
    return grade_submission(target, None)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """results.json of every variant, graded two at a time in fresh processes."""
    folder = tmp_path_factory.mktemp("variants")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = {v.name: pool.submit(_grade, str(v), str(folder)) for v in VARIANTS}
        return {name: f.result() for name, f in futures.items()}


def test_there_are_at_least_six_variants_each_of_most_of_the_homework():
    graded = set(load_config().functions)
    assert len(VARIANTS) >= 6
    texts = set()
    for v in VARIANTS:
        own = defined_functions(v) & graded
        assert len(own) * 2 > len(graded), f"{v.name} defines only {sorted(own)}"
        texts.add(v.read_text())
    assert len(texts) == len(VARIANTS)


def test_a_variant_lacking_a_function_gets_the_reference_one(tmp_path: Path) -> None:
    """What :func:`completed` adds is the reference's function, and only for what is missing."""
    variant = tmp_path / "hw_partial.py"
    names = list(load_config().functions)
    kept, dropped = names[:-1], names[-1]
    source = "".join(
        f"def {name}(*args, **kwargs):\n    return {name!r}\n\n\n" for name in kept
    )
    variant.write_text(source, encoding="utf-8")
    module = load_completed(variant, "hw_partial_completed")
    assert [getattr(module, name)() for name in kept] == kept  # the variant's own
    reference = paths.load_module(paths.SOLUTIONS_HW, "reference_for_test_variants")
    assert getattr(module, dropped).__doc__ == getattr(reference, dropped).__doc__
    assert getattr(module, dropped).__code__.co_code == getattr(reference, dropped).__code__.co_code
    full = tmp_path / "hw_full.py"
    full.write_text(source + f"def {dropped}():\n    pass\n", encoding="utf-8")
    assert completed(full) == full.read_text(encoding="utf-8")


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda p: p.stem)
def test_variant_gets_full_marks(graded: dict[str, dict[str, Any]], variant: Path):
    results = graded[variant.name]
    lost = [
        f"{t['tags'][0]}: {t['name']}: {t['output'][:400]}"
        for t in per_test_records(results)
        if t["score"] < t["max_score"] - 1e-9
    ]
    assert not lost, "\n".join(lost)
    assert math.isclose(sum(t["max_score"] for t in results["tests"]), TOTAL_POINTS, abs_tol=1e-6)
    assert math.isclose(results["score"], TOTAL_POINTS, abs_tol=1e-6)
