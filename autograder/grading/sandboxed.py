"""The sandboxed worker of one grade: the assignment's ``[limits]`` turned into the
sandbox's :class:`~autograder.sandbox.Limits`, the worker started, its proxy handed to the
grading plugin (the plugin's default ``proxy_factory``)."""

from __future__ import annotations

import math
from pathlib import Path

from autograder import paths
from autograder.config import AssignmentConfig
from autograder.sandbox import Limits, SubmissionProxy, Worker


def sandbox_limits(config: AssignmentConfig) -> Limits:
    """The worker's limits for a grade by ``config``."""
    lim = config.limits
    return Limits(
        call_timeout_s=lim.call_timeout,
        function_timeouts=dict(lim.call_timeout_per_function),
        memory_mb=lim.memory_mb,
        cpu_s=max(1, math.ceil(lim.time_budget)),
        max_processes=lim.max_processes,
        max_output_kb=lim.output_cap_kb,
        import_timeout_s=min(30.0, lim.time_budget),
    )


def start_sandboxed(submission: Path, config: AssignmentConfig) -> SubmissionProxy:
    """Start the sandboxed worker for ``submission``; return its ``SubmissionProxy``."""
    support = [p for p in (paths.STUDENT_TESTS / "testfuncs.py",) if p.is_file()]
    worker = Worker(submission, support_files=support, limits=sandbox_limits(config))
    try:
        worker.start()
    except BaseException:
        worker.close()
        raise
    return SubmissionProxy(worker)
