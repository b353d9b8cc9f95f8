"""The grading harness: plugin + runner.

(Hypothesis titles the shrunk input "Falsifying example" or, in newer releases,
"Failing test case"; the tests check for the test's call and its argument instead.)

Part A grades small fake test trees against a fake in-process proxy (fast, no sandbox):
point splitting, failure messages, redaction flag, budget, import errors, collection
errors, misconfiguration. Part B grades real submissions end to end (sandbox, hidden and
public tests): the solutions, the stubs, a syntax error, and determinism.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from results_helpers import strip_timings

from autograder import paths
from autograder.config import AssignmentConfig, load_config, parse_config
from autograder.grading.results import is_engine_failure, per_test_records
from autograder.grading.runner import grade_submission, run_grading
from autograder.sandbox.errors import (
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionImportError,
    SubmissionTimeout,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TEST_FIELDS = {"name", "score", "max_score", "status", "visibility", "output", "tags", "extra_data"}


def check_schema(data: dict, total: float | None = 100.0) -> None:
    """results.json per SPEC section 4."""
    assert set(data) >= {"score", "execution_time", "output", "tests"}
    for test in data["tests"]:
        assert set(test) == TEST_FIELDS, test
        assert test["status"] in ("passed", "failed")
        assert test["tags"] and isinstance(test["tags"][0], str)
        assert 0 <= test["score"] <= test["max_score"] + 1e-9
    assert math.isclose(data["score"], sum(t["score"] for t in data["tests"]), abs_tol=1e-6)
    if total is not None:
        assert math.isclose(sum(t["max_score"] for t in data["tests"]), total, abs_tol=1e-6)
    json.dumps(data, allow_nan=False)


# ---------------------------------------------------------------------------- A: fake trees


def fake_config(**limits: Any) -> AssignmentConfig:
    data = {
        "visibility": {"hidden_tests": "after_published", "show_expected_values": False},
        "limits": {"call_timeout": 1.0, "time_budget": 60.0, **limits},
        "hypothesis": {"max_examples": 9, "max_examples_per_function": {"beta": 4}},
        "parts": [
            {"number": 1, "title": "One", "points": {"alpha": 60}},
            {"number": 2, "title": "Two", "points": {"beta": 40}},
        ],
    }
    return parse_config(data)


class FakeClock:
    """The grade's clock in these tests: time passes only when a fake call says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeProxy:
    """In-process stand-in for the sandbox's SubmissionProxy."""

    def __init__(self, import_error: Exception | None = None) -> None:
        self.import_error = import_error
        self.calls: list[str] = []
        self.closed = False
        self.stats = {"calls": 0, "restarts": 0}
        self.clock = FakeClock()

    def alpha(self, x: int) -> int:
        self.calls.append("alpha")
        if x == -7:
            self.clock.now += 0.6  # a slow call (on the grade's clock)
        return 2 * x

    def beta(self, x: int) -> int:
        self.calls.append("beta")
        raise NotImplementedBySubmission("beta")

    def output_tail(self) -> str:
        return "printed by hw\n"

    def close(self) -> None:
        self.closed = True


HIDDEN = '''
import os
import pytest
from hypothesis import given, strategies as st


@pytest.mark.grades("alpha", weight=2)
def test_alpha_doubles(hw):
    """alpha doubles its input"""
    assert hw.alpha(2) == 4


@pytest.mark.grades("alpha")
def test_alpha_wrong_on_purpose(hw):
    secret = 12345
    assert hw.alpha(3) == secret, f"alpha(3) gave {hw.alpha(3)}"


@pytest.mark.grades("alpha")
def test_alpha_redaction_flag(hw):
    import checks
    assert os.environ["AUTOGRADER_SHOW_EXPECTED"] == "0"
    assert checks.SHOW_EXPECTED is False


@pytest.mark.grades("beta")
@given(st.integers(0, 10**6))
def test_beta_property(hw, x):
    assert hw.beta(x) == x
'''

