"""The student handout ``student/hw.py`` is the stub of ``solutions/hw.py``.

Checks that the checked-in stub is up to date, that both files expose the 33 SPEC
functions with identical signatures and docstrings, that every stub raises
``NotImplementedError``, and the marker handling of ``autograder.stubgen``.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from autograder import stubgen
from autograder.paths import load_module

ROOT = stubgen.default_root()
SOLUTIONS = ROOT / "solutions" / "hw.py"
STUDENT = ROOT / "student" / "hw.py"

# The API of SPEC section 2, exactly as written there.
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
FUNCTIONS = sorted(SPEC_SIGNATURES)


def _load(path: Path, name: str) -> ModuleType:
    return load_module(path, name)


@pytest.fixture(scope="module")
def solutions() -> ModuleType:
    return _load(SOLUTIONS, "_hw_solutions_for_test_stubs")


@pytest.fixture(scope="module")
def student() -> ModuleType:
    return _load(STUDENT, "_hw_student_for_test_stubs")


def _small_args() -> dict[str, tuple]:
    """Small valid arguments for every SPEC function."""
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([2, 0])
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    W = np.ones((2, 3))
    params = {"W1": np.ones((2, 4)), "b1": np.zeros(4), "W2": np.ones((4, 3)), "b2": np.zeros(3)}
    p = np.array([0.2, 0.9])
    y = np.array([0.0, 1.0])
    g = np.array([0.1, -0.2])
    return {
        "softmax": (z,),
        "softmax_backward": (z, z),
        "mae_loss": (p, y),
        "mae_grad": (p, y),
        "mse_loss": (p, y),
        "mse_grad": (p, y),
        "bce_loss": (p, y),
        "bce_grad": (p, y),
        "cross_entropy_loss": (np.full((2, 3), 1 / 3), labels),
        "cross_entropy_grad": (np.full((2, 3), 1 / 3), labels),
        "softmax_cross_entropy_loss": (z, labels),
        "softmax_cross_entropy_grad": (z, labels),
        "one_hot": (labels, 3),
        "sigmoid": (x,),
        "sigmoid_backward": (x, x),
        "relu": (x,),
        "relu_backward": (x, x),
        "linear_forward": (x, W, np.zeros(3)),
        "linear_backward": (x, W, z),
        "init_two_layer_net": (2, 4, 3),
        "two_layer_net_forward": (params, x),
        "two_layer_net_loss": (params, x, np.array([0, 2])),
        "predict": (params, x),
        "gd_step": (g, g, 0.1),
        "momentum_step": (g, g, np.zeros(2), 0.1),
        "adagrad_step": (g, g, np.zeros(2)),
        "rmsprop_step": (g, g, np.zeros(2)),
        "adam_step": (g, g, np.zeros(2), np.zeros(2), 1),
        "steps_per_epoch": (10, 3),
        "minibatch_indices": (10, 3, 0),
        "train_two_layer_net": (x, np.array([0, 1]), 3, "gd", 0.1, 1, 2),
        "numerical_gradient": (lambda v: float(np.sum(v**2)), x),
        "relative_error": (p, y),
    }


def test_small_args_cover_the_spec() -> None:
    assert sorted(_small_args()) == FUNCTIONS
    assert len(FUNCTIONS) == 33


def test_checked_in_stub_is_up_to_date() -> None:
    expected = stubgen.make_stub(SOLUTIONS.read_text(encoding="utf-8"))
    assert STUDENT.is_file(), "student/hw.py is missing: run `autograder stubs`"
    with open(STUDENT, encoding="utf-8", newline="") as fh:
        current = fh.read()
    assert current == expected, (
        "student/hw.py is out of date with solutions/hw.py: run `autograder stubs` "
        "(or `python -m autograder.stubgen`) and commit the result"
    )
    assert stubgen.check_stub(ROOT)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_same_signature_and_docstring(
    name: str, solutions: ModuleType, student: ModuleType
) -> None:
    sol, stu = getattr(solutions, name), getattr(student, name)
    assert str(inspect.signature(sol)) == SPEC_SIGNATURES[name]
    assert str(inspect.signature(stu)) == SPEC_SIGNATURES[name]
    assert sol.__doc__ and len(inspect.getdoc(sol)) > 80, f"{name} needs a real docstring"
    assert stu.__doc__ == sol.__doc__
    for section in ("Args:", "Returns:"):
        assert section in sol.__doc__, f"docstring of {name} has no {section} section"


def test_no_extra_public_functions(solutions: ModuleType, student: ModuleType) -> None:
    for module in (solutions, student):
        public = sorted(
            n for n, o in vars(module).items() if inspect.isfunction(o) and not n.startswith("_")
        )
        assert public == FUNCTIONS


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_stub_raises_not_implemented(name: str, student: ModuleType) -> None:
    with pytest.raises(NotImplementedError):
        getattr(student, name)(*_small_args()[name])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_solutions_accept_the_same_small_args(name: str, solutions: ModuleType) -> None:
    getattr(solutions, name)(*_small_args()[name])  # the stub test uses valid calls


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
