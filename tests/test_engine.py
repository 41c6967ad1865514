from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from aispm import engine
from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Location, RelationKind
from aispm.options import ScanOptions
from aispm.policy import parse_policy
from aispm.rules import get_rule


class WordAnalyser(Analyser):
    """Test analyser: every line 'pkg NAME VERSION' is a package; 'boom' raises; 'bad' is a per-file error."""

    name = "words"
    family = "inventory"
    reads_content = True
    reads: list[str] = []

    def wants(self, ref: FileRef) -> bool:
        return ref.suffix == ".txt"

    def analyse(self, file: FileContent) -> Iterable[Record]:
        WordAnalyser.reads.append(file.ref.relpath)
        for number, line in enumerate(file.lines, start=1):
            words = line.split()
            if words[:1] == ["pkg"]:
                yield Asset(
                    AssetKind.PACKAGE, words[1], f"pypi:{words[1]}", words[2], (file_location(file, number),), {}
                )
            elif words[:1] == ["boom"]:
                raise RuntimeError("kaboom")
            elif words[:1] == ["bad"]:
                raise AnalysisError("invalid thing at line 1")
            elif words[:1] == ["finding"]:
                yield get_rule("AISPM-MCP-001").finding(
                    message="m", location=file_location(file, number), identity=str(number)
                )


class StreamAnalyser(Analyser):
    name = "stream"
    family = "models"
    reads_content = False

    def wants(self, ref: FileRef) -> bool:
        return ref.suffix == ".txt"

    def analyse(self, file: FileContent) -> Iterable[Record]:
        with file.open() as handle:
            head = handle.read(3)
        yield Asset(
            AssetKind.MODEL_FILE,
            file.ref.relpath,
            f"model-file:{file.ref.relpath}",
            None,
            (file_location(file),),
            {"head": head.decode()},
        )


@pytest.fixture
def analysers(monkeypatch: pytest.MonkeyPatch) -> None:
    WordAnalyser.reads = []
    monkeypatch.setattr(
        engine,
        "build_analysers",
        lambda options: [a(options) for a in (WordAnalyser, StreamAnalyser) if a.family in options.scanners],
    )


def test_each_file_is_read_once_and_shared(analysers: None, make_tree) -> None:
    root = make_tree({"a.txt": "pkg openai 1.0\n", "b.md": "pkg nope 1\n"})
    result = engine.scan([str(root)])
    assert WordAnalyser.reads == ["a.txt"]
    kinds = sorted(a.kind.value for a in result.assets)
    assert kinds == ["model-file", "package", "repository"]
    assert result.stats["files_seen"] == 2 and result.stats["files_analysed"] == 1


def test_same_asset_in_two_files_is_one_asset_and_exact_version_wins(analysers: None, make_tree) -> None:
    root = make_tree({"req.txt": "pkg openai >=1.0\n", "lock.txt": "\n\npkg openai 1.52.0\n"})
    result = engine.scan([str(root)], ScanOptions(scanners=frozenset({"inventory"})))
    [pkg] = [a for a in result.assets if a.kind is AssetKind.PACKAGE]
    assert pkg.version == "1.52.0"
    assert [(loc.path, loc.start_line) for loc in pkg.locations] == [("lock.txt", 3), ("req.txt", 1)]
    assert pkg.properties["versions"] == ["1.52.0", ">=1.0"]


def test_analyser_failures_are_per_file_errors_and_the_scan_goes_on(analysers: None, make_tree) -> None:
    root = make_tree({"a.txt": "pkg openai 1\nboom\n", "b.txt": "bad\n", "c.txt": "pkg anthropic 1\n"})
    result = engine.scan([str(root)], ScanOptions(scanners=frozenset({"inventory"})))
    messages = {(e.path, e.analyser): e.message for e in result.errors}
    assert messages[("a.txt", "words")] == "internal error in words analyser: RuntimeError: kaboom"
    assert messages[("b.txt", "words")] == "invalid thing at line 1"
    names = {a.name for a in result.assets if a.kind is AssetKind.PACKAGE}
    assert names == {"openai", "anthropic"}  # what a failing analyser found before it failed is kept


def test_too_large_file_is_reported_and_streaming_analysers_still_see_it(analysers: None, make_tree) -> None:
    root = make_tree({"big.txt": "pkg x 1\n" + "y" * 5000})
    result = engine.scan([str(root)], ScanOptions(max_file_bytes=1000))
    assert any("read limit" in e.message for e in result.errors)
    assert [a.properties["head"] for a in result.assets if a.kind is AssetKind.MODEL_FILE] == ["pkg"]
    assert not [a for a in result.assets if a.kind is AssetKind.PACKAGE]


def test_inline_ignore_suppresses_on_the_line_or_the_line_above(analysers: None, make_tree) -> None:
    root = make_tree(
        {
            "a.txt": "finding  # aispm: ignore\n\n# aispm: ignore[AISPM-MCP-001]\nfinding\n"
            "# aispm: ignore[OTHER-RULE]\nfinding\n"
        }
    )
    result = engine.scan([str(root)], ScanOptions(scanners=frozenset({"inventory"})))
    by_line = {f.location.start_line: f for f in result.findings}
    assert by_line[1].suppression is not None and by_line[1].suppression.layer == "inline"
    assert by_line[4].suppression is not None
    assert by_line[6].suppression is None


