"""Real zip bombs for the tests, written without compressing gigabytes.

A deflate stream that ends a block with a full flush does not refer back past it, so one
compressed MiB of zeros, repeated N times (and closed with an empty final block), is a valid
stream of N MiB of zeros: a 10 GB member costs about 10 MB of file and a few seconds (its
CRC). The zip is written by hand, with Zip64 records when the sizes need them, and the
header may lie about the size (``declared``).
"""

from __future__ import annotations

import functools
import struct
import zlib
from pathlib import Path

MIB = 2**20
_ZEROS = bytes(MIB)


@functools.lru_cache(maxsize=4)
def _deflated_zeros(mib: int) -> tuple[bytes, int]:
    """``(raw deflate stream of mib MiB of zeros, its CRC-32)``."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = c.compress(_ZEROS) + c.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(_ZEROS, crc)
    return segment * mib + end, crc


def write_bomb(path: Path, members: list[tuple[str, bytes | int]],
               declared: dict[str, int] | None = None) -> Path:
    """A zip of ``members``: ``(name, data)`` stored deflated, or ``(name, mib)`` for a
    member of ``mib`` MiB of zeros. ``declared`` overrides a member's size in the headers
    (a bomb that lies)."""
    declared = declared or {}
    out = bytearray()
    central = bytearray()
    for name, content in members:
        if isinstance(content, int):
            data, crc = _deflated_zeros(content)
            size = content * MIB
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            data, crc, size = c.compress(content) + c.flush(), zlib.crc32(content), len(content)
        size = declared.get(name, size)
        raw = name.encode()
        zip64 = size >= 0xFFFFFFFF or len(data) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if zip64 else b""
        small = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(data), size)
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 45, 0, 8, 0, 0x21, crc, *small,
                           len(raw), len(extra)) + raw + extra + data
        central += struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 45 | (3 << 8), 45, 0, 8, 0, 0x21,
                               crc, *small, len(raw), len(extra), 0, 0, 0, 0o100644 << 16,
                               offset) + raw + extra
    cd_offset = len(out)
    out += central
    eocd64_at = len(out)
    out += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, len(members), len(members),
                       len(central), cd_offset)
    out += struct.pack("<4sLQL", b"PK\x06\x07", 0, eocd64_at, 1)
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central),
                       cd_offset, 0)
    path.write_bytes(bytes(out))
    return path


def write_directory_bomb(path: Path, entries: int) -> Path:
    """A tiny file whose end record claims ``entries`` members in a huge directory."""
    path.write_bytes(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF,
                                 0xFFFFFFF0, 0, 0)
                     if entries >= 0xFFFF else
                     struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries,
                                 entries * 64, 0, 0))
    return path
