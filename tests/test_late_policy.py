"""The course's late rule (issue 24): ``[late]`` of assignment.toml and the one function
that turns a submission's time into days late and a deduction
(autograder/grading/late_policy.py).

The seed's rule is the course page's: due 2025-02-07 23:59 America/Detroit (ET), 1 point
per started day. Every case names its times with explicit offsets, and no test reads the
clock: the rule never does either.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from autograder import paths
from autograder.config import ConfigError, Extension, load_config
from autograder.grading import late_policy
from autograder.grading.late_policy import assess, parse_time

SEED = load_config().late
TOML = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
#: the course's file with its extensions file named (the line is there, commented out)
WITH_EXTENSIONS = TOML.replace('# extensions = "extensions.csv"', 'extensions = "extensions.csv"')


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_the_course_file_sets_the_course_page_rule() -> None:
    assert SEED is not None
    assert SEED.due.isoformat() == "2025-02-07T23:59:00-05:00"
    assert (SEED.timezone, SEED.penalty_per_day, SEED.grace_minutes) == ("America/Detroit", 1, 0)
    assert SEED.max_days_late is None and SEED.extensions_file is None
    assert WITH_EXTENSIONS != TOML
    packaged = paths.ASSIGNMENT_TOML.parent / "extensions.csv"
    assert packaged.read_text(encoding="utf-8").splitlines() == ["student,due,extra_days,note"]


@pytest.mark.parametrize(
    "submitted, days, points",
    [
        ("2025-02-07T20:00:00-05:00", 0, 0),  # on time
        ("2025-02-07T23:59:00-05:00", 0, 0),  # at the due time itself
        ("2025-02-08T04:59:00+00:00", 0, 0),  # the same instant in UTC
        ("2025-02-08T00:00:00-05:00", 1, 1),  # 1 minute late
        ("2025-02-08T04:59:01+00:00", 1, 1),  # 1 second late, written in UTC
        ("2025-02-08T23:59:00-05:00", 1, 1),  # exactly 24 hours late
        ("2025-02-09T00:59:00-05:00", 2, 2),  # 25 hours late
        ("2025-02-10T23:59:01-05:00", 4, 4),
        # across the daylight-saving change of 2025-03-09: 29 days 23 h 31 min of real
        # time (the wall clock says 30 days 31 min): the 30th day
        ("2025-03-10T00:30:00-04:00", 30, 30),
    ],
)
def test_the_seed_policy(submitted: str, days: int, points: int) -> None:
    late = assess(SEED, at(submitted), raw_total=87.5)
    assert (late.days_late, late.deduction, late.total) == (days, points, 87.5 - points)


def test_an_extension_to_a_due_time_after_the_daylight_saving_change() -> None:
    """A new due time is a local time of the course's zone: 2025-03-10 23:59 is EDT."""
    ext = Extension("ada@uni.edu", due=at("2025-03-10T23:59:00").replace(tzinfo=SEED.zone))
    assert late_policy.effective_due(SEED, ext).isoformat() == "2025-03-10T23:59:00-04:00"
    on_time = assess(SEED, at("2025-03-10T23:30:00-04:00"), 90, ext)
    assert (on_time.days_late, on_time.deduction) == (0, 0)
    one_minute = assess(SEED, at("2025-03-11T00:00:00-04:00"), 90, ext)
    assert (one_minute.days_late, one_minute.deduction) == (1, 1)
    assert one_minute.extension == "extension for ada@uni.edu: due 2025-03-10 23:59:00 EDT"
    # without it, the same time is 31 days late
    assert assess(SEED, at("2025-03-11T00:00:00-04:00"), 90).days_late == 31


def test_extra_days_keep_the_time_of_day_across_the_daylight_saving_change() -> None:
    ext = Extension("1815", extra_days=30)
    assert late_policy.effective_due(SEED, ext).isoformat() == "2025-03-09T23:59:00-04:00"
    assert assess(SEED, at("2025-03-09T23:59:00-04:00"), 50, ext).deduction == 0
    assert assess(SEED, at("2025-03-10T00:00:00-04:00"), 50, ext).deduction == 1
    assert assess(SEED, at("2025-02-09T12:00:00-05:00"), 50, Extension("x", extra_days=2)) \
        .deduction == 0


