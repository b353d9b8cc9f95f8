"""No module imports from a layer above it (the layers are listed in docs/DESIGN.md).

The layers are the folders of ``autograder/`` (and, at the package's top, single modules):
a module's layer is its folder's. Every ``import`` and ``from ... import`` of every module
of ``autograder/`` is read from its syntax tree (imports inside functions included: they
hide cycles, they do not break them), mapped to the layer of the module it names, and
compared with the importing module's own layer. The untrusted worker and the launcher that
starts it import nothing of the package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from autograder import paths

DESIGN = paths.ROOT / "docs" / "DESIGN.md"
LAYER_LINE = re.compile(r"^\d+\. \*\*(?P<layer>[\w-]+)\*\*: (?P<names>.*)$", re.M)
#: Modules that run outside the grader's trust and must import nothing of ``autograder``.
STANDALONE = ("autograder.sandbox.worker", "autograder.sandbox.launcher")


def layers() -> list[tuple[str, list[str]]]:
    """``[(layer, [module names])]`` from docs/DESIGN.md, lowest layer first."""
    section = DESIGN.read_text(encoding="utf-8").split("## Layers", 1)[1].split("\n## ", 1)[0]
    found = [
        (m["layer"], [f"autograder.{n}" for n in re.findall(r"`([\w.]+)`", names)])
        for m in LAYER_LINE.finditer(section)
        for names in [m["names"].split(" (")[0]]  # a remark in brackets names no layer
    ]
    assert found, "docs/DESIGN.md has no list of layers"
    return found


def layer_of(module: str, table: list[tuple[str, list[str]]]) -> tuple[int, str] | None:
    """The layer of ``module``: the one that names it or its closest package."""
    best: tuple[int, int, str] | None = None
    for index, (layer, names) in enumerate(table):
        for name in names:
            matches = module == name or module.startswith(name + ".")
            if matches and (best is None or len(name) > best[0]):
                best = (len(name), index, layer)
    return None if best is None else (best[1], best[2])


def modules() -> dict[str, Path]:
    """Every Python module of the package, by dotted name."""
    out = {}
    for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(paths.ROOT).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = path
    return out


def imported(module: str, path: Path) -> set[str]:
    """The ``autograder`` modules ``module`` imports (``from autograder import x`` names x)."""
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "autograder")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            if base.split(".")[0] != "autograder":
                continue
            out.add(base)
            known = modules()
            out.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
    return out


def test_the_layers_are_folders_or_top_level_modules() -> None:
    """A layer names whole folders (a subpackage of ``autograder``) or the package's own
    top-level modules: never a module inside a folder, so the tree shows the layers."""
    named = [name for _, names in layers() for name in names]
    assert len(named) == len(set(named)), f"a name stands in two layers: {named}"
    for name in named:
        rel = name.removeprefix("autograder.").split(".")
        assert len(rel) == 1, f"{name}: a layer names a folder or a top-level module"
        folder, module = paths.PACKAGE_DIR / rel[0], paths.PACKAGE_DIR / f"{rel[0]}.py"
        assert (folder / "__init__.py").is_file() or module.is_file(), f"{name} does not exist"
    folders = {p.name for p in paths.PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()}
    assert folders <= {n.removeprefix("autograder.") for n in named}, "a folder with no layer"


def test_every_module_has_a_layer() -> None:
    table = layers()
    missing = [m for m in modules() if m != "autograder" and layer_of(m, table) is None]
    assert not missing, f"modules in no layer of docs/DESIGN.md: {missing}"


def test_no_module_imports_from_a_layer_above_it() -> None:
    table = layers()
    problems = []
    for module, path in modules().items():
        mine = layer_of(module, table)
        if mine is None:
            continue
        for target in sorted(imported(module, path)):
            theirs = layer_of(target, table)
            if target == "autograder" or theirs is None or theirs[0] <= mine[0]:
                continue
            problems.append(f"{module} ({mine[1]}) imports {target} ({theirs[1]})")
    by_layer = "\n".join(problems)
    assert not problems, f"imports from a layer above (module (its layer) imports ...):\n{by_layer}"


def test_the_untrusted_side_imports_nothing_of_the_package() -> None:
    all_modules = modules()
    for module in STANDALONE:
        assert module in all_modules, module
        assert imported(module, all_modules[module]) == set(), module


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The checker itself: an upward import is found, a downward one is not."""
    table = [("low", ["autograder.low"]), ("high", ["autograder.high"])]
    low = tmp_path / "low.py"
    low.write_text("def f():\n    from autograder import high\n")
    assert imported("autograder.low", low) == {"autograder"}  # 'high' is not a module here
    low.write_text("def f():\n    import autograder.high\n")
    assert imported("autograder.low", low) == {"autograder.high"}
    assert layer_of("autograder.high", table)[0] > layer_of("autograder.low", table)[0]
    assert layer_of("autograder.high.sub", table) == (1, "high")