PUBLIC = """
import os
import pytest
from hypothesis import given, strategies as st


@pytest.mark.grades("alpha")
@given(st.integers(0, 10**6))
def test_alpha_property(hw, x):
    assert os.environ["AUTOGRADER_SHOW_EXPECTED"] == "1"
    assert hw.alpha(x) != 2 * x or x < 50, "alpha is too big"


@pytest.mark.grades("beta")
def test_beta_skipped(hw):
    pytest.skip("no reason")
"""


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    hidden = tmp_path / "hidden"
    public = tmp_path / "public"
    hidden.mkdir()
    public.mkdir()
    (hidden / "test_fake_hidden.py").write_text(HIDDEN)
    (public / "test_fake_public.py").write_text(PUBLIC)
    hw = tmp_path / "hw.py"
    hw.write_text("# graded through the fake proxy\n")
    return {"hidden": hidden, "public": public, "hw": hw}


def grade_fake(tree: dict[str, Path], proxy: FakeProxy | None = None, **kwargs: Any) -> Any:
    proxy = proxy or FakeProxy()
    config = kwargs.pop("config", None) or fake_config()
    run = run_grading(
        kwargs.pop("submission", tree["hw"]),
        config,
        test_dirs=[tree["hidden"], tree["public"]],
        hidden_dir=tree["hidden"],
        proxy_factory=lambda path, cfg: proxy,
        clock=proxy.clock,
        **kwargs,
    )
    return run, proxy


def by_test(results: dict) -> dict[str, dict]:
    """Every test's record (inside its function's entry), by test name."""
    return {t["extra_data"].get("test", t["name"]): t for t in per_test_records(results)}


def test_fake_grade_entries_points_and_messages(tree: dict[str, Path]) -> None:
    from hypothesis import settings

    profile_before = settings._current_profile
    run, proxy = grade_fake(tree)
    assert run.engine_error is None, run.log
    results = run.results
    check_schema(results)
    tests = by_test(results)
    assert len(tests) == 6  # every collected test has exactly one record
    # alpha (60 points) over weights 2, 1, 1, 1 (public property test included)
    assert tests["test_alpha_doubles"]["max_score"] == 24.0
    assert tests["test_alpha_doubles"]["status"] == "passed"
    assert tests["test_alpha_doubles"]["name"] == "alpha: alpha doubles its input (hidden)"
    assert tests["test_alpha_wrong_on_purpose"]["max_score"] == 12.0
    assert tests["test_alpha_redaction_flag"]["status"] == "passed"
    # beta (40 points) over two tests
    assert tests["test_beta_property"]["max_score"] == 20.0
    assert results["score"] == 36.0
    # failure output: the assertion message, never the hidden test's source
    wrong = tests["test_alpha_wrong_on_purpose"]
    assert wrong["status"] == "failed" and wrong["score"] == 0
    assert wrong["output"].startswith("alpha(3) gave 6")
    assert "secret" not in wrong["output"] and "12345" not in wrong["output"]
    assert wrong["extra_data"]["kind"] == "wrong"
    # a stub: its own message and kind, tried once (no example to shrink, none shown)
    beta = tests["test_beta_property"]
    assert beta["output"] == "beta() is not implemented yet (it raises NotImplementedError)"
    assert proxy.calls.count("beta") == 1
    assert beta["extra_data"]["kind"] == "not_implemented"
    assert beta["visibility"] == "after_published"
    assert beta["tags"] == ["beta", "part 2", "hidden"]
    prop = tests["test_alpha_property"]
    assert prop["status"] == "failed" and "alpha is too big" in prop["output"]
    assert "test_alpha_property(" in prop["output"] and "x=50" in prop["output"]
    assert prop["visibility"] == "visible"
    skipped = tests["test_beta_skipped"]
    assert skipped["status"] == "failed" and "skipped: no reason" in skipped["output"]
    # Gradescope's entries: one per function and visibility, ordered by function, the
    # visible one first; the points per function are the instructor's (60 and 40), split
    # by the tests' weights; passed only when every check passed
    entries = [(t["name"], t["max_score"], t["score"], t["status"], t["visibility"])
               for t in results["tests"]]
    assert entries == [
        ("alpha: checks you can run", 12.0, 0.0, "failed", "visible"),
        ("alpha: hidden checks", 48.0, 36.0, "failed", "after_published"),
        ("beta: checks you can run", 20.0, 0.0, "failed", "visible"),
        ("beta: hidden checks", 20.0, 0.0, "failed", "after_published"),
    ]
    hidden_alpha = results["tests"][1]
    assert [t["name"] for t in hidden_alpha["extra_data"]["tests"]] == [
        "alpha: alpha doubles its input (hidden)",
        "alpha: test_alpha_wrong_on_purpose (hidden)",
        "alpha: test_alpha_redaction_flag (hidden)",
    ]
    # its output lists every check, then the failing one's message
    assert hidden_alpha["output"].splitlines()[:5] == [
        "2 of 3 checks passed: 36/48 points.",
        "",
        "✓ alpha doubles its input",  # a docstring's name as written
        "✗ wrong on purpose",  # test_alpha_wrong_on_purpose, readable
        "✓ redaction flag",
    ]
    assert "✗ wrong on purpose:\n  alpha(3) gave 6" in hidden_alpha["output"]
    assert "12345" not in hidden_alpha["output"]
    # the summary shown at once counts the visible entries only, per part, and says
    # when the others are shown
    assert results["output"].splitlines()[:4] == [
        "Points of the checks shown now: 0/32",
        "",
        "- Part 1 — One: 0/12 points",
        "- Part 2 — Two: 0/20 points",
    ]
    assert ("68 more points come from checks whose results are shown when the instructor "
            "publishes the grades.") in results["output"]
    assert results["output_format"] == "md" and results["test_output_format"] == "text"
    assert results["extra_data"]["stdout_tail"] == "printed by hw\n"
    assert proxy.closed
    assert settings._current_profile == profile_before


