"""The trust model (SPEC section 5) against hostile submissions, for real.

Every payload of ``tests/hostile/payloads.py`` (the stubs plus one attack) is graded, a few
end to end through ``python -m autograder run``, the rest with ``grade_submission``, and
``tests/hostile/harness.py`` checks: the grade finishes within its budget, results.json is
valid and not overwritten, the score is 0, no solution or hidden-test line appears in any
output, the grader's files are unchanged, nothing was written into the test's folder, no
process of the submission outlives the grade, and the students get a readable message.

Then the faults: a worker killed mid-test is restarted and the rest is graded; an
exhausted time budget reports the tests not run; an engine failure still writes
results.json; attacks graded by one long-lived grading server (``autograder grade``) do
not reach the submission graded after them. And the checks themselves are checked (a
sandbox without the jail leaks, and the harness says so).

Root only: the jail and the dedicated uid exist only then (CI runs as root). As another
user the worker runs unisolated as that user (a documented limitation), and these
payloads would then really read the solutions.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hostile.harness import (
    SANDBOX_UIDS,
    SLACK,
    clean_env,
    leaked,
    recording_workers,
    run_payload,
    schema_problems,
    secret_lines,
    small_config,
    small_config_file,
    submission_processes,
)
from hostile.payloads import (
    BY_NAME,
    LEAK_PROBE,
    PAYLOADS,
    PROLOGUE,
    STUB,
    WHOAMI,
    Context,
    write_submission,
)
from results_helpers import strip_timings

from autograder import paths
from autograder.classroom import graders
from autograder.grading import runner
from autograder.grading.results import is_engine_failure, per_test_records
from autograder.grading.runner import grade_submission
from autograder.sandbox import Limits, SubmissionProxy, Worker

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="the jail and the dedicated uid under test exist only when the grader is root",
)

@pytest.fixture(autouse=True)
def _jail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The jail is what is under test: a debugging switch in the environment must not
    turn it off (and hostile code must never run unjailed as root)."""
    monkeypatch.delenv("AUTOGRADER_NO_JAIL", raising=False)


CORRECT_RELU = """

def relu(x):
    import numpy as np
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)
"""

SUICIDAL_SOFTMAX = """

def softmax(z, axis=-1):
    import os
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
"""

SLOW_SOFTMAX = """

def softmax(z, axis=-1):
    import time

    import numpy as np
    time.sleep(0.8)  # slow, under the call time limit of the test that uses it
    return np.zeros(np.shape(z))
"""

SLEEPING_SOFTMAX = """

def softmax(z, axis=-1):
    import time
    time.sleep(60.0)
"""


def _printable(text: str) -> str:
    """``text`` with terminal control characters shown as escapes (hw.py wrote them)."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: ascii(m.group())[1:-1], text)


def _stubs_plus(*snippets: str) -> str:
    return STUB.read_text(encoding="utf-8") + "".join(snippets)


def _by_function(results: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for test in per_test_records(results):
        out.setdefault(test["tags"][0], []).append(test)
    return out


# ----------------------------------------------------------------------------- the attacks


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.name for p in PAYLOADS])
def test_attack_is_contained(payload, tmp_path: Path) -> None:
    outcome = run_payload(payload, tmp_path)
    assert outcome.problems == [], (
        f"{payload.name} ({payload.summary}) was NOT contained:\n- "
        + "\n- ".join(outcome.problems)
        + f"\n\ntest outputs (start):\n{_printable(outcome.outputs()[:1500])}"
    )
    if not payload.cli:
        assert outcome.mode == "chroot", f"the worker ran in mode {outcome.mode!r}"


@pytest.mark.parametrize("how", ["autograder run", "no PID namespace"])
def test_a_submission_that_stops_its_killer_does_not_hold_up_the_grade(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A setsid'd child stops every process of its uid for 60 s (``kill(-1, SIGSTOP)``):
    the grade ends long before, with nothing of it left, end to end through the CLI, and
    without a PID namespace (a container without ``CAP_SYS_ADMIN``: then root freezes
    and kills the uid's processes by pid from outside)."""
    if how == "no PID namespace":  # none at all, as in a container without CAP_SYS_ADMIN
        monkeypatch.setattr(Worker, "root_namespaces", ())
    outcome = run_payload(BY_NAME["freeze_killer"], tmp_path, cli=how == "autograder run")
    assert outcome.problems == [], outcome.problems
    if how == "no PID namespace":
        assert outcome.mode == "chroot"


