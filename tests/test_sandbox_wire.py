"""The wire format: round trips, and the decoder (trust boundary) refusing hostile bytes."""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.sandbox import wire
from autograder.sandbox.wire import WireError, decode, encode


def roundtrip(x):
    return decode(encode(x))


def same(a, b) -> bool:
    """Exact equality including types, dtypes, shapes, nan and -0.0."""
    if type(a) is not type(b):
        return False
    if type(a) is np.ndarray:
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if type(a) is float:
        return struct.pack("<d", a) == struct.pack("<d", b)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


SCALARS = [
    None,
    True,
    False,
    0,
    -7,
    2**80,
    1.5,
    -0.0,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "héllo ♪",
    np.float64(1.25),
    np.float32(-2.5),
    np.float16(3.0),
    np.int64(-3),
    np.int8(5),
    np.uint64(2**64 - 1),
    np.bool_(True),
    np.float64(np.nan),
]


@pytest.mark.parametrize("x", SCALARS, ids=repr)
def test_scalars_round_trip_with_exact_types(x):
    assert same(roundtrip(x), x)


def test_python_float_numpy_scalar_and_0d_array_stay_distinct():
    out = roundtrip([1.0, np.float64(1.0), np.array(1.0)])
    assert [type(v) for v in out] == [float, np.float64, np.ndarray]
    assert out[2].shape == ()


@pytest.mark.parametrize(
    "dtype",
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    ],
)
def test_every_allowed_dtype_round_trips(dtype):
    a = (np.arange(12) % 3).astype(dtype).reshape(3, 4)
    b = roundtrip(a)
    assert same(b, a) and b.flags.writeable and b.flags.c_contiguous


def test_special_arrays_round_trip():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    cases = [
        np.array([np.nan, np.inf, -np.inf, -0.0]),
        np.zeros((0,)),
        np.zeros((3, 0, 2)),
        np.array(5.0),
        base[:, ::2],  # non-contiguous
        np.asfortranarray(base),  # Fortran order
        base.T,
        np.arange(4, dtype=">f8"),  # big-endian: values preserved, sent little-endian
    ]
    for a in cases:
        b = roundtrip(a)
        assert b.shape == a.shape
        np.testing.assert_array_equal(b, a)
        assert b.dtype == a.dtype.newbyteorder("<") or b.dtype == a.dtype


def test_containers_round_trip():
    x = {"W1": np.ones((2, 3)), "b": [1, (2.0, "x"), {"n": None}], "t": (), "l": []}
    assert same(roundtrip(x), x)
    assert same(roundtrip((np.zeros(2), [np.ones(1)])), (np.zeros(2), [np.ones(1)]))


def test_named_callables_travel_by_name_and_params():
    class F:
        def __init__(self) -> None:
            self.name = "quadratic"
            self.params = {"A": np.eye(2), "c": 1.0}

        def __call__(self, x):
            return 0.0

    out = decode(encode({"f": F()}, allow_callables=True))["f"]
    assert isinstance(out, wire.NamedCallable)
    assert out.name == "quadratic" and same(out.params, F().params)
    with pytest.raises(WireError):
        encode(F())  # not allowed unless asked for (the worker's replies)
    with pytest.raises(WireError, match="callable"):
        encode(lambda x: x, allow_callables=True)


@settings(derandomize=True, database=None, deadline=None, max_examples=60)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_]),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
    )
)
def test_arrays_round_trip_property(a):
    assert same(roundtrip(a), a)


# ------------------------------------------------------------------- encoder refusals


class MyFloat(float):
    pass


class MyArray(np.ndarray):
    pass


