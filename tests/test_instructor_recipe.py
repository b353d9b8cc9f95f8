"""docs/INSTRUCTOR.md's recipe for adding a graded function holds, followed as written.

The section "Adding a graded function" is read from the doc (as tests/test_quickstart.py
reads the README): its file snippets (fenced blocks whose info string names the file and
where the snippet goes: ``file=PATH`` with ``append``, ``before="LINE START"`` or
``after="LINE START"``) are applied to a copy of the repository in order, then its
commands are run there, in order, each as written (``autograder X`` is ``python -m
autograder X`` of the copy). ``python -m pytest`` stands for the project checks that read
what the recipe touches: the probe inputs, the stubs and examples, the hidden tests'
coverage. The copy ends green: ``autograder stubs --check`` passes, the solutions get
100 / 100 and the stubs 0, and ``autograder build`` refuses nothing.

And each refusal of the build names the step of this recipe that fixes it
(:data:`autograder.release.release_check.RECIPE_STEPS`): each step of the doc names its file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from config_helpers import set_points

from autograder import paths
from autograder.release import release_check

REPO = paths.ROOT
DOC = REPO / "docs" / "INSTRUCTOR.md"
SECTION = "Adding a graded function"
TESTS = Path(__file__).resolve().parent
#: What ``python -m pytest`` of the recipe stands for here: the project's checks of what
#: the recipe edits (the whole suite would take minutes).
PROJECT_CHECKS = [
    "test_handout_gives_nothing_away.py::test_every_graded_function_has_probe_inputs",
    "test_handout_gives_nothing_away.py::test_no_handout_file_implements_a_graded_function",
    "test_stubs.py",
    "test_hidden_tests_selfcheck.py::"
    "test_solutions_pass_every_hidden_test_and_every_function_is_covered",
]


@dataclass(frozen=True)
class Snippet:
    """A fenced block of the section that goes into a file."""

    file: str
    where: str  # "append", "before" or "after"
    anchor: str
    text: str


def section(doc: Path = DOC) -> str:
    """The text of the recipe's section of the doc."""
    text = doc.read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(SECTION)}\n(.*?)(?=^## )", text, re.M | re.S)
    assert found, f"{doc.name} has no '## {SECTION}' section"
    return found.group(1)


def blocks(text: str) -> list[tuple[str, list[str], str]]:
    """``(language, info words, body)`` of every fenced block, its indentation removed."""
    found = []
    pattern = re.compile(r"^( *)```(\w+)([^\n]*)\n(.*?)^\1```\s*$", re.M | re.S)
    for m in pattern.finditer(text):
        indent = len(m.group(1))
        body = "".join(line[indent:] if line.strip() else "\n"
                       for line in m.group(4).splitlines(keepends=True))
        found.append((m.group(2), shlex.split(m.group(3)), body))
    return found


def snippets(text: str) -> list[Snippet]:
    """The file snippets of the section, in order."""
    found = []
    for _, words, body in blocks(text):
        options = dict(w.split("=", 1) if "=" in w else (w, "") for w in words)
        if "file" not in options:
            continue
        where = next(k for k in ("append", "before", "after") if k in options)
        found.append(Snippet(options["file"], where, options[where], body))
    return found


def commands(text: str) -> list[str]:
    """The command lines of the section's bash blocks, in order."""
    return [line.strip() for lang, words, body in blocks(text)
            if lang == "bash" and not words for line in body.splitlines() if line.strip()]


def apply(snippet: Snippet, root: Path) -> None:
    """Put ``snippet`` into its file under ``root`` as the doc says."""
    path = root / snippet.file
    text = path.read_text(encoding="utf-8")
    if snippet.where == "append":
        path.write_text(text.rstrip("\n") + "\n\n\n" + snippet.text, encoding="utf-8")
        return
    lines = text.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.startswith(snippet.anchor)]
    assert len(at) == 1, f"{snippet.file}: {len(at)} lines start with {snippet.anchor!r}"
    if snippet.where == "before":
        lines.insert(at[0], snippet.text + "\n\n")
    else:
        lines.insert(at[0] + 1, snippet.text)
    path.write_text("".join(lines), encoding="utf-8")
    if snippet.file == "autograder/assignment.toml":
        # the points come from the function the snippet's comment names (total 100)
        new = re.match(r"(\w+) = ([\d.]+)", snippet.text)
        donor = re.search(r"e\.g\. (\w+)", snippet.text)
        assert new and donor, snippet.text
        text = path.read_text(encoding="utf-8")
        current = float(re.search(rf"(?m)^{donor[1]} = ([\d.]+)", text)[1])  # type: ignore[index]
        path.write_text(set_points(text, donor[1], current - float(new[2])), encoding="utf-8")


