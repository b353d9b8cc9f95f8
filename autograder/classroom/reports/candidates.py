"""Candidate mistakes: wrong outputs the catalog does not explain, grouped over the class.

Each failing value comparison of a hidden test leaves a record in its results.json entry
(``extra_data["observed"]``: the function, its input, the expected value and the
submission's, :mod:`autograder.mistakes.observed`). The records of tests that name no
catalogued mistake are related to their expected value on the same input:

* ``factor K``: the value is K times the right one (K named when it is 2, 1/2, -1 or a
  size of the input: N, 1/N, C, 1/C, the number of entries);
* ``transpose``: the right value transposed;
* ``offset D``: the right value plus a constant;
* ``axis A``: what the function computes along axis A, whatever axis was asked for (right
  along one axis only);
* ``= F``: the output of another graded function F on the same input;
* ``right in some rows/columns``: right on whole slices along one axis, wrong on the rest;
* ``same wrong value``: no relation found, but several submissions return the same wrong
  value on the same input.

Groups of the same function (and returned value) held by exactly the same submissions are
one mistake seen on several inputs: they are one candidate, named by the relation found on
the most tests (a named relation before ``same wrong value``), the others listed beside
it (``also_seen``: a one-based ``predict`` is ``offset +1`` and, where every right label is
1, also ``factor 2``). Each group of at least :data:`MIN_STUDENTS` submissions is a
candidate: function, relation, which students, one input with expected and got, and a
draft catalog entry in the style of ``autograder/mistakes/part*.py`` for the instructor to
complete and paste. Written to ``candidate_mistakes.csv`` and the class report. Nothing
here changes a grade.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder import paths
from autograder.classroom.reports.csvsafe import write_rows
from autograder.classroom.reports.model import GradedSubmission
from autograder.grading.results import per_test_records
from autograder.mistakes.observed import OMITTED, RETURN_NAMES, decode

#: a group needs this many submissions to be a candidate
MIN_STUDENTS = 2
#: the columns of candidate_mistakes.csv
CSV_COLUMNS = ("function", "part", "relation", "submissions", "ids", "tests", "input",
               "expected", "got", "draft", "also_seen")
#: functions never re-run to look for relations (too slow, or random streams)
NOT_RERUN = frozenset({"train_two_layer_net", "numerical_gradient", "init_two_layer_net",
                       "minibatch_indices"})


@dataclass
class Observation:
    """One failing comparison of one submission's test."""

    submission: str
    test: str
    function: str
    args: list[Any]
    kwargs: dict[str, Any]
    expected: Any
    got: Any
    raw: dict[str, Any]


@dataclass
class Candidate:
    """A group of wrong outputs with one relation to the right value."""

    function: str
    part: str  # which returned value ("" for the whole)
    relation: str
    submissions: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    example: Observation | None = None
    draft: str = ""
    #: the other relations the same submissions' values showed, with their tests' count
    also_seen: list[str] = field(default_factory=list)


def observations(subs: Iterable[GradedSubmission]) -> list[Observation]:
    """The failing comparisons no catalogued mistake explains (tests that recorded none)."""
    out = []
    for s in subs:
        for t in per_test_records(s.results):
            extra = t.get("extra_data")
            if not isinstance(extra, dict) or t.get("status") == "passed":
                continue
            record = extra.get("observed")
            if not isinstance(record, dict) or extra.get("mistakes"):
                continue
            function = str(record.get("function", ""))
            args = record.get("args")
            kwargs = record.get("kwargs")
            out.append(Observation(
                submission=s.id, test=str(extra.get("test") or t.get("name", "")),
                function=function,
                args=[decode(a) for a in args] if isinstance(args, list) else [OMITTED],
                kwargs={str(k): decode(v) for k, v in kwargs.items()}
                if isinstance(kwargs, dict) else {},
                expected=decode(record.get("expected")), got=decode(record.get("got")),
                raw=record))
    return out


@functools.lru_cache(maxsize=1)
def _reference() -> Any:
    return paths.load_module(paths.SOLUTIONS_HW, "_autograder_candidates_reference")


def _numeric(x: Any) -> np.ndarray | None:
    if x is OMITTED or isinstance(x, (bool, str, dict, list, tuple)) or x is None:
        return None
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a if np.all(np.isfinite(a)) else None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-9 * scale))


