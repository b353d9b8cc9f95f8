"""The limits of one worker and its counters (``autograder/assignment.toml`` sets them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Limits:
    """Resource limits of one worker (``autograder/assignment.toml`` sets them)."""

    call_timeout_s: float = 10.0
    #: per-function call timeouts that replace ``call_timeout_s`` (e.g. a training loop)
    function_timeouts: dict[str, float] = field(default_factory=dict)
    memory_mb: int = 512
    cpu_s: int = 600
    max_processes: int = 64
    max_file_mb: int = 16
    max_output_kb: int = 64
    #: the worker's disk: its tmp holds at most this many MB and ``max_files`` entries (a
    #: tmpfs where a mount namespace exists, else a folder the launcher watches)
    tmp_mb: int = 64
    max_files: int = 256
    import_timeout_s: float = 30.0
    #: the worker's own start (interpreter, NumPy, namespaces) before it imports hw.py: no
    #: student code runs yet, so a slow or busy machine must not become an engine error
    start_timeout_s: float = 120.0
    max_message_mb: int = 16  # a reply: any right answer is far smaller; bounds the grader


@dataclass
class WorkerStats:
    """Counters for reports."""

    calls: int = 0
    restarts: int = 0
    timeouts: int = 0
    crashes: int = 0
    starts: int = 0
    start_seconds: list[float] = field(default_factory=list)
