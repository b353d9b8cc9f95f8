"""The sandbox: run an untrusted ``hw.py`` in a separate, limited worker process.

Trusted: :mod:`.client` (``Worker``, ``SubmissionProxy``, ``Limits``), :mod:`.jail`,
:mod:`.errors`. Untrusted side: :mod:`.worker` (imports only stdlib, NumPy, ``wire``,
``testfuncs``). Both: :mod:`.wire`.
"""

from autograder.sandbox.client import Limits, SandboxError, SubmissionProxy, Worker, WorkerStats
from autograder.sandbox.errors import (
    BadReturnValue,
    IsolationUnavailable,
    MissingFunction,
    NotImplementedBySubmission,
    SubmissionError,
    SubmissionImportError,
    SubmissionMemoryError,
    SubmissionNotImported,
    SubmissionRaised,
    SubmissionTimeout,
    WorkerCrashed,
)

__all__ = [
    "BadReturnValue",
    "IsolationUnavailable",
    "Limits",
    "MissingFunction",
    "NotImplementedBySubmission",
    "SandboxError",
    "SubmissionError",
    "SubmissionImportError",
    "SubmissionMemoryError",
    "SubmissionNotImported",
    "SubmissionProxy",
    "SubmissionRaised",
    "SubmissionTimeout",
    "Worker",
    "WorkerCrashed",
    "WorkerStats",
]