def _sizes(args: Sequence[Any]) -> dict[str, float]:
    """The sizes of the input a factor may be named after."""
    first = next((a for a in args if isinstance(a, np.ndarray) and a.ndim >= 1), None)
    if first is None:
        return {}
    names = {"N": float(first.shape[0]), "size": float(first.size)}
    if first.ndim >= 2:
        names["C"] = float(first.shape[-1])
    return {k: v for k, v in names.items() if v > 1}


def _name_factor(k: float, args: Sequence[Any]) -> str | None:
    named = {"2": 2.0, "1/2": 0.5, "-1": -1.0, "-2": -2.0, "-1/2": -0.5}
    for name, size in _sizes(args).items():
        named.setdefault(name, size)
        named.setdefault(f"1/{name}", 1 / size)
        named.setdefault(f"-1/{name}", -1 / size)
    for name, value in named.items():
        if abs(k - value) <= 1e-6 * max(1.0, abs(value)):
            return name
    return None


def _factor(e: np.ndarray, g: np.ndarray) -> float | None:
    mask = np.abs(e) > 1e-12
    if not mask.any() or not np.allclose(g[~mask], 0, atol=1e-12):
        return None
    ratios = g[mask] / e[mask]
    k = float(np.median(ratios))
    if abs(k - 1) < 1e-9 or not _close(g, k * e):
        return None
    return k


def _other_function(obs: Observation, g: np.ndarray) -> str | None:
    """A graded function (or this one along another axis) whose value on the same input
    is ``g``."""
    if any(a is OMITTED for a in obs.args) or obs.function in NOT_RERUN:
        return None
    ref = _reference()
    tries: list[tuple[str, Any, dict[str, Any]]] = []
    own = getattr(ref, obs.function, None)
    if own is not None and "axis" in inspect.signature(own).parameters:
        first = next((a for a in obs.args if isinstance(a, np.ndarray)), None)
        asked = obs.kwargs.get("axis", obs.args[2] if obs.function.endswith("backward")
                               and len(obs.args) > 2 else
                               (obs.args[1] if len(obs.args) > 1 else -1))
        if first is not None and first.ndim >= 2:
            for axis in range(first.ndim):
                if axis % first.ndim != int(asked) % first.ndim:
                    kwargs = {**obs.kwargs, "axis": axis}
                    args = obs.args[:1] if obs.function == "softmax" else obs.args[:2]
                    tries.append((f"axis {axis}", own, {"args": args, "kwargs": kwargs}))
    for name, fn in sorted(vars(ref).items()):
        if (name == obs.function or name.startswith("_") or not inspect.isfunction(fn)
                or fn.__module__ != ref.__name__ or name in NOT_RERUN):
            continue
        tries.append((f"= {name}", fn, {"args": obs.args, "kwargs": obs.kwargs}))
    for label, fn, call in tries:
        try:
            inspect.signature(fn).bind(*call["args"], **call["kwargs"])
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = _numeric(fn(*call["args"], **call["kwargs"]))
        except Exception:
            continue
        if value is not None and _close(g, value):
            return label
    return None


def _slices(e: np.ndarray, g: np.ndarray) -> str | None:
    if e.ndim < 2 or e.shape != g.shape:
        return None
    scale = max(1.0, float(np.max(np.abs(e))))
    ok = np.isclose(g, e, rtol=1e-6, atol=1e-9 * scale)
    if ok.all() or not ok.any():
        return None
    for axis, label in ((0, "rows"), (1, "columns")):
        other = tuple(i for i in range(ok.ndim) if i != axis)
        whole, some = ok.all(axis=other), ok.any(axis=other)
        if np.array_equal(whole, some):
            right = np.flatnonzero(whole).tolist()
            return f"right in {label} {right} only"
    return None


def relation(obs: Observation) -> tuple[str, str]:
    """``(part, relation)`` of one observation (relation "" when none is found)."""
    expected, got = obs.expected, obs.got
    part = ""
    names = RETURN_NAMES.get(obs.function, ())
    if (isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list))
            and len(expected) == len(got)):
        for i, (e_i, g_i) in enumerate(zip(expected, got)):
            e_a, g_a = _numeric(e_i), _numeric(g_i)
            if e_a is None or g_a is None or not _close(g_a, e_a):
                part = names[i] if i < len(names) else f"value {i + 1}"
                expected, got = e_i, g_i
                break
    e, g = _numeric(expected), _numeric(got)
    if e is None or g is None:
        return part, ""
    if e.ndim == 2 and g.shape == e.T.shape and not _close(g, e) and _close(g, e.T):
        return part, "transpose"
    if e.shape != g.shape:
        return part, ""
    k = _factor(e, g)
    if k is not None:
        named = _name_factor(k, obs.args)
        if named is not None:
            return part, f"factor {named}"
    if not part:
        other = _other_function(obs, g)
        if other is not None:
            return part, other
    if e.size >= 2:
        d = g - e
        if np.allclose(d, d.flat[0], rtol=1e-6, atol=1e-9) and abs(d.flat[0]) > 1e-9:
            return part, f"offset {float(d.flat[0]):+.6g}"
    if k is not None and e.size >= 2:
        return part, f"factor {k:.6g}"
    sliced = _slices(e, g)
    return part, sliced or ""


