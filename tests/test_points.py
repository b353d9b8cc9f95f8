"""How a function's points are split over its tests (autograder/grading/points.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.grading.points import DECIMALS, split_points


def exact_sum(maxima: list[float]) -> Fraction:
    """The sum of the maxima as the 4-decimal numbers they stand for."""
    return sum((Fraction(repr(m)) for m in maxima), Fraction(0))


def test_equal_weights_share_the_points_with_the_rounding_spread_over_them() -> None:
    # running shares 33.33333, 66.66667, 100 rounded: 33.3333, 66.6667, 100
    assert split_points(100, [1, 1, 1]) == [33.3333, 33.3334, 33.3333]
    assert split_points(2, [1, 1, 1]) == [0.6667, 0.6666, 0.6667]


def test_the_split_is_proportional_to_the_weights() -> None:
    assert split_points(4, [1, 2, 1]) == [1.0, 2.0, 1.0]
    assert split_points(3, [0.5, 2.5]) == [0.5, 2.5]
    assert split_points(7.5, [3]) == [7.5]


@given(
    points=st.integers(1, 100_000).map(lambda n: n / 1000),
    weights=st.lists(
        st.one_of(st.integers(1, 10), st.floats(0.1, 10, allow_nan=False)), min_size=1,
        max_size=40,
    ),
)
def test_the_maxima_add_up_to_exactly_the_points(points: float, weights: list[float]) -> None:
    maxima = split_points(points, weights)
    assert len(maxima) == len(weights)
    assert exact_sum(maxima) == Fraction(repr(points))
    total = sum(weights)
    for weight, share in zip(weights, maxima):
        # cumulative rounding: each maximum is its exact share within one unit of rounding
        assert abs(share - points * weight / total) <= 10**-DECIMALS + 1e-9
        assert share == round(share, DECIMALS)


@pytest.mark.parametrize("weights", [[], [1, 0], [1, -2]])
def test_no_tests_or_a_weight_that_is_not_positive_is_refused(weights: list[float]) -> None:
    with pytest.raises(ValueError):
        split_points(10, weights)
