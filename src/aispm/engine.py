"""The scan pipeline: walk once, read each file once, analyse in parallel, then the estate-wide phase.

::

    roots --walk--> FileRefs --(pool: read once, every analyser that wants it)--> records + errors
          --merge--> assets, relations, findings --estate phase (repositories, policy, baseline)--> ScanResult

Parallelism is a local process pool sized to the CPUs; small scans run in-process because a pool costs more than
it saves.  Each worker builds its analysers (and their compiled pattern sets) once.  Results are sorted, so the
same tree always gives the same output whatever the scheduling.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import itertools
import os
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field
from msgspec.structs import replace

from aispm import __version__
from aispm.analyser import Analyser, AnalysisError, Record
from aispm.files.content import FileContent, read_bounded
from aispm.files.walk import FileRef, WalkOptions, walk
from aispm.model import (
    Asset,
    AssetKind,
    Finding,
    JSONValue,
    Location,
    Relation,
    RelationKind,
    ScanError,
    ScanResult,
    Suppression,
)
from aispm.options import ScanOptions
from aispm.policy import POLICY_FILE_NAMES, Policy, shadow_ai_findings
from aispm.registry import build_analysers, build_estate_steps

if TYPE_CHECKING:
    from concurrent.futures import Future

    from aispm.baseline import Baseline

ProgressCallback = Callable[[int, int], None]
"""Called with (files done, files to analyse) as the scan goes."""

INLINE_IGNORE = "aispm: ignore"


class FileOutcome(Struct):
    records: list[Record] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


# Worker-process state: analysers are built once per process by the pool initializer.
_WORKER_ANALYSERS: list[Analyser] = []


def _init_worker(options: ScanOptions) -> None:
    global _WORKER_ANALYSERS
    _WORKER_ANALYSERS = build_analysers(options)
    threshold = gc.get_threshold()
    if 0 < threshold[0] < GC_YOUNG_THRESHOLD:  # a worker only analyses: see _fewer_collections
        gc.set_threshold(GC_YOUNG_THRESHOLD, *threshold[1:])


def _inline_suppression(content: FileContent, finding: Finding) -> Suppression | None:
    """``aispm: ignore`` (or ``aispm: ignore[RULE-ID]``) on the finding's line or the line above suppresses it."""
    if content.data is None or finding.location.start_line is None:
        return None
    line_no = finding.location.start_line
    for text in (content.line(line_no), content.line(line_no - 1)):
        index = text.find(INLINE_IGNORE)
        if index == -1:
            continue
        rest = text[index + len(INLINE_IGNORE) :]
        if rest.startswith("["):
            wanted = {r.strip() for r in rest[1 : rest.find("]")].split(",")}
            if finding.rule_id not in wanted:
                continue
        return Suppression("inline", f"inline '{INLINE_IGNORE}' comment at line {line_no}")
    return None


def analyse_file(ref: FileRef, wanting: Sequence[Analyser], options: ScanOptions) -> FileOutcome:
    """Read ``ref`` at most once and hand it to every analyser in ``wanting``; errors become values."""
    outcome = FileOutcome()
    if not wanting:
        return outcome
    data: bytes | None = None
    if any(a.reads_content for a in wanting):
        try:
            data = read_bounded(ref, options.max_file_bytes)
        except PermissionError:
            outcome.errors.append(ScanError(ref.relpath, "permission denied: file not read", ref.root))
            return outcome
        except ValueError as exc:
            outcome.errors.append(ScanError(ref.relpath, str(exc), ref.root))
            wanting = [a for a in wanting if not a.reads_content]
        except OSError as exc:
            outcome.errors.append(ScanError(ref.relpath, f"cannot read file: {exc.strerror or exc}", ref.root))
            return outcome
    content = FileContent(ref, data)
    for analyser in wanting:
        try:
            for record in analyser.analyse(content):
                if isinstance(record, Finding) and record.suppression is None:
                    suppression = _inline_suppression(content, record)
                    if suppression is not None:
                        record = replace(record, suppression=suppression)
                outcome.records.append(record)
        except AnalysisError as exc:
            outcome.errors.append(ScanError(ref.relpath, str(exc), ref.root, analyser.name))
        except RecursionError:
            outcome.errors.append(ScanError(ref.relpath, "nesting too deep to analyse", ref.root, analyser.name))
        except Exception as exc:  # an analyser bug must not end the scan
            message = f"internal error in {analyser.name} analyser: {type(exc).__name__}: {exc}"
            outcome.errors.append(ScanError(ref.relpath, message, ref.root, analyser.name))
    for warning in content.warnings:
        outcome.errors.append(ScanError(ref.relpath, warning, ref.root))
    return outcome


