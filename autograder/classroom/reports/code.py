"""The student's code in the reports: function sources cut out with ``ast``, highlighted.

The submission is only ever parsed as text (``ast.parse``), never imported or run.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from markupsafe import Markup
from pygments import format as _pyg_format
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.token import Text

CSS_CLASS = "code"


@dataclass
class CodeBlock:
    """A highlighted snippet of the submission, or a note saying why there is none."""

    title: str
    html: Markup | None
    note: str = ""


@functools.lru_cache(maxsize=1)
def pygments_css() -> str:
    """The CSS rules of the highlighter, to inline once per page (built once)."""
    return HtmlFormatter(cssclass=CSS_CLASS, style="default").get_style_defs(f".{CSS_CLASS}")


#: Longest source the reports show (a student's hw.py is about 30 KB).
MAX_SHOWN_BYTES = 512 * 1024


class TokenLines:
    """``source`` tokenised once, line by line: windows of it are highlighted in context
    (a window starting inside a docstring is still coloured right)."""

    def __init__(self, source: str) -> None:
        self.lines: list[list[tuple[object, str]]] = [[]]
        for ttype, value in PythonLexer().get_tokens(source):
            for i, piece in enumerate(value.split("\n")):
                if i:
                    self.lines.append([])
                if piece:
                    self.lines[-1].append((ttype, piece))

    def window(self, first: int, last: int, mark: set[int] | None = None) -> Markup:
        """Lines ``first..last`` (1-based, inclusive), highlighted, with line numbers."""
        kept: list[tuple[object, str]] = []
        for number in range(first, min(last, len(self.lines)) + 1):
            if number > first:
                kept.append((Text, "\n"))
            kept.extend(self.lines[number - 1])
        kept.append((Text, "\n"))
        fmt = HtmlFormatter(
            cssclass=CSS_CLASS,
            linenos="inline",
            linenostart=first,
            hl_lines=sorted(n - first + 1 for n in (mark or set())),
            wrapcode=True,
        )
        return Markup(_pyg_format(kept, fmt))


def highlight_lines(source: str, first: int, last: int, mark: set[int] | None = None) -> Markup:
    """Lines ``first..last`` (1-based, inclusive) of ``source``, highlighted in context."""
    return TokenLines(source).window(first, last, mark)


def _docstring_span(node: ast.AST) -> tuple[int, int] | None:
    body = getattr(node, "body", None) or []
    if (
        len(body) > 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[0].lineno, body[0].end_lineno or body[0].lineno
    return None


def _definitions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The definition of each function name that Python uses: of the top-level ones, the
    LAST (a later ``def`` of the same name replaces the earlier one when hw.py runs);
    a name defined only inside other code, its first definition."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    out: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    top = [n for n in tree.body if isinstance(n, kinds)]
    for node in top:  # in order: the last one wins, as when the module runs
        out[node.name] = node
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node not in top and node.name not in out:
            out[node.name] = node
    return out


def _start(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def function_spans(source: str) -> dict[str, tuple[int, int, tuple[int, int] | None]]:
    """``{name: (first line, last line, docstring lines or None)}`` of every function.

    The definition Python uses: of top-level definitions of the same name the last one,
    and top-level ones win over nested ones; decorators are included. Raises SyntaxError
    when the source does not parse.
    """
    return {
        name: (_start(node), node.end_lineno or node.lineno, _docstring_span(node))
        for name, node in _definitions(ast.parse(source)).items()
    }


def function_sources(source: str) -> dict[str, tuple[int, str]]:
    """``{name: (first line, text)}`` of every function defined in ``source``.

    The definition Python uses (see :func:`function_spans`); decorators are included.
    Raises SyntaxError when the source does not parse.
    """
    lines = source.splitlines()
    out: dict[str, tuple[int, str]] = {}
    for name, node in _definitions(ast.parse(source)).items():
        start, end = _start(node), node.end_lineno or node.lineno
        out[name] = (start, "\n".join(lines[start - 1 : end]))
    return out


def failing_code(
    source: str | None, functions: list[str], context: int = 4
) -> tuple[CodeBlock | None, dict[str, CodeBlock]]:
    """Highlighted code of each failing function.

    Returns ``(file_block, blocks)``: ``file_block`` is set when the source cannot be
    read or does not parse (then it shows the lines around the syntax error and
    ``blocks`` is empty); ``blocks`` maps each function to its code, or to a note when
    hw.py defines no such function.
    """
    if source is None:
        return CodeBlock("hw.py", None, "the submitted hw.py could not be read"), {}
    if len(source) > MAX_SHOWN_BYTES:
        note = f"hw.py is too large to show ({len(source) // 1024} KB)"
        return CodeBlock("hw.py", None, note), {}
    try:
        defs = function_sources(source)
    except (SyntaxError, ValueError) as exc:
        lineno = getattr(exc, "lineno", None) or 1
        lines = source.splitlines()
        start = max(1, lineno - context)
        end = min(len(lines), lineno + context)
        msg = f"hw.py does not parse: {getattr(exc, 'msg', exc)} (line {lineno})"
        html = highlight_lines(source, start, end, {lineno})
        return CodeBlock(f"syntax error, line {lineno}", html, msg), {}
    spans = function_spans(source)
    tokens = TokenLines(source)
    blocks = {}
    for fn in functions:
        if fn in defs:
            start, end, doc = spans[fn]
            if doc is None or doc[1] - doc[0] < 3:
                html = tokens.window(start, end)
            else:  # the handout's docstring is long and unchanged: fold it
                fold = Markup('<div class="elided">docstring, lines {} to {}, not shown</div>')
                html = (
                    tokens.window(start, doc[0] - 1)
                    + fold.format(doc[0], doc[1])
                    + tokens.window(doc[1] + 1, end)
                )
            blocks[fn] = CodeBlock(fn, html)
        else:
            blocks[fn] = CodeBlock(fn, None, f"hw.py defines no function named {fn}")
    return None, blocks
