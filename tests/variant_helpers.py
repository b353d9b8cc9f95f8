"""The correct variants of ``tests/variants/``, completed with the reference where they
lack a graded function.

A variant need not define every graded function: one it lacks (say, a function the
instructor added after the variants were written) is the reference's, bound from the
solutions executed in a namespace of their own. So adding a function to the homework
does not mean editing every variant, and every test that grades the variants finds the
list of functions in one place (``assignment.toml``).
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

from autograder import paths
from autograder.config import load_config
from autograder.release.stubgen import make_solved

VARIANTS_DIR = Path(__file__).parent / "variants"
VARIANTS = sorted(VARIANTS_DIR.glob("hw_*.py"))


def defined_functions(path: Path) -> set[str]:
    """The top-level functions ``path`` defines (parsed, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def completed(variant: Path) -> str:
    """The variant's source, plus the reference's version of every graded function it lacks."""
    source = variant.read_text(encoding="utf-8")
    missing = sorted(set(load_config().functions) - defined_functions(variant))
    if not missing:
        return source
    reference = make_solved(paths.SOLUTIONS_HW.read_text(encoding="utf-8"))
    lines = [
        "",
        "",
        f"# added by tests/variant_helpers.py: the reference's {', '.join(missing)}",
        "_reference: dict = {}",
        f"exec(compile({reference!r}, 'reference', 'exec'), _reference)",
        *(f"{name} = _reference[{name!r}]" for name in missing),
        "",
    ]
    return source + "\n".join(lines)


def load_completed(variant: Path, name: str) -> types.ModuleType:
    """The completed variant as a module named ``name`` (not put in ``sys.modules``)."""
    module = types.ModuleType(name)
    module.__file__ = str(variant)
    exec(compile(completed(variant), str(variant), "exec"), module.__dict__)
    return module