Candidate = tuple[FileRef, tuple[int, ...]]
"""A file and the indices (in registry order) of the analysers that want it: ``wants`` runs once per file."""


def _analyse_batch(batch: Sequence[Candidate], options: ScanOptions) -> list[FileOutcome]:
    return [analyse_file(ref, [_WORKER_ANALYSERS[i] for i in wanted], options) for ref, wanted in batch]


def _is_exact_version(version: str | None) -> bool:
    return bool(version) and not any(c in (version or "") for c in "<>=~^*!, ")


def _better_version(current: str | None, candidate: str | None) -> str | None:
    """An exact (lockfile) version wins over a range; otherwise the first one seen stays."""
    if candidate and (not current or (_is_exact_version(candidate) and not _is_exact_version(current))):
        return candidate
    return current


class _AssetSightings(Struct):
    """Everything seen of one asset so far; merged in O(1) per sighting and frozen once at the end."""

    first: Asset
    version: str | None
    locations: set[Location]
    properties: dict[str, JSONValue]
    list_values: dict[str, dict[str, JSONValue]]
    """List properties unioned in first-seen order (argument lists keep their order), keyed by their text."""
    versions: set[str]

    @classmethod
    def of(cls, asset: Asset) -> _AssetSightings:
        sightings = cls(asset, asset.version, set(), {}, {}, set())
        sightings.add(asset)
        return sightings

    def add(self, asset: Asset) -> None:
        self.locations.update(asset.locations)
        self.version = _better_version(self.version, asset.version)
        if asset.version:
            self.versions.add(asset.version)
        for key, value in asset.properties.items():
            if key == "versions" and isinstance(value, list):
                self.versions.update(map(str, value))
            elif isinstance(value, list) and (key in self.list_values or key not in self.properties):
                seen = self.list_values.setdefault(key, {})
                for item in value:
                    seen.setdefault(str(item), item)
            else:
                self.properties.setdefault(key, value)

    def freeze(self) -> Asset:
        properties = dict(self.properties)
        for key, values in self.list_values.items():
            properties[key] = list(values.values())
        if len(self.versions) > 1:
            properties["versions"] = sorted(self.versions)
        first = self.first
        return Asset(first.kind, first.name, first.key, self.version, tuple(sorted(self.locations)), properties)


class _Merger(Struct):
    """Folds per-file records into one estate: the same asset seen twice is one asset."""

    sightings: dict[str, _AssetSightings] = field(default_factory=dict)
    relations: dict[tuple[str, str, str], Relation] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    errors: list[ScanError] = field(default_factory=list)
    found_in: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))

    def add(self, outcome: FileOutcome, ref: FileRef) -> None:
        self.errors.extend(outcome.errors)
        place = (ref.root, ref.repository)
        for record in outcome.records:
            if isinstance(record, Asset):
                self.found_in[self.add_asset(record)].add(place)
            elif isinstance(record, Relation):
                self.relations.setdefault(record.identity, record)
            else:
                self.add_finding(record)

    def add_asset(self, asset: Asset) -> str:
        """Fold in one sighting; returns the asset's id (a hash: computed once here, not again by the caller)."""
        aid = asset.id
        existing = self.sightings.get(aid)
        if existing is None:
            self.sightings[aid] = _AssetSightings.of(asset)
        else:
            existing.add(asset)
        return aid

    def kind_of(self, aid: str) -> AssetKind:
        return self.sightings[aid].first.kind

    def assets(self) -> list[Asset]:
        return sorted((s.freeze() for s in self.sightings.values()), key=lambda a: (a.kind, a.key))  # str enums

    def add_finding(self, finding: Finding) -> None:
        existing = self.findings.get(finding.fingerprint)
        if existing is None or finding.location < existing.location:
            self.findings[finding.fingerprint] = finding


