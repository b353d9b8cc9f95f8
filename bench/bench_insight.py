"""What graders learn from a class (issue 15), shown on a real grade: misconceptions,
similar submissions, regrade changes, and screenshots of the three report sections.

    python3 bench/bench_insight.py [--out DIR] [--jobs N] [--scale N]

Builds a class folder: the bundled examples (all generated from solutions/hw.py, so they
are near-copies of one another by construction), two students whose code is a near-copy
pair (``olga``: an independent correct solution, tests/variants/hw_einsum.py; ``pavel``:
olga's file with variables renamed, functions reordered, comments rewritten), an
independent correct solution (``quinn``: hw_loops.py), and three independent solutions
that share one catalogued mistake (``rosa``, ``sam``, ``tara``: mse_grad without its 2,
like the example ``heidi``). Grades it with the real engine (``DIR/first``), then regrades
it with a copy of assignment.toml in which points moved from one function to another,
``--compare DIR/first`` (``DIR/second``), and checks and prints:

* the similar pairs: which are among the examples, and that the only other one is
  olga/pavel (quinn, rosa, sam, tara and the stub bob match nothing);
* the misconceptions counted, against the mistakes the class was built with;
* the changes: exactly the students with a different score on the two functions (any
  score on them scales with their points: a student with full marks on both is listed
  with a change of 0), with the deltas their first results predict;
* timings: both grades, the reports, the similarity check alone, and with ``--scale N``
  the similarity check over N synthetic submissions;

and writes PNG screenshots (headless Chromium) of the report's "Changes since",
"Misconceptions" and "Similar submissions" sections and of olga and pavel's side-by-side
page to ``DIR/screenshots``. Exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from near_copies import disguise  # noqa: E402  (tests/near_copies.py)

from autograder import paths  # noqa: E402
from autograder.classroom import batch  # noqa: E402
from autograder.config import load_config  # noqa: E402
from autograder.grading.results import per_test_records  # noqa: E402
from autograder.mistakes import get as mistake  # noqa: E402
from autograder.mistakes.inject import replace_function  # noqa: E402

EXAMPLES = ROOT / "examples" / "submissions"
VARIANTS = ROOT / "tests" / "variants"
SHARED_MISTAKE = "mse_grad_missing_2"
#: the students sharing SHARED_MISTAKE, on their own independent solutions
SHARING = {"rosa": "hw_stable_formulas", "sam": "hw_functional", "tara": "hw_masked_logs"}
#: the points moved in the regrade: from GIVER to TAKER
GIVER, TAKER, MOVED = "two_layer_net_loss", "mse_grad", 2.0


def make_class(dest: Path) -> None:
    """The class folder described in the module docstring."""
    for src in sorted(EXAMPLES.iterdir()):
        if src.name.startswith("."):
            continue
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / src.name)
    olga = (VARIANTS / "hw_einsum.py").read_text(encoding="utf-8")
    (dest / "olga.py").write_text(olga, encoding="utf-8")
    (dest / "pavel.py").write_text(disguise(olga), encoding="utf-8")
    shutil.copy(VARIANTS / "hw_loops.py", dest / "quinn.py")
    wrong = mistake(SHARED_MISTAKE)
    for student, variant in SHARING.items():
        source = (VARIANTS / f"{variant}.py").read_text(encoding="utf-8")
        (dest / f"{student}.py").write_text(
            replace_function(source, wrong.function, wrong.source), encoding="utf-8")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def function_scores(out: Path, sub_id: str) -> dict[str, float]:
    data = json.loads((out / "submissions" / sub_id / "results.json").read_text())
    scores: dict[str, float] = defaultdict(float)
    for t in per_test_records(data):
        scores[t["tags"][0]] += t["score"]
    return scores


def moved_config(dest: Path) -> Path:
    """A copy of assignment.toml with MOVED points from GIVER to TAKER."""
    sys.path.insert(0, str(ROOT / "tests"))
    from config_helpers import set_points

    config = load_config()
    text = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
    text = set_points(text, GIVER, config.points(GIVER) - MOVED)
    text = set_points(text, TAKER, config.points(TAKER) + MOVED)
    dest.write_text(text, encoding="utf-8")
    load_config(dest)  # still valid
    return dest


def check(ok: bool, what: str, failures: list[str]) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        failures.append(what)


def similarity_scale(n: int) -> None:
    """Time the similarity check alone over ``n`` synthetic submissions."""
    from autograder.classroom.reports.similarity import find_similar

    sources = [p.read_text(encoding="utf-8") for p in sorted(VARIANTS.glob("hw_*.py"))]
    class_ = {f"s{i:03d}": sources[i % len(sources)] + f"\n# student {i}\n" for i in range(n)}
    start = time.perf_counter()
    report = find_similar(class_)
    seconds = time.perf_counter() - start
    print(f"similarity check over {n} submissions ({n * (n - 1) // 2} pairs, "
          f"{len(sources)} distinct files): {seconds:.1f} s, {len(report.pairs)} pairs flagged")


def screenshots(report: Path, shots: Path, pair: int) -> None:
    from autograder.devtools.browser import BrowserMissing, open_browser

    shots.mkdir(parents=True, exist_ok=True)
    try:
        with open_browser(width=1280, height=900) as browser:
            visit = browser.visit(report / "report.html")
            print("  browser complaints on report.html:", visit.problems or "none")
            for name, selector in (("changes", "#changes"), ("misconceptions", "#misconceptions"),
                                   ("similar", "#similar")):
                browser.screenshot(shots / f"{name}.png", selector)
            browser.screenshot(shots / "report-full.png")
            browser.visit(report / "similarity" / f"pair-{pair}.html")
            browser.screenshot(shots / f"pair-{pair}.png", full_page=False)
            browser.page.locator("pre.src mark").first.scroll_into_view_if_needed()
            browser.screenshot(shots / f"pair-{pair}-marked.png", full_page=False)
    except BrowserMissing as exc:
        print(f"  no screenshots: {exc}")
        return
    print(f"  screenshots: {', '.join(sorted(p.name for p in shots.glob('*.png')))} in {shots}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=None, help="keep everything here")
    ap.add_argument("--jobs", type=int, default=None, help="parallel graders (default: CPUs)")
    ap.add_argument("--scale", type=int, default=0,
                    help="also time the similarity check over this many submissions")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="bench_insight_")
    out = (args.out or Path(tmp.name)).resolve()
    for sub in ("class", "first", "second"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    (out / "class").mkdir(parents=True)
    make_class(out / "class")
    failures: list[str] = []

    start = time.monotonic()
    first = batch.grade(out / "class", out / "first", args.jobs, progress=False)
    print(f"first grade: {len(first.graded)} submissions in {time.monotonic() - start:.1f} s")
    config = moved_config(out / "moved.toml")
    start = time.monotonic()
    second = batch.grade(out / "class", out / "second", args.jobs, progress=False,
                         config=config, compare=out / "first")
    print(f"regrade with {MOVED:g} points moved from {GIVER} to {TAKER}, --compare first: "
          f"{len(second.graded)} submissions in {time.monotonic() - start:.1f} s")
    from autograder.classroom.reports import write_reports
    from autograder.classroom.reports.similarity import find_similar

    start = time.monotonic()
    find_similar({g.id: g.source for g in second.graded})
    similarity_seconds = time.monotonic() - start
    timing = Path(tempfile.mkdtemp(prefix="reports_", dir=out))
    start = time.monotonic()
    write_reports(timing, second.graded, second.skipped)
    print(f"reports alone: {time.monotonic() - start:.1f} s "
          f"(of which the similarity check {similarity_seconds:.1f} s)")
    shutil.rmtree(timing)

    examples = {p.stem if p.is_file() else p.name for p in EXAMPLES.iterdir()
                if not p.name.startswith(".")}
    print("\nsimilar pairs (similarity.csv):")
    pairs = rows(out / "second" / "similarity.csv")
    among_examples = [r for r in pairs if r["a"] in examples and r["b"] in examples]
    others = [r for r in pairs if r not in among_examples]
    print(f"  {len(among_examples)} pairs among the examples (generated from one file)")
    for r in others:
        print(f"  {r['a']} ~ {r['b']}: {r['similarity_a']} / {r['similarity_b']}, "
              f"{r['shared_tokens']} shared tokens")
    check([{r["a"], r["b"]} for r in others] == [{"olga", "pavel"}],
          "outside the examples exactly olga/pavel is flagged", failures)
    lonely = {"bob_stub", "quinn", *SHARING}
    check(not any({r["a"], r["b"]} & lonely for r in pairs),
          f"{', '.join(sorted(lonely))} match nothing", failures)

    print("\nmisconceptions (misconceptions.csv):")
    found = {r["mistake"]: r for r in rows(out / "second" / "misconceptions.csv")}
    for r in found.values():
        print(f"  {r['submissions']:>2} ({float(r['share']):.0%}) {r['mistake']}: {r['ids']}")
    want = {"heidi_zip", *SHARING}
    check(set(found.get(SHARED_MISTAKE, {}).get("ids", "").split()) == want,
          f"{SHARED_MISTAKE} counted for exactly {', '.join(sorted(want))}", failures)

    print(f"\nchanges since first (changes.csv), {MOVED:g} points moved {GIVER} -> {TAKER}:")
    old_points = load_config()
    new_points = load_config(config)
    expected: dict[str, float] = {}
    for g in first.graded:
        before = function_scores(out / "first", g.id)
        if any(abs(before.get(fn, 0.0)) > 1e-9 for fn in (GIVER, TAKER)):
            # points split over a function's tests: every score on it scales with them
            expected[g.id] = sum(
                before.get(fn, 0.0) * (new_points.points(fn) / old_points.points(fn) - 1)
                for fn in (GIVER, TAKER))
    listed = rows(out / "second" / "changes.csv")
    for r in listed:
        print(f"  {r['id']}: {r['old_total']} -> {r['new_total']} ({r['delta']}); "
              f"{r['tests_changed'][:110]}{'...' if len(r['tests_changed']) > 110 else ''}")
    unchanged = len(first.graded) - len(listed)
    print(f"  {unchanged} unchanged")
    check({r["id"] for r in listed} == set(expected),
          "listed = the students with a different score on the two functions (any score "
          "on them scales with their points)", failures)
    moved = {r["id"] for r in listed if abs(float(r["delta"])) > 1e-6}
    print(f"  of which {len(moved)} with a different total: {', '.join(sorted(moved))}")
    check(all(abs(float(r["delta"]) - expected[r["id"]]) < 1e-3 for r in listed
              if r["id"] in expected), "each delta is what the first results predict", failures)

    print("\nscreenshots:")
    olga = next((i for i, r in enumerate(pairs, 1) if {r["a"], r["b"]} == {"olga", "pavel"}), 1)
    screenshots(out / "second", out / "screenshots", olga)
    if args.scale:
        similarity_scale(args.scale)
    print(f"\noutputs in {out}" + ("" if args.out else " (temporary: use --out to keep them)"))
    if not args.out:
        tmp.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
