"""The wire format between the trusted grader and the untrusted worker.

Used by BOTH sides, so it imports only the standard library and NumPy (the worker
loads it from its private directory, outside the ``autograder`` package).

A message is::

    b"MAW1" | u32 header length | u64 total buffer length | JSON header | buffers

The JSON header is ``{"v": <tree>, "b": [len0, len1, ...]}``. In the tree, JSON
``null``/``true``/``false``/numbers/strings/arrays stand for ``None``/``bool``/
``int``/``float``/``str``/``list``; every JSON object is a tagged node:

* ``{"t": "tuple", "v": [...]}`` and ``{"t": "dict", "v": {str: ...}}``
* ``{"t": "nd", "d": "<f8", "s": [2, 3], "b": 0}``: an array, raw C-order bytes in buffer 0;
  a request (trusted -> worker) may add ``"l": {"perm": [1, 0], "step": [1, 1]}``, the
  array's memory layout (:func:`layout_of`), which the worker rebuilds (:func:`with_layout`)
  so that the submission gets a Fortran-ordered, transposed, strided or reversed argument
  exactly as the test made it (as in the student's own run)
* ``{"t": "ns", "d": "<f8", "b": 1}``: a NumPy scalar (``np.float64(1.0)``), one item
* ``{"t": "fn", "name": "quadratic", "params": {...}}``: a named test function
* ``{"t": "float", "v": "nan" | "inf" | "-inf"}``

:func:`decode` is the trust boundary: it checks every node, dtype, shape, size, depth
and string, and rebuilds arrays with ``np.frombuffer(...).reshape(...).copy()``.
Nothing is ever unpickled or evaluated.
"""

from __future__ import annotations

import copy
import json
import math
import os
import select
import struct
import time
from typing import Any

import numpy as np

MAGIC = b"MAW1"
PREFIX = struct.Struct("<4sIQ")
MAX_TOTAL_BYTES = 256 * 2**20
MAX_HEADER_BYTES = 16 * 2**20
MAX_NODES = 1_000_000  # Python objects per message: bounds the trusted side's decode time
MAX_DEPTH = 64
MAX_NDIM = 32
MAX_DIM = 2**32  # per axis (an empty array may still claim a huge other axis)
MAX_BUFFERS = 100_000
MAX_INT_DIGITS = 400
#: a layout's base array holds at most this many times the array's entries
MAX_LAYOUT_FACTOR = 64

#: dtype string on the wire -> NumPy dtype. Everything else is refused.
ALLOWED_DTYPES: dict[str, np.dtype] = {
    s: np.dtype(s)
    for s in ("|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8")
}
_SCALAR_TYPES = {np.dtype(d).type: d for d in ALLOWED_DTYPES}


class WireError(ValueError):
    """A value cannot be encoded, or bytes are not a valid message."""


class NamedCallable:
    """A test function known by name (``testfuncs.make(name, **params)``).

    The trusted side never receives callables; the worker resolves a decoded
    ``NamedCallable`` into the real function with its ``testfuncs`` module.
    """

    __slots__ = ("name", "params")

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        self.name = name
        self.params = params

    def __repr__(self) -> str:
        return f"NamedCallable({self.name!r}, {self.params!r})"


def is_named_function(obj: Any) -> bool:
    """True for testfuncs' NamedFunction-like objects: callable with ``.name`` and ``.params``."""
    return (
        callable(obj)
        and not isinstance(obj, type)
        and isinstance(getattr(obj, "name", None), str)
        and isinstance(getattr(obj, "params", None), dict)
    )


# --------------------------------------------------------------------------- memory layout


