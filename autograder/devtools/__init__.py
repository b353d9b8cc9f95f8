"""Tools of the project's developers and of its test suite, run on top of the engine.

They drive the grading engine from above (like the command line does), so nothing in the
engine imports them: ``python -m autograder.devtools.mutation`` grades every catalogued
mistake injected into the solutions (``tests/test_mutants.py`` uses the same functions).
They live in the package, not in a top-level folder, so that they run with ``python -m``
from any directory and the tests import them like any module, with no ``sys.path`` setup.
"""
