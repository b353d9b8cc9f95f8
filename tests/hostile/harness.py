"""Grade a hostile (or broken) submission and judge whether the trust model held.

:func:`run_payload` renders a payload (``payloads.py``), grades it in-process
(``grade_submission``) or end to end (``python -m autograder run``), and :func:`assess`
lists every way the grade went wrong: too slow, invalid or overwritten results.json, a
non-zero score, solution or hidden-test lines in any output, changed grader files,
files the submission managed to create, processes that outlived the grade, or a missing
student-readable message. An empty list means "contained".

Small limits keep it fast: :func:`small_config` (1 s per call, 512 MB, 40 s budget, 4
Hypothesis examples). The hard-coded 30 s import timeout of the sandbox is not in the
configuration; :func:`recording_workers` lowers it (and records each worker's uid and
private directory, for the leftover-process check).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.config import AssignmentConfig, HypothesisConfig, load_config
from autograder.grading.results import per_test_records

from .payloads import Context, Payload, write_submission

ROOT = paths.ROOT
#: The dedicated uids of the jail (autograder/sandbox/jail.py).
SANDBOX_UIDS = range(61000, 62000)
#: What the grader protects (hashed before and after every hostile grade).
PROTECTED = ("solutions", "autograder", "student")
TEST_FIELDS = {"name", "score", "max_score", "status", "visibility", "output", "tags", "extra_data"}
#: Seconds a grade may exceed the configured time budget (start-up, collection, teardown).
SLACK = 8.0

LIMITS = {
    "call_timeout": 1.0,
    "time_budget": 40.0,
    "memory_mb": 512,
    "max_processes": 32,
    "output_cap_kb": 64,
}
MAX_EXAMPLES = 4
#: Characters that drive a terminal (ESC, BEL, CSI): never from hw.py onto the console.
CONTROL = ("\x1b", "\x07", "\x9b")
IMPORT_TIMEOUT = 4.0


# ----------------------------------------------------------------------------- config


def small_config(**limits: Any) -> AssignmentConfig:
    """The packaged configuration with small limits (``limits`` override :data:`LIMITS`)."""
    cfg = load_config()
    values = {**LIMITS, **limits}
    per_function = tuple(  # no function gets more than the small call timeout
        (name, min(seconds, values["call_timeout"]))
        for name, seconds in cfg.limits.call_timeout_per_function
    )
    lim = dataclasses.replace(cfg.limits, **values, call_timeout_per_function=per_function)
    hyp = HypothesisConfig(MAX_EXAMPLES, (), ())
    return dataclasses.replace(cfg, limits=lim, hypothesis=hyp)


def small_config_file(dest: Path, **limits: Any) -> Path:
    """``assignment.toml`` with the small limits, for the CLI's ``--config``."""
    text = paths.ASSIGNMENT_TOML.read_text(encoding="utf-8")
    values = {**LIMITS, **limits}
    for key, value in values.items():
        text, n = re.subn(rf"(?m)^{key}\s*=\s*[^#\n]*", f"{key} = {value} ", text)
        if n != 1:
            raise ValueError(f"assignment.toml has no single {key} line")
    lines, section = [], ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line
        elif section.startswith("[hypothesis"):  # every example count capped
            line = re.sub(r"=\s*(\d+)", lambda m: f"= {min(int(m[1]), MAX_EXAMPLES)}", line)
        elif section.startswith("[limits.call_timeout_per_function]"):  # every call timeout
            line = re.sub(r"=\s*([\d.]+)",
                          lambda m: f"= {min(float(m[1]), values['call_timeout'])}", line)
        lines.append(line)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_config(dest)
    if loaded.limits.call_timeout != values["call_timeout"]:
        raise ValueError("the small configuration did not take effect")
    return dest


# ----------------------------------------------------------------------------- the grader's files