def test_a_group_gets_its_most_generous_members_extension() -> None:
    policy = dataclasses.replace(SEED, extensions=(
        Extension("bo@uni.edu", extra_days=1, row=2),
        Extension("31337", extra_days=3, row=3),
    ))
    assert late_policy.extension_for(policy, ["nobody@uni.edu"]) is None
    assert late_policy.extension_for(policy, ["BO@uni.edu "]).extra_days == 1
    group = late_policy.extension_for(policy, ["ana@uni.edu", "bo@uni.edu", "31337"])
    assert group is not None and group.student == "31337"
    late = assess(policy, at("2025-02-10T12:00:00-05:00"), 80, group)
    assert (late.days_late, late.deduction) == (0, 0)
    alone = assess(policy, at("2025-02-10T12:00:00-05:00"), 80,
                   late_policy.extension_for(policy, ["ana@uni.edu"]))
    assert (alone.days_late, alone.deduction) == (3, 3)


def test_a_penalty_never_takes_the_total_below_zero() -> None:
    late = assess(SEED, at("2025-02-17T12:00:00-05:00"), raw_total=3.25)
    assert (late.days_late, late.penalty, late.deduction, late.total) == (10, 10, 3.25, 0)
    stub = assess(SEED, at("2025-02-08T00:00:00-05:00"), raw_total=0)
    assert (stub.days_late, stub.deduction, stub.total) == (1, 0, 0)


def test_grace_and_the_last_day() -> None:
    graced = dataclasses.replace(SEED, grace_minutes=15)
    assert assess(graced, at("2025-02-08T00:14:00-05:00"), 50).deduction == 0
    # past the grace, the days still count from the due time itself
    assert assess(graced, at("2025-02-08T00:15:01-05:00"), 50).deduction == 1
    assert assess(graced, at("2025-02-09T00:00:00-05:00"), 50).deduction == 2
    capped = dataclasses.replace(SEED, max_days_late=3, past_max_days="no_more_penalty")
    assert assess(capped, at("2025-02-10T23:00:00-05:00"), 50).deduction == 3
    assert assess(capped, at("2025-02-20T23:00:00-05:00"), 50).deduction == 3
    zero = dataclasses.replace(SEED, max_days_late=3, past_max_days="no_credit")
    assert assess(zero, at("2025-02-10T23:00:00-05:00"), 50).deduction == 3
    gone = assess(zero, at("2025-02-11T00:00:00-05:00"), 50)
    assert (gone.days_late, gone.deduction, gone.total, gone.no_credit) == (4, 50, 0, True)
    half = dataclasses.replace(SEED, penalty_per_day=0.5)
    assert assess(half, at("2025-02-09T00:59:00-05:00"), 50).deduction == 1


def test_times_as_gradescope_and_instructors_write_them() -> None:
    zone = SEED.zone
    same = "2025-02-08T00:00:00-05:00"
    for text in ("2025-02-08T00:00:00-05:00", "2025-02-08T05:00:00Z",
                 "2025-02-08 00:00:00.000000000 -05:00", "2025-02-08T00:00:00.123-0500",
                 "2025-02-08 05:00:00 UTC", "2025-02-08 00:00", "2025-02-08T00:00:00"):
        assert parse_time(text, zone).replace(microsecond=0) == at(same), text
    with pytest.raises(late_policy.TimeError, match="not a time"):
        parse_time("yesterday", zone)
    with pytest.raises(late_policy.TimeError, match="no time zone"):
        parse_time("2025-02-08 00:00", None)
    with pytest.raises(late_policy.TimeError, match="aware"):
        assess(SEED, dt.datetime(2025, 2, 8), 10)