def copy_repo(dest: Path) -> Path:
    """What the recipe reads and writes: the package, solutions, handout and examples."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis", "*.pyc")
    for name in ("autograder", "solutions", "student", "examples"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    return dest


def run(command: str, root: Path) -> subprocess.CompletedProcess[str]:
    """One command line of the recipe, run in ``root`` with ``root``'s engine."""
    words = shlex.split(command)
    if words[:3] == ["python", "-m", "pytest"]:
        words = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n0", "-q",
                 "--rootdir", str(TESTS), *(str(TESTS / check) for check in PROJECT_CHECKS)]
    elif words[0] == "autograder":
        words = [sys.executable, "-m", "autograder", *words[1:]]
    elif words[0] == "python":
        words = [sys.executable, *words[1:]]
    else:
        raise AssertionError(f"the recipe runs {command!r}: not a command this test knows")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(TESTS)]))
    return subprocess.run(words, cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)


def test_the_recipe_has_a_snippet_for_each_file_and_checks_as_it_says() -> None:
    text = section()
    files = [s.file for s in snippets(text)]
    assert files == [
        "solutions/hw.py",
        "autograder/assignment.toml",
        "student/tests/test_part3_layers.py",
        "autograder/hidden_tests/test_part3_layers.py",
        "autograder/mistakes/probes.py",
        "student/README.md",
    ]
    assert commands(text) == [
        "autograder stubs",
        "python examples/generate.py",
        "python -m autograder.hidden_tests.public_values",
        "autograder stubs --check",
        "autograder run solutions/hw.py",
        "autograder run student/hw.py",
        "python -m pytest",
        "autograder build",
    ]


def test_each_refusal_names_the_step_of_its_file() -> None:
    """The step numbers in the build's messages are the doc's: step N names its file."""
    steps = {int(m[1]): m[2] for m in re.finditer(r"(?ms)^(\d+)\. (.*?)(?=^\d+\. |\Z)",
                                                    section())}
    for what, number in release_check.RECIPE_STEPS.items():
        assert f"`{what}" in steps[number], (what, number, steps[number][:200])


def test_adding_leaky_relu_as_the_doc_says_ends_green(tmp_path: Path) -> None:
    root = copy_repo(tmp_path / "repo")
    text = section()
    for snippet in snippets(text):
        apply(snippet, root)
    outputs = []
    for command in commands(text):
        proc = run(command, root)
        out = proc.stdout + proc.stderr
        outputs.append(f"$ {command}\n{out[-3000:]}")
        assert proc.returncode == 0, "\n".join(outputs)
        if command.startswith("autograder run "):
            results = json.loads((root / "results.json").read_text(encoding="utf-8"))
            want = 100.0 if "solutions" in command else 0.0
            assert results["score"] == pytest.approx(want), (command, out[-3000:])
            graded = {t["tags"][0] for t in results["tests"]}
            assert "leaky_relu" in graded, command
        if command == "autograder build":
            assert "checked with the zip's engine: solutions 100 / 100, stubs 0 / 100" in out
            assert (root / "dist" / "autograder.zip").is_file()
    # the recipe touched what it says, and the generated files followed
    assert "def leaky_relu(x, alpha=0.01):" in (root / "student" / "hw.py").read_text()
    points = json.loads((root / "student" / "tests" / "points.json").read_text())
    part3 = next(p for p in points["parts"] if p["number"] == 3)
    assert part3["functions"]["leaky_relu"] == 2 and points["total"] == 100
    assert "| `leaky_relu` | 2 |" in (root / "student" / "README.md").read_text()
    example = root / "examples" / "submissions" / "alice_correct" / "hw.py"
    assert "def leaky_relu(" in example.read_text()
