"""Every public test's twin: the same test again, on inputs the student has never seen.

SPEC section 4: "A public test's points count only when its function is also right on
inputs the student has not seen: a table of the public tests' answers earns nothing."

The public tests take all their inputs and expected values from ``student/tests/stored.py``
(``stored.example`` and ``stored.case``). For every public test it grades, the grading
plugin adds a *twin*: a second pytest item running the very same test function (same
parameters, same checks, same tolerances) while :func:`unseen_inputs` is in force, which

* installs :class:`autograder.hidden_tests.unseen_inputs.UnseenInputs` as ``stored.UNSEEN``:
  every ``example`` and ``case`` then returns other values of the same kind, with expected
  values computed here, in the trusted process, from the reference solution; and
* gives a Hypothesis test another (fixed) seed, so it draws other examples.

The twin is not an entry of its own and carries no points: when it fails, its public test's
entry fails with :data:`UNSEEN_FAILED` (and ``extra_data.kind`` ``"unseen_inputs"``). The
message never shows the unseen inputs, the expected values or the submission's values there
(resubmitting must not reveal them), and twins run after every public test and before the
hidden tests, so no visible message produced after them could carry what the worker saw. A
twin whose public test failed is not run (the entry fails anyway).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from autograder.hidden_tests.unseen_inputs import KEY, UnseenInputs

#: what a twin's name adds to its public test's
TWIN_MARK = "@unseen"
#: ``extra_data.kind`` of a public test that passed but whose twin failed
UNSEEN_KIND = "unseen_inputs"
UNSEEN_FAILED = (
    "passes on the inputs of this test, but the same check fails on other inputs of the same "
    "kind, which the autograder keeps to itself: a public test's points need both. Test your "
    "function on inputs of your own (the inputs and values there are not shown)."
)
NOT_CHECKED = "not checked on unseen inputs: the time budget ran out"
SHOW_EXPECTED_ENV = "AUTOGRADER_SHOW_EXPECTED"


def _stored() -> ModuleType:
    """The ``stored`` module the public tests import (``student/tests`` is on sys.path)."""
    return sys.modules.get("stored") or importlib.import_module("stored")


def _seed(nodeid: str) -> int:
    digest = hashlib.sha256(f"{KEY}:{nodeid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@contextlib.contextmanager
def unseen_inputs(
    test_function: Any = None, nodeid: str = "", inputs: UnseenInputs | None = None
) -> Iterator[UnseenInputs]:
    """Inside, public tests run on unseen inputs: ``stored.UNSEEN`` is installed and a
    Hypothesis ``test_function`` draws with a seed of its own (both restored after)."""
    stored = _stored()
    unseen = inputs or UnseenInputs()
    previous = stored.UNSEEN
    hypothesis_test = getattr(test_function, "is_hypothesis_test", False)
    seed = getattr(test_function, "_hypothesis_internal_use_seed", None)
    stored.UNSEEN = unseen
    if hypothesis_test:
        test_function._hypothesis_internal_use_seed = _seed(nodeid)
    try:
        yield unseen
    finally:
        stored.UNSEEN = previous
        if hypothesis_test:
            test_function._hypothesis_internal_use_seed = seed


def make_twin(item: pytest.Item) -> pytest.Item:
    """A new item running ``item``'s test function with its parameters, named
    ``item.name + TWIN_MARK``."""
    assert isinstance(item, pytest.Function), item
    return pytest.Function.from_parent(
        item.parent,
        name=item.name + TWIN_MARK,
        callspec=getattr(item, "callspec", None),
        callobj=item.obj,
        fixtureinfo=item._fixtureinfo,
        originalname=item.originalname,
    )


class PublicTwins:
    """The pytest plugin that runs every public test's twin and folds its outcome into the
    public test's record (``GradingPlugin.items``).

    ``records`` maps a nodeid to the plugin's record of that test (``messages``,
    ``phases``, ``not_run``, ``kind``); ``spent()`` says whether the grade's time budget is
    used up; ``enter_test(nodeid)`` tells the call guard a new test starts.
    """

    def __init__(
        self,
        records: dict[str, Any],
        spent: Callable[[], bool],
        enter_test: Callable[[str], None] | None = None,
    ) -> None:
        self.records = records
        self.spent = spent
        self.enter_test = enter_test
        self.twin_of: dict[str, str] = {}  # twin nodeid -> public nodeid
        self._inputs: UnseenInputs | None = None

    def with_twins(self, items: list[pytest.Item], is_public: Callable[[str], bool]) -> list:
        """``items`` with a twin of every public test, placed after the last public test
        (before the hidden tests)."""
        public = [i for i, item in enumerate(items) if is_public(item.nodeid)]
        if not public:
            return items
        twins = []
        for i in public:
            twin = make_twin(items[i])
            self.twin_of[twin.nodeid] = items[i].nodeid
            twins.append(twin)
        last = public[-1] + 1
        return [*items[:last], *twins, *items[last:]]

    def _public_passed(self, record: Any) -> bool:
        phases = record.phases
        return (
            record.not_run is None
            and not record.messages
            and phases.get("setup") == "passed"
            and phases.get("call") == "passed"
            and phases.get("teardown", "passed") == "passed"
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Run a twin only after its public test passed, and while the budget lasts."""
        public = self.twin_of.get(item.nodeid)
        if public is None:
            return
        record = self.records[public]
        if not self._public_passed(record):
            pytest.skip("its public test failed")
        if self.spent():
            record.messages.append(NOT_CHECKED)
            record.kind = record.kind or "time_budget"
            pytest.skip(NOT_CHECKED)
        if self.enter_test is not None:
            self.enter_test(item.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        """The twin's test function runs on unseen inputs, with expected values hidden."""
        if item.nodeid not in self.twin_of:
            yield
            return
        if self._inputs is None:
            self._inputs = UnseenInputs()
        checks = sys.modules.get("checks")
        shown = getattr(checks, "SHOW_EXPECTED", None)
        env = os.environ.get(SHOW_EXPECTED_ENV)
        os.environ[SHOW_EXPECTED_ENV] = "0"
        if checks is not None:
            checks.SHOW_EXPECTED = False
        try:
            with unseen_inputs(getattr(item, "obj", None), item.nodeid, self._inputs):
                yield
        finally:
            if checks is not None and shown is not None:
                checks.SHOW_EXPECTED = shown
            if env is None:
                os.environ.pop(SHOW_EXPECTED_ENV, None)
            else:
                os.environ[SHOW_EXPECTED_ENV] = env

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
        """A failed twin fails its public test's record (with a message that shows nothing
        of the unseen inputs)."""
        outcome = yield
        public = self.twin_of.get(item.nodeid)
        if public is None:
            return
        report = outcome.get_result()
        record = self.records[public]
        if report.failed and UNSEEN_FAILED not in record.messages:
            record.messages.append(UNSEEN_FAILED)
            record.kind = UNSEEN_KIND
