"""The handout gives no graded function away, and its stored expected values are current.

SPEC: "The handout contains no working implementation of any graded function outside the
stubs, under any name." Two detectors look at every file of ``student/`` but ``hw.py``:

* behaviour: every function the file defines (module level, nested, methods, lambdas;
  a closure's free variables become extra arguments) is called on the probe inputs of
  every graded function (``autograder.mistakes.probes``); one that returns what the
  solution returns on all of them is an implementation of that function;
* text: a line of a solution block of ``solutions/hw.py`` (of some substance, and not
  already shown by the stub ``student/hw.py``) that appears in the file.

Both are shown to catch planted giveaways (renamed, nested, a closure, pasted lines), and
the public tests' stored expected values (``student/tests/expected_values.json``) must be
what ``python -m autograder.hidden_tests.public_values`` computes from the solutions today.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib.util
import itertools
import re
import shutil
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder import paths
from autograder.hidden_tests import public_values
from autograder.mistakes.diagnosis import close_enough, reference_module
from autograder.mistakes.probes import PROBES

HANDOUT_SUFFIXES = (".py", ".md", ".txt", ".ini", ".json")
#: solution lines shorter than this (without spaces) say nothing (``t += 1``, ``else:``)
MIN_LINE = 16
#: a conversion line (``W = np.asarray(W, dtype=np.float64)``) gives nothing away
CONVERSION = re.compile(r"^\w+=np\.asarray\(\w+(,dtype=np\.\w+)?\)$")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def handout_files(folder: Path) -> list[Path]:
    """Every text file of the handout ``folder`` except ``hw.py`` (no caches)."""
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file()
        and f.suffix in HANDOUT_SUFFIXES
        and f.name != "hw.py"
        and "__pycache__" not in f.parts
        and ".pytest_cache" not in f.parts
    )


# ----------------------------------------------------------------------------- text


def telling_solution_lines(solutions: Path, stub: Path) -> set[str]:
    """The lines of the solution blocks (spaces removed) that would tell a solution."""
    stub_text = _squeeze(stub.read_text(encoding="utf-8"))
    lines, inside = set(), False
    for line in solutions.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("# BEGIN SOLUTION"):
            inside = True
        elif text.startswith("# END SOLUTION"):
            inside = False
        elif inside and text and not text.startswith("#"):
            code = _squeeze(text.split("  #")[0])
            if len(code) >= MIN_LINE and not CONVERSION.match(code) and code not in stub_text:
                lines.add(code)
    return lines


def repeated_solution_lines(folder: Path, solutions: Path = paths.SOLUTIONS_HW) -> list[str]:
    """``file:line: text`` of every solution line a handout file repeats."""
    wanted = telling_solution_lines(solutions, folder / "hw.py")
    found = []
    for path in handout_files(folder):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = _squeeze(line.split("  #")[0] if path.suffix == ".py" else line).strip("`")
            if code in wanted:
                found.append(f"{path.relative_to(folder)}:{number}: {line.strip()}")
    return found


# ----------------------------------------------------------------------------- behaviour


class _Stop(BaseException):
    """A candidate ran out of time."""


#: Wall-clock seconds after which a candidate that does not compute (sleeps, waits) stops.
IDLE_LIMIT = 120.0


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop a candidate after ``seconds`` of CPU time (a busy machine does not shorten it),
    or :data:`IDLE_LIMIT` of wall-clock time."""
    def stop(signum: int, frame: Any) -> None:
        raise _Stop

    previous = signal.signal(signal.SIGPROF, stop), signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, IDLE_LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])


def _load(path: Path, folder: Path) -> ModuleType | None:
    """Import a handout file (its folder and ``tests/`` on the path); None if it cannot."""
    name = f"_handout_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    sys.path[:0] = [str(path.parent), str(folder), str(folder / "tests")]
    try:
        spec.loader.exec_module(module)
    except Exception:
        return None
    finally:
        sys.path[:] = saved
    return module


def _free_names(node: ast.AST, known: set[str]) -> list[str]:
    """Names a function or lambda reads that it does not bind and ``known`` does not hold
    (the variables of enclosing functions), in order of first use."""
    bound: set[str] = set()
    args = node.args  # type: ignore[attr-defined]
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            bound.add(a.arg)
    loads: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if isinstance(sub.ctx, ast.Load):
                loads.append(sub.id)
            else:
                bound.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.Lambda)) and sub is not node:
            if isinstance(sub, ast.FunctionDef):
                bound.add(sub.name)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in sub.names)
    free: list[str] = []
    for name in loads:
        if name not in bound and name not in known and name not in free:
            free.append(name)
    return free


