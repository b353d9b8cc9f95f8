"""The generated parts of the handout: ``student/hw.py`` and the points it shows.

Checks that the checked-in stub is up to date, that the solutions, the stub and
``assignment.toml`` name the same functions (the SPEC's among them, with the SPEC's
signatures), with identical signatures and docstrings, that every stub raises
``NotImplementedError``, the marker handling of ``autograder.release.stubgen``, and that
``autograder stubs`` regenerates the handout's points (``student/README.md``'s table,
``student/tests/points.json``) from ``assignment.toml``.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from config_helpers import copy_project, move_points

from autograder.config import AssignmentConfig, load_config, parse_config
from autograder.paths import load_module
from autograder.release import handout, stubgen

ROOT = stubgen.default_root()
SOLUTIONS = ROOT / "solutions" / "hw.py"
STUDENT = ROOT / "student" / "hw.py"

# The API of SPEC section 2, exactly as written there. An instructor may grade more
# functions (they need points in assignment.toml, a solution and tests); these stay.
SPEC_SIGNATURES = {
    "softmax": "(z, axis=-1)",
    "softmax_backward": "(z, upstream, axis=-1)",
    "mae_loss": "(y_pred, y)",
    "mae_grad": "(y_pred, y)",
    "mse_loss": "(y_pred, y)",
    "mse_grad": "(y_pred, y)",
    "bce_loss": "(p, y)",
    "bce_grad": "(p, y)",
    "cross_entropy_loss": "(probs, labels)",
    "cross_entropy_grad": "(probs, labels)",
    "softmax_cross_entropy_loss": "(logits, labels)",
    "softmax_cross_entropy_grad": "(logits, labels)",
    "one_hot": "(labels, num_classes)",
    "sigmoid": "(x)",
    "sigmoid_backward": "(x, upstream)",
    "relu": "(x)",
    "relu_backward": "(x, upstream)",
    "linear_forward": "(x, W, b)",
    "linear_backward": "(x, W, upstream)",
    "init_two_layer_net": "(n_in, n_hidden, n_out, seed=0, scale=0.01)",
    "two_layer_net_forward": "(params, X)",
    "two_layer_net_loss": "(params, X, labels, reg=0.0)",
    "predict": "(params, X)",
    "gd_step": "(param, grad, lr)",
    "momentum_step": "(param, grad, velocity, lr, momentum=0.9)",
    "adagrad_step": "(param, grad, sum_sq, lr=0.01, eps=1e-10)",
    "rmsprop_step": "(param, grad, sq_avg, lr=0.01, alpha=0.99, eps=1e-08)",
    "adam_step": "(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)",
    "steps_per_epoch": "(n_samples, batch_size)",
    "minibatch_indices": "(n_samples, batch_size, seed)",
    "train_two_layer_net": (
        "(X, labels, n_hidden, optimizer='adam', lr=0.001, epochs=10, batch_size=32, "
        "reg=0.0, seed=0)"
    ),
    "numerical_gradient": "(f, x, h=1e-05)",
    "relative_error": "(a, b)",
}
#: Every graded function: the one list is assignment.toml's.
FUNCTIONS = sorted(load_config().functions)


def _load(path: Path, name: str) -> ModuleType:
    return load_module(path, name)


@pytest.fixture(scope="module")
def solutions() -> ModuleType:
    return _load(SOLUTIONS, "_hw_solutions_for_test_stubs")


@pytest.fixture(scope="module")
def student() -> ModuleType:
    return _load(STUDENT, "_hw_student_for_test_stubs")


def _placeholder_args(function: object) -> list[None]:
    """``None`` for every parameter without a default (a stub raises before reading any)."""
    return [
        None
        for p in inspect.signature(function).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def test_the_spec_functions_are_graded_with_the_spec_signatures(
    solutions: ModuleType, student: ModuleType
) -> None:
    assert set(SPEC_SIGNATURES) <= set(FUNCTIONS)
    for name, signature in SPEC_SIGNATURES.items():
        assert str(inspect.signature(getattr(solutions, name))) == signature, name
        assert str(inspect.signature(getattr(student, name))) == signature, name


def test_checked_in_stub_is_up_to_date() -> None:
    expected = stubgen.make_stub(SOLUTIONS.read_text(encoding="utf-8"))
    assert STUDENT.is_file(), "student/hw.py is missing: run `autograder stubs`"
    with open(STUDENT, encoding="utf-8", newline="") as fh:
        current = fh.read()
    assert current == expected, (
        "student/hw.py is out of date with solutions/hw.py: run `autograder stubs` "
        "(or `python -m autograder.release.stubgen`) and commit the result"
    )
    assert stubgen.check_stub(ROOT)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_same_signature_and_docstring(
    name: str, solutions: ModuleType, student: ModuleType
) -> None:
    sol, stu = getattr(solutions, name), getattr(student, name)
    assert str(inspect.signature(stu)) == str(inspect.signature(sol))
    assert sol.__doc__ and len(inspect.getdoc(sol)) > 80, f"{name} needs a real docstring"
    assert stu.__doc__ == sol.__doc__
    for section in ("Args:", "Returns:"):
        assert section in sol.__doc__, f"docstring of {name} has no {section} section"


def test_solutions_stub_and_config_name_the_same_functions(
    solutions: ModuleType, student: ModuleType
) -> None:
    """Every public function is graded and every graded function exists (helpers start
    with an underscore): what `autograder build` also refuses."""
    for module in (solutions, student):
        public = sorted(
            n for n, o in vars(module).items() if inspect.isfunction(o) and not n.startswith("_")
        )
        assert public == FUNCTIONS


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_stub_raises_not_implemented(name: str, student: ModuleType) -> None:
    stub = getattr(student, name)
    with pytest.raises(NotImplementedError):
        stub(*_placeholder_args(stub))


def test_stub_bodies_hold_no_solution_code() -> None:
    tree = ast.parse(STUDENT.read_text(encoding="utf-8"))
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert sorted(f.name for f in functions) == FUNCTIONS
    for fn in functions:
        docstring, *rest = fn.body
        assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
        assert len(rest) == 1 and isinstance(rest[0], ast.Raise), fn.name
        assert ast.unparse(rest[0]) == "raise NotImplementedError"


def test_student_file_reads_as_a_handout() -> None:
    text = STUDENT.read_text(encoding="utf-8")
    assert "import numpy as np" in text
    for leak in ("BEGIN SOLUTION", "END SOLUTION", "INSTRUCTOR", "REFERENCE SOLUTIONS"):
        assert leak not in text
    assert text.startswith('"""'), "the handout starts with its module docstring"