def tree_digest(root: Path = ROOT) -> dict[str, str]:
    """sha256 of every file under the protected folders (``__pycache__`` aside)."""
    out: dict[str, str] = {}
    for top in PROTECTED:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for name in filenames:
                p = Path(dirpath) / name
                with contextlib.suppress(OSError):
                    out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def foreign_files(root: Path = ROOT) -> list[str]:
    """Files or folders under the protected folders owned by a sandbox uid."""
    found = []
    for top in PROTECTED:
        for dirpath, dirnames, filenames in os.walk(root / top):
            for name in dirnames + filenames:
                p = Path(dirpath) / name
                with contextlib.suppress(OSError):
                    if p.lstat().st_uid in SANDBOX_UIDS:
                        found.append(str(p.relative_to(root)))
    return found


def marked_in_state_dir(marker: str) -> list[str]:
    """Paths under the sandbox's state dir (runtime copies, private dirs) named with
    ``marker``: what a submission planted there would outlive its grade."""
    from autograder.sandbox.jail import STATE_DIR

    found = []
    for dirpath, dirnames, filenames in os.walk(STATE_DIR):
        found += [os.path.join(dirpath, n) for n in dirnames + filenames if marker in n]
    return found


#: World-writable folders of the host: a payload's files there (named with its marker)
#: mean the sandbox let it write outside its own tmp.
SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def marked_in_shared_dirs(marker: str, remove: bool = True) -> list[str]:
    """Files named with ``marker`` directly in :data:`SHARED_DIRS` (removed after)."""
    found = []
    for top in SHARED_DIRS:
        with contextlib.suppress(OSError):
            for entry in os.scandir(top):
                if marker in entry.name:
                    found.append(entry.path)
                    if remove:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
    return found


def digest_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Paths added, removed or changed between two :func:`tree_digest` results."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# ----------------------------------------------------------------------------- secrets


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                doc = body[0]
                if isinstance(doc.value.value, str):
                    lines.update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    return lines


def _stripped(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]


@functools.lru_cache(maxsize=1)
def secret_lines(min_length: int = 24) -> frozenset[str]:
    """Distinctive lines of ``solutions/hw.py`` and the hidden tests.

    A line is distinctive when it has ``min_length`` characters or more (stripped) and
    appears in no public file (the stubs, the public tests, the handout), not even as a
    part of a line. Docstrings of
    the hidden tests are left out: their first lines are the test names results.json shows.
    """
    public: set[str] = set()
    corpus = []
    for p in [paths.STUDENT_HW, *paths.STUDENT_TESTS.glob("*.py"), *paths.STUDENT_DIR.glob("*")]:
        if p.is_file() and p.suffix in (".py", ".md", ".txt"):
            public.update(_stripped(p))
            corpus.append(p.read_text(encoding="utf-8"))
    public_text = "\n".join(corpus)
    secret: set[str] = set()
    for ln in _stripped(paths.SOLUTIONS_HW):
        if len(ln) >= min_length and ln not in public:
            secret.add(ln)
    for p in sorted(paths.HIDDEN_TESTS.glob("*.py")):
        text = p.read_text(encoding="utf-8")
        skip = _docstring_lines(ast.parse(text))
        for i, raw in enumerate(text.splitlines(), 1):
            ln = raw.strip()
            if i not in skip and len(ln) >= min_length and ln not in public:
                secret.add(ln)
    return frozenset(ln for ln in secret if ln not in public_text)


def leaked(text: str, allowed: str = "") -> list[str]:
    """Secret lines found in ``text`` (lines also in ``allowed``, the submission, aside)."""
    mine = {ln.strip() for ln in allowed.splitlines()}
    return sorted(ln for ln in secret_lines() if ln in text and ln not in mine)


