"""What Gradescope runs for every submission: the engine, directly.

    python -m autograder.release.gradescope.run_autograder [/autograder]

The zip's ``run_autograder`` (written by ``autograder build`` from otter's template: otter
still builds the image) activates the environment and runs this, from
``/autograder/source``. It grades what the student uploaded (``/autograder/submission``:
files, a folder, or one ``.zip``) exactly as ``autograder run`` does, in this process
(the submission itself runs in the sandbox worker), and writes
``/autograder/grading/results/results.json``, whatever happens. A release built with
``--functions`` grades only those functions (read from ``otter_config.json``, where the
otter plugin finds them too).

Otter's own runner (``otter run``, and this zip on Gradescope before) executes a notebook in
a Jupyter kernel and starts the engine in a second interpreter: about twice the engine's
own time in Gradescope's 0.5 vCPU box. ``otter run`` still works: its plugin
(:mod:`autograder.release.gradescope.otter_plugin`) hands the grading to the same engine.

Before any student code runs (as root, as on Gradescope) the autograder's own files are
closed to every other user (:func:`close_grader_files`: ``/autograder`` 0700, and no
"other" permission below it), so even a worker the kernel lets us give nothing but its
own uid (no chroot, no namespaces) cannot read the solutions, the hidden tests, the
catalog or the results. Where the worker cannot get another uid than the grader's at all
(:func:`cannot_isolate`), nothing is run: results.json says so and the exit status is 2.

Imports only the standard library and small stdlib-only modules of the package at module
level (the plugin imports it in otter's process); the engine is imported in ``main``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from autograder.grading.results import failure_results, write_results
from autograder.intake.gradescope_metadata import read_metadata
from autograder.release.gradescope import PLUGIN_NAME

GRADESCOPE_DIR = Path("/autograder")
#: The exit status of a run that refused to grade: student code cannot be isolated here.
CANNOT_ISOLATE = 2


def close_grader_files(ag_dir: Path) -> int:
    """As root: take every permission of "other" users off ``ag_dir`` and what it holds
    (``ag_dir`` itself 0700), so no sandbox uid can read or enter any of it. Links are
    not followed. Returns how many entries were changed (0 when not root)."""
    if os.geteuid() != 0 or not ag_dir.is_dir():
        return 0
    changed = 0
    os.chmod(ag_dir, 0o700)
    for dirpath, dirnames, filenames in os.walk(ag_dir):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
                if not os.path.islink(path) and st.st_mode & 0o007:
                    os.chmod(path, st.st_mode & 0o7770)
                    changed += 1
            except OSError:
                continue
    return changed


def cannot_isolate() -> str | None:
    """Why student code cannot be given another identity than the grader's here (None:
    it can). On Gradescope there is no ``--unsafe-same-user``."""
    from autograder.sandbox import isolation

    if isolation.is_root():
        if isolation.jail_disabled():
            return f"{isolation.NO_JAIL_ENV} is set (a debugging switch: no jail at all)"
        why = isolation.uid_switch_probe()
        return None if why is None else f"the grader cannot switch to another uid ({why})"
    if isolation.automatic_mode() == "same-user":
        return f"the grader is not root and has no user namespaces ({isolation.userns_probe()})"
    return None


def engine_input(submission_dir: Path) -> Path:
    """What to hand the engine: the folder, or the zip when the upload is one zip.

    (Gradescope may deliver an uploaded .zip unpacked or as is; either way the engine sees
    what ``autograder run`` would see for the same upload.)
    """
    entries = list(submission_dir.iterdir())
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix.lower() == ".zip":
        return entries[0]
    return submission_dir


def engine_args(
    submission: Path, results_path: Path, functions: Sequence[str] | None = None
) -> list[str]:
    """The arguments of ``autograder run`` (:mod:`autograder.grading.run_command`) that grade
    ``submission`` into ``results_path`` (only ``functions``, when given)."""
    args = [str(submission), "--results", str(results_path)]
    if functions:
        args += ["--functions", ",".join(functions)]
    return args


def engine_env(source_dir: Path) -> dict[str, str]:
    """The environment of a child process that runs the engine built into ``source_dir``
    (its import path starts there)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(source_dir), env.get("PYTHONPATH", "")) if p
    )
    return env


def release_functions(source_dir: Path) -> list[str] | None:
    """The functions a ``--functions`` release grades (None: all), from otter_config.json."""
    try:
        config = json.loads((source_dir / "otter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and PLUGIN_NAME in plugin:
            functions = (plugin[PLUGIN_NAME] or {}).get("functions")
            return [str(f) for f in functions] if functions else None
    return None


#: What Gradescope writes beside the submission: its time, the students, the due dates.
METADATA_NAME = "submission_metadata.json"


def late_args(metadata_path: Path) -> list[str]:
    """The arguments of ``autograder run`` that apply the course's late rule to the
    submission Gradescope describes in ``metadata_path`` (``submission_metadata.json``):
    ``--submitted-at`` its ``created_at``, one ``--student`` per ``users[].email`` (for
    extensions), and Gradescope's ``assignment.due_date`` (recorded beside the rule's).
    None of them when the file is missing or unreadable (nothing is then deducted)."""
    meta = read_metadata(metadata_path)
    created = meta.get("created_at")
    if not isinstance(created, str) or not created.strip():
        return []
    args = ["--submitted-at", created.strip()]
    for user in meta.get("users") or []:
        email = user.get("email") if isinstance(user, dict) else None
        if isinstance(email, str) and email.strip():
            args += ["--student", email.strip()]
    assignment = meta.get("assignment")
    due = assignment.get("due_date") if isinstance(assignment, dict) else None
    if isinstance(due, str) and due.strip():
        args += ["--gradescope-due-date", due.strip()]
    return args


def note_changes_since_last(ag_dir: Path, results_path: Path) -> None:
    """Put at the top of the output the functions that became right or wrong since the
    student's previous submission (``ag_dir/submission_metadata.json``'s
    ``previous_submissions``; :mod:`autograder.grading.since_last`). Never fails the grade."""
    try:
        from autograder.grading import since_last

        since_last.annotate(results_path, ag_dir / METADATA_NAME)
    except Exception:  # the note is a courtesy: the results stand without it
        print(traceback.format_exc(), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Grade ``AG_DIR/submission`` into ``AG_DIR/results/results.json``; the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    ag_dir = Path(args[0]) if args else GRADESCOPE_DIR
    results_path = ag_dir / "results" / "results.json"
    status = 1
    try:
        close_grader_files(ag_dir)  # before any student code runs
        why = cannot_isolate()
        if why is not None:
            message = (f"The autograder cannot isolate student code on this machine: {why}. "
                       "No code was run; this is not a problem with your submission.")
            print(message, file=sys.stderr)
            write_results(results_path, failure_results(message))
            return CANNOT_ISOLATE
        from autograder.grading import run_command

        status = run_command.main(engine_args(
            engine_input(ag_dir / "submission"), results_path, release_functions(ag_dir / "source")
        ) + late_args(ag_dir / METADATA_NAME))
        note_changes_since_last(ag_dir, results_path)
    except BaseException as exc:  # the engine must not leave Gradescope without results
        message = f"{type(exc).__name__}: {exc}"
        print(traceback.format_exc(), file=sys.stderr)
        write_results(results_path, failure_results(message))
    finally:
        if not results_path.is_file():
            write_results(results_path, failure_results("the grading engine wrote no results"))
    return status


if __name__ == "__main__":
    sys.exit(main())