def test_repositories_become_assets_linked_to_what_they_hold(analysers: None, make_tree) -> None:
    root = make_tree({"svc/.git/HEAD": "", "svc/req.txt": "pkg openai 1\n", "other/req.txt": "pkg openai 1\n"})
    result = engine.scan([str(root)], ScanOptions(scanners=frozenset({"inventory"})))
    repos = {a.id: a.name for a in result.assets if a.kind is AssetKind.REPOSITORY}
    assert sorted(repos.values()) == ["svc", "tree"]
    [pkg] = [a for a in result.assets if a.kind is AssetKind.PACKAGE]
    edges = {(repos[r.source], r.kind) for r in result.relations if r.target == pkg.id}
    assert edges == {("svc", RelationKind.DEPENDS_ON), ("tree", RelationKind.DEPENDS_ON)}


def test_results_are_deterministic(analysers: None, make_tree) -> None:
    root = make_tree({f"d{i}/r.txt": f"pkg p{i % 3} {i}\nfinding\n" for i in range(20)})
    first = engine.scan([str(root)]).to_json()
    second = engine.scan([str(root)]).to_json()
    for doc in (first, second):
        for key in ("started_at", "finished_at", "stats"):
            doc.pop(key)
    assert first == second


def test_policy_shadow_ai_and_overrides_apply_in_the_estate_phase(analysers: None, make_tree) -> None:
    root = make_tree({"r.txt": "pkg openai 1\npkg langchain-openai 1\nfinding\n"})
    policy = parse_policy(
        {"approved": {"packages": ["openai"]}, "severity-overrides": {"AISPM-MCP-001": "critical"}}, "test"
    )
    result = engine.scan([str(root)], ScanOptions(scanners=frozenset({"inventory"})), policy)
    shadow = [f for f in result.findings if f.rule_id == "AISPM-SHADOW-001"]
    assert [f.properties["asset_name"] for f in shadow] == ["langchain-openai"]
    assert shadow[0].location == Location(path="r.txt", start_line=2, end_line=2, root=str(root))
    assert [f.severity.value for f in result.findings if f.rule_id == "AISPM-MCP-001"] == ["critical"]


def test_no_policy_means_no_shadow_ai(analysers: None, make_tree) -> None:
    root = make_tree({"r.txt": "pkg openai 1\n"})
    result = engine.scan([str(root)])
    assert not [f for f in result.findings if f.rule_id == "AISPM-SHADOW-001"]


def test_merge_assets_unions_list_properties() -> None:
    a = Asset(AssetKind.PROVIDER, "OpenAI", "provider:openai", properties={"hosts": ["a"], "x": 1})
    b = Asset(AssetKind.PROVIDER, "OpenAI", "provider:openai", properties={"hosts": ["b", "a"]})
    merged = engine.merge_assets(a, b)
    assert merged.properties == {"hosts": ["a", "b"], "x": 1}


def test_scan_result_json_round_trip(analysers: None, make_tree, tmp_path: Path) -> None:
    root = make_tree({"r.txt": "pkg openai 1\nfinding\n"})
    result = engine.scan([str(root)])
    from aispm.model import ScanResult

    assert ScanResult.from_json(result.to_json()).to_json() == result.to_json()


def test_registry_imports_only_the_selected_families() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from aispm.registry import build_analysers; from aispm.options import ScanOptions; "
        "names = [a.name for a in build_analysers(ScanOptions(scanners=frozenset({'models'})))]; "
        "print(names, 'aispm.discover.js_source' in sys.modules, 'aispm.checks.secrets.analyser' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'model-files'" in out and "'js-source'" not in out
    assert out.strip().endswith("False False")


class _Reader(Analyser):
    """Has each file read whole (up to ``max_file_bytes``), like most analysers."""

    name = "reader"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return True

    def analyse(self, file: FileContent) -> Iterable[Record]:
        return ()


class _HeaderReader(_Reader):
    """Reads a few header bytes itself, however large the file (a safetensors header, a zip's directory)."""

    name = "header-reader"
    reads_content = False


class _Streamer(_HeaderReader):
    """Streams every file to its end itself (a dataset's rows, a model file's hash)."""

    name = "streamer"

    def streams_whole(self, ref: FileRef) -> bool:
        return True


POOL_ANALYSERS: list[Analyser] = [_Reader(), _HeaderReader(), _Streamer()]
READ, HEADERS, STREAMED = 0, 1, 2
MB = 1_000_000


def _candidates(count: int, size: int, analyser: int = READ) -> list[engine.Candidate]:
    return [(FileRef("/r", Path(f"/r/f{i}"), f"f{i}", size), (analyser,)) for i in range(count)]


