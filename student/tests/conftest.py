"""pytest set-up for the public tests (``cd student && pytest``).

* The ``hw`` fixture: your ``hw.py`` (the file next to this ``tests/`` folder),
  imported fresh for every test. ``pytest --hw-file PATH`` tests another file.
* The marker ``@pytest.mark.grades("function", weight=1)``: which ``hw.py``
  function a test grades.
* A function that still raises ``NotImplementedError`` gives a one-line
  "not implemented yet" failure instead of a long traceback.
* A failing test whose function behaves like a known mistake (``hints.py``) says so:
  "This matches a known mistake: ...".
* At the end, a checklist per part: ✓ passed, ✗ failed, · not implemented yet.
* When ``hw.py`` imports a module the grader does not provide (it provides only
  :data:`GRADER_MODULES` and the standard library), the run fails: its first test
  says so, and so do the last lines. Graded, the functions that use such a module
  fail with that message; the others are graded as usual.

When the autograder runs these same tests, its own plugin provides ``hw`` (your
code then runs in a separate, sandboxed process) and this file only registers
the marker.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HW_DEFAULT = Path(__file__).resolve().parent.parent / "hw.py"

#: The parts, their points and functions: written by the autograder from the instructor's
#: configuration (``autograder stubs``), like the points table of the README.
POINTS_FILE = Path(__file__).resolve().with_name("points.json")


def load_parts(path: Path = POINTS_FILE) -> list[tuple[int, str, float, tuple[str, ...]]]:
    """``(part number, title, points, functions)`` of every part, read from ``path``.

    Empty when the file is missing or unreadable: the checklist then lists the functions
    without their parts.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            (int(p["number"]), str(p["title"]), float(p["points"]), tuple(p["functions"]))
            for p in data["parts"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []


PARTS = load_parts()

#: THE modules the grader provides to hw.py besides the Python standard library (the
#: sandbox that runs hw.py holds nothing else). The handout's README names them.
GRADER_MODULES = ("numpy",)

PASSED, FAILED, NOT_IMPLEMENTED = "passed", "failed", "not implemented"
#: prefix of the outcome of a test whose function calls a helper that is still a stub
NEEDS = "needs:"


def _grading(config: pytest.Config) -> bool:
    """True when the autograder's pytest plugin runs these tests (it provides ``hw``)."""
    for plugin in config.pluginmanager.get_plugins():
        module = getattr(plugin, "__name__", None) or type(plugin).__module__ or ""
        if isinstance(module, str) and module.split(".")[0] == "autograder":
            return True
    return False


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--hw-file PATH``: test another hw.py (default: student/hw.py)."""
    parser.addoption(
        "--hw-file",
        default=None,
        help="the hw.py to test (default: the hw.py next to the tests/ folder)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; in a student's own run, the student-run plugin."""
    config.addinivalue_line(
        "markers", "grades(function, weight=1): the hw.py function this test grades"
    )
    if _grading(config):
        return
    try:
        from hypothesis import HealthCheck, Phase, settings

        settings.register_profile(
            "student",
            derandomize=True,
            database=None,
            deadline=None,
            max_examples=25,
            # no "explain" phase: it is slow, and the failure message says enough
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            print_blob=False,
        )
        settings.load_profile("student")
    except ImportError:  # hypothesis is in requirements.txt; tests that need it say so
        pass
    path = config.getoption("--hw-file") or HW_DEFAULT
    config.pluginmanager.register(StudentRun(Path(path).resolve()), "student-hw-run")


# ----------------------------------------------------------------------------- student run


def _load_hw(path: Path) -> ModuleType:
    """Import ``path`` as a fresh module named ``hw``."""
    return _load_module(path, "hw")


def _load_module(path: Path, name: str) -> ModuleType:
    """Import ``path`` as a fresh module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unavailable_imports(path: Path) -> list[str]:
    """Modules ``hw.py`` imports that the grader does not provide: anything but
    :data:`GRADER_MODULES` and the standard library (read from the source, not imported)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    available = set(getattr(sys, "stdlib_module_names", ())) | {*GRADER_MODULES, "__future__"}
    return sorted(names - available)


def unavailable_message(foreign: list[str]) -> str:
    """What the student's run says when hw.py imports ``foreign`` modules."""
    names = ", ".join(foreign)
    provided = ", ".join(m if m != "numpy" else "NumPy" for m in GRADER_MODULES)
    return (
        f"hw.py imports {names}, which the grader does not provide. When graded, hw.py can "
        f"import only {provided} and the Python standard library: every function that "
        f"uses {names} fails there (the others are graded as usual), although it passes "
        "here. Remove these imports from hw.py (plotting belongs in train.py)."
    )


class GraderImports(pytest.Item):
    """The first test of a student's run when hw.py imports what the grader does not
    provide: it fails with :func:`unavailable_message`."""

    def __init__(self, *, foreign: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.foreign = foreign

    def runtest(self) -> None:
        """Fail with the message."""
        pytest.fail(unavailable_message(self.foreign), pytrace=False)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where pytest says the test is: hw.py itself."""
        return self.path, 0, "hw.py imports only what the grader provides"


def _marked_function(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("grades")
    if marker is None:
        return None
    if marker.args:
        return str(marker.args[0])
    return marker.kwargs.get("function")


def _not_implemented_function(excinfo: pytest.ExceptionInfo[BaseException], hw: Path) -> str | None:
    """The hw.py function that raised NotImplementedError (None if not found)."""
    for entry in reversed(excinfo.traceback):
        try:
            if Path(str(entry.path)).resolve() == hw:
                return entry.name
        except (OSError, ValueError):
            continue
    return None


class StudentRun:
    """The ``hw`` fixture, short "not implemented" failures and the final checklist."""

    def __init__(self, hw_path: Path) -> None:
        self.hw_path = hw_path
        self.foreign = unavailable_imports(hw_path)
        self.import_error: str | None = None
        self.checked_import = False
        #: function -> list of outcomes of its tests
        self.outcomes: dict[str, list[str]] = {}
        #: function -> the known-mistake hint of its failures ("" for none)
        self.hints: dict[str, str] = {}

    @pytest.fixture
    def hw(self) -> ModuleType:
        """Your hw.py, imported fresh for this test."""
        if not self.hw_path.exists():
            pytest.fail(f"{self.hw_path} not found: the tests need your hw.py", pytrace=False)
        if self.import_error:
            pytest.fail(self.import_error, pytrace=False)
        try:
            return _load_hw(self.hw_path)
        except Exception as exc:  # a syntax error, a failing import, ...
            self.import_error = (
                f"hw.py could not be imported: {type(exc).__name__}: {exc}\n"
                f"(run `python {self.hw_path.name}` to see the full error)"
            )
            pytest.fail(self.import_error, pytrace=False)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Put the check of hw.py's imports first when it imports what the grader lacks."""
        if self.foreign and items:
            check = GraderImports.from_parent(
                session, name="hw.py imports only what the grader provides",
                foreign=self.foreign,
            )
            check.path = self.hw_path
            items.insert(0, check)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        """Shorten NotImplementedError failures and record each test's outcome."""
        outcome = yield
        report = outcome.get_result()
        function = _marked_function(item)
        if call.excinfo is not None and call.excinfo.errisinstance(NotImplementedError):
            raised = _not_implemented_function(call.excinfo, self.hw_path) or function or "?"
            if function and raised != function:
                text = f"{function}() needs {raised}(), which is not implemented yet"
            else:
                text = f"{raised}() is not implemented yet (hw.py raises NotImplementedError)"
            report.longrepr = text
            report.outcome = "failed"
            if function:
                waiting = NEEDS + raised if raised != function else NOT_IMPLEMENTED
                self.outcomes.setdefault(function, []).append(waiting)
            return
        if function is None:
            return
        if report.failed and report.when == "call":
            hint = self.hint(function)
            if hint:
                report.sections.append(("known mistake", hint))
        if report.when == "call" or report.failed:
            if report.failed:
                self.outcomes.setdefault(function, []).append(FAILED)
            elif report.passed:
                self.outcomes.setdefault(function, []).append(PASSED)

    def hint(self, function: str) -> str:
        """"This matches a known mistake: ..." when your ``function`` behaves like a known
        mistake on that mistake's own inputs (``hints.py``; once per function and run)."""
        if function not in self.hints:
            self.hints[function] = ""
            try:
                hints = _load_module(Path(__file__).resolve().with_name("hints.py"), "_hints")
                found = hints.known_mistakes(function, _load_hw(self.hw_path))
            except Exception:  # no hint is better than a broken run
                found = []
            if found:
                self.hints[function] = hints.KNOWN_MISTAKE + " ".join(found)
        return self.hints[function]

    def _status(self, function: str) -> tuple[str, str]:
        results = self.outcomes[function]
        n, ok = len(results), results.count(PASSED)
        if ok == n:
            return "✓", f"{ok}/{n} tests passed"
        if FAILED not in results:
            needed = sorted({r[len(NEEDS) :] for r in results if r.startswith(NEEDS)})
            if needed and NOT_IMPLEMENTED not in results:
                names = ", ".join(f"{f}()" for f in needed)
                return "·", f"waiting for {names} (not implemented yet)"
            return "·", "not implemented yet"
        return "✗", f"{ok}/{n} tests passed"

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print the checklist (every function that had tests in this run), then, last,
        what hw.py imports that the grader does not provide."""
        tr = terminalreporter
        self._checklist(tr)
        if self.foreign:
            tr.write_sep("=", "hw.py imports what the grader does not provide", red=True)
            tr.write_line(unavailable_message(self.foreign), red=True, bold=True)

    def _checklist(self, tr: Any) -> None:
        """The checklist per part."""
        if not self.outcomes:
            return
        encoding = getattr(sys.stdout, "encoding", None) or "ascii"
        try:
            "✓✗·".encode(encoding)
            symbols = {"✓": "✓", "✗": "✗", "·": "·"}
        except (UnicodeEncodeError, LookupError):
            symbols = {"✓": "+", "✗": "x", "·": "."}
        tr.write_sep("=", "homework checklist (public tests)")
        if self.import_error:
            tr.write_line(self.import_error, red=True, bold=True)
        known = {f for _, _, _, fs in PARTS for f in fs}
        parts = list(PARTS)
        others = tuple(sorted(set(self.outcomes) - known))
        if others:
            parts.append((0, "Other", 0, others))
        counts = {"✓": 0, "✗": 0, "·": 0}
        for number, title, points, functions in parts:
            present = [f for f in functions if f in self.outcomes]
            if not present:
                continue
            head = f"Part {number}: {title} ({points:g} points)" if number else title
            tr.write_line(head)
            for f in present:
                mark, text = self._status(f)
                counts[mark] += 1
                tr.write_line(f"  {symbols[mark]} {f:<28} {text}")
        tr.write_line(
            f"{counts['✓']} functions pass, {counts['✗']} fail, "
            f"{counts['·']} not implemented yet. The autograder runs more tests "
            "(random inputs, edge cases): passing these is necessary, not sufficient."
        )
