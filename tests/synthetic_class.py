"""A synthetic class of any size for the similarity check (``bench/bench_similarity.py``,
``tests/test_similarity_scale.py``): independent solutions in several styles, and planted
copies.

Each independent student takes, for every graded function, the implementation of one
style (``solutions/hw.py`` or one of the correct ``tests/variants/``; each style's own
helpers come along, renamed so that styles never clash), then writes it their own way:
some sub-expressions pulled out into variables of their own, constants on the other side
of a product or a sum, an input converted to float64 first. So two independent students
share what anyone writing the same formula in the same style would write, and no more.
A copier takes one earlier student's file and disguises it (``tests/near_copies.py``:
names, order, comments and docstrings changed), sometimes rewriting one function; a few
copy a copier, so some groups hold three students.

Every generated file still computes what its styles compute (the rewrites keep the
values), deterministically from the seed.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass, field
from pathlib import Path

from near_copies import disguise

REPO = Path(__file__).resolve().parents[1]
#: the styles: the solutions and the independent correct variants (hw_return_forms is
#: the solutions with other return forms, not a style of its own)
STYLE_FILES = [REPO / "solutions" / "hw.py"] + [
    p for p in sorted((REPO / "tests" / "variants").glob("hw_*.py")) if p.stem != "hw_return_forms"
]
#: parameters an implementation may convert to float64 first without changing a value
FLOAT_PARAMETERS = {"x", "z", "y_pred", "y", "p", "upstream", "grad", "param", "W", "X"}


@dataclass(frozen=True)
class Style:
    """One style: its imports, its own helpers (renamed ``_<style>_...``), its functions."""

    name: str
    imports: tuple[str, ...]
    support: str
    functions: dict[str, ast.FunctionDef]


class _Prefix(ast.NodeTransformer):
    def __init__(self, names: set[str], prefix: str) -> None:
        self.names, self.prefix = names, prefix

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.names:
            node.id = self.prefix + node.id
        return node

    def _named(self, node: ast.AST) -> ast.AST:
        if getattr(node, "name", None) in self.names:
            node.name = self.prefix + node.name  # type: ignore[attr-defined]
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_ClassDef = _named  # type: ignore[assignment]


def graded_functions() -> list[str]:
    """The graded functions, in the order of ``solutions/hw.py``."""
    tree = ast.parse(STYLE_FILES[0].read_text(encoding="utf-8"))
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]


def load_styles() -> list[Style]:
    """Every style, its helpers renamed after it."""
    graded = set(graded_functions())
    styles = []
    for path in STYLE_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        body = [n for n in tree.body
                if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        own: set[str] = set()
        for n in body:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name not in graded:
                own.add(n.name)
            elif isinstance(n, ast.Assign):
                own.update(t.id for t in n.targets if isinstance(t, ast.Name))
        name = path.stem.removeprefix("hw_") if path.stem != "hw" else "solutions"
        renamed = _Prefix(own, f"_{name}").visit(ast.Module(body=body, type_ignores=[]))
        imports = tuple(ast.unparse(n) for n in renamed.body
                        if isinstance(n, (ast.Import, ast.ImportFrom)))
        support = [n for n in renamed.body if not isinstance(n, (ast.Import, ast.ImportFrom))
                   and not (isinstance(n, ast.FunctionDef) and n.name in graded)]
        functions = {n.name: n for n in renamed.body
                     if isinstance(n, ast.FunctionDef) and n.name in graded}
        styles.append(Style(name, imports, ast.unparse(ast.Module(body=support, type_ignores=[])),
                            functions))
    return styles


_NO_PULL = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.BoolOp,
            ast.IfExp, ast.JoinedStr, ast.NamedExpr, ast.Starred)


def _pullable(stmt: ast.stmt) -> list[ast.expr]:
    """Sub-expressions of ``stmt`` that can move into a variable just before it."""
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Return, ast.Expr)):
        root = stmt.value
    else:
        return []
    if root is None:
        return []
    found: list[ast.expr] = []

    def walk(node: ast.AST) -> None:
        if isinstance(node, _NO_PULL):
            return
        if isinstance(node, (ast.Call, ast.BinOp)):
            found.append(node)  # type: ignore[arg-type]
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(root)
    return found


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, name: str) -> None:
        self.target, self.name = target, name

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return ast.Name(id=self.name, ctx=ast.Load())
        return super().visit(node)


#: ways of writing ``np.asarray(v, dtype=np.float64)``
CONVERSIONS = ("np.asarray({}, dtype=np.float64)", "np.array({}, dtype=float)",
               "np.asarray({}, float)", "np.asarray({}).astype(np.float64)",
               "np.array({}, np.float64, copy=True)", "1.0 * np.asarray({})")


def _is_conversion(call: ast.Call) -> bool:
    """``np.asarray(v, dtype=np.float64)`` (or ``np.asarray(v, dtype=float)``)."""
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr == "asarray" and len(call.args) == 1
            and [k.arg for k in call.keywords] == ["dtype"]
            and ast.unparse(call.keywords[0].value) in ("np.float64", "float"))


def _own_way(fn: ast.FunctionDef, rng: random.Random, habit: float) -> ast.FunctionDef:
    """``fn`` as one student writes it (see the module docstring); same values."""
    fn = copy.deepcopy(fn)  # a private copy
    counter = 0

    def rewrite(body: list[ast.stmt]) -> list[ast.stmt]:
        nonlocal counter
        out: list[ast.stmt] = []
        for stmt in body:
            for attr in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, attr, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    setattr(stmt, attr, rewrite(inner))
            candidates = _pullable(stmt)
            if candidates and rng.random() < habit:
                target = rng.choice(candidates)
                counter += 1
                name = f"{rng.choice(['tmp', 'part', 'val', 'step', 'res'])}{counter}"
                out.append(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())],
                                      value=target, lineno=0))
                stmt = _Replace(target, name).visit(stmt)
            out.append(stmt)
        return out

    conversion = rng.choice(CONVERSIONS)
    for node in ast.walk(fn):  # the student's own way of converting to float64
        for name, child in ast.iter_fields(node):
            if isinstance(child, ast.Call) and _is_conversion(child):
                setattr(node, name, ast.parse(conversion.format(ast.unparse(child.args[0])),
                                              mode="eval").body)
            elif isinstance(child, list):
                for i, item in enumerate(child):
                    if isinstance(item, ast.Call) and _is_conversion(item):
                        child[i] = ast.parse(conversion.format(ast.unparse(item.args[0])),
                                             mode="eval").body
    for node in ast.walk(fn):  # constants on the other side of a product or a sum
        if (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add))
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, (int, float)) and rng.random() < habit):
            node.left, node.right = node.right, node.left
    fn.body = rewrite(fn.body)
    params = [a.arg for a in fn.args.args if a.arg in FLOAT_PARAMETERS]
    if params and rng.random() < habit:
        first = 1 if ast.get_docstring(fn) is not None else 0
        param = rng.choice(params)
        fn.body.insert(first, ast.parse(f"{param} = " + conversion.format(param)).body[0])
    return ast.fix_missing_locations(fn)


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    return set()


def _needed(support: list[ast.stmt], users: list[ast.FunctionDef]) -> list[ast.stmt]:
    """The helpers of ``support`` that ``users`` refer to, directly or through others."""
    names = {n.id for u in users for n in ast.walk(u) if isinstance(n, ast.Name)}
    keep: list[ast.stmt] = []
    grew = True
    while grew:
        grew = False
        for node in support:
            if node not in keep and _defined(node) & names:
                keep.append(node)
                names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                grew = True
    return [n for n in support if n in keep]


def independent(styles: list[Style], rng: random.Random, habit: float = 0.6) -> str:
    """One independent student's hw.py."""
    chosen = {fn: rng.randrange(len(styles)) for fn in graded_functions()}
    used = sorted(set(chosen.values()))
    imports = sorted({line for i in used for line in styles[i].imports} | {"import numpy as np"})
    parts = ["\n".join(imports)]
    for i in used:  # the style's helpers the chosen functions need, written their way too
        mine = [styles[i].functions[fn] for fn, j in chosen.items() if j == i]
        for node in _needed(ast.parse(styles[i].support).body, mine):
            if isinstance(node, ast.FunctionDef):
                node = _own_way(node, rng, habit)
            parts.append(ast.unparse(node))
    for fn, i in chosen.items():
        parts.append(ast.unparse(_own_way(styles[i].functions[fn], rng, habit)))
    return "\n\n\n".join(parts) + "\n"


