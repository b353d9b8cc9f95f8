"""The whole catalog: every part's mistakes, with lookups."""

from __future__ import annotations

from autograder.mistakes import part1, part2, part3, part4, part5, part6, part7
from autograder.mistakes.model import Mistake

MISTAKES: tuple[Mistake, ...] = tuple(
    m for part in (part1, part2, part3, part4, part5, part6, part7) for m in part.MISTAKES
)


def by_function(function: str) -> tuple[Mistake, ...]:
    """The catalogued mistakes of one ``hw.py`` function (possibly none)."""
    return tuple(m for m in MISTAKES if m.function == function)


def get(mistake_id: str) -> Mistake:
    """The mistake with this id (KeyError if there is none)."""
    for m in MISTAKES:
        if m.id == mistake_id:
            return m
    raise KeyError(mistake_id)
