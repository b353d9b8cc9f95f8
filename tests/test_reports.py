"""The graders' reports: aggregation, grades.csv, self-contained HTML, the student's code."""

from __future__ import annotations

import csv
import re
import textwrap
from pathlib import Path

import pytest

from autograder.classroom.reports import GradedSubmission, SkippedInput, write_reports
from autograder.classroom.reports.code import failing_code, function_spans, highlight_lines
from autograder.classroom.reports.model import normalize_message, problem_detail, summarize


def entry(fn: str, name: str, score: float, max_score: float, output: str = "", kind=None):
    """One results.json test entry (SPEC section 4)."""
    return {
        "name": f"{fn}: {name}",
        "score": score,
        "max_score": max_score,
        "status": "passed" if score >= max_score and not output else "failed",
        "visibility": "visible",
        "output": output,
        "tags": [fn, "public"],
        "extra_data": {"kind": kind} if kind else {},
    }


def sub(sub_id: str, tests: list[dict], source: str | None = None, **kw) -> GradedSubmission:
    """A graded submission with these results."""
    fields = {
        "label": sub_id,
        "name": "",
        "email": "",
        "sid": "",
        "status": "graded",
        "message": "",
    }
    fields.update(kw)
    results = {"score": sum(t["score"] for t in tests), "tests": tests}
    return GradedSubmission(
        id=sub_id, results=results, source=source, source_name="hw.py", **fields
    )


SOURCE = textwrap.dedent(
    '''\
    import os
    os._exit(3)  # never runs: the report only parses the file


    def softmax(z, axis=-1):
        """Softmax.

        A long docstring
        that the report folds
        away.
        """
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)


    @some_decorator
    def relu(x):
        return x * (x > 0)


    def outer():
        def relu_backward(x, upstream):
            return upstream
        return relu_backward
    '''
)


def test_function_spans_cover_decorators_docstrings_and_nested_functions() -> None:
    spans = function_spans(SOURCE)
    assert spans["softmax"] == (5, 13, (6, 11))
    assert spans["relu"] == (16, 18, None)  # the decorator line is included
    assert spans["relu_backward"][:2] == (22, 23)
    with pytest.raises(SyntaxError):
        function_spans("def broken(:\n")


def test_failing_code_folds_the_docstring_and_keeps_line_numbers() -> None:
    file_block, blocks = failing_code(SOURCE, ["softmax", "relu", "predict"])
    assert file_block is None
    html = str(blocks["softmax"].html)
    assert "docstring, lines 6 to 11, not shown" in html
    assert "A long docstring" not in html
    numbers = [int(n) for n in re.findall(r'<span class="linenos">\s*(\d+)</span>', html)]
    assert numbers == [5, 12, 13]
    assert "some_decorator" in str(blocks["relu"].html)
    assert blocks["predict"].html is None
    assert "no function named predict" in blocks["predict"].note


def test_syntax_error_shows_the_lines_around_it_highlighted_in_context() -> None:
    source = SOURCE.replace("return x * (x > 0)", "return x * (x > 0")
    file_block, blocks = failing_code(source, ["relu"])
    assert blocks == {}
    assert file_block is not None and "line 18" in file_block.note
    html = str(file_block.html)
    assert '<span class="hll">' in html  # the offending line is marked
    # A window that starts inside a docstring is still tokenised as a string.
    window = str(highlight_lines(SOURCE, 9, 10))
    assert "A long docstring" not in window and "that the report folds" in window
    assert re.search(r'<span class="s[d2]">\s*that the report folds', window)


def test_summary_pass_rates_problems_and_frequent_failures() -> None:
    wrong = "{fn}: wrong values: 2 of 3 entries outside the tolerance (max rel err 0.{d})"
    subs = [
        sub("a", [entry("softmax", "t1", 3, 3), entry("relu", "t1", 1, 1)]),
        sub(
            "b",
            [
                entry("softmax", "t1", 0, 3, wrong.format(fn="softmax", d=5), "wrong"),
                entry("relu", "t1", 0, 1, wrong.format(fn="relu", d=7), "wrong"),
            ],
        ),
        sub(
            "c",
            [
                entry("softmax", "t1", 0, 3, "timed out after 10 s calling softmax", "timeout"),
                entry("relu", "t1", 1, 1),
            ],
        ),
        sub("d", [entry("softmax", "t1", 0, 3, "x", "bad_input")], status="bad_input"),
    ]
    s = summarize(subs, [SkippedInput("notes.txt", "not a submission")])
    rates = {f.name: (f.full_marks, f.n) for f in s.functions}
    assert rates == {"softmax": (1, 3), "relu": (2, 3)}  # bad inputs are not in the rates
    assert [t.rate for t in s.tests] == pytest.approx([1 / 3, 2 / 3])
    # Same message in two functions, numbers differ: one group; the timeout is a problem.
    assert len(s.failures) == 1
    group = s.failures[0]
    assert group.functions == ["softmax", "relu"] and group.submissions == ["b"]
    assert group.count == 2
    assert [(x.id, p.label) for x, p in s.problems] == [
        ("c", "timed out"),
        ("d", "could not be graded"),
    ]
    assert s.stat("mean") == pytest.approx((4 + 0 + 1 + 0) / 4)
    assert normalize_message("got 1.5e-3 at [0, 12]") == "got # at [#, #]"
    detail = problem_detail('hw.py could not be imported:  File "hw.py", line 3\nSyntaxError: bad')
    assert detail.endswith("SyntaxError: bad")