# ----------------------------------------------------------------------------- processes


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def submission_processes(
    markers: list[str], uid: int | None = None, private: str | None = None
) -> list[str]:
    """Live processes carrying a marker (in their name or command line), or running as
    ``uid`` from the worker's private folder ``private``: ``"pid comm"`` strings.

    Every submission process is named by the prologue (``prctl(PR_SET_NAME)``, inherited
    by forks); the worker's command line holds its private folder."""
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        stat = _read(f"/proc/{entry}/stat").decode("ascii", "replace")
        if not stat or stat[stat.rfind(")") + 2 :].split()[:1] == ["Z"]:
            continue
        comm = _read(f"/proc/{entry}/comm").decode("utf-8", "replace").strip()
        blob = comm.encode() + b"\0" + _read(f"/proc/{entry}/cmdline")
        hit = any(m.encode() in blob for m in markers if m)
        if not hit and uid is not None and private:
            with contextlib.suppress(OSError):
                hit = os.stat(f"/proc/{entry}").st_uid == uid and private.encode() in blob
        if hit:
            found.append(f"{entry} {comm}")
    return found


def wait_for_no_processes(markers: list[str], uid: int | None, private: str | None,
                          grace: float) -> list[str]:
    """Poll until no submission process is left or ``grace`` seconds passed."""
    end = time.monotonic() + grace
    while True:
        left = submission_processes(markers, uid, private)
        if not left or time.monotonic() >= end:
            return left
        time.sleep(0.1)


@dataclass
class WorkerRecord:
    """What a sandbox worker looked like (recorded before it was closed)."""

    uid: int | None
    private: str | None
    mode: str


@contextlib.contextmanager
def recording_workers(
    import_timeout: float = IMPORT_TIMEOUT, jail: bool | None = None
) -> Iterator[list[WorkerRecord]]:
    """Record the workers started in this process; lower the sandbox's import timeout.

    Patches ``autograder.sandbox.Worker`` / ``Limits`` (what the grading plugin uses) and
    restores them afterwards. ``jail=False`` turns the jail off (to prove that the checks
    notice a sandbox that does not isolate; only for payloads that merely read).
    """
    import autograder.sandbox as sandbox

    records: list[WorkerRecord] = []
    real_worker, real_limits = sandbox.Worker, sandbox.Limits

    class Recording(real_worker):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # as root the jail is what is under test: AUTOGRADER_NO_JAIL must not turn it off
            kwargs["jail"] = jail if jail is not None else os.geteuid() == 0
            super().__init__(*args, **kwargs)

        def _spawn(self) -> None:
            super()._spawn()
            jail = getattr(self, "_jail", None)
            iso = self.isolation
            private = str(getattr(jail, "private", "") or getattr(self, "_private", "") or "")
            rec = WorkerRecord(iso.get("uid"), Path(private).name or None, iso.get("mode", "?"))
            if rec not in records:
                records.append(rec)

    def short_import_limits(*args: Any, **kwargs: Any) -> Any:
        # forced: the grading plugin passes its own import_timeout_s, which a
        # functools.partial default would not override
        kwargs["import_timeout_s"] = import_timeout
        return real_limits(*args, **kwargs)

    # the grading layer binds the names at its import (autograder.grading.sandboxed): patch
    # them there too, or a grade in a process that imported it before records nothing
    import autograder.grading.sandboxed as sandboxed

    bound = sandboxed.Worker, sandboxed.Limits
    sandbox.Worker = sandboxed.Worker = Recording
    sandbox.Limits = sandboxed.Limits = short_import_limits
    try:
        yield records
    finally:
        sandbox.Worker, sandbox.Limits = real_worker, real_limits
        sandboxed.Worker, sandboxed.Limits = bound


# ----------------------------------------------------------------------------- fds


