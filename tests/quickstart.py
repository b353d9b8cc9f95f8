"""The README's Quickstart, run as the README writes it (shared by tests/conftest.py).

The README's Quickstart block holds exactly two commands: the first installs the project
and grades the bundled examples, the second runs this suite. :func:`quickstart_commands`
reads them from README.md, so the tests and the README cannot drift apart.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CI_SCRIPT = REPO / ".ci" / "run"
EXAMPLES = REPO / "examples"


def quickstart_commands(readme: Path = README) -> list[str]:
    """The command lines of the README's ``## Quickstart`` code block."""
    text = readme.read_text(encoding="utf-8")
    section = re.search(r"^## Quickstart\n(.*?)(?=^## )", text, re.M | re.S)
    if section is None:
        raise AssertionError("README.md has no '## Quickstart' section")
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section.group(1), re.S)
    if block is None:
        raise AssertionError("the Quickstart section has no code block")
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def split_install(command: str) -> tuple[str, str]:
    """``(install, rest)`` of ``"pip install ... && rest"``."""
    install, sep, rest = command.partition("&&")
    if not sep or not install.strip().startswith("pip install"):
        raise AssertionError(f"the first Quickstart command does not start with an install: "
                             f"{command!r}")
    return install.strip(), rest.strip()


def ci_install_args() -> list[str]:
    """The arguments of ``pip install`` in ``.ci/run`` (CI installs as the README says)."""
    for line in CI_SCRIPT.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if "pip" in words and "install" in words and "--upgrade" not in words:
            return words[words.index("install") + 1 :]
    raise AssertionError(".ci/run installs nothing with pip")


def out_dir_of(command: str) -> str:
    """The ``--out`` argument of an ``autograder grade`` command line."""
    words = shlex.split(command)
    return words[words.index("--out") + 1]