def test_write_reports_csv_and_self_contained_escaped_html(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    subs = [
        sub(
            "s1",
            [
                entry("softmax", "t1", 1.5, 3, f"wrong: {evil}", "wrong"),
                entry("softmax", "t2", 3, 3),
                entry("relu", "t1", 1 / 3, 1, "half", "wrong"),
            ],
            SOURCE,
            name=f"Eve {evil}",
            email="eve@example.edu",
        ),
        sub("s2", [entry("softmax", "t1", 3, 3), entry("softmax", "t2", 3, 3)]),
    ]
    write_reports(
        tmp_path, subs, [SkippedInput("notes.txt", "not a submission")], per_test_columns=True
    )
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:11] == ["id", "name", "email", "sid", "total", "raw_total",
                                  "late_penalty", "days_late", "submitted_at", "softmax", "relu"]
    assert rows[-1]["id"] == "notes.txt" and rows[-1]["status"] == "not_a_submission"
    rows = rows[:-1]
    assert (
        rows[0]["total"] == "4.8333" and rows[0]["softmax"] == "4.5" and rows[0]["relu"] == "0.3333"
    )
    assert rows[0]["test:softmax: t1"] == "1.5" and rows[1]["test:relu: t1"] == ""
    assert rows[1]["relu"] == "0"  # a function without tests in a submission scores 0
    for page in (tmp_path / "report.html", tmp_path / "submissions" / "s1" / "report.html"):
        html = page.read_text()
        assert evil not in html and "&lt;script&gt;" in html
        assert "<script" not in html and "<link" not in html and "@import" not in html
        # No fetched URL anywhere (SVG namespaces are names, not requests).
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
        assert not re.search(r"url\(\s*[\"']?(?!#)", html)  # only in-page url(#clip) refs
    report = (tmp_path / "report.html").read_text()
    assert "<svg" in report and 'class="plot"' in report  # the inline histogram
    assert "notes.txt" in report
    page = (tmp_path / "submissions" / "s1" / "report.html").read_text()
    assert 'id="fn-softmax"' in page and 'id="fn-relu"' in page
    assert '<span class="nf">softmax</span>' in page  # highlighted student code
    assert "../../report.html" in page


def test_every_page_says_which_isolation_was_in_force_and_what_it_lacked(
        tmp_path: Path) -> None:
    """SPEC section 5: every results.json and report says which isolation was in force; a
    weaker one is said in the words results.json's ``weaker`` gives."""
    from autograder.sandbox.isolation import describe

    jail = describe("root", True, 61001, {"syscall_filter": "seccomp", "init": 1,
                                          "tmp": "tmpfs (size=64m)"},
                    "none (own network namespace)", "")
    no_chroot = describe("root", False, 61002, {"syscall_filter": "seccomp",
                                                "landlock": "not supported"},
                         "none (own network namespace)", "")
    assert "weaker" not in jail and "host's world-readable files" in no_chroot["weaker"]
    subs = []
    for sub_id, info in (("s1", jail), ("s2", no_chroot), ("s3", no_chroot), ("s4", None)):
        graded = sub(sub_id, [entry("relu", "t1", 1, 1)])
        if info is not None:
            graded.results["extra_data"] = {"isolation": info}
        subs.append(graded)
    write_reports(tmp_path, subs, [])
    report = (tmp_path / "report.html").read_text()
    line = re.search(r"Isolation: (.*?)</p>", report).group(1)
    assert line == ("own uid, no chroot (2), root jail (chroot, own uid, own namespaces) (1)")
    weaker = no_chroot["weaker"].replace("'", "&#39;")
    assert f"<b>own uid, no chroot</b>, 2 submissions: {weaker}." in report
    pages = {s: (tmp_path / "submissions" / s / "report.html").read_text() for s in
             ("s1", "s2", "s4")}
    assert "Isolation: root jail (chroot, own uid, own namespaces).</p>" in pages["s1"]
    assert f"Isolation: own uid, no chroot; {weaker}.</p>" in pages["s2"]
    assert "Isolation: none recorded" in pages["s4"]
