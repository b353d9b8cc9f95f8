"""The assignment's grading configuration: ``autograder/assignment.toml``, validated.

``load_config(path=None)`` reads the TOML file (the packaged ``assignment.toml`` by
default) and returns a frozen :class:`AssignmentConfig`. Every mistake raises
:class:`ConfigError` with a message naming the key and what is allowed, so an instructor
finds a typo before a single submission is graded.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from autograder import paths

VISIBILITIES: tuple[str, ...] = ("hidden", "after_due_date", "after_published", "visible")
TOTAL_POINTS = 100


class ConfigError(ValueError):
    """The assignment configuration is invalid; the message names the key."""


@dataclass(frozen=True)
class Part:
    """One part of the homework and the points of each of its functions (in order)."""

    number: int
    title: str
    points: tuple[tuple[str, float], ...]

    @property
    def functions(self) -> tuple[str, ...]:
        """The graded functions of this part, in the configured order."""
        return tuple(name for name, _ in self.points)

    @property
    def total(self) -> float:
        """The points of the whole part."""
        return math.fsum(p for _, p in self.points)


#: The smallest worker memory limit (MB of address space) NumPy can start in, with room.
MIN_MEMORY_MB = 128


@dataclass(frozen=True)
class Limits:
    """Resource limits of the untrusted worker and of the whole grade."""

    #: the least time (seconds) one call into hw.py gets (see autograder/grading/time_limits.py)
    call_timeout: float = 5.0
    #: a call may also take this many times the reference solution's time for it
    call_timeout_factor: float = 1000.0
    #: (function, seconds) pairs that replace call_timeout for that function
    call_timeout_per_function: tuple[tuple[str, float], ...] = ()
    time_budget: float = 300.0
    memory_mb: int = 512
    max_processes: int = 64
    output_cap_kb: int = 64


@dataclass(frozen=True)
class HypothesisConfig:
    """Example counts of the property-based tests (default, per part, per function)."""

    max_examples: int = 20
    per_part: tuple[tuple[int, int], ...] = ()
    per_function: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class SimilarityConfig:
    """When ``autograder grade`` flags two submissions as similar (``similarity.csv``).

    A pair is flagged when the code the two share (the handout's starter code left out)
    is at least ``threshold`` of either one's code and at least ``min_shared_tokens``
    tokens long. A signal for a person to look at, never a score.
    """

    #: fraction (0 to 1] of one submission's own code that it shares with the other
    threshold: float = 0.6
    #: the least amount of shared code, in copydetect's tokens (a name counts one, a
    #: keyword or operator its length), so that two nearly empty files are not a pair
    min_shared_tokens: int = 400


@dataclass(frozen=True)
class AssignmentConfig:
    """Everything the instructor sets for grading (see ``assignment.toml``)."""

    title: str
    parts: tuple[Part, ...]
    public_visibility: str = "visible"
    hidden_visibility: str = "after_published"
    show_expected_values: bool = True
    #: (function, visibility): every test of that function, public and hidden
    function_visibility: tuple[tuple[str, str], ...] = ()
    #: (pattern on test names, visibility), in the file's order: the first match wins
    test_visibility_patterns: tuple[tuple[str, str], ...] = ()
    limits: Limits = Limits()
    hypothesis: HypothesisConfig = HypothesisConfig()
    similarity: SimilarityConfig = SimilarityConfig()
    source: Path | None = None

    @property
    def functions(self) -> tuple[str, ...]:
        """Every graded function, in part order."""
        return tuple(name for part in self.parts for name in part.functions)

    def points(self, function: str) -> float:
        """The points of ``function`` (KeyError if it is not graded)."""
        for part in self.parts:
            for name, pts in part.points:
                if name == function:
                    return pts
        raise KeyError(function)

    def part_of(self, function: str) -> Part:
        """The part that grades ``function`` (KeyError if none does)."""
        for part in self.parts:
            if function in part.functions:
                return part
        raise KeyError(function)

    def max_examples(self, function: str) -> int:
        """Hypothesis ``max_examples`` for the tests of ``function``."""
        per_function = dict(self.hypothesis.per_function)
        if function in per_function:
            return per_function[function]
        per_part = dict(self.hypothesis.per_part)
        try:
            number = self.part_of(function).number
        except KeyError:
            return self.hypothesis.max_examples
        return per_part.get(number, self.hypothesis.max_examples)

    def visibility(self, hidden: bool) -> str:
        """Gradescope visibility of a hidden (``True``) or public test, by default."""
        return self.hidden_visibility if hidden else self.public_visibility

    def test_visibility(self, function: str, test: str, *, hidden: bool) -> str:
        """Gradescope visibility of the test named ``test`` (pytest's name, with its
        parameter id: ``test_softmax_stable_for_extreme_logits[1]``) of ``function``.

        The first ``[visibility.tests]`` pattern that matches the name decides; else the
        function's ``[visibility.functions]`` entry; else ``hidden_tests`` or
        ``public_tests``.
        """
        for pattern, visibility in self.test_visibility_patterns:
            if glob_match(pattern, test):
                return visibility
        per_function = dict(self.function_visibility)
        if function in per_function:
            return per_function[function]
        return self.visibility(hidden)


# ---------------------------------------------------------------------------------------
# Loading and validation


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}{key} must be a table, got {value!r}")
    return value


def _positive_number(value: Any, key: str, integer: bool = False) -> Any:
    kind = "a positive integer" if integer else "a positive number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        raise ConfigError(f"{key} must be {kind}, got {value!r}")
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"{key} must be {kind}, got {value!r}")
    return value


def _visibility(value: Any, key: str) -> str:
    if value not in VISIBILITIES:
        raise ConfigError(f"{key} must be one of {', '.join(VISIBILITIES)}; got {value!r}")
    return value


def glob_match(pattern: str, name: str) -> bool:
    """Whether the test ``name`` matches ``pattern``: ``*`` is any text, ``?`` one
    character, everything else (``[`` of a parameter id too) stands for itself."""
    regex = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern
    )
    return re.fullmatch(regex, name, flags=re.DOTALL) is not None


def _parse_visibility(
    vis: Mapping[str, Any], graded: set[str]
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """``[visibility.functions]`` and ``[visibility.tests]``, checked."""
    per_function: list[tuple[str, str]] = []
    for key, value in _table(vis, "functions", "[visibility] ").items():
        name = f"[visibility.functions] {key}"
        if key not in graded:
            raise ConfigError(f"{name}: unknown function {key!r} (not in [[parts]] points)")
        per_function.append((key, _visibility(value, name)))
    patterns: list[tuple[str, str]] = []
    for key, value in _table(vis, "tests", "[visibility] ").items():
        name = f"[visibility.tests] {key!r}"
        if not key.strip():
            raise ConfigError(f"{name}: a pattern on test names must not be empty")
        if not re.fullmatch(r"[\w*?\[\].,=+ -]+", key):
            raise ConfigError(
                f"{name}: a pattern on test names may hold letters, digits, _, *, ?, "
                "and the characters of a parameter id ([ ] - . , = + space)"
            )
        patterns.append((key, _visibility(value, name)))
    return tuple(per_function), tuple(patterns)


def solution_functions(solutions: Path = paths.SOLUTIONS_HW) -> set[str] | None:
    """Public top-level function names of ``solutions/hw.py`` (parsed, not imported).

    ``None`` when the file is absent (the names are then not cross-checked).
    """
    try:
        tree = ast.parse(solutions.read_text(encoding="utf-8"), filename=str(solutions))
    except (OSError, SyntaxError):
        return None
    return {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.name.startswith("_")
    }


def _parse_parts(raw: Any, known: set[str] | None) -> tuple[Part, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("[[parts]] must list the parts of the homework (at least one)")
    parts: list[Part] = []
    seen: dict[str, int] = {}
    numbers: set[int] = set()
    for i, entry in enumerate(raw, 1):
        where = f"[[parts]] #{i}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be a table")
        _check_keys(entry, {"number", "title", "points"}, where)
        number = entry.get("number", i)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ConfigError(f"{where}: number must be a positive integer, got {number!r}")
        if number in numbers:
            raise ConfigError(f"{where}: part number {number} is used twice")
        numbers.add(number)
        title = entry.get("title", f"Part {number}")
        if not isinstance(title, str):
            raise ConfigError(f"{where}: title must be a string, got {title!r}")
        points = entry.get("points")
        if not isinstance(points, Mapping) or not points:
            raise ConfigError(f"{where}: points must be a table of function = points")
        items: list[tuple[str, float]] = []
        for name, pts in points.items():
            key = f"{where} points.{name}"
            if known is not None and name not in known:
                raise ConfigError(
                    f"{key}: unknown function {name!r}; solutions/hw.py defines: "
                    f"{', '.join(sorted(known))}"
                )
            if name in seen:
                raise ConfigError(
                    f"{key}: function {name!r} already has points in part {seen[name]}"
                )
            seen[name] = number
            items.append((name, _positive_number(pts, key)))
        parts.append(Part(number=number, title=title, points=tuple(items)))
    total = sum(Fraction(p).limit_denominator(10**6) for part in parts for _, p in part.points)
    if total != TOTAL_POINTS:
        raise ConfigError(
            f"[[parts]] points add up to {float(total):g}, they must add up to {TOTAL_POINTS}"
        )
    return tuple(parts)


def _parse_hypothesis(
    raw: Mapping[str, Any], functions: set[str], parts: set[int]
) -> HypothesisConfig:
    where = "[hypothesis]"
    _check_keys(raw, {"max_examples", "max_examples_per_part", "max_examples_per_function"}, where)
    default = _positive_number(raw.get("max_examples", 20), f"{where} max_examples", integer=True)
    per_part: list[tuple[int, int]] = []
    for key, value in _table(raw, "max_examples_per_part", f"{where} ").items():
        name = f"{where} max_examples_per_part.{key}"
        try:
            number = int(key)
        except ValueError:
            raise ConfigError(f"{name}: keys are part numbers, got {key!r}") from None
        if number not in parts:
            raise ConfigError(f"{name}: no part {number}; parts: {sorted(parts)}")
        per_part.append((number, _positive_number(value, name, integer=True)))
    per_function: list[tuple[str, int]] = []
    for key, value in _table(raw, "max_examples_per_function", f"{where} ").items():
        name = f"{where} max_examples_per_function.{key}"
        if key not in functions:
            raise ConfigError(f"{name}: unknown function {key!r} (not in [[parts]] points)")
        per_function.append((key, _positive_number(value, name, integer=True)))
    return HypothesisConfig(default, tuple(per_part), tuple(per_function))


def _parse_similarity(raw: Mapping[str, Any]) -> SimilarityConfig:
    where = "[similarity]"
    _check_keys(raw, {"threshold", "min_shared_tokens"}, where)
    defaults = SimilarityConfig()
    threshold = _positive_number(raw.get("threshold", defaults.threshold), f"{where} threshold")
    if threshold > 1:
        raise ConfigError(
            f"{where} threshold is a fraction of a submission's code: more than 0, at most 1; "
            f"got {threshold!r}"
        )
    shared = _positive_number(raw.get("min_shared_tokens", defaults.min_shared_tokens),
                              f"{where} min_shared_tokens", integer=True)
    return SimilarityConfig(threshold=float(threshold), min_shared_tokens=shared)


def parse_config(
    data: Mapping[str, Any], source: Path | None = None, known: set[str] | None = None
) -> AssignmentConfig:
    """Validate the parsed TOML ``data``; ``known`` = the function names hw.py must define."""
    _check_keys(
        data,
        {"assignment", "visibility", "limits", "hypothesis", "similarity", "parts"},
        "top level",
    )
    assignment = _table(data, "assignment", "")
    _check_keys(assignment, {"title"}, "[assignment]")
    title = assignment.get("title", "Homework")
    if not isinstance(title, str):
        raise ConfigError(f"[assignment] title must be a string, got {title!r}")

    vis = _table(data, "visibility", "")
    _check_keys(
        vis,
        {"public_tests", "hidden_tests", "show_expected_values", "functions", "tests"},
        "[visibility]",
    )
    public = _visibility(vis.get("public_tests", "visible"), "[visibility] public_tests")
    hidden = _visibility(vis.get("hidden_tests", "after_published"), "[visibility] hidden_tests")
    show = vis.get("show_expected_values", True)
    if not isinstance(show, bool):
        raise ConfigError(f"[visibility] show_expected_values must be true or false, got {show!r}")

    lim = _table(data, "limits", "")
    _check_keys(
        lim,
        {
            "call_timeout",
            "call_timeout_factor",
            "call_timeout_per_function",
            "time_budget",
            "memory_mb",
            "max_processes",
            "output_cap_kb",
        },
        "[limits]",
    )
    defaults = Limits()
    limits = Limits(
        call_timeout=float(
            _positive_number(
                lim.get("call_timeout", defaults.call_timeout), "[limits] call_timeout (seconds)"
            )
        ),
        call_timeout_factor=float(
            _positive_number(
                lim.get("call_timeout_factor", defaults.call_timeout_factor),
                "[limits] call_timeout_factor",
            )
        ),
        time_budget=float(
            _positive_number(
                lim.get("time_budget", defaults.time_budget), "[limits] time_budget (seconds)"
            )
        ),
        memory_mb=_positive_number(
            lim.get("memory_mb", defaults.memory_mb), "[limits] memory_mb", integer=True
        ),
        max_processes=_positive_number(
            lim.get("max_processes", defaults.max_processes), "[limits] max_processes", integer=True
        ),
        output_cap_kb=_positive_number(
            lim.get("output_cap_kb", defaults.output_cap_kb), "[limits] output_cap_kb", integer=True
        ),
    )
    if limits.call_timeout_factor < 1:
        raise ConfigError(
            f"[limits] call_timeout_factor must be at least 1 (the reference solution itself "
            f"must fit), got {limits.call_timeout_factor:g}"
        )
    if limits.memory_mb < MIN_MEMORY_MB:
        raise ConfigError(
            f"[limits] memory_mb ({limits.memory_mb}) is too small: the process running "
            f"the submission needs about 100 MB of address space for Python and NumPy "
            f"alone; use at least {MIN_MEMORY_MB} (512 fits Gradescope's default 768 MB "
            "container, grader included)"
        )
    if limits.call_timeout > limits.time_budget:
        raise ConfigError(
            f"[limits] call_timeout ({limits.call_timeout:g} s) must not exceed "
            f"time_budget ({limits.time_budget:g} s)"
        )

    parts = _parse_parts(data.get("parts"), known)
    graded = {f for part in parts for f in part.functions}
    per_function: list[tuple[str, float]] = []
    for key, value in _table(lim, "call_timeout_per_function", "[limits] ").items():
        name = f"[limits] call_timeout_per_function.{key}"
        if key not in graded:
            raise ConfigError(f"{name}: unknown function {key!r} (not in [[parts]] points)")
        seconds = float(_positive_number(value, f"{name} (seconds)"))
        if seconds > limits.time_budget:
            raise ConfigError(
                f"{name} ({seconds:g} s) must not exceed time_budget ({limits.time_budget:g} s)"
            )
        per_function.append((key, seconds))
    limits = dataclasses.replace(limits, call_timeout_per_function=tuple(per_function))
    function_visibility, test_visibility = _parse_visibility(vis, graded)
    hyp = _parse_hypothesis(
        _table(data, "hypothesis", ""),
        {f for part in parts for f in part.functions},
        {part.number for part in parts},
    )
    return AssignmentConfig(
        title=title,
        parts=parts,
        public_visibility=public,
        hidden_visibility=hidden,
        show_expected_values=show,
        function_visibility=function_visibility,
        test_visibility_patterns=test_visibility,
        limits=limits,
        hypothesis=hyp,
        similarity=_parse_similarity(_table(data, "similarity", "")),
        source=source,
    )


#: tables of assignment.toml that decide no grade: changing them regrades nothing
NOT_GRADING_TABLES = ("similarity",)


def grading_digest(path: Path) -> bytes:
    """sha256 of what in the assignment file ``path`` decides grades: its parsed content
    without :data:`NOT_GRADING_TABLES` (comments and layout do not count either); of the
    raw bytes when it is not valid TOML. ``autograder grade`` keys its cache with it."""
    raw = Path(path).read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return hashlib.sha256(raw).digest()
    for table in NOT_GRADING_TABLES:
        data.pop(table, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).digest()


def load_config(path: str | Path | None = None, solutions: Path | None = None) -> AssignmentConfig:
    """Read and validate ``assignment.toml`` (the packaged one when ``path`` is None).

    Function names are checked against ``solutions/hw.py`` when that file exists.
    Raises :class:`ConfigError` on any mistake.
    """
    source = Path(path) if path is not None else paths.ASSIGNMENT_TOML
    try:
        with open(source, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{source}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    known = solution_functions(solutions if solutions is not None else paths.SOLUTIONS_HW)
    try:
        return parse_config(data, source=source, known=known)
    except ConfigError as exc:
        raise ConfigError(f"{source.name}: {exc}") from None