def test_the_rule_reads_no_clock() -> None:
    """Same arguments, same answer; and the module calls no clock at all."""
    source = Path(late_policy.__file__).read_text(encoding="utf-8")
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"now", "today", "utcnow", "time", "monotonic", "localtime"}
    first = assess(SEED, at("2025-02-09T00:59:00-05:00"), 70)
    assert all(assess(SEED, at("2025-02-09T00:59:00-05:00"), 70) == first for _ in range(3))


def test_results_get_one_late_entry_and_the_score_is_the_sum() -> None:
    results = {"score": 60.0, "tests": [
        {"name": "t1", "score": 60.0, "max_score": 60.0, "status": "passed", "tags": ["f"]},
        {"name": "t2", "score": 0.0, "max_score": 40.0, "status": "failed", "tags": ["g"]},
    ], "extra_data": {"submission_file": "hw.py"}}
    late, lateness = late_policy.judge(results, SEED, at("2025-02-09T00:59:00-05:00"))
    entry = late["tests"][-1]
    assert lateness.days_late == 2 and lateness.total == 58
    assert (entry["name"], entry["score"], entry["max_score"], entry["tags"][0]) == (
        "Late submission", -2.0, 0.0, "late")
    assert entry["visibility"] == "visible" and entry["status"] == "failed"
    assert "Due: 2025-02-07 23:59:00 EST" in entry["output"]
    assert "Submitted: 2025-02-09 00:59:00 EST" in entry["output"]
    assert "Days late: 2" in entry["output"] and "Deduction: 2 points" in entry["output"]
    assert late["score"] == 58.0 == sum(t["score"] for t in late["tests"])
    figures = late["extra_data"]["late"]
    assert (figures["days_late"], figures["deduction"], figures["raw_total"]) == (2, 2, 60)
    assert late["extra_data"]["submission_file"] == "hw.py"
    # applying again (a regrade with a moved due date) replaces, never adds
    moved = dataclasses.replace(SEED, due=at("2025-02-08T23:59:00-05:00"))
    again, _ = late_policy.judge(late, moved, at("2025-02-09T00:59:00-05:00"))
    assert [t["name"] for t in again["tests"]] == ["t1", "t2", "Late submission"]
    assert again["score"] == 59.0
    on_time, _ = late_policy.judge(late, SEED, at("2025-02-07T00:00:00-05:00"))
    assert [t["name"] for t in on_time["tests"]] == ["t1", "t2"] and on_time["score"] == 60
    assert on_time["extra_data"]["late"]["days_late"] == 0
    assert late_policy.strip_late(late) == results


# ------------------------------------------------------------------ configuration


def with_late(body: str) -> str:
    start, end = TOML.index("[late]"), TOML.index("# Points per hw.py function")
    return TOML[:start] + body + "\n" + TOML[end:]


