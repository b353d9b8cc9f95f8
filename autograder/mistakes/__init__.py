"""The catalog of known student mistakes (one buggy function each).

Every :class:`Mistake` names the ``hw.py`` function it belongs to, a one-line explanation a
student understands, and the buggy implementation of that ONE function as source code. The
same source is

* executed in the trusted process by :mod:`autograder.mistakes.diagnosis` to recognise a failing
  submission's output ("This matches a known mistake: ..."), confirmed on the mistake's
  distinguishing inputs among :data:`autograder.mistakes.probes.PROBES`, and
* injected into a copy of ``solutions/hw.py`` (see :mod:`autograder.mistakes.inject`) to
  mutation-test the autograder (:mod:`autograder.devtools.mutation`,
  ``tests/test_mutants.py``).

The catalog is our own trusted code; student code never runs here. It is data for the
layers above: it imports nothing of ``autograder`` but ``paths`` and its own modules.
"""

from __future__ import annotations

from autograder.mistakes.catalog import MISTAKES, Mistake, by_function, get

__all__ = ["MISTAKES", "Mistake", "by_function", "get"]
