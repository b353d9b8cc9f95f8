"""Mutation testing of the autograder with the mistakes catalog.

Each catalogued mistake is injected into a copy of ``solutions/hw.py`` and graded by the
real engine (:func:`autograder.grading.runner.grade_submission`), restricted to the mistake's own
function plus the functions that call it (transitively, in the reference) and are NOT in
its declared blast radius: those must keep full marks. Functions that do not call the
mutated function run exactly the reference code, so they cannot be affected.

``python -m autograder.devtools.mutation [--quick N] [--jobs J] [ID ...]`` prints one line
per mistake (caught, diagnosed in the feedback, outsiders that lost points, seconds), then
the totals, and how many failing tests showed a known-mistake hint: naming the mutant's
own mistake, or only another one (every hint is confirmed on the named mistake's probes,
so another one is named only when the mutant behaves like it there too).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import dataclasses
import functools
import multiprocessing
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.config import AssignmentConfig, HypothesisConfig, load_config
from autograder.grading.results import per_test_records
from autograder.grading.runner import grade_submission
from autograder.mistakes.catalog import MISTAKES, Mistake, get
from autograder.mistakes.diagnosis import KNOWN_MISTAKE
from autograder.mistakes.inject import write_mutant

#: how the hidden tests introduce a diagnosis in a test's feedback
DIAGNOSIS_PREFIX = KNOWN_MISTAKE.strip()


@functools.lru_cache(maxsize=1)
def call_graph() -> dict[str, frozenset[str]]:
    """For each top-level function of ``solutions/hw.py``, the names it calls directly."""
    tree = ast.parse(paths.SOLUTIONS_HW.read_text())
    graph: dict[str, frozenset[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            graph[node.name] = frozenset(
                n.func.id
                for n in ast.walk(node)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            )
    return graph


def callers_of(function: str) -> frozenset[str]:
    """Every reference function that calls ``function``, directly or through others."""
    graph = call_graph()
    found: set[str] = set()
    todo = [function]
    while todo:
        callee = todo.pop()
        for name, calls in graph.items():
            if callee in calls and name not in found and name != function:
                found.add(name)
                todo.append(name)
    return frozenset(found)


def graded_functions(mistake: Mistake) -> list[str]:
    """The functions to grade for ``mistake``: its own and the callers outside its blast."""
    return [mistake.function, *sorted(callers_of(mistake.function) - set(mistake.blast))]


def quick_config(max_examples: int, base: AssignmentConfig | None = None) -> AssignmentConfig:
    """The assignment config with every Hypothesis example count capped at ``max_examples``."""
    cfg = base if base is not None else load_config()
    hyp = cfg.hypothesis
    capped = HypothesisConfig(
        max_examples=min(hyp.max_examples, max_examples),
        per_part=tuple((k, min(v, max_examples)) for k, v in hyp.per_part),
        per_function=tuple((k, min(v, max_examples)) for k, v in hyp.per_function),
    )
    return dataclasses.replace(cfg, hypothesis=capped)


def grade_mutant(mistake_id: str, max_examples: int | None = None) -> dict[str, Any]:
    """Grade the mutant of one mistake; a plain-data summary (picklable).

    Keys: ``id``, ``function``, ``graded`` (functions graded), ``own_max`` and
    ``own_score`` (the mistake's own function), ``outsiders`` (``"function: test"`` of
    every failing test of another graded function), ``diagnosed`` (some failing test of
    the own function names this mistake's explanation), ``any_diagnosis`` (the
    diagnosis sentences found, whichever mistake they name), ``seconds``.
    """
    mistake = get(mistake_id)
    config = quick_config(max_examples) if max_examples else None
    functions = graded_functions(mistake)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        hw = write_mutant(mistake, Path(tmp))
        results = grade_submission(hw, None, config=config, functions=functions)
    records = per_test_records(results)
    own = [t for t in records if t.get("tags", [""])[0] == mistake.function]
    failing_own = [t for t in own if t["score"] < t["max_score"] - 1e-9]
    diagnoses = [
        t["output"].split(DIAGNOSIS_PREFIX, 1)[1].strip().splitlines()[0]
        for t in failing_own
        if DIAGNOSIS_PREFIX in t.get("output", "")
    ]
    with_hint = [t for t in records if DIAGNOSIS_PREFIX in t.get("output", "")]
    return {
        "id": mistake.id,
        "function": mistake.function,
        "graded": functions,
        "own_max": sum(t["max_score"] for t in own),
        "own_score": sum(t["score"] for t in own),
        "outsiders": [
            f"{t['tags'][0]}: {t['name']}"
            for t in records
            if t.get("tags", [""])[0] != mistake.function and t["score"] < t["max_score"] - 1e-9
        ],
        "diagnosed": any(mistake.explanation in t.get("output", "") for t in failing_own),
        "any_diagnosis": diagnoses,
        "hints": len(with_hint),
        "hints_own": sum(mistake.explanation in t["output"] for t in with_hint),
        "seconds": round(time.monotonic() - start, 2),
    }


def grade_mutants(
    mistake_ids: Iterable[str], max_examples: int | None = None, jobs: int = 2
) -> dict[str, dict[str, Any]]:
    """:func:`grade_mutant` for many mistakes, in ``jobs`` separate processes."""
    ids = list(mistake_ids)
    if jobs <= 1 or len(ids) <= 1:
        return {i: grade_mutant(i, max_examples) for i in ids}
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no shared pytest state
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {i: pool.submit(grade_mutant, i, max_examples) for i in ids}
        return {i: f.result() for i, f in futures.items()}


def main(argv: list[str] | None = None) -> int:
    """Command line: grade mutants and print one line each, then totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="mistake ids or function names (default: all)")
    parser.add_argument("--quick", type=int, default=None, help="cap Hypothesis examples")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    wanted = set(args.ids)
    ids = [m.id for m in MISTAKES if not wanted or m.id in wanted or m.function in wanted]
    start = time.monotonic()
    reports = grade_mutants(ids, args.quick, args.jobs)
    caught = diagnosed = hints = hints_own = outsiders = 0
    for i in ids:
        r = reports[i]
        lost = r["own_max"] - r["own_score"]
        caught += lost > 1e-9
        diagnosed += r["diagnosed"]
        hints += r["hints"]
        hints_own += r["hints_own"]
        outsiders += bool(r["outsiders"])
        print(
            f"{i:45s} caught={lost > 1e-9!s:5s} lost={lost:6.3f}/{r['own_max']:.0f} "
            f"diagnosed={r['diagnosed']!s:5s} hints={r['hints_own']}/{r['hints']} "
            f"outsiders={r['outsiders']} {r['seconds']}s"
        )
    diagnosable = sum(get(i).diagnosable for i in ids)
    print(
        f"caught {caught}/{len(ids)}, diagnosed in the feedback {diagnosed}/{len(ids)} "
        f"({diagnosable} diagnosable from their output), mutants with outsiders that lost "
        f"points {outsiders}, {time.monotonic() - start:.0f}s"
    )
    print(
        f"hints shown in {hints} failing tests: {hints_own} name the mutant's own mistake, "
        f"{hints - hints_own} only another (each confirmed on the named mistake's probes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
