"""How a function's points are split over the tests that grade it.

A function's points (``assignment.toml``) are shared by ALL its tests, public and hidden,
in proportion to each test's ``weight`` (``@pytest.mark.grades("f", weight=2)``; default
1). Each test's maximum is rounded to 4 decimals cumulatively, in test order, so the
maxima of a function add up to exactly its points (and a grade's to exactly 100).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

#: Decimals of a test's maximum score.
DECIMALS = 4


def split_points(points: float, weights: Sequence[float]) -> list[float]:
    """The maximum score of each test of a function worth ``points``, in ``weights``' order.

    Args:
        points: the function's points (as in ``assignment.toml``).
        weights: each test's weight, in the order the tests run; all positive.

    Returns:
        One maximum per weight, proportional to it, rounded to :data:`DECIMALS` decimals so
        that the running sums are the rounded running shares: they add up to ``points``.

    Raises:
        ValueError: no weights, or a weight that is not positive.
    """
    if not weights:
        raise ValueError("no tests to split the points over")
    if any(not w > 0 for w in weights):
        raise ValueError(f"weights must be positive, got {list(weights)}")
    total = sum(Fraction(w) for w in weights)
    exact = Fraction(points).limit_denominator(10**6)
    scale = 10**DECIMALS
    maxima: list[float] = []
    running = previous = Fraction(0)
    for weight in weights:
        running += exact * Fraction(weight) / total
        rounded = Fraction(round(running * scale), scale)
        maxima.append(float(rounded - previous))
        previous = rounded
    return maxima


def format_points(x: float) -> str:
    """Points as a person reads them, in one precision: whole points as integers (``18``),
    others to two decimals (``2.38``, ``4.60``); never ``31.1464`` beside ``4.6``."""
    value = round(float(x), DECIMALS)
    if value == int(value):
        return str(int(value))
    text = f"{value:.2f}"
    return "0" if text in ("0.00", "-0.00") else text
