"""The class report and every page it links to, loaded in headless Chromium: no console
error or warning, no script error, no failed load, every local link and anchor resolves,
and the new sections (changes, misconceptions, similar submissions) are shown.

Skips, saying why, where Chromium (Debian package ``chromium``; ``.ci/run`` installs it
as root) or the ``playwright`` package (in the ``dev`` extra) is missing.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from near_copies import disguise
from test_reports import SOURCE, entry, sub

from autograder import paths
from autograder.classroom.reports import PreviousGrades, SkippedInput, write_reports
from autograder.devtools.browser import BrowserMissing, open_browser


def wrong(fn: str, name: str, *mistakes: str) -> dict:
    t = entry(fn, name, 0, 1, f"{fn}: wrong values\nThis matches a known mistake: ...", "wrong")
    t["extra_data"]["mistakes"] = list(mistakes)
    return t


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class report with every section filled: a regrade, shared mistakes, a similar
    pair, a problem, a syntax error, an odd id."""
    out = tmp_path_factory.mktemp("report")
    solutions = paths.SOLUTIONS_HW.read_text(encoding="utf-8")
    subs = [
        sub("ann", [wrong("mse_grad", "t1", "mse_grad_missing_2"), entry("relu", "t1", 1, 1)],
            solutions),
        sub("ben", [wrong("mse_grad", "t1", "mse_grad_missing_2"), entry("relu", "t1", 1, 1)],
            disguise(solutions)),
        sub("cat & co", [entry("mse_grad", "t1", 1, 1), wrong("relu", "t1", "relu_wrong")],
            SOURCE),
        sub("dan", [entry("mse_grad", "t1", 0, 1, "timed out", "timeout")],
            "def softmax(z:\n    return z\n", status="timeout"),
    ]
    previous = PreviousGrades("earlier-run", {
        "ann": {"tests": [entry("mse_grad", "t1", 1, 1), entry("relu", "t1", 1, 1)]},
        "ben": {"tests": [entry("mse_grad", "t1", 0, 1, "no"), entry("relu", "t1", 1, 1)]},
        "gone": {"tests": []},
    })
    write_reports(out, subs, [SkippedInput("notes.txt", "not a submission")], previous=previous)
    return out


def _local(url: str) -> tuple[Path, str]:
    parsed = urlparse(url)
    return Path(unquote(parsed.path)), parsed.fragment


def test_every_page_loads_without_a_complaint_and_every_link_resolves(report: Path) -> None:
    with contextlib.ExitStack() as stack:
        try:
            browser = stack.enter_context(open_browser())
        except BrowserMissing as exc:
            pytest.skip(str(exc))
        todo, seen = [report / "report.html"], set()
        while todo:
            page = todo.pop()
            if page in seen:
                continue
            seen.add(page)
            visit = browser.visit(page)
            assert visit.problems == [], (page, visit.problems)
            for link in visit.links:
                assert link.startswith("file://"), (page, link)  # nothing fetched from outside
                target, fragment = _local(link)
                assert target.is_file(), (page, link)
                if fragment:
                    assert re.search(rf'id="{re.escape(fragment)}"',
                                     target.read_text(encoding="utf-8")), (page, link)
                todo.append(target)
        names = {p.relative_to(report).as_posix() for p in seen}
        assert names == {
            "report.html",
            "submissions/ann/report.html",
            "submissions/ben/report.html",
            "submissions/cat & co/report.html",  # the id as a folder name, linked escaped
            "submissions/dan/report.html",
            "similarity/pair-1.html",
        }
        browser.visit(report / "report.html")
        for section in ("#changes", "#misconceptions", "#similar"):
            assert browser.page.locator(section).is_visible(), section
        text = browser.page.inner_text("main")
        assert "Changes since earlier-run" in text and "never a score" in text
        browser.visit(report / "similarity" / "pair-1.html")
        marks = browser.page.locator("pre.src mark")
        assert marks.count() >= 2 and marks.first.is_visible()
        columns = browser.page.locator(".sbs > section")
        left, right = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
        assert left and right and left["x"] + left["width"] <= right["x"]  # side by side
