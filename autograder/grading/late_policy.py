"""The course's late rule (``[late]`` of assignment.toml, SPEC section 6), as arithmetic.

:func:`assess` is THE function that turns a submission's time, the rule and an extension
into days late and the points deducted. It is pure: it never reads the clock, so every
regrade of the same submission at the same time gives the same deduction, on Gradescope
(``created_at`` of ``/autograder/submission_metadata.json``), in ``autograder run
--submitted-at`` and in ``autograder grade`` (an export's ``created_at``, or
``--submitted-at FILE.csv``).

The rule:

* the due time is ``[late] due`` in ``[late] timezone`` (``America/Detroit``: ET, with
  daylight saving), or the student's extension: a new due time, or ``extra_days`` more
  calendar days (the due time of day stays, across a daylight-saving change too); a group
  gets the latest due time any of its members has;
* a submission at most ``grace_minutes`` after it is on time; otherwise each started
  24 hours (real hours) after the due time is a day late: 1 minute late is 1 day, 24 hours
  is 1, 25 hours is 2;
* the penalty is ``penalty_per_day`` points a day; past ``max_days_late`` days it stops
  growing (``no_more_penalty``) or is the whole score (``no_credit``);
* the deduction never takes the total below 0: it is at most the score before it.

In results.json (SPEC section 4) a late submission gets one whole-submission entry
``Late submission`` (first tag ``"late"``, score minus the deduction, max_score 0,
visible) saying due, submitted, days late and deduction; the figures are in
``extra_data["late"]`` of results.json (on time too), and the top-level score stays the
sum of the entries (:func:`apply_late`). The entry is not a test: per-test readers skip
it (:func:`is_late_entry`).
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from autograder.config import Extension, LatePolicy
from autograder.grading.results import SCORE_DIGITS, TestResult

#: the first tag of the late penalty's entry (a whole-submission entry, not a test)
LATE_TAG = "late"
#: its name on Gradescope's page
LATE_ENTRY_NAME = "Late submission"
#: the key of the figures in results.json's top-level ``extra_data``
EXTRA_KEY = "late"
DAY = _dt.timedelta(days=1)
_UTC = _dt.timezone.utc


class TimeError(ValueError):
    """A submission time that cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Lateness:
    """What :func:`assess` decided for one submission."""

    submitted_at: _dt.datetime  # aware
    due: _dt.datetime  # the due time that applied (extension included), aware
    days_late: int
    #: the points taken (0 on time; never more than ``raw_total``)
    deduction: float
    #: the score before the deduction
    raw_total: float
    #: the rule's penalty before the cap at the raw score
    penalty: float
    #: what the extension was, in words (None: none applied)
    extension: str | None = None
    #: past max_days_late with ``no_credit``
    no_credit: bool = False

    @property
    def late(self) -> bool:
        """Whether the submission came after the due time (grace included)."""
        return self.days_late > 0

    @property
    def total(self) -> float:
        """The score after the deduction."""
        return max(0.0, round(self.raw_total - self.deduction, SCORE_DIGITS))


def effective_due(policy: LatePolicy, extension: Extension | None = None) -> _dt.datetime:
    """The due time that applies with ``extension``: its own due time, or ``extra_days``
    calendar days after the rule's (same time of day in the course's zone)."""
    if extension is None:
        return policy.due
    if extension.due is not None:
        return extension.due
    local = policy.due.astimezone(policy.zone).replace(tzinfo=None)
    shifted = local + _dt.timedelta(days=extension.extra_days or 0)
    return shifted.replace(tzinfo=policy.zone)


def extension_for(policy: LatePolicy, students: Iterable[str]) -> Extension | None:
    """The extension of the students ``students`` (emails or SIDs, any case) that gives the
    latest due time: a group submission gets its most generous member's (None: none)."""
    wanted = {s.strip().lower() for s in students if s and s.strip()}
    found = [e for e in policy.extensions if e.student in wanted]
    if not found:
        return None
    return max(found, key=lambda e: (effective_due(policy, e), -e.row))


def describe_extension(policy: LatePolicy, extension: Extension) -> str:
    """``extension for ada@uni.edu: 2 more days`` / ``...: due 2025-02-10 23:59 EST``."""
    if extension.due is not None:
        return f"extension for {extension.student}: due {show_time(extension.due, policy)}"
    days = extension.extra_days or 0
    return f"extension for {extension.student}: {days} more day{'s' if days != 1 else ''}"


