"""The PII analyser end to end: real files of every format through the engine and ``aispm scan``, findings per file and
entity type, the dataset classification in the inventory and the BOM, sampling, broken files, and no raw value in
any report."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from aispm.checks.pii.analyser import PiiAnalyser, profile_findings
from aispm.checks.pii.entities import EntityType
from aispm.checks.pii.scanner import DatasetProfile, EntityStats, SampleLocation
from aispm.cli import cli
from aispm.engine import scan
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Finding, ScanResult, Severity
from aispm.options import ScanOptions
from aispm.report import renderer

# Planted values (valid: they pass the validators) and their compact spellings, none of which may reach a report.
EMAIL = "jane.doe@gmail.com"
PHONE = "+44 20 7183 8750"
CARD = "4539 1488 0343 6467"
SSN = "536-22-1234"
IBAN = "GB04NWBK40516289173052"
NINO = "JG 10 37 73 B"
IP = "81.2.69.142"
PLANTED = (
    EMAIL,
    "jane.doe",
    PHONE,
    "71838750",
    CARD,
    "4539148803436467",
    SSN,
    "536221234",
    IBAN,
    NINO,
    "JG103773B",
    IP,
    "kim.lee",
)
# Decoys that must not fire: a test card, documentation domain and IP range, a UUID, an order number, a famous SSN.
DECOYS = (
    "4111 1111 1111 1111",
    "user@example.com",
    "192.0.2.10",
    "123e4567-e89b-12d3-a456-426614174000",
    "ORD-2024-000123",
    "078-05-1120",
)


def _chat(user: str, assistant: str = "Thanks, noted.") -> str:
    return json.dumps({"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]})


def _write_estate(root: Path) -> None:
    chat = root / "data" / "chat"
    chat.mkdir(parents=True)
    lines = [
        _chat(f"Reach me at {EMAIL} or {PHONE}"),
        _chat("What is the capital of France?", "Paris."),
        _chat(f"My card is {CARD} and my SSN is {SSN}"),
        _chat(f"Use test card {DECOYS[0]} or write to {DECOYS[1]}"),
        _chat(f"Trace {DECOYS[3]} for order {DECOYS[4]} from {DECOYS[2]}, not {DECOYS[5]}"),
        _chat(f"Email {EMAIL} again"),
    ]
    (chat / "train.jsonl").write_text("\n".join(lines) + "\n")
    with gzip.open(chat / "valid.jsonl.gz", "wt") as handle:
        handle.write(_chat(f"Send it to IBAN {IBAN} please") + "\n")
    customers = root / "data" / "customers"
    customers.mkdir()
    (customers / "people.csv").write_text(
        f"id,email,created_at,ip\n1,{EMAIL},2024-01-15T10:30:45Z,{IP}\n2,{DECOYS[1]},2024-02-01T00:00:00Z,10.0.0.1\n"
    )
    tables = root / "data" / "tables"
    tables.mkdir()
    table = pa.table({"notes": ["nothing here", f"NI number {NINO}", "ok"], "contact": ["a", "b", EMAIL]})
    pq.write_table(table, tables / "records.parquet")
    clean = root / "datasets" / "faq"
    clean.mkdir(parents=True)
    (clean / "faq.csv").write_text(f"question,answer\nWhat is 2+2?,4\nWhere is {DECOYS[4]}?,shipped\n")
    # Field names that are values: a CSV without a header row, a JSON object keyed by email address.
    leaky = root / "datasets" / "leaky"
    leaky.mkdir(parents=True)
    (leaky / "people.csv").write_text(f"{EMAIL},{PHONE},{SSN}\nkim.lee@fastmail.fm,{PHONE},x\n")
    (leaky / "users.json").write_text(json.dumps({EMAIL: {"card": CARD}, "ok": {"plan": "pro"}}))
    broken = root / "data" / "broken"
    broken.mkdir()
    blob = gzip.compress((_chat(f"mail {EMAIL}") + "\n").encode() * 50)
    (broken / "cut.jsonl.gz").write_bytes(blob[: len(blob) // 2])
    # A chat file outside any data directory is a fine-tuning set of its own ...
    (root / "finetune.jsonl").write_text(_chat(f"card {CARD}") + "\n")
    # ... but not in test fixtures, and JSON Lines that are not chat (logs) and loose text files are not datasets.
    fixtures = root / "tests" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "chat.jsonl").write_text(_chat(f"card {CARD}") + "\n")
    (root / "logs.jsonl").write_text(json.dumps({"level": "info", "user": EMAIL}) + "\n")
    (root / "notes.txt").write_text(f"{EMAIL}\n")


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ScanResult]]:
    root = tmp_path_factory.mktemp("pii-estate")
    _write_estate(root)
    yield root, scan([str(root)], ScanOptions(workers=1, history=False))


def _pii(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.rule_id.startswith("AISPM-PII-")]


def _datasets(result: ScanResult) -> dict[str, Asset]:
    return {a.name: a for a in result.assets if a.kind is AssetKind.DATASET}


def test_one_finding_per_file_and_entity_type_with_its_count(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    found = {
        (f.location.path, f.properties["entity_type"]): f.properties["count"]
        for f in _pii(result)
        if "entity_type" in f.properties
    }
    assert found == {
        ("data/chat/train.jsonl", "email"): 2,
        ("data/chat/train.jsonl", "phone"): 1,
        ("data/chat/train.jsonl", "payment-card"): 1,
        ("data/chat/train.jsonl", "us-ssn"): 1,
        ("data/chat/valid.jsonl.gz", "iban"): 1,
        ("data/customers/people.csv", "email"): 1,
        ("data/customers/people.csv", "ip-address"): 1,
        ("data/tables/records.parquet", "uk-nino"): 1,
        ("data/tables/records.parquet", "email"): 1,
        ("finetune.jsonl", "payment-card"): 1,
        ("datasets/leaky/people.csv", "email"): 2,
        ("datasets/leaky/people.csv", "phone"): 2,
        ("datasets/leaky/people.csv", "us-ssn"): 1,
        ("datasets/leaky/users.json", "email"): 1,
        ("datasets/leaky/users.json", "payment-card"): 1,
    }


def test_findings_carry_rule_severity_place_redacted_evidence_and_frameworks(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    by_key = {(f.location.path, f.properties.get("entity_type")): f for f in _pii(result)}
    email = by_key[("data/chat/train.jsonl", "email")]
    assert email.rule_id == "AISPM-PII-EMAIL" and email.severity is Severity.MEDIUM
    assert email.location.start_line == 1
    assert email.properties["sample_locations"] == [
        {"line": 1, "column": "messages.content"},
        {"line": 6, "column": "messages.content"},
    ]
    assert email.message == "2 email addresses: line 1 (messages.content), line 6 (messages.content)"
    assert email.evidence == "j***@***.com"
    assert "LLM02:2025" in email.frameworks and "EU AI Act Art. 10" in email.frameworks
    card = by_key[("data/chat/train.jsonl", "payment-card")]
    assert card.rule_id == "AISPM-PII-PAYMENT-CARD" and card.severity is Severity.HIGH
    assert card.location.start_line == 3 and card.evidence.endswith("6467")
    ssn = by_key[("data/chat/train.jsonl", "us-ssn")]
    assert ssn.rule_id == "AISPM-PII-NATIONAL-ID"
    # Parquet has rows and columns, not lines: the finding sits on the file and names row and column.
    nino = by_key[("data/tables/records.parquet", "uk-nino")]
    assert nino.location.start_line is None
    assert nino.properties["sample_locations"] == [{"row": 2, "column": "notes"}]
    assert nino.message == "1 UK National Insurance number: row 2 column notes"
    csv_email = by_key[("data/customers/people.csv", "email")]
    assert csv_email.properties["columns"] == {"email": 1}
    # Findings belong to the dataset the file is in.
    datasets = _datasets(result)
    assert email.asset_id == datasets["data"].id and nino.asset_id == datasets["data"].id


def test_datasets_are_classified_by_what_their_files_hold(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    datasets = _datasets(result)
    data = datasets["data"].properties
    assert data["classification"] == "restricted"
    assert data["sensitive_data"] == {
        "payment-card": 1,
        "iban": 1,
        "uk-nino": 1,
        "us-ssn": 1,
        "email": 4,
        "phone": 1,
        "ip-address": 1,
    }
    assert data["pii_files"] == [
        "data/chat/train.jsonl",
        "data/chat/valid.jsonl.gz",
        "data/customers/people.csv",
        "data/tables/records.parquet",
    ]
    assert data["pii_files_scanned"] == 5 and data["pii_scan"] == "incomplete"
    # Discovery's facts about the dataset stay: the PII scan adds to the same asset.
    assert data["source"] == "data files" and data["file_count"] == 5
    faq = datasets["faq"].properties
    assert faq["classification"] == "public" and faq["sensitive_data"] == {} and faq["pii_scan"] == "complete"
    own = datasets["finetune.jsonl"]
    assert own.properties["classification"] == "restricted" and own.properties["sensitive_data"] == {"payment-card": 1}
    assert [loc.path for loc in own.locations] == ["finetune.jsonl"]


def test_field_names_that_are_values_are_numbered_or_redacted(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    by_key = {(f.location.path, f.properties.get("entity_type")): f for f in _pii(result)}
    headerless = by_key[("datasets/leaky/people.csv", "email")]
    assert headerless.properties["columns"] == {"col1": 2}
    assert headerless.message == "2 email addresses: line 1 (col1), line 2 (col1)"
    keyed = by_key[("datasets/leaky/users.json", "payment-card")]
    assert keyed.properties["columns"] == {"<redacted field>": 1}
    leaky = _datasets(result)["leaky"].properties
    assert leaky["classification"] == "restricted" and "no header row" in str(leaky["pii_warnings"])


def test_fixtures_logs_loose_text_and_clean_files_raise_nothing(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    paths = {f.location.path for f in _pii(result)}
    for quiet in ("tests/fixtures/chat.jsonl", "logs.jsonl", "notes.txt", "datasets/faq/faq.csv"):
        assert quiet not in paths


def test_a_broken_file_says_how_far_the_scan_got(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    (incomplete,) = [f for f in result.findings if f.rule_id == "AISPM-PII-INCOMPLETE"]
    assert incomplete.location.path == "data/broken/cut.jsonl.gz"
    assert incomplete.message.startswith("scan stopped after ") and "truncated" in incomplete.message
    assert incomplete.properties["reason"] and isinstance(incomplete.properties["rows_scanned"], int)
    assert _datasets(result)["data"].properties["pii_incomplete_files"] == ["data/broken/cut.jsonl.gz"]
    assert not result.errors


@pytest.mark.parametrize("fmt", ["json", "sarif", "cyclonedx", "html", "table"])
def test_no_report_holds_a_raw_value(estate: tuple[Path, ScanResult], fmt: str) -> None:
    _, result = estate
    text = renderer(fmt)(result)
    assert "AISPM-PII-" in text or fmt == "cyclonedx"
    for value in PLANTED:
        assert value not in text, f"{value!r} in the {fmt} report"


def test_the_bom_carries_each_dataset_classification(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    text = renderer("cyclonedx")(result)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    data: dict[str, Any] = {
        c["name"]: c["data"][0] for c in json.loads(text)["components"] if c["type"] == "data" and "data" in c
    }
    assert data["data"]["classification"] == "restricted"
    # Most sensitive types first, then the most frequent.
    assert data["data"]["sensitiveData"] == [
        "iban: 1",
        "payment-card: 1",
        "uk-nino: 1",
        "us-ssn: 1",
        "email: 4",
        "phone: 1",
        "ip-address: 1",
    ]
    assert data["faq"]["classification"] == "public" and "sensitiveData" not in data["faq"]


def test_html_inventory_shows_the_classification(estate: tuple[Path, ScanResult]) -> None:
    _, result = estate
    html = renderer("html")(result)
    assert "<dt>classification</dt><dd>restricted</dd>" in html
    assert "<dt>sensitive data</dt><dd>iban 1, payment-card 1, uk-nino 1, us-ssn 1, email 4" in html


def test_sample_reads_only_the_first_rows_and_the_report_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lines = [_chat(f"mail {EMAIL}")] + [_chat("nothing personal")] * 8 + [_chat(f"card {CARD}")]
    (data / "big.jsonl").write_text("\n".join(lines) + "\n")
    args = ["scan", str(tmp_path), "--scanners", "data", "--format", "json", "--no-store", "--sample", "3"]
    outcome = CliRunner().invoke(cli, args, catch_exceptions=False)
    doc = json.loads(outcome.output)
    findings = [f for f in doc["findings"] if f["rule_id"].startswith("AISPM-PII-")]
    assert [f["properties"]["entity_type"] for f in findings] == ["email"]
    assert findings[0]["properties"]["sampled"] == "first 3 rows"
    assert findings[0]["message"].endswith("; sampled first 3 rows")
    (dataset,) = [a for a in doc["assets"] if a["kind"] == "dataset"]
    assert dataset["properties"]["pii_scan"] == "sampled (first 3 rows per file)"
    assert dataset["properties"]["classification"] == "confidential"
    # Without --sample the whole file is read and the card on the last line counts.
    full = CliRunner().invoke(cli, args[:-2], catch_exceptions=False)
    assert "AISPM-PII-PAYMENT-CARD" in full.output and "sampled" not in full.output
    assert outcome.exit_code == 0 and full.exit_code == 1


def test_a_hugging_face_saved_dataset_is_scanned_wherever_it_lies(tmp_path: Path) -> None:
    # A DatasetDict saved to disk: one directory per split (a split named "test" is no test-fixture directory).
    saved = tmp_path / "exports" / "support_ds" / "test"
    saved.mkdir(parents=True)
    (saved.parent / "dataset_dict.json").write_text('{"splits": ["test"]}')
    table = pa.table({"text": ["hello", f"ping me at {EMAIL}"], "label": [0, 1]})
    with pa.OSFile(str(saved / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    (saved / "state.json").write_text('{"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}')
    # The same shard without save_to_disk's state file is not known to be a dataset.
    stray = tmp_path / "cache"
    stray.mkdir()
    (stray / "data-00000-of-00001.arrow").write_bytes((saved / "data-00000-of-00001.arrow").read_bytes())
    result = scan([str(tmp_path)], ScanOptions(workers=1, scanners=frozenset({"data"})))
    (finding,) = _pii(result)
    assert finding.location.path == "exports/support_ds/test/data-00000-of-00001.arrow"
    assert finding.properties["sample_locations"] == [{"row": 2, "column": "text"}]
    (dataset,) = _datasets(result).values()
    assert dataset.name == "support_ds" and dataset.properties["classification"] == "confidential"
    assert finding.asset_id == dataset.id


def test_messages_name_the_first_places_and_how_many_more() -> None:
    stats = EntityStats()
    for line in range(1, 8):
        stats.add(SampleLocation(line=line), "+**********50")
    profile = DatasetProfile("text", entities={EntityType.PHONE: stats}, rows=7, bytes=300)
    (finding,) = profile_findings(profile, _ref("data/calls.txt"), "dataset-id")
    assert finding.message == "7 phone numbers: line 1, line 2, line 3 and 4 more"
    assert finding.rule_id == "AISPM-PII-PHONE" and finding.asset_id == "dataset-id"
    assert len(finding.properties["sample_locations"]) == 5 and "stopped" not in finding.properties


def test_a_byte_limit_is_incomplete_but_a_requested_sample_is_not() -> None:
    stats = EntityStats()
    stats.add(SampleLocation(row=4, field="iban"), "GB********************")
    cut = DatasetProfile("csv", entities={EntityType.IBAN: stats}, rows=10, bytes=4096, stopped="byte limit: 4096")
    iban, incomplete = profile_findings(cut, _ref("data/bank.csv"), "d")
    assert iban.properties["stopped"] == "byte limit: 4096" and iban.message.endswith("; scan stopped after 10 rows")
    assert incomplete.rule_id == "AISPM-PII-INCOMPLETE"
    assert incomplete.message == "scan stopped after 10 rows (4096 bytes): byte limit: 4096"
    sampled = DatasetProfile("csv", entities={EntityType.IBAN: stats}, rows=10, stopped="sampled first 10 rows")
    sampled.sampled = True
    (only,) = profile_findings(sampled, _ref("data/bank.csv"), "d")
    assert only.properties["sampled"] == "first 10 rows" and "stopped" not in only.properties


def test_places_without_line_or_row_and_reader_warnings_in_findings() -> None:
    stats = EntityStats()
    stats.add(SampleLocation(field="a.note"), "j***@***.com")
    stats.add(SampleLocation(), "k***@***.com")
    warnings = [
        "line 3: not valid JSON, scanned as text",
        "not valid UTF-8: lines that are not were decoded as Latin-1",
    ]
    profile = DatasetProfile("json", entities={EntityType.EMAIL: stats}, rows=1, warnings=warnings)
    (finding,) = profile_findings(profile, _ref("data/doc.json"), "d")
    assert finding.message == "2 email addresses: field a.note, somewhere in the file"
    assert finding.properties["warnings"] == warnings


def _ref(relpath: str, size: int = 100) -> FileRef:
    return FileRef(root="/r", path=Path("/r", relpath), relpath=relpath, size=size)


@pytest.mark.parametrize(
    ("relpath", "wanted"),
    [
        ("data/train.csv", True),
        ("corpus/notes.txt", True),
        ("data/raw/dump.json", True),
        ("data/train.jsonl.gz", True),
        ("data/shards/train-00000-of-00002.parquet", True),
        ("chat.jsonl", True),  # decided by its first record
        ("notes.txt", False),
        ("docs/guide.md", False),
        ("config.json", False),
        ("data/README.md", False),
        ("data/model.safetensors", False),
    ],
)
def test_which_files_the_analyser_wants(relpath: str, wanted: bool) -> None:
    assert PiiAnalyser(ScanOptions()).wants(_ref(relpath)) is wanted


def test_bytes_the_engine_already_read_are_scanned_without_reading_the_file_again(tmp_path: Path) -> None:
    """Each file is read once: when another analyser made the engine read it, the PII scan uses those bytes."""
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "train.csv"
    path.write_text("note\nnothing personal here\n")
    ref = FileRef(root=str(tmp_path), path=path, relpath="data/train.csv", size=path.stat().st_size)
    in_memory = b"note\nwrite to maria.kowalski@fastmail.fm\n"
    analyser = PiiAnalyser(ScanOptions())
    from_memory = [r for r in analyser.analyse(FileContent(ref, in_memory)) if isinstance(r, Finding)]
    from_disk = [r for r in analyser.analyse(FileContent(ref, None)) if isinstance(r, Finding)]
    assert [f.rule_id for f in from_memory] == ["AISPM-PII-EMAIL"]
    assert from_disk == []