@pytest.mark.parametrize(
    "bad, why",
    [
        (np.array([1, "a"], dtype=object), "object"),
        (np.zeros(2, dtype=complex), "complex"),
        (np.array(["a"]), "<U1"),
        (np.zeros(3).view(MyArray), "subclass"),
        (MyFloat(1.0), "subclass"),
        ({1: 2}, "key"),
        ({1.5}, "unsupported"),
        (object(), "unsupported"),
        (np.complex128(1), "unsupported"),
        (b"bytes", "unsupported"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_encoder_refuses_non_plain_data(bad, why):
    with pytest.raises(WireError, match=why):
        encode(bad)


def test_encoder_refuses_self_reference_and_huge_values():
    x: list = []
    x.append(x)
    with pytest.raises(WireError, match="nested"):
        encode(x)
    with pytest.raises(WireError, match="too big"):
        encode(np.zeros(1000), max_bytes=4000)
    with pytest.raises(WireError, match="NumPy array"):
        encode([0.5] * (wire.MAX_NODES + 1))


# ------------------------------------------------------------------- hostile bytes


def message(header: dict | bytes, buffers: list[bytes] = (), blen: int | None = None) -> bytes:
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    body = b"".join(buffers)
    return wire.PREFIX.pack(wire.MAGIC, len(h), len(body) if blen is None else blen) + h + body


def nd(d="<f8", s=(2,), b=0):
    return {"v": {"t": "nd", "d": d, "s": list(s), "b": b}, "b": [16]}


HOSTILE = {
    "empty": b"",
    "bad magic": b"XXXX" + b"\0" * 12,
    "truncated": encode([1, 2, 3])[:-1],
    "trailing": encode([1, 2, 3]) + b"x",
    "huge header claim": wire.PREFIX.pack(wire.MAGIC, 2**31, 0),
    "huge buffer claim": wire.PREFIX.pack(wire.MAGIC, 2, 2**40) + b"{}",
    "not json": message(b"{not json"),
    "not utf8": message(b'{"v": "\xff", "b": []}'),
    "header not object": message(b"[1]"),
    "extra header key": message({"v": 1, "b": [], "x": 1}),
    "bare NaN": message(b'{"v": NaN, "b": []}'),
    "huge int": message(b'{"v": ' + b"9" * 5000 + b', "b": []}'),
    "duplicate key": message(b'{"v": 1, "v": 2, "b": []}'),
    "unknown tag": message({"v": {"t": "pickle", "v": "gASV"}, "b": []}),
    "untagged object": message({"v": {"a": 1}, "b": []}),
    "object dtype": message(nd(d="|O"), [b"\0" * 16]),
    "complex dtype": message(nd(d="<c16"), [b"\0" * 16]),
    "native-order dtype str": message(nd(d="=f8"), [b"\0" * 16]),
    "shape/size mismatch": message(nd(s=(3,)), [b"\0" * 16]),
    "negative dim": message(nd(s=(-2,)), [b"\0" * 16]),
    "float dim": message(nd(s=(2.0,)), [b"\0" * 16]),
    "bool dim": message({"v": {"t": "nd", "d": "<f8", "s": [True], "b": 0}, "b": [8]}, [b"\0" * 8]),
    "too many dims": message(nd(s=(1,) * 40), [b"\0" * 16]),
    "empty with a huge axis": message(
        {"v": {"t": "nd", "d": "<f8", "s": [0, 10**30], "b": 0}, "b": [0]}
    ),
    "empty with huge axes": message(
        {"v": {"t": "nd", "d": "<f8", "s": [2**31, 2**31, 0], "b": 0}, "b": [0]}
    ),
    "1 TB of buffers claimed": message({"v": None, "b": [2**40]}, blen=2**40),
    "bad buffer index": message(nd(b=3), [b"\0" * 16]),
    "buffer used twice": message({"v": [nd()["v"], nd()["v"]], "b": [16]}, [b"\0" * 16]),
    "unused buffer": message({"v": 1, "b": [16]}, [b"\0" * 16]),
    "buffer table mismatch": message({"v": 1, "b": [8]}, [b"\0" * 16]),
    "bool bytes not 0/1": message(
        {"v": {"t": "nd", "d": "|b1", "s": [2], "b": 0}, "b": [2]}, [b"\x00\x07"]
    ),
    "missing key": message({"v": {"t": "nd", "d": "<f8", "s": [2]}, "b": []}),
    "extra key in node": message({"v": {"t": "tuple", "v": [], "x": 1}, "b": []}),
    "bad special float": message({"v": {"t": "float", "v": "1e999"}, "b": []}),
    "dict payload list": message({"v": {"t": "dict", "v": [1]}, "b": []}),
    "lone surrogate": message(b'{"v": "\\ud800", "b": []}'),
    "deep nesting": message(b'{"v": ' + b"[" * 100_000 + b"]" * 100_000 + b', "b": []}'),
    "deep tagged nesting": message(
        json.dumps({"v": json.loads('{"t":"tuple","v":[' * 80 + "]}" * 80), "b": []}).encode()
    ),
    "too many objects": message(b'{"v": [' + b"0," * 1_100_000 + b'0], "b": []}'),
    "too many commas": message(b'{"v": "' + b"," * 2_100_000 + b'", "b": []}'),
    "fn with non-dict params": message({"v": {"t": "fn", "name": "q", "params": [1]}, "b": []}),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_decoder_rejects_hostile_bytes(name):
    with pytest.raises(WireError):
        decode(HOSTILE[name])


def test_decoder_respects_size_cap():
    data = encode(np.zeros(1000))
    assert decode(data).shape == (1000,)
    with pytest.raises(WireError, match="too big"):
        decode(data, max_bytes=4000)


@settings(derandomize=True, database=None, deadline=None, max_examples=200)
@given(st.binary(max_size=300), st.integers(0, 200))
def test_decoder_only_raises_wire_error_on_mutated_messages(junk, cut):
    good = encode({"a": np.arange(3.0), "b": (1, "x", [None, 2.5])})
    for data in (junk, good[:cut] + junk, good[: wire.PREFIX.size] + junk):
        with contextlib.suppress(WireError):
            decode(data)


def test_pipe_read_write_and_timeout():
    r, w = os.pipe()
    try:
        data = encode({"x": np.arange(200_000.0)})  # bigger than a pipe buffer
        os.set_blocking(w, False)
        import threading

        got = {}
        t = threading.Thread(target=lambda: got.setdefault("v", wire.read_message(r, 5)))
        t.start()
        wire.write_message(w, data, timeout=5)
        t.join()
        np.testing.assert_array_equal(got["v"]["x"], np.arange(200_000.0))
        with pytest.raises(wire.PipeTimeout):
            wire.read_message(r, 0.05)
        os.close(w)
        w = -1
        with pytest.raises(wire.PipeClosed):
            wire.read_message(r, 1)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


_ints = st.one_of(st.integers(-3, 20), st.sampled_from([2**31, 2**32 + 1, 2**62, 10**30]))
_json_leaf = st.one_of(st.none(), st.booleans(), _ints, st.floats(), st.text(max_size=5))
_node = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.fixed_dictionaries(
            {
                "t": st.sampled_from(["nd", "ns", "tuple", "dict", "float", "fn", "x"]),
                "d": st.sampled_from(["<f8", "|b1", "|u1", "<i4", "|O", "<c16", "S3"]),
                "s": st.one_of(st.lists(_ints, max_size=4), inner),
                "b": st.one_of(_ints, inner),
                "v": inner,
                "name": inner,
                "params": inner,
            }
        ).flatmap(
            lambda d: st.sets(st.sampled_from(sorted(d))).map(
                lambda keys, d=d: {k: d[k] for k in keys | {"t"}}
            )
        ),
    ),
    max_leaves=12,
)


@settings(derandomize=True, database=None, deadline=None, max_examples=200)
@given(_node, st.lists(st.binary(max_size=24), max_size=3))
def test_decoder_only_raises_wire_error_on_structured_garbage(tree, buffers):
    data = message({"v": tree, "b": [len(b) for b in buffers]}, buffers)
    with contextlib.suppress(WireError):
        decode(data)


# ------------------------------------------------------------------- memory layout

LAYOUTS = ("F", "swapped", "strided", "reversed")


def _laid_out(x: np.ndarray, layout: str) -> np.ndarray:
    """``checks.laid_out`` (the helper the tests use, from student/tests/checks.py)."""
    from autograder import paths

    return paths.load_module(paths.STUDENT_TESTS / "checks.py", "_wire_checks").laid_out(
        x, layout)


def _same_layout(a: np.ndarray, b: np.ndarray) -> bool:
    """Same values, dtype and strides (along every axis longer than 1)."""
    return (
        a.dtype == b.dtype
        and np.array_equal(a, b)
        and all(sa == sb for sa, sb, n in zip(a.strides, b.strides, a.shape) if n > 1)
    )


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (1, 4), (4, 1), (2, 1, 3)])
@pytest.mark.parametrize("dtype", ["<f8", "|u1", "<i4", "|b1"])
def test_requests_keep_the_memory_layout(layout, shape, dtype):
    x = _laid_out((np.arange(np.prod(shape)) % 3).reshape(shape).astype(dtype), layout)
    rebuilt = decode(encode([x, {"p": x}], keep_layout=True), allow_layout=True)
    assert _same_layout(rebuilt[0], x) and _same_layout(rebuilt[1]["p"], x)
    assert rebuilt[0].flags.writeable and not np.shares_memory(rebuilt[0], x)
    # without keep_layout (replies) every array travels, and arrives, in C order
    plain = decode(encode(x))
    assert np.array_equal(plain, x) and plain.flags.c_contiguous


