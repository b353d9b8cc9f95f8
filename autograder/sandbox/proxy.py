"""``SubmissionProxy``: the sandboxed worker made to look like the imported ``hw`` module."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from autograder.sandbox.errors import (
    MissingFunction,
    SandboxError,
    SubmissionImportError,
    SubmissionNotImported,
)
from autograder.sandbox.limits import WorkerStats

if TYPE_CHECKING:
    from autograder.sandbox.calls import Worker


class _RemoteFunction:
    """``hw.<name>``: calling it calls the submission in the worker."""

    def __init__(self, worker: Worker, name: str) -> None:
        self._worker = worker
        self.__name__ = name
        self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<submitted function hw.{self.__name__}>"


class SubmissionProxy:
    """Looks like the imported ``hw`` module; every call runs in the sandboxed worker."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    @property
    def worker(self) -> Worker:
        """The underlying :class:`Worker`."""
        return self._worker

    @property
    def import_error(self) -> SubmissionImportError | None:
        """``None``, or why hw.py could not be imported."""
        if not self._worker.alive and self._worker.import_error is None:
            with contextlib.suppress(SandboxError):
                self._worker.start()
        return self._worker.import_error

    @property
    def stats(self) -> WorkerStats:
        """Call, restart and timeout counters."""
        return self._worker.stats

    def output_tail(self) -> str:
        """What the submission printed so far (capped)."""
        return self._worker.output_tail()

    def call_with_timeout(
        self, function: str, args: tuple | list, kwargs: dict, timeout: float
    ) -> Any:
        """``hw.<function>(*args, **kwargs)`` with its own time limit (``timeout`` s)."""
        self._check_callable(function)
        return self._worker.call(function, args, kwargs, timeout=timeout)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self._check_callable(name)
        return _RemoteFunction(self._worker, name)

    def _check_callable(self, name: str) -> None:
        """Raise unless the submission was imported and defines the function ``name``."""
        err = self.import_error
        if err is not None:
            raise SubmissionNotImported(err)
        if name not in self._worker.functions:
            raise MissingFunction(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._worker.functions))

    def __repr__(self) -> str:
        return f"<sandboxed submission {self._worker.submission_file}>"
