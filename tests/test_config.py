"""autograder/config.py: the packaged assignment.toml and the validation of mistakes."""

from __future__ import annotations

import copy
import math
import re
import sys

import pytest

from autograder import paths
from autograder.config import (
    TOTAL_POINTS,
    VISIBILITIES,
    AssignmentConfig,
    ConfigError,
    load_config,
    parse_config,
    solution_functions,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

@pytest.fixture(scope="module")
def raw() -> dict:
    with open(paths.ASSIGNMENT_TOML, "rb") as fh:
        return tomllib.load(fh)


def test_packaged_config_grades_every_solution_function_for_the_total() -> None:
    """The rules, not today's numbers: every public function of solutions/hw.py has points
    (and only those), the points add up to the total, parts are numbered in order."""
    config = load_config()
    assert isinstance(config, AssignmentConfig)
    assert set(config.functions) == solution_functions()
    assert len(set(config.functions)) == len(config.functions)
    assert math.isclose(sum(config.points(f) for f in config.functions), TOTAL_POINTS)
    assert math.isclose(sum(p.total for p in config.parts), TOTAL_POINTS)
    assert [p.number for p in config.parts] == list(range(1, len(config.parts) + 1))
    for part in config.parts:
        for function in part.functions:
            assert config.part_of(function) is part
            assert config.points(function) > 0
    assert config.public_visibility in VISIBILITIES
    assert config.hidden_visibility in VISIBILITIES


def test_config_is_frozen() -> None:
    config = load_config()
    with pytest.raises(AttributeError):
        config.title = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        config.limits.call_timeout = 1.0  # type: ignore[misc]


def test_max_examples_lookup_prefers_function_then_part_then_default(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["hypothesis"] = {
        "max_examples": 7,
        "max_examples_per_part": {"1": 3},
        "max_examples_per_function": {"softmax": 2},
    }
    config = parse_config(data)
    assert config.max_examples("softmax") == 2
    assert config.max_examples("softmax_backward") == 3
    assert config.max_examples("mae_loss") == 7


def _error(data: dict, known: set[str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, known=known)
    return str(info.value)


def _first(data: dict) -> str:
    """The first function with points in ``data``."""
    return next(iter(data["parts"][0]["points"]))


def test_unknown_function_is_named(raw: dict) -> None:
    data = copy.deepcopy(raw)
    points = data["parts"][0]["points"]
    first = _first(data)
    points[first + "_typo"] = points.pop(first)
    message = _error(data, known=set(load_config().functions))
    assert f"{first}_typo" in message and "unknown function" in message


def test_points_must_add_up_to_the_total(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["parts"][0]["points"][_first(data)] += 1
    message = _error(data)
    assert f"add up to {TOTAL_POINTS + 1:g}" in message and f"{TOTAL_POINTS}" in message


@pytest.mark.parametrize("key", ["call_timeout", "time_budget", "memory_mb", "max_processes"])
@pytest.mark.parametrize("value", [-1, 0, "10", True])
def test_limits_must_be_positive(raw: dict, key: str, value: object) -> None:
    data = copy.deepcopy(raw)
    data["limits"][key] = value
    message = _error(data)
    assert key in message and "positive" in message


def test_memory_limit_must_leave_numpy_room_to_start(raw: dict) -> None:
    from autograder.config import MIN_MEMORY_MB

    data = copy.deepcopy(raw)
    data["limits"]["memory_mb"] = MIN_MEMORY_MB - 1
    message = _error(data)
    assert "memory_mb" in message and f"at least {MIN_MEMORY_MB}" in message
    data["limits"]["memory_mb"] = MIN_MEMORY_MB
    assert parse_config(data).limits.memory_mb == MIN_MEMORY_MB


def test_call_timeout_must_fit_in_the_budget(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["limits"]["call_timeout"] = 400
    data["limits"]["time_budget"] = 300
    assert "time_budget" in _error(data)


def test_per_function_call_timeouts(raw: dict) -> None:
    data = copy.deepcopy(raw)
    first, budget = _first(data), float(data["limits"]["time_budget"])
    data["limits"]["call_timeout_per_function"] = {first: budget / 2}
    config = parse_config(data)
    assert dict(config.limits.call_timeout_per_function) == {first: budget / 2}
    data["limits"]["call_timeout_per_function"] = {first + "_typo": 2.5}
    assert first + "_typo" in _error(data)
    data["limits"]["call_timeout_per_function"] = {first: 0}
    assert "positive" in _error(data)
    data["limits"]["call_timeout_per_function"] = {first: budget + 1}
    assert "time_budget" in _error(data)


@pytest.mark.parametrize("key", ["public_tests", "hidden_tests"])
def test_bad_visibility_lists_the_allowed_values(raw: dict, key: str) -> None:
    data = copy.deepcopy(raw)
    data["visibility"][key] = "after_grading"
    message = _error(data)
    assert key in message and "after_grading" in message
    assert all(v in message for v in VISIBILITIES)


def test_visibility_per_function_and_per_test_pattern(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["visibility"]["functions"] = {"train_two_layer_net": "after_due_date"}
    data["visibility"]["tests"] = {
        "test_*_extreme*": "hidden",
        "test_train_with_gradient_descent[*]": "visible",  # [ stands for itself
    }
    config = parse_config(data)
    # a pattern on the test's name wins, first match first; then the function; then the
    # public / hidden default
    assert config.test_visibility(
        "softmax", "test_softmax_stable_for_extreme_logits[1]", hidden=True) == "hidden"
    assert config.test_visibility("softmax", "test_softmax_axis_0", hidden=False) == "visible"
    assert config.test_visibility(
        "softmax", "test_softmax_default_axis_is_last", hidden=True) == "after_published"
    assert config.test_visibility(
        "train_two_layer_net", "test_train_agrees[adam]", hidden=True) == "after_due_date"
    assert config.test_visibility(
        "train_two_layer_net", "test_train_agrees[adam]", hidden=False) == "after_due_date"
    assert config.test_visibility(
        "train_two_layer_net", "test_train_with_gradient_descent[two epochs of gd]",
        hidden=False) == "visible"
    # "[1]" is not a character class
    data["visibility"]["tests"] = {"test_x[1]": "hidden"}
    config = parse_config(data)
    assert config.test_visibility("softmax", "test_x[1]", hidden=False) == "hidden"
    assert config.test_visibility("softmax", "test_x1", hidden=False) == "visible"


def test_visibility_per_function_names_an_unknown_function(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["visibility"]["functions"] = {"softmaxx": "hidden"}
    message = _error(data)
    assert "[visibility.functions] softmaxx" in message and "unknown function" in message


@pytest.mark.parametrize("table", ["functions", "tests"])
def test_visibility_per_function_or_test_must_be_a_visibility(raw: dict, table: str) -> None:
    data = copy.deepcopy(raw)
    key = "softmax" if table == "functions" else "test_*_extreme*"
    data["visibility"][table] = {key: "after_grading"}
    message = _error(data)
    assert f"[visibility.{table}]" in message and key in message and "after_grading" in message
    assert all(v in message for v in VISIBILITIES)


@pytest.mark.parametrize("pattern", ["", "  ", "test_a; rm -rf", "a/b"])
def test_visibility_test_patterns_are_checked(raw: dict, pattern: str) -> None:
    data = copy.deepcopy(raw)
    data["visibility"]["tests"] = {pattern: "hidden"}
    assert "[visibility.tests]" in _error(data)


def test_visibility_tables_must_be_tables(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["visibility"]["functions"] = "hidden"
    assert "functions must be a table" in _error(data)


def test_show_expected_values_must_be_boolean(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["visibility"]["show_expected_values"] = "no"
    assert "show_expected_values" in _error(data)


def test_similarity_threshold_and_minimum_are_checked(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["similarity"] = {"threshold": 0.85, "min_shared_tokens": 250}
    config = parse_config(data)
    assert (config.similarity.threshold, config.similarity.min_shared_tokens) == (0.85, 250)
    data["similarity"] = {"threshold": 1}
    assert parse_config(data).similarity.threshold == 1.0
    assert parse_config({k: v for k, v in raw.items() if k != "similarity"}).similarity \
        == AssignmentConfig.__dataclass_fields__["similarity"].default  # the table is optional
    for bad in (0, -0.5, 1.5, "0.6", True):
        data["similarity"] = {"threshold": bad}
        message = _error(data)
        assert "[similarity] threshold" in message and repr(bad) in message
    for bad in (0, 12.5, "400"):
        data["similarity"] = {"min_shared_tokens": bad}
        assert "min_shared_tokens" in _error(data)
    data["similarity"] = {"treshold": 0.5}
    message = _error(data)
    assert "treshold" in message and "threshold" in message


def test_unknown_keys_are_typos(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["limits"]["call_timout"] = 3
    message = _error(data)
    assert "call_timout" in message and "call_timeout" in message


def test_duplicate_function_across_parts(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["parts"][1]["points"][_first(data)] = 1
    assert "already has points" in _error(data)


def test_hypothesis_overrides_are_checked(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["hypothesis"]["max_examples_per_part"] = {"9": 5}
    assert "no part 9" in _error(data)
    data = copy.deepcopy(raw)
    data["hypothesis"]["max_examples_per_function"] = {"nope": 5}
    assert "nope" in _error(data)
    data = copy.deepcopy(raw)
    data["hypothesis"]["max_examples"] = 0
    assert "max_examples" in _error(data)


def test_load_config_reports_file_problems(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits\ncall_timeout = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_load_config_cross_checks_the_solutions(tmp_path) -> None:
    last = load_config().functions[-1]
    # every entry of it (points, per-function limits) renamed: the name is unknown
    text = paths.ASSIGNMENT_TOML.read_text()
    text, n = re.subn(rf"(?<![\w\"]){last}(\s*=)", rf"{last}_typo\1", text)
    assert n >= 1
    path = tmp_path / "assignment.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"{last}_typo"):
        load_config(path)
