"""scan_dataset: the prefilter never changes the result, counts and samples are right, nothing raw leaks out."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.checks.secrets.keys import key

from aispm.checks.pii.entities import EntityType
from aispm.checks.pii.records import DatasetReadError, ReadLimits
from aispm.checks.pii.scanner import MAX_EXAMPLES, MAX_SAMPLES, DatasetProfile, scan_dataset

PERSONAL = [
    "Contact jane.doe@gmail.com today",
    "card: 4539 1488 0343 6467, exp 04/27",
    "My SSN is 536-22-1234.",
    "Pay to GB04NWBK40516289173052 please",
    "NI number JG 10 37 73 B",
    "login from 81.2.69.142 at noon",
    "client=2a00:1450:4009:81f::200e;",
    "call me on +44 20 7183 8750 tomorrow",
    "My date of birth is 14 March 1985.",
    "Patient MRN: 00457812 was admitted.",
]
DECOYS = [
    "test card 4111 1111 1111 1111 and mail to someone@example.com",
    "docs say 192.0.2.10 and 2001:db8::1; private 10.0.0.5",
    "order #4000 1234 5678 9010 shipped, invoice INV-2024-0042",
    "uuid 123e4567-e89b-12d3-a456-426614174000 at 2024-01-15T12:30:45Z",
    "SSN 078-05-1120 is the famous wallet sample",
    "std::cout << value << std::endl; // latency 5 ms at p99",
]
CLEAN = ["Please summarise the meeting notes.", "The export took 42 seconds.", "version 1.2.3 was released"]


def entity_counts(profile: DatasetProfile) -> dict[str, int]:
    return {entity_type.value: stats.count for entity_type, stats in profile.entities.items()}


def chat_lines() -> list[str]:
    lines = []
    texts = PERSONAL + DECOYS + CLEAN * 5
    for index, text in enumerate(texts):
        messages = [{"role": "user", "content": text}, {"role": "assistant", "content": CLEAN[index % 3]}]
        lines.append(json.dumps({"id": f"row-{index}", "created_at": "2024-01-15T12:30:45Z", "messages": messages}))
    lines.append(json.dumps({"customer": {"dob": "1985-03-14", "name": "Maria Garcia", "ssn": "536-22-1234"}}))
    lines.append("this line is not JSON but mails bob.smith@outlook.com")
    return lines


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    files = {
        "chat.jsonl": "\n".join(chat_lines()) + "\n",
        "notes.txt": "\n".join(PERSONAL + DECOYS + CLEAN) + "\n",
        "people.csv": "name,email,phone,created_at,order_id,notes\n"
        + "Maria Garcia,maria.garcia@outlook.com,(212) 736-5000,+44 20 7183 8750,4539148803436467,hello\n"
        + "Ann Lee,ann@example.com,unknown,2024-01-01,12,"
        + '"call +33 6 12 48 56 90"\n',
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text)
    return paths


@pytest.mark.parametrize("name", ["chat.jsonl", "notes.txt", "people.csv"])
def test_prefilter_and_backends_never_change_the_result(corpus: dict[str, Path], name: str) -> None:
    without = scan_dataset(corpus[name], use_prefilter=False)
    with_hyperscan = scan_dataset(corpus[name], backend="hyperscan")
    with_re = scan_dataset(corpus[name], backend="re")
    assert without.entities, name
    assert with_hyperscan.entities == without.entities
    assert with_re.entities == without.entities
    assert with_hyperscan.cells_analysed < without.cells_analysed


def test_chat_corpus_types_locations_and_no_decoys(corpus: dict[str, Path]) -> None:
    profile = scan_dataset(corpus["chat.jsonl"])
    counts = entity_counts(profile)
    for entity_type in ("email", "payment-card", "us-ssn", "iban", "uk-nino", "ip-address", "phone"):
        assert counts.get(entity_type, 0) >= 1, entity_type
    assert counts["email"] == 2  # jane.doe and the non-JSON line; example.com is a decoy
    assert counts["payment-card"] == 1 and counts["us-ssn"] == 2 and counts["ip-address"] == 2
    assert counts["phone"] == 1
    email = profile.entities[EntityType.EMAIL]
    assert email.samples[0].line == 1 and email.samples[0].field == "messages.content"
    assert email.samples[1].line == len(chat_lines()) and email.samples[1].field is None
    ssn_fields = {sample.field for sample in profile.entities[EntityType.US_SSN].samples}
    assert ssn_fields == {"messages.content", "customer.ssn"}
    assert profile.rows == len(chat_lines())
    assert profile.warnings == [f"line {len(chat_lines())}: not valid JSON, scanned as text"]


def test_csv_columns_drive_context(corpus: dict[str, Path]) -> None:
    profile = scan_dataset(corpus["people.csv"])
    phones = profile.entities[EntityType.PHONE]
    # The national number in the phone column counts; the one under created_at does not.
    assert {(s.row, s.field) for s in phones.samples} == {(1, "phone"), (2, "notes")}
    assert profile.entities[EntityType.EMAIL].count == 1
    assert EntityType.PAYMENT_CARD not in profile.entities  # a Luhn-valid order_id is an id, not a card


def test_identifier_columns_never_yield_number_shaped_entities(tmp_path: Path) -> None:
    """Order numbers and GTINs that pass Luhn or a phone plan by chance; the card column next to them still counts."""
    path = tmp_path / "customers.csv"
    path.write_text(
        "card_number,last_order,gtin,order_number,customer_id,notes\n"
        "4539 1488 0343 6467,4539148803436467,4929085624137015,(415) 736-2671,536-22-1234,card 4716 2209 8715 6438\n"
        "5425233430109903,5425 2334 3010 9903,376251930481721,07911 123856,JG 10 37 73 B,mail kim.lee@gmail.com\n"
    )
    for backend in ("hyperscan", "re"):
        profile = scan_dataset(path, backend=backend)
        cards = profile.entities[EntityType.PAYMENT_CARD]
        assert {(s.row, s.field) for s in cards.samples} == {(1, "card_number"), (2, "card_number"), (1, "notes")}
        assert set(entity_counts(profile)) == {"payment-card", "email"}  # no phone, SSN or NINO from the id columns
    json_path = tmp_path / "orders.jsonl"
    json_path.write_text(json.dumps({"order": {"tracking_no": "07911 123856", "sku": "4539148803436467"}}) + "\n")
    assert scan_dataset(json_path).entities == {}


def _dump(profile: DatasetProfile) -> str:
    """Everything a profile hands to reports, as text."""
    entities = {
        t.value: [s.count, [x.to_json() for x in s.samples], s.examples, s.fields] for t, s in profile.entities.items()
    }
    return json.dumps([entities, profile.warnings, profile.error, profile.stopped])


def test_counts_samples_and_examples_are_bounded_and_redacted(tmp_path: Path) -> None:
    emails = [f"person{n}.name@gmail.com" for n in range(12)]
    path = tmp_path / "mails.txt"
    path.write_text("".join(f"write to {mail} please\nclean line\n" for mail in emails))
    profile = scan_dataset(path)
    stats = profile.entities[EntityType.EMAIL]
    assert stats.count == 12
    assert [s.line for s in stats.samples] == [1, 3, 5, 7, 9][:MAX_SAMPLES]
    assert len(stats.examples) == 1 <= MAX_EXAMPLES  # all redact to the same p***@***.com
    dumped = _dump(profile)
    assert not any(mail in dumped or mail.split("@")[0] in dumped for mail in emails)
    assert entity_counts(profile) == {"email": 12}
    assert stats.samples[0].to_json() == {"line": 1}
    assert profile.rows == 24 and profile.sampled is False


def test_credentials_are_counted_with_the_secrets_redaction(tmp_path: Path) -> None:
    secret = key("openai-project-key")
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": f"my key is {secret} ok"}]}) + "\n")
    profile = scan_dataset(path)
    stats = profile.entities[EntityType.CREDENTIAL]
    assert stats.count == 1 and stats.samples[0].line == 1
    assert stats.examples[0].startswith("OpenAI project API key: sk-proj-")
    assert secret not in _dump(profile)
    assert EntityType.CREDENTIAL not in scan_dataset(path, credentials=False).entities


def test_sampling_reads_only_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"text": f"mail person{n}@gmail.com"}) + "\n" for n in range(100)))
    profile = scan_dataset(path, limits=ReadLimits(sample_rows=10))
    assert profile.sampled and profile.rows == 10
    assert profile.entities[EntityType.EMAIL].count == 10
    assert profile.stopped == "sampled first 10 rows"


class _BreaksOff(io.BytesIO):
    """A stream that fails like a truncated compressed file: its data, then a read error."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise DatasetReadError("gzip data is truncated after 3000 decompressed bytes")
        return data


