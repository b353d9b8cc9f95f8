"""Regenerate the example submissions (``examples/submissions/``) from ``solutions/hw.py``.

The examples are what students hand in: the correct file, the untouched stub, and the
solutions with one realistic mistake each. They are generated, so they follow the homework
when a function is added or a docstring changes:

* ``alice_correct/hw.py`` is ``solutions/hw.py`` and ``bob_stub/hw.py`` is the stub
  ``student/hw.py`` (copies);
* every other example is the solutions as a student would hand them in (markers and
  instructor header removed, :func:`autograder.release.stubgen.make_solved`) with the code of one or
  two functions replaced (the docstring stays) or one function left out, as
  :data:`EXAMPLES` says. A replaced body need not parse (``erin``'s syntax error).

Files of an example that are not ``hw.py`` (``ivan``'s notes and plot) are not generated.

    python examples/generate.py           # rewrite what is out of date
    python examples/generate.py --check   # exit 1 when an example is out of date

``tests/test_stubs.py`` fails when an example is out of date.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "examples" / "submissions"
#: The date stamped on the zip member, so a regenerated zip is byte-identical.
ZIP_DATE = (2026, 3, 2, 21, 14, 0)


@dataclass(frozen=True)
class Example:
    """One generated submission: ``path`` (under ``examples/submissions``) and its mistakes.

    ``bodies``: function -> its new code (after the docstring); ``missing``: functions left
    out; ``zip_member``: write ``path`` as a zip holding the file under that name.
    """

    path: str
    bodies: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    zip_member: str | None = None


EXAMPLES: tuple[Example, ...] = (
    Example(
        "carol_softmax_no_shift.py",
        bodies={
            "softmax": """
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z)
                return e / np.sum(e, axis=axis, keepdims=True)
            """
        },
    ),
    Example(
        "dave_adam_no_bias_correction/hw.py",
        bodies={
            "adam_step": """
                g = np.asarray(grad, dtype=np.float64)
                m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
                v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g**2
                return np.asarray(param, dtype=np.float64) - lr * m / (np.sqrt(v) + eps), m, v
            """
        },
    ),
    Example(
        "erin_syntax_error.py",
        bodies={
            "relu_backward": """
                x = np.asarray(x, dtype=np.float64)
                return np.asarray(upstream, dtype=np.float64) * (x > 0
            """
        },
    ),
    Example("frank_missing_predict.py", missing=("predict",)),
    Example(
        "grace_infinite_loop.py",
        bodies={
            "steps_per_epoch": """
                steps, seen = 0, 0
                while seen != n_samples:
                    seen += batch_size
                    steps += 1
                return steps
            """
        },
    ),
    Example(
        "heidi_zip.zip",
        zip_member="hw.py",
        bodies={
            "mse_grad": """
                y_pred = np.asarray(y_pred, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                return (y_pred - y) / y.size
            """,
            "relu_backward": """
                x = np.asarray(x, dtype=np.float64)
                return np.asarray(upstream, dtype=np.float64) * (x >= 0)
            """,
        },
    ),
    Example(
        "ivan_nested_folder/Homework 2/src/hw.py",
        bodies={
            "bce_loss": """
                p = np.asarray(p, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                log_p = np.log(p)
                log_1mp = np.log(1.0 - p)
                return float(np.mean(-(y * log_p + (1.0 - y) * log_1mp)))
            """
        },
    ),
)

#: Exact copies: example -> the project file it copies.
COPIES = {"alice_correct/hw.py": "solutions/hw.py", "bob_stub/hw.py": "student/hw.py"}


def _functions(source: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(source)
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def apply(solved: str, example: Example) -> str:
    """``solved`` with the example's bodies replaced and functions left out.

    ValueError when the solutions no longer define a function the example changes.
    """
    functions = _functions(solved)
    lines = solved.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str]]] = []  # (first line, end line, new lines), 0-based
    for name, body in example.bodies.items():
        node = functions.get(name)
        if node is None or not node.body or not isinstance(node.body[0], ast.Expr):
            raise ValueError(f"{example.path}: solutions/hw.py has no documented {name}()")
        indent = " " * (node.col_offset + 4)
        code = textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", indent)
        edits.append((node.body[0].end_lineno or 0, node.end_lineno or 0, [code]))
    for name in example.missing:
        node = functions.get(name)
        if node is None:
            raise ValueError(f"{example.path}: solutions/hw.py has no {name}()")
        start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        end = node.end_lineno or 0
        while end < len(lines) and not lines[end].strip():
            end += 1  # the blank lines after it go too
        edits.append((start, end, []))
    for start, end, new in sorted(edits, reverse=True):
        lines[start:end] = new
    return "".join(lines)


def _zip_bytes(member: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, text)
    return buffer.getvalue()


def expected(root: Path = ROOT) -> dict[str, bytes]:
    """``{path under examples/submissions: content}`` of every generated example."""
    from autograder.release.stubgen import make_solved

    solutions = (root / "solutions" / "hw.py").read_text(encoding="utf-8")
    solved = make_solved(solutions)
    files = {name: (root / source).read_bytes() for name, source in COPIES.items()}
    for example in EXAMPLES:
        text = apply(solved, example)
        if example.zip_member:
            files[example.path] = _zip_bytes(example.zip_member, text)
        else:
            files[example.path] = text.encode("utf-8")
    return files


def out_of_date(root: Path = ROOT) -> list[str]:
    """The examples that differ from what :func:`write` would write."""
    folder = root / "examples" / "submissions"
    stale = []
    for name, data in expected(root).items():
        path = folder / name
        if not path.is_file() or path.read_bytes() != data:
            stale.append(name)
    return stale


def write(root: Path = ROOT) -> list[Path]:
    """Rewrite the out-of-date examples; returns their paths."""
    folder = root / "examples" / "submissions"
    files = expected(root)
    written = []
    for name in out_of_date(root):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the examples, or (--check) only say which are stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if one is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = out_of_date()
            if stale:
                print(f"out of date: {', '.join(stale)}: run python examples/generate.py")
                return 1
            print("the examples are up to date")
            return 0
        written = write()
    except (OSError, ValueError) as exc:
        print(f"examples/generate.py: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's autograder package
    sys.exit(main())
