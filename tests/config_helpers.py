"""Edits of an ``assignment.toml`` text for tests, and scratch copies of the project.

The edits follow the file as it is (whatever points, limits and visibility the instructor
set), so tests built on them stay valid after a legitimate change of the configuration.
Each one fails loudly when the file does not have the entry it edits.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from autograder import paths
from autograder.config import AssignmentConfig


def copy_project(dest: Path, root: Path = paths.ROOT) -> Path:
    """A copy of what the build reads (``autograder/``, ``solutions/``, ``student/``)."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis", "*.pyc")
    for name in ("autograder", "solutions", "student"):
        shutil.copytree(root / name, dest / name, ignore=ignore)
    return dest


def _parts_start(text: str) -> int:
    start = text.find("[[parts]]")
    if start < 0:
        raise ValueError("assignment.toml has no [[parts]]")
    return start


def _points_entry(text: str, function: str) -> re.Match[str]:
    """The one ``function = points`` entry of the [[parts]] tables."""
    start = _parts_start(text)
    pattern = re.compile(rf"(?<![\w\"]){re.escape(function)}\s*=\s*[0-9.]+")
    found = list(pattern.finditer(text, start))
    if len(found) != 1:
        raise ValueError(f"assignment.toml has {len(found)} points entries for {function}")
    return found[0]


def _number(value: float) -> str:
    return f"{value:g}"


def set_points(text: str, function: str, points: float) -> str:
    """``text`` with ``function``'s points set to ``points``."""
    entry = _points_entry(text, function)
    return text[: entry.start()] + f"{function} = {_number(points)}" + text[entry.end() :]


def move_points(text: str, config: AssignmentConfig) -> tuple[str, str, str]:
    """``(text, giver, taker)``: the function with the most points gives half a point or
    more to the one with the fewest (two functions' points change, the total does not)."""
    taker = min(config.functions, key=config.points)
    giver = max(config.functions, key=config.points)
    if taker == giver:
        raise ValueError("a single graded function: no points to move")
    amount = max(0.5, float(int(config.points(giver) / 2)))
    text = set_points(text, giver, config.points(giver) - amount)
    return set_points(text, taker, config.points(taker) + amount), giver, taker


def add_points(text: str, beside: str, function: str, points: float, taken: float) -> str:
    """``text`` with a new entry ``function = points`` in the part of ``beside``, whose
    points drop by ``taken`` (so the total can stay the same)."""
    entry = _points_entry(text, beside)
    old = float(entry.group(0).split("=")[1])
    line_start = text.rfind("\n", 0, entry.start()) + 1
    inline = "{" in text[line_start : entry.start()]
    separator = ", " if inline else "\n"
    new = f"{beside} = {_number(old - taken)}{separator}{function} = {_number(points)}"
    return text[: entry.start()] + new + text[entry.end() :]


def set_hidden_visibility(text: str, visibility: str) -> str:
    """``text`` with ``[visibility] hidden_tests`` set to ``visibility``."""
    new, n = re.subn(r'(?m)^hidden_tests\s*=\s*"[a-z_]+"', f'hidden_tests = "{visibility}"', text)
    if n != 1:
        raise ValueError("assignment.toml has no single hidden_tests line")
    return new


def set_limit(text: str, key: str, value: float) -> str:
    """``text`` with the ``[limits]`` entry ``key`` (a line of its own) set to ``value``."""
    new, n = re.subn(rf"(?m)^{re.escape(key)}\s*=\s*[^#\n]*", f"{key} = {value} ", text)
    if n != 1:
        raise ValueError(f"assignment.toml has no single {key} line")
    return new
