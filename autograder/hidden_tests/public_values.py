"""The expected values stored with the public tests, computed from the solutions.

The handout holds no working implementation of any graded function (not even a trusted
helper of the tests): where a public test needs a value only an implementation could give
(the numerical gradient of a loss, the params after a few training steps), the value is
computed once here, from ``solutions/hw.py`` and the grader's own numerical gradient, and
shipped as data in ``student/tests/expected_values.json`` (as CS231n ships its
``correct_out`` arrays). The public tests read it with ``student/tests/stored.py``; the
inputs of those cases are stored with them, so this file is their one source.

``python -m autograder.hidden_tests.public_values`` writes the file, and
``student/tests/known_mistakes.json``: the fingerprints of the catalogued mistakes' outputs
(never the solution's) that let the student's own run name a known mistake
(``student/tests/hints.py``). ``--check`` exits 1 when either is out of date with the
solutions or the catalog (project tests do the same).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder import paths
from autograder.hidden_tests.numerical import central_differences

#: where the public tests read the values (``student/tests/stored.py``)
VALUES_FILE: Path = paths.STUDENT_TESTS / "expected_values.json"

Case = dict[str, Any]


class Seeds:
    """Where a case's random numbers come from.

    :data:`PUBLIC` gives the shipped cases (the seeds written in the builders below);
    :func:`unseen_seeds` the grader's unseen ones: every generator is seeded from the
    builder's number and a key the handout does not hold, and the few numbers a test
    takes as they are (a training seed, a batch size) are drawn from the same kind.
    """

    def __init__(self, key: int | None = None) -> None:
        self.key = key
        self._draws = np.random.default_rng(key) if key is not None else None

    def rng(self, n: int) -> np.random.Generator:
        """The generator of the builder's number ``n``."""
        return np.random.default_rng(n if self.key is None else (self.key, n))

    def pick(self, public: int, low: int = 0, high: int = 1000) -> int:
        """``public`` for the shipped cases, else a number drawn from [low, high)."""
        if self._draws is None:
            return public
        return int(self._draws.integers(low, high))


#: the seeds of the shipped cases
PUBLIC = Seeds()


def unseen_seeds(key: int) -> Seeds:
    """The seeds of the cases the grader keeps to itself (``key``: see
    :mod:`autograder.hidden_tests.unseen_inputs`)."""
    return Seeds(key)


def _solutions() -> ModuleType:
    return paths.load_module(paths.SOLUTIONS_HW, "_public_values_solutions")


def _gradient_case(f: Callable[[np.ndarray], float], point: np.ndarray, **inputs: Any) -> Case:
    """The inputs, and the numerical gradient of ``f`` at ``point`` with f(point)."""
    point = np.asarray(point, dtype=np.float64)
    return {**inputs, "numerical": central_differences(f, point),
            "f_value": float(f(point.copy()))}


def _softmax_backward(ref: ModuleType, seeds: Seeds, axis: int) -> Case:
    rng = seeds.rng(1)
    z = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))  # L = sum(w * softmax(z)), so dL/ds = w
    return _gradient_case(lambda v: float(np.sum(w * ref.softmax(v, axis=axis))), z,
                          z=z, upstream=w, axis=axis)


def _losses(ref: ModuleType, seeds: Seeds) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    rng = seeds.rng(2)
    y_pred = rng.standard_normal((3, 4))
    y = y_pred + rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.1, 1.0, size=(3, 4))
    cases["mae_grad"] = _gradient_case(lambda p: ref.mae_loss(p, y), y_pred, y_pred=y_pred, y=y)

    rng = seeds.rng(3)
    y_pred, y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    cases["mse_grad"] = _gradient_case(lambda p: ref.mse_loss(p, y), y_pred, y_pred=y_pred, y=y)

    rng = seeds.rng(4)
    p = rng.uniform(0.1, 0.9, size=(2, 3))
    soft = rng.uniform(0.0, 1.0, size=(2, 3))
    cases["bce_grad"] = _gradient_case(lambda q: ref.bce_loss(q, soft), p, p=p, y=soft)

    rng = seeds.rng(5)
    probs = rng.uniform(0.05, 1.0, size=(4, 3))
    probs /= probs.sum(axis=1, keepdims=True)
    labels = np.array([2, 0, 1, 2])
    cases["cross_entropy_grad"] = _gradient_case(
        lambda q: ref.cross_entropy_loss(q, labels), probs, probs=probs, labels=labels)

    rng = seeds.rng(6)
    logits = 3.0 * rng.standard_normal((3, 4))
    labels = np.array([3, 0, 1])
    cases["softmax_cross_entropy_grad"] = _gradient_case(
        lambda z: ref.softmax_cross_entropy_loss(z, labels), logits, logits=logits,
        labels=labels)
    return cases


