"""The record of one catalogued mistake."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """One realistic student mistake in one ``hw.py`` function.

    Attributes:
        id: unique, stable name (``"softmax_no_max_shift"``).
        function: the ``hw.py`` function the buggy code replaces.
        explanation: one line, written for the student.
        source: the complete buggy ``def function(...)`` (dedented source code). It may
            call any other ``hw.py`` function and ``np``; those resolve to the reference.
        blast: OTHER ``hw.py`` functions that may legitimately lose points because the
            reference implementation calls ``function`` (directly or not).
        why: why the functions in ``blast`` are affected.
        diagnosable: False when the mistake leaves the return value equal to the
            reference's on every input (only a side effect, a dtype or a warning differs),
            so :func:`autograder.mistakes.diagnosis.diagnose` can never name it from an output.
    """

    id: str
    function: str
    explanation: str
    source: str
    blast: tuple[str, ...] = ()
    why: str = ""
    diagnosable: bool = True


def mistake(
    id: str,
    function: str,
    explanation: str,
    source: str,
    blast: tuple[str, ...] = (),
    why: str = "",
    diagnosable: bool = True,
) -> Mistake:
    """Build a :class:`Mistake`, dedenting ``source`` (so it can be written indented)."""
    return Mistake(
        id=id,
        function=function,
        explanation=explanation,
        source=textwrap.dedent(source).strip() + "\n",
        blast=tuple(blast),
        why=why,
        diagnosable=diagnosable,
    )
