"""How long one call into hw.py may take: relative to the reference solution (SPEC section 2).

A fixed number of seconds would make the grade depend on the machine: a correct but
loop-based submission that passes on an idle laptop would time out on Gradescope's
0.5 vCPU. So the limit of a call is measured, not fixed:

    limit = max(floor, factor x (time the reference solution takes for the same call))

where the reference's time is measured here, in the trusted grading process, on the same
machine and in the same grade (once per distinct call: the arguments are hashed), and
``floor`` (``call_timeout``, or the function's own entry of ``call_timeout_per_function``)
keeps tiny calls from getting tiny limits. ``factor`` and the floors are set in
``assignment.toml`` (``[limits]``). A submission that is slower than the limit allows is
told by how much (:meth:`CallLimit.explain`).
"""

from __future__ import annotations

import copy
import hashlib
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

#: Distinct calls whose reference time is remembered in one grade.
CACHE_SIZE = 4096


@dataclass(frozen=True)
class CallLimit:
    """The time limit of one call and how it was set."""

    seconds: float
    floor: float
    factor: float
    reference_seconds: float | None  # None: the reference was not (or could not be) timed

    def explain(self, function: str) -> str:
        """Why the limit is what it is, for a submission that exceeded it."""
        rule = (
            f"the limit is {self.factor:g} times the reference solution's time for the same "
            f"call, and at least {self.floor:g} s"
        )
        ref = self.reference_seconds
        if ref is None or ref <= 0:
            return f"({rule})"
        return (
            f"(the reference solution takes {_seconds(ref)} for this call, so {function}() "
            f"is more than {self.seconds / ref:,.0f} times slower; {rule})"
        )


def _seconds(value: float) -> str:
    return f"{value * 1000:.3g} ms" if value < 1 else f"{value:.3g} s"


def _digest(value: Any, h: Any) -> None:
    """Feed a canonical form of a call argument into the hash ``h``."""
    if isinstance(value, np.ndarray):
        h.update(b"A" + value.dtype.str.encode() + repr(value.shape).encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        h.update(b"D%d" % len(value))
        for key in sorted(value, key=repr):
            h.update(repr(key).encode())
            _digest(value[key], h)
    elif isinstance(value, (list, tuple)):
        h.update(b"L%d" % len(value))
        for item in value:
            _digest(item, h)
    elif callable(value) and hasattr(value, "params"):  # a testfuncs function
        h.update(b"F" + repr(getattr(value, "name", "")).encode())
        _digest(value.params, h)
    else:
        h.update(b"S" + type(value).__name__.encode() + repr(value).encode())


def call_key(function: str, args: tuple, kwargs: Mapping[str, Any]) -> str:
    """A digest of a call (function name and argument values)."""
    h = hashlib.sha256(function.encode() + b"\0")
    _digest(tuple(args), h)
    _digest(dict(kwargs), h)
    return h.hexdigest()


class CallLimits:
    """The time limits of one grade's calls (see the module docstring).

    ``reference`` is the solutions module (loaded on first use by ``load_reference``);
    ``clock`` measures its calls.
    """

    def __init__(
        self,
        load_reference: Callable[[], ModuleType],
        *,
        floor: float,
        factor: float,
        per_function_floor: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._load_reference = load_reference
        self.floor = floor
        self.factor = factor
        self.per_function_floor = dict(per_function_floor or {})
        self._clock = clock
        self._reference_seconds: dict[str, float | None] = {}

    def floor_of(self, function: str) -> float:
        """The least time any call of ``function`` gets."""
        return self.per_function_floor.get(function, self.floor)

    def reference_seconds(
        self, function: str, args: tuple, kwargs: Mapping[str, Any]
    ) -> float | None:
        """Seconds the reference solution takes for this call (None if it cannot run it)."""
        key = call_key(function, args, kwargs)
        if key in self._reference_seconds:
            return self._reference_seconds[key]
        seconds = self._time_reference(function, args, kwargs)
        if len(self._reference_seconds) < CACHE_SIZE:
            self._reference_seconds[key] = seconds
        return seconds

    def _time_reference(
        self, function: str, args: tuple, kwargs: Mapping[str, Any]
    ) -> float | None:
        try:
            implementation = getattr(self._load_reference(), function)
            # copies: the caller's arguments go to the submission next, untouched
            args_copy, kwargs_copy = copy.deepcopy((tuple(args), dict(kwargs)))
        except Exception:  # no reference for this function (or uncopyable arguments)
            return None
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            start = self._clock()
            try:
                implementation(*args_copy, **kwargs_copy)
            except Exception:  # an input the reference rejects: the floor applies
                return None
            return self._clock() - start

    def limit(self, function: str, args: tuple, kwargs: Mapping[str, Any]) -> CallLimit:
        """The time limit of ``function(*args, **kwargs)``."""
        floor = self.floor_of(function)
        ref = self.reference_seconds(function, args, kwargs)
        seconds = floor if ref is None else max(floor, self.factor * ref)
        return CallLimit(seconds=seconds, floor=floor, factor=self.factor, reference_seconds=ref)