def _layers(ref: ModuleType, seeds: Seeds) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    rng = seeds.rng(7)
    x, w = 2.0 * rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    cases["sigmoid_backward"] = _gradient_case(
        lambda v: float(np.sum(w * ref.sigmoid(v))), x, x=x, upstream=w)

    rng = seeds.rng(8)
    x = rng.standard_normal((3, 4))
    x[np.abs(x) < 0.1] = 0.5  # stay away from the kink at 0
    w = rng.standard_normal((3, 4))
    cases["relu_backward"] = _gradient_case(
        lambda v: float(np.sum(w * ref.relu(v))), x, x=x, upstream=w)

    rng = seeds.rng(9)
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    g = rng.standard_normal((4, 2))  # L = sum(g * (x W + b)), so dL/dout = g

    def loss(xx: np.ndarray, ww: np.ndarray, bb: np.ndarray) -> float:
        return float(np.sum(g * ref.linear_forward(xx, ww, bb)))

    cases["linear_backward"] = {
        "x": x, "W": W, "b": b, "upstream": g,
        "numerical": (central_differences(lambda v: loss(v, W, b), x),
                      central_differences(lambda v: loss(x, v, b), W),
                      central_differences(lambda v: loss(x, W, v), b)),
        "f_value": loss(x, W, b),
    }
    return cases


def _net(ref: ModuleType, seeds: Seeds) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    rng = seeds.rng(10)
    params = {
        "W1": rng.standard_normal((6, 5)),
        "b1": rng.standard_normal(5),
        "W2": rng.standard_normal((5, 4)),
        "b2": rng.standard_normal(4),
    }
    X = rng.standard_normal((7, 6))
    cases["two_layer_net_forward"] = {"params": params, "X": X,
                                      "logits": ref.two_layer_net_forward(params, X)}
    for reg in (0.0, 0.05):
        rng = seeds.rng(11)
        n, d, h, c = 6, 4, 5, 3
        params = {
            "W1": rng.standard_normal((d, h)),
            "b1": 0.1 * rng.standard_normal(h),
            "W2": rng.standard_normal((h, c)),
            "b2": 0.1 * rng.standard_normal(c),
        }
        X = rng.standard_normal((n, d))
        labels = np.array([0, 1, 2, 2, 1, 0])

        def loss(key: str, value: np.ndarray, params: dict = params, X: np.ndarray = X,
                 labels: np.ndarray = labels, reg: float = reg) -> float:
            return ref.two_layer_net_loss({**params, key: value}, X, labels, reg)[0]

        cases[f"two_layer_net_loss reg={reg}"] = {
            "params": params, "X": X, "labels": labels, "reg": reg,
            "numerical": {k: central_differences(lambda v, k=k: loss(k, v), params[k])
                          for k in params},
            "f_value": ref.two_layer_net_loss(params, X, labels, reg)[0],
        }
    return cases


def _training(ref: ModuleType, seeds: Seeds) -> dict[str, Case]:
    rng = seeds.rng(12)  # two well separated clusters in 2-D, 20 points each
    X = np.concatenate([rng.normal(-2.0, 0.5, (20, 2)), rng.normal(2.0, 0.5, (20, 2))])
    labels = np.repeat([0, 1], 20)
    cases: dict[str, Case] = {"blobs": {"X": X, "labels": labels}}
    one_step = {"optimizer": "gd", "lr": 0.5, "epochs": 1, "batch_size": 40,
                "seed": seeds.pick(4)}
    two_epochs = {"optimizer": "gd", "lr": 0.5, "epochs": 2, "batch_size": 25,
                  "seed": seeds.pick(7)}
    for name, kwargs in (("one gd step", one_step), ("two epochs of gd", two_epochs)):
        params, losses = ref.train_two_layer_net(X, labels, 3, **kwargs)
        cases[f"train_two_layer_net {name}"] = {"kwargs": kwargs, "params": params,
                                                "n_losses": len(losses)}
    first, second = seeds.pick(1), seeds.pick(2)
    second += int(second == first)
    batch_size = seeds.pick(4, 3, 6)
    n_samples = batch_size * seeds.pick(5, 3, 7)  # batches of one size
    cases["minibatch_indices two seeds"] = {
        "n_samples": n_samples, "batch_size": batch_size, "seeds": [first, second],
        "first": ref.minibatch_indices(n_samples, batch_size, first),
        "second": ref.minibatch_indices(n_samples, batch_size, second)}
    return cases


