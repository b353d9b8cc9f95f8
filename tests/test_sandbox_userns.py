"""A jail without root: an ordinary user's grader (issue 14), for real.

Every test runs the grader as a freshly created unprivileged user (``tests/unprivileged.py``;
the suite must be root to create one, as CI is). That user's grader jails each worker with
user, PID, mount and network namespaces (``isolation.mode == "userns"``): its files, the
solutions and the network are out of the submission's reach, correct and stub submissions
grade exactly as in the root jail, and the hostile suite's file, network and process attacks
are contained. Where the user cannot create user namespaces (a namespace whose
``user.max_user_namespaces`` is 0, made for the test: nothing on the host changes), ``run``
and ``grade`` refuse unless ``--unsafe-same-user`` is given, which every results.json and
the class report then record.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import unprivileged
from hostile.harness import leaked, run_payload
from hostile.payloads import PAYLOADS
from results_helpers import strip_timings

from autograder import paths

pytestmark = pytest.mark.skipif(unprivileged.skip_reason() is not None,
                                reason=unprivileged.skip_reason() or "")

#: The attacks run again in the ``userns`` jail: on files, the network and processes.
USERNS_ATTACKS = [p for p in PAYLOADS if p.tags & {"files", "network", "processes"}]
SECRET = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeepThisSecret ta@laptop"

#: softmax reads the grader's private key and the solutions, and phones home; it raises
#: what it got, so the student's feedback shows it.
SNOOP = '''

def softmax(z, axis=-1):
    import socket
    got = []
    for path in ("{key}", "{solutions}"):
        try:
            with open(path) as f:
                got.append(path + ": READ " + f.read(300))
        except OSError as e:
            got.append(path + ": " + type(e).__name__)
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
        got.append("network: CONNECTED")
    except OSError as e:
        got.append("network: " + type(e).__name__)
    raise RuntimeError(" | ".join(got))
'''


@pytest.fixture(scope="module")
def fresh() -> Iterator[unprivileged.FreshUser]:
    with unprivileged.fresh_user() as made:
        yield made


@pytest.fixture(scope="module")
def user(fresh: unprivileged.FreshUser) -> unprivileged.FreshUser:
    """The fresh user, where this kernel lets ordinary users make the ``userns`` jail."""
    from autograder.sandbox.isolation import LAUNCHER

    probe = unprivileged.run_as(fresh, [sys.executable, "-I", "-S", str(LAUNCHER),
                                        "--probe-userns"], cwd=fresh.home)
    if probe.returncode != 0:
        pytest.skip(f"this kernel gives ordinary users no user namespaces: {probe.stderr}")
    return fresh


def _grade(user: unprivileged.FreshUser, hw: Path, work: Path, *args: str,
           userns: bool = True) -> tuple[int, dict | None, str]:
    results = work / "results.json"
    results.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "autograder", "run", str(hw), "--results", str(results),
           *args]
    proc = unprivileged.run_as(user, cmd, cwd=work, userns=userns)
    data = json.loads(results.read_text()) if results.exists() else None
    return proc.returncode, data, proc.stdout + proc.stderr


def _snooping_submission(user: unprivileged.FreshUser, work: Path, port: int) -> Path:
    secret_dir = unprivileged.user_dir(user, "secret")
    key = secret_dir / "id_key"
    key.write_text(SECRET + "\n")
    os.chmod(secret_dir, 0o700)
    os.chmod(key, 0o600)
    unprivileged.give(user, key)
    hw = work / "hw.py"
    hw.write_text(paths.STUDENT_HW.read_text() + SNOOP.format(
        key=key, solutions=paths.SOLUTIONS_HW, port=port))
    unprivileged.give(user, hw)
    return hw


def test_an_ordinary_users_jail_hides_its_files_and_the_network(user) -> None:
    """The issue's submission, graded by an ordinary user: neither the user's key nor the
    solutions can be read, and the network is unreachable. Without the jail
    (``--unsafe-same-user`` where there are no user namespaces) the same submission reads
    both (the syscall filter still keeps it off the network): the test can tell."""
    work = unprivileged.user_dir(user, "snoop")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        hw = _snooping_submission(user, work, server.getsockname()[1])
        code, jailed, log = _grade(user, hw, work, "--functions", "softmax")
        assert code == 0, log[-3000:]
        iso = jailed["extra_data"]["isolation"]
        assert iso["mode"] == "userns" and iso["grader_files_hidden"], iso
        assert iso["network"].startswith("none") and iso["pid_namespace"] is True, iso
        text = json.dumps(jailed)
        assert "id_key: FileNotFoundError" in text or "id_key: PermissionError" in text
        assert "hw.py: FileNotFoundError" in text or "hw.py: PermissionError" in text
        assert "network: CONNECTED" not in text and "READ" not in text
        assert SECRET not in text and leaked(text) == []

        code, unjailed, log = _grade(user, hw, work, "--functions", "softmax",
                                     "--unsafe-same-user", userns=False)
    assert code == 0, log[-3000:]
    iso = unjailed["extra_data"]["isolation"]
    assert iso["mode"] == "same-user" and iso["unsafe_same_user"] is True, iso
    text = json.dumps(unjailed)
    assert SECRET[:40] in text  # what the jail prevented
    assert "network: CONNECTED" not in text  # the syscall filter holds in every mode


def test_correct_and_stub_submissions_grade_as_in_the_root_jail(user, tmp_path: Path) -> None:
    """Same tests, same scores, same messages: only the recorded isolation differs."""
    from autograder.grading.runner import grade_submission

    work = unprivileged.user_dir(user, "examples")
    for hw, score in ((paths.SOLUTIONS_HW, 100), (paths.STUDENT_HW, 0)):
        code, as_user, log = _grade(user, hw, work)
        assert code == 0, log[-3000:]
        as_root = grade_submission(hw, tmp_path / "root.json")
        assert as_user["extra_data"]["isolation"]["mode"] == "userns"
        assert as_root["extra_data"]["isolation"]["mode"] == "chroot"
        for data in (as_user, as_root):
            data["extra_data"].pop("isolation")
        assert as_user["score"] == as_root["score"] == score
        assert strip_timings(as_user) == strip_timings(as_root)


@pytest.mark.parametrize("payload", USERNS_ATTACKS, ids=[p.name for p in USERNS_ATTACKS])
def test_attack_is_contained_in_the_userns_jail(payload, user) -> None:
    base = unprivileged.user_dir(user, f"attack-{payload.name}")
    outcome = run_payload(payload, base, as_user=user)
    assert outcome.problems == [], (
        f"{payload.name} ({payload.summary}) was NOT contained in the userns jail:\n- "
        + "\n- ".join(outcome.problems)
        + f"\n\nstderr (end): {outcome.stderr[-1500:]}"
    )
    assert outcome.results["extra_data"]["isolation"]["mode"] == "userns"


def test_without_user_namespaces_run_and_grade_refuse_unless_told(fresh) -> None:
    """No jail possible: both commands refuse (exit 2, nothing graded) and say what to do;
    with ``--unsafe-same-user`` they grade, and every results.json and the class report
    say that the submissions ran as the grader's own user."""
    work = unprivileged.user_dir(fresh, "nons")
    hw = work / "class" / "alice.py"
    hw.parent.mkdir()
    hw.write_text(paths.STUDENT_HW.read_text())
    unprivileged.give(fresh, work)
    code, data, log = _grade(fresh, hw, work, userns=False)
    assert code == 2 and data is None
    assert "refusing to run student code" in log and "--unsafe-same-user" in log
    assert "No space left on device" in log  # why: the kernel's answer, passed on

    grade = [sys.executable, "-m", "autograder", "grade", str(hw.parent), "--out",
             str(work / "out"), "--no-progress", "--jobs", "1"]
    refused = unprivileged.run_as(fresh, grade, cwd=work, userns=False)
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "refusing to run student code" in refused.stderr
    assert not (work / "out" / "grades.csv").exists()

    allowed = unprivileged.run_as(fresh, [*grade, "--unsafe-same-user"], cwd=work,
                                  userns=False)
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    results = json.loads((work / "out" / "submissions" / "alice" / "results.json").read_text())
    assert results["extra_data"]["isolation"]["mode"] == "same-user"
    assert results["extra_data"]["isolation"]["unsafe_same_user"] is True
    report = (work / "out" / "report.html").read_text()
    assert "graded with --unsafe-same-user" in report and "NO SANDBOX" in report