def test_layouts_that_no_base_array_explains_travel_in_c_order():
    for x in (np.broadcast_to(np.arange(3.0), (4, 3)),
              np.lib.stride_tricks.as_strided(np.arange(8.0), (3, 3), (8, 8)),
              np.arange(4000.0)[::500]):  # a gap 500 times the data: not rebuilt
        assert wire.layout_of(x) is None
        got = decode(encode(x, keep_layout=True), allow_layout=True)
        assert np.array_equal(got, x) and got.flags.c_contiguous


def test_copy_keeping_layout():
    x = _laid_out(np.arange(12.0).reshape(3, 4), "strided")
    copied = wire.copy_keeping_layout({"a": [x, (x, 1)], "f": "text"})
    assert _same_layout(copied["a"][0], x) and _same_layout(copied["a"][1][0], x)
    copied["a"][0][0, 0] = 99.0
    assert x[0, 0] == 0.0


def _with_layout(layout: object, shape=(2, 3), data: bytes = b"\0" * 48) -> bytes:
    header = {"v": {"t": "nd", "d": "<f8", "s": list(shape), "b": 0, "l": layout},
              "b": [len(data)]}
    return message(header, [data])


BAD_LAYOUTS = {
    "not a dict": [1, 0],
    "missing step": {"perm": [1, 0]},
    "perm not a permutation": {"perm": [0, 0], "step": [1, 1]},
    "perm of floats": {"perm": [1.0, 0.0], "step": [1, 1]},
    "perm too short": {"perm": [0], "step": [1, 1]},
    "zero step": {"perm": [1, 0], "step": [0, 1]},
    "huge step": {"perm": [1, 0], "step": [10**6, 1]},
    "bool step": {"perm": [1, 0], "step": [True, 1]},
    "extra key": {"perm": [1, 0], "step": [1, 1], "offset": 3},
}