def _gradient_checking(ref: ModuleType, seeds: Seeds) -> dict[str, Case]:
    testfuncs = paths.load_module(paths.STUDENT_TESTS / "testfuncs.py", "_public_values_testfuncs")
    cases: dict[str, Case] = {}
    for name in ("quadratic", "sin_dot", "logsumexp"):
        rng = seeds.rng(13)
        x = rng.standard_normal((2, 3))
        params = {
            "quadratic": {"A": rng.standard_normal((6, 6)), "b": rng.standard_normal(6)},
            "sin_dot": {"w": rng.standard_normal((2, 3))},
            "logsumexp": {},
        }[name]
        f = testfuncs.make(name, **params)
        cases[f"numerical_gradient {name}"] = {"x": x, "params": params,
                                               "expected": central_differences(f, x)}
    return cases


def compute(seeds: Seeds | None = None, ref: ModuleType | None = None) -> dict[str, Case]:
    """Every stored case, computed from the solutions (deterministic).

    With the default ``seeds`` (:data:`PUBLIC`) these are the cases shipped in
    ``expected_values.json``; with :func:`unseen_seeds` the same cases on other inputs of
    the same kind, which the grader runs the public tests on (never written anywhere).
    """
    seeds = PUBLIC if seeds is None else seeds
    ref = _solutions() if ref is None else ref
    cases: dict[str, Case] = {f"softmax_backward axis={a}": _softmax_backward(ref, seeds, a)
                              for a in (-1, 0)}
    for part in (_losses, _layers, _net, _training, _gradient_checking):
        cases.update(part(ref, seeds))
    return cases


# ----------------------------------------------------------------------------- the file


def _encode(value: Any) -> Any:
    """Plain JSON: arrays as {"dtype", "shape", "data"}, tuples as {"tuple": [...]}, dicts
    as {"dict": {...}}; numbers and lists as they are."""
    if isinstance(value, np.ndarray):
        return {"dtype": value.dtype.name, "shape": list(value.shape),
                "data": value.reshape(-1).tolist()}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"dict": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def render(cases: dict[str, Case] | None = None) -> str:
    """The text of ``expected_values.json``: one case per line (diffs name the case)."""
    cases = compute() if cases is None else cases
    about = ("Expected values of the public tests, computed from the reference solutions by "
             "`python -m autograder.hidden_tests.public_values`. Do not edit by hand.")
    lines = [f" {json.dumps(name)}: {json.dumps(_encode(case))}" for name, case in cases.items()]
    return ('{"about": ' + json.dumps(about) + ',\n"cases": {\n' + ",\n".join(lines)
            + "\n}}\n")