def assess(
    policy: LatePolicy,
    submitted_at: _dt.datetime,
    raw_total: float,
    extension: Extension | None = None,
) -> Lateness:
    """Days late and the deduction of a submission made at ``submitted_at`` (aware) whose
    score before the penalty is ``raw_total``, under ``policy`` and ``extension``.

    Pure: the same arguments always give the same answer (no clock is read).
    """
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise TimeError("the submission time must carry its time zone (an aware datetime)")
    due = effective_due(policy, extension)
    raw = max(0.0, round(float(raw_total), SCORE_DIGITS))
    elapsed = submitted_at.astimezone(_UTC) - due.astimezone(_UTC)
    grace = _dt.timedelta(minutes=policy.grace_minutes)
    days = 0 if elapsed <= grace else -(-elapsed // DAY)  # each started day
    no_credit = False
    if policy.max_days_late is not None and days > policy.max_days_late:
        if policy.past_max_days == "no_credit":
            no_credit = True
            penalty = raw
        else:
            penalty = policy.max_days_late * policy.penalty_per_day
    else:
        penalty = days * policy.penalty_per_day
    penalty = round(penalty, SCORE_DIGITS)
    return Lateness(
        submitted_at=submitted_at,
        due=due,
        days_late=int(days),
        deduction=min(penalty, raw),
        raw_total=raw,
        penalty=penalty,
        extension=describe_extension(policy, extension) if extension is not None else None,
        no_credit=no_credit,
    )


# ------------------------------------------------------------------ reading times

_RUBY_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?P<frac>\.\d+)?"
    r"\s*(?P<zone>Z|UTC|[+-]\d{2}:?\d{2})?$"
)


def parse_time(text: str, zone: _dt.tzinfo | None = None) -> _dt.datetime:
    """An aware datetime from ``text``: ISO 8601 (``2025-02-08T00:00:00-05:00``,
    ``...Z``), Gradescope's export form (``2025-02-08 00:00:00.123456000 -05:00``), or a
    local time without offset, read in ``zone`` (the course's; refused when None).
    Raises :class:`TimeError` saying what is accepted."""
    raw = str(text).strip()
    match = _RUBY_TIME.match(raw)
    if match is None:
        raise TimeError(
            f"{raw!r} is not a time: use ISO 8601, e.g. 2025-02-08T00:00:00-05:00 or "
            "2025-02-08 00:00 (the course's time zone)"
        )
    digits = (match["frac"] or ".")[1:]
    frac = "." + digits[:6].ljust(6, "0") if digits else ""  # Python reads microseconds
    offset = match["zone"] or ""
    if offset in ("Z", "UTC"):
        offset = "+00:00"
    elif offset and ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    clock = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
    try:
        when = _dt.datetime.fromisoformat(f"{match['date']}T{clock.zfill(8)}{frac}{offset}")
    except ValueError as exc:
        raise TimeError(f"{raw!r} is not a time: {exc}") from None
    if when.tzinfo is None:
        if zone is None:
            raise TimeError(f"{raw!r} has no time zone: add one, e.g. {raw}-05:00")
        when = when.replace(tzinfo=zone)
    return when


def show_time(when: _dt.datetime, policy: LatePolicy | None = None) -> str:
    """``2025-02-07 23:59:00 EST`` (in the course's zone when there is a policy)."""
    local = when.astimezone(policy.zone) if policy is not None else when
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or local.strftime("%z"))


def iso(when: _dt.datetime, policy: LatePolicy | None = None) -> str:
    """ISO 8601 with offset, in the course's zone when there is a policy."""
    return (when.astimezone(policy.zone) if policy is not None else when).isoformat()


# ------------------------------------------------------------------ results.json


def is_late_entry(test: Any) -> bool:
    """Whether a results.json entry is the late penalty's (first tag ``"late"``)."""
    return isinstance(test, dict) and (test.get("tags") or [None])[0] == LATE_TAG


def record(lateness: Lateness, policy: LatePolicy) -> dict[str, Any]:
    """The figures of ``lateness`` as results.json's ``extra_data["late"]``."""
    return {
        "due": iso(lateness.due, policy),
        "submitted_at": iso(lateness.submitted_at, policy),
        "timezone": policy.timezone,
        "days_late": lateness.days_late,
        "penalty_per_day": policy.penalty_per_day,
        "grace_minutes": policy.grace_minutes,
        "max_days_late": policy.max_days_late,
        "past_max_days": policy.past_max_days if policy.max_days_late is not None else None,
        "extension": lateness.extension,
        "penalty": lateness.penalty,
        "deduction": lateness.deduction,
        "raw_total": lateness.raw_total,
        "total": lateness.total,
    }


