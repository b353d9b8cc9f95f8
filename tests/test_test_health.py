"""The test-suite health page (autograder/devtools/test_health.py): its rendering, and the
committed docs/TEST_HEALTH.md lists every catalogued mistake (regenerate it with
``python -m autograder.devtools.test_health --quick 10`` when the catalog changes)."""

from __future__ import annotations

from autograder.devtools.test_health import DEFAULT_OUT, render
from autograder.mistakes import MISTAKES


def test_render_lists_uncaught_and_public_blind_mistakes() -> None:
    rows = [
        {"id": "gd_step_ascent", "function": "gd_step",
         "tests": [["test_gd_step", "public", True], ["test_hidden_one", "hidden", True]]},
        {"id": "gd_step_inplace", "function": "gd_step",
         "tests": [["test_gd_step", "public", False], ["test_hidden_one", "hidden", True]]},
        {"id": "relu_abs", "function": "relu", "tests": [["test_relu", "public", False]]},
    ]
    page = render(rows)
    none_catch = page.split("## Mistakes no test catches")[1].split("##")[0]
    assert "`relu_abs`" in none_catch and "gd_step" not in none_catch
    public_blind = page.split("## Mistakes no public test catches")[1].split("##")[0]
    assert "`gd_step_inplace` (gd_step): caught by `test_hidden_one`" in public_blind
    assert "gd_step_ascent" not in public_blind
    assert "| `gd_step` | `test_hidden_one` | hidden | `gd_step_ascent`, `gd_step_inplace` |" \
        in page
    assert "| `relu` | `test_relu` | public | none |" in page
    assert render(rows) == page  # deterministic


def test_the_committed_page_covers_the_catalog() -> None:
    page = DEFAULT_OUT.read_text(encoding="utf-8")
    per_mistake = page.split("## Per mistake")[1].split("## Per test")[0]
    listed = {line.split("`")[1] for line in per_mistake.splitlines() if line.startswith("| `")}
    assert listed == {m.id for m in MISTAKES}, "docs/TEST_HEALTH.md is stale: regenerate it"
