"""A direct reader for the plain zips that PyTorch, numpy and Keras write small: every member stored, nothing odd.

``zipfile`` builds a ``ZipInfo`` per member and a file object, a header re-read and a CRC reader per opened member;
on thousands of small checkpoints that is most of their cost.  When a zip held in memory is *plain* (one disk, no
comment, no zip64, no encryption, every member stored uncompressed, local headers that agree with the directory,
members that neither overlap nor run past the directory, and a correct CRC for every member that will be read),
this reader lists it and serves its members as slices.  Anything else, however harmless, returns ``None`` and the
caller opens the zip with ``zipfile`` as before: so the fast path never changes what a scan reports, only its cost.
"""

from __future__ import annotations

import io
import itertools
import struct
import zlib
from collections.abc import Callable
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Protocol

_END = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8_NAME = 0x800
_DATA_DESCRIPTOR = 0x8
_ALLOWED_FLAGS = _UTF8_NAME | _DATA_DESCRIPTOR
_MAX_EXTRACT_VERSION = 63
"""What ``zipfile`` reads (6.3); a higher version makes it refuse the archive."""


if TYPE_CHECKING:  # structural types only: a Protocol class costs start-up time to create

    class MemberInfo(Protocol):
        """What the scanner reads of a member (``zipfile.ZipInfo`` or :class:`StoredMember`)."""

        @property
        def filename(self) -> str: ...
        @property
        def file_size(self) -> int: ...
        @property
        def compress_size(self) -> int: ...
        @property
        def flag_bits(self) -> int: ...

    class ZipArchive(Protocol):
        """What the scanner uses of an open zip (``zipfile.ZipFile`` or :class:`StoredZip`)."""

        def namelist(self) -> list[str]: ...
        def infolist(self) -> Any: ...
        def getinfo(self, name: str, /) -> Any: ...
        def open(self, member: Any, /) -> IO[bytes]: ...
        def __enter__(self) -> Any: ...
        def __exit__(self, kind: Any, value: Any, traceback: Any, /) -> Any: ...


class StoredMember:
    """The part of ``zipfile.ZipInfo`` the scanner reads, for a stored (uncompressed) member."""

    __slots__ = ("data_offset", "file_size", "filename", "flag_bits")

    def __init__(self, filename: str, file_size: int, data_offset: int, flag_bits: int = 0) -> None:
        self.filename = filename
        self.file_size = file_size
        self.data_offset = data_offset
        self.flag_bits = flag_bits

    @property
    def compress_size(self) -> int:
        return self.file_size

    def __repr__(self) -> str:
        return f"StoredMember({self.filename!r}, size={self.file_size})"


class StoredZip:
    """A plain zip in memory, with the few ``zipfile.ZipFile`` methods the scanner uses."""

    def __init__(self, data: bytes, members: list[StoredMember]) -> None:
        self._data = data
        self._members = members
        self._by_name = {member.filename: member for member in members}  # the last of duplicates, as zipfile

    def namelist(self) -> list[str]:
        return [member.filename for member in self._members]

    def infolist(self) -> list[StoredMember]:
        return list(self._members)

    def getinfo(self, name: str) -> StoredMember:
        return self._by_name[name]

    def open(self, member: str | StoredMember) -> io.BytesIO:
        info = self._by_name[member] if isinstance(member, str) else member
        return io.BytesIO(self._data[info.data_offset : info.data_offset + info.file_size])

    def __enter__(self) -> StoredZip:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        return None