def _rewrite_one(source: str, styles: list[Style], rng: random.Random) -> str:
    """``source`` with one graded function replaced by another style's, the copier's own."""
    tree = ast.parse(source)
    functions = [i for i, n in enumerate(tree.body)
                 if isinstance(n, ast.FunctionDef) and n.name in styles[0].functions]
    at = rng.choice(functions)
    name = tree.body[at].name  # type: ignore[attr-defined]
    style = styles[0]  # the solutions: every helper it needs is a graded function
    tree.body[at] = _own_way(style.functions[name], rng, 0.5)
    return ast.unparse(tree) + "\n"


@dataclass
class SyntheticClass:
    """The class: id -> source, and the copies planted in it."""

    sources: dict[str, str] = field(default_factory=dict)
    copied_from: dict[str, str] = field(default_factory=dict)  # copier -> whose file

    def planted_pairs(self) -> set[frozenset[str]]:
        """Every pair of students holding the same file (a copier, its source, and
        everyone else copied from the same first file)."""
        first: dict[str, str] = {}
        for sid in self.sources:
            origin = sid
            while origin in self.copied_from:
                origin = self.copied_from[origin]
            first[sid] = origin
        by_origin: dict[str, list[str]] = {}
        for sid, origin in first.items():
            by_origin.setdefault(origin, []).append(sid)
        return {frozenset((a, b)) for group in by_origin.values() for a in group for b in group
                if a < b}


def make_class(n: int, seed: int = 0, copy_share: float = 0.06) -> SyntheticClass:
    """``n`` students (``s0000``, ...): about ``copy_share`` of them copiers (a fifth of
    those copy a copier), the others independent."""
    rng = random.Random(seed)
    styles = load_styles()
    made = SyntheticClass()
    for k in range(n):
        sid = f"s{k:04d}"
        originals = [s for s in made.sources if s not in made.copied_from]
        copiers = list(made.copied_from)
        if made.sources and rng.random() < copy_share:
            pool = copiers if copiers and rng.random() < 0.2 else originals
            origin = rng.choice(pool)
            text = disguise(made.sources[origin])
            if rng.random() < 0.5:
                text = _rewrite_one(text, styles, rng)
            made.sources[sid] = text
            made.copied_from[sid] = origin
        else:
            made.sources[sid] = independent(styles, rng)
    return made
