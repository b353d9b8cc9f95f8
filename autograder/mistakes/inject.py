"""Put a catalogued mistake into a copy of the reference ``hw.py``."""

from __future__ import annotations

import ast
from pathlib import Path

from autograder import paths
from autograder.mistakes.model import Mistake


def function_lines(source: str, function: str) -> tuple[int, int]:
    """1-based (first, last) line of the top-level ``def function`` in ``source``.

    The first line includes the decorators. Raises KeyError if there is no such def.
    """
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            assert node.end_lineno is not None
            return first, node.end_lineno
    raise KeyError(f"no top-level function {function!r}")


def replace_function(source: str, function: str, new_def: str) -> str:
    """``source`` with the top-level ``def function`` replaced by ``new_def``."""
    first, last = function_lines(source, function)
    lines = source.splitlines(keepends=True)
    body = new_def if new_def.endswith("\n") else new_def + "\n"
    return "".join(lines[: first - 1]) + body + "".join(lines[last:])


def mutant_source(mistake: Mistake, reference: str | None = None) -> str:
    """The reference ``hw.py`` (or ``reference`` text) with ``mistake`` injected."""
    text = reference if reference is not None else paths.SOLUTIONS_HW.read_text()
    return replace_function(text, mistake.function, mistake.source)


def write_mutant(mistake: Mistake, folder: Path, reference: str | None = None) -> Path:
    """Write the mutant as ``folder/hw.py`` (folder created) and return that path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / paths.SUBMISSION_FILENAME
    target.write_text(mutant_source(mistake, reference))
    return target