def points_text(x: float) -> str:
    """``1 point``, ``2.5 points``."""
    text = f"{round(x, SCORE_DIGITS):.4f}".rstrip("0").rstrip(".")
    return f"{text} point{'s' if text != '1' else ''}"


def entry_output(lateness: Lateness, policy: LatePolicy) -> str:
    """What the student reads in the ``Late submission`` entry."""
    days = lateness.days_late
    lines = [
        f"Due: {show_time(lateness.due, policy)}"
        + (f" ({lateness.extension})" if lateness.extension else ""),
        f"Submitted: {show_time(lateness.submitted_at, policy)}",
        f"Days late: {days} (each started 24 hours after the due time counts as a day; "
        f"{points_text(policy.penalty_per_day)} per day"
        + (f", {policy.grace_minutes:g} minutes' grace" if policy.grace_minutes else "")
        + ")",
        f"Deduction: {points_text(lateness.deduction)}",
    ]
    if lateness.no_credit:
        lines.append(f"More than {policy.max_days_late} days late: no credit.")
    elif policy.max_days_late is not None and days > policy.max_days_late:
        lines.append(f"The penalty stops growing after {policy.max_days_late} days.")
    if lateness.deduction < lateness.penalty:
        lines.append(
            f"The penalty ({points_text(lateness.penalty)}) is limited to the score before it "
            f"({points_text(lateness.raw_total)}): a total never goes below 0."
        )
    return "\n".join(lines)


def late_entry(lateness: Lateness, policy: LatePolicy) -> dict[str, Any]:
    """The results.json entry ``Late submission`` of a late submission."""
    figures = record(lateness, policy)
    return TestResult(
        name=LATE_ENTRY_NAME,
        function=LATE_TAG,
        max_score=0.0,
        score=-lateness.deduction,
        status="failed",
        visibility="visible",
        output=entry_output(lateness, policy),
        tags=[LATE_TAG],
        extra_data={"kind": LATE_TAG, **figures},
    ).to_dict()


def strip_late(results: dict[str, Any]) -> dict[str, Any]:
    """``results`` as they were before :func:`apply_late` (a copy; no late entry, no
    ``extra_data["late"]``, the score the sum of the other entries)."""
    out = copy.deepcopy(results)
    tests = out.get("tests")
    if not isinstance(tests, list) or not (
        any(is_late_entry(t) for t in tests) or EXTRA_KEY in (out.get("extra_data") or {})
    ):
        return out
    out["tests"] = [t for t in tests if not is_late_entry(t)]
    extra = out.get("extra_data")
    if isinstance(extra, dict):
        extra.pop(EXTRA_KEY, None)
        if not extra:
            out.pop("extra_data")
    out["score"] = _sum(out["tests"])
    return out


def _sum(tests: list[Any]) -> float:
    scores = [float(t.get("score") or 0) for t in tests if isinstance(t, dict)]
    return max(0.0, round(math.fsum(scores), SCORE_DIGITS))


def raw_score(results: dict[str, Any]) -> float:
    """The sum of the entries of ``results`` other than the late penalty's."""
    tests = results.get("tests") if isinstance(results, dict) else None
    return _sum([t for t in tests or [] if not is_late_entry(t)])


def apply_late(
    results: dict[str, Any], policy: LatePolicy, lateness: Lateness
) -> dict[str, Any]:
    """``results`` (a copy) with the rule applied: ``extra_data["late"]`` holds the
    figures, a late submission gets its ``Late submission`` entry, and ``score`` is the
    sum of the entries. An earlier application is replaced, never added to."""
    out = strip_late(results)
    out.setdefault("extra_data", {})[EXTRA_KEY] = record(lateness, policy)
    if lateness.late:
        out["tests"] = [*out.get("tests", []), late_entry(lateness, policy)]
    out["score"] = _sum(out.get("tests", []))
    return out


def judge(
    results: dict[str, Any],
    policy: LatePolicy,
    submitted_at: _dt.datetime,
    students: Iterable[str] = (),
) -> tuple[dict[str, Any], Lateness]:
    """The rule applied to the results of one submission made at ``submitted_at`` by
    ``students`` (emails or SIDs, for extensions): the new results and the figures."""
    lateness = assess(policy, submitted_at, raw_score(results),
                      extension_for(policy, students))
    return apply_late(results, policy, lateness), lateness
