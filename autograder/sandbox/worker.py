"""The untrusted worker: imports the submitted ``hw.py`` and answers calls.

Runs as ``python -I -S -B worker.py REQUEST_FD REPLY_FD [EXTRA_PATH ...]`` from a
private directory that holds ``worker.py``, ``wire.py``, ``testfuncs.py`` (optional)
and ``hw.py``. Imports only the standard library, NumPy, ``wire`` and ``testfuncs``:
nothing from the ``autograder`` package, which this process must never see.

Protocol (see docs/DESIGN.md, "Worker protocol"): after importing hw.py the worker
sends an import report, ``{"op": "ready", "ok": bool, "functions": [...], ...}``.
Then, for every request ``{"op": "call", "function", "args", "kwargs", "errstate"}``
(``errstate``: the caller's ``np.geterr()``, applied around the call) it replies
``{"ok": value, "mutated": [[path, value], ...]}`` or ``{"error": kind, ...}``.
Messages travel on the two pipe fds, never on stdout/stderr (which the client
captures), so whatever hw.py prints cannot corrupt the protocol.
"""

from __future__ import annotations

import contextlib
import os
import sys


def _setup_path() -> tuple[int, int, str]:
    here = os.path.dirname(os.path.abspath(__file__))
    req, rep = int(sys.argv[1]), int(sys.argv[2])
    extra = [p for p in sys.argv[3:] if p]
    sys.path[:] = [here, *extra, *[p for p in sys.path if p and p != here]]
    return req, rep, here


_REQ_FD, _REP_FD, _HERE = _setup_path()

import traceback  # noqa: E402
import types  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import wire  # noqa: E402

HW_PATH = os.path.join(_HERE, "hw.py")


