"""Grade every hostile submission and print a table: payload, contained?, seconds.

    python3 bench/bench_hostile.py                 # every payload (about 2 minutes)
    python3 bench/bench_hostile.py fork_bomb sleep # some of them
    python3 bench/bench_hostile.py --cli           # every one through the CLI
    python3 bench/bench_hostile.py --fresh-user    # (root) as a new ordinary user: userns
    python3 bench/bench_hostile.py --drop-caps cap_sys_admin                # no namespaces
    python3 bench/bench_hostile.py --drop-caps cap_sys_admin,cap_sys_chroot  # uid mode

Uses the same harness and verdict as ``tests/test_hostile.py`` (small limits: 1 s per
call, 512 MB, 40 s budget). As root the worker is in the root jail (dedicated uid, chroot,
namespaces); ``--fresh-user`` grades every payload through the CLI as a freshly created
unprivileged user, so in the user namespace jail (``tests/unprivileged.py``);
``--drop-caps`` runs the whole bench without those capabilities (``capsh --drop``, as in a
container that does not grant them: Docker's default drops ``CAP_SYS_ADMIN``). Run as an
ordinary user it uses that user's jail (``userns``), or says that there is none. Exit
status 1 when an attack was not contained.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hostile.harness import run_payload  # noqa: E402
from hostile.payloads import BY_NAME, PAYLOADS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the payloads named in ``argv`` (all by default); print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="payload names (default: all)")
    parser.add_argument("--cli", action="store_true", help="grade every payload via the CLI")
    parser.add_argument("--fresh-user", action="store_true",
                        help="(root) grade as a freshly created ordinary user: the userns jail")
    parser.add_argument("--drop-caps", metavar="CAPS",
                        help="(root) run without these capabilities, e.g. cap_sys_admin")
    parser.add_argument("-v", "--verbose", action="store_true", help="print notes and outputs")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown payload(s) {unknown}; known: {', '.join(BY_NAME)}")
    if args.drop_caps:  # again, in a shell without them (capsh drops them for good)
        import shlex
        import shutil

        if shutil.which("capsh") is None:
            parser.error("capsh is missing (apt-get install libcap2-bin)")
        rest = [a for a in sys.argv[1:] if a != args.drop_caps and a != "--drop-caps"
                and not a.startswith("--drop-caps=")]
        cmd = shlex.join([sys.executable, __file__, *rest])
        os.execvp("capsh", ["capsh", f"--drop={args.drop_caps}", "--", "-c", cmd])
    chosen = [BY_NAME[n] for n in args.names] if args.names else list(PAYLOADS)
    if os.geteuid() != 0:
        from autograder.sandbox import isolation

        print(f"NOTE: not root: the worker's jail here is {isolation.automatic_mode()!r}\n")
    with open("/proc/self/status") as status:
        caps = [ln.split()[1] for ln in status if ln.startswith("CapEff")]
    print(f"capabilities: {caps[0] if caps else '?'}")
    print(f"{'payload':24} {'how':4} {'contained?':10} {'seconds':>7}  details")
    failures = 0
    t_all = time.monotonic()
    with contextlib.ExitStack() as stack:
        user = None
        if args.fresh_user:
            import unprivileged

            if unprivileged.skip_reason():
                parser.error(unprivileged.skip_reason())
            user = stack.enter_context(unprivileged.fresh_user())
            tmp = str(unprivileged.user_dir(user, "bench"))
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-hostile-"))
        for i, payload in enumerate(chosen):
            out = run_payload(payload, Path(tmp) / f"{i:02d}-{payload.name}",
                              cli=args.cli or None, as_user=user)
            how = "user" if user else "cli" if (args.cli or payload.cli) else "api"
            if user and not out.problems:
                out.mode = out.results.get("extra_data", {}).get("isolation", {}).get("mode", "")
            verdict = "yes" if out.contained else "NO"
            failures += not out.contained
            detail = "; ".join(out.problems) if out.problems else (out.mode or "")
            print(f"{payload.name:24} {how:4} {verdict:10} {out.seconds:7.1f}  {detail}",
                  flush=True)
            if args.verbose:
                for note in out.notes:
                    print(f"{'':24} note: {note}")
                print(f"{'':24} output: {out.outputs()[:600]!r}")
    print(f"\n{len(chosen) - failures}/{len(chosen)} contained, "
          f"{time.monotonic() - t_all:.0f} s in all")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
