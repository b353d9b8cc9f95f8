"""The README's Quickstart works for a newcomer, exactly as written.

The first command (install, then grade the bundled examples with relative paths) is read
from README.md and its grading half run verbatim in a fresh folder (the session fixture
``quickstart_run`` in tests/conftest.py); every example must get what
``examples/expected.toml`` says. The second command is this suite.
"""

from __future__ import annotations

import csv
import json
import math
import shlex
from collections import defaultdict
from pathlib import Path

from conftest import QuickstartRun
from quickstart import EXAMPLES, ci_install_args, quickstart_commands, split_install

from autograder.config import load_config
from autograder.grading.results import per_test_records

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

EXPECTED = EXAMPLES / "expected.toml"


def test_the_quickstart_is_install_and_grade_then_the_suite() -> None:
    commands = quickstart_commands()
    assert len(commands) == 2, commands
    install, grade = split_install(commands[0])
    # CI installs exactly what the README tells a newcomer to install
    assert shlex.split(install)[2:] == ci_install_args(), (install, ci_install_args())
    assert shlex.split(grade)[:2] == ["autograder", "grade"]
    assert commands[1] == "pytest"


def test_every_bundled_example_is_described() -> None:
    expected = tomllib.loads(EXPECTED.read_text(encoding="utf-8"))
    on_disk = {
        p.stem if p.is_file() else p.name
        for p in (EXAMPLES / "submissions").iterdir()
        if not p.name.startswith(".")
    }
    assert set(expected) == on_disk


def _per_function(results: dict) -> dict[str, tuple[float, float]]:
    """function -> (score, max score) summed over its tests."""
    got: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for test in results["tests"]:
        got[test["tags"][0]][0] += test["score"]
        got[test["tags"][0]][1] += test["max_score"]
    return {f: (s, m) for f, (s, m) in got.items()}


def test_the_quickstart_grades_every_example_as_expected(quickstart_run: QuickstartRun) -> None:
    run = quickstart_run
    assert run.returncode == 0, (run.command, run.stdout, run.stderr[-3000:])
    assert "crash" not in run.stdout, run.stdout
    expected = tomllib.loads(EXPECTED.read_text(encoding="utf-8"))
    with open(run.out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(expected)
    functions = load_config().functions
    for sub_id, want in expected.items():
        row = rows[sub_id]
        assert row["status"] == want["status"], (sub_id, row)
        results = json.loads((run.out / "submissions" / sub_id / "results.json").read_text())
        total = math.fsum(t["score"] for t in results["tests"])
        assert math.isclose(float(row["total"]), total, abs_tol=1e-3), (sub_id, row["total"])
        assert math.isclose(results["score"], total, abs_tol=1e-6)
        assert (run.out / "submissions" / sub_id / "report.html").is_file()
        if "total" in want:
            assert math.isclose(total, want["total"], abs_tol=1e-6), (sub_id, total)
            continue
        by_function = _per_function(results)
        for function in want["loses"]:
            score, top = by_function[function]
            assert score < top - 1e-9, f"{sub_id}: {function} kept all its points"
        spared = set(functions) - set(want["loses"]) - set(want.get("may_lose", []))
        for function in spared:
            score, top = by_function[function]
            assert math.isclose(score, top, abs_tol=1e-6), (
                f"{sub_id}: {function} lost points ({score:g} of {top:g}) but its bug is "
                f"in {want['loses']}"
            )
    assert (run.out / "report.html").is_file()


def test_the_catalogued_mistakes_of_the_examples_are_counted(
    quickstart_run: QuickstartRun,
) -> None:
    """Each example's feedback names its catalogued mistakes (results.json records them per
    test) and misconceptions.csv counts exactly those, per submission."""
    expected = tomllib.loads(EXPECTED.read_text(encoding="utf-8"))
    want: dict[str, set[str]] = defaultdict(set)
    for sub_id, example in expected.items():
        for mistake in example.get("mistakes", []):
            want[mistake].add(sub_id)
    assert want, "examples/expected.toml names no mistake"
    with open(quickstart_run.out / "misconceptions.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {row["mistake"]: set(row["ids"].split()) for row in rows} == want
    for row in rows:
        assert int(row["submissions"]) == len(want[row["mistake"]])
    for mistake, subs in want.items():
        for sub_id in subs:
            results = json.loads(
                (quickstart_run.out / "submissions" / sub_id / "results.json").read_text())
            naming = [t for t in per_test_records(results)
                      if mistake in t.get("extra_data", {}).get("mistakes", [])]
            assert naming and all("This matches a known mistake" in t["output"]
                                  for t in naming), (sub_id, mistake)
    report = (quickstart_run.out / "report.html").read_text(encoding="utf-8")
    assert 'id="misconceptions"' in report and "adam_no_bias_correction" in report


def test_a_syntax_error_is_explained_on_the_student_page(quickstart_run: QuickstartRun) -> None:
    page = quickstart_run.out / "submissions" / "erin_syntax_error" / "report.html"
    assert "does not parse" in page.read_text(encoding="utf-8")


def test_the_summary_names_the_outputs_relative_to_where_it_ran(
    quickstart_run: QuickstartRun,
) -> None:
    out = Path(quickstart_run.out.name)
    assert f"grades:  {out / 'grades.csv'}" in quickstart_run.stdout
    assert f"report:  {out / 'report.html'}" in quickstart_run.stdout