def _student_tb(tb: types.TracebackType | None) -> list[str]:
    """Traceback lines of hw.py frames only (never the worker's), paths shown as hw.py."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename == HW_PATH]
    lines = traceback.format_list(frames)
    return [ln.replace(f'File "{HW_PATH}"', 'File "hw.py"') for ln in lines]


def _exc_message(exc: BaseException) -> str:
    try:
        msg = str(exc)
    except Exception:  # a hostile __str__
        msg = "<unprintable message>"
    msg = msg.replace(HW_PATH, "hw.py")[:4000]
    return msg.encode("utf-8", "replace").decode("utf-8")


def _exc_type(exc: BaseException) -> str:
    t = type(exc)
    return t.__name__ if t.__module__ in ("builtins", "hw") else f"{t.__module__}.{t.__name__}"


def _send(msg: dict[str, Any] | bytes) -> None:
    if isinstance(msg, bytes):
        wire.write_message(_REP_FD, msg)
        return
    try:
        data = wire.encode(msg)
    except wire.WireError as e:
        data = wire.encode({"error": "protocol", "message": f"cannot encode reply: {e}"})
    wire.write_message(_REP_FD, data)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


#: What the grader provides to hw.py (the jail holds nothing else); the one list is
#: ``GRADER_MODULES`` of ``student/tests/conftest.py``, which the student's run checks.
PROVIDED = "NumPy and the Python standard library"
#: True while hw.py is being imported: ``from absent import name`` then needs a value.
_ABSENT_IMPORTING = [False]


def _absent_message(top: str) -> str:
    return (
        f"hw.py imports {top}, which the grader does not provide: when graded, hw.py can "
        f"import only {PROVIDED}, so the code that uses {top} cannot run. Remove the "
        "import from hw.py (plotting belongs in train.py)"
    )


class _AbsentModule(types.ModuleType):
    """What hw.py gets for a module the grader does not provide: any use of it raises an
    ImportError that says so, so the functions that do not use it still work."""

    def __init__(self, name: str, top: str) -> None:
        super().__init__(name)
        self.__dict__["_absent_top"] = top
        self.__path__: list[str] = []  # a package: its submodules are placeholders too

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # the import system's and copy's questions
        if _ABSENT_IMPORTING[0]:  # `from matplotlib import pyplot` at import: a value
            return _AbsentModule(f"{self.__name__}.{attr}", self.__dict__["_absent_top"])
        raise ImportError(_absent_message(self.__dict__["_absent_top"]),
                          name=self.__dict__["_absent_top"])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(_absent_message(self.__dict__["_absent_top"]),
                          name=self.__dict__["_absent_top"])

    def __repr__(self) -> str:
        return f"<module {self.__name__!r}: not provided by the grader>"


class _AbsentLoader:
    """Loads an :class:`_AbsentModule` (importlib's loader protocol)."""

    def __init__(self, top: str) -> None:
        self.top = top

    def create_module(self, spec: Any) -> types.ModuleType:
        return _AbsentModule(spec.name, self.top)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _AbsentModules:
    """A meta path finder, last in ``sys.meta_path`` while hw.py is imported: a module
    that no real finder has (the grader does not provide it), imported by hw.py itself
    outside a ``try`` that catches ImportError, becomes an :class:`_AbsentModule`.

    A missing module imported by another module (NumPy's optional imports), a missing
    submodule of a real package, and an import hw.py guards itself (``try: import
    matplotlib`` ... ``except ImportError``) fail as they always do.
    """

    def __init__(self, guarded: set[int]) -> None:
        self.guarded = guarded
        self.absent: set[str] = set()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        import importlib.machinery

        top = fullname.partition(".")[0]
        if top not in self.absent:
            line = _importing_line()
            if fullname != top or line is None or line in self.guarded:
                return None
            self.absent.add(top)
        return importlib.machinery.ModuleSpec(fullname, _AbsentLoader(top), is_package=True)


def _importing_line() -> int | None:
    """The line of hw.py that runs the import in progress (None: another module's)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith("<frozen importlib"):
            return frame.f_lineno if name == HW_PATH else None
        frame = frame.f_back
    return None


#: The exceptions whose ``except`` clause makes an import inside its ``try`` guarded.
_CATCHES_IMPORT_ERROR = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _guarded_lines(path: str) -> set[int]:
    """The lines of ``path`` inside a ``try`` whose handlers catch ImportError."""
    import ast

    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except Exception:  # a syntax error: the import will say so
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        names: list[str] = []
        for handler in node.handlers:
            kinds = handler.type
            if kinds is None:
                names.append("BaseException")
                continue
            for kind in kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]:
                names.append(kind.id if isinstance(kind, ast.Name) else
                             kind.attr if isinstance(kind, ast.Attribute) else "")
        if _CATCHES_IMPORT_ERROR.intersection(names) and node.body:
            end = node.body[-1].end_lineno or node.body[-1].lineno
            lines.update(range(node.body[0].lineno, end + 1))
    return lines


def _import_hw() -> tuple[types.ModuleType | None, dict[str, Any]]:
    import importlib.util

    _ABSENT_IMPORTING[0] = True
    spec = importlib.util.spec_from_file_location("hw", HW_PATH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["hw"] = module
    finder = _AbsentModules(_guarded_lines(HW_PATH))
    sys.meta_path.append(finder)  # last: asked only for what no real finder has
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException as exc:
        sys.modules.pop("hw", None)
        report: dict[str, Any] = {
            "op": "ready",
            "ok": False,
            "exc_type": _exc_type(exc),
            "message": _exc_message(exc),
            "traceback": _student_tb(exc.__traceback__),
            "line": None,
        }
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == HW_PATH]
        if frames and type(frames[-1].lineno) is int:
            report["line"] = frames[-1].lineno
        if isinstance(exc, SyntaxError):
            report["line"] = exc.lineno if type(exc.lineno) is int else None
            detail = traceback.format_exception_only(type(exc), exc)
            report["message"] = "".join(detail).replace(HW_PATH, "hw.py").rstrip()[:4000]
        return None, report
    finally:
        _ABSENT_IMPORTING[0] = False
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
    functions = sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_") and callable(obj) and type(name) is str
        and not isinstance(obj, types.ModuleType)  # an absent module's placeholder
    )
    return module, {"op": "ready", "ok": True, "functions": functions}


# ----------------------------------------------------------------------- argument handling


def _resolve(x: Any) -> Any:
    """Replace NamedCallable references by the real testfuncs functions."""
    if type(x) is wire.NamedCallable:
        import testfuncs  # the private dir's copy of student/tests/testfuncs.py

        return testfuncs.make(x.name, **_resolve(x.params))
    if type(x) is list:
        return [_resolve(v) for v in x]
    if type(x) is tuple:
        return tuple(_resolve(v) for v in x)
    if type(x) is dict:
        return {k: _resolve(v) for k, v in x.items()}
    return x


def _snapshot(x: Any, path: list[Any], out: list[tuple[list[Any], Any, Any]]) -> None:
    """Record every mutable argument: arrays (a copy) and containers (their children's ids)."""
    if type(x) is np.ndarray:
        out.append((path, x, x.copy()))
    elif type(x) is dict:
        out.append((path, x, [(k, id(v)) for k, v in x.items()]))
        for k, v in x.items():
            _snapshot(v, [*path, k], out)
    elif type(x) is list:
        out.append((path, x, [id(v) for v in x]))
        for i, v in enumerate(x):
            _snapshot(v, [*path, i], out)
    elif type(x) is tuple:
        for i, v in enumerate(x):
            _snapshot(v, [*path, i], out)


def _mutations(snap: list[tuple[list[Any], Any, Any]]) -> list[list[Any]]:
    """``[[path, new value], ...]`` for the arguments changed in place by the call."""
    changed: list[list[Any]] = []
    for path, obj, before in snap:
        if any(path[: len(p)] == p for p, _ in changed):
            continue  # an enclosing container is already sent whole
        if type(obj) is np.ndarray:
            same = obj.shape == before.shape and obj.dtype == before.dtype
            if not (same and obj.tobytes() == before.tobytes()):
                changed.append([path, obj])
        elif type(obj) is dict:
            if [(k, id(v)) for k, v in obj.items()] != before:
                changed.append([path, obj])
        elif type(obj) is list and [id(v) for v in obj] != before:
            changed.append([path, obj])
    return changed


_FP_ERRORS = ("divide", "over", "under", "invalid")
_FP_MODES = ("ignore", "warn", "raise", "print")


def _errstate(requested: Any) -> dict[str, str]:
    """The caller's ``np.geterr()`` (only the plain modes; anything else: NumPy's default)."""
    state = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
    if type(requested) is dict:
        for key in _FP_ERRORS:
            if requested.get(key) in _FP_MODES:
                state[key] = requested[key]
    return state


def _call(hw: types.ModuleType, request: dict[str, Any]) -> dict[str, Any] | bytes:
    """Run one call; return the reply (a dict, or the already encoded success reply)."""
    name = request.get("function")
    fn = getattr(hw, name, None) if type(name) is str and not name.startswith("_") else None
    if fn is None or not callable(fn):
        return {"error": "missing", "message": f"hw.py has no function named {name!r}"}
    try:
        args = _resolve(request.get("args", []))
        kwargs = _resolve(request.get("kwargs", {}))
    except Exception as exc:
        return {"error": "bad_request", "message": f"{type(exc).__name__}: {exc}"}
    snap: list[tuple[list[Any], Any, Any]] = []
    _snapshot(args, ["a"], snap)
    _snapshot(kwargs, ["k"], snap)
    try:
        with np.errstate(**_errstate(request.get("errstate"))):
            value = fn(*args, **kwargs)
    except BaseException as exc:
        _flush()
        kind = "raised"
        if isinstance(exc, NotImplementedError):
            kind = "not_implemented"
        elif isinstance(exc, MemoryError):
            kind = "memory"
        reply = {
            "error": kind,
            "exc_type": _exc_type(exc),
            "message": _exc_message(exc),
            "traceback": _student_tb(exc.__traceback__),
        }
        try:
            return wire.encode({**reply, "mutated": _mutations(snap)})
        except Exception:
            return reply
    _flush()
    try:
        return wire.encode({"ok": value, "mutated": _mutations(snap)})
    except wire.WireError as exc:
        return {"error": "bad_return", "message": str(exc)}
    except MemoryError:
        return {"error": "bad_return", "message": "the value is too big to send back"}


def main() -> None:
    """Import hw.py, send the import report, then answer requests until EOF."""
    _send({"op": "hello"})
    hw, report = _import_hw()
    _flush()
    _send(report)
    while True:
        try:
            # arguments arrive in the memory layout the test gave them (wire.with_layout)
            request = wire.read_message(_REQ_FD, allow_layout=True)
        except wire.PipeClosed:
            break
        if type(request) is not dict or request.get("op") != "call":
            if type(request) is dict and request.get("op") == "exit":
                break
            _send({"error": "bad_request", "message": "unknown request"})
            continue
        if hw is None:
            _send({"error": "import", "message": "hw.py could not be imported"})
            continue
        try:
            reply = _call(hw, request)
        except BaseException as exc:  # e.g. a module __getattr__ that raises
            reply = {
                "error": "raised",
                "exc_type": _exc_type(exc),
                "message": _exc_message(exc),
                "traceback": _student_tb(exc.__traceback__),
            }
        _send(reply)
    _flush()
    os._exit(0)


if __name__ == "__main__":
    main()