def test_visibility_per_function_and_test_splits_the_entries(tree: dict[str, Path]) -> None:
    config = fake_config()
    config = dataclasses.replace(
        config,
        function_visibility=(("beta", "after_due_date"),),
        test_visibility_patterns=(("test_alpha_redaction*", "hidden"),),
    )
    run, _ = grade_fake(tree, config=config)
    assert run.engine_error is None, run.log
    results = run.results
    check_schema(results)
    entries = [(t["name"], t["visibility"], t["max_score"]) for t in results["tests"]]
    assert entries == [
        ("alpha: checks you can run", "visible", 12.0),
        ("alpha: hidden checks (shown when grades are published)", "after_published", 36.0),
        ("alpha: hidden checks (not shown)", "hidden", 12.0),
        ("beta", "after_due_date", 40.0),  # all its checks shown at one time: one entry
    ]
    records = by_test(results)
    assert records["test_alpha_redaction_flag"]["visibility"] == "hidden"
    assert records["test_beta_skipped"]["visibility"] == "after_due_date"  # a public test
    # one sentence per visibility, each saying when its results are shown
    output = results["output"]
    assert "- Part 2 — Two: no checks shown now" in output
    assert "40 more points come from checks whose results are shown after the due date" in output
    assert "36 more points come from checks whose results are shown when the instructor " \
        "publishes the grades." in output
    assert "12 more points come from checks whose results are not shown to students" in output
    assert "publishes" not in output.split("after the due date")[1].split("\n")[0]


def test_hypothesis_example_counts_come_from_the_config(tree: dict[str, Path]) -> None:
    (tree["hidden"] / "test_fake_hidden.py").write_text(
        HIDDEN.replace("assert hw.beta(x) == x", "hw.alpha(x)")
    )
    run, proxy = grade_fake(tree, functions=["beta"])
    assert run.engine_error is None, run.log
    assert proxy.calls.count("alpha") == 4  # max_examples_per_function.beta = 4


class RecordingProxy(FakeProxy):
    def alpha(self, x: int) -> int:
        self.calls.append(f"alpha:{x // 10**7}")
        return 2 * x


def test_a_tests_own_settings_can_only_lower_the_example_count(tree: dict[str, Path]) -> None:
    (tree["public"] / "test_fake_public.py").write_text(
        "import pytest\n"
        "from hypothesis import given, settings, strategies as st\n"
        "@pytest.mark.grades('alpha')\n@given(st.integers(0, 10**6))\n"
        "def test_a(hw, x):\n    hw.alpha(x)\n"
        "@pytest.mark.grades('alpha')\n@settings(max_examples=2)\n@given(st.integers(0, 10**6))\n"
        "def test_b(hw, x):\n    hw.alpha(x + 10**7)\n"
        "@pytest.mark.grades('alpha')\n@settings(max_examples=50)\n@given(st.integers(0, 10**6))\n"
        "def test_c(hw, x):\n    hw.alpha(x + 2 * 10**7)\n"
    )
    (tree["hidden"] / "test_fake_hidden.py").unlink()
    for _ in range(2):  # the second run (modules already imported) counts the same
        run, proxy = grade_fake(tree, RecordingProxy(), functions=["alpha"])
        assert run.engine_error is None, run.log
        counts = {k: proxy.calls.count(f"alpha:{k}") for k in range(3)}
        # config default 9; own 2 kept; own 50 capped; each twice (the public test, its twin)
        assert counts == {0: 18, 1: 4, 2: 18}


