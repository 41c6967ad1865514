"""The direct reader of plain stored zips: it lists and serves exactly what ``zipfile`` does, and declines (so the
scan falls back to ``zipfile`` and reports what it always did) on anything that is not plain."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from aispm.checks.modelfiles.archives import ModelScanReport, _unread_members, scan_model_file
from aispm.checks.modelfiles.stored_zip import StoredZip, read_stored_zip

from .builders import evil_reduce, torch_data_pkl, torch_zip, zip_bytes

LIMITS = (200_000, 64 * 1024 * 1024)


def read(data: bytes) -> StoredZip | None:
    return read_stored_zip(data, *LIMITS, _unread_members)


def scan(data: bytes, name: str) -> ModelScanReport:
    report = scan_model_file(io.BytesIO(data), name, len(data))
    assert report is not None
    return report


def summary(report: ModelScanReport | None) -> tuple[object, ...]:
    if report is None:
        return ()
    pickles = [(p.member, p.format, sorted(p.scan.globals), p.scan.issues, p.scan.opcodes) for p in report.pickles]
    return report.format, report.zip_names, pickles, report.issues


def via_zipfile(data: bytes, name: str) -> ModelScanReport | None:
    """The same scan with the fast path off: what ``zipfile`` alone reports."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("aispm.checks.modelfiles.archives.read_stored_zip", lambda *_args: None)
        return scan_model_file(io.BytesIO(data), name, len(data))


def test_plain_zip_lists_and_serves_members_as_zipfile_does() -> None:
    data = zip_bytes({"a/data.pkl": b"\x80\x02N.", "a/version": b"3\n", "a/dir/": b"", "a/utf8-\u00e9": b"x" * 70})
    archive = read(data)
    assert archive is not None
    with zipfile.ZipFile(io.BytesIO(data)) as reference:
        assert archive.namelist() == reference.namelist()
        for info in reference.infolist():
            mine = archive.getinfo(info.filename)
            assert (mine.file_size, mine.compress_size, mine.flag_bits) == (
                info.file_size,
                info.compress_size,
                info.flag_bits,
            )
            with archive.open(mine) as opened:
                assert opened.read() == reference.read(info)


def test_torch_checkpoint_scans_the_same_with_and_without_the_fast_path() -> None:
    data = torch_zip(torch_data_pkl(), extra={"archive/extra.pkl": evil_reduce(2)})
    assert read(data) is not None
    fast = scan(data, "model.pt")
    assert summary(fast) == summary(via_zipfile(data, "model.pt"))
    assert "archive/extra.pkl" in [p.member for p in fast.pickles if ("os", "system") in p.scan.globals]
    assert "archive/data/0" not in [p.member for p in fast.pickles]  # tensor storage is still never walked


def test_storage_crc_is_not_checked_but_every_read_member_is() -> None:
    good = torch_zip(torch_data_pkl())
    storage = good.index(b"\x80\x02cos\nsystem")
    assert read(good[:storage] + b"\x81" + good[storage + 1 :]) is not None  # storage bytes are never read
    pickle_at = good.index(b"collections")
    assert read(good[:pickle_at] + b"C" + good[pickle_at + 1 :]) is None  # a read member with a bad CRC


def _patched(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    return data[:offset] + struct.pack(fmt, *values) + data[offset + struct.calcsize(fmt) :]


def _central(data: bytes) -> int:
    return data.index(b"PK\x01\x02")


@pytest.mark.parametrize(
    ("case", "mutate"),
    [
        ("deflated members", lambda d: zip_bytes({"m.pkl": evil_reduce(2)}, zipfile.ZIP_DEFLATED)),
        ("an archive comment", lambda d: d[:-2] + b"\x02\x00hi"),
        ("bytes before the archive", lambda d: b"junk" + d),
        ("an encrypted member", lambda d: _patched(d, _central(d) + 8, "<H", 1)),
        ("a later extract version", lambda d: _patched(d, _central(d) + 6, "<H", 64)),
        ("a central extra field", lambda d: None),
        ("a local name that differs", lambda d: d.replace(b"m.pkl", b"n.pkl", 1)),
        ("a truncated directory", lambda d: d[:-30] + d[-22:]),
        ("a bad CRC", lambda d: _patched(d, _central(d) + 16, "<I", 0)),
    ],
)
def test_anything_not_plain_is_left_to_zipfile(case: str, mutate: object) -> None:
    plain = zip_bytes({"m.pkl": evil_reduce(2)})
    assert read(plain) is not None
    if case == "a central extra field":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            info = zipfile.ZipInfo("m.pkl", date_time=(2024, 1, 1, 0, 0, 0))
            info.extra = struct.pack("<HH", 0xCAFE, 0)
            archive.writestr(info, evil_reduce(2))
        data = buffer.getvalue()
    else:
        assert callable(mutate)
        data = mutate(plain)
    assert data != plain
    assert read(data) is None, case
    fast = scan_model_file(io.BytesIO(data), "model.zip", len(data))
    assert summary(fast) == summary(via_zipfile(data, "model.zip"))


def test_overlapping_members_are_left_to_zipfile() -> None:
    """Two directory entries pointing at the same local header (the 'overlap' zip bomb shape)."""
    plain = zip_bytes({"a.pkl": evil_reduce(2), "b.pkl": evil_reduce(2)})
    central = _central(plain)
    second = plain.index(b"PK\x01\x02", central + 4)
    overlapping = _patched(plain, second + 42, "<I", 0)
    overlapping = overlapping.replace(b"b.pkl", b"a.pkl")
    assert read(overlapping) is None
    assert summary(scan(overlapping, "model.zip")) == summary(via_zipfile(overlapping, "model.zip"))


def test_bounds_on_members_and_directory_are_kept() -> None:
    data = zip_bytes({f"m{i}.bin": b"" for i in range(5)})
    assert read_stored_zip(data, 4, LIMITS[1], _unread_members) is None
    assert read_stored_zip(data, LIMITS[0], 10, _unread_members) is None
    assert read_stored_zip(data, *LIMITS, _unread_members) is not None


def test_malformed_zips_keep_their_errors() -> None:
    data = torch_zip(torch_data_pkl())
    for broken in (data[: len(data) // 2], data[:-22], b"PK\x03\x04" + b"\0" * 40):
        assert read(broken) is None
        report = scan(broken, "model.pt")
        assert report.issues and report.issues[0].kind == "malformed"
        assert summary(report) == summary(via_zipfile(broken, "model.pt"))


def test_empty_zip_is_an_empty_listing() -> None:
    data = zip_bytes({})
    archive = read(data)
    assert archive is not None and archive.namelist() == []
    assert zlib.crc32(b"") == 0


def test_a_bad_crc_is_still_reported_by_the_zipfile_path() -> None:
    plain = zip_bytes({"m.pkl": evil_reduce(2)})
    report = scan(_patched(plain, _central(plain) + 16, "<I", 0), "model.zip")
    assert [issue.kind for issue in report.issues] == ["malformed"]
    assert "CRC" in report.issues[0].message
