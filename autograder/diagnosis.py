"""Diagnosis of failing submissions against the catalog of known student mistakes.

Interface (used by the hidden tests): ``diagnose(function, args, kwargs, got)`` returns the
one-line explanations of every catalogued mistake of ``function`` whose output on
``(args, kwargs)`` reproduces ``got``. Filled in by the mistakes catalog (issue 6).
"""

from __future__ import annotations

from typing import Any


def diagnose(function: str, args: tuple, kwargs: dict, got: Any) -> list[str]:
    """Explanations of the catalogued mistakes of ``function`` that reproduce ``got``."""
    return []