def _candidates(module: ModuleType, source: str) -> list[tuple[str, Callable[..., Any], int]]:
    """``(description, maker, number of free variables)`` of every function and lambda in
    ``source``: ``maker(*free values)`` returns the function (decorators left out)."""
    known = set(vars(module)) | set(dir(builtins))
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.Lambda)):
            continue
        free = _free_names(node, known)
        if isinstance(node, ast.FunctionDef):
            inner = ast.FunctionDef(**{**vars(node), "decorator_list": []})
            body: list[ast.stmt] = [inner, ast.Return(ast.Name(node.name, ast.Load()))]
            label = f"def {node.name} (line {node.lineno})"
        else:
            body = [ast.Return(node)]
            label = f"lambda (line {node.lineno})"
        maker = ast.FunctionDef(
            name="_maker",
            args=ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in free], kwonlyargs=[],
                               kw_defaults=[], defaults=[]),
            body=body,
            decorator_list=[],
            returns=None,
        )
        tree = ast.fix_missing_locations(ast.Module(body=[maker], type_ignores=[]))
        namespace = dict(vars(module))
        try:
            exec(compile(tree, f"<{label}>", "exec"), namespace)
        except Exception:
            continue
        found.append((label, namespace["_maker"], len(free)))
    return found


def _calls(args: tuple, kwargs: dict, n_free: int, maker: Callable[..., Any]) -> Iterator[Any]:
    """The ways to call the candidate on (args, kwargs): the free variables take some of the
    probe's positional values, the parameters the others (every order, bounded)."""
    if n_free == 0:
        yield lambda a, k: maker()(*a, **k)
        return
    if n_free > len(args):
        return
    for chosen in itertools.islice(itertools.permutations(range(len(args)), n_free), 60):
        rest = [i for i in range(len(args)) if i not in chosen]

        def call(a: tuple, k: dict, chosen: tuple = chosen, rest: list = rest) -> Any:
            return maker(*[a[i] for i in chosen])(*[a[i] for i in rest], **k)

        yield call


def _copy(value: Any) -> Any:
    import copy

    with contextlib.suppress(Exception):
        return copy.deepcopy(value)
    return value


def implementations_of_graded_functions(folder: Path) -> list[str]:
    """``file: candidate behaves like function`` for every function of a handout file that
    returns what the solution's ``function`` returns on all of its probe inputs."""
    reference = reference_module()
    expected = {
        f: [(args, kwargs, getattr(reference, f)(*_copy(args), **_copy(kwargs)))
            for args, kwargs in (probe() for probe in probes)]
        for f, probes in PROBES.items()
    }
    found = []
    for path in handout_files(folder):
        if path.suffix != ".py":
            continue
        module = _load(path, folder)
        if module is None:
            continue
        for label, maker, n_free in _candidates(module, path.read_text(encoding="utf-8")):
            for function, cases in expected.items():
                args0, kwargs0, _ = cases[0]
                for call in _calls(args0, kwargs0, n_free, maker):
                    if all(_same_result(call, args, kwargs, out) for args, kwargs, out in cases):
                        found.append(f"{path.relative_to(folder)}: {label} behaves like "
                                     f"{function}()")
                        break
    return found


def _same_result(call: Callable[..., Any], args: tuple, kwargs: dict, expected: Any) -> bool:
    try:
        with _time_limit(2.0), np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = call(_copy(args), _copy(kwargs))
    except KeyboardInterrupt:
        raise
    except BaseException:  # pytest.fail, argparse's SystemExit... are BaseExceptions too
        return False
    return got is not None and close_enough(got, expected)


# ----------------------------------------------------------------------------- the handout


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Candidates run in an empty working directory (whatever they might write)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_handout_file_implements_a_graded_function(in_tmp: Path) -> None:
    found = implementations_of_graded_functions(paths.STUDENT_DIR)
    assert found == [], "the handout gives graded functions away:\n" + "\n".join(found)


def test_no_handout_file_repeats_solution_lines() -> None:
    found = repeated_solution_lines(paths.STUDENT_DIR)
    assert found == [], "the handout repeats solution lines:\n" + "\n".join(found)


def test_every_graded_function_has_probe_inputs() -> None:
    from autograder.config import load_config

    assert sorted(PROBES) == sorted(load_config().functions)


# ----------------------------------------------------------------------------- the detectors