@contextlib.contextmanager
def captured_fds(folder: Path) -> Iterator[dict[str, str]]:
    """Send fds 1 and 2 to files while the block runs; the dict gets their text after."""
    out: dict[str, str] = {}
    files = {1: folder / "stdout.txt", 2: folder / "stderr.txt"}
    saved = {}
    for fd in (1, 2):
        with contextlib.suppress(Exception):
            (sys.stdout if fd == 1 else sys.stderr).flush()
        saved[fd] = os.dup(fd)
        target = os.open(files[fd], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    try:
        yield out
    finally:
        for fd in (1, 2):
            with contextlib.suppress(Exception):
                (sys.stdout if fd == 1 else sys.stderr).flush()
            os.dup2(saved[fd], fd)
            os.close(saved[fd])
        out["stdout"] = files[1].read_text(errors="replace")
        out["stderr"] = files[2].read_text(errors="replace")


# ----------------------------------------------------------------------------- network


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that records what connecting clients send."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                with contextlib.suppress(OSError):
                    self.received.append(conn.recv(4096) or b"<connected>")

    def close(self) -> None:
        """Stop accepting."""
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def free_port() -> int:
    """A loopback port nobody listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_answers(port: int) -> bytes | None:
    """What a server on 127.0.0.1:``port`` says, or None when nothing listens."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.settimeout(0.5)
            try:
                return s.recv(100) or b"<connected>"
            except OSError:
                return b"<connected>"
    except OSError:
        return None


# ----------------------------------------------------------------------------- results


def schema_problems(data: Any, total: float | None) -> list[str]:
    """Ways ``data`` breaks results.json (SPEC section 4); [] when valid."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["results.json is not an object"]
    missing = {"score", "execution_time", "output", "tests"} - set(data)
    if missing:
        return [f"results.json lacks {sorted(missing)}"]
    for test in data["tests"]:
        if set(test) != TEST_FIELDS:
            problems.append(f"test entry keys {sorted(test)}")
            break
        if test["status"] not in ("passed", "failed") or not test["tags"]:
            problems.append(f"bad status/tags in {test['name']!r}")
        if not 0 <= test["score"] <= test["max_score"] + 1e-9:
            problems.append(f"score out of range in {test['name']!r}")
    if not math.isclose(data["score"], sum(t["score"] for t in data["tests"]), abs_tol=1e-6):
        problems.append("top-level score is not the sum of the test scores")
    if total is not None:
        got = sum(t["max_score"] for t in data["tests"])
        if not math.isclose(got, total, abs_tol=1e-6):
            problems.append(f"max scores add up to {got:g}, expected {total:g}")
    try:
        json.dumps(data, allow_nan=False)
    except ValueError as exc:
        problems.append(f"not JSON: {exc}")
    return problems


def expected_total(config: AssignmentConfig, functions: tuple[str, ...] | None) -> float:
    """The maximum score of a grade of ``functions`` (all: 100)."""
    names = config.functions if functions is None else functions
    return math.fsum(config.points(f) for f in names)


# ----------------------------------------------------------------------------- one grade


def clean_env() -> dict[str, str]:
    """This environment minus what would change how a child grader runs (pytest's
    variables, ``AUTOGRADER_NO_JAIL``: the jail is what these tests are about)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "AUTOGRADER_NO_JAIL"
    }


