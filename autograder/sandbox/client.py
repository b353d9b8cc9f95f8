"""The trusted side of the sandbox, in one import (the public API is :mod:`autograder.sandbox`).

``Worker`` owns one worker process for one submission; ``SubmissionProxy`` makes it look
like the imported module::

    with Worker(Path("hw.py"), [Path("student/tests/testfuncs.py")], Limits()) as w:
        hw = SubmissionProxy(w)
        s = hw.softmax(np.zeros((2, 3)), axis=0)

Split by job: :mod:`.limits` (``Limits``, ``WorkerStats``), :mod:`.process` (starting,
limiting and killing the worker: jail, launch spec, launcher report, isolation),
:mod:`.calls` (the call protocol: ``Worker``), :mod:`.mirror` (in-place writes copied
back), :mod:`.proxy` (``SubmissionProxy``), :mod:`.output` (captured output).
"""

from __future__ import annotations

from autograder.sandbox.calls import Worker
from autograder.sandbox.errors import SandboxError, SubmissionError
from autograder.sandbox.limits import Limits, WorkerStats
from autograder.sandbox.mirror import copy_into, mirror_mutations
from autograder.sandbox.output import OutputCapture
from autograder.sandbox.proxy import SubmissionProxy

__all__ = [
    "Limits",
    "OutputCapture",
    "SandboxError",
    "SubmissionError",
    "SubmissionProxy",
    "Worker",
    "WorkerStats",
    "copy_into",
    "mirror_mutations",
]