def _planted(tmp_path: Path, rel: str, code: str) -> Path:
    """A copy of the handout with ``code`` appended to the file ``rel``."""
    folder = tmp_path / "student"
    shutil.copytree(paths.STUDENT_DIR, folder,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    target = folder / rel
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")
    return folder


GIVEAWAYS = {
    "a renamed softmax in a test file": ("tests/test_part1_softmax.py", '''
def probabilities_for_the_check(scores, axis=-1):
    shifted = scores - scores.max(axis=axis, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=axis, keepdims=True)
''', "softmax"),
    "a central difference in checks.py": ("tests/checks.py", '''
def _trusted(f, x, h=1e-5):
    out = np.zeros(np.shape(x))
    for i in np.ndindex(out.shape):
        a, b = np.array(x, dtype=float), np.array(x, dtype=float)
        a[i] += h
        b[i] -= h
        out[i] = (f(a) - f(b)) / (2 * h)
    return out
''', "numerical_gradient"),
    "a tanh sigmoid nested in a test": ("tests/test_part3_layers.py", '''
def test_something_else(hw):
    def smooth(v):
        return 0.5 * (1.0 + np.tanh(0.5 * v))

    assert smooth(0.0) == 0.5
''', "sigmoid"),
    "a closure over y in a lambda": ("tests/test_part2_losses.py", '''
def test_more(hw):
    y = np.zeros(3)
    check = lambda p: float(np.mean((p - y) ** 2))  # noqa: E731
    assert check(np.ones(3)) == 1.0
''', "mse_loss"),
    "a one-hot helper in timbre.py": ("timbre.py", '''
def _encode(labels, n):
    return np.eye(n)[labels]
''', "one_hot"),
}


@pytest.mark.parametrize("case", list(GIVEAWAYS), ids=list(GIVEAWAYS))
def test_the_behaviour_detector_finds_planted_giveaways(tmp_path: Path, in_tmp: Path,
                                                        case: str) -> None:
    rel, code, function = GIVEAWAYS[case]
    folder = _planted(tmp_path, rel, code)
    found = implementations_of_graded_functions(folder)
    assert any(rel in f and f.endswith(f"behaves like {function}()") for f in found), found


def test_the_text_detector_finds_pasted_solution_lines(tmp_path: Path) -> None:
    folder = _planted(tmp_path, "README.md", "```python\nreturn (p - y) / np.maximum("
                      "p * (1.0 - p), 1e-12) / y.size\n```\n")
    found = repeated_solution_lines(folder)
    assert len(found) == 1 and found[0].startswith("README.md:"), found


# ----------------------------------------------------------------------------- stored values


def test_the_stored_expected_values_are_up_to_date() -> None:
    problems = public_values.stale_cases()
    assert problems == [], (
        "student/tests/expected_values.json is out of date with solutions/hw.py: run "
        "`python -m autograder.hidden_tests.public_values`\n" + "\n".join(problems))


def test_a_stale_stored_value_is_found(tmp_path: Path) -> None:
    text = public_values.VALUES_FILE.read_text(encoding="utf-8")
    stale = tmp_path / "expected_values.json"
    # the numerical gradient of mse_grad's case, as if the solution's loss had changed
    line = next(x for x in text.splitlines() if x.startswith(' "mse_grad"'))
    numbers = re.search(
        r'"numerical": \{"dtype": "float64", "shape": \[2, 5\], "data": \[([^\]]*)\]', line)
    assert numbers is not None
    first = numbers.group(1).split(",")[0]
    changed = line.replace(f'"data": [{first},', f'"data": [{float(first) * 2 + 1},', 1)
    stale.write_text(text.replace(line, changed), encoding="utf-8")
    assert public_values.stale_cases(stale) == ["mse_grad['numerical']: the values differ"]
    stale.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    assert public_values.stale_cases(stale) == ["mse_grad: not stored"]


# ----------------------------------------------------------------------------- hint fingerprints


def _hints() -> ModuleType:
    sys.path.insert(0, str(paths.STUDENT_TESTS))  # hints.decode makes testfuncs functions
    try:
        return paths.load_module(paths.STUDENT_TESTS / "hints.py", "_leak_test_hints")
    finally:
        sys.path.remove(str(paths.STUDENT_TESTS))


def _fingerprint_entries() -> list[dict[str, Any]]:
    import json

    return json.loads(public_values.FINGERPRINTS_FILE.read_text(encoding="utf-8"))["mistakes"]


def test_the_hint_fingerprints_are_up_to_date() -> None:
    problems = public_values.stale_fingerprints()
    assert problems == [], (
        "student/tests/known_mistakes.json is out of date with the catalog: run "
        "`python -m autograder.hidden_tests.public_values`\n" + "\n".join(problems))


def test_the_fingerprints_file_holds_inputs_and_hashes_only() -> None:
    entries = _fingerprint_entries()
    assert entries
    salts = [e["salt"] for e in entries]
    assert len(set(salts)) == len(salts)  # salted per mistake
    for e in entries:
        assert set(e) == {"id", "function", "explanation", "salt", "probes"}, e["id"]
        for p in e["probes"]:
            assert set(p) == {"args", "kwargs", "fingerprint"}, e["id"]
            assert re.fullmatch(r"[0-9a-f]{32}", p["fingerprint"]), e["id"]


def _probe_calls(hints: ModuleType) -> Iterator[tuple[dict[str, Any], int, tuple, dict]]:
    sys.path.insert(0, str(paths.STUDENT_TESTS))
    try:
        for e in _fingerprint_entries():
            for i, p in enumerate(e["probes"]):
                yield e, i, tuple(hints.decode(p["args"])), hints.decode(p["kwargs"])
    finally:
        sys.path.remove(str(paths.STUDENT_TESTS))


def test_no_fingerprint_is_of_a_solution_output() -> None:
    """Every solution output the file's inputs give (each of its function's probe inputs),
    hashed with every salt of that function's mistakes, matches no stored fingerprint: the
    hashes are of wrong results only, so none leads back to a right answer."""
    hints = _hints()
    reference = reference_module()
    calls = list(_probe_calls(hints))
    by_function: dict[str, list[Any]] = {}
    for e, _, args, kwargs in calls:
        out = getattr(reference, e["function"])(*_copy(args), **_copy(kwargs))
        by_function.setdefault(e["function"], []).append(out)
    found = []
    for e in _fingerprint_entries():
        stored = {p["fingerprint"] for p in e["probes"]}
        for out in by_function[e["function"]]:
            for i in range(len(e["probes"])):
                if hints.fingerprint(out, f"{e['salt']}:{i}") in stored:
                    found.append(e["id"])
    assert found == [], f"fingerprints of solution outputs: {sorted(set(found))}"


def test_no_solution_output_is_written_in_the_fingerprints_file() -> None:
    """Every number written in the file is one of the probes' inputs (or of an explanation's
    text): no output of any function, right or wrong, is stored in the clear."""
    hints = _hints()
    text = public_values.FINGERPRINTS_FILE.read_text(encoding="utf-8")
    number = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")

    def numbers(value: Any) -> set[float]:
        if isinstance(value, np.ndarray):
            return {float(v) for v in value.reshape(-1)}
        if isinstance(value, dict):
            return set().union(set(), *(numbers(v) for v in value.values()))
        if isinstance(value, (list, tuple)):
            return set().union(set(), *(numbers(v) for v in value))
        if hasattr(value, "params"):
            return numbers(dict(value.params))
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            return {float(value)}
        return set()

    allowed: set[float] = set()
    for e, _, args, kwargs in _probe_calls(hints):
        allowed |= numbers(args) | numbers(kwargs)
        allowed |= {float(x) for x in number.findall(e["explanation"])}
    written = {float(x) for x in number.findall(text)}
    assert written and written <= allowed, sorted(written - allowed)[:10]


def test_a_hint_needs_the_mistakes_outputs_on_all_its_inputs() -> None:
    """The solutions, and a mistake's output on all but one of its inputs, get no hint; the
    mistake itself gets its own."""
    from autograder.mistakes import get
    from autograder.mistakes.diagnosis import mistake_function

    hints = _hints()
    reference = reference_module()
    for function in PROBES:
        assert hints.known_mistakes(function, reference) == [], function
    mistake = get("mse_grad_missing_2")
    buggy = type("Hw", (), {"mse_grad": staticmethod(mistake_function(mistake))})
    assert hints.known_mistakes("mse_grad", buggy) == [mistake.explanation]
    # a mistake of several inputs, copied on the first only: no hint
    entry = next(e for e in _fingerprint_entries() if len(e["probes"]) > 1)
    several = get(entry["id"])
    right = getattr(reference, several.function)
    calls = iter(range(100))

    def first_only(*args: Any, **kwargs: Any) -> Any:
        fn = mistake_function(several) if next(calls) == 0 else right
        return fn(*args, **kwargs)

    copied = type("Hw", (), {several.function: staticmethod(first_only)})
    assert several.explanation not in hints.known_mistakes(several.function, copied)