@dataclass
class Outcome:
    """A graded hostile submission and the verdict."""

    payload: str
    results: dict[str, Any]
    seconds: float
    source: str = ""
    file_text: str = ""
    stdout: str = ""
    stderr: str = ""
    mode: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def contained(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def text(self) -> str:
        """Everything the grade produced that a student or instructor might see."""
        return "\n".join([json.dumps(self.results), self.file_text, self.stdout, self.stderr])

    def outputs(self) -> str:
        """The test outputs and the top-level output of results.json."""
        parts = [str(self.results.get("output", ""))]
        parts += [str(t.get("output", "")) for t in per_test_records(self.results)]
        return "\n".join(parts)


def busy_factor() -> float:
    """How many times busier than idle the machine is: runnable processes per core (the
    1-minute load average), at least 1."""
    return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


def run_payload(
    payload: Payload,
    base: Path,
    *,
    cli: bool | None = None,
    limits: dict[str, Any] | None = None,
    jail: bool | None = None,
    as_user: Any = None,
) -> Outcome:
    """Grade ``payload`` in ``base`` (a fresh folder) and assess it (see :func:`assess`).

    ``cli``: through ``python -m autograder run`` (default: ``payload.cli``; it keeps the
    sandbox's own 30 s import timeout); ``limits``: overrides of :data:`LIMITS`; ``jail``:
    see :func:`recording_workers` (in-process grades only); ``as_user``: a
    :class:`unprivileged.FreshUser` that runs the CLI (then the ``userns`` jail: ``base``
    must be a folder that user can reach; its folders become the user's, so that an
    unjailed submission could write them).
    """
    cli = (payload.cli if cli is None else cli) or as_user is not None
    limits = {**payload.limits, **(limits or {})}
    config = small_config(**limits)
    base.mkdir(parents=True, exist_ok=True)
    for sub in ("sub", "out", "trap", "cwd"):
        (base / sub).mkdir(exist_ok=True)
    if as_user is not None:
        import unprivileged

        unprivileged.give(as_user, base)
    results_path = base / "out" / "results.json"
    marker = f"h7m{os.getpid() % 1000:03d}{int(time.time() * 1000) % 10**7:07d}"
    listener = LoopbackListener()
    ctx = Context(
        marker=marker,
        trap=base / "trap",
        results=results_path,
        port=listener.port,
        port2=free_port(),
        grader_uid=os.getuid() if as_user is None else as_user.uid,
    )
    hw = write_submission(payload, ctx, base / "sub")
    source = hw.read_text(encoding="utf-8")
    before = tree_digest()
    records: list[WorkerRecord] = []
    t0 = time.monotonic()
    try:
        if cli:
            toml = small_config_file(base / "assignment.toml", **limits)
            results, stdout, stderr, code = _grade_cli(hw, results_path, payload, base, toml,
                                                       as_user)
        else:
            with recording_workers(jail=jail) as records, captured_fds(base) as fds:
                from autograder.grading.runner import grade_submission

                results = grade_submission(hw, results_path, config, _functions(payload))
            stdout, stderr, code = fds["stdout"], fds["stderr"], 0
        seconds = time.monotonic() - t0
        outcome = Outcome(payload.name, results, seconds, source, stdout=stdout, stderr=stderr)
        if code != 0:
            outcome.problems.append(f"the CLI exited with status {code}")
        if records:
            outcome.mode = records[0].mode
        # late writers get their lifetime (plus a margin) before anything is judged
        wait = payload.lifetime + 1.0 - (time.monotonic() - t0)
        if wait > 0:
            time.sleep(wait)
        assess(outcome, payload, ctx, config, results_path, before, records, listener)
    finally:
        listener.close()
    return outcome


def _functions(payload: Payload) -> list[str] | None:
    return None if payload.functions is None else list(payload.functions)


def _grade_cli(
    hw: Path, results_path: Path, payload: Payload, base: Path, toml: Path, as_user: Any = None
) -> tuple[dict[str, Any], str, str, int]:
    config = load_config(toml)
    cmd = [sys.executable, "-m", "autograder", "run", str(hw), "--results", str(results_path),
           "--config", str(toml)]
    if payload.functions is not None:
        cmd += ["--functions", ",".join(payload.functions)]
    timeout = config.limits.time_budget + 120
    if as_user is not None:
        import unprivileged

        proc = unprivileged.run_as(as_user, cmd, cwd=base / "cwd", timeout=timeout)
    else:
        proc = subprocess.run(cmd, cwd=base / "cwd", capture_output=True, text=True,
                              errors="replace", timeout=timeout, env=clean_env())
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {}
    return results, proc.stdout, proc.stderr, proc.returncode


def assess(
    outcome: Outcome,
    payload: Payload,
    ctx: Context,
    config: AssignmentConfig,
    results_path: Path,
    before: dict[str, str],
    records: list[WorkerRecord],
    listener: LoopbackListener | None = None,
) -> None:
    """Fill ``outcome.problems`` (the trust model broke) and ``outcome.notes`` (facts)."""
    p = outcome.problems
    # The budget is judged from the grader's own record (results.json's execution_time:
    # the grade's time budget as it counted it, the worker's end included), never from
    # this test's wall clock, which a loaded machine stretches (start-up, collection). The
    # slack after the budget (stopping and reaping the worker) grows with the machine's
    # load: a CI box at 20 runnable processes per core took 10 s more than the budget.
    budget = config.limits.time_budget + SLACK * busy_factor()
    recorded = float(outcome.results.get("execution_time", 0.0) or 0.0)
    if recorded > budget:
        p.append(f"the grader recorded {recorded:.1f} s for the grade (budget {budget:g} s)")
    if outcome.seconds > budget:
        outcome.notes.append(f"the wall clock read {outcome.seconds:.1f} s (a busy machine?)")
    total = expected_total(config, payload.functions)
    p += schema_problems(outcome.results, total)
    try:
        outcome.file_text = results_path.read_text(encoding="utf-8")
        if json.loads(outcome.file_text) != outcome.results:
            p.append("results.json on disk differs from the grade (overwritten?)")
    except (OSError, ValueError) as exc:
        p.append(f"results.json unreadable after the grade: {exc}")
    score = outcome.results.get("score")
    if score != 0:
        p.append(f"score {score!r}, expected 0")
    text = outcome.text()
    secrets = leaked(text, allowed=outcome.source)
    if secrets:
        p.append(f"{len(secrets)} solution/hidden-test line(s) in the output, e.g. {secrets[0]!r}")
    if f"{ctx.marker}-UNSANDBOXED" in text:
        p.append("hw.py ran with the grader's own uid")
    changed = digest_changes(before, tree_digest())
    marked = [c for c in changed if ctx.marker.encode() in _read(str(ROOT / c))]
    if marked:
        p.append(f"grader files changed by the submission: {marked[:5]}")
    elif changed:  # every payload write carries the marker: these are someone else's edits
        outcome.notes.append(f"grader files changed during the grade, not by it: {changed[:5]}")
    foreign = foreign_files()
    if foreign:
        p.append(f"files owned by a sandbox uid in the project: {foreign[:5]}")
    planted = marked_in_state_dir(ctx.marker)
    if planted:
        p.append(f"files of the submission persist in the sandbox's state dir: {planted[:3]}")
    shared = marked_in_shared_dirs(ctx.marker)
    if shared:
        p.append(f"the submission wrote into the host's shared folders: {shared[:3]}")
    trapped = sorted(x.name for x in ctx.trap.iterdir())
    if trapped:
        p.append(f"the submission wrote into the test's folder: {trapped}")
    uid = records[0].uid if records else None
    private = records[0].private if records else None
    if payload.holds and recorded >= payload.holds:
        p.append(f"the grade waited for the payload: the grader recorded {recorded:.1f} s "
                 f"(it holds on for {payload.holds:g} s)")
    # a payload that holds on must be gone as soon as the grade is: far too soon to have
    # ended by itself (its hold is much longer than this grace, and a payload's lifetime
    # has passed already; 10 s: reaping is slow on a busy machine)
    grace = 10.0
    left = wait_for_no_processes([ctx.comm, ctx.marker], uid, private, grace=grace)
    if left:
        p.append(f"processes outlived the grade: {left[:5]}")
    if listener is not None and listener.received:
        p.append(f"the submission reached a loopback listener: {listener.received[:2]!r}")
    answer = port_answers(ctx.port2)
    if answer is not None and ctx.marker.encode() in answer:
        p.append(f"a server of the submission still answers on port {ctx.port2}")
    if payload.expect and not re.search(payload.expect, outcome.outputs(), re.S):
        p.append(f"no test output matches {payload.expect!r}")
    elif payload.expect and payload.every:
        graded = [t for t in per_test_records(outcome.results) if t["tags"][0] != "submission"]
        odd = [t for t in graded if not re.search(payload.expect, t["output"], re.S)]
        if odd:
            p.append(f"{len(odd)}/{len(graded)} tests say something else than "
                     f"{payload.expect!r}, e.g. {odd[0]['output'][:200]!r}")
    control = [c for c in CONTROL if c in outcome.stdout + outcome.stderr]
    if control:
        p.append(f"terminal control characters {control} from hw.py reach the CLI's output")
    size = len(outcome.file_text)
    outcome.notes.append(f"results.json {size // 1024} KB")
    if size > 2 * 2**20:
        p.append(f"results.json is {size // 2**20} MB")
