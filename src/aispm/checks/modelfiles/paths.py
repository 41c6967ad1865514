"""Names inside a model that point outside it: ONNX external-data locations, archive members and their links.

A loader that reads ``../../etc/passwd`` as tensor data, or an extractor that writes ``../../.bashrc`` from a
tarball, turns a model file into file access on the machine that opens it.
"""

from __future__ import annotations

import posixpath
import re

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