# ----------------------------------------------------------------------------- stubgen


def test_make_stub_replaces_blocks_and_keeps_the_rest() -> None:
    source = (
        "# BEGIN INSTRUCTOR ONLY\n"
        "# secret header\n"
        "# END INSTRUCTOR ONLY\n"
        '"""Doc."""\n'
        "import numpy as np\n"
        "\n"
        "def f(x):\n"
        '    """Square."""\n'
        "    # BEGIN SOLUTION\n"
        "    y = x * x\n"
        "    return y\n"
        "    # END SOLUTION\n"
        "\n"
        "class A:\n"
        "    def g(self):\n"
        "        # BEGIN SOLUTION\n"
        "        return 1\n"
        "        # END SOLUTION\n"
    )
    expected = (
        '"""Doc."""\n'
        "import numpy as np\n"
        "\n"
        "def f(x):\n"
        '    """Square."""\n'
        f"    {stubgen.TODO_COMMENT}\n"
        "    raise NotImplementedError\n"
        "\n"
        "class A:\n"
        "    def g(self):\n"
        f"        {stubgen.TODO_COMMENT}\n"
        "        raise NotImplementedError\n"
    )
    assert stubgen.make_stub(source) == expected


def test_make_stub_without_markers_is_identity() -> None:
    source = '"""Doc."""\n\ndef f():\n    return 1\n'
    assert stubgen.make_stub(source) == source