def test_a_stream_that_breaks_off_gives_a_partial_profile_with_the_error() -> None:
    lines = "".join(json.dumps({"text": f"mail person{n}@gmail.com"}) + "\n" for n in range(3000))
    profile = scan_dataset(_BreaksOff(lines.encode()), "jsonl", ReadLimits(block_bytes=4096))
    assert profile.error == "gzip data is truncated after 3000 decompressed bytes"
    assert profile.entities[EntityType.EMAIL].count == 3000  # everything before the break is kept
    assert profile.rows == profile.entities[EntityType.EMAIL].count


def test_stream_input_and_unknown_format() -> None:
    stream = io.BytesIO(b"ann.lee@gmail.com\n")
    assert entity_counts(scan_dataset(stream, "text")) == {"email": 1}
    profile = scan_dataset(io.BytesIO(b"x"), "nope")
    assert profile.error == "no reader for dataset format 'nope'" and not profile.entities


def test_missing_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    profile = scan_dataset(tmp_path / "absent.jsonl")
    assert profile.error is not None and not profile.entities


def test_credentials_are_looked_for_only_around_anchors_with_the_same_result() -> None:
    from aispm.checks.pii.scanner import _Credentials

    lines = [f"step {n}: the export took {n % 60} seconds" for n in range(3000)]
    lines[1200] = f"my key is {key('openai-project-key')} ok"
    lines[2000:2004] = ["[gemini]", "model = 'flash'", "timeout = 30", f'api_key = "{key("google-gemini-api-key")}"']
    lines[2500] = f"GEMINI_API_KEY={key('google-gemini-api-key', 2)}"
    text = "\n".join(lines) + "\n"
    credentials = _Credentials("notes.txt")
    windows = list(credentials._windows(text))
    assert sum(len(window) for _, window in windows) < len(text) // 10  # the engine sees a few lines, not the block
    found = credentials.find(text)
    assert found == credentials._find(text)  # the whole text at once: same keys, same lines
    assert [line for line, _ in found] == [1201, 2004, 2501]


