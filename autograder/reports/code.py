"""The student's code in the reports: function sources cut out with ``ast``, highlighted.

The submission is only ever parsed as text (``ast.parse``), never imported or run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from markupsafe import Markup
from pygments import highlight as _pyg_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

CSS_CLASS = "code"


@dataclass
class CodeBlock:
    """A highlighted snippet of the submission, or a note saying why there is none."""

    title: str
    html: Markup | None
    note: str = ""


def pygments_css() -> str:
    """The CSS rules of the highlighter, to inline once per page."""
    return HtmlFormatter(cssclass=CSS_CLASS, style="default").get_style_defs(f".{CSS_CLASS}")


def highlight(code: str, first_line: int = 1, mark: set[int] | None = None) -> Markup:
    """``code`` as highlighted HTML with line numbers starting at ``first_line``."""
    fmt = HtmlFormatter(
        cssclass=CSS_CLASS,
        linenos="inline",
        linenostart=first_line,
        hl_lines=sorted(n - first_line + 1 for n in (mark or set())),
        wrapcode=True,
    )
    return Markup(_pyg_highlight(code, PythonLexer(), fmt))


def function_sources(source: str) -> dict[str, tuple[int, str]]:
    """``{name: (first line, text)}`` of every function defined in ``source``.

    Top-level definitions win over nested ones of the same name; decorators are
    included. Raises SyntaxError when the source does not parse.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, tuple[int, str]] = {}
    nodes = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nodes += [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n not in nodes
    ]
    for node in nodes:
        if node.name in out:
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = node.end_lineno or node.lineno
        out[node.name] = (start, "\n".join(lines[start - 1 : end]))
    return out


def failing_code(source: str | None, functions: list[str], context: int = 4) -> list[CodeBlock]:
    """Highlighted code of each failing function (or of the syntax error)."""
    if source is None:
        return (
            [CodeBlock("hw.py", None, "the submitted hw.py could not be read")] if functions else []
        )
    try:
        defs = function_sources(source)
    except (SyntaxError, ValueError) as exc:
        lineno = getattr(exc, "lineno", None) or 1
        lines = source.splitlines()
        start = max(1, lineno - context)
        end = min(len(lines), lineno + context)
        snippet = "\n".join(lines[start - 1 : end])
        msg = f"hw.py does not parse: {getattr(exc, 'msg', exc)} (line {lineno})"
        return [CodeBlock(f"syntax error, line {lineno}", highlight(snippet, start, {lineno}), msg)]
    blocks = []
    for fn in functions:
        if fn in defs:
            start, text = defs[fn]
            blocks.append(CodeBlock(fn, highlight(text, start)))
        else:
            blocks.append(CodeBlock(fn, None, f"hw.py defines no function named {fn}"))
    return blocks