def read_stored_zip(
    data: bytes, max_members: int, max_directory: int, skip_crc: Callable[[list[str]], Callable[[str], bool]]
) -> StoredZip | None:
    """``data`` as a :class:`StoredZip` when it is a plain stored zip within the bounds, else ``None``.

    ``skip_crc(names)`` gives the test of members whose bytes the scan never reads (PyTorch tensor storage), whose
    CRC is not checked here (nor by ``zipfile``, which checks a member's CRC only when it is read to its end).
    """
    size = len(data)
    if size < _END.size or data[size - _END.size : size - _END.size + 4] != b"PK\x05\x06":
        return None  # a comment, or no end record where it should be: zipfile searches for it
    if size >= _END.size + 20 and data[size - _END.size - 20 : size - _END.size - 16] == b"PK\x06\x07":
        return None  # zip64
    _sig, disk, disk_dir, entries_here, entries, directory_size, directory_offset, comment = _END.unpack_from(
        data, size - _END.size
    )
    if disk or disk_dir or comment or entries != entries_here or entries > max_members:
        return None
    if directory_size > max_directory or directory_offset + directory_size != size - _END.size:
        return None  # data before the archive (zipfile adjusts the offsets) or a directory that does not fit
    members: list[StoredMember] = []
    crcs: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = directory_offset
    end_of_directory = directory_offset + directory_size
    for _ in range(entries):
        if pos + _CENTRAL.size > end_of_directory:
            return None
        (signature, _cv, _cs, extract_version, _r, flags, method, _t, _d, crc, csize, usize,
         name_length, extra_length, comment_length, disk_start, _ia, _ea, local_offset) = _CENTRAL.unpack_from(
            data, pos)  # fmt: skip
        if (
            signature != b"PK\x01\x02"
            or extract_version > _MAX_EXTRACT_VERSION
            or flags & ~_ALLOWED_FLAGS
            or method != 0
            or csize != usize
            or 0xFFFFFFFF in (csize, usize, local_offset)
            or extra_length
            or disk_start
        ):
            return None
        raw_name = data[pos + _CENTRAL.size : pos + _CENTRAL.size + name_length]
        pos += _CENTRAL.size + name_length + extra_length + comment_length
        if pos > end_of_directory or b"\x00" in raw_name:
            return None
        name = _decode_name(raw_name, flags)
        data_offset = None if name is None else _local_data_offset(data, local_offset, raw_name, flags, name)
        if name is None or data_offset is None or data_offset + csize > directory_offset:
            return None
        spans.append((local_offset, data_offset + csize))
        members.append(StoredMember(name, usize, data_offset, flags))
        crcs.append(crc)
    if pos != end_of_directory or _overlapping(spans):
        return None
    skipped = skip_crc([member.filename for member in members])
    for member, crc in zip(members, crcs, strict=True):
        content = data[member.data_offset : member.data_offset + member.file_size]
        if not skipped(member.filename) and zlib.crc32(content) != crc:
            return None  # zipfile reports a bad CRC in its own words: let it
    return StoredZip(data, members)


def _decode_name(raw: bytes, flags: int) -> str | None:
    """As ``zipfile`` decodes names: UTF-8 when the flag says so, else code page 437 (which never fails)."""
    if raw.isascii():  # the common case, and the same text in both encodings
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8" if flags & _UTF8_NAME else "cp437")
    except UnicodeDecodeError:
        return None


def _local_data_offset(data: bytes, offset: int, raw_name: bytes, central_flags: int, name: str) -> int | None:
    """Where a member's data starts, when its local header is sound and names the member as the directory does
    (``raw_name`` and ``central_flags``: the directory's undecoded name and flags, ``name`` its decoded name)."""
    if offset + _LOCAL.size > len(data):
        return None
    signature, _v, _vh, flags, _m, _t, _d, _crc, _cs, _us, name_length, extra_length = _LOCAL.unpack_from(data, offset)
    start = offset + _LOCAL.size
    if signature != b"PK\x03\x04" or flags & ~_ALLOWED_FLAGS or start + name_length + extra_length > len(data):
        return None
    local_name = data[start : start + name_length]
    same_encoding = (flags & _UTF8_NAME) == (central_flags & _UTF8_NAME)
    if not (same_encoding and local_name == raw_name) and _decode_name(local_name, flags) != name:
        return None
    return start + int(name_length) + int(extra_length)


def _overlapping(spans: list[tuple[int, int]]) -> bool:
    """Members sharing bytes (the trick of 'overlapping' zip bombs): left to zipfile."""
    ordered = sorted(spans)
    return any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered))
