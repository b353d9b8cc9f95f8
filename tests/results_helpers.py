"""Helpers shared by the project's tests that compare whole results.json dicts."""

from __future__ import annotations

import copy

from autograder.grading.results import per_test_records


def strip_timings(data: dict) -> dict:
    """``data`` without the figures that legitimately differ between two runs.

    The grade's and each test's duration, and the sandbox worker's statistics.
    """
    data = copy.deepcopy(data)
    data.pop("execution_time", None)
    data.get("extra_data", {}).pop("worker", None)
    for test in per_test_records(data):  # the records inside each entry, in place
        test["extra_data"].pop("duration", None)
    return data