def test_functions_filter_omits_the_other_tests(tree: dict[str, Path]) -> None:
    run, _ = grade_fake(tree, functions=["alpha"])
    check_schema(run.results, total=60.0)
    assert {t["tags"][0] for t in run.results["tests"]} == {"alpha"}
    assert {t["tags"][0] for t in per_test_records(run.results)} == {"alpha"}


def test_import_error_fails_every_test_with_one_submission_entry(tree: dict[str, Path]) -> None:
    error = SubmissionImportError("SyntaxError: invalid syntax (hw.py, line 3)")
    run, proxy = grade_fake(tree, FakeProxy(import_error=error))
    results = run.results
    check_schema(results)
    first = results["tests"][0]
    assert first["tags"] == ["submission"] and first["max_score"] == 0
    assert "SyntaxError" in first["output"]
    assert [t["tags"][0] for t in results["tests"][1:]] == ["alpha", "alpha", "beta", "beta"]
    rest = per_test_records(results)[1:]
    assert len(rest) == 6 and results["score"] == 0
    for test in rest:
        assert test["status"] == "failed"
        assert (
            test["output"]
            == "hw.py could not be imported: SyntaxError: invalid syntax (hw.py, line 3)"
        )
    assert proxy.calls == []


def test_missing_submission_is_an_entry_not_a_crash(tree: dict[str, Path]) -> None:
    run, proxy = grade_fake(tree, submission=tree["hw"].parent / "nothing-here")
    assert run.engine_error is None
    check_schema(run.results)
    assert run.results["tests"][0]["name"] == "Finding hw.py"
    assert all("hw.py was not found" in t["output"] for t in per_test_records(run.results))
    assert all("hw.py was not found" in t["output"] for t in run.results["tests"])
    assert proxy.calls == []


def test_time_budget_stops_the_remaining_tests(tree: dict[str, Path]) -> None:
    (tree["hidden"] / "test_fake_hidden.py").write_text(
        HIDDEN.replace("hw.alpha(2) == 4", "hw.alpha(-7) == -14")
    )
    run, _ = grade_fake(tree, config=fake_config(time_budget=0.5, call_timeout=0.1))
    check_schema(run.results)
    tests = by_test(run.results)
    assert tests["test_alpha_doubles"]["status"] == "passed"  # started within the budget
    assert tests["test_alpha_wrong_on_purpose"]["output"] == "not run: time budget exhausted"
    assert tests["test_beta_skipped"]["output"] == "not run: time budget exhausted"
    assert "time budget" in run.results["output"]


class LoopingProxy(FakeProxy):
    """beta() never returns: the sandbox reports a timeout for every call."""

    def beta(self, x: int) -> int:
        self.calls.append("beta")
        raise SubmissionTimeout("beta", 1.0, f"beta({x})")


def test_a_function_that_times_out_is_not_called_again_and_again(tree: dict[str, Path]) -> None:
    (tree["public"] / "test_more_beta.py").write_text(
        "import pytest\n"
        + "".join(
            f"@pytest.mark.grades('beta')\ndef test_beta_{i}(hw):\n    hw.beta({i})\n"
            for i in range(3)
        )
    )
    run, proxy = grade_fake(tree, LoopingProxy())
    check_schema(run.results)
    tests = by_test(run.results)
    # the first call times out; after that beta is not called any more in this grade
    # (not while Hypothesis shrinks, not in the other tests)
    assert proxy.calls.count("beta") == 1
    beta_tests = ["test_beta_property", "test_beta_0", "test_beta_1", "test_beta_2"]
    timed_out = [n for n in beta_tests if tests[n]["output"].startswith("timed out after 1 s")]
    assert len(timed_out) == 1
    assert "while calling beta(" in tests[timed_out[0]]["output"]
    for name in beta_tests:
        assert tests[name]["status"] == "failed"
        assert tests[name]["extra_data"]["kind"] == "timeout"
        if name not in timed_out:
            assert "beta() was not called: it already timed out once" in tests[name]["output"]
    assert tests["test_alpha_doubles"]["status"] == "passed"


