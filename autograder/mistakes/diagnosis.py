"""Diagnosis of failing submissions against the catalog of known student mistakes.

``diagnose(function, args, kwargs, got, call)`` (used by the hidden tests when a result is
wrong) names a catalogued mistake of ``function`` (:mod:`autograder.mistakes`) only when the
evidence shows it:

1. on the failing input, the mistake's output (run on copies, here in the trusted process:
   the catalog is our own code) reproduces ``got`` AND differs from the reference
   solution's output there, so a mistake indistinguishable from the right answer on that
   input is never claimed; and
2. it is confirmed: on every probe input that tells this mistake apart from the solution
   (its distinguishing probes, :mod:`autograder.mistakes.probes`), the submission itself
   (``call``) returns what the mistake returns, not what the solution returns.

A different bug that happens to give the same wrong value on one input (a softmax that
subtracts the mean overflows like one that subtracts nothing) is not confirmed, so it gets
no hint at all: a wrong hint costs a student more than none. Without ``call`` nothing is
named.

"Reproduces" and "returns" use the graders' own comparison, ``checks.assert_close``
(default tolerances) from ``student/tests/checks.py``. ``diagnose`` never raises: a mistake
or a submission call that errors, warns or times out simply does not match, and huge
inputs are skipped.

``explain`` (the feedback's "This matches a known mistake: ..." line) also records the ids
of the mistakes it names in :data:`RECORDER`, so that the grading plugin can store, per
test, the mistakes its failure message shows (``extra_data["mistakes"]`` of results.json;
the class report counts them).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import inspect
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from autograder import paths
from autograder.mistakes import Mistake, by_function
from autograder.mistakes.probes import PROBES
from autograder.sandbox.wire import copy_keeping_layout

#: inputs with more array entries than this are not diagnosed (keeps failures fast)
MAX_ELEMENTS = 20_000
#: wall-clock budget of one diagnose() call, in seconds
TIME_BUDGET = 1.5
#: train_two_layer_net is only diagnosed when X.size * epochs * n_hidden is at most this
MAX_TRAIN_WORK = 2_000_000

_FAILED = object()

#: True while a confirmation call into the submission runs (see :func:`confirming`)
_CONFIRMING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "autograder_diagnosis_confirming", default=False
)


def confirming() -> bool:
    """Whether the current call into the submission is a diagnosis' confirmation call.

    Such a call runs on the diagnosis' own copies of probe inputs: the grader's input guard
    restores them without failing the call, so that a submission that writes into its
    inputs can still be compared with a mistake that does the same.
    """
    return _CONFIRMING.get()


@contextlib.contextmanager
def confirmation() -> Iterator[None]:
    """Mark the calls into the submission made inside as confirmation calls
    (:func:`confirming`)."""
    token = _CONFIRMING.set(True)
    try:
        yield
    finally:
        _CONFIRMING.reset(token)


@functools.lru_cache(maxsize=1)
def _checks() -> ModuleType:
    """The shared ``checks`` module (already imported by the tests, else loaded by path)."""
    module = sys.modules.get("checks")
    if module is not None and hasattr(module, "assert_close"):
        return module
    return paths.load_module(paths.STUDENT_TESTS / "checks.py", "_autograder_diagnosis_checks")


@functools.lru_cache(maxsize=1)
def reference_module() -> ModuleType:
    """A private copy of ``solutions/hw.py`` (never the submission)."""
    return paths.load_module(paths.SOLUTIONS_HW, "_autograder_diagnosis_reference")


@functools.cache
def mistake_function(mistake: Mistake) -> Callable[..., Any]:
    """The buggy function of ``mistake``, compiled in a copy of the reference namespace.

    Calls it makes to other ``hw.py`` functions go to the reference implementations.
    """
    namespace = dict(vars(reference_module()))
    code = compile(mistake.source, f"<mistake {mistake.id}>", "exec")
    exec(code, namespace)
    return namespace[mistake.function]


def close_enough(got: Any, expected: Any) -> bool:
    """``checks.assert_close(got, expected)`` as a boolean (never raises)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _checks().assert_close(got, expected, name="diagnosis")
    except Exception:
        return False
    return True


def _copy(value: Any) -> Any:
    """A deep copy whose arrays keep their memory layout (a bug may depend on it)."""
    try:
        return copy_keeping_layout(value)
    except Exception:
        return value


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """``fn`` on copies of the inputs, silently; ``_FAILED`` if it raises.

    The legacy global NumPy random state is saved and restored around the call.
    """
    state = np.random.get_state()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*_copy(tuple(args)), **_copy(dict(kwargs)))
    except Exception:
        return _FAILED
    finally:
        np.random.set_state(state)


