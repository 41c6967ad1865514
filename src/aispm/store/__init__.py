"""Scan history: every scan stored (SQLite by default, PostgreSQL with ``--db``), finding lifecycle, scan diffs.

::

    with open_store(None) as store:          # SQLite file in the user's data directory
        scan_id = store.save(result)
        changes = store.diff("previous", "latest")

The store keeps only what a ``ScanResult`` holds (findings carry redacted evidence, never a credential), and
``load`` gives back exactly what was saved.  Opening a store migrates its schema with Alembic; a database written
by a newer aispm is refused rather than guessed at.  Every database problem surfaces as a :class:`StoreError`
whose message says what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, overload

from msgspec import Struct
from sqlalchemy import Engine, create_engine, event, insert, inspect, or_, select, update
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from aispm.model import JSONValue, ScanResult
from aispm.options import FAMILIES
from aispm.store.diff import ScanDiff, ScanSummary, diff_scans
from aispm.store.schema import (
    VERSION_TABLE,
    AssetObservation,
    ErrorObservation,
    FindingLifecycle,
    FindingObservation,
    RelationObservation,
    ScanRow,
)

__all__ = ["LifecycleEntry", "ScanDiff", "ScanSummary", "Store", "StoreError", "default_url", "open_store"]

HEAD_REVISION = "0001"
"""The newest migration this aispm knows; a database already at it opens without loading Alembic."""

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_DB_NAME = "aispm.db"
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
_IN_CHUNK = 500
"""Fingerprints per ``IN (...)`` query: far below every backend's bound-parameter limit."""

FINDING_OPEN, FINDING_SUPPRESSED, FINDING_FIXED = "open", "suppressed", "fixed"


class StoreError(Exception):
    """The history database cannot do what was asked; the message says why and what to do."""


class LifecycleEntry(Struct, frozen=True):
    """One finding fingerprint across scans (what a ticket tracks)."""

    fingerprint: str
    rule_id: str
    status: str
    first_seen_scan: int
    last_seen_scan: int
    fixed_in_scan: int | None
    root: str
    family: str


def default_url() -> str:
    """SQLite file ``aispm.db`` in the user's data directory (created if missing)."""
    import platformdirs

    directory = Path(platformdirs.user_data_dir("aispm"))
    _make_directory(directory)
    return f"sqlite:///{directory / DEFAULT_DB_NAME}"