@pytest.mark.parametrize("name", list(BAD_LAYOUTS))
def test_the_worker_refuses_bad_layouts(name):
    with pytest.raises(WireError):
        decode(_with_layout(BAD_LAYOUTS[name]), allow_layout=True)


def test_the_trusted_side_refuses_any_layout():
    good = _with_layout({"perm": [1, 0], "step": [1, 1]})
    assert decode(good, allow_layout=True).strides == (8, 16)
    with pytest.raises(WireError, match="layout"):
        decode(good)  # a reply of the worker: no layout to rebuild, ever
    with pytest.raises(WireError, match="too big"):  # a base 64 * 64 times the data
        decode(_with_layout({"perm": [0, 1], "step": [64, 64]}), allow_layout=True)


def test_the_submission_gets_each_argument_in_its_layout(tmp_path):
    """End to end: the sandboxed worker hands hw.py the layout the test made; writes into
    a view are mirrored back into the caller's view."""
    from autograder.sandbox import Worker

    (tmp_path / "hw.py").write_text(
        "import numpy as np\n"
        "def strides(x):\n"
        "    view = np.shares_memory(x, x.reshape(-1))\n"
        "    return [list(x.strides), bool(x.flags.c_contiguous), bool(view)]\n"
        "def bump(x):\n"
        "    x[...] += 1\n",
        encoding="utf-8",
    )
    with Worker(tmp_path / "hw.py") as worker:
        for layout in LAYOUTS:
            x = _laid_out(np.arange(12.0).reshape(3, 4), layout)
            got_strides, contiguous, is_view = worker.call("strides", (x,))
            assert got_strides == list(x.strides) and contiguous == x.flags.c_contiguous
            # x.reshape(-1) is a view or a copy exactly as in the student's own run
            assert is_view is bool(np.shares_memory(x, x.reshape(-1))), layout
            before = x.copy()
            worker.call("bump", (x,))
            assert np.array_equal(x, before + 1), layout