BAD_SOURCES = {
    "never closed": ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "line 2"),
    "end without begin": ("def f():\n    return 1\n    # END SOLUTION\n", "line 3"),
    "nested": (
        "def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n"
        "    # END SOLUTION\n    # END SOLUTION\n",
        "line 3",
    ),
    "nested kinds": (
        "# BEGIN INSTRUCTOR ONLY\ndef f():\n    # BEGIN SOLUTION\n    return 1\n"
        "    # END SOLUTION\n# END INSTRUCTOR ONLY\n",
        "line 3",
    ),
    "crossed kinds": (
        "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END INSTRUCTOR ONLY\n",
        "line 4",
    ),
    "module level": ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "line 1"),
    "indentation": ("def f():\n    # BEGIN SOLUTION\n    return 1\n  # END SOLUTION\n", "line 4"),
    "misspelt": ("def f():\n    # BEGIN SOLUTIONS\n    return 1\n    # END SOLUTION\n", "line 2"),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_marker_errors_name_the_line(case: str) -> None:
    source, where = BAD_SOURCES[case]
    with pytest.raises(ValueError, match=where + r"\b"):
        stubgen.make_stub(source)


def test_write_check_and_main_on_a_scratch_root(tmp_path: Path, capsys) -> None:
    (tmp_path / "solutions").mkdir()
    source = (
        '"""Doc."""\n\ndef f():\n    """F."""\n'
        "    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n"
    )
    (tmp_path / "solutions" / "hw.py").write_text(source, encoding="utf-8")
    assert not stubgen.check_stub(tmp_path)
    assert stubgen.main(["--check", "--root", str(tmp_path)]) == 1
    written = stubgen.write_stub(tmp_path)
    assert written == tmp_path / "student" / "hw.py"
    assert written.read_text(encoding="utf-8") == stubgen.make_stub(source)
    assert stubgen.check_stub(tmp_path)
    assert stubgen.main(["--check", "--root", str(tmp_path)]) == 0
    written.write_text(written.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    assert not stubgen.check_stub(tmp_path)
    assert stubgen.main(["--root", str(tmp_path)]) == 0
    assert stubgen.check_stub(tmp_path)
    (tmp_path / "solutions" / "hw.py").write_text(
        "def f():\n    # BEGIN SOLUTION\n", encoding="utf-8"
    )
    assert stubgen.main(["--root", str(tmp_path)]) == 2
    assert "line 2" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the points


def _small_config() -> AssignmentConfig:
    return parse_config(
        {
            "parts": [
                {"number": 1, "title": "First", "points": {"f": 60, "g": 30}},
                {"number": 2, "title": "Second", "points": {"h": 10}},
            ]
        }
    )


def test_points_table_and_data_follow_the_config() -> None:
    config = _small_config()
    table = handout.points_table(config)
    lines = table.splitlines()
    assert lines[0] == handout.BEGIN_POINTS and lines[-1] == handout.END_POINTS
    assert "| 1. First (90 points) | `f` | 60 |" in lines
    assert "|  | `g` | 30 |" in lines
    assert "| 2. Second (10 points) | `h` | 10 |" in lines
    assert "| **total** | 3 functions | **100** |" in lines
    data = handout.points_data(config)
    assert data["total"] == 100
    assert [(p["number"], p["title"], p["points"], p["functions"]) for p in data["parts"]] == [
        (1, "First", 90, {"f": 60, "g": 30}),
        (2, "Second", 10, {"h": 10}),
    ]
    assert json.loads(handout.points_json(config)) == data


def test_render_readme_replaces_only_the_table_and_needs_its_markers() -> None:
    config = _small_config()
    readme = f"# Title\n\nbefore\n{handout.BEGIN_POINTS}\nold table\n{handout.END_POINTS}\nafter\n"
    rendered = handout.render_readme(readme, config)
    assert rendered == (
        "# Title\n\nbefore\n" + handout.points_table(config) + "\nafter\n"
    )
    assert handout.render_readme(rendered, config) == rendered
    with pytest.raises(ValueError, match="points table"):
        handout.render_readme("# no table here\n", config)


def test_stubs_regenerates_the_points_after_a_change_of_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two functions' points change in assignment.toml: `autograder stubs --check` says
    which generated files are stale, `autograder stubs` rewrites exactly those."""
    root = copy_project(tmp_path / "project")
    assert stubgen.out_of_date(root) == []
    toml = root / "autograder" / "assignment.toml"
    text, giver, taker = move_points(toml.read_text(encoding="utf-8"), load_config(toml))
    toml.write_text(text, encoding="utf-8")
    changed = load_config(toml)
    stale = ["student/tests/points.json", "student/README.md"]
    assert stubgen.out_of_date(root) == stale
    assert stubgen.main(["--check", "--root", str(root)]) == 1
    assert "student/README.md" in capsys.readouterr().err
    hw_before = (root / "student" / "hw.py").read_bytes()
    assert stubgen.main(["--root", str(root)]) == 0
    assert capsys.readouterr().out.count("wrote ") == 2
    assert (root / "student" / "hw.py").read_bytes() == hw_before
    assert stubgen.out_of_date(root) == []
    points = json.loads((root / "student" / "tests" / "points.json").read_text())
    assert points == handout.points_data(changed)
    readme = (root / "student" / "README.md").read_text(encoding="utf-8")
    for function in (giver, taker):
        assert f"| `{function}` | {changed.points(function):g} |" in readme
    # the conftest's checklist reads what was written
    conftest = load_module(root / "student" / "tests" / "conftest.py", "conftest_points_test")
    assert [(n, t, pts) for n, t, pts, _ in conftest.PARTS] == [
        (p.number, p.title, p.total) for p in changed.parts
    ]


def test_stubs_refuses_a_readme_without_its_points_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_project(tmp_path / "project")
    readme = root / "student" / "README.md"
    readme.write_text("# The homework\n", encoding="utf-8")
    assert stubgen.main(["--root", str(root)]) == 2
    assert "points table" in capsys.readouterr().err
    assert readme.read_text(encoding="utf-8") == "# The homework\n"  # nothing half-written


# ----------------------------------------------------------------------------- the examples


@pytest.fixture(scope="module")
def examples() -> Iterator[ModuleType]:
    """``examples/generate.py`` (registered while in use: its dataclass needs that)."""
    name = "examples_generate_under_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def test_example_submissions_are_up_to_date(examples: ModuleType) -> None:
    """The examples are generated from solutions/hw.py (and the stub): a changed or added
    function reaches them with one command."""
    assert examples.out_of_date() == [], "run `python examples/generate.py` and commit"


def test_examples_replace_bodies_and_leave_out_functions(examples: ModuleType) -> None:
    solved = (
        '"""Doc."""\nimport numpy as np\n\n\n'
        'def f(x):\n    """F."""\n    # a comment of the solution\n    return x + 1\n\n\n'
        'def g(x):\n    """G."""\n    return 2 * x\n\n\n'
        'def h(x):\n    """H."""\n    return f(x)\n'
    )
    example = examples.Example("x.py", bodies={"f": "\n    return x - 1\n"}, missing=("g",))
    assert examples.apply(solved, example) == (
        '"""Doc."""\nimport numpy as np\n\n\n'
        'def f(x):\n    """F."""\n    return x - 1\n\n\n'
        'def h(x):\n    """H."""\n    return f(x)\n'
    )
    with pytest.raises(ValueError, match="no documented nope"):
        examples.apply(solved, examples.Example("x.py", bodies={"nope": "pass"}))


def test_make_solved_keeps_the_solution_code_and_drops_the_markers() -> None:
    source = (
        "# BEGIN INSTRUCTOR ONLY\n# secret\n# END INSTRUCTOR ONLY\n"
        'def f(x):\n    """F."""\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n'
    )
    assert stubgen.make_solved(source) == 'def f(x):\n    """F."""\n    return x\n'