@pytest.mark.parametrize(
    "body, named",
    [
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detriot"\n', "[late] timezone"),
        ('[late]\ndue = 2025-02-07T23:59:00-05:00\ntimezone = "America/Detroit"\n',
         "[late] due must be a local time"),
        ('[late]\ndue = 2025-03-09T02:30:00\ntimezone = "America/Detroit"\n',
         "does not exist in America/Detroit"),
        ('[late]\ndue = 2025-02-07\ntimezone = "America/Detroit"\n', "[late] due"),
        ('[late]\ntimezone = "America/Detroit"\n', "[late] due is missing"),
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detroit"\npenalty = 1\n',
         "'penalty'"),
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detroit"\n'
         'penalty_per_day = -1\n', "[late] penalty_per_day"),
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detroit"\nmax_days_late = 3\n',
         "[late] past_max_days is missing"),
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detroit"\nmax_days_late = 3\n'
         'past_max_days = "zero"\n', "[late] past_max_days must be one of"),
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detroit"\n'
         'extensions = "../secret.csv"\n', "[late] extensions must name a CSV file"),
        ('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "America/Detroit"\n'
         'extensions = "missing.csv"\n', "[late] extensions (missing.csv): file not found"),
    ],
)
def test_a_mistake_in_late_is_named(tmp_path: Path, body: str, named: str) -> None:
    path = tmp_path / "assignment.toml"
    path.write_text(with_late(body), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert named in str(info.value)


@pytest.mark.parametrize(
    "rows, named",
    [
        ("student,due\nada@uni.edu,2025-02-10 23:59\nADA@uni.edu,2025-02-11 23:59\n",
         "row 3: ada@uni.edu already has an extension (row 2)"),
        ("student,due,extra_days\nada@uni.edu,2025-02-10 23:59,2\n", "row 2: give either"),
        ("student,extra_days\nada@uni.edu,two\n", "row 2: extra_days must be a whole number"),
        ("student,due\nada@uni.edu,next friday\n", "row 2 due must be a date and time"),
        ("email,days\nada@uni.edu,2\n", "needs a header with the columns student"),
    ],
)
def test_a_mistake_in_the_extensions_file_is_named(tmp_path: Path, rows: str, named: str) -> None:
    (tmp_path / "extensions.csv").write_text(rows, encoding="utf-8")
    path = tmp_path / "assignment.toml"
    path.write_text(WITH_EXTENSIONS, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "[late] extensions (extensions.csv)" in str(info.value) and named in str(info.value)


def test_the_extensions_file_is_read_beside_the_assignment_file(tmp_path: Path) -> None:
    (tmp_path / "extensions.csv").write_text(
        "student,due,extra_days,note\nAda@Uni.edu,2025-02-10 23:59,,doctor's note\n"
        "1815,,2,\n\n", encoding="utf-8")
    path = tmp_path / "assignment.toml"
    path.write_text(WITH_EXTENSIONS, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    missing = tmp_path / "elsewhere" / "assignment.toml"
    missing.write_text(WITH_EXTENSIONS, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[late\] extensions \(extensions.csv\): file not"):
        load_config(missing)
    late = load_config(path).late
    assert late is not None
    assert [(e.student, e.due and e.due.isoformat(), e.extra_days) for e in late.extensions] == [
        ("ada@uni.edu", "2025-02-10T23:59:00-05:00", None), ("1815", None, 2)]


def test_without_late_nothing_is_known_about_deadlines(tmp_path: Path) -> None:
    path = tmp_path / "assignment.toml"
    path.write_text(with_late(""), encoding="utf-8")
    assert load_config(path).late is None


def test_run_build_and_grade_stop_on_a_mistake_in_late(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from autograder.classroom import batch
    from autograder.grading import run_command
    from autograder.release import build

    bad = tmp_path / "assignment.toml"
    bad.write_text(with_late('[late]\ndue = 2025-02-07T23:59:00\ntimezone = "ET"\n'), "utf-8")
    assert run_command.main([str(paths.SOLUTIONS_HW), "--config", str(bad),
                             "--results", str(tmp_path / "r.json")]) == 2
    assert "[late] timezone: 'ET' is not a time zone" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
    with pytest.raises(build.BuildError, match=r"\[late\] timezone"):
        build.check_sources(paths.ROOT, bad)
    with pytest.raises(ValueError, match=r"\[late\] timezone"):
        batch.grade(tmp_path, tmp_path / "out", config=bad, progress=False)



def test_build_ships_the_extensions_file_the_configuration_names(tmp_path: Path) -> None:
    from autograder.release import build

    (tmp_path / "granted.csv").write_text("student,extra_days\nada@uni.edu,2\n", "utf-8")
    config = tmp_path / "assignment.toml"
    config.write_text(WITH_EXTENSIONS.replace('"extensions.csv"', '"granted.csv"'), "utf-8")
    members = dict((arc, f) for f, arc in build.engine_members(paths.ROOT, config))
    assert members["autograder/granted.csv"] == tmp_path / "granted.csv"
    assert members["autograder/assignment.toml"] == config
    shipped = dict((arc, f) for f, arc in build.engine_members(paths.ROOT))
    assert "autograder/granted.csv" not in shipped and "autograder/extensions.csv" in shipped
