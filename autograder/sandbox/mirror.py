"""Mirroring: the submission's in-place writes copied back into the caller's arguments."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np


def copy_into(target: Any, new: Any) -> Any:
    """Copy ``new`` into ``target`` in place where possible (arrays of the same shape,
    dicts and lists, recursively); return what the caller should store instead of
    ``target``. The one way the grader puts values back into its own arguments: the
    submission's in-place writes mirrored here, the input guard's restores."""
    if type(target) is np.ndarray and type(new) is np.ndarray:
        if target.shape == new.shape and target.flags.writeable:
            np.copyto(target, new, casting="unsafe")
            return target
        return new
    if isinstance(target, dict) and type(new) is dict:
        for k in [k for k in target if k not in new]:
            del target[k]
        for k, v in new.items():
            target[k] = copy_into(target[k], v) if k in target else v
        return target
    if isinstance(target, list) and type(new) is list:
        keep = min(len(target), len(new))
        merged = [copy_into(target[i], new[i]) for i in range(keep)]
        target[:] = merged + new[keep:]
        return target
    return new


def mirror_mutations(mutated: list, args: Any, kwargs: dict) -> None:
    """Apply the worker's ``mutated`` list (``[[path, value], ...]``) to the caller's args."""
    for entry in mutated[:10000]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not list:
            continue
        path, value = entry
        if not path or path[0] not in ("a", "k"):
            continue
        parent: Any = None
        key: Any = None
        obj: Any = args if path[0] == "a" else kwargs
        ok = True
        for step in path[1:]:
            if (isinstance(obj, (list, tuple)) and type(step) is int and 0 <= step < len(obj)) or (
                isinstance(obj, dict) and type(step) is str and step in obj
            ):
                parent, key, obj = obj, step, obj[step]
            else:
                ok = False
                break
        if not ok or parent is None:
            continue
        merged = copy_into(obj, value)
        if merged is not obj and isinstance(parent, (list, dict)):
            with contextlib.suppress(Exception):
                parent[key] = merged
