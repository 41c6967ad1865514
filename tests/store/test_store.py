"""The history store on SQLite and real PostgreSQL: schema, round trips, lifecycle, errors users can act on."""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from msgspec.structs import replace
from postgres_server import PostgresServer
from store_samples import (
    FULL_SECRET,
    ROOT,
    finding,
    package,
    redact,
    rich_result,
    scan_result,
)

from aispm.engine import scan
from aispm.model import Location, Severity, Suppression
from aispm.options import ScanOptions
from aispm.store import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    Store,
    StoreError,
    default_url,
    open_store,
)
from aispm.store.schema import VERSION_TABLE, Base


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url)


def _all_rows_text(url: str) -> str:
    """Every cell of every table, as text: what an attacker with the database file would see."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            chunks = []
            for name in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.select(sa.Table(name, sa.MetaData(), autoload_with=conn))):
                    chunks.append(repr(tuple(row)))
            return "\n".join(chunks)
    finally:
        engine.dispose()


# -- schema and migrations -----------------------------------------------------------------------------------


def test_migrations_create_the_schema_the_models_describe(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with open_store(db_url):
        pass
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            differences = compare_metadata(context, Base.metadata)
            revision = context.get_current_revision()
    finally:
        engine.dispose()
    assert {"scans", "scan_assets", "scan_findings", "scan_relations", "scan_errors", "finding_lifecycle"} <= tables
    assert differences == []
    assert revision == HEAD_REVISION


def test_head_revision_constant_is_the_newest_migration() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def test_migrations_ship_with_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()


def test_reopening_an_up_to_date_database_runs_no_migration(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(db_url) as store:
        first = store.save(rich_result())

    def no_upgrade(*args: object, **kwargs: object) -> None:
        raise AssertionError("an up-to-date database must not be migrated again")

    monkeypatch.setattr("alembic.command.upgrade", no_upgrade)
    with open_store(db_url) as store:
        assert [s.id for s in store.list_scans(10)] == [first]
        assert store.load(first).to_json() == rich_result().to_json()


def test_database_from_a_newer_aispm_is_refused(db_url: str) -> None:
    with open_store(db_url):
        pass
    engine = _engine(db_url)
    with engine.begin() as conn:
        versions = sa.table(VERSION_TABLE, sa.column("version_num"))
        conn.execute(sa.update(versions).values(version_num="0099_from_the_future"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer aispm") as caught:
        open_store(db_url)
    assert "0099_from_the_future" in str(caught.value)


# -- saving and loading --------------------------------------------------------------------------------------


def test_load_gives_back_exactly_what_was_saved(store: Store) -> None:
    result = rich_result()
    scan_id = store.save(result)
    loaded = store.load(scan_id)
    assert loaded.to_json() == result.to_json()
    # Same text too: key order and float formatting survive both backends.
    assert json.dumps(loaded.to_json()) == json.dumps(result.to_json())


def test_undecodable_file_names_round_trip(store: Store) -> None:
    odd = replace(package("odd"), locations=(Location("data/caf\udce9.csv", 1, 1, ROOT),), name="caf\udce9")
    result = scan_result(assets=(odd,))
    assert store.load(store.save(result)).to_json() == result.to_json()


def test_rows_hold_exactly_the_records_json(store: Store, db_url: str) -> None:
    result = rich_result()
    scan_id = store.save(result)
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            findings = conn.execute(
                sa.text("SELECT fingerprint, severity, suppressed, data FROM scan_findings WHERE scan_id = :id"),
                {"id": scan_id},
            ).all()
            assets = conn.execute(
                sa.text("SELECT asset_id, data FROM scan_assets WHERE scan_id = :id"), {"id": scan_id}
            )
            asset_data = {row.asset_id: row.data for row in assets}
    finally:
        engine.dispose()

    def parsed(value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    expected = {f.fingerprint: f.to_json() for f in result.findings}
    assert {row.fingerprint: parsed(row.data) for row in findings} == expected
    assert {row.fingerprint: (row.severity, bool(row.suppressed)) for row in findings} == {
        f.fingerprint: (f.severity.value, f.suppressed) for f in result.findings
    }
    assert {k: parsed(v) for k, v in asset_data.items()} == {a.id: a.to_json() for a in result.assets}


def test_a_secret_seen_by_the_scan_never_reaches_the_database(db_url: str, tmp_path: Path, line_analyser: None) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "settings.ai").write_text(f"use: openai==1.2.3\nkey: {FULL_SECRET}\n", encoding="utf-8")
    result = scan([str(tree)], ScanOptions(workers=1))
    assert [f.evidence for f in result.findings] == [redact(FULL_SECRET)]
    with open_store(db_url) as store:
        store.save(result)
    stored = _all_rows_text(db_url)
    assert redact(FULL_SECRET) in stored  # the redacted evidence is there...
    assert FULL_SECRET not in stored  # ...the credential is not
    if db_url.startswith("sqlite:///"):
        database = Path(db_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert FULL_SECRET.encode() not in raw


def test_list_scans_is_newest_first_with_counts(store: Store) -> None:
    first = store.save(scan_result(assets=(package("openai"),), finished_at="2025-11-21T10:00:05+00:00"))
    second = store.save(rich_result())
    scans = store.list_scans(10)
    assert [s.id for s in scans] == [second, first]
    newest = scans[0]
    assert (newest.assets, newest.findings, newest.suppressed, newest.errors) == (4, 2, 1, 1)
    assert newest.roots == [ROOT]
    assert newest.finished_at == "2025-11-21T10:00:05+00:00"
    assert [s.id for s in store.list_scans(1)] == [second]


def test_scan_ids_are_never_reused(store: Store) -> None:
    first = store.save(scan_result())
    with store._engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM scans WHERE id = :id"), {"id": first})
    assert store.save(scan_result()) > first


def test_deleting_a_scan_deletes_its_observations(store: Store, db_url: str) -> None:
    scan_id = store.save(scan_result(assets=(package("openai"),)))
    with store._engine.begin() as conn:  # the store's own engine: SQLite enforces foreign keys there
        conn.execute(sa.text("DELETE FROM scans WHERE id = :id"), {"id": scan_id})
        left = conn.execute(sa.text("SELECT count(*) FROM scan_assets")).scalar_one()
    assert left == 0


def test_save_is_all_or_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise sa.exc.OperationalError("UPDATE finding_lifecycle", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Store, "_update_lifecycle", staticmethod(fail))
    with pytest.raises(StoreError, match="disk I/O error"):
        store.save(rich_result())
    monkeypatch.undo()
    assert store.list_scans(10) == []


def test_a_large_scan_saves_in_bulk(store: Store) -> None:
    assets = tuple(package(f"pkg{i}", line=i + 1) for i in range(2000))
    findings = tuple(
        finding("AISPM-SECRET-001", f"src/m{i}.py", asset=assets[i % len(assets)], identity=str(i))
        for i in range(20_000)
    )
    result = scan_result(assets=assets, findings=findings)
    started = time.perf_counter()
    scan_id = store.save(result)
    elapsed = time.perf_counter() - started
    assert store.list_scans(1)[0].findings == 20_000
    assert len(store.lifecycle()) == 20_000
    assert store.load(scan_id).findings[-1] == findings[-1]
    # Row-by-row ORM inserts take tens of seconds here; bulk inserts about one.
    assert elapsed < 8, f"saving 20,000 findings took {elapsed:.1f} s"


# -- resolving scan references -------------------------------------------------------------------------------


def test_resolve_latest_previous_and_ids(store: Store) -> None:
    first, second, third = (store.save(scan_result()) for _ in range(3))
    assert store.resolve("latest") == third
    assert store.resolve("previous") == second
    assert store.resolve(" LATEST ") == third
    assert store.resolve(str(first)) == first


def test_resolve_explains_what_is_wrong(store: Store) -> None:
    with pytest.raises(StoreError, match="no scans are stored yet"):
        store.resolve("latest")
    only = store.save(scan_result())
    with pytest.raises(StoreError, match="no `previous`"):
        store.resolve("previous")
    with pytest.raises(StoreError) as caught:
        store.resolve("42")
    assert str(caught.value) == "no scan 42; see `aispm history`"
    for bad in ("last", "-1", "1.0", "٣"):
        with pytest.raises(StoreError, match="unknown scan"):
            store.resolve(bad)
    with pytest.raises(StoreError, match=f"no scan {only + 1};"):
        store.load(only + 1)


# -- finding lifecycle ---------------------------------------------------------------------------------------


def test_lifecycle_follows_findings_across_scans(store: Store) -> None:
    key = finding("AISPM-SECRET-001", "app/settings.py", identity="a")
    token = finding("AISPM-SECRET-001", "app/token.py", identity="b")
    shadow = finding("AISPM-SHADOW-001", "requirements.txt", family="inventory", severity=Severity.MEDIUM)

    one = store.save(scan_result(findings=(key, token)))
    accepted = Suppression("policy-fingerprint", "test key, revoked")
    two = store.save(scan_result(findings=(replace(token, suppression=accepted), shadow)))
    by_fp = {e.fingerprint: e for e in store.lifecycle()}
    assert (by_fp[key.fingerprint].status, by_fp[key.fingerprint].fixed_in_scan) == ("fixed", two)
    assert (by_fp[token.fingerprint].status, by_fp[token.fingerprint].last_seen_scan) == ("suppressed", two)
    assert (by_fp[shadow.fingerprint].status, by_fp[shadow.fingerprint].first_seen_scan) == ("open", two)
    assert by_fp[token.fingerprint].first_seen_scan == one

    three = store.save(scan_result(findings=(key, shadow)))  # the key is back: reopened
    again = {e.fingerprint: e for e in store.lifecycle([key.fingerprint, token.fingerprint])}
    assert set(again) == {key.fingerprint, token.fingerprint}
    reopened = again[key.fingerprint]
    assert (reopened.status, reopened.first_seen_scan, reopened.last_seen_scan, reopened.fixed_in_scan) == (
        "open",
        one,
        three,
        None,
    )
    assert (again[token.fingerprint].status, again[token.fingerprint].fixed_in_scan) == ("fixed", three)


def test_a_scan_of_another_root_or_family_proves_nothing_fixed(store: Store) -> None:
    key = finding("AISPM-SECRET-001", "app/settings.py")
    store.save(scan_result(findings=(key,)))
    store.save(scan_result(roots=("/srv/estate/other",)))  # another repository
    store.save(scan_result(scanners=("inventory",)))  # same repository, secrets not scanned
    (entry,) = store.lifecycle([key.fingerprint])
    assert (entry.status, entry.fixed_in_scan) == ("open", None)
    fixed_by = store.save(scan_result(scanners=("secrets",)))
    (entry,) = store.lifecycle([key.fingerprint])
    assert (entry.status, entry.fixed_in_scan) == ("fixed", fixed_by)


# -- opening: defaults and errors ----------------------------------------------------------------------------


def test_default_database_is_sqlite_in_the_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "aispm" / "aispm.db"
    assert default_url() == f"sqlite:///{expected}"
    with open_store(None) as store:
        scan_id = store.save(scan_result())
    assert expected.is_file()
    with open_store(None) as store:
        assert store.resolve("latest") == scan_id


def test_an_unusable_data_directory_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    with pytest.raises(StoreError, match="cannot create the directory"):
        open_store(None)


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'h.db'}"  # missing directories are created
    with open_store(url) as store:
        store.save(scan_result())
        engine = store._engine
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="not a database"):
        open_store(f"sqlite:///{path}")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url at all", "invalid database URL"),
        ("oracle+nosuchdriver://x@y/z", "not installed|unsupported"),
        ("nosuchdb://x@y/z", "unsupported database URL scheme 'nosuchdb'"),
        ("postgresql+psycopg2://u@127.0.0.1/db", r"install aispm\[postgres\]"),
    ],
)
def test_bad_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_missing_postgres_driver_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails as if it were not installed
    with pytest.raises(StoreError, match=r"install aispm\[postgres\]"):
        open_store("postgresql://aispm@127.0.0.1/aispm")


def test_unreachable_database_is_explained_without_the_password() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreError, match="cannot connect to the database") as caught:
        open_store(f"postgresql+psycopg://aispm:hunter2-sEcReT@127.0.0.1:{port}/aispm")
    assert "hunter2-sEcReT" not in str(caught.value)
    assert f"127.0.0.1:{port}" in str(caught.value)


@pytest.mark.postgres
def test_store_url_hides_the_password(postgres_server: PostgresServer) -> None:
    url = sa.make_url(postgres_server.new_database()).set(password="hunter2-sEcReT")  # trust auth ignores it
    with open_store(url.render_as_string(hide_password=False)) as store:
        assert "hunter2-sEcReT" not in store.url
        assert store.url.startswith("postgresql+psycopg://postgres:***@127.0.0.1:")
