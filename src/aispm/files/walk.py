"""Walking a scan root once, safely.

The walk honours ``.gitignore`` and ``.aispmignore`` files (nested ones too), skips VCS internals, virtual
environments and dependency caches, never leaves the scan root through a symbolic link, and turns anything it
cannot enter (permission denied, link loops, links out of the root) into a ``ScanError`` instead of an exception.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from aispm.model import ScanError

if TYPE_CHECKING:
    import pathspec

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".venv",
        "venv",
        "site-packages",
        ".eggs",
        ".gradle",
        ".terraform",
        ".ipynb_checkpoints",
    }
)
"""Directory names never entered: VCS internals, virtualenvs and third-party dependency caches."""

IGNORE_FILES = (".gitignore", ".aispmignore")
IGNORE_FILES_SET = frozenset(IGNORE_FILES)


class FileRef(Struct, frozen=True):
    """A regular file found by the walk: where it is and how big, before anything is read."""

    root: str
    """The scan root exactly as the user gave it (used for display and report paths)."""
    path: Path
    """The absolute path on disk."""
    relpath: str
    """POSIX path relative to the scan root."""
    size: int
    repository: str = ""
    """POSIX path (relative to the root) of the repository that holds the file; "" is the root itself."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def name_lower(self) -> str:
        return self.path.name.lower()

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.relpath.split("/"))


class WalkOptions(Struct):
    use_ignore_files: bool = True
    extra_skipped_dirs: frozenset[str] = frozenset()
    max_depth: int = 64


class _Dir(Struct):
    path: Path
    relpath: str
    depth: int
    repository: str
    specs: tuple[tuple[str, pathspec.PathSpec[Any]], ...] = field(default_factory=tuple)


def _load_ignore_specs(directory: Path, relpath: str, names: set[str]) -> list[tuple[str, pathspec.PathSpec[Any]]]:
    """The ignore files among ``names`` (the directory's listing: no extra stat for directories without one)."""
    specs: list[tuple[str, pathspec.PathSpec[Any]]] = []
    for name in IGNORE_FILES:
        if name not in names:
            continue
        import pathspec  # here: only trees with an ignore file pay for importing it

        candidate = directory / name
        try:
            if candidate.is_file() and candidate.stat().st_size < 1_000_000:
                lines = candidate.read_text("utf-8", errors="replace").splitlines()
                specs.append((relpath, pathspec.GitIgnoreSpec.from_lines(lines)))
        except OSError:
            continue
    return specs


def _ignored(specs: tuple[tuple[str, pathspec.PathSpec[Any]], ...], relpath: str, is_dir: bool) -> bool:
    for base, spec in specs:
        sub = relpath[len(base) + 1 :] if base else relpath
        if is_dir:
            sub += "/"
        if spec.match_file(sub):
            return True
    return False


@lru_cache(maxsize=256)
def canonical_root(root: str) -> str:
    """The scan root as an absolute path without links, so that ``.`` and ``/home/me/repo`` give assets that are
    keyed by a path (a model file, a local dataset) the same identity from scan to scan."""
    try:
        return str(Path(root).resolve())
    except (OSError, RuntimeError):
        return str(Path(root).absolute())


def local_identity(root: str, relpath: str) -> str:
    """``/abs/root/relpath`` (or the root itself for an empty ``relpath``): the identity of a local thing."""
    base = canonical_root(root)
    return f"{base}/{relpath}" if relpath and relpath != "." else base


def inside_root(path: Path, root: str | Path) -> bool:
    """True when ``path``, with every link followed, is the scan root or under it.

    The walk never leaves the root; analysers that read a file's siblings (a model directory's ``config.json``,
    a dataset card, the weights next to a config) ask this before following a link so that they do not either.
    """
    try:
        real = path.resolve(strict=True)
        base = Path(root).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real == base or base in real.parents


def readable_sibling(path: Path, root: str | Path) -> bool:
    """A regular file that an analyser may read beside the file it was given: not a link out of the root."""
    try:
        if path.is_symlink() and not inside_root(path, root):
            return False
        return path.is_file()
    except OSError:
        return False


def walk(root: str, options: WalkOptions | None = None) -> Iterator[FileRef | ScanError]:
    """Yield every file under ``root`` worth scanning, in a deterministic (sorted) order, and errors as values."""
    opts = options or WalkOptions()
    skipped = SKIPPED_DIRS | opts.extra_skipped_dirs
    try:
        base = Path(root).resolve(strict=True)
    except OSError as exc:
        yield ScanError(path="", root=root, message=f"cannot open scan root: {exc.strerror or exc}")
        return
    if base.is_file():
        yield FileRef(root=str(Path(root).parent) or ".", path=base, relpath=base.name, size=base.stat().st_size)
        return

    visited: set[tuple[int, int]] = set()
    root_stat = base.stat()
    visited.add((root_stat.st_dev, root_stat.st_ino))
    stack = [_Dir(base, "", 0, "")]
    while stack:
        current = stack.pop()
        specs = current.specs
        repository = current.repository
        try:
            with os.scandir(current.path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            yield ScanError(path=current.relpath or ".", root=root, message="permission denied: directory skipped")
            continue
        except OSError as exc:
            yield ScanError(path=current.relpath or ".", root=root, message=f"cannot list directory: {exc}")
            continue
        names = {e.name for e in entries}
        if current.depth > 0 and "pyvenv.cfg" in names:
            continue  # a virtual environment: third-party code, not the organisation's
        if opts.use_ignore_files and not IGNORE_FILES_SET.isdisjoint(names):
            specs = specs + tuple(_load_ignore_specs(current.path, current.relpath, names))
        if ".git" in names:
            repository = current.relpath
        subdirs: list[_Dir] = []
        for entry in entries:
            rel = f"{current.relpath}/{entry.name}" if current.relpath else entry.name
            is_link = False
            try:
                is_link = entry.is_symlink()
                st = entry.stat(follow_symlinks=True)
            except FileNotFoundError:
                if is_link:
                    yield ScanError(path=rel, root=root, message="broken symbolic link: target does not exist")
                continue
            except OSError as exc:
                if getattr(exc, "errno", None) == 40:  # ELOOP
                    yield ScanError(path=rel, root=root, message="symbolic link loop: not followed")
                else:
                    yield ScanError(path=rel, root=root, message=f"cannot stat: {exc.strerror or exc}")
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if is_dir and (entry.name in skipped):
                continue
            if opts.use_ignore_files and _ignored(specs, rel, is_dir):
                continue
            target = current.path / entry.name  # a child of a parsed path: cheaper than parsing entry.path
            if is_link:
                try:
                    real = target.resolve(strict=True)
                except (OSError, RuntimeError):
                    yield ScanError(path=rel, root=root, message="symbolic link loop: not followed")
                    continue
                if real != base and base not in real.parents:
                    yield ScanError(
                        path=rel, root=root, message="symbolic link points outside the scan root: not followed"
                    )
                    continue
            if is_dir:
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    yield ScanError(path=rel, root=root, message="directory already visited (link loop): skipped")
                    continue
                visited.add(key)
                if current.depth + 1 > opts.max_depth:
                    yield ScanError(path=rel, root=root, message=f"deeper than {opts.max_depth} levels: skipped")
                    continue
                subdirs.append(_Dir(target, rel, current.depth + 1, repository, specs))
            elif stat.S_ISREG(st.st_mode):
                yield FileRef(root=root, path=target, relpath=rel, size=st.st_size, repository=repository)
        # Reverse so that popping from the stack visits directories in sorted order.
        stack.extend(reversed(subdirs))