def _make_directory(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the directory {directory} for the database: {exc.strerror or exc}") from None


def open_store(url: str | None = None) -> Store:
    """Connect to ``url`` (default: :func:`default_url`), bring its schema up to date and return the store."""
    engine = _create_engine(url or default_url())
    try:
        _migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own first line (``Connection refused``, ``file is not a database``), without SQL or params."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _parse_url(text: str) -> URL:
    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreError(
            "invalid database URL: expected e.g. sqlite:///path/to/aispm.db or postgresql+psycopg://user@host/db"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        # SQLAlchemy's default PostgreSQL driver is psycopg2; aispm[postgres] installs psycopg 3.
        url = url.set(drivername="postgresql+psycopg")
    return url


def _create_engine(text: str) -> Engine:
    url = _parse_url(text)
    kwargs: dict[str, Any] = {"json_serializer": _dump_json}
    backend = url.get_backend_name()
    if backend == "postgresql" and "connect_timeout" not in url.query:
        kwargs["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    if backend == "sqlite" and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        path = Path(url.database).expanduser()
        _make_directory(path.parent)
        url = url.set(database=str(path))
    try:
        engine = create_engine(url, **kwargs)
    except NoSuchModuleError:
        raise StoreError(
            f"unsupported database URL scheme {url.drivername!r}: use sqlite:///PATH or postgresql+psycopg://..."
        ) from None
    except ImportError as exc:
        if backend == "postgresql":
            raise StoreError(
                f"the PostgreSQL driver for {url.drivername} is not installed: install aispm[postgres] "
                "(pip install 'aispm[postgres]') and use a postgresql+psycopg:// URL"
            ) from None
        raise StoreError(f"the database driver for {url.drivername} is not installed ({exc.name or exc})") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets ``aispm history`` read while a scan is being saved; SQLite enforces foreign keys only when asked."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _stored_revisions(conn: Connection) -> list[str]:
    if not inspect(conn).has_table(VERSION_TABLE):
        return []
    rows = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608 - constant table name
    return [str(row[0]) for row in rows]


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _migrate(engine: Engine) -> None:
    """Create or upgrade the schema; a database at the head revision costs one query."""
    where = _display(engine.url)
    try:
        with engine.connect() as conn:
            stored = _stored_revisions(conn)
        if stored == [HEAD_REVISION]:
            return
        unknown = sorted(set(stored) - _known_revisions())
        if unknown:
            raise StoreError(
                f"the database {where} was created by a newer aispm (schema revision {', '.join(unknown)}); "
                "upgrade aispm, or use another database with --db"
            )
        from alembic import command

        with engine.begin() as conn:
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except DBAPIError as exc:
        if exc.connection_invalidated or isinstance(exc.orig, OSError) or "connect" in _reason(exc).lower():
            raise StoreError(f"cannot connect to the database {where}: {_reason(exc)}") from None
        raise StoreError(f"cannot open the database {where}: {_reason(exc)}") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database {where}: {_reason(exc)}") from None


def _json_fallback(value: object) -> JSONValue:
    """Sets become sorted lists; anything else JSON cannot hold becomes its text rather than failing the save."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def _dump_json(value: object) -> str:
    # ensure_ascii keeps lone surrogates (undecodable file names) as escapes instead of failing to encode.
    return json.dumps(value, default=_json_fallback, ensure_ascii=True)


@overload
def _column_text(value: str) -> str: ...
@overload
def _column_text(value: str | None) -> str | None: ...
def _column_text(value: str | None) -> str | None:
    """Text for a queried column: a lone surrogate (an undecodable file name) cannot be stored as UTF-8, so it is
    written as its escape there.  The record's ``data`` JSON keeps the exact value."""
    if value is None or value.isascii():
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _summary(row: Any) -> ScanSummary:
    return ScanSummary(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        roots=[str(r) for r in row.roots],
        assets=row.asset_count,
        findings=row.active_finding_count,
        suppressed=row.finding_count - row.active_finding_count,
        errors=row.error_count,
        tool_version=row.tool_version,
    )


class Store:
    """Scan history in one database.  Use it as a context manager so the connection pool is closed."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._engine.dispose()

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return _display(self._engine.url)

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise StoreError(f"cannot {action} in {self.url}: {_reason(exc)}") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot {action} in {self.url}: {_reason(exc)}") from None

    # -- writing -------------------------------------------------------------------------------------------------

    def save(self, result: ScanResult) -> int:
        """Store ``result`` in one transaction, update the finding lifecycle and return the new scan id."""
        payload = result.to_json()
        findings: list[dict[str, Any]] = payload["findings"]
        active = sum(1 for f in findings if f.get("suppression") is None)
        with self._errors("store the scan"), self._engine.begin() as conn:
            inserted = conn.execute(
                insert(ScanRow).values(
                    started_at=payload["started_at"],
                    finished_at=payload["finished_at"],
                    schema_version=payload["schema_version"],
                    tool_version=payload["tool"]["version"],
                    roots=payload["roots"],
                    scanners=payload["scanners"],
                    stats=payload["stats"],
                    asset_count=len(payload["assets"]),
                    finding_count=len(findings),
                    active_finding_count=active,
                    error_count=len(payload["errors"]),
                )
            )
            primary_key = inserted.inserted_primary_key
            if primary_key is None:  # pragma: no cover - every supported backend reports it
                raise StoreError("the database did not report the new scan's id")
            scan_id = int(primary_key[0])
            self._insert_observations(conn, scan_id, payload)
            self._update_lifecycle(conn, scan_id, payload)
        return scan_id

    @staticmethod
    def _insert_observations(conn: Connection, scan_id: int, payload: dict[str, Any]) -> None:
        asset_rows = [
            {
                "scan_id": scan_id,
                "position": i,
                "asset_id": a["id"],
                "kind": a["kind"],
                "name": _column_text(a["name"]),
                "version": _column_text(a.get("version")),
                "data": a,
            }
            for i, a in enumerate(payload["assets"])
        ]
        finding_rows = [
            {
                "scan_id": scan_id,
                "position": i,
                "fingerprint": f["fingerprint"],
                "rule_id": f["rule_id"],
                "severity": f["severity"],
                "family": f["family"],
                "suppressed": f.get("suppression") is not None,
                "asset_id": f.get("asset_id"),
                "data": f,
            }
            for i, f in enumerate(payload["findings"])
        ]
        relation_rows = [
            {
                "scan_id": scan_id,
                "position": i,
                "source": r["source"],
                "kind": r["kind"],
                "target": r["target"],
                "data": r,
            }
            for i, r in enumerate(payload["relations"])
        ]
        error_rows = [
            {"scan_id": scan_id, "position": i, "path": _column_text(e.get("path", "")), "data": e}
            for i, e in enumerate(payload["errors"])
        ]
        for model, rows in (
            (AssetObservation, asset_rows),
            (FindingObservation, finding_rows),
            (RelationObservation, relation_rows),
            (ErrorObservation, error_rows),
        ):
            if rows:
                conn.execute(insert(model), rows)

    @staticmethod
    def _update_lifecycle(conn: Connection, scan_id: int, payload: dict[str, Any]) -> None:
        """New fingerprints start open (or suppressed); seen ones are refreshed; unseen ones in scope are fixed.

        Only a scan of the same root that ran the finding's scanner family can prove a finding fixed: scanning
        another repository, or only some families, says nothing about findings it did not look for.
        """
        first_seen: dict[str, dict[str, Any]] = {}
        for finding in payload["findings"]:
            first_seen.setdefault(finding["fingerprint"], finding)
        seen_here = select(FindingObservation.fingerprint).where(FindingObservation.scan_id == scan_id)
        known = set(
            conn.scalars(select(FindingLifecycle.fingerprint).where(FindingLifecycle.fingerprint.in_(seen_here)))
        )
        new_rows = [
            {
                "fingerprint": fp,
                "rule_id": f["rule_id"],
                "family": f["family"],
                "root": _column_text(f.get("location", {}).get("root", "")),
                "status": FINDING_OPEN if f.get("suppression") is None else FINDING_SUPPRESSED,
                "first_seen_scan": scan_id,
                "last_seen_scan": scan_id,
                "fixed_in_scan": None,
            }
            for fp, f in first_seen.items()
            if fp not in known
        ]
        if new_rows:
            conn.execute(insert(FindingLifecycle), new_rows)
        if known:
            # Suppressed first, then open: a fingerprint seen both ways in one scan ends up open.
            for suppressed, status in ((True, FINDING_SUPPRESSED), (False, FINDING_OPEN)):
                seen_in_state = select(FindingObservation.fingerprint).where(
                    FindingObservation.scan_id == scan_id, FindingObservation.suppressed.is_(suppressed)
                )
                conn.execute(
                    update(FindingLifecycle)
                    .where(FindingLifecycle.fingerprint.in_(seen_in_state))
                    .values(status=status, last_seen_scan=scan_id, fixed_in_scan=None)
                )
        roots = [_column_text(str(r)) for r in payload["roots"]]
        scanners = [str(s) for s in payload["scanners"]]
        family_covered = or_(FindingLifecycle.family.in_(scanners), FindingLifecycle.family.not_in(FAMILIES))
        root_covered = or_(FindingLifecycle.root.in_(roots), FindingLifecycle.root == "")
        conn.execute(
            update(FindingLifecycle)
            .where(
                FindingLifecycle.status != FINDING_FIXED,
                FindingLifecycle.last_seen_scan != scan_id,
                root_covered,
                family_covered,
            )
            .values(status=FINDING_FIXED, fixed_in_scan=scan_id)
        )

    # -- reading -------------------------------------------------------------------------------------------------

    def list_scans(self, limit: int = 20) -> list[ScanSummary]:
        """Stored scans, newest first (all of them when ``limit`` < 1)."""
        statement = select(ScanRow).order_by(ScanRow.id.desc())
        if limit > 0:
            statement = statement.limit(limit)
        with self._errors("list scans"), self._engine.connect() as conn:
            rows = conn.execute(statement).all()
        return [_summary(row) for row in rows]

    def summary(self, scan_id: int) -> ScanSummary:
        """One scan's headline, as ``list_scans`` gives it."""
        with self._errors("read the scan"), self._engine.connect() as conn:
            row = conn.execute(select(ScanRow).where(ScanRow.id == scan_id)).one_or_none()
        if row is None:
            raise StoreError(f"no scan {scan_id}; see `aispm history`")
        return _summary(row)

    def resolve(self, ref: str) -> int:
        """A scan id from its text (``42``) or an alias: ``latest``, or ``previous`` (the one before latest)."""
        text = ref.strip().lower()
        with self._errors("find the scan"), self._engine.connect() as conn:
            if text in ("latest", "previous"):
                newest = list(conn.scalars(select(ScanRow.id).order_by(ScanRow.id.desc()).limit(2)))
                if not newest:
                    raise StoreError("no scans are stored yet; run `aispm scan` first")
                if text == "latest":
                    return newest[0]
                if len(newest) < 2:
                    raise StoreError("only one scan is stored, so there is no `previous`; scan again first")
                return newest[1]
            if not (text.isascii() and text.isdigit()):
                raise StoreError(f"unknown scan {ref!r}: give a scan id from `aispm history`, `latest` or `previous`")
            scan_id = int(text)
            found = conn.scalar(select(ScanRow.id).where(ScanRow.id == scan_id))
        if found is None:
            raise StoreError(f"no scan {scan_id}; see `aispm history`")
        return scan_id

    def load(self, scan_id: int) -> ScanResult:
        """The stored scan, exactly as it was saved."""
        with self._errors("read the scan"), self._engine.connect() as conn:
            row = conn.execute(select(ScanRow).where(ScanRow.id == scan_id)).one_or_none()
            if row is None:
                raise StoreError(f"no scan {scan_id}; see `aispm history`")

            def observed(model: Any) -> list[Any]:
                return list(conn.scalars(select(model.data).where(model.scan_id == scan_id).order_by(model.position)))

            payload: dict[str, JSONValue] = {
                "schema_version": row.schema_version,
                "tool": {"name": "aispm", "version": row.tool_version},
                "roots": row.roots,
                "scanners": row.scanners,
                "started_at": row.started_at,
                "finished_at": row.finished_at,
                "stats": row.stats,
                "assets": observed(AssetObservation),
                "relations": observed(RelationObservation),
                "findings": observed(FindingObservation),
                "errors": observed(ErrorObservation),
            }
        return ScanResult.from_json(payload)

    def diff(self, before: str, after: str) -> ScanDiff:
        """What changed from scan ``before`` to scan ``after`` (ids as text, or ``latest`` / ``previous``)."""
        before_id, after_id = self.resolve(before), self.resolve(after)
        return diff_scans(self.summary(before_id), self.load(before_id), self.summary(after_id), self.load(after_id))

    def lifecycle(self, fingerprints: Iterable[str] | None = None) -> list[LifecycleEntry]:
        """Lifecycle of the given finding fingerprints (all when ``None``), ordered by fingerprint."""
        wanted = None if fingerprints is None else sorted(set(fingerprints))
        statements = (
            [select(FindingLifecycle)]
            if wanted is None
            else [
                select(FindingLifecycle).where(FindingLifecycle.fingerprint.in_(c)) for c in _chunks(wanted, _IN_CHUNK)
            ]
        )
        entries: list[LifecycleEntry] = []
        with self._errors("read the finding lifecycle"), self._engine.connect() as conn:
            for statement in statements:
                for row in conn.execute(statement):
                    entries.append(
                        LifecycleEntry(
                            fingerprint=row.fingerprint,
                            rule_id=row.rule_id,
                            status=row.status,
                            first_seen_scan=row.first_seen_scan,
                            last_seen_scan=row.last_seen_scan,
                            fixed_in_scan=row.fixed_in_scan,
                            root=row.root,
                            family=row.family,
                        )
                    )
        return sorted(entries, key=lambda e: e.fingerprint)
