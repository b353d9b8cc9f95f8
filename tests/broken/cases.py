"""Broken submissions: files that cannot be imported, and functions that are wrong in the
ways students get them wrong (missing, wrong signature, None, lists, NaN, shapes, dtypes).

Each :class:`Broken` builds the bytes of a ``hw.py``. The file-level cases are graded
whole (the import fails, every test is skipped fast); the function-level cases are the
stubs plus a CORRECT ``one_hot`` plus the broken function, graded for those two only, so
the test can check both the message about the broken function and that the rest of the
file is still graded (``one_hot`` earns its point).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "student" / "hw.py"

CORRECT_ONE_HOT = '''

def one_hot(labels, num_classes):
    import numpy as np
    return np.eye(int(num_classes), dtype=np.float64)[np.asarray(labels, dtype=np.intp)]
'''

CORRECT_RELU = '''

def relu(x):
    import numpy as np
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.0)
'''


@dataclass(frozen=True)
class Broken:
    """One broken submission.

    ``build()`` returns the bytes of hw.py. ``functions``: what to grade (None: all).
    ``messages``: function (or ``"submission"``) -> regex that the outputs of that
    function's tests must match (each failed test of it). ``earns``: function -> the
    points it must still earn (the rest of the file is graded).
    """

    name: str
    summary: str
    build: Callable[[], bytes]
    functions: tuple[str, ...] | None
    messages: dict[str, str]
    earns: dict[str, float] = field(default_factory=dict)


def _stubs(*snippets: str) -> bytes:
    return (STUB.read_text(encoding="utf-8") + "".join(snippets)).encode("utf-8")


def _stubs_without(name: str, *snippets: str) -> bytes:
    """The stubs with function ``name`` removed (up to the next top-level def)."""
    lines = STUB.read_text(encoding="utf-8").splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if line.startswith("def "):
            skipping = line.startswith(f"def {name}(")
        if not skipping:
            out.append(line)
    return ("".join(out) + "".join(snippets)).encode("utf-8")


def _syntax_error() -> bytes:
    text = STUB.read_text(encoding="utf-8")
    return text.replace("def relu(x):", "def relu(x)", 1).encode("utf-8")


def _latin1() -> bytes:
    """Saved as Latin-1 by an old editor: an accented docstring (comments would pass)."""
    return _stubs(CORRECT_ONE_HOT).replace(b"Music & AI", b"Musique \xe9t\xe9 & AI", 1)


def _utf16() -> bytes:
    """Saved as "Unicode" by Windows Notepad: UTF-16 with a byte order mark."""
    return _stubs(CORRECT_ONE_HOT).decode("utf-8").encode("utf-16")


def _notebook() -> bytes:
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# My homework"]},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {"collapsed": False},
                "outputs": [],
                "source": [
                    "import numpy as np\n",
                    "def relu(x):\n",
                    "    return np.maximum(x, 0.0)\n",
                ],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1).encode("utf-8")


def _elf() -> bytes:
    header = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00"
    return header + bytes(range(256)) * 16


BROKEN: tuple[Broken, ...] = (
    # -- the file cannot be used at all
    Broken("empty_file", "an empty hw.py", lambda: b"", ("relu", "one_hot"),
           {"relu": r"no function named 'relu'", "one_hot": r"no function named 'one_hot'"}),
    Broken("syntax_error", "a missing colon in relu", _syntax_error, None,
           {"submission": r"SyntaxError.*line \d+"}),
    Broken("latin1", "Latin-1 bytes in a docstring", _latin1, None,
           {"submission": r"(?i)utf-8"}),
    Broken("utf16", "UTF-16 with a byte order mark", _utf16, None, {"submission": r"UTF-8"}),
    Broken("notebook", "a Jupyter notebook (.ipynb JSON) saved as hw.py", _notebook, None,
           {"submission": r"(?i)notebook|ipynb"}),
    Broken("elf_binary", "an ELF executable named hw.py", _elf, None,
           {"submission": r"(?i)null bytes|binary|not .*(python|text)"}),
    Broken("import_torch", "imports a package that is not installed and uses it at import",
           lambda: _stubs("\nimport torch\ntorch.manual_seed(0)\n"), None,
           {"submission": r"hw.py imports torch, which the grader does not provide"}),
    Broken("input_at_import", "calls input() at import", lambda: _stubs(
        "\nname = input('your name? ')\n"), None, {"submission": r"EOFError"}),
    Broken("ipython_magic", "a notebook export with get_ipython() magics", lambda: _stubs(
        "\nget_ipython().run_line_magic('matplotlib', 'inline')\n"), None,
        {"submission": r"NameError.*get_ipython"}),
    # -- one function is broken, the rest is graded
    Broken("only_relu", "a file with only a correct relu", lambda: CORRECT_RELU.encode(),
           ("relu", "softmax", "one_hot"),
           {"softmax": r"no function named 'softmax'", "one_hot": r"no function named 'one_hot'"},
           {"relu": 1.0}),
    Broken("missing_relu", "the stubs minus relu, a correct one_hot",
           lambda: _stubs_without("relu", CORRECT_ONE_HOT), ("relu", "one_hot"),
           {"relu": r"no function named 'relu'"}, {"one_hot": 1.0}),
    Broken("extra_parameter", "def relu(x, inplace)", lambda: _stubs(CORRECT_ONE_HOT, '''
def relu(x, inplace):
    import numpy as np
    return np.maximum(x, 0.0)
'''), ("relu", "one_hot"), {"relu": r"missing 1 required positional argument: 'inplace'"},
           {"one_hot": 1.0}),
    Broken("missing_axis_parameter", "def softmax(z) without axis", lambda: _stubs(
        CORRECT_ONE_HOT, '''
def softmax(z):
    import numpy as np
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
'''), ("softmax", "one_hot"), {"softmax": r"unexpected keyword argument 'axis'|softmax"},
           {"one_hot": 1.0}),
    Broken("returns_none", "relu computes but forgets to return", lambda: _stubs(
        CORRECT_ONE_HOT, '''
def relu(x):
    import numpy as np
    out = np.maximum(x, 0.0)
'''), ("relu", "one_hot"), {"relu": r"NoneType|None"}, {"one_hot": 1.0}),
    Broken("returns_list", "relu returns a Python list", lambda: _stubs(CORRECT_ONE_HOT, '''
def relu(x):
    import numpy as np
    return np.maximum(np.asarray(x, dtype=float), 0.0).tolist()
'''), ("relu", "one_hot"), {"relu": r"list"}, {"one_hot": 1.0}),
    Broken("returns_nan", "relu returns NaN everywhere", lambda: _stubs(CORRECT_ONE_HOT, '''
def relu(x):
    import numpy as np
    return np.full(np.shape(x), np.nan)
'''), ("relu", "one_hot"), {"relu": r"(?i)nan"}, {"one_hot": 1.0}),
    Broken("wrong_shape", "relu flattens its input", lambda: _stubs(CORRECT_ONE_HOT, '''
def relu(x):
    import numpy as np
    return np.maximum(np.asarray(x, dtype=float), 0.0).reshape(-1, 1)
'''), ("relu", "one_hot"), {"relu": r"shape"}, {"one_hot": 1.0}),
    Broken("float32", "relu returns float32", lambda: _stubs(CORRECT_ONE_HOT, '''
def relu(x):
    import numpy as np
    return np.maximum(np.asarray(x, dtype=np.float32), 0.0)
'''), ("relu", "one_hot"), {"relu": r"float32"}, {"one_hot": 1.0}),
    Broken("int_dtype", "relu returns integers", lambda: _stubs(CORRECT_ONE_HOT, '''
def relu(x):
    import numpy as np
    return np.maximum(np.asarray(x), 0).astype(np.int64)
'''), ("relu", "one_hot"), {"relu": r"int64|integer|dtype"}, {"one_hot": 1.0}),
    Broken("loss_as_array", "mae_loss returns a 1-element array", lambda: _stubs(
        CORRECT_ONE_HOT, '''
def mae_loss(y_pred, y):
    import numpy as np
    return np.array([np.mean(np.abs(np.asarray(y_pred, float) - y))])
'''), ("mae_loss", "one_hot"), {"mae_loss": r"float"}, {"one_hot": 1.0}),
    Broken("too_few_values", "linear_backward returns (dx, dW) only", lambda: _stubs(
        CORRECT_ONE_HOT, '''
def linear_backward(x, W, upstream):
    import numpy as np
    x, W, g = (np.asarray(a, dtype=np.float64) for a in (x, W, upstream))
    return g @ W.T, x.T @ g
'''), ("linear_backward", "one_hot"), {"linear_backward": r"3 values|length 2|\(dx, dW, db\)"},
           {"one_hot": 1.0}),
)

BY_NAME: dict[str, Broken] = {b.name: b for b in BROKEN}
