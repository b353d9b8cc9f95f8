"""Gradescope's ``submission_metadata.json``: what Gradescope tells the autograder about a
submission (``created_at``, the assignment's dates, the users, ``previous_submissions``).

Gradescope writes it to ``/autograder/submission_metadata.json`` before ``run_autograder``
runs. :func:`read_metadata` is the one reader: the late rule (its ``created_at``) and the
"since your last submission" note (its ``previous_submissions``) both start from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Where Gradescope puts the file.
METADATA_PATH = Path("/autograder/submission_metadata.json")
#: Largest file read (a long history of previous submissions, each with its results).
MAX_BYTES = 64 * 2**20


def read_metadata(path: str | Path = METADATA_PATH) -> dict[str, Any]:
    """The metadata at ``path`` as a dict; ``{}`` when the file is missing, too large, not
    JSON, or not a JSON object (grading never depends on it being there)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return {}
        value = json.loads(data.decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