def merge_assets(a: Asset, b: Asset) -> Asset:
    """Union of locations and properties (list values unioned); an exact (lockfile) version wins over a range."""
    sightings = _AssetSightings.of(a)
    sightings.add(b)
    return sightings.freeze()


_REPOSITORY_RELATION = {
    AssetKind.PACKAGE: RelationKind.DEPENDS_ON,
    AssetKind.PROVIDER: RelationKind.CALLS,
    AssetKind.MODEL: RelationKind.USES,
    AssetKind.VECTOR_DB: RelationKind.USES,
}


def repository_assets(merger: _Merger) -> None:
    """Add one ``repository`` asset per repository that holds AI, and an edge to each asset found in it."""
    repo_ids: dict[tuple[str, str], str] = {}
    for root, repo in sorted({place for places in merger.found_in.values() for place in places}):
        base = Path(root).resolve()
        repo_asset = Asset(
            kind=AssetKind.REPOSITORY,
            name=Path(repo).name if repo else base.name or root,
            key=f"repo:{base / repo}",
            locations=(Location(path=repo or ".", root=root),),
            properties={"path": repo or "."},
        )
        repo_ids[(root, repo)] = merger.add_asset(repo_asset)
    for aid, places in merger.found_in.items():
        target_kind = merger.kind_of(aid)
        if target_kind is AssetKind.REPOSITORY:
            continue
        kind = _REPOSITORY_RELATION.get(target_kind, RelationKind.CONTAINS)
        for place in places:
            relation = Relation(repo_ids[place], kind, aid)
            merger.relations.setdefault(relation.identity, relation)


def _scan_git_history(files: Sequence[FileRef], options: ScanOptions) -> HistoryOutcome | None:
    """Keys deleted from HEAD live on in git history: scan each repository's blobs once (secrets family)."""
    if "secrets" not in options.scanners or not options.history:
        return None
    from aispm.checks.secrets.history import scan_all_history

    history = scan_all_history({(ref.root, ref.repository) for ref in files})
    return HistoryOutcome(history.records, history.errors, history.stats)


class HistoryOutcome(Struct):
    records: list[Record]
    errors: list[ScanError]
    stats: dict[str, JSONValue]

    def merge_into(self, merger: _Merger) -> None:
        merger.errors.extend(self.errors)
        for record in self.records:
            if isinstance(record, Asset):
                merger.add_asset(record)
            elif isinstance(record, Relation):
                merger.relations.setdefault(record.identity, record)
            else:
                merger.add_finding(record)


class _Walk(Struct):
    """The walk of every root, consumed lazily so that analysis starts while the tree is still being listed."""

    roots: Sequence[str]
    options: ScanOptions
    analysers: Sequence[Analyser]
    files: list[FileRef] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)

    def candidates(self) -> Iterator[Candidate]:
        walk_options = WalkOptions(use_ignore_files=self.options.use_ignore_files)
        for root in self.roots:
            for item in walk(root, walk_options):
                if isinstance(item, ScanError):
                    self.errors.append(item)
                    continue
                self.files.append(item)
                if item.name in POLICY_FILE_NAMES:
                    continue
                wanted = tuple(index for index, analyser in enumerate(self.analysers) if analyser.wants(item))
                if wanted:
                    yield item, wanted