def test_an_endless_import_stays_within_a_short_time_budget(tmp_path: Path) -> None:
    """End to end, with the sandbox's own import timeout: a 10 s budget must hold. Judged
    from the grader's record: the import stopped at the budget, no call was made after it
    (and the recorded time is within the budget: the harness)."""
    outcome = run_payload(BY_NAME["import_sleep"], tmp_path, cli=True,
                          limits={"time_budget": 10.0})
    assert outcome.problems == [], outcome.problems
    stopped = re.search(r"importing it took more than ([\d.]+) s", outcome.outputs())
    assert stopped and float(stopped[1]) <= 10.0, outcome.outputs()[:500]
    worker = outcome.results["extra_data"]["worker"]
    assert (worker["starts"], worker["calls"]) == (1, 0), worker


# ----------------------------------------------------------------------------- the forms


def _symlinked_file(tmp: Path) -> Path:
    (tmp / "sub").mkdir()
    link = tmp / "sub" / "hw.py"
    link.symlink_to(runner.paths.SOLUTIONS_HW)
    return link


def _symlinked_folder(tmp: Path) -> Path:
    return _symlinked_file(tmp).parent


def _zip_with(tmp: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    path = tmp / "submission.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _zip_symlink(tmp: Path) -> Path:
    info = zipfile.ZipInfo("hw.py")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip_with(tmp, [(info, str(runner.paths.SOLUTIONS_HW).encode())])


def _zip_slip(tmp: Path) -> Path:
    stub = STUB.read_bytes()
    return _zip_with(tmp, [("hw.py", stub), ("../../trap/evil.py", b"# escaped\n"),
                           (f"{tmp}/trap/abs.py", b"# absolute\n")])


def _zip_bomb(tmp: Path) -> Path:
    return _zip_with(tmp, [("hw.py", STUB.read_bytes() + b"#" * (64 * 2**20))])


FORMS = {
    "symlink_to_solutions": (_symlinked_file, r"symlink|link"),
    "folder_with_symlinked_hw": (_symlinked_folder, r"hw\.py in .* is a symbolic link"),
    "zip_symlink_member": (_zip_symlink, r"unsafe entry"),
    "zip_slip": (_zip_slip, r"unsafe entry"),
    "zip_bomb": (_zip_bomb, r"too large"),
}


@pytest.mark.parametrize("form", FORMS)
def test_submission_form_attacks(form: str, tmp_path: Path) -> None:
    """Symlinks to the solutions, zip links, zip slip, zip bomb: refused, nothing leaks."""
    make, message = FORMS[form]
    (tmp_path / "trap").mkdir()
    submission = make(tmp_path)
    out = tmp_path / "out" / "results.json"
    with recording_workers():
        data = grade_submission(submission, out, small_config())
    assert json.loads(out.read_text()) == data
    assert schema_problems(data, None) == []
    assert data["score"] == 0
    assert leaked(json.dumps(data)) == []
    assert list((tmp_path / "trap").iterdir()) == []
    assert re.search(message, data["tests"][0]["output"]), data["tests"][0]["output"][:300]


# ----------------------------------------------------------------------------- the checks


def test_the_checks_notice_a_sandbox_without_the_jail(tmp_path: Path) -> None:
    """Same read-only attack, jail off: the verdict must report the leak and the uid."""
    jailed = run_payload(LEAK_PROBE, tmp_path / "jailed")
    assert jailed.problems == [], jailed.problems
    open_door = run_payload(LEAK_PROBE, tmp_path / "no-jail", jail=False)
    problems = "\n".join(open_door.problems)
    assert "solution/hidden-test line(s) in the output" in problems
    assert "grader's own uid" in problems
    assert open_door.mode == "same-user"


def test_the_leak_detector_knows_the_secrets() -> None:
    secrets = secret_lines()
    assert len(secrets) > 100
    solution = Path(runner.paths.SOLUTIONS_HW).read_text(encoding="utf-8")
    from_solution = sorted(ln for ln in secrets if ln in solution)
    assert len(from_solution) > 30  # the solution blocks, not only the hidden tests
    sample = from_solution[len(from_solution) // 3]
    assert leaked(f"some output\n{sample}\nmore") == [sample]
    assert leaked(STUB.read_text(encoding="utf-8")) == []  # the stubs are public
    assert leaked(f"x {sample}", allowed=sample) == []  # the submission's own lines


def test_every_submission_process_is_marked_and_runs_jailed(tmp_path: Path) -> None:
    ctx = Context("h7whoami", tmp_path, tmp_path / "r.json", 1, 2, os.getuid())
    hw = tmp_path / "hw.py"
    from string import Template

    hw.write_text(STUB.read_text() + Template(PROLOGUE).substitute(ctx.mapping()) + WHOAMI)
    with Worker(hw, [], Limits(call_timeout_s=5)) as worker:
        name, uid, gid, cwd, has_proc = SubmissionProxy(worker).whoami()
        assert worker.isolation["mode"] == "chroot"
        assert submission_processes([ctx.comm]) != []  # the scan sees the live worker
    assert name == ctx.comm
    assert uid in SANDBOX_UIDS and gid in SANDBOX_UIDS
    assert cwd.startswith("/w/") and not has_proc
    assert submission_processes([ctx.comm]) == []


def test_the_process_scan_finds_marked_processes() -> None:
    marker = f"h7scan{os.getpid()}"
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(20)", marker])
    try:
        deadline = time.monotonic() + 30  # until the child has exec'd (slow on a busy box)
        found = False
        while not found and time.monotonic() < deadline:
            found = any(str(proc.pid) in p for p in submission_processes([marker]))
            time.sleep(0.05)
        assert found
    finally:
        proc.kill()
        proc.wait()
    assert submission_processes([marker]) == []


# ----------------------------------------------------------------------------- the faults


def test_a_killed_worker_is_restarted_and_the_rest_is_graded(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    hw.write_text(_stubs_plus(SUICIDAL_SOFTMAX, CORRECT_RELU))
    with recording_workers():
        data = grade_submission(hw, tmp_path / "results.json", small_config(),
                                ["softmax", "relu"])
    assert schema_problems(data, 7.0) == []
    tests = _by_function(data)
    assert all(t["status"] == "failed" for t in tests["softmax"])
    assert all("SIGKILL" in t["output"] for t in tests["softmax"]), tests["softmax"][0]
    assert all(t["status"] == "passed" for t in tests["relu"]), tests["relu"]
    assert data["score"] == 1.0  # relu's points
    worker = data["extra_data"]["worker"]
    # a function whose call killed the worker is not called again (call_guard.MAX_CRASHES):
    # one crash, one restart, however many softmax tests there are
    assert worker["crashes"] == 1 and worker["restarts"] == 1, worker
    assert json.loads((tmp_path / "results.json").read_text()) == data


def test_an_exhausted_time_budget_reports_the_tests_not_run(tmp_path: Path) -> None:
    hw = tmp_path / "hw.py"
    hw.write_text(_stubs_plus(SLOW_SOFTMAX, CORRECT_RELU))
    # each softmax call sleeps 0.8 s: under a floor of 3 s even on a busy machine, so it is
    # the budget that stops the grade, never a timeout
    config = small_config(time_budget=3.0, call_timeout=3.0)
    with recording_workers():
        data = grade_submission(hw, tmp_path / "results.json", config, ["softmax", "relu"])
    assert data["execution_time"] < 3.0 + 1.0 + SLACK  # the grader's record, not a wall clock
    assert schema_problems(data, 7.0) == []
    assert json.loads((tmp_path / "results.json").read_text()) == data
    tests = _by_function(data)
    assert any("softmax" in t["output"] and "not run" not in t["output"]
               for t in tests["softmax"])  # softmax ran (slowly, wrongly) first
    for test in tests["relu"]:  # relu's tests come after the budget ran out
        assert test["output"] == "not run: time budget exhausted", test
        assert test["status"] == "failed" and test["extra_data"]["kind"]
    assert "The time budget of 3 s ran out" in data["output"]
    assert data["score"] == 0


@pytest.mark.parametrize("where", ["to_gradescope", "plugin_build", "pytest_main"])
def test_an_engine_failure_still_writes_results(where: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"simulated engine failure in {where}")

    if where == "to_gradescope":
        monkeypatch.setattr(runner, "to_gradescope", boom)
    elif where == "plugin_build":
        from autograder.grading.plugin import GradingPlugin

        monkeypatch.setattr(GradingPlugin, "_build", boom)
    else:
        import pytest as pytest_module

        monkeypatch.setattr(pytest_module, "main", boom)
    out = tmp_path / "out" / "results.json"
    data = grade_submission(STUB, out, small_config(), ["relu"])
    assert json.loads(out.read_text()) == data
    assert is_engine_failure(data)
    assert schema_problems(data, 0.0) == []
    assert f"simulated engine failure in {where}" in data["output"]
    assert "not a problem with your code" in data["output"]
    assert data["score"] == 0


def test_the_cli_exits_1_and_still_writes_results_when_the_engine_fails(tmp_path: Path) -> None:
    """End to end: a broken configuration of the grading tests (not the student's fault)."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    out = tmp_path / "results.json"
    code = (
        "import sys\n"
        "from autograder import cli\n"
        "from autograder.grading import runner\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('simulated engine failure')\n"
        "runner.to_gradescope = boom\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "run", str(STUB), "--results", str(out),
         "--functions", "relu"],
        capture_output=True, text=True, timeout=120,
        env=clean_env(),
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    assert is_engine_failure(data) and "simulated engine failure" in data["output"]
    assert "the grading engine failed" in proc.stderr


def test_no_worker_survives_a_grader_that_is_killed(tmp_path: Path) -> None:
    """SIGKILL the grading CLI mid-grade: its sandboxed worker must die with it."""
    hw = tmp_path / "hw.py"
    marker = f"h7orph{os.getpid() % 10**6}"
    ctx = Context(marker, tmp_path, tmp_path / "r.json", 1, 2, os.getuid())
    from string import Template

    hw.write_text(STUB.read_text() + Template(PROLOGUE).substitute(ctx.mapping())
                  + SLEEPING_SOFTMAX)
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "run", str(hw), "--results",
         str(tmp_path / "results.json"), "--functions", "softmax"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=clean_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while not submission_processes([ctx.comm]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert submission_processes([ctx.comm]), "the worker never started"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # gone long before its 60 s sleep could end (20 s: reaping is slow on a busy machine)
    deadline = time.monotonic() + 20
    while submission_processes([ctx.comm]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert submission_processes([ctx.comm]) == []


#: Attacks on what outlives one grade in a long-lived grading server (``autograder grade``):
#: the server process itself, the shared jail runtime, leftover processes, grader files.
POOLED_ATTACKS = ("kill_parent", "poison_runtime", "detached_daemon", "write_grader_files",
                  "monkeypatch_numpy", "freeze_killer")


def test_hostile_submissions_do_not_reach_the_next_one_in_a_grading_server(
    tmp_path: Path,
) -> None:
    """One grading server grades several attacks, then the solutions: each attack scores
    0, the server is never replaced, and the solutions get exactly what a fresh
    ``autograder run`` gives them."""
    toml = small_config_file(tmp_path / "assignment.toml")
    server = [sys.executable, "-m", "autograder.classroom.grading_server", "--config", str(toml)]
    pooled = graders.PooledGrader(server)
    (tmp_path / "trap").mkdir()
    ctx = Context(f"h7pool{os.getpid() % 10**6}", tmp_path / "trap", tmp_path / "r.json",
                  1, 2, os.getuid())
    try:
        for name in POOLED_ATTACKS:
            hw = write_submission(BY_NAME[name], ctx, tmp_path / name)
            sub_dir = tmp_path / "out" / name
            sub_dir.mkdir(parents=True)
            data, status, message = pooled.grade(hw, sub_dir, timeout=120)
            assert (status, data["score"]) == ("graded", 0), (name, message)
            assert leaked(json.dumps(data)) == [], name
        time.sleep(BY_NAME["detached_daemon"].lifetime + 1)  # let its late writer finish
        pooled_dir = tmp_path / "out" / "solutions"
        pooled_dir.mkdir()
        after, status, _ = pooled.grade(paths.SOLUTIONS_HW, pooled_dir, timeout=120)
        assert status == "graded" and pooled.starts == 1
    finally:
        pooled.close()
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = graders.ProcessGrader(
        [sys.executable, "-m", "autograder", "run", "--config", str(toml)]
    )
    alone, status, _ = fresh.grade(paths.SOLUTIONS_HW, fresh_dir, timeout=120)
    assert status == "graded"
    assert after["score"] == 100
    assert strip_timings(after) == strip_timings(alone)
