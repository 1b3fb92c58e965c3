"""Hostile files for tests: images whose headers declare huge sizes, zips with names a file system cannot hold.

Also the one helper the server tests of such files share: a call that must answer 400.
"""

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

API = "mass-ide/api"


async def refused_with_400(jp_fetch, *parts, **kwargs) -> str:
    """Call a Mass IDE route that must answer 400; its message."""
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, *parts, **kwargs)
    assert caught.value.code == 400, caught.value.response.body
    return json.loads(caught.value.response.body)["message"]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny 8-bit grey PNG whose header declares ``width`` × ``height`` pixels (its data is one short row)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(bytes(64))) + _png_chunk(b"IEND", b""))


def tiff_declaring(width: int, height: int) -> bytes:
    """A tiny uncompressed 8-bit grey TIFF whose header declares ``width`` × ``height`` pixels."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 0), (277, 3, 1), (278, 4, height), (279, 4, 64)]
    ifd_size = 2 + 12 * len(tags) + 4
    data_offset = 8 + ifd_size
    entries = b"".join(struct.pack("<HHI", tag, kind, 1) + struct.pack("<I", data_offset if tag == 273 else value)
                       for tag, kind, value in tags)
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(tags)) + entries + b"\0\0\0\0" + bytes(64)


def write_zip(archive: Path, names: list[str], *, data: bytes = b"a,b\n1,2\n") -> Path:
    """A zip of one small file per name (a folder entry for a name ending in '/'), in order.

    A ``\\0`` in a name is stored as a real NUL byte, as a hostile tool would write it.
    """
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in names:
            if name.endswith("/"):
                zipped.mkdir(name)
            else:
                zipped.writestr(name.replace("\0", "\x7f"), data)  # zipfile cuts names at a NUL; patched below
    raw = archive.read_bytes()
    for name in names:
        if "\0" in name:
            raw = raw.replace(name.replace("\0", "\x7f").encode(), name.encode())
    archive.write_bytes(raw)
    return archive