def _elements(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, dict):
        return sum(_elements(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ELEMENTS:
            return len(value)
        return sum(_elements(v) for v in value) + (0 if value else 1)
    return 1


def _too_expensive(function: str, args: tuple, kwargs: dict) -> bool:
    if _elements(list(args)) + _elements(list(kwargs.values())) > MAX_ELEMENTS:
        return True
    if function == "train_two_layer_net":
        try:
            reference = reference_module().train_two_layer_net
            bound = inspect.signature(reference).bind(*args, **kwargs)
            bound.apply_defaults()
            work = np.asarray(bound.arguments["X"]).size * int(bound.arguments["epochs"])
            return work * max(1, int(bound.arguments["n_hidden"])) > MAX_TRAIN_WORK
        except Exception:
            return True
    return False


def _reproducing(function: str, args: tuple, kwargs: dict, got: Any) -> list[tuple[Mistake, tuple]]:
    """The mistakes whose output on these inputs reproduces ``got`` (and differs from the
    reference's), with the path of the matching part."""
    candidates = [m for m in by_function(function) if m.diagnosable]
    if not candidates or _too_expensive(function, args, kwargs):
        return []
    reference = getattr(reference_module(), function, None)
    if reference is None:
        return []
    start = time.monotonic()
    expected = _run(reference, args, kwargs)
    found: list[tuple[Mistake, tuple]] = []
    for m in candidates:
        if time.monotonic() - start > TIME_BUDGET:
            break
        try:
            buggy = mistake_function(m)
        except Exception:
            continue
        out = _run(buggy, args, kwargs)
        if out is _FAILED:
            continue
        path = _reproduces(got, out, expected)
        if path is not None:
            found.append((m, path))
    return found


@functools.cache
def distinguishing_probes(mistake: Mistake) -> tuple[tuple[tuple, dict, Any, Any], ...]:
    """``(args, kwargs, mistake's output, reference's output)`` of every probe input of
    :data:`~autograder.mistakes.probes.PROBES` on which the mistake differs from the solution.
    """
    reference = getattr(reference_module(), mistake.function, None)
    if reference is None:
        return ()
    try:
        buggy = mistake_function(mistake)
    except Exception:
        return ()
    found = []
    for probe in PROBES.get(mistake.function, []):
        args, kwargs = probe()
        out, expected = _run(buggy, args, kwargs), _run(reference, args, kwargs)
        if out is not _FAILED and (expected is _FAILED or not close_enough(out, expected)):
            found.append((args, kwargs, out, expected))
    return tuple(found)


def confirmed(mistake: Mistake, call: Callable[..., Any]) -> bool:
    """Whether ``call`` (the submission's function) behaves like ``mistake`` on every probe
    that tells the mistake apart from the solution: its output matches the mistake's and
    not the solution's there. False when no probe tells them apart, or a call fails."""
    probes = distinguishing_probes(mistake)
    if not probes:
        return False
    for args, kwargs, out, expected in probes:
        try:
            with confirmation(), np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = call(*_copy(tuple(args)), **_copy(dict(kwargs)))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # the submission failed (or the grade's budget ran out)
            return False
        if not close_enough(got, out):
            return False
        if expected is not _FAILED and close_enough(got, expected):
            return False
    return True


def _parts(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """``(path, sub-value)`` of ``value`` and of everything nested in tuples/lists/dicts."""
    out = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_parts(v, (*path, k)))
    elif isinstance(value, (list, tuple)) and len(value) <= 16:
        for i, v in enumerate(value):
            out.extend(_parts(v, (*path, i)))
    return out


def _at(value: Any, path: tuple) -> Any:
    for key in path:
        try:
            value = value[key]
        except Exception:
            return _FAILED
    return value


def _reproduces(got: Any, out: Any, expected: Any) -> tuple | None:
    """The path where the mistake's output ``out`` explains ``got`` and ``expected``
    differs, or None.

    ``got`` may be the whole return value or one part of it: it matches when some part
    of ``out`` (at some path; ``()`` is the whole) equals ``got`` and the reference's part
    at the same path does not.
    """
    for path, part in _parts(out):
        if not close_enough(got, part):
            continue
        ref_part = _FAILED if expected is _FAILED else _at(expected, path)
        if ref_part is _FAILED or not close_enough(part, ref_part):
            return path
    return None


def diagnose_mistakes(
    function: str,
    args: tuple,
    kwargs: dict,
    got: Any,
    call: Callable[..., Any] | None = None,
    *,
    cache: dict[str, bool] | None = None,
) -> list[tuple[Mistake, str]]:
    """The catalogued mistakes of ``function`` that the evidence shows, each with its
    one-line explanation (see :func:`diagnose`, which returns the explanations only)."""
    if call is None:
        return []
    try:
        found = []
        for mistake, path in _reproducing(function, tuple(args or ()), dict(kwargs or {}), got):
            ok = cache.get(mistake.id) if cache is not None else None
            if ok is None:
                ok = confirmed(mistake, call)
                if cache is not None:
                    cache[mistake.id] = ok
            if ok:
                where = "".join(f"[{p!r}]" for p in path)
                found.append((mistake, f"(in the returned value{where}) {mistake.explanation}"
                              if path else mistake.explanation))
        return found
    except Exception:
        return []


def diagnose(
    function: str,
    args: tuple,
    kwargs: dict,
    got: Any,
    call: Callable[..., Any] | None = None,
    *,
    cache: dict[str, bool] | None = None,
) -> list[str]:
    """Explanations of the catalogued mistakes of ``function`` that the evidence shows.

    Args:
        function: the ``hw.py`` function that returned a wrong result.
        args, kwargs: the inputs it was called with (not modified: copies are used).
        got: what the submission returned.
        call: the submission's ``function`` (called on copies of probe inputs to confirm a
            mistake); None names nothing.
        cache: mistake id -> confirmed, kept by the caller for one submission (a
            confirmation does not depend on the failing input).

    Returns:
        The one-line explanations (catalog order) of every mistake whose own output on
        these inputs matches ``got``, differs from the reference's, and which ``call``
        reproduces on the mistake's distinguishing probes; ``[]`` if none, if the inputs
        are too large, or on any internal problem.
    """
    return [text for _, text in diagnose_mistakes(function, args, kwargs, got, call,
                                                  cache=cache)]


class MistakeRecorder:
    """The catalogued mistakes named in a test's feedback, as data.

    :func:`explain` records every diagnosis it makes (the hint's text and the ids of the
    mistakes it names). A test may make many (Hypothesis tries and shrinks examples) and
    show only the last one in its failure message, so the grading plugin asks, for the
    message a test finally shows, which recorded hints it contains
    (:meth:`shown_in`): those mistakes go into the test's ``extra_data["mistakes"]``.
    The plugin calls :meth:`reset` when a test starts (its setup), and :meth:`shown_in`
    with each failure message when the test's report is made.
    """

    #: at most this many distinct hints are kept per test (a hint names no input, so a
    #: test makes a handful at most)
    MAX_HINTS = 256

    def __init__(self) -> None:
        self._hints: dict[str, tuple[str, ...]] = {}

    def reset(self) -> None:
        """Forget what was recorded (a new test starts)."""
        self._hints.clear()

    def record(self, hint: str, mistake_ids: Sequence[str]) -> None:
        """Remember that ``hint`` (feedback text) names the mistakes ``mistake_ids``."""
        text = hint.strip()
        if not text or not mistake_ids:
            return
        if text not in self._hints and len(self._hints) >= self.MAX_HINTS:
            return
        known = self._hints.get(text, ())
        self._hints[text] = known + tuple(m for m in mistake_ids if m not in known)

    def recorded(self) -> list[str]:
        """The ids of every mistake recorded since the last :meth:`reset`, first seen first."""
        return _unique(m for ids in self._hints.values() for m in ids)

    def shown_in(self, message: str) -> list[str]:
        """The ids of the recorded mistakes whose hint appears in ``message`` (the text a
        test shows), first recorded first; ``[]`` when none does."""
        message = message or ""
        return _unique(m for text, ids in self._hints.items() if text in message for m in ids)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


#: the recorder :func:`explain` fills (one grade runs its tests one at a time)
RECORDER = MistakeRecorder()


#: how the feedback introduces a diagnosis
KNOWN_MISTAKE = "This matches a known mistake: "


def explain(
    function: str,
    args: tuple,
    kwargs: dict,
    got: Any,
    call: Callable[..., Any] | None = None,
    *,
    cache: dict[str, bool] | None = None,
) -> str:
    """``"\\nThis matches a known mistake: ..."`` for ``got``, or ``""`` (never raises).

    See :func:`diagnose`; without ``call`` (the submission's function, to confirm with)
    nothing is named. The mistakes named are recorded in :data:`RECORDER`.
    """
    try:
        found = diagnose_mistakes(function, copy.deepcopy(args), copy.deepcopy(kwargs), got,
                                  call, cache=cache)
    except Exception:  # a broken catalog entry must not hide the real failure
        return ""
    if not found:
        return ""
    hint = "\n" + KNOWN_MISTAKE + " ".join(str(text) for _, text in found)
    RECORDER.record(hint, [m.id for m, _ in found])
    return hint
