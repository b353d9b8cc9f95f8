"""The local run predicts the grade when hw.py imports what the grader does not provide
(issue 23).

An unused ``import matplotlib.pyplot as plt`` at the top of hw.py: the student's ``pytest``
passed (97 passed, a warning in between), and graded, hw.py did not import at all: 0
points. Now the student's run fails, first and last, naming the module; graded, the module
is a placeholder in the worker whose any use raises an ImportError saying so, so the
functions that do not use it keep their points and the ones that do fail with the message.
The list of what the grader provides is one definition, ``GRADER_MODULES`` of
``student/tests/conftest.py``, which the handout's README shows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.config import load_config
from autograder.grading.runner import grade_submission
from autograder.sandbox import Limits, SubmissionProxy, Worker
from autograder.sandbox.errors import SubmissionImportError, SubmissionRaised

STUDENT = paths.STUDENT_DIR
UNUSED_IMPORT = "import matplotlib.pyplot as plt\n"
MESSAGE = "hw.py imports matplotlib, which the grader does not provide"
CONFTEST = paths.load_module(STUDENT / "tests" / "conftest.py", "_grader_modules_conftest")


def _handout(dest: Path, hw_source: str) -> Path:
    shutil.copytree(STUDENT, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis"))
    (dest / "hw.py").write_text(hw_source, encoding="utf-8")
    return dest


def _run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


# ----------------------------------------------------------------------------- the one list


def test_the_readme_shows_the_one_list_of_modules() -> None:
    readme = (STUDENT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How you are graded", 1)[1]
    shown = " and ".join(f"`{m}`" for m in CONFTEST.GRADER_MODULES)
    assert f"{shown} and the Python\nstandard library" in section or (
        f"{shown} and the Python standard library" in section.replace("\n", " ")
    )
    assert "GRADER_MODULES" in section


def test_the_list_is_what_the_checks_use(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    hw.write_text("import numpy as np\nimport json\nimport matplotlib.pyplot as plt\n"
                  "from scipy import special\n", encoding="utf-8")
    assert CONFTEST.unavailable_imports(hw) == ["matplotlib", "scipy"]
    assert "numpy" in CONFTEST.GRADER_MODULES


# ----------------------------------------------------------------------------- the local run


def test_the_local_run_fails_first_and_last_with_the_message(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")  # a declared dependency: the student has it
    source = UNUSED_IMPORT + paths.SOLUTIONS_HW.read_text(encoding="utf-8")
    proc = _run_pytest(_handout(tmp_path, source), "-k", "relu")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert re.search(r"\b1 failed\b", out), out[-3000:]
    failures = out.split(" FAILURES ", 1)[1].splitlines()
    assert "hw.py imports only what the grader provides" in failures[1]  # the first one
    assert failures[2].startswith(MESSAGE), failures[:5]
    tail = [ln for ln in out.strip().splitlines() if ln.strip()][-2]  # before the counts
    assert tail.startswith(MESSAGE), out[-1500:]


def test_a_clean_hw_py_gets_no_such_test(tmp_path: Path) -> None:
    proc = _run_pytest(_handout(tmp_path, paths.SOLUTIONS_HW.read_text(encoding="utf-8")),
                       "-k", "relu")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "does not provide" not in out


# ----------------------------------------------------------------------------- the worker


WORKER_HW = textwrap.dedent(
    """\
    import numpy as np
    import matplotlib.pyplot as plt
    from matplotlib import cm
    from scipy.special import expit
    try:
        import seaborn as sns
    except ImportError:
        sns = None


    def relu(x):
        return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


    def plots(x):
        plt.plot(x)


    def colours(x):
        return cm.viridis(x)


    def guarded():
        return sns is None


    def scipy_sigmoid(x):
        return expit(x)
    """
)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("absent")
    (folder / "hw.py").write_text(WORKER_HW, encoding="utf-8")
    with Worker(folder / "hw.py", [], Limits(call_timeout_s=10)) as worker:
        yield SubmissionProxy(worker)


def test_functions_that_do_not_use_a_missing_module_work(proxy) -> None:
    np.testing.assert_array_equal(proxy.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    assert proxy.guarded() is True  # a guarded import fails as it always does


@pytest.mark.parametrize("function,module", [("plots", "matplotlib"), ("colours", "matplotlib"),
                                             ("scipy_sigmoid", "scipy")])
def test_a_function_that_uses_one_fails_with_the_message(proxy, function, module) -> None:
    with pytest.raises(SubmissionRaised) as raised:
        getattr(proxy, function)(np.zeros(2))
    assert raised.value.exc_type == "ImportError"
    assert f"hw.py imports {module}, which the grader does not provide" in str(raised.value)
    assert "NumPy and the Python standard library" in str(raised.value)


def test_a_use_at_import_time_still_stops_the_import(tmp_path: Path) -> None:
    (tmp_path / "hw.py").write_text("import matplotlib.pyplot as plt\nplt.style.use('ggplot')\n",
                                    encoding="utf-8")
    with Worker(tmp_path / "hw.py", [], Limits()) as worker, pytest.raises(
        SubmissionImportError
    ) as failed:
        SubmissionProxy(worker).relu(np.zeros(1))
    assert MESSAGE in str(failed.value)


# ----------------------------------------------------------------------------- a real grade


#: Functions of several parts (their tests take seconds); relu is made to use the module.
GRADED = ("softmax", "mae_loss", "sigmoid", "relu", "numerical_gradient")


def test_graded_every_function_that_does_not_use_the_module_keeps_its_points(
    tmp_path: Path,
) -> None:
    source = UNUSED_IMPORT + paths.SOLUTIONS_HW.read_text(encoding="utf-8")
    source += "\n\ndef relu(x):\n    plt.plot(x)\n    return np.maximum(x, 0.0)\n"
    (tmp_path / "hw.py").write_text(source, encoding="utf-8")
    results = grade_submission(tmp_path / "hw.py", tmp_path / "results.json",
                               functions=list(GRADED))
    config = load_config()
    by_function: dict[str, float] = {}
    for test in results["tests"]:
        by_function[test["tags"][0]] = by_function.get(test["tags"][0], 0.0) + test["score"]
        if test["tags"][0] == "relu":
            assert test["status"] == "failed"
            assert MESSAGE in test["output"], test["output"]
    assert "submission" not in by_function  # hw.py imported
    for function in GRADED:
        if function != "relu":
            assert by_function[function] == pytest.approx(config.points(function)), function
    assert by_function["relu"] == 0.0
