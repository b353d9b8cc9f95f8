"""autograder/grading/entries.py: Gradescope entries per graded function, read by people."""

from __future__ import annotations

import math

from autograder.config import load_config
from autograder.devtools.gradescope_view import render_md, render_page
from autograder.grading.entries import (
    check_label,
    entry_names,
    function_entries,
    top_level_output,
)
from autograder.grading.points import format_points, split_points
from autograder.grading.results import (
    FAILED,
    PASSED,
    GradeResult,
    TestResult,
    per_test_records,
    to_gradescope,
)


def _check(name: str, function: str, max_score: float, ok: bool, visibility: str,
           source: str, output: str = "") -> TestResult:
    return TestResult(
        name=f"{function}: {name} ({source})", function=function, max_score=max_score,
        score=max_score if ok else 0.0, status=PASSED if ok else FAILED,
        visibility=visibility, output="" if ok else output,
        tags=[function, "part 1", source], extra_data={"test": name, "part": 1},
    )


def _softmax_checks() -> list[TestResult]:
    maxima = split_points(6, [1, 1, 4, 1, 1])
    return [
        _check("test_softmax_axis_0", "softmax", maxima[0], True, "visible", "public"),
        _check("test_softmax_large_logits_are_stable", "softmax", maxima[1], False, "visible",
               "public", "z = [[ 1000.,    0.],\n     [-1000., -1.]]\n  ^ a <= b ** 2 * c"),
        _check("test_softmax_agrees_with_solution", "softmax", maxima[2], True,
               "after_published", "hidden"),
        _check("test_inputs_unchanged[softmax-ndarray-F]", "softmax", maxima[3], False,
               "after_published", "hidden", "softmax changed its input"),
        _check("test_inputs_unchanged[softmax-ndarray-strided]", "softmax", maxima[4], False,
               "after_published", "hidden", "softmax changed its input"),
    ]


def test_check_labels_are_readable() -> None:
    labels = [check_label(c) for c in _softmax_checks()]
    assert labels == ["axis 0", "large logits are stable", "agrees with solution",
                      "inputs unchanged [ndarray-F]", "inputs unchanged [ndarray-strided]"]
    gd = _check("test_optimizer_descends[gd_step]", "gd_step", 1, True, "visible", "hidden")
    assert check_label(gd) == "optimizer descends"  # the function is the only parameter
    doc = _check("alpha doubles its input [3]", "alpha", 1, True, "visible", "hidden")
    assert check_label(doc) == "alpha doubles its input [3]"  # a docstring, as written


def test_one_entry_per_function_and_visibility_with_the_instructors_points() -> None:
    checks = _softmax_checks()
    entries = function_entries(checks)
    assert [e.name for e in entries] == ["softmax: checks you can run", "softmax: hidden checks"]
    assert math.isclose(sum(e.max_score for e in entries), 6.0, abs_tol=1e-12)
    visible, hidden = entries
    assert visible.max_score == 1.5 and hidden.max_score == 4.5  # by weight: 2 of 8 tests
    assert visible.score == 0.75 and hidden.score == 3.0  # the passed checks' shares
    assert visible.status == hidden.status == FAILED
    assert visible.tags == ["softmax", "part 1", "public"]
    assert hidden.checks == checks[2:]
    # the output: one line per check, then each distinct failure message once, as written
    lines = hidden.output.splitlines()
    assert lines[:5] == ["1 of 3 checks passed: 3/4.50 points.", "",
                         "✓ agrees with solution", "✗ inputs unchanged [ndarray-F]",
                         "✗ inputs unchanged [ndarray-strided]"]
    assert hidden.output.count("softmax changed its input") == 1
    assert "  z = [[ 1000.,    0.],\n       [-1000., -1.]]\n    ^ a <= b ** 2 * c" in \
        visible.output  # indented as a block: the alignment stays
    # a function whose checks are all shown at one time is one entry, named for it
    (only,) = function_entries([c for c in checks if c.visibility == "visible"])
    assert only.name == "softmax" and only.max_score == 1.5


def test_results_json_keeps_every_record_inside_its_entry() -> None:
    checks = _softmax_checks()
    late = TestResult("Late submission", "late", 0.0, -1.0, FAILED, tags=["late"])
    model = GradeResult(tests=[late, *function_entries(checks)])
    data = to_gradescope(model)
    assert [t["name"] for t in data["tests"]] == [
        "Late submission", "softmax: checks you can run", "softmax: hidden checks"]
    records = per_test_records(data)
    assert records[0]["name"] == "Late submission"  # a whole-submission entry is its record
    assert [r["name"] for r in records[1:]] == [c.name for c in checks]
    assert [r["extra_data"]["test"] for r in records[1:]] == [c.extra_data["test"]
                                                             for c in checks]
    assert data["score"] == round(-1.0 + 0.75 + 3.0, 4)
    assert (data["output_format"], data["test_output_format"], data["test_name_format"]) == (
        "md", "text", "text")
    # a results.json of one entry per test (written before the grouping) reads the same
    flat = {"tests": [c.to_dict() for c in checks]}
    assert [r["name"] for r in per_test_records(flat)] == [c.name for c in checks]


def test_names_say_when_two_groups_of_one_kind_are_shown() -> None:
    a = _check("test_a", "f", 1, True, "after_due_date", "hidden")
    b = _check("test_b", "f", 1, True, "hidden", "hidden")
    assert entry_names("f", [("after_due_date", [a]), ("hidden", [b])]) == [
        "f: hidden checks (shown after the due date)", "f: hidden checks (not shown)"]


def test_top_level_output_counts_only_what_is_shown_and_says_when_the_rest_is() -> None:
    config = load_config()
    entries = function_entries(_softmax_checks())
    text = top_level_output(entries, config, code=["  File hw.py\n    x = (\n        ^"])
    assert text.startswith("Points of the checks shown now: 0.75/1.50\n\n"
                           "- Part 1 — Softmax: 0.75/1.50 points")
    assert "4.50 more points come from checks whose results are shown when the instructor " \
        "publishes the grades." in text
    assert "```text\n  File hw.py\n    x = (\n        ^\n```" in text
    for visibility, when in [("after_due_date", "shown after the due date"),
                             ("hidden", "not shown to students")]:
        for e in entries[1:]:
            e.visibility = visibility
        assert when in top_level_output(entries, config)
        assert "publishes" not in top_level_output(entries, config)


def test_points_in_one_precision() -> None:
    assert [format_points(x) for x in (18, 18.0, 4.6, 31.1464, 0.0001, 2.3836)] == [
        "18", "18", "4.60", "31.15", "0", "2.38"]


def test_the_viewer_renders_the_formats_as_gradescope_documents_them() -> None:
    html = render_md("Points: 1/2\n\n- Part 1 — A\\_b: 1/2\n\n```text\n a <= b\n   ^\n```")
    assert "<li>Part 1 — A_b: 1/2</li>" in html
    assert "<pre> a &lt;= b\n   ^</pre>" in html
    page = render_page(to_gradescope(GradeResult(tests=function_entries(_softmax_checks()))),
                       "x")
    assert "<pre>1 of 3 checks passed" in page and "b ** 2 * c" in page
