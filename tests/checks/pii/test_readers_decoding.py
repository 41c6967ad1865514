"""UTF-16/32 with a BOM and bare-CR line ends become UTF-8 lines; other streams pass through untouched."""

from __future__ import annotations

import io

import pytest

from aispm.checks.pii.readers.decoding import HEAD_BYTES, utf8_stream
from aispm.checks.pii.records import DatasetReadError

TEXT = "naïve café\nsecond line ☕\n" * 5000


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-8-sig"])
def test_a_byte_order_mark_names_the_encoding(encoding: str) -> None:
    data = TEXT.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be", "utf-32-le"):
        data = "\ufeff".encode(encoding) + data
    assert utf8_stream(io.BytesIO(data)).read() == TEXT.encode()


def test_bare_cr_line_ends_become_newlines_and_crlf_stays() -> None:
    assert utf8_stream(io.BytesIO(b"a\rb\rc")).read() == b"a\nb\nc"
    stream = io.BytesIO(b"a\r\nb\r\n")
    assert utf8_stream(stream) is stream and stream.read() == b"a\r\nb\r\n"  # untouched, not even copied


def test_plain_utf8_and_binary_pass_through() -> None:
    for data in (TEXT.encode(), b"\x00\x01\x02 not text", b""):
        assert utf8_stream(io.BytesIO(data)).read() == data


class _Forward(io.RawIOBase):
    """A forward-only stream that breaks off like a truncated gzip after its data."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._data.read(size)
        if not data:
            raise DatasetReadError("gzip data is truncated")
        return data


def test_everything_decoded_before_a_break_is_handed_over_then_the_error() -> None:
    data = TEXT.encode("utf-16")
    assert len(data) > HEAD_BYTES  # the head, then chunks, then the break
    stream = utf8_stream(_Forward(data))  # type: ignore[arg-type]
    lines = []
    with pytest.raises(DatasetReadError, match="truncated"):
        while True:
            lines.append(stream.readline())
    assert b"".join(lines) == TEXT.encode()
