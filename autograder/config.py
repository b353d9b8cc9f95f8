"""The assignment's grading configuration: ``autograder/assignment.toml``, validated.

``load_config(path=None)`` reads the TOML file (the packaged ``assignment.toml`` by
default) and returns a frozen :class:`AssignmentConfig`. Every mistake raises
:class:`ConfigError` with a message naming the key and what is allowed, so an instructor
finds a typo before a single submission is graded.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import datetime as _dt
import hashlib
import json
import math
import re
import sys
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath
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
    #: code found in more than this fraction (0 to 1) of the class's submissions (and in
    #: more than ``reports.similarity.COMMON_FLOOR`` of them) is class-common, like starter
    #: code: it neither makes two submissions a pair nor counts in their similarity
    common_share: float = 0.05


#: what ``[late] past_max_days`` may say happens after ``max_days_late``
PAST_MAX_DAYS = ("no_more_penalty", "no_credit")


@dataclass(frozen=True)
class Extension:
    """One row of the extensions file: a student's own due time."""

    #: the student's email (lower case) or SID, as the file names them
    student: str
    #: a new due time (aware, in the course's time zone), or None
    due: _dt.datetime | None = None
    #: or this many more days (calendar days in the course's time zone)
    extra_days: int | None = None
    #: the row of the file (for messages)
    row: int = 0


@dataclass(frozen=True)
class LatePolicy:
    """``[late]`` of assignment.toml: the due time and what each day late costs.

    A day late is each started 24 hours after the (possibly extended) due time; a
    submission within ``grace_minutes`` of it is on time. Past ``max_days_late`` days,
    ``past_max_days`` decides: ``no_more_penalty`` (the penalty stops growing) or
    ``no_credit`` (the whole score). The arithmetic is
    :func:`autograder.grading.late_policy.assess`.
    """

    #: the due time, aware, in ``timezone``
    due: _dt.datetime
    #: the IANA name of the course's time zone (``America/Detroit``)
    timezone: str
    penalty_per_day: float = 1.0
    grace_minutes: float = 0.0
    max_days_late: int | None = None
    past_max_days: str = "no_more_penalty"
    #: the extensions file as assignment.toml names it (relative to that file's folder)
    extensions_file: str | None = None
    extensions: tuple[Extension, ...] = ()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The course's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)


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
    #: ``[late]``: None when the file has none (nothing is deducted)
    late: LatePolicy | None = None

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
    _check_keys(raw, {"threshold", "min_shared_tokens", "common_share"}, where)
    defaults = SimilarityConfig()
    threshold = _positive_number(raw.get("threshold", defaults.threshold), f"{where} threshold")
    if threshold > 1:
        raise ConfigError(
            f"{where} threshold is a fraction of a submission's code: more than 0, at most 1; "
            f"got {threshold!r}"
        )
    shared = _positive_number(raw.get("min_shared_tokens", defaults.min_shared_tokens),
                              f"{where} min_shared_tokens", integer=True)
    common = _positive_number(raw.get("common_share", defaults.common_share),
                              f"{where} common_share")
    if common > 1:
        raise ConfigError(
            f"{where} common_share is a fraction of the class: more than 0, at most 1; "
            f"got {common!r}"
        )
    return SimilarityConfig(threshold=float(threshold), min_shared_tokens=shared,
                            common_share=float(common))


LATE_KEYS = {
    "due", "timezone", "penalty_per_day", "grace_minutes", "max_days_late", "past_max_days",
    "extensions",
}


def _zone(name: Any, key: str) -> zoneinfo.ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{key} must be an IANA time zone name such as "
                          f"\"America/Detroit\", got {name!r}")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{key}: {name!r} is not a time zone this machine knows (an IANA name such as "
            "\"America/Detroit\"; if the name is right, install the tzdata package)"
        ) from None