def _difference(stored: Any, fresh: Any, where: str) -> str | None:
    """Where ``stored`` differs from ``fresh`` beyond rounding (None if nowhere).

    Values are compared with a relative and absolute tolerance of 1e-9: another machine's
    BLAS may round the last bits differently, a change of the solutions does far more.
    """
    if isinstance(fresh, np.ndarray):
        if not isinstance(stored, np.ndarray) or stored.shape != fresh.shape \
                or stored.dtype != fresh.dtype:
            return f"{where}: the stored array's shape or dtype differs"
        scale = max(1.0, float(np.max(np.abs(fresh), initial=0.0)))
        if not np.allclose(stored, fresh, rtol=1e-9, atol=1e-9 * scale):
            return f"{where}: the values differ"
        return None
    if isinstance(fresh, dict):
        if not isinstance(stored, dict) or list(stored) != list(fresh):
            return f"{where}: the stored keys differ"
        for k in fresh:
            found = _difference(stored[k], fresh[k], f"{where}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(fresh, (list, tuple)):
        if type(stored) is not type(fresh) or len(stored) != len(fresh):
            return f"{where}: the stored sequence differs"
        for i, (s_, f_) in enumerate(zip(stored, fresh)):
            found = _difference(s_, f_, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(fresh, float):
        ok = isinstance(stored, float) and abs(stored - fresh) <= 1e-9 * max(1.0, abs(fresh))
        return None if ok else f"{where}: {stored!r} stored, {fresh!r} computed"
    return None if stored == fresh else f"{where}: {stored!r} stored, {fresh!r} computed"


# ----------------------------------------------------------------------------- fingerprints

#: the fingerprints of the catalogued mistakes, for the hints of the student's own run
FINGERPRINTS_FILE: Path = paths.STUDENT_TESTS / "known_mistakes.json"


def _hints() -> ModuleType:
    return paths.load_module(paths.STUDENT_TESTS / "hints.py", "_public_values_hints")


def _encode_input(value: Any) -> Any:
    """A probe input as plain JSON (arrays with their memory order, test functions by name)."""
    if isinstance(value, np.ndarray):
        out = _encode(np.ascontiguousarray(value))
        if value.ndim >= 2 and value.flags.f_contiguous and not value.flags.c_contiguous:
            out["order"] = "F"
        return out
    if hasattr(value, "name") and hasattr(value, "params") and callable(value):
        return {"testfunc": value.name, "params": _encode_input(dict(value.params))}
    if isinstance(value, tuple):
        return {"tuple": [_encode_input(v) for v in value]}
    if isinstance(value, list):
        return [_encode_input(v) for v in value]
    if isinstance(value, dict):
        return {"dict": {str(k): _encode_input(v) for k, v in value.items()}}
    return _encode(value)


def mistake_salt(mistake: Any) -> str:
    """A mistake's own salt (from its id and code: stable, different for every mistake)."""
    return hashlib.sha256(f"{mistake.id}\n{mistake.source}".encode()).hexdigest()[:16]


def fingerprints() -> list[dict[str, Any]]:
    """Every diagnosable catalogued mistake with the inputs that tell it apart from the
    solution (its distinguishing probes) and the fingerprint of ITS output on each: the
    hashes of wrong results only, never of a solution's."""
    from autograder.mistakes import MISTAKES
    from autograder.mistakes.diagnosis import distinguishing_probes

    hints = _hints()
    entries = []
    for m in MISTAKES:
        probes = distinguishing_probes(m) if m.diagnosable else ()
        if not probes:
            continue
        salt = mistake_salt(m)
        entries.append({
            "id": m.id, "function": m.function, "explanation": m.explanation, "salt": salt,
            "probes": [{"args": _encode_input(tuple(args)), "kwargs": _encode_input(dict(kwargs)),
                        "fingerprint": hints.fingerprint(out, f"{salt}:{i}")}
                       for i, (args, kwargs, out, _) in enumerate(probes)],
        })
    return entries


def render_fingerprints(entries: list[dict[str, Any]] | None = None) -> str:
    """The text of ``known_mistakes.json``: one mistake per line."""
    entries = fingerprints() if entries is None else entries
    about = ("Fingerprints of known mistakes (salted hashes of their wrong outputs on a few "
             "inputs), written by `python -m autograder.hidden_tests.public_values`. Do not "
             "edit by hand.")
    lines = [f" {json.dumps(e)}" for e in entries]
    return '{"about": ' + json.dumps(about) + ',\n"mistakes": [\n' + ",\n".join(lines) + "\n]}\n"


def stale_fingerprints(path: Path = FINGERPRINTS_FILE) -> list[str]:
    """What in ``path`` is out of date with the catalog ([] when it is up to date)."""
    if not path.is_file():
        return [f"{path} is missing"]
    stored = json.loads(path.read_text(encoding="utf-8"))["mistakes"]
    fresh = fingerprints()
    by_id = {e["id"]: e for e in stored}
    problems = [f"{e['id']}: not stored" for e in fresh if e["id"] not in by_id]
    known = {e["id"] for e in fresh}
    problems += [f"{i}: stored, but no longer in the catalog" for i in by_id if i not in known]
    problems += [f"{e['id']}: its fingerprints differ" for e in fresh
                 if e["id"] in by_id and by_id[e["id"]] != json.loads(json.dumps(e))]
    return problems


def stale_cases(path: Path = VALUES_FILE) -> list[str]:
    """What in ``path`` is out of date with the solutions ([] when it is up to date)."""
    if not path.is_file():
        return [f"{path} is missing"]
    # student/tests/stored.py: the public tests read the file with it
    stored_values = paths.load_module(paths.STUDENT_TESTS / "stored.py", "_public_values_stored")
    stored = json.loads(path.read_text(encoding="utf-8"))["cases"]
    fresh = compute()
    problems = [f"{name}: not stored" for name in fresh if name not in stored]
    problems += [f"{name}: stored, but no longer computed" for name in stored
                 if name not in fresh]
    for name in fresh:
        if name in stored:
            found = _difference(stored_values.decode(stored[name]), fresh[name], name)
            if found:
                problems.append(found)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` only verify) ``student/tests/expected_values.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    if args.check:
        code = 0
        for path, problems in ((VALUES_FILE, stale_cases()),
                               (FINGERPRINTS_FILE, stale_fingerprints())):
            if not problems:
                print(f"{path} is up to date")
                continue
            code = 1
            print(f"{path} is out of date with solutions/hw.py or the catalog (run "
                  "`python -m autograder.hidden_tests.public_values`):\n  "
                  + "\n  ".join(problems))
        return code
    VALUES_FILE.write_text(render(), encoding="utf-8")
    FINGERPRINTS_FILE.write_text(render_fingerprints(), encoding="utf-8")
    print(f"wrote {VALUES_FILE}\nwrote {FINGERPRINTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
