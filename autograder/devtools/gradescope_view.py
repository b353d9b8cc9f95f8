"""See a results.json the way Gradescope documents it: an HTML page, and a screenshot.

``python -m autograder.devtools.gradescope_view RESULTS.json [...] --out DIR
[--screenshot]`` writes ``DIR/<name>.html`` per results.json (and ``DIR/<name>.png``
with headless Chromium, :mod:`autograder.devtools.browser`): the top-level output, then
one box per entry (name, score / max_score, passed or failed, its output), each string
rendered by the format the results.json sets, as Gradescope's specification ("Output
String Formatting") describes them:

* ``text``: no HTML, Markdown or ANSI rendered; a test's output is "placed in a
  ``<pre>`` tag", so it shows as written (aligned arrays, the ``^`` under a syntax error,
  ``**``, ``*``, ``<=``);
* ``simple_format`` (Gradescope's default for the top-level output): HTML, with ``\\n``
  made ``<br />``: here the text is escaped and the line breaks kept, which is the
  kindest reading (a real ``<`` would be taken for a tag);
* ``md``: "some basic Markdown": here paragraphs, ``- `` lists, fenced code blocks and
  backslash escapes (what the engine writes), everything else as text.

A development aid, never used by grading: a person looks at the page to judge whether a
student can read it.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: the defaults of Gradescope's specification where results.json sets no format
DEFAULTS = {"output_format": "simple_format", "test_output_format": "text",
            "test_name_format": "text"}

_ESCAPED = re.compile(r"\\([\\`*_{}\[\]<>()#+\-.!|~])")
_FENCE = re.compile(r"^(`{3,})[\w-]*\s*$")

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 980px; color: #222; }
h1 { font-size: 20px; } .meta { color: #666; }
.top { border: 1px solid #ccc; border-radius: 6px; padding: 10px 14px; background: #fafafa; }
.entry { border: 1px solid #ccc; border-radius: 6px; margin: 10px 0; }
.entry > .head { display: flex; justify-content: space-between; padding: 8px 12px;
  font-weight: 600; }
.entry.passed > .head { background: #e6f4ea; border-left: 6px solid #2e7d32; }
.entry.failed > .head { background: #fdecea; border-left: 6px solid #c62828; }
.vis { font-weight: 400; color: #555; margin-left: 8px; font-size: 12px; }
pre { margin: 0; padding: 8px 12px; white-space: pre-wrap; font: 12.5px/1.4 ui-monospace,
  Menlo, Consolas, monospace; overflow-x: auto; }
.top pre { background: #f0f0f0; border-radius: 4px; }
"""


def render_md(text: str) -> str:
    """The Markdown the engine writes (paragraphs, ``- `` lists, fenced code, backslash
    escapes) as HTML; anything else stays text."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    paragraph: list[str] = []
    items: list[str] = []

    def inline(s: str) -> str:
        return _ESCAPED.sub(lambda m: m.group(1), html.escape(s, quote=False))

    def flush() -> None:
        if paragraph:
            out.append("<p>" + " ".join(inline(p) for p in paragraph) + "</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(it)}</li>" for it in items) + "</ul>")
            items.clear()

    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            end = i + 1
            while end < len(lines) and lines[end].strip() != fence.group(1):
                end += 1
            out.append("<pre>" + html.escape("\n".join(lines[i + 1 : end])) + "</pre>")
            i = end + 1
            continue
        if not line.strip():
            flush()
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:])
        else:
            if items:
                flush()
            paragraph.append(line)
        i += 1
    flush()
    return "\n".join(out)


def render(text: str, fmt: str, *, block: bool) -> str:
    """``text`` in Gradescope's format ``fmt`` as HTML (``block``: a test's output, which
    Gradescope puts in a ``<pre>`` when it is ``text``)."""
    if fmt == "md":
        return render_md(text)
    if fmt in ("html", "simple_format"):  # escaped: this viewer does not sanitise HTML
        escaped = html.escape(text)
        return escaped.replace("\n", "<br />") if fmt == "simple_format" else escaped
    escaped = html.escape(text)
    return f"<pre>{escaped}</pre>" if block else escaped


def _points(x: Any) -> str:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "-"
    return f"{value:g}" if value == int(value) else f"{value:.4g}"


def render_page(results: dict[str, Any], title: str) -> str:
    """An HTML page of ``results`` (a results.json dict) as Gradescope lays it out."""
    formats = {k: results.get(k, v) for k, v in DEFAULTS.items()}
    entries = [t for t in results.get("tests", []) if isinstance(t, dict)]
    top = sum(float(t.get("max_score", 0) or 0) for t in entries)
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>Autograder score {_points(results.get('score'))} / {_points(top)}"
        f" · {len(entries)} entries · formats: output {formats['output_format']}, tests "
        f"{formats['test_output_format']}, names {formats['test_name_format']}</p>",
        "<div class='top'>" + render(str(results.get("output", "")), formats["output_format"],
                                     block=True) + "</div>",
    ]
    for number, entry in enumerate(entries, 1):
        status = entry.get("status") or (
            "passed" if entry.get("score") == entry.get("max_score") else "failed")
        name = render(str(entry.get("name", "")),
                      entry.get("name_format", formats["test_name_format"]), block=False)
        output = render(str(entry.get("output", "")),
                        entry.get("output_format", formats["test_output_format"]), block=True)
        parts.append(
            f"<div class='entry {html.escape(status)}'><div class='head'><span>{number}) {name}"
            f"<span class='vis'>{html.escape(str(entry.get('visibility', 'visible')))}</span>"
            f"</span><span>{_points(entry.get('score'))} / {_points(entry.get('max_score'))}"
            f"</span></div>{output}</div>"
        )
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>" + "\n".join(parts) + "</body></html>")


def main(argv: Sequence[str] | None = None) -> int:
    """Write one page (and with ``--screenshot`` one PNG) per results.json given."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("gradescope-view"))
    ap.add_argument("--screenshot", action="store_true", help="PNG of each page (Chromium)")
    ap.add_argument("--entries", type=int, default=0,
                    help="show only the first N entries (0: all) on the page")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in args.results:
        data = json.loads(path.read_text(encoding="utf-8"))
        if args.entries:
            data = {**data, "tests": data.get("tests", [])[: args.entries]}
        page = args.out / f"{path.stem}.html"
        page.write_text(render_page(data, path.name), encoding="utf-8")
        pages.append(page)
        print(page)
    if args.screenshot:
        from autograder.devtools.browser import open_browser

        with open_browser(width=1100, height=900) as browser:
            for page in pages:
                browser.visit(page)
                png = page.with_suffix(".png")
                browser.screenshot(png)
                print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
