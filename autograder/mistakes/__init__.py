"""The catalog of known student mistakes (one buggy function each).

Every :class:`Mistake` names the ``hw.py`` function it belongs to, a one-line explanation a
student understands, and the buggy implementation of that ONE function as source code. The
same source is

* injected into a copy of ``solutions/hw.py`` (see :mod:`autograder.mistakes.inject`) to
  mutation-test the autograder (``tests/test_mutants.py``), and
* executed in the trusted process by :mod:`autograder.diagnosis` to recognise a failing
  submission's output ("This matches a known mistake: ...").

The catalog is our own trusted code; student code never runs here.
"""

from __future__ import annotations

from autograder.mistakes.catalog import MISTAKES, Mistake, by_function, get

__all__ = ["MISTAKES", "Mistake", "by_function", "get"]