def _value_key(obs: Observation) -> str:
    """The same input and the same wrong value (rounded to 6 significant digits)."""
    def rounded(x: Any) -> Any:
        a = _numeric(x)
        if a is not None:
            return [float(f"{v:.6g}") for v in a.ravel().tolist()] + list(a.shape)
        if isinstance(x, (tuple, list)):
            return [rounded(v) for v in x]
        if isinstance(x, dict):
            return {k: rounded(v) for k, v in sorted(x.items())}
        return repr(x)

    text = json.dumps([obs.test, obs.raw.get("args"), obs.raw.get("kwargs"), rounded(obs.got)],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def candidate_mistakes(subs: Sequence[GradedSubmission]) -> list[Candidate]:
    """The candidates of a class, most submissions first (then by function and relation)."""
    groups: dict[tuple[str, str, str], Candidate] = {}
    known: dict[str, tuple[str, str]] = {}  # a record -> its relation: found once a class
    for obs in sorted(observations(subs), key=lambda o: (o.submission, o.test)):
        record = json.dumps(obs.raw, sort_keys=True, default=repr)
        if record not in known:
            known[record] = relation(obs)
        part, rel = known[record]
        key = (obs.function, part, rel or f"same wrong value #{_value_key(obs)[:10]}")
        c = groups.get(key)
        if c is None:
            c = groups[key] = Candidate(obs.function, part, rel or "same wrong value",
                                        example=obs)
        if obs.submission not in c.submissions:
            c.submissions.append(obs.submission)
        if obs.test not in c.tests:
            c.tests.append(obs.test)
    found = _one_per_mistake([c for c in groups.values() if len(c.submissions) >= MIN_STUDENTS])
    for c in found:
        c.draft = draft_entry(c)
    return sorted(found, key=lambda c: (-len(c.submissions), c.function, c.part, c.relation))


def _one_per_mistake(groups: Sequence[Candidate]) -> list[Candidate]:
    """``groups`` with those of the same function and part held by exactly the same
    submissions joined: one candidate, named by the relation seen on the most tests (a named
    relation before ``same wrong value``), its example that relation's, the other relations
    in ``also_seen``; tests and submissions sorted."""
    by_who: dict[tuple[str, str, tuple[str, ...]], list[Candidate]] = {}
    for c in groups:
        by_who.setdefault((c.function, c.part, tuple(sorted(c.submissions))), []).append(c)
    out = []
    for (function, part, who), same in by_who.items():
        tests: dict[str, set[str]] = {}
        examples: dict[str, Observation | None] = {}
        for c in same:
            tests.setdefault(c.relation, set()).update(c.tests)
            examples.setdefault(c.relation, c.example)
        ranked = sorted(tests, key=lambda r: (-len(tests[r]), r == "same wrong value", r))
        best = ranked[0]
        out.append(Candidate(
            function, part, best, submissions=list(who),
            tests=sorted(set().union(*tests.values())), example=examples[best],
            also_seen=[f"{r} ({len(tests[r])} test{'s' if len(tests[r]) != 1 else ''})"
                       for r in ranked[1:]]))
    return out


# --------------------------------------------------------------------------- drafts


def _reference_def(function: str) -> ast.FunctionDef | None:
    tree = ast.parse(paths.SOLUTIONS_HW.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            if (node.body and isinstance(node.body[0], ast.Expr)
                    and isinstance(node.body[0].value, ast.Constant)):
                node.body = node.body[1:] or [ast.Pass()]
            return node
    return None


class _Returns(ast.NodeTransformer):
    """Rewrite every ``return`` value (or its part ``index``) with ``wrap``."""

    def __init__(self, wrap: Any, index: int | None) -> None:
        self.wrap, self.index = wrap, index

    def visit_Return(self, node: ast.Return) -> ast.Return:
        if node.value is None:
            return node
        if self.index is not None and isinstance(node.value, ast.Tuple):
            node.value.elts[self.index] = self.wrap(node.value.elts[self.index])
        elif self.index is None:
            node.value = self.wrap(node.value)
        return node


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    return "_".join(w for w in out.split("_") if w)[:40]


def draft_entry(c: Candidate) -> str:
    """A ``mistake(...)`` entry for ``autograder/mistakes/part*.py``, to be completed by
    the instructor (the explanation for the student, the exact buggy code)."""
    ref = _reference_def(c.function)
    names = RETURN_NAMES.get(c.function, ())
    index = names.index(c.part) if c.part in names else None
    todo = ""
    if ref is None:  # pragma: no cover - every graded function is in the solutions
        body = f"def {c.function}(*args):\n    raise NotImplementedError  # TODO\n"
    else:
        rel = c.relation
        wrap = None
        first = ref.args.args[0].arg if ref.args.args else "x"
        if rel.startswith("factor "):
            k = (rel.split(" ", 1)[1].replace("size", f"np.size({first})")
                 .replace("N", f"len({first})").replace("C", f"np.shape({first})[-1]"))
            wrap = lambda v, k=k: ast.BinOp(ast.parse(f"({k})", mode="eval").body,  # noqa: E731
                                            ast.Mult(), v)
        elif rel == "transpose":
            wrap = lambda v: ast.Attribute(v, "T", ast.Load())  # noqa: E731
        elif rel.startswith("offset "):
            d = rel.split(" ", 1)[1]
            wrap = lambda v, d=d: ast.BinOp(v, ast.Add(), ast.parse(d, mode="eval").body)  # noqa: E731
        elif rel.startswith("= "):
            other = rel[2:]
            params = [a.arg for a in ref.args.args]
            ref.body = [ast.parse(f"return {other}({', '.join(params)})").body[0]]
        elif rel.startswith("axis "):
            ref.body.insert(0, ast.parse(f"axis = {rel.split(' ', 1)[1]}  # asked axis ignored")
                            .body[0])
        else:
            todo = ("    # TODO: the buggy code; on the example input it returns the 'got' value"
                    "\n")
        if wrap is not None:
            ref = _Returns(wrap, index).visit(ref)
        body = ast.unparse(ast.fix_missing_locations(ref))
        if todo:
            head, _, rest = body.partition("\n")
            body = f"{head}\n{todo}{rest}"
    what = f"{c.part} of " if c.part else ""
    explanation = (f"{what}{c.function}() is wrong by a {c.relation} relation to the right "
                   f"value (seen in {len(c.submissions)} submissions): TODO explain it to a "
                   "student.")
    source = textwrap.indent(body.rstrip() + "\n", " " * 8)
    return (f"    mistake(\n        {json.dumps(_slug(c.function + ' ' + c.relation))},\n"
            f"        {json.dumps(c.function)},\n        {json.dumps(explanation)},\n"
            f'        """\n{source}        """,\n    ),\n')


# --------------------------------------------------------------------------- output


def short(value: Any, limit: int = 300) -> str:
    """A value of a record as compact text (arrays as nested lists)."""
    def plain(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.round(x, 6).tolist()
        if isinstance(x, (tuple, list)):
            return [plain(v) for v in x]
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, float):
            return round(x, 6)
        return x if x is not OMITTED else "(too large to record)"

    text = json.dumps(plain(value), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def example_input(obs: Observation, limit: int = 300) -> str:
    """The example's input as ``args; kwargs`` text."""
    text = short(obs.args, limit)
    if obs.kwargs:
        text += " " + short(obs.kwargs, limit)
    return text


def write_candidates_csv(path: Path, items: Sequence[Candidate]) -> None:
    """One row per candidate (see :data:`CSV_COLUMNS`); ``ids`` and ``tests``
    space-separated; ``input``, ``expected``, ``got`` the example's, as JSON."""
    rows = []
    for c in items:
        ex = c.example
        assert ex is not None
        rows.append([c.function, c.part, c.relation, len(c.submissions), " ".join(c.submissions),
                     " ".join(c.tests), example_input(ex, 2000), short(ex.expected, 2000),
                     short(ex.got, 2000), c.draft, "; ".join(c.also_seen)])
    write_rows(path, CSV_COLUMNS, rows)
