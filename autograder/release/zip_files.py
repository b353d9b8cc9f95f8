"""The files of the Gradescope zip that are scripts and setup: what they say, their modes.

* :func:`setup_sh` is the zip's ``setup.sh``, which Gradescope runs once to build the image.
  Otter's template also installs what only otter's PDF export and Jupyter kernels need
  (``playwright install-deps && playwright install chromium``, ``nb_conda_kernels``, LaTeX
  and pandoc, R's build libraries), under ``set -e``: a failed download of any of them
  fails the whole image. The engine needs none of it, so the build writes its own
  ``setup.sh``: the apt packages of :mod:`autograder.release.versions` (``[apt] image``),
  Miniforge (otter's version), otter's conda environment (``environment.yml``: Python and
  the pinned pip packages), and the project's image step (the sandbox's runtime copy).
* :func:`zip_mode`: every entry is a regular file, the scripts Gradescope runs executable
  (0755), the rest 0644; :func:`set_mode` applies it to a :class:`zipfile.ZipInfo`.
* :func:`check_zip` reads a built zip back and lists what is wrong with its modes and its
  ``setup.sh`` (``autograder build`` refuses a zip with any problem).
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

#: The zip's entries that are run as programs (by Gradescope or by otter's runner).
SCRIPTS = frozenset({"run_autograder", "setup.sh", "run_otter.py"})
SCRIPT_MODE = 0o755
DATA_MODE = 0o644
_UNIX = 3  # ZipInfo.create_system: the mode bits in external_attr are Unix ones

#: The Miniforge release and conda environment of otter-grader 7.0.0's own setup.sh
#: (``otter.generate.MINIFORGE_VERSION``, ``OTTER_ENV_NAME``).
MINIFORGE_VERSION = "25.3.1-0"
OTTER_ENV_NAME = "otter-env"
AUTOGRADER_DIR = "/autograder"

IMAGE_STEPS_BEGIN = "# BEGIN music-ai-autograder image steps"
IMAGE_STEPS_END = "# END music-ai-autograder image steps"
#: The project's image step: the sandbox's runtime copy is built into the image instead of
#: at every grade. Not fatal: without it, each grade builds the copy itself.
IMAGE_STEPS = rf"""{IMAGE_STEPS_BEGIN}
if ! (cd {AUTOGRADER_DIR}/source \
      && mamba run -n {OTTER_ENV_NAME} python -m autograder.release.gradescope.prepare_image); then
    echo "music-ai-autograder: the sandbox runtime will be built at each grade instead"
fi
{IMAGE_STEPS_END}
"""

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope's image setup, written by `autograder build` (music-ai-autograder): what
# grading needs and nothing else. Otter's own template also installs LaTeX, pandoc,
# Chromium (playwright) and nb_conda_kernels for its PDF export and notebooks; the engine
# uses none of them (docs/INSTRUCTOR.md, "What setup.sh does").
set -e

export DEBIAN_FRONTEND=noninteractive
apt-get clean
apt-get update
apt-get install -y {apt}

# Miniforge (conda and mamba), as otter-grader {otter} installs it
if [ "$(uname -m)" = "aarch64" ] || [ "$(uname -m)" = "arm64" ]; then
    arch=aarch64
else
    arch=x86_64
fi
releases=https://github.com/conda-forge/miniforge/releases/download
wget -nv "$releases/{miniforge}/Miniforge3-Linux-$arch.sh" -O {ag}/source/mamba_install.sh
chmod +x {ag}/source/mamba_install.sh
{ag}/source/mamba_install.sh -b
echo "export PATH=/root/miniforge3/bin:\$PATH" >> /root/.bashrc
export PATH=/root/miniforge3/bin:$PATH
export TAR="/bin/tar"

# otter's conda environment: Python and the pinned pip packages (environment.yml)
mamba env create -f {ag}/source/environment.yml
mamba shell init --shell bash

{image_steps}"""

#: Words that must not appear in setup.sh: what grading does not need.
UNNEEDED = ("playwright", "chromium", "nb_conda_kernels", "texlive", "pandoc", "libgit2")
ENV_CREATE = f"mamba env create -f {AUTOGRADER_DIR}/source/environment.yml"


def setup_sh(apt: list[str], otter_version: str) -> str:
    """The zip's ``setup.sh``: ``apt`` packages, Miniforge, otter's environment, image step."""
    return SETUP_SH.format(
        apt=" ".join(apt),
        otter=otter_version,
        miniforge=MINIFORGE_VERSION,
        ag=AUTOGRADER_DIR,
        image_steps=IMAGE_STEPS,
    )


def zip_mode(name: str) -> int:
    """The permission bits of the zip entry ``name``."""
    return SCRIPT_MODE if name in SCRIPTS else DATA_MODE


def set_mode(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """``info`` marked as a regular Unix file with :func:`zip_mode` (returned for chaining)."""
    info.create_system = _UNIX
    info.external_attr = (stat.S_IFREG | zip_mode(info.filename)) << 16
    return info


def setup_sh_problems(text: str, apt: list[str]) -> list[str]:
    """What is wrong with a ``setup.sh`` (empty: nothing)."""
    found = []
    commands = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    ).lower()
    for word in UNNEEDED:
        if word in commands:
            found.append(f"setup.sh installs {word!r}, which grading does not use")
    if not re.search(r"(?m)^set -e$", text):
        found.append("setup.sh does not stop at the first failure (set -e)")
    installs = re.findall(r"(?m)^\s*apt-get install -y (.*)$", text)
    if [line.split() for line in installs] != [list(apt)]:
        found.append(
            f"setup.sh's apt-get install lines {installs!r} are not the one line of the "
            f"image's apt packages ({' '.join(apt)}: [apt] image of versions.toml)"
        )
    if ENV_CREATE not in text:
        found.append(f"setup.sh does not create otter's environment ({ENV_CREATE!r})")
    if IMAGE_STEPS.strip() not in text:
        found.append("setup.sh lacks the project's image step (the sandbox runtime)")
    return found


def check_zip(path: Path, apt: list[str]) -> list[str]:
    """What is wrong with the built zip at ``path``: entry modes and ``setup.sh``."""
    found = []
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for script in sorted(SCRIPTS - names):
            found.append(f"the zip has no {script}")
        for info in zf.infolist():
            mode = info.external_attr >> 16
            want = stat.S_IFREG | zip_mode(info.filename)
            if info.create_system != _UNIX or mode != want:
                found.append(
                    f"{info.filename}: mode {stat.filemode(mode) if mode else 'unset'}, "
                    f"not {stat.filemode(want)}"
                )
        if "setup.sh" in names:
            found += setup_sh_problems(zf.read("setup.sh").decode("utf-8"), apt)
    return found
