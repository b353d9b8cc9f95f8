"""Where things live: the project root and the files the grading engine reads.

The root (holding ``solutions/`` and ``student/``) is the parent of the ``autograder``
package, both in a checkout (``pip install -e .``) and in the unpacked Gradescope zip.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

PACKAGE_DIR: Path = Path(__file__).resolve().parent
ROOT: Path = PACKAGE_DIR.parent

SOLUTIONS_DIR: Path = ROOT / "solutions"
SOLUTIONS_HW: Path = SOLUTIONS_DIR / "hw.py"

STUDENT_DIR: Path = ROOT / "student"
STUDENT_HW: Path = STUDENT_DIR / "hw.py"
STUDENT_TESTS: Path = STUDENT_DIR / "tests"

HIDDEN_TESTS: Path = PACKAGE_DIR / "hidden_tests"
ASSIGNMENT_TOML: Path = PACKAGE_DIR / "assignment.toml"

SUBMISSION_FILENAME = "hw.py"


def load_module(path: Path, name: str) -> ModuleType:
    """Import the trusted file ``path`` under the module name ``name`` (not registered in
    ``sys.modules``, so two loads never share state). Never used for a submission."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
