"""Keys that live on in git history: every blob reachable from any ref (and the reflog) scanned once.

A key deleted from the working tree is still in every clone.  For a repository, :func:`scan_history` lists all
reachable objects (``git rev-list --all --reflog --objects``: each blob once, whatever number of commits share
it), reads the blobs through one ``git cat-file --batch`` process, and matches them with the same engine and
decoy layers as the working tree.  A key found in history carries the commit that introduced its blob, that
commit's date, the path and line, and whether the key is still present at HEAD.

Safety and bounds: only plumbing commands run (no checkout, no hooks, no filters or textconv, no network), with
blob, byte and time limits; anything git cannot do becomes an error message, never an exception.  Blobs that are
exactly the checked-out files are left to the working-tree scan, so a key is not reported twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from msgspec import Struct, field
from msgspec.structs import replace

from aispm.analyser import Record
from aispm.checks.secrets.analyser import BINARY_SUFFIXES, LOCKFILES, MINIFIED_SUFFIXES, scan_text
from aispm.checks.secrets.engine import SecretEngine, default_engine
from aispm.files.content import decode_text, looks_binary
from aispm.files.walk import FileRef
from aispm.model import Finding, JSONValue, ScanError

GIT_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-c", "diff.external=")
"""No file-system monitor hook, unquoted paths, no external diff program -- whatever the repository's config."""


class HistoryLimits(Struct, frozen=True):
    max_blobs: int = 200_000
    max_blob_bytes: int = 4 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    timeout_seconds: float = 600.0


class HistoryResult(Struct):
    records: list[Record] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    stats: dict[str, JSONValue] = field(default_factory=dict)


class GitError(RuntimeError):
    """git failed; the message is fit for a per-repository error."""


def has_history(repo: Path) -> bool:
    """A cheap look (no subprocess) for any commit: a ``.git`` with refs or packed refs."""
    git_dir = repo / ".git"
    if git_dir.is_file():  # a worktree or submodule: ".git" is a pointer file; let git decide
        return True
    if not git_dir.is_dir():
        return False
    if (git_dir / "packed-refs").is_file():
        return True
    refs = git_dir / "refs"
    return refs.is_dir() and any(path.is_file() for path in refs.rglob("*"))


def _git_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    return env


def _git(repo: Path, *args: str, timeout: float) -> bytes:
    try:
        completed = subprocess.run(
            ["git", *GIT_SAFE_CONFIG, "-C", str(repo), *args],
            capture_output=True,
            timeout=timeout,
            env=_git_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed: history not scanned") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:.0f} s: history not scanned") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else completed.returncode}")
    return completed.stdout


_C_ESCAPES = {"a": b"\a", "b": b"\b", "f": b"\f", "n": b"\n", "r": b"\r", "t": b"\t", "v": b"\v"}


def _unquote(path: str) -> str:
    """git C-quotes unusual paths (``"a\\tb"``, octal bytes); undo it."""
    if len(path) < 2 or path[0] != '"' or path[-1] != '"':
        return path
    out = bytearray()
    inner = path[1:-1]
    index = 0
    while index < len(inner):
        char = inner[index]
        if char == "\\" and index + 1 < len(inner):
            following = inner[index + 1]
            octal = inner[index + 1 : index + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(octal, 8) & 0xFF)
                index += 4
                continue
            out += _C_ESCAPES.get(following, following.encode("utf-8"))
            index += 2
            continue
        out += char.encode("utf-8")
        index += 1
    return out.decode("utf-8", "replace")


def list_blobs(repo: Path, timeout: float) -> dict[str, str]:
    """Every blob reachable from any ref or reflog entry, once, with the first path git saw it at."""
    named = _git(repo, "rev-list", "--all", "--reflog", "--objects", timeout=timeout)
    candidates: dict[str, str] = {}
    for raw in named.decode("utf-8", "replace").splitlines():
        oid, _, path = raw.partition(" ")
        if path and oid not in candidates:
            candidates[oid] = _unquote(path)
    return candidates


