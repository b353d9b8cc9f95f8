"""Everything the Gradescope zip needs beyond the grading engine itself.

* :mod:`autograder.release.gradescope.run_autograder` is what Gradescope runs for a submission:
  the engine, directly; :mod:`autograder.release.gradescope.prepare_image` builds the sandbox's
  runtime copy when Gradescope builds the image.
* :mod:`autograder.release.gradescope.otter_plugin` is the otter-grader plugin that hands grading
  to our engine (``autograder run``) under ``otter run`` and makes otter report the
  engine's results verbatim.
* The pip packages of Gradescope's image are the "engine" packages of the one list of
  versions, ``autograder/release/versions.toml`` (written into the zip by the build).

The names below are shared by the build (``autograder/release/build.py``), which writes them into
the zip, and by the plugin, which recognises them on Gradescope. This module must stay
light: it is imported by otter's process before anything else of ours.
"""

from __future__ import annotations

OTTER_VERSION = "7.0.0"
"""The otter-grader release the zip is built with and runs on (pinned in environment.yml)."""

PYTHON_VERSION = "3.11"
"""The Python version of the conda environment on Gradescope."""

PLUGIN_NAME = "autograder.release.gradescope.otter_plugin.EnginePlugin"
"""The importable name otter loads the plugin by (listed in ``otter_config.json``)."""

PLACEHOLDER_NOTEBOOK = "engine_grades_this_submission.ipynb"
"""An empty notebook shipped in the zip's ``files/``: otter copies it into the submission
folder, so otter's own submission lookup always finds exactly this file, whatever the
student uploaded (otter stops with an error before any plugin runs when it finds no
``.py``/``.ipynb`` file, or several ``.py`` files, at the top of the submission)."""

OTTER_TESTS_README = "README.md"
"""The one file in the zip's ``tests/`` (otter requires the folder; it holds no otter tests:
the engine's tests live in ``autograder/hidden_tests`` and ``student/tests``)."""

ENGINE_RESULTS_NAME = "engine_results.json"
"""Where the plugin asks the engine to write its results, inside ``/autograder/results``."""