MiB = 1024 * 1024
BATCH_MAX_FILES = 64
BATCH_MAX_WORK = 16 * MiB
"""A batch sent to a worker closes at this many files or bytes of work: enough to amortise pickling the batch, few
enough that 30 large datasets spread over every worker instead of all going to the first."""
INLINE_MAX_BYTES = 8 * MiB
"""A scan of ``inline_threshold`` files or more uses a pool from this much work (see ``_plan``)."""
INLINE_FILES_FACTOR = 10
POOL_MIN_WORK = 64 * MiB
"""Work from which a pool pays off whatever the file count: 30 JSONL datasets of 10 MB took 26 s in-process and
21 s in a pool of two (start-up and imports are paid once per worker, well under a second)."""


def file_work(candidate: Candidate, analysers: Sequence[Analyser], options: ScanOptions) -> int:
    """Bytes that analysing one file reads: the whole file when an analyser streams it to its end, up to
    ``max_file_bytes`` when one has it read whole, else nothing to speak of (headers, a zip's directory)."""
    ref, wanted = candidate
    chosen = [analysers[index] for index in wanted]
    if any(analyser.streams_whole(ref) for analyser in chosen):
        return ref.size
    if any(analyser.reads_content for analyser in chosen):
        return min(ref.size, options.max_file_bytes)
    return 0


def _batched(candidates: Iterator[Candidate], weigh: Callable[[Candidate], int]) -> Iterator[list[Candidate]]:
    batch: list[Candidate] = []
    work = 0
    for candidate in candidates:
        batch.append(candidate)
        work += weigh(candidate)
        if len(batch) >= BATCH_MAX_FILES or work >= BATCH_MAX_WORK:
            yield batch
            batch, work = [], 0
    if batch:
        yield batch


def _pool_pays_off(files: int, work: int, threshold: int) -> bool:
    if work >= POOL_MIN_WORK:
        return True
    return files >= threshold and (work >= INLINE_MAX_BYTES or files >= INLINE_FILES_FACTOR * threshold)


def _plan(
    stream: Iterator[Candidate], options: ScanOptions, analysers: Sequence[Analyser]
) -> tuple[list[Candidate], int]:
    """The first candidates, and how many workers the scan should use (1: in this process).

    A pool costs a process start-up and the analysers' imports per worker: it pays off on work, bytes actually read
    (``file_work``), more than on files.  Thousands of tiny pickles are faster in-process; a pool is used from
    ``POOL_MIN_WORK`` whatever the file count, from ``inline_threshold`` files holding ``INLINE_MAX_BYTES``, or from
    ``INLINE_FILES_FACTOR`` times that many files.  Never more workers than files.
    """
    most = _worker_count(options)
    head: list[Candidate] = []
    if most == 1:
        return head, 1
    threshold = options.inline_threshold
    work = 0
    for candidate in stream:
        head.append(candidate)
        work += file_work(candidate, analysers, options)
        if len(head) >= most and _pool_pays_off(len(head), work, threshold):
            return head, most  # certain: the rest of the walk is not waited for
    return head, max(1, min(most, len(head))) if _pool_pays_off(len(head), work, threshold) else 1


def _worker_count(options: ScanOptions) -> int:
    if options.workers is not None:
        return max(1, options.workers)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


