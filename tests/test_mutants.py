"""Mutation testing of the autograder with the catalog of real student mistakes.

Every catalogued mistake is injected into a copy of ``solutions/hw.py`` and graded by the
real engine (sandboxed worker, hidden + public tests, the instructor's configuration),
restricted to the mistake's function plus the functions that call it outside its declared
blast radius (see :mod:`autograder.devtools.mutation`). Each mutant must

* lose points on its own function's tests,
* keep full marks on every calling function outside its declared blast radius (the
  functions that do not call it run reference code only), and
* when its output shows the mistake, name it in the feedback of a failing test
  ("This matches a known mistake: ...").

The grading is shared by all tests of this module (one module fixture grades the selected
mistakes, two at a time in fresh processes).
"""

from __future__ import annotations

from typing import Any

import pytest

from autograder.devtools.mutation import callers_of, grade_mutants
from autograder.mistakes import MISTAKES, by_function

#: mistakes the hidden tests cannot catch yet, and why
NOT_CAUGHT: dict[str, str] = {}

_RAISES = (
    "it raises (a broadcasting error) on the non-square W the hidden tests use, so there is "
    "no output to compare with the catalog; the failure shows the student's exception"
)

#: diagnosable mistakes whose failing tests do not name them, and why
NOT_DIAGNOSED: dict[str, str] = {
    "linear_forward_transposed_W": _RAISES,
    "linear_backward_dx_no_transpose": _RAISES,
}


def _param(mistake: Any, known: dict[str, str]) -> Any:
    marks = (
        [pytest.mark.xfail(strict=True, reason=known[mistake.id])] if mistake.id in known else []
    )
    return pytest.param(mistake, marks=marks, id=mistake.id)


@pytest.fixture(scope="module")
def reports(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """Grading summaries of every mistake selected in this session."""
    wanted: set[str] = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec is not None and "mistake" in callspec.params:
            wanted.add(callspec.params["mistake"].id)
    return grade_mutants(sorted(wanted), max_examples=None, jobs=2)


def test_blast_radius_only_lists_callers():
    for m in MISTAKES:
        extra = set(m.blast) - callers_of(m.function)
        assert not extra, f"{m.id}: {sorted(extra)} do not call {m.function}"


@pytest.mark.parametrize("mistake", [_param(m, NOT_CAUGHT) for m in MISTAKES])
def test_mutant_loses_points_on_its_own_function(reports, mistake):
    r = reports[mistake.id]
    assert r["own_max"] > 0, f"no test grades {mistake.function}"
    assert r["own_score"] < r["own_max"] - 1e-9, f"{mistake.id} got full marks"


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_mutant_keeps_full_marks_outside_its_blast_radius(reports, mistake):
    assert reports[mistake.id]["outsiders"] == []


@pytest.mark.parametrize(
    "mistake", [_param(m, {**NOT_CAUGHT, **NOT_DIAGNOSED}) for m in MISTAKES if m.diagnosable]
)
def test_feedback_names_the_diagnosis(reports, mistake):
    r = reports[mistake.id]
    assert r["diagnosed"], (
        f"no failing test names {mistake.id}; diagnoses seen: {r['any_diagnosis']}"
    )


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_feedback_only_names_mistakes_of_the_failing_function(reports, mistake):
    own = {m.explanation for m in by_function(mistake.function)}
    for sentence in reports[mistake.id]["any_diagnosis"]:
        assert any(e in sentence for e in own), sentence


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_every_hint_names_the_mutants_own_mistake(reports, mistake):
    """A hint is confirmed on the named mistake's probes: a mutant gets another mistake's
    hint only if it behaves like that one on all of them (none in the catalog does)."""
    r = reports[mistake.id]
    assert r["hints_own"] == r["hints"], r["any_diagnosis"]