def _batch_check(repo: Path, oids: Iterable[str], timeout: float) -> dict[str, tuple[str, int]]:
    data = "".join(f"{oid}\n" for oid in oids).encode()
    check_format = "--batch-check=%(objectname) %(objecttype) %(objectsize)"
    try:
        completed = subprocess.run(
            ["git", *GIT_SAFE_CONFIG, "-C", str(repo), "cat-file", check_format],
            input=data,
            capture_output=True,
            timeout=timeout,
            env=_git_env(),
            check=False,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git cat-file failed: {type(exc).__name__}") from None
    types: dict[str, tuple[str, int]] = {}
    for line in completed.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            types[parts[0]] = (parts[1], int(parts[2]))
    return types


def read_blobs(repo: Path, oids: list[str], deadline: float) -> Iterator[tuple[str, bytes]]:
    """Stream blob contents through one ``git cat-file --batch`` (ids are fed by a thread, so pipes never block)."""
    process = subprocess.Popen(
        ["git", *GIT_SAFE_CONFIG, "-C", str(repo), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_git_env(),
    )
    assert process.stdin is not None and process.stdout is not None

    def feed() -> None:
        try:
            for oid in oids:
                process.stdin.write(f"{oid}\n".encode())  # type: ignore[union-attr]
            process.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError, OSError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        for _ in oids:
            if time.monotonic() > deadline:
                raise GitError("history scan time limit reached: history partly scanned")
            header = process.stdout.readline().decode("utf-8", "replace").split()
            if len(header) != 3 or not header[2].isdigit():
                continue  # "<oid> missing"
            content = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield header[0], content
    finally:
        process.kill()
        process.wait()
        feeder.join(timeout=5)


def head_blobs(repo: Path, timeout: float) -> dict[str, set[str]]:
    """Blob id -> paths at HEAD (empty when HEAD has no commit)."""
    try:
        output = _git(repo, "ls-tree", "-r", "--full-tree", "HEAD", timeout=timeout)
    except GitError:
        return {}
    blobs: dict[str, set[str]] = {}
    for line in output.decode("utf-8", "replace").splitlines():
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            blobs.setdefault(parts[2], set()).add(_unquote(path))
    return blobs


def introducing_commits(repo: Path, wanted: set[str], timeout: float) -> dict[str, tuple[str, str, str]]:
    """Blob id -> (commit, ISO date, path) of the oldest commit that added the blob, for the ``wanted`` blobs."""
    output = _git(
        repo, "log", "--all", "--reflog", "--raw", "--no-abbrev", "--no-renames", "--no-textconv",
        "--format=>%H %aI", timeout=timeout,
    )  # fmt: skip
    found: dict[str, tuple[str, str, str]] = {}
    commit, date = "", ""
    for line in output.decode("utf-8", "replace").splitlines():
        if line.startswith(">"):
            commit, _, date = line[1:].partition(" ")
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) >= 4 and parts[3] in wanted:
                found[parts[3]] = (commit, date, _unquote(path))  # log runs newest first: the last one wins
    return found


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _wanted_path(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    suffix = PurePosixPath(name).suffix
    return not (name in LOCKFILES or suffix in BINARY_SUFFIXES or name.endswith(MINIFIED_SUFFIXES))


def scan_history(
    root: str,
    repository: str = "",
    engine: SecretEngine | None = None,
    limits: HistoryLimits | None = None,
) -> HistoryResult:
    """Leaked keys in the history of the repository at ``root/repository`` (paths in findings are relative to
    ``root``, like the working-tree scan's)."""
    limits = limits or HistoryLimits()
    engine = engine or default_engine()
    repo = Path(root) / repository if repository else Path(root)
    result = HistoryResult()
    where = repository or "."
    if not has_history(repo):
        return result
    deadline = time.monotonic() + limits.timeout_seconds
    try:
        blobs = list_blobs(repo, limits.timeout_seconds)
        objects = _batch_check(repo, blobs, limits.timeout_seconds)
        head = head_blobs(repo, limits.timeout_seconds)
        selected = [
            oid
            for oid, path in blobs.items()
            if objects.get(oid, ("", 0))[0] == "blob"
            and objects[oid][1] <= limits.max_blob_bytes
            and _wanted_path(path)
        ]
        if len(selected) > limits.max_blobs:
            result.errors.append(
                ScanError(where, f"history has {len(selected)} blobs; only {limits.max_blobs} scanned", root)
            )
            selected = selected[: limits.max_blobs]
        found: dict[str, list[Finding]] = {}
        scanned_bytes = 0
        for oid, content in read_blobs(repo, selected, deadline):
            scanned_bytes += len(content)
            if scanned_bytes > limits.max_total_bytes:
                result.errors.append(ScanError(where, "history byte limit reached: history partly scanned", root))
                break
            if looks_binary(content[:8192]):
                continue
            text, _ = decode_text(content)
            path = blobs[oid]
            relpath = f"{repository}/{path}" if repository else path
            ref = FileRef(root, repo / path, relpath, len(content), repository)
            findings = [r for r in scan_text(text, ref, engine, with_assets=False) if isinstance(r, Finding)]
            if findings:
                found[oid] = findings
        result.records.extend(_history_findings(repo, found, blobs, head, limits))
        blob_count = sum(1 for kind, _ in objects.values() if kind == "blob")
        result.stats = {"blobs": blob_count, "blobs_scanned": len(selected), "bytes_scanned": scanned_bytes}
    except GitError as exc:
        result.errors.append(ScanError(where, str(exc), root, "secrets"))
    return result


def _history_findings(
    repo: Path,
    found: dict[str, list[Finding]],
    blobs: dict[str, str],
    head: dict[str, set[str]],
    limits: HistoryLimits,
) -> Iterator[Finding]:
    """History findings, each with its commit, date and whether the key is still at HEAD.

    What the working-tree scan already reports is left out: blobs that are checked-out files, and a key found in
    an older version of a file whose checked-out version still holds it (reported there, at its current line).
    """
    if not found:
        return
    commits = introducing_commits(repo, set(found), limits.timeout_seconds)
    at_head = {finding.identity for oid, findings in found.items() if oid in head for finding in findings}
    checked_out = {oid: {p for p in head[oid] if _checked_out(repo / p, oid)} for oid in found if oid in head}
    covered = {(path, f.identity) for oid, paths in checked_out.items() for path in paths for f in found[oid]}
    earliest: dict[tuple[str, str], Finding] = {}
    for oid, findings in found.items():
        if checked_out.get(oid):
            continue
        commit, date, path = commits.get(oid, ("", "", blobs[oid]))
        for finding in findings:
            if (blobs[oid], finding.identity) in covered:
                continue
            properties: dict[str, JSONValue] = dict(finding.properties)
            properties.update(
                {
                    "source": "git-history",
                    "commit": commit or None,
                    "commit_date": date or None,
                    "blob": oid,
                    "history_path": path,
                    "present_at_head": finding.identity in at_head,
                }
            )
            message = finding.message + (f" in commit {commit[:12]} ({date})" if commit else " in git history")
            dated = replace(finding, message=message, properties=properties)
            # One finding per key and path: the version of the file that brought the key in.
            slot = (finding.location.path, finding.identity)
            if slot not in earliest or _when(date) < _when(earliest[slot].properties.get("commit_date")):
                earliest[slot] = dated
    yield from earliest.values()


def _when(date: JSONValue) -> float:
    """An ISO date as a timestamp (unknown dates sort last)."""
    try:
        return dt.datetime.fromisoformat(str(date)).timestamp()
    except ValueError:
        return float("inf")


def _checked_out(path: Path, oid: str) -> bool:
    try:
        return path.is_file() and _git_blob_id(path.read_bytes()) == oid
    except OSError:
        return False


def scan_all_history(repositories: Iterable[tuple[str, str]], limits: HistoryLimits | None = None) -> HistoryResult:
    """History of every ``(scan root, repository path)`` pair, once each -- the pairs of the walked files'
    ``FileRef.root`` and ``FileRef.repository``."""
    total = HistoryResult(stats={"repositories": 0, "blobs_scanned": 0, "bytes_scanned": 0})
    for root, repository in sorted(set(repositories)):
        result = scan_history(root, repository, limits=limits)
        total.records.extend(result.records)
        total.errors.extend(result.errors)
        if result.stats:
            total.stats["repositories"] = int(total.stats["repositories"] or 0) + 1
            for name in ("blobs_scanned", "bytes_scanned"):
                total.stats[name] = int(total.stats[name] or 0) + int(result.stats.get(name) or 0)
    return total
