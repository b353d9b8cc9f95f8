"""Correct alternative implementations of the whole hw.py get full marks.

Each file in ``tests/variants/`` is a complete, genuinely different, correct ``hw.py``
(loops, einsum, log-domain formulas, in-place work on copies, full Jacobian + lists +
NumPy scalars, a functional style, class-based optimizers with errstate-guarded formulas,
clipped inputs with ``out=``/``where=`` logs). Graded by the real engine (sandboxed
worker, hidden and public tests, the instructor's configuration), each must score 100 / 100.
"""

from __future__ import annotations

import ast
import concurrent.futures
import math
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from autograder import paths
from autograder.runner import grade_submission

VARIANTS_DIR = Path(__file__).parent / "variants"
VARIANTS = sorted(VARIANTS_DIR.glob("hw_*.py"))


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def _grade(path: str, folder: str) -> dict[str, Any]:
    """Grade one variant as a submission named hw.py (run in a fresh process)."""
    target = Path(folder) / path.rsplit("/", 1)[-1].removesuffix(".py") / "hw.py"
    target.parent.mkdir(parents=True)
    shutil.copy(path, target)
    return grade_submission(target, None)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """results.json of every variant, graded two at a time in fresh processes."""
    folder = tmp_path_factory.mktemp("variants")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = {v.name: pool.submit(_grade, str(v), str(folder)) for v in VARIANTS}
        return {name: f.result() for name, f in futures.items()}


def test_there_are_at_least_six_complete_variants():
    reference = _functions(paths.SOLUTIONS_HW)
    assert len(VARIANTS) >= 6
    texts = set()
    for v in VARIANTS:
        assert _functions(v) >= reference, f"{v.name} lacks {reference - _functions(v)}"
        texts.add(v.read_text())
    assert len(texts) == len(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda p: p.stem)
def test_variant_gets_full_marks(graded: dict[str, dict[str, Any]], variant: Path):
    results = graded[variant.name]
    lost = [
        f"{t['tags'][0]}: {t['name']}: {t['output'][:400]}"
        for t in results["tests"]
        if t["score"] < t["max_score"] - 1e-9
    ]
    assert not lost, "\n".join(lost)
    assert math.isclose(sum(t["max_score"] for t in results["tests"]), 100.0, abs_tol=1e-6)
    assert math.isclose(results["score"], 100.0, abs_tol=1e-6)
