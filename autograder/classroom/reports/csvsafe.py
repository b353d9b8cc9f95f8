"""THE writer of every CSV ``autograder grade`` leaves for the course staff.

``grades.csv``, ``gradebook.csv``, ``misconceptions.csv``, ``similarity.csv``,
``changes.csv``, ``item_analysis.csv`` and ``candidate_mistakes.csv`` hold text that
students chose (names, emails and SIDs from an export, file names, failure messages that
quote their output). A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK("http://...")``, ``@SUM(1+1)``), and a leading tab or
carriage return hides one. So every cell goes through :func:`safe_cell`, as OWASP's "CSV
Injection" page recommends: a cell that starts with one of those characters (after any
leading spaces) and is not a plain number gets a leading ``'``, which spreadsheets show
as text and do not run. Numbers (``-1``, ``+0.5``, ``-2.5e-3``) are left as they are, so
a delta of ``-1`` stays a number. The HTML reports show the original text (they read the
data, never these files).

Use :func:`write_rows` (or :func:`writer` for streaming rows); do not call ``csv.writer``
on a report file directly.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> str:
    """``value`` as CSV text that no spreadsheet runs as a formula.

    ``None`` is the empty cell; a number is written as it is; a text starting with one
    of :data:`FORMULA_START` (leading spaces ignored) that is not a plain number gets a
    leading ``'``.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    stripped = text.lstrip(" ")
    if stripped.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(stripped):
        return "'" + text
    return text


class SafeWriter:
    """A ``csv.writer`` whose rows pass through :func:`safe_cell`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each cell neutralised."""
        self._writer.writerow([safe_cell(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows, each cell neutralised."""
        for row in rows:
            self.writerow(row)


@contextmanager
def writer(path: Path) -> Iterator[SafeWriter]:
    """A :class:`SafeWriter` on ``path`` (UTF-8, newlines as the csv module wants)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        yield SafeWriter(f)


def write_rows(path: Path, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> None:
    """Write ``header`` and ``rows`` to the CSV file ``path``, every cell neutralised."""
    with writer(Path(path)) as w:
        w.writerow(header)
        w.writerows(rows)
