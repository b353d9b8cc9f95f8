"""Where things live: the project root and the files the grading engine reads.

The root (holding ``solutions/`` and ``student/``) is the parent of the ``autograder``
package, both in a checkout (``pip install -e .``) and in the unpacked Gradescope zip.
"""

from __future__ import annotations

from pathlib import Path

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