def local_time(value: Any, zone: zoneinfo.ZoneInfo, key: str) -> _dt.datetime:
    """``value`` (a TOML local date-time, or text ``2025-02-07 23:59``) as an aware time
    in ``zone``. A time that does not exist there (skipped by a daylight-saving change) or
    one with its own offset is refused: the time zone key decides the offset."""
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ConfigError(f"{key} must be a date and time such as 2025-02-07 23:59, "
                              f"got {value!r}") from None
    if not isinstance(value, _dt.datetime):
        raise ConfigError(f"{key} must be a date and time (e.g. 2025-02-07T23:59:00), "
                          f"got {value!r}")
    if value.tzinfo is not None:
        raise ConfigError(f"{key} must be a local time without an offset ({value.isoformat()}"
                          " has one): the time zone is set by [late] timezone")
    aware = value.replace(tzinfo=zone)
    back = aware.astimezone(_dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != value:
        raise ConfigError(f"{key}: {value} does not exist in {zone.key} (a daylight-saving "
                          "change skips it)")
    return aware


def _non_negative(value: Any, key: str, integer: bool = False) -> Any:
    if value == 0 and not isinstance(value, bool) and isinstance(value, (int, float)):
        return value
    return _positive_number(value, key, integer=integer)


def read_extensions(path: Path, zone: zoneinfo.ZoneInfo, key: str) -> tuple[Extension, ...]:
    """The rows of the extensions CSV ``path``: ``student`` (email or SID) and either ``due``
    (a new local due time) or ``extra_days`` (whole days more); other columns (``note``)
    are the instructor's. Raises :class:`ConfigError` naming the file, row and column."""
    where = f"{key} ({path.name})"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found ({path})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot be read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    columns = {c.strip() for c in reader.fieldnames or []}
    if "student" not in columns or not ({"due", "extra_days"} & columns):
        raise ConfigError(f"{where}: needs a header with the columns student (an email or "
                          "SID) and due (a new due time) or extra_days (days more)")
    out: list[Extension] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, 2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        at = f"{where} row {number}"
        student = row.get("student", "").lower()
        if not student:
            raise ConfigError(f"{at}: student is empty (an email or SID)")
        if student in seen:
            raise ConfigError(f"{at}: {student} already has an extension (row {seen[student]})")
        seen[student] = number
        due, extra = row.get("due", ""), row.get("extra_days", "")
        if bool(due) == bool(extra):
            raise ConfigError(f"{at}: give either due (a new due time) or extra_days, "
                              "not both or neither")
        if due:
            out.append(Extension(student, due=local_time(due, zone, f"{at} due"), row=number))
            continue
        try:
            days = int(extra)
        except ValueError:
            raise ConfigError(f"{at}: extra_days must be a whole number of days, "
                              f"got {extra!r}") from None
        if days < 1:
            raise ConfigError(f"{at}: extra_days must be at least 1, got {days}")
        out.append(Extension(student, extra_days=days, row=number))
    return tuple(out)


def extensions_path(source: Path | None, name: str) -> Path:
    """Where the extensions file ``name`` (as ``[late] extensions`` names it) lives: beside
    the assignment file ``source``."""
    base = source.parent if source is not None else paths.ASSIGNMENT_TOML.parent
    return base / name


def _parse_late(raw: Mapping[str, Any], source: Path | None) -> LatePolicy | None:
    where = "[late]"
    if not raw:
        return None
    _check_keys(raw, LATE_KEYS, where)
    for needed in ("due", "timezone"):
        if needed not in raw:
            raise ConfigError(f"{where} {needed} is missing: [late] needs due and timezone")
    zone = _zone(raw["timezone"], f"{where} timezone")
    due = local_time(raw["due"], zone, f"{where} due")
    penalty = float(_non_negative(raw.get("penalty_per_day", 1.0), f"{where} penalty_per_day"))
    grace = float(_non_negative(raw.get("grace_minutes", 0), f"{where} grace_minutes"))
    max_days = raw.get("max_days_late")
    if max_days is not None:
        max_days = _positive_number(max_days, f"{where} max_days_late", integer=True)
    past = raw.get("past_max_days")
    if past is not None and past not in PAST_MAX_DAYS:
        raise ConfigError(f"{where} past_max_days must be one of {', '.join(PAST_MAX_DAYS)}; "
                          f"got {past!r}")
    if max_days is not None and past is None:
        raise ConfigError(f"{where} past_max_days is missing: say what happens after "
                          f"max_days_late ({' or '.join(PAST_MAX_DAYS)})")
    if past is not None and max_days is None:
        raise ConfigError(f"{where} past_max_days needs max_days_late (the last day)")
    name = raw.get("extensions")
    extensions: tuple[Extension, ...] = ()
    if name is not None:
        key = f"{where} extensions"
        rel = PurePosixPath(name) if isinstance(name, str) else None
        if rel is None or not name or rel.is_absolute() or ".." in rel.parts or "\\" in name:
            raise ConfigError(f"{key} must name a CSV file beside assignment.toml (a relative "
                              f"path without ..), got {name!r}")
        extensions = read_extensions(extensions_path(source, name), zone, key)
    return LatePolicy(
        due=due,
        timezone=zone.key,
        penalty_per_day=penalty,
        grace_minutes=grace,
        max_days_late=max_days,
        past_max_days=past or "no_more_penalty",
        extensions_file=name,
        extensions=extensions,
    )


def parse_config(
    data: Mapping[str, Any], source: Path | None = None, known: set[str] | None = None
) -> AssignmentConfig:
    """Validate the parsed TOML ``data``; ``known`` = the function names hw.py must define."""
    _check_keys(
        data,
        {"assignment", "visibility", "limits", "hypothesis", "similarity", "parts", "late"},
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
        late=_parse_late(_table(data, "late", ""), source),
    )


#: tables of assignment.toml that decide no grade: changing them regrades nothing
#: (``autograder grade`` applies ``[late]`` to the cached grades afresh on every run)
NOT_GRADING_TABLES = ("similarity", "late")


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
