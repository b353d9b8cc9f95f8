"""The student handout (``student/``) works as a student will use it.

* a copy of ``student/`` with the reference solutions as ``hw.py``: ``pytest`` passes,
  every function is graded by a public test and ticked in the checklist;
* a copy with the generated stub ``hw.py``: the tests fail cleanly (exit code 1, no
  collection errors) saying "not implemented", and the checklist is printed;
* ``train.py`` with the solutions: Adam reaches >= 90 % held-out accuracy and the plot
  is written; with the stub it stops with a "not implemented" message;
* ``timbre.make_timbre_dataset`` is deterministic per seed, shaped and documented;
* the shared helpers ``checks`` and ``testfuncs`` behave as the tests rely on.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from autograder.paths import load_module

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "student"
SOLUTIONS_HW = ROOT / "solutions" / "hw.py"


def _load(path: Path, name: str) -> ModuleType:
    return load_module(path, name)


def _hw_functions() -> list[str]:
    """The public functions of solutions/hw.py, in order."""
    tree = ast.parse(SOLUTIONS_HW.read_text(encoding="utf-8"))
    return [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    ]


def _handout(tmp_path: Path, hw_source: Path) -> Path:
    """A copy of student/ in tmp_path with ``hw_source`` as its hw.py."""
    dest = tmp_path / "student"
    shutil.copytree(
        STUDENT,
        dest,
        ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", ".pytest_cache", "optimizers.png", ".hypothesis"
        ),
    )
    shutil.copyfile(hw_source, dest / "hw.py")
    return dest


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _handout(tmp_path_factory.mktemp("solved"), SOLUTIONS_HW)


@pytest.fixture(scope="module")
def stubbed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _handout(tmp_path_factory.mktemp("stubbed"), STUDENT / "hw.py")


# ----------------------------------------------------------------------------- public tests


def test_handout_has_the_spec_files() -> None:
    for rel in ("hw.py", "README.md", "timbre.py", "train.py", "requirements.txt", "pytest.ini"):
        assert (STUDENT / rel).is_file(), f"student/{rel} is missing"
    for rel in ("conftest.py", "checks.py", "testfuncs.py"):
        assert (STUDENT / "tests" / rel).is_file(), f"student/tests/{rel} is missing"
    reqs = (STUDENT / "requirements.txt").read_text(encoding="utf-8")
    for package in ("numpy", "pytest", "hypothesis", "matplotlib"):
        assert package in reqs


def test_public_tests_pass_on_the_solutions(solved: Path) -> None:
    proc = _run(["-m", "pytest", "-q"], solved)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert re.search(r"\b\d+ passed\b", out) and "failed" not in out, out[-2000:]
    functions = _hw_functions()
    # the checklist ticks every function: each one has at least one graded public test
    for name in functions:
        assert re.search(rf"✓ {name}\s+\d+/\d+ tests passed", out), (
            f"{name} not ticked:\n{out[-3000:]}"
        )
    assert f"{len(functions)} functions pass, 0 fail, 0 not implemented yet" in out
    from autograder.config import load_config

    for part in load_config().parts:  # the checklist's points come from points.json
        assert f"Part {part.number}: {part.title} ({part.total:g} points)" in out, out[-3000:]
    assert "grader does not have" not in out


def test_public_tests_fail_cleanly_on_the_stub(stubbed: Path) -> None:
    proc = _run(["-m", "pytest", "-q"], stubbed)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, (
        f"expected test failures (1), got {proc.returncode}:\n{out[-4000:]}"
    )
    assert not re.search(r"\b\d+ errors?\b", out) and "ERROR" not in out, out[-4000:]
    assert "softmax() is not implemented yet" in out
    assert "NotImplementedError" not in out.replace("hw.py raises NotImplementedError", "")
    assert "Traceback" not in out
    assert "homework checklist" in out
    assert f"0 functions pass, 0 fail, {len(_hw_functions())} not implemented yet" in out
    assert re.search(r"· relative_error\s+not implemented yet", out)


def test_public_tests_report_a_wrong_function_with_its_inputs(tmp_path: Path) -> None:
    wrong = tmp_path / "hw_wrong.py"
    source = SOLUTIONS_HW.read_text(encoding="utf-8")
    broken = source.replace("return np.sign(y_pred - y) / y.size", "return np.sign(y_pred - y)")
    assert broken != source
    wrong.write_text(broken, encoding="utf-8")
    dest = _handout(tmp_path, wrong)
    proc = _run(["-m", "pytest", "-q", "-k", "mae"], dest)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "mae_grad: wrong values" in out
    assert "inputs:" in out and "y_pred = " in out and "expected:" in out
    assert re.search(r"✗ mae_grad\s+0/2 tests passed", out), out[-3000:]
    assert re.search(r"✓ mae_loss\s+(\d+)/\1 tests passed", out), out[-3000:]


def test_public_run_warns_about_imports_the_grader_does_not_have(tmp_path: Path) -> None:
    # matplotlib is installed here, so hw.py imports; graded, the functions that use it
    # would fail (the sandbox has only NumPy and the standard library): the run fails
    plotting = tmp_path / "hw_plotting.py"
    source = SOLUTIONS_HW.read_text(encoding="utf-8")
    plotting.write_text(
        "import matplotlib.pyplot as plt\nfrom scipy import special\nimport collections.abc\n"
        + source,
        encoding="utf-8",
    )
    dest = _handout(tmp_path, plotting)
    proc = _run(["-m", "pytest", "-q", "-k", "relu"], dest)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]  # the run fails: graded, those functions would
    assert "hw.py imports matplotlib, scipy, which the grader does not provide" in out, out[-3000:]
    assert "collections" not in out.split("When graded")[0]


def test_unavailable_imports_reads_every_import(tmp_path: Path) -> None:
    conftest = _load(STUDENT / "tests" / "conftest.py", "conftest_under_test")
    hw = tmp_path / "hw.py"
    hw.write_text(
        "from __future__ import annotations\nimport numpy as np, os.path\n"
        "from numpy.linalg import norm\nfrom . import sibling\n"
        "def f():\n    import torch\n    from sklearn.metrics import accuracy_score\n",
        encoding="utf-8",
    )
    assert conftest.unavailable_imports(hw) == ["sklearn", "torch"]
    assert conftest.unavailable_imports(SOLUTIONS_HW) == []
    hw.write_text("def broken(:\n", encoding="utf-8")
    assert conftest.unavailable_imports(hw) == []  # the import error says it already


# ----------------------------------------------------------------------------- train.py


def test_train_reaches_90_percent_with_adam_and_plots(solved: Path) -> None:
    pytest.importorskip("matplotlib")  # a declared dependency of the project
    proc = _run(["train.py", "--optimizers", "adam", "--out", "curves.png"], solved)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    match = re.search(r"^adam\s.*?([\d.]+)%\s+[\d.]+s$", proc.stdout, re.M)
    assert match, out
    assert float(match.group(1)) >= 90.0, out
    assert (solved / "curves.png").stat().st_size > 10_000


def test_train_without_matplotlib_says_so(solved: Path) -> None:
    script = (
        "import runpy, sys; sys.modules['matplotlib'] = None; "
        "sys.argv = ['train.py', '--optimizers', 'gd', '--epochs', '1', '--out', 'none.png']; "
        "runpy.run_path('train.py', run_name='__main__')"
    )
    proc = _run(["-c", script], solved)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "matplotlib is not installed" in proc.stdout
    assert re.search(r"^gd\s", proc.stdout, re.M)
    assert not (solved / "none.png").exists()


def test_train_says_not_implemented_on_the_stub(stubbed: Path) -> None:
    proc = _run(["train.py", "--no-plot", "--optimizers", "adam"], stubbed)
    assert proc.returncode == 1
    assert "train_two_layer_net() is not implemented yet" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- timbre.py


@pytest.fixture(scope="module")
def timbre() -> ModuleType:
    return _load(STUDENT / "timbre.py", "timbre_under_test")


def test_timbre_dataset_is_deterministic_per_seed(timbre: ModuleType) -> None:
    X1, y1 = timbre.make_timbre_dataset(6, seed=3)
    X2, y2 = timbre.make_timbre_dataset(6, seed=3)
    X3, _ = timbre.make_timbre_dataset(6, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.dtype == np.float64 and X1.shape == (24, timbre.N_BANDS)
    assert y1.dtype == np.int64 and y1.shape == (24,)
    assert np.array_equal(np.bincount(y1), [6, 6, 6, 6])
    assert not np.array_equal(y1, np.sort(y1)), "the examples should be shuffled"
    assert np.all(np.isfinite(X1)) and X1.min() >= -1.0 and X1.max() <= 1.0
    assert timbre.CLASS_NAMES == ("sine", "square", "sawtooth", "triangle")


def test_timbre_features_show_the_harmonics(timbre: ModuleType) -> None:
    """A sine has one strong band, a sawtooth many: the features carry the timbre."""
    rng = np.random.default_rng(0)
    notes = np.stack([timbre.synthesize_note(label, 220.0, 0.5, 1e-3, rng) for label in range(4)])
    feats = timbre.band_features(notes)
    strong = (feats > 0.25).sum(axis=1)  # bands within 30 dB of the loudest one
    sine, square, saw, triangle = strong
    assert sine < triangle < square < saw, strong


# ----------------------------------------------------------------------------- shared helpers


@pytest.fixture(scope="module")
def checks() -> ModuleType:
    return _load(STUDENT / "tests" / "checks.py", "checks_under_test")


@pytest.fixture(scope="module")
def testfuncs() -> ModuleType:
    return _load(STUDENT / "tests" / "testfuncs.py", "testfuncs_under_test")


def test_assert_close_accepts_rounding_and_scales_with_magnitude(checks: ModuleType) -> None:
    checks.assert_close(np.array([1.0, 2.0]) * (1 + 1e-12), np.array([1.0, 2.0]), name="f")
    checks.assert_close(1e6 + 0.5, 1e6, name="f")  # rtol 1e-6 of 1e6 is 1
    checks.assert_close(np.array([1e-20, 1e3]), np.array([0.0, 1e3]), name="f")
    checks.assert_close((np.ones(2), {"a": 1.0}), [np.ones(2), {"a": 1.0}], name="f")
    checks.assert_close(np.array([0.5, 0.5]), [0.5, 0.5], name="f")


@pytest.mark.parametrize(
    ("got", "expected", "message"),
    [
        (np.array([1.0, 2.5]), np.array([1.0, 2.0]), "largest absolute error 0.5 at index [1]"),
        (np.array([np.nan, 1.0]), np.array([0.0, 1.0]), "got nan at index [0]"),
        (np.ones(3), np.ones(2), "expected shape (2,), got shape (3,)"),
        (np.ones(1), 1.0, "expected a float, got an array of shape (1,)"),
        (1.0, np.ones(2), "expected a NumPy array of shape (2,)"),
        (np.ones(2), np.array([1, 1]), "expected an integer array"),
        ((np.ones(2),), (np.ones(2), np.ones(2)), "expected a tuple of 2 values"),
        ({"W1": np.ones(2)}, {"W1": np.ones(2), "b1": np.ones(1)}, "missing ['b1']"),
        (np.ones(2, dtype=np.float32), np.ones(2), "expected a float64 array, got dtype float32"),
        (np.float32(1.0), 1.0, "expected a float, got a NumPy float32"),
        (np.int64(3), 3, "expected a Python int, got a NumPy int64 (use int(...))"),
        (True, 1, "expected a Python int, got a bool"),
        (np.ones((2, 1)), [1.0, 1.0], "expected a list of 2 numbers (or a 1-D array)"),
    ],
)
def test_assert_close_reports_what_is_wrong(checks: ModuleType, got, expected, message) -> None:
    with pytest.raises(AssertionError) as info:
        checks.assert_close(got, expected, name="myfunc", inputs={"z": np.arange(3.0)})
    text = str(info.value)
    assert text.startswith("myfunc: ")
    assert message in text, text
    assert "z = np.array([0.0, 1.0, 2.0])" in text  # typed back exactly


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (np.float64(0.5), 0.5),  # a NumPy float64 is a float
        ([np.ones(2), np.zeros(1)], (np.ones(2), np.zeros(1))),  # a list for a tuple
        ((np.ones(2), np.zeros(1)), [np.ones(2), np.zeros(1)]),  # a tuple for a list
        (np.array([0.5, 0.25]), [0.5, 0.25]),  # an array of losses for a list of them
        ((0.5, 0.25), [0.5, 0.25]),
        (np.array([1, 2], dtype=np.uint8), np.array([1, 2])),  # any integer dtype
        (np.array([1, 2], dtype=np.int32), np.array([1, 2], dtype=np.int64)),
        (({"W": np.ones(2)}, np.array([0.5])), ({"W": np.ones(2)}, [0.5])),
    ],
)
def test_the_acceptance_rule_accepts_what_spec_accepts(checks: ModuleType, got, expected):
    checks.conform(got, expected, name="f")
    checks.assert_close(got, expected, name="f")


def test_conform_checks_kinds_and_shapes_not_values(checks: ModuleType) -> None:
    checks.conform((np.full(3, 0.123), 7.5), (np.zeros(3), 0.0), name="f")
    with pytest.raises(AssertionError, match=r"f: expected shape \(3,\), got shape \(1, 1, 3\)"):
        checks.conform(np.zeros((1, 1, 3)), np.zeros(3), name="f")
    # the remark about integer inputs only when the inputs hold integer arrays
    with pytest.raises(AssertionError) as info:
        checks.conform(np.zeros(3, np.float32), np.zeros(3), name="f", inputs={"n": 3})
    assert "integer inputs" not in str(info.value)
    with pytest.raises(AssertionError) as info:
        checks.conform(np.zeros(3, np.int64), np.zeros(3), name="f", inputs={"x": np.arange(3)})
    assert "(integer inputs are treated as float64)" in str(info.value)


@pytest.mark.parametrize("show", [True, False])
def test_integer_mismatch_speaks_of_exact_values_not_tolerances(
    checks: ModuleType, show: bool
) -> None:
    with pytest.raises(AssertionError) as info:
        checks.assert_close(np.array([0, 2, 1]), np.array([0, 1, 1]), name="predict",
                            show_expected=show)
    text = str(info.value)
    assert text.startswith("predict: wrong values: 1 of 3 entries differ")
    assert "integers are compared exactly" in text
    assert "tolerance" not in text and "relative error" not in text
    if show:
        assert "first difference at index [1]: got 2, expected 1" in text
    else:
        assert "differs from the expected one (first at index [1])" in text
        assert "expected 1" not in text and "[0, 1, 1]" not in text
    with pytest.raises(AssertionError) as info:  # an exact convention on floats
        checks.assert_close(3.0, 4.0, name="f", rtol=0.0, atol=0.0)
    assert "this value is compared exactly" in str(info.value)
    assert "tolerance" not in str(info.value)


def test_assert_close_can_hide_expected_values(checks: ModuleType) -> None:
    with pytest.raises(AssertionError) as info:
        checks.assert_close(np.array([0.25]), np.array([0.125]), name="f", show_expected=False)
    assert "0.125" not in str(info.value) and "0.25" in str(info.value)


def test_inputs_are_summarised(checks: ModuleType) -> None:
    text = checks.format_value(np.zeros((50, 40)))
    assert "..." in text and "(shape (50, 40), float64)" in text and len(text) < 1500


def test_gradient_check_and_immutability(checks: ModuleType, testfuncs: ModuleType) -> None:
    from autograder.hidden_tests.numerical import central_differences

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    f = testfuncs.make("sin_dot", w=w)
    exact = np.cos(x) * w  # d/dx sum(sin(x) * w)
    numerical = central_differences(f, x)
    checks.assert_gradient_matches(exact, numerical, f_value=f(x), name="g")
    with pytest.raises(AssertionError, match="largest relative error"):
        checks.assert_gradient_matches(1.01 * exact, numerical, name="g")
    with pytest.raises(AssertionError, match="shape"):
        checks.assert_gradient_matches(exact.ravel(), numerical, name="g")
    with pytest.raises(AssertionError, match="float64"):
        checks.assert_gradient_matches(exact.astype(np.float32), numerical, name="g")
    before = checks.snapshot({"W": x})
    checks.assert_unchanged(before, {"W": x}, name="h", arg="params")
    x[1, 1] += 1.0
    with pytest.raises(AssertionError, match=r"modified its input `params` in place"):
        checks.assert_unchanged(before, {"W": x}, name="h", arg="params")


def test_unchanged_means_exactly_unchanged_and_says_how_to_restore(checks: ModuleType) -> None:
    x = np.array([0.1, -2.0, 1.7])
    before = checks.snapshot(x)
    h = 1e-5
    for i in range(x.size):  # perturb and "restore" by arithmetic
        x[i] += h
        x[i] -= 2 * h
        x[i] += h
    with pytest.raises(AssertionError) as info:
        checks.assert_unchanged(before, x, name="numerical_gradient", arg="x")
    text = str(info.value)
    assert "2 of 3 entries changed" in text and "only by rounding" in text
    assert "store the old value and put it back" in text
    y = before.copy()
    y[0] += h  # forgetting to restore is not a rounding error
    with pytest.raises(AssertionError) as info:
        checks.assert_unchanged(before, y, name="numerical_gradient", arg="x")
    assert "only by rounding" not in str(info.value)
    checks.assert_unchanged(before, before.copy(), name="numerical_gradient", arg="x")
    nan = np.array([np.nan, 1.0])
    checks.assert_unchanged(nan, nan.copy(), name="f", arg="x")


@pytest.mark.parametrize(
    ("name", "params", "x", "expected"),
    [
        ("sum_of_squares", {}, [[1.0, -2.0], [0.5, 0.0]], 5.25),
        ("cubic", {}, [1.0, 2.0], 9.0),
        ("cubic", {"c": -0.5}, [[2.0], [-1.0]], -3.5),
        # [1, 2] @ [[1, 2], [3, 4]] @ [1, 2] + [1, -1] @ [1, 2] = 27 - 1
        ("quadratic", {"A": [[1.0, 2.0], [3.0, 4.0]], "b": [1.0, -1.0]}, [[1.0, 2.0]], 26.0),
        ("quadratic", {"A": np.eye(3)}, [1.0, 1.0, 2.0], 6.0),
        ("sin_dot", {"w": [2.0, 3.0]}, [np.pi / 2, np.pi / 6], 3.5),
        ("logsumexp", {}, [[0.0, np.log(3.0)]], np.log(4.0)),
        ("logsumexp", {}, [1000.0, 1000.0], 1000.0 + np.log(2.0)),  # stable
    ],
)
def test_testfuncs_values(testfuncs: ModuleType, name, params, x, expected) -> None:
    f = testfuncs.make(name, **params)
    x = np.array(x)
    before = x.copy()
    got = f(x)
    assert f.name == name and isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(x, before)


def test_testfuncs_gives_nothing_away(testfuncs: ModuleType) -> None:
    """The handout's and the worker's copy hold values only: no gradients, no hw function."""
    tree = ast.parse(SOLUTIONS_HW.read_text())
    graded = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "numerical_gradient" in graded and "softmax_cross_entropy_loss" in graded
    assert not set(testfuncs.FUNCTIONS) & graded
    assert all(callable(v) for v in testfuncs.FUNCTIONS.values())
    names = set(vars(testfuncs)) | set(dir(testfuncs.make("cubic")))
    leaks = sorted(n for n in names if "grad" in n.lower() or n.startswith("_g_"))
    assert leaks == []
    source = (STUDENT / "tests" / "testfuncs.py").read_text()
    for word in ("softmax", "two_layer", "relu", "W1", "backprop"):
        assert word not in source, word


@pytest.mark.parametrize(
    ("name", "params", "shape"),
    [
        ("sum_of_squares", {}, (2, 3)),
        ("cubic", {"c": -0.5}, (4,)),
        ("quadratic", {"A": np.arange(16.0).reshape(4, 4) / 10, "b": np.ones(4)}, (2, 2)),
        ("quadratic", {"A": np.arange(9.0).reshape(3, 3) - 4}, (3,)),
        ("sin_dot", {"w": np.linspace(-1, 1, 6).reshape(3, 2)}, (3, 2)),
        ("logsumexp", {}, (5,)),
        ("logsumexp", {}, (2, 2, 2)),
    ],
)
def test_trusted_gradients_of_testfuncs_are_right(
    checks: ModuleType, testfuncs: ModuleType, name, params, shape
) -> None:
    from autograder.hidden_tests import testfunc_gradients
    from autograder.hidden_tests.numerical import central_differences

    x = np.random.default_rng(1).standard_normal(shape)
    f = testfuncs.make(name, **params)
    g = testfunc_gradients.gradient(f, x)
    assert g.shape == x.shape and g.dtype == np.float64
    numerical = central_differences(f, x)
    checks.assert_gradient_matches(g, numerical, f_value=f(x), name=name)
    with pytest.raises(AssertionError):
        checks.assert_gradient_matches(g + 1e-3, numerical, f_value=f(x), name=name)


def test_every_testfunc_has_a_trusted_gradient(testfuncs: ModuleType) -> None:
    from autograder.hidden_tests import testfunc_gradients

    assert set(testfunc_gradients.GRADIENTS) == set(testfuncs.FUNCTIONS)


@pytest.mark.parametrize("c", [1.0, -2.0])
def test_exact_central_difference_of_a_cubic(testfuncs: ModuleType, c) -> None:
    from autograder.hidden_tests import testfunc_gradients
    from autograder.hidden_tests.numerical import central_differences

    x, h = np.array([[1.0, -2.0, 0.5]]), 0.05
    got = testfunc_gradients.central_difference_of_cubic(c, x, h)
    np.testing.assert_allclose(got, central_differences(
        testfuncs.make("cubic", c=c), x, h), rtol=1e-12, atol=1e-12)
    assert np.all(np.abs(got - testfunc_gradients.gradient(testfuncs.make("cubic", c=c), x))
                  >= 0.0025 * abs(c) - 1e-12)


def test_testfuncs_params_are_plain_data(testfuncs: ModuleType) -> None:
    f = testfuncs.make("sin_dot", w=[1.0, 2.0])
    assert isinstance(f.params["w"], np.ndarray)
    with pytest.raises(TypeError):
        testfuncs.make("sin_dot", w=lambda x: x)
    with pytest.raises(ValueError, match="unknown test function"):
        testfuncs.make("no_such_function")


# ----------------------------------------------------------------------------- consistency


def test_checklist_parts_and_readme_points_match_the_grading_config() -> None:
    """The handout's points are generated from assignment.toml (`autograder stubs`) and up
    to date: the README's table and the checklist's parts say what the grader gives."""
    from autograder.config import load_config
    from autograder.release import handout, stubgen

    config = load_config()
    assert stubgen.out_of_date() == [], "run `autograder stubs`"
    conftest = _load(STUDENT / "tests" / "conftest.py", "student_conftest_under_test")
    assert [(n, t, pts, fs) for n, t, pts, fs in conftest.PARTS] == [
        (p.number, p.title, p.total, p.functions) for p in config.parts
    ]
    readme = (STUDENT / "README.md").read_text(encoding="utf-8")
    assert handout.points_table(config) in readme
    for function in config.functions:
        assert f"| `{function}` | {config.points(function):g} |" in readme, function
        assert f"| `{function}(" in readme, f"the README does not describe {function}()"
