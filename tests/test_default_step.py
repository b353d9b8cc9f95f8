"""``numerical_gradient``'s default step is graded directly (issue 23, grading details).

A ``numerical_gradient(f, x, h=1e-4)`` (the assignment says ``h=1e-5``) lost only 0.24 of
its 5 points: no hidden test called it without h on a function where the step shows. Now
``test_numerical_gradient_default_step_is_1e_5`` does, on a cubic, whose central difference
``3 c x^2 + c h^2`` is off by ``c * 1e-8`` with h = 1e-4, far above its tolerance, while the
rounding noise of the right step is far below it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from autograder import paths
from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission

DEFAULT_STEP_TEST = "test_numerical_gradient_default_step_is_1e_5"


def _grade(source: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="default-step-"))
    (folder / "hw.py").write_text(source, encoding="utf-8")
    return grade_submission(folder / "hw.py", None, functions=["numerical_gradient"])


def _default_step_entries(results: dict) -> list[dict]:
    return [t for t in per_test_records(results) if DEFAULT_STEP_TEST in t["name"]]


@pytest.mark.parametrize("step", ["1e-4", "1e-3"])
def test_another_default_step_fails_the_default_step_test(step: str) -> None:
    source = paths.SOLUTIONS_HW.read_text(encoding="utf-8")
    changed = source.replace("def numerical_gradient(f, x, h=1e-5):",
                             f"def numerical_gradient(f, x, h={step}):")
    assert changed != source
    entries = _default_step_entries(_grade(changed))
    assert entries and all(t["status"] == "failed" for t in entries), entries
    assert "default h (h=1e-05)" in entries[0]["output"]


def test_the_solution_passes_it() -> None:
    entries = _default_step_entries(_grade(paths.SOLUTIONS_HW.read_text(encoding="utf-8")))
    assert entries and all(t["status"] == "passed" for t in entries), entries