class MissingBetaProxy(FakeProxy):
    """hw.py without beta(): the sandbox proxy raises MissingFunction on attribute access."""

    def __getattribute__(self, name: str) -> Any:
        if name == "beta":
            object.__getattribute__(self, "calls").append("beta")
            raise MissingFunction("beta")
        return object.__getattribute__(self, name)


@pytest.mark.parametrize("proxy_class", [FakeProxy, MissingBetaProxy, LoopingProxy])
def test_a_failure_no_input_can_change_ends_a_property_test_at_once(
    tree: dict[str, Path], proxy_class: type
) -> None:
    # Hypothesis would shrink a stub's failure with dozens of identical failing calls
    run, proxy = grade_fake(tree, proxy_class(), functions=["beta"])
    assert run.engine_error is None, run.log
    test = by_test(run.results)["test_beta_property"]
    assert test["status"] == "failed"
    assert proxy.calls.count("beta") == 1
    assert test["extra_data"]["kind"] in ("not_implemented", "missing", "timeout")
    assert "Falsifying" not in test["output"] and "x=" not in test["output"]


def test_a_wrong_result_is_still_shrunk(tree: dict[str, Path]) -> None:
    # only input-independent failures skip shrinking: a wrong value gets the minimal example
    run, proxy = grade_fake(tree, functions=["alpha"])
    prop = by_test(run.results)["test_alpha_property"]
    assert "x=50" in prop["output"]
    assert proxy.calls.count("alpha") > 9 + 3  # the examples, the shrinks, the other tests


LISTED_INPUTS = """
import pytest
import checks
from hypothesis import given, strategies as st


@pytest.mark.grades("alpha")
@given(st.integers(0, 10), st.data())
def test_listed(hw, x, data):
    k = data.draw(st.integers(1, 3))
    checks.assert_close(float(hw.alpha(x) + k), -1.0, name="alpha", inputs={"x": x, "k": k})
"""


def test_the_falsifying_example_is_left_out_when_the_message_lists_the_inputs(
    tree: dict[str, Path],
) -> None:
    (tree["public"] / "test_fake_public.py").write_text(LISTED_INPUTS)
    run, _ = grade_fake(tree, functions=["alpha"])
    test = by_test(run.results)["test_listed"]
    assert test["status"] == "failed"
    assert "inputs:\n    x = 0\n    k = 1" in test["output"]
    assert "Falsifying" not in test["output"] and "Draw 1" not in test["output"]
    # without an inputs block the example is kept: see test_alpha_property ("x=50") in
    # test_fake_grade_entries_points_and_messages


CONSTANT_DRAWS = """
import pytest
from hypothesis import given, strategies as st


@pytest.mark.grades("alpha")
@given(st.lists(st.integers(0, 10**6), min_size=40, max_size=40))
def test_draws(hw, xs):
    hw.alpha(xs)
"""


class ArgsProxy(FakeProxy):
    def alpha(self, x: Any) -> int:
        self.calls.append(repr(x))
        return 0