GC_YOUNG_THRESHOLD = 20_000
"""Allocations between young-generation collections while a scan runs (Python's default is 700)."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect young garbage less often during a scan, then restore the process's settings.

    A scan allocates many small containers (pickle walks, records) that mostly live on: at the default threshold
    the collector runs every few files and costs ~7% of a scan of thousands of small model files.  Cycles are still
    collected, only less often.  An application that turned automatic collection off keeps it off.
    """
    previous = gc.get_threshold()
    if 0 < previous[0] < GC_YOUNG_THRESHOLD:
        gc.set_threshold(GC_YOUNG_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def scan(
    roots: Sequence[str],
    options: ScanOptions | None = None,
    policy: Policy | None = None,
    progress: ProgressCallback | None = None,
    baseline: Baseline | None = None,
) -> ScanResult:
    """Scan ``roots`` and return everything found; never raises for bad input inside the roots."""
    with _fewer_collections():
        return _scan(roots, options, policy, progress, baseline)


def _scan(
    roots: Sequence[str],
    options: ScanOptions | None,
    policy: Policy | None,
    progress: ProgressCallback | None,
    baseline: Baseline | None,
) -> ScanResult:
    opts = options or ScanOptions()
    pol = policy or Policy()
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    analysers = build_analysers(opts)
    tree = _Walk(roots, opts, analysers)
    stream = tree.candidates()
    head, workers = _plan(stream, opts, analysers)
    merger = _Merger()
    done = 0
    history: HistoryOutcome | None = None
    if workers == 1:
        candidates = head + list(stream)
        if progress:
            progress(0, len(candidates))
        for ref, wanted in candidates:
            merger.add(analyse_file(ref, [analysers[i] for i in wanted], opts), ref)
            done += 1
            if progress and (done % 50 == 0 or done == len(candidates)):
                progress(done, len(candidates))
        history = _scan_git_history(tree.files, opts)
    else:
        # Imported here: a scan small enough to run in this process never pays for the pool's modules.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        if isinstance(context, multiprocessing.context.ForkServerContext):
            # Workers fork from a server that has already imported every analyser: start-up is paid once.
            context.set_forkserver_preload(sorted({type(a).__module__ for a in analysers}))
        pending: deque[tuple[list[Candidate], Future[list[FileOutcome]]]] = deque()
        seen = 0

        def drain(keep: int) -> None:
            nonlocal done
            # Merge in submission order, so results do not depend on which worker finished first.
            while len(pending) > keep:
                batch, future = pending.popleft()
                for (ref, _), outcome in zip(batch, future.result(), strict=True):
                    merger.add(outcome, ref)
                done += len(batch)
                if progress:
                    progress(done, seen)

        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(opts,)) as pool:
            weigh = functools.partial(file_work, analysers=analysers, options=opts)
            for batch in _batched(itertools.chain(head, stream), weigh):
                seen += len(batch)
                pending.append((batch, pool.submit(_analyse_batch, batch, opts)))
                drain(keep=workers * 4)
            # The walk is complete: scan git history here while the workers finish the last batches.
            history = _scan_git_history(tree.files, opts)
            drain(keep=0)
    merger.errors.extend(tree.errors)
    if history is not None:
        history.merge_into(merger)
    history_stats = history.stats if history is not None else {}
    repository_assets(merger)
    assets = merger.assets()
    findings = list(merger.findings.values()) + shadow_ai_findings(pol, assets)
    for estate_step in build_estate_steps(opts):
        assets, findings = estate_step(assets, findings, roots, baseline)
    findings = pol.adjudicate(findings)
    if baseline is not None:  # after the policy: a finding the policy suppresses keeps the policy's reason
        findings = baseline.apply(findings)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.location, f.fingerprint))
    relations = sorted(merger.relations.values(), key=lambda r: r.identity)
    errors = sorted(set(merger.errors))
    elapsed = time.perf_counter() - clock
    stats: dict[str, JSONValue] = {
        "files_seen": len(tree.files),
        "files_analysed": done,
        "bytes_seen": sum(ref.size for ref in tree.files),
        "duration_seconds": round(elapsed, 3),
        "workers": workers,
        "analysers": [a.name for a in analysers],
        "policy": pol.source or None,
    }
    if history_stats:
        stats["history"] = history_stats
    if baseline is not None:
        stats["baseline"] = {"source": baseline.source or None, "entries": len(baseline)}
    return ScanResult(
        roots=tuple(roots),
        scanners=tuple(sorted(opts.scanners)),
        started_at=started.isoformat(timespec="seconds"),
        finished_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        assets=tuple(assets),
        relations=tuple(relations),
        findings=tuple(findings),
        errors=tuple(errors),
        stats=stats,
        tool_version=__version__,
    )