def layout_of(a: np.ndarray) -> dict[str, list[int]] | None:
    """How ``a`` sits in memory, when that is not plain C order.

    ``{"perm": axes from the outermost in memory to the innermost, "step": the step (in
    entries of a base array, negative when memory runs backwards) along each of them}``:
    ``a`` is then ``base[::step...].transpose(inverse of perm)`` of a fresh C-contiguous
    ``base``. None for C-contiguous, empty and 0-d arrays, and for strides no base array
    explains (broadcast or overlapping views, huge gaps): those travel in C order.
    """
    if a.ndim == 0 or a.size == 0 or a.flags.c_contiguous:
        return None
    order = sorted(range(a.ndim), key=lambda i: abs(a.strides[i]), reverse=True)
    steps = [1] * a.ndim
    inner = a.itemsize  # bytes spanned by one step of the current axis
    for axis in reversed(order):
        n, stride = a.shape[axis], a.strides[axis]
        if n == 1:
            continue
        if stride == 0 or abs(stride) % inner:
            return None
        k = abs(stride) // inner
        steps[axis] = k if stride > 0 else -k
        inner *= n * k
    if inner // a.itemsize > MAX_LAYOUT_FACTOR * a.size:
        return None
    return {"perm": order, "step": [steps[i] for i in order]}


def _check_layout(layout: Any, shape: list[int] | tuple[int, ...], count: int) -> None:
    if type(layout) is not dict or set(layout) != {"perm", "step"}:
        raise WireError("bad array layout")
    perm, step = layout["perm"], layout["step"]
    ndim = len(shape)
    if (
        type(perm) is not list
        or type(step) is not list
        or any(type(i) is not int for i in perm)
        or sorted(perm) != list(range(ndim))
        or len(step) != ndim
        or any(type(k) is not int or k == 0 or abs(k) > MAX_LAYOUT_FACTOR for k in step)
    ):
        raise WireError("bad array layout")
    total = 1
    for axis, k in zip(perm, step):
        total *= shape[axis] * abs(k)
    if total > MAX_LAYOUT_FACTOR * max(count, 1):
        raise WireError("array layout too big")


def with_layout(values: np.ndarray, layout: dict[str, list[int]] | None) -> np.ndarray:
    """A new array equal to ``values``, laid out in memory as ``layout`` says
    (:func:`layout_of`); a C-contiguous copy for None."""
    if layout is None:
        return np.array(values, order="C")
    _check_layout(layout, values.shape, values.size)
    perm, step = layout["perm"], layout["step"]
    base = np.zeros([values.shape[i] * abs(k) for i, k in zip(perm, step)], dtype=values.dtype)
    view = base[tuple(slice(None, None, k) for k in step)]
    view[...] = values.transpose(perm)
    return view.transpose(np.argsort(perm))


def copy_keeping_layout(value: Any) -> Any:
    """A deep copy of plain data whose arrays keep their memory layout (a deep copy of a
    strided or reversed view is otherwise contiguous)."""
    if type(value) is np.ndarray:
        return with_layout(value, layout_of(value))
    if type(value) is list:
        return [copy_keeping_layout(v) for v in value]
    if type(value) is tuple:
        return tuple(copy_keeping_layout(v) for v in value)
    if type(value) is dict:
        return {k: copy_keeping_layout(v) for k, v in value.items()}
    return copy.deepcopy(value)


# --------------------------------------------------------------------------- encoding


def _check_str(s: str) -> str:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError("a string contains lone surrogates") from None
    return s