@pytest.mark.parametrize(
    ("count", "size", "analyser", "workers"),
    [
        (30, 10 * MB, STREAMED, 2),  # 30 JSONL datasets of 10 MB: 300 MB of work, a pool however few the files
        (30, 10 * MB, READ, 2),  # 30 files read whole: 300 MB
        (8, 10 * MB, READ, 2),  # 80 MB of work from eight files
        (399, 100 * MB, HEADERS, 1),  # big model files whose headers only are read: in-process
        (2000, 800, READ, 1),  # thousands of tiny pickles: 1.6 MB of work, in-process
        (400, engine.INLINE_MAX_BYTES // 400 + 1, READ, 2),  # enough files holding enough bytes: a pool
        (4000, 10, READ, 2),  # very many files, whatever their size: a pool
        (1, 10**10, STREAMED, 1),  # one file, however big: no pool, a single worker would only add start-up
        (0, 0, READ, 1),
    ],
)
def test_pool_is_chosen_on_bytes_of_work_and_file_count(count: int, size: int, analyser: int, workers: int) -> None:
    stream = iter(_candidates(count, size, analyser))
    head, chosen = engine._plan(stream, ScanOptions(inline_threshold=400, workers=2), POOL_ANALYSERS)
    assert chosen == workers
    assert len(head) + len(list(stream)) == count  # nothing is lost: the rest of the walk follows the head


def test_plan_stops_as_soon_as_a_pool_is_certain() -> None:
    stream = iter(_candidates(10_000, 64 * 1024))
    head, workers = engine._plan(stream, ScanOptions(inline_threshold=400, workers=2), POOL_ANALYSERS)
    assert workers == 2 and len(head) == 400
    stream = iter(_candidates(10_000, 100 * MB, STREAMED))
    head, workers = engine._plan(stream, ScanOptions(workers=3), POOL_ANALYSERS)
    assert workers == 3 and len(head) == 3  # certain at once, but not before it knows there are files for all three


def test_workers_are_capped_at_the_file_count() -> None:
    options = ScanOptions(inline_threshold=0, workers=8)
    assert engine._plan(iter([]), options, POOL_ANALYSERS)[1] == 1
    assert engine._plan(iter(_candidates(3, 10)), options, POOL_ANALYSERS)[1] == 3
    assert engine._plan(iter(_candidates(3, 10)), ScanOptions(workers=1), POOL_ANALYSERS) == ([], 1)


def test_work_is_capped_per_file_only_for_files_read_whole() -> None:
    huge = _candidates(400, 10**12)  # each counts as at most max_file_bytes
    options = ScanOptions(inline_threshold=400, max_file_bytes=1000, workers=2)
    assert engine._plan(iter(huge), options, POOL_ANALYSERS)[1] == 1
    streamed = [(ref, (READ, STREAMED)) for ref, _ in _candidates(2, 10**9)]  # streamed to the end: all of it
    assert engine.file_work(streamed[0], POOL_ANALYSERS, options) == 10**9
    assert engine._plan(iter(streamed), options, POOL_ANALYSERS)[1] == 2
    assert engine.file_work(_candidates(1, 10**9, HEADERS)[0], POOL_ANALYSERS, options) == 0


def test_batches_close_at_a_file_count_or_an_amount_of_work() -> None:
    options = ScanOptions()

    def weigh(candidate: engine.Candidate) -> int:
        return engine.file_work(candidate, POOL_ANALYSERS, options)

    datasets = list(engine._batched(iter(_candidates(30, 10 * MB, STREAMED)), weigh))
    assert [len(batch) for batch in datasets] == [2] * 15  # spread over the workers, not all to the first
    small = list(engine._batched(iter(_candidates(130, 100)), weigh))
    assert [len(batch) for batch in small] == [engine.BATCH_MAX_FILES, engine.BATCH_MAX_FILES, 2]
    headers = list(engine._batched(iter(_candidates(70, 10**9, HEADERS)), weigh))
    assert [len(batch) for batch in headers] == [engine.BATCH_MAX_FILES, 6]


def test_model_and_pii_analysers_say_which_files_they_stream_to_the_end(tmp_path: Path) -> None:
    from aispm.checks.modelfiles.analyser import ModelSecurityAnalyser
    from aispm.checks.pii.analyser import PiiAnalyser

    def ref(name: str) -> FileRef:
        return FileRef(str(tmp_path), tmp_path / name, name, 10**9)

    models = ModelSecurityAnalyser()
    assert models.streams_whole(ref("model.safetensors"))  # hashed
    assert not models.streams_whole(ref("site.zip")) and not models.streams_whole(ref("weights"))
    unhashed = ModelSecurityAnalyser(ScanOptions(hash_models=False))
    assert not unhashed.streams_whole(ref("model.safetensors")) and unhashed.streams_whole(ref("clf.pkl"))
    assert PiiAnalyser().streams_whole(ref("train.jsonl"))
    assert not PiiAnalyser(ScanOptions(sample_rows=100)).streams_whole(ref("train.jsonl"))