def test_examples_do_not_depend_on_the_modules_loaded_in_the_grader(
    tree: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hypothesis mixes literals of loaded local modules into its draws; grading pins that
    pool (runner.fixed_hypothesis_constants), so a long-lived grader, otter's kernel and
    ``autograder run`` all give a submission the same examples."""
    import contextlib

    from autograder.grading import runner

    (tree["public"] / "test_fake_public.py").write_text(CONSTANT_DRAWS)
    (tree["hidden"] / "test_fake_hidden.py").unlink()

    def draws() -> list[str]:
        run, proxy = grade_fake(tree, ArgsProxy(), functions=["alpha"])
        assert run.engine_error is None, run.log
        return proxy.calls

    before = draws()
    local = tmp_path / "grader_local_module_with_literals.py"
    local.write_text("".join(f"C{i} = {1000 + 7919 * i}\n" for i in range(100)))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, local.stem, raising=False)
    __import__(local.stem)
    assert draws() == before
    # the check can fail: without the pin, the new module's literals change the examples
    monkeypatch.setattr(runner, "fixed_hypothesis_constants", contextlib.nullcontext)
    assert draws() != before


def test_missing_marker_fails_the_grade_loudly(tree: dict[str, Path]) -> None:
    (tree["public"] / "test_unmarked.py").write_text("def test_forgot(hw):\n    pass\n")
    run, _ = grade_fake(tree)
    assert run.engine_error and "test_forgot" in run.engine_error
    assert is_engine_failure(run.results)
    check_schema(run.results, total=0.0)


def test_unknown_function_in_marker_fails_loudly(tree: dict[str, Path]) -> None:
    (tree["public"] / "test_typo.py").write_text(
        "import pytest\n@pytest.mark.grades('alpah')\ndef test_t(hw):\n    pass\n"
    )
    run, _ = grade_fake(tree)
    assert run.engine_error and "'alpah'" in run.engine_error


def test_a_grade_without_its_input_guard_fails_loudly(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``checks`` (the input guard's comparison) cannot be imported: nothing is graded
    with the guard off; the engine says why."""
    monkeypatch.setitem(sys.modules, "checks", None)  # `import checks` raises ImportError
    run, proxy = grade_fake(tree)
    assert run.engine_error and "the input guard cannot run" in run.engine_error
    assert "import checks" in run.engine_error
    assert is_engine_failure(run.results)
    assert proxy.calls == []


def test_an_interrupted_session_is_an_engine_failure(tree: dict[str, Path]) -> None:
    (tree["public"] / "test_exit.py").write_text(
        "import pytest\n@pytest.mark.grades('beta')\ndef test_stop(hw):\n    pytest.exit('bye')\n"
    )
    run, _ = grade_fake(tree)
    assert run.engine_error and "interrupted" in run.engine_error
    assert is_engine_failure(run.results)


def test_collection_error_becomes_an_entry(tree: dict[str, Path]) -> None:
    (tree["hidden"] / "test_broken.py").write_text("import no_such_module_here\n")
    run, _ = grade_fake(tree)
    assert run.engine_error is None
    check_schema(run.results)
    broken = [t for t in run.results["tests"] if "collection-error" in t["tags"]]
    assert len(broken) == 1 and "no_such_module_here" in broken[0]["output"]
    assert broken[0]["tags"][0] == "submission" and broken[0]["max_score"] == 0
    assert run.results["extra_data"]["collection_errors"]


def test_grade_submission_writes_results_even_when_the_engine_fails(tmp_path: Path) -> None:
    out = tmp_path / "results.json"

    class Broken(AssignmentConfig):
        @property
        def functions(self) -> tuple[str, ...]:
            raise RuntimeError("boom")

    config = load_config()
    broken = Broken(**{f: getattr(config, f) for f in config.__dataclass_fields__})
    data = grade_submission(paths.SOLUTIONS_HW, out, config=broken)
    assert is_engine_failure(data) and "boom" in data["output"]
    assert json.loads(out.read_text()) == data


# ---------------------------------------------------------------------------- B: end to end


@pytest.fixture(scope="module")
def solutions_results() -> dict:
    return grade_submission(paths.SOLUTIONS_HW, None)


@pytest.fixture(scope="module")
def stub_results() -> dict:
    return grade_submission(paths.STUDENT_HW, None)


def test_solutions_get_100(solutions_results: dict) -> None:
    check_schema(solutions_results)
    failed = [t for t in solutions_results["tests"] if t["status"] != "passed"]
    assert not failed, json.dumps(failed[:3], indent=1)
    assert solutions_results["score"] == 100
    config = load_config()
    graded = {t["tags"][0] for t in solutions_results["tests"]}
    assert graded == set(config.functions)
    records = per_test_records(solutions_results)
    sources = {t["extra_data"]["source"] for t in records}
    assert sources == {"hidden", "public"}
    assert len(records) > 2 * len(config.functions)  # many tests, few entries
    # one entry per function and visibility: the checks you can run, then the hidden ones,
    # their maxima adding up to the instructor's points of the function
    for function in config.functions:
        mine = [t for t in solutions_results["tests"] if t["tags"][0] == function]
        assert [t["name"] for t in mine] == [
            f"{function}: checks you can run", f"{function}: hidden checks"
        ]
        assert [t["visibility"] for t in mine] == ["visible", "after_published"]
        assert math.isclose(sum(t["max_score"] for t in mine), config.points(function),
                            abs_tol=1e-9)
        for entry in mine:
            checks = entry["extra_data"]["tests"]
            assert entry["max_score"] == pytest.approx(sum(c["max_score"] for c in checks))
            head = "The check passed" if len(checks) == 1 else f"All {len(checks)} checks passed"
            assert entry["output"].startswith(head)
            assert entry["output"].count("✓") == len(checks) and "✗" not in entry["output"]


def test_stubs_get_0_with_not_implemented_messages(stub_results: dict) -> None:
    check_schema(stub_results)
    assert stub_results["score"] == 0
    tests = per_test_records(stub_results)
    assert all(t["status"] == "failed" for t in tests)
    not_impl = [t for t in tests if "not implemented" in t["output"]]
    assert len(not_impl) >= 0.9 * len(tests)
    entries = stub_results["tests"]
    assert all(t["status"] == "failed" and t["score"] == 0 for t in entries)
    # every check is listed; a message many checks share is shown once
    for entry in entries:
        checks = entry["extra_data"]["tests"]
        assert entry["output"].count("\n✗ ") >= len(checks)
        assert entry["output"].count("is not implemented yet") <= len(
            {c["output"] for c in checks}
        )
    for test in [*tests, *entries]:  # no trusted traceback, no test source in the messages
        assert "Traceback (most recent call last)" not in test["output"]
        assert "solutions/hw.py" not in test["output"]


def test_syntax_error_gives_valid_results_with_a_submission_entry(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    hw.write_text("def softmax(z, axis=-1):\n    return z +\n")
    out = tmp_path / "results.json"
    data = grade_submission(hw, out)
    assert json.loads(out.read_text()) == data
    check_schema(data)
    assert not is_engine_failure(data)
    entry = data["tests"][0]
    assert entry["tags"] == ["submission"] and "SyntaxError" in entry["output"]
    assert data["score"] == 0
    records = per_test_records(data)[1:]
    assert records and all(t["output"].startswith("hw.py could not be imported") for t in records)
    # the summary shown at once quotes the error as written, in a code block
    assert "```text\nhw.py could not be imported" in data["output"]


def test_two_runs_are_identical_apart_from_timings(tmp_path: Path) -> None:
    source = paths.SOLUTIONS_HW.read_text()
    broken = source.replace("def mae_grad(", "def _orig_mae_grad(", 1) + (
        "\n\ndef mae_grad(y_pred, y):\n"
        "    import numpy as np\n"
        "    return np.sign(np.asarray(y_pred) - y) / np.asarray(y).shape[0]\n"
    )
    hw = tmp_path / "hw.py"
    hw.write_text(broken)
    functions = ["softmax", "mae_grad", "relu"]
    possible = math.fsum(load_config().points(f) for f in functions)
    first = grade_submission(hw, None, functions=functions)
    second = grade_submission(hw, None, functions=functions)
    check_schema(first, total=possible)
    assert 0 < first["score"] < possible
    assert strip_timings(first) == strip_timings(second)


def test_packaged_toml_is_what_the_runner_uses() -> None:
    with open(paths.ASSIGNMENT_TOML, "rb") as fh:
        raw = tomllib.load(fh)
    assert load_config().title == raw["assignment"]["title"]


@pytest.mark.parametrize(
    ("expected", "got", "secret"),
    [
        ([[0.123456, 7.5], [3.25, 9.75]], [[0.0, 0.0], [0.0, 0.0]], "7.5"),
        ([1.5, 2.5], [float("nan"), 2.5], "1.5"),
        ([float("inf"), 2.5], [1.0, 2.5], "inf"),
        (3.75, 1.0, "3.75  (float64)"),
    ],
)
def test_redaction_removes_expected_values_from_checks_messages(
    expected: Any, got: Any, secret: str
) -> None:
    import numpy as np

    from autograder.grading.feedback import redact_expected

    sys.path.insert(0, str(paths.STUDENT_TESTS))
    try:
        import checks
    finally:
        sys.path.remove(str(paths.STUDENT_TESTS))
    with pytest.raises(AssertionError) as info:
        checks.assert_close(np.asarray(got), np.asarray(expected), name="f", inputs={"x": 42.0})
    message = str(info.value)
    assert secret in message
    redacted = redact_expected(message)
    assert secret not in redacted
    assert "42" in redacted and redacted.startswith("f: ")  # the rest is kept
