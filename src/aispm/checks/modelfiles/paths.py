"""Names inside a model that point outside it: ONNX external-data locations, archive members and their links.

A loader that reads ``../../etc/passwd`` as tensor data, or an extractor that writes ``../../.bashrc`` from a
tarball, turns a model file into file access on the machine that opens it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]")


def escapes_directory(name: str) -> bool:
    """Whether a relative name leaves its directory: absolute (POSIX, drive or UNC), ``..`` above the top, or a
    NUL byte (which truncates the name in C code)."""
    if "\0" in name:
        return True
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or _WINDOWS_ABSOLUTE.match(name):
        return True
    resolved = posixpath.normpath(normalised)
    return resolved == ".." or resolved.startswith("../")


def link_escapes(member: str, target: str, *, hard: bool) -> bool:
    """Whether an archive link leaves the extraction folder: a symbolic link's target is relative to the link's own
    folder, a hard link's to the archive's top."""
    if hard:
        return escapes_directory(target)
    return (
        escapes_directory(target)
        if target.startswith(("/", "\\"))
        else escapes_directory(posixpath.join(posixpath.dirname(member.replace("\\", "/")), target))
    )


MAX_LINK_HOPS = 40


def landing_path(name: str, links: dict[str, str]) -> str | None:
    """Where an archive member lands, relative to the extraction folder, once the symbolic links extracted before
    it are followed through its folders (``x -> y/..`` then ``x/file``); ``..`` parts that climb out are kept.
    ``None`` when the links loop."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    landed: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if landed and landed[-1] != "..":
                landed.pop()
            else:
                landed.append("..")
            continue
        target = links.get("/".join([*landed, part])) if parts else None  # folders only: the file is created anew
        if target is None:
            landed.append(part)
            continue
        hops += 1
        if hops > MAX_LINK_HOPS:
            return None
        if target.startswith(("/", "\\")) or _WINDOWS_ABSOLUTE.match(target):
            return "/" + "/".join([target.lstrip("/\\"), *parts])
        parts = [piece for piece in target.replace("\\", "/").split("/") if piece not in ("", ".")] + parts
    return "/".join(landed)


def links_out_of(model: Path, locations: list[str]) -> Iterator[tuple[str, str]]:
    """(location, where it really is) for each file a model names beside itself that is a link out of the model's
    folder: the name stays inside, the file a loader opens does not.  Links are resolved, never read.  In a Hugging
    Face cache every file of a snapshot is a link into the repository's ``blobs``: its cache folder is the bound."""
    if not locations:
        return
    from aispm.discover.model_files import hub_cache_id

    cached = hub_cache_id(model.parts, "models")
    bound = (Path(*model.parts[: cached[2] - 1]) if cached is not None else model.parent).resolve()
    for location in locations:
        try:
            resolved = (model.parent / location).resolve()
        except (OSError, RuntimeError):  # a link loop
            continue
        if resolved != bound and bound not in resolved.parents:
            yield location, str(resolved)