class _Encoder:
    def __init__(self, allow_callables: bool, max_bytes: int, keep_layout: bool = False) -> None:
        self.buffers: list[bytes] = []
        self.total = 0
        self.allow_callables = allow_callables
        self.keep_layout = keep_layout
        self.max_bytes = max_bytes
        self.nodes = 0

    def _buffer(self, data: bytes) -> int:
        self.total += len(data)
        if self.total > self.max_bytes:
            raise WireError(f"the data is too big (more than {self.max_bytes // 2**20} MB)")
        self.buffers.append(data)
        return len(self.buffers) - 1

    def _array_dtype(self, arr: np.ndarray, what: str) -> str:
        dt = arr.dtype
        if dt.byteorder == ">":
            dt = dt.newbyteorder("<")
        code = dt.str
        if code not in ALLOWED_DTYPES:
            raise WireError(
                f"{what} has dtype {arr.dtype} (only bool, integer and float16/32/64 "
                "arrays can be returned; object arrays are not plain data)"
            )
        return code

    def enc(self, x: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise WireError(f"the data is nested more than {MAX_DEPTH} levels deep")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError(
                f"the data holds more than {MAX_NODES:,} Python objects (use a NumPy array)"
            )
        t = type(x)
        if x is None or t is bool:
            return x
        if t is str:
            return _check_str(x)
        if t is int:
            if x.bit_length() > 1300:
                raise WireError("an integer is too large")
            return x
        if t is float:
            if math.isfinite(x):
                return x
            return {"t": "float", "v": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}
        if t is list:
            return [self.enc(v, depth + 1) for v in x]
        if t is tuple:
            return {"t": "tuple", "v": [self.enc(v, depth + 1) for v in x]}
        if t is dict:
            out = {}
            for k, v in x.items():
                if type(k) is not str:
                    raise WireError(f"a dict has a key of type {type(k).__name__} (only str)")
                out[_check_str(k)] = self.enc(v, depth + 1)
            return {"t": "dict", "v": out}
        if t is np.ndarray:
            code = self._array_dtype(x, "an array")
            data = np.ascontiguousarray(x, dtype=ALLOWED_DTYPES[code]).tobytes()
            node = {"t": "nd", "d": code, "s": list(x.shape), "b": self._buffer(data)}
            layout = layout_of(x) if self.keep_layout else None
            if layout is not None:
                node["l"] = layout
            return node
        if t in _SCALAR_TYPES:
            code = _SCALAR_TYPES[t]
            data = np.asarray(x, dtype=ALLOWED_DTYPES[code]).tobytes()
            return {"t": "ns", "d": code, "b": self._buffer(data)}
        if t is NamedCallable or (self.allow_callables and is_named_function(x)):
            if type(x.name) is not str:
                raise WireError("a test function's name must be a str")
            return {"t": "fn", "name": x.name, "params": self.enc(dict(x.params), depth + 1)}
        if isinstance(x, np.ndarray):
            raise WireError(f"an array is a subclass of ndarray ({t.__name__}); use np.ndarray")
        if isinstance(x, (bool, int, float, str, list, tuple, dict)):
            raise WireError(
                f"a value is a subclass of {t.__mro__[1].__name__} ({t.__name__}); "
                "only the plain built-in types are plain data"
            )
        if isinstance(x, np.generic):
            raise WireError(f"a NumPy scalar has unsupported type {t.__name__}")
        if callable(x):
            raise WireError(
                f"a callable ({t.__name__}) cannot cross the process boundary; "
                "use testfuncs.make(name, **params)"
            )
        raise WireError(f"a value has unsupported type {t.__module__}.{t.__qualname__}")


def encode(
    value: Any,
    *,
    allow_callables: bool = False,
    keep_layout: bool = False,
    max_bytes: int = MAX_TOTAL_BYTES,
) -> bytes:
    """Encode plain data into one message (bytes). Raises :class:`WireError`.

    ``allow_callables`` lets NamedFunction-like objects (``.name``, ``.params``,
    callable) through as named references; ``keep_layout`` sends the memory layout of
    every array that is not C-contiguous (both: trusted side, for arguments).
    """
    enc = _Encoder(allow_callables, max_bytes, keep_layout)
    try:
        tree = enc.enc(value, 0)
    except RecursionError:
        raise WireError("the data is nested too deeply (or contains itself)") from None
    header = json.dumps(
        {"v": tree, "b": [len(b) for b in enc.buffers]},
        separators=(",", ":"),
        allow_nan=False,
        ensure_ascii=True,
    ).encode("ascii")
    if len(header) > MAX_HEADER_BYTES:
        raise WireError("the data is too big (too many Python objects)")
    return b"".join([PREFIX.pack(MAGIC, len(header), enc.total), header, *enc.buffers])


# --------------------------------------------------------------------------- decoding


def _parse_int(s: str) -> int:
    if len(s) > MAX_INT_DIGITS:
        raise WireError("integer literal too long")
    return int(s)


def _parse_constant(s: str) -> Any:
    raise WireError(f"bare {s} is not allowed")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise WireError(f"duplicate key {k!r}")
        out[k] = v
    return out


class _Decoder:
    def __init__(self, buffers: list[memoryview], allow_layout: bool = False) -> None:
        self.buffers = buffers
        self.used = [False] * len(buffers)
        self.nodes = 0
        self.allow_layout = allow_layout

    def _take(self, idx: Any) -> memoryview:
        if type(idx) is not int or not 0 <= idx < len(self.buffers):
            raise WireError("bad buffer index")
        if self.used[idx]:
            raise WireError("buffer used twice")
        self.used[idx] = True
        return self.buffers[idx]

    @staticmethod
    def _keys(node: dict, *keys: str) -> None:
        if set(node) != {"t", *keys}:
            raise WireError(f"bad keys in {node.get('t')!r} node")

    def _array(self, code: Any, shape: list[int], idx: Any) -> np.ndarray:
        if type(code) is not str or code not in ALLOWED_DTYPES:
            raise WireError(f"dtype {code!r} is not allowed")
        dt = ALLOWED_DTYPES[code]
        buf = self._take(idx)
        count = 1
        for n in shape:
            count *= n
        if count * dt.itemsize != len(buf):
            raise WireError("array buffer size does not match its shape")
        if dt.kind == "b" and len(buf) and np.frombuffer(buf, dtype=np.uint8).max() > 1:
            raise WireError("bool array holds bytes other than 0/1")
        try:
            return np.frombuffer(buf, dtype=dt, count=count).reshape(shape).copy()
        except (ValueError, TypeError, OverflowError, MemoryError) as e:
            raise WireError(f"array cannot be rebuilt ({type(e).__name__})") from None

    def dec(self, x: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise WireError("data nested too deeply")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError("too many objects")
        t = type(x)
        if x is None or t is bool or t is int:
            return x
        if t is float:
            if not math.isfinite(x):
                raise WireError("non-finite float literal")
            return x
        if t is str:
            return _check_str(x)
        if t is list:
            return [self.dec(v, depth + 1) for v in x]
        if t is not dict:
            raise WireError(f"unexpected JSON type {t.__name__}")
        tag = x.get("t")
        if tag == "tuple":
            self._keys(x, "v")
            if type(x["v"]) is not list:
                raise WireError("tuple payload is not a list")
            return tuple(self.dec(v, depth + 1) for v in x["v"])
        if tag == "dict":
            self._keys(x, "v")
            if type(x["v"]) is not dict:
                raise WireError("dict payload is not an object")
            return {_check_str(k): self.dec(v, depth + 1) for k, v in x["v"].items()}
        if tag == "float":
            self._keys(x, "v")
            special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
            if type(x["v"]) is not str or x["v"] not in special:
                raise WireError("bad special float")
            return special[x["v"]]
        if tag == "nd":
            if "l" in x and not self.allow_layout:
                raise WireError("an array layout is not allowed here")
            self._keys(x, "d", "s", "b", *(("l",) if "l" in x else ()))
            shape = x["s"]
            if (
                type(shape) is not list
                or len(shape) > MAX_NDIM
                or any(type(n) is not int or not 0 <= n <= MAX_DIM for n in shape)
            ):
                raise WireError("bad array shape")
            array = self._array(x["d"], shape, x["b"])
            return with_layout(array, x["l"]) if "l" in x else array
        if tag == "ns":
            self._keys(x, "d", "b")
            return self._array(x["d"], [], x["b"])[()]
        if tag == "fn":
            self._keys(x, "name", "params")
            params = self.dec(x["params"], depth + 1)
            if type(x["name"]) is not str or type(params) is not dict:
                raise WireError("bad callable reference")
            return NamedCallable(_check_str(x["name"]), params)
        raise WireError(f"unknown node tag {tag!r}")


def parse_prefix(prefix: bytes, max_bytes: int = MAX_TOTAL_BYTES) -> tuple[int, int]:
    """Validate the 16-byte prefix; return (header length, total buffer length)."""
    if len(prefix) != PREFIX.size:
        raise WireError("truncated message prefix")
    magic, hlen, blen = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise WireError("bad magic (not a wire message)")
    if hlen > MAX_HEADER_BYTES or hlen + blen > max_bytes:
        raise WireError("message too big")
    return hlen, blen


def decode(
    data: bytes | bytearray | memoryview,
    *,
    max_bytes: int = MAX_TOTAL_BYTES,
    allow_layout: bool = False,
) -> Any:
    """Decode one complete message. Raises :class:`WireError` for anything invalid.

    ``allow_layout``: arrays may say how to lay them out in memory (requests, decoded by
    the worker); elsewhere (replies, decoded by the trusted side) a layout is refused.
    """
    view = memoryview(data).cast("B")
    hlen, blen = parse_prefix(bytes(view[: PREFIX.size]), max_bytes)
    if len(view) != PREFIX.size + hlen + blen:
        raise WireError("message length does not match its prefix")
    raw = bytes(view[PREFIX.size : PREFIX.size + hlen])
    if raw.count(b",") > 2 * MAX_NODES:  # cheap bound before parsing: too many objects
        raise WireError("too many objects")
    try:
        header = json.loads(
            raw.decode("utf-8"),
            parse_int=_parse_int,
            parse_constant=_parse_constant,
            object_pairs_hook=_pairs,
        )
    except WireError:
        raise
    except (ValueError, RecursionError) as e:
        raise WireError(f"malformed header: {type(e).__name__}") from None
    if type(header) is not dict or set(header) != {"v", "b"}:
        raise WireError("header must be {v, b}")
    lens = header["b"]
    if type(lens) is not list or len(lens) > MAX_BUFFERS:
        raise WireError("bad buffer table")
    if any(type(n) is not int or n < 0 for n in lens) or sum(lens) != blen:
        raise WireError("buffer table does not match the prefix")
    buffers, pos = [], PREFIX.size + hlen
    for n in lens:
        buffers.append(view[pos : pos + n])
        pos += n
    dec = _Decoder(buffers, allow_layout)
    try:
        value = dec.dec(header["v"], 0)
    except WireError:
        raise
    except RecursionError:
        raise WireError("data nested too deeply") from None
    except Exception as e:  # defence in depth: nothing but WireError leaves the decoder
        raise WireError(f"invalid data ({type(e).__name__})") from None
    if not all(dec.used):
        raise WireError("unused buffers")
    return value


# --------------------------------------------------------------------------- pipes


class PipeClosed(EOFError):
    """The other end closed the pipe."""


class PipeTimeout(TimeoutError):
    """No complete message before the deadline."""


def _wait(fd: int, deadline: float | None, write: bool = False) -> None:
    if deadline is None:
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise PipeTimeout
    if write:
        _, ready, _ = select.select([], [fd], [], remaining)
    else:
        ready, _, _ = select.select([fd], [], [], remaining)
    if not ready:
        raise PipeTimeout


def _read_into(fd: int, view: memoryview, deadline: float | None) -> None:
    pos = 0
    while pos < len(view):
        _wait(fd, deadline)
        n = os.readv(fd, [view[pos : pos + (1 << 20)]])
        if not n:
            raise PipeClosed
        pos += n


def read_message(
    fd: int,
    timeout: float | None = None,
    *,
    max_bytes: int = MAX_TOTAL_BYTES,
    allow_layout: bool = False,
) -> Any:
    """Read and decode one message from ``fd`` (blocking, or until ``timeout`` seconds).

    The size is validated from the prefix before anything big is read. ``allow_layout``
    as in :func:`decode`.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    prefix = bytearray(PREFIX.size)
    _read_into(fd, memoryview(prefix), deadline)
    hlen, blen = parse_prefix(bytes(prefix), max_bytes)
    message = bytearray(PREFIX.size + hlen + blen)
    message[: PREFIX.size] = prefix
    _read_into(fd, memoryview(message)[PREFIX.size :], deadline)
    return decode(message, max_bytes=max_bytes, allow_layout=allow_layout)


def write_message(fd: int, data: bytes, timeout: float | None = None) -> None:
    """Write one encoded message to ``fd``.

    With a ``timeout`` the fd must be non-blocking (the client's end): a peer that stops
    reading cannot block the writer past the deadline.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view[: 1 << 20])
        except BlockingIOError:
            _wait(fd, deadline, write=True)
            continue
        view = view[n:]
