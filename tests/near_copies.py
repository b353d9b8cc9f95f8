"""A student's disguised copy of someone else's ``hw.py``, for the similarity tests and
``bench/bench_insight.py``: variables renamed, functions in another order, comments
rewritten, docstrings deleted. The copy still parses and computes the same things.
"""

from __future__ import annotations

import ast
import io
import tokenize


def _renames(tree: ast.Module) -> dict[str, str]:
    """New names for the variables the code assigns (not parameters, keyword names or
    top-level functions and classes: a caller may use those)."""
    kept: set[str] = set()
    stored: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.arg, ast.keyword)) and node.arg:
            kept.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            kept.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            kept.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
    return {name: f"my_{name}_{i}" for i, name in enumerate(sorted(stored - kept))}


def _start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return (decorators[0].lineno if decorators else node.lineno) - 1


def disguise(source: str) -> str:
    """``source`` with its variables renamed, comments rewritten, docstrings deleted and its
    top-level functions in reverse order (imports and other statements stay first)."""
    from autograder.classroom.reports.similarity import without_docstrings

    source = without_docstrings(source)
    renames = _renames(ast.parse(source))
    tokens = []
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if (tok.type == tokenize.NAME and tok.string in renames
                and not (previous is not None and previous.string == ".")):
            tok = tok._replace(string=renames[tok.string])
        elif tok.type == tokenize.COMMENT:
            tok = tok._replace(string="# my own note on this step")
        tokens.append(tok)
        previous = tok
    renamed = tokenize.untokenize(tokens)
    tree = ast.parse(renamed)
    lines = renamed.splitlines(keepends=True)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    others = [n for n in tree.body if not isinstance(n, ast.FunctionDef)]
    chunk = lambda n: "".join(lines[_start(n) : n.end_lineno])  # noqa: E731
    head = "".join(chunk(n) for n in others)
    return head + "\n\n" + "\n\n".join(chunk(n) for n in reversed(functions))