# --- tables: a column's values are prefiltered together, and cells made only for the values flagged ---------------
def _chat_table() -> Any:
    import pyarrow as pa

    texts = PERSONAL + DECOYS + CLEAN * 20
    secret = key("openai-project-key")
    messages = [
        [{"role": "user", "content": text}, {"role": "assistant", "content": CLEAN[index % 3]}]
        for index, text in enumerate(texts)
    ]
    messages[3][1]["content"] = f"line one\nmy key is {secret}\nthen mail kim.lee@gmail.com"  # breaks inside a value
    rows = len(messages)
    return pa.table(
        {
            "messages": pa.array(messages),
            "dob": pa.array([dt.date(1980, 1, 1) + dt.timedelta(days=100 * i) for i in range(rows)], pa.date32()),
            "ssn": pa.array([536221234 if i == 5 else None for i in range(rows)], pa.int64()),
            "notes": pa.array([None if i % 2 else "" if i % 3 else "nothing here" for i in range(rows)]),
            "meta": pa.array([[("source", "call +44 20 7183 8750")] if i == 7 else [] for i in range(rows)],
                             pa.map_(pa.string(), pa.string())),
        }
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_table_columns_give_the_same_result_with_and_without_the_prefilter(tmp_path: Path, fmt: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = _chat_table()
    if fmt == "parquet":
        path = tmp_path / "train.parquet"
        pq.write_table(table, path, row_group_size=16)
    else:
        path = tmp_path / "data-00000-of-00001.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=10):
                writer.write_batch(batch)
    without = scan_dataset(path, use_prefilter=False, limits=ReadLimits(batch_cells=7))
    with_hyperscan = scan_dataset(path, backend="hyperscan", limits=ReadLimits(batch_cells=7))
    with_re = scan_dataset(path, backend="re")
    assert without.error is None and without.rows == table.num_rows
    assert with_hyperscan.entities == without.entities
    assert {t: s.count for t, s in with_re.entities.items()} == {t: s.count for t, s in without.entities.items()}
    assert with_hyperscan.cells_analysed < without.cells_analysed // 2  # the clean chat turns never became cells
    counts = entity_counts(without)
    assert counts["date-of-birth"] == table.num_rows + 1  # every value of the context column, and "date of birth is"
    assert counts["us-ssn"] == 2 and counts["phone"] == 2  # the int64 ssn column and the map value
    assert counts["credential"] == 1 and counts["email"] == 2
    credential = without.entities[EntityType.CREDENTIAL].samples[0]
    assert (credential.row, credential.field) == (4, "messages.content")


# --- review fixes: field names, parser errors, nested owners, encodings ----------------------------------------
def _columns(profile: DatasetProfile) -> set[str | None]:
    return {sample.field for stats in profile.entities.values() for sample in stats.samples} | {
        name for stats in profile.entities.values() for name in stats.fields
    }


def test_field_names_that_are_values_never_leave_the_scanner(tmp_path: Path) -> None:
    headerless = tmp_path / "people.csv"
    headerless.write_text("jane.doe@gmail.com,+44 20 7183 8750,536-22-1234\nkim.lee@fastmail.fm,+44 20 7183 8750,x\n")
    profile = scan_dataset(headerless)
    assert entity_counts(profile) == {"email": 2, "phone": 2, "us-ssn": 1}  # the first row counts too
    assert _columns(profile) == {"col1", "col2", "col3"}
    keyed = tmp_path / "users.json"
    keyed.write_text(json.dumps({"jane.doe@gmail.com": {"card": "4539 1488 0343 6467"}, "ok": {"plan": "pro"}}))
    profile = scan_dataset(keyed)
    assert entity_counts(profile) == {"email": 1, "payment-card": 1}  # the key is scanned as a value
    assert _columns(profile) == {None, "<redacted field>"}
    assert "jane" not in _dump(profile) and "gmail" not in _dump(profile)


def test_a_parser_error_is_a_profile_error_that_quotes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """csv.Error and friends escape a reader: the profile keeps what was read, names the error, quotes no data."""
    import csv

    from aispm.checks.pii import scanner
    from aispm.checks.pii.records import Cell

    def breaking(stream: Any, limits: ReadLimits, progress: Any) -> Any:
        progress.rows = 1
        yield [Cell("mail jane.doe@gmail.com", "note", 2, 1)]
        raise csv.Error("field 'kim.lee@fastmail.fm' larger than field limit")

    monkeypatch.setattr(scanner, "reader_for", lambda fmt: breaking)
    profile = scan_dataset(io.BytesIO(b""), "csv")
    assert profile.error == "Error" and entity_counts(profile) == {"email": 1}
    assert "kim.lee" not in _dump(profile)


def test_nested_keys_keep_their_owner(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    lines = [{"patient": {"name": "John Smith"}}, {"product": {"name": "John Deere"}}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    profile = scan_dataset(path)
    names = profile.entities[EntityType.PERSON_NAME]
    assert names.count == 1 and [(s.line, s.field) for s in names.samples] == [(1, "patient.name")]


def test_compact_json_with_a_trailing_newline_keeps_its_line(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps({"a": {"note": "mail jane.doe@gmail.com"}}) + "\n")
    (sample,) = scan_dataset(path).entities[EntityType.EMAIL].samples
    assert (sample.line, sample.field) == (1, "a.note")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le"])
@pytest.mark.parametrize("suffix", ["txt", "jsonl"])
def test_unicode_text_with_a_byte_order_mark_is_scanned(tmp_path: Path, encoding: str, suffix: str) -> None:
    lines = ['{"text": "hello"}', '{"text": "contact jane.doe@gmail.com"}', '{"text": "call +44 20 7183 8750"}']
    data = "\n".join(lines).encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    path = tmp_path / f"corpus.{suffix}"
    path.write_bytes(data)
    profile = scan_dataset(path)
    assert entity_counts(profile) == {"email": 1, "phone": 1} and not profile.warnings
    assert profile.entities[EntityType.EMAIL].samples[0].line == 2


def test_bare_cr_text_has_lines(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello\rcontact jane.doe@gmail.com\rbye\r")
    profile = scan_dataset(path)
    assert profile.rows == 3 and profile.entities[EntityType.EMAIL].samples[0].line == 2


def test_version_columns_never_yield_addresses_but_ip_columns_do(tmp_path: Path) -> None:
    path = tmp_path / "inventory.tsv"
    path.write_text(
        "sku\tfirmware\tsw_version\tlast_ip\tnotes\n"
        "A-1\t9.14.2.140\t81.2.69.142\t81.2.69.160\tupgraded\n"
        "A-2\t1.4.7.48\t5.3.0.211\t10.0.0.7\tlogin from 81.2.69.143\n"
    )
    for backend in ("hyperscan", "re"):
        ips = scan_dataset(path, backend=backend).entities[EntityType.IP_ADDRESS]
        assert {(s.row, s.field) for s in ips.samples} == {(1, "last_ip"), (2, "notes")}


def test_nested_phone_lists_and_numbered_id_fields(tmp_path: Path) -> None:
    """``phones[].number`` is a phone (even of an area code newer than the metadata); ``tax_ref`` an SSN, not an id."""
    path = tmp_path / "crm.jsonl"
    record = {
        "primary_contact": {"phones": [{"label": "mobile", "number": "(536) 282-4153"}]},
        "billing": {"tax_ref": "536-22-1234"},
        "items": [{"number": "(536) 282-4153"}],
        "mrn_no": "230-7036",
    }
    path.write_text(json.dumps(record) + "\n")
    profile = scan_dataset(path)
    assert entity_counts(profile) == {"phone": 1, "us-ssn": 1, "medical-record-number": 1}
    phone = profile.entities[EntityType.PHONE].samples[0]
    assert phone.field == "primary_contact.phones.number"


def test_a_key_both_detectors_see_counts_once(tmp_path: Path) -> None:
    secret = key("google-gemini-api-key")
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"text": f"export GEMINI_API_KEY={secret}"}) + "\n")
    stats = scan_dataset(path).entities[EntityType.CREDENTIAL]
    assert stats.count == 1
    assert secret not in _dump(scan_dataset(path))
