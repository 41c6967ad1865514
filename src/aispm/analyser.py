"""The analyser contract: one small class per detector, registered in :mod:`aispm.registry`.

An analyser says which files it wants (by name, suffix or path, before anything is read) and yields ``Asset``,
``Relation`` and ``Finding`` records for one file at a time.  The engine reads each file once and hands the same
``FileContent`` to every analyser that wants it.  Analysers never talk to each other or to the store, and an
exception raised inside one becomes a per-file error, never a failed scan.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import ClassVar

from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, Finding, Location, Relation
from aispm.options import ScanOptions

Record = Asset | Relation | Finding


class Analyser(ABC):
    """Base class of every per-file analyser."""

    name: ClassVar[str]
    """Short, unique, shown in errors (``python-source``)."""
    family: ClassVar[str]
    """The ``--scanners`` family that runs it (``inventory``, ``secrets``, ``models``, ``data``, ``iac``)."""
    reads_content: ClassVar[bool] = True
    """False for analysers that stream large files themselves through ``FileContent.open()``."""

    def __init__(self, options: ScanOptions | None = None) -> None:
        self.options = options or ScanOptions()

    @abstractmethod
    def wants(self, ref: FileRef) -> bool:
        """Cheap test on the file's name and path; nothing has been read yet."""

    def streams_whole(self, ref: FileRef) -> bool:
        """Whether this analyser reads ``ref`` to its end through ``FileContent.open()`` (a dataset scanned for
        personal data, a model file hashed): the engine counts those bytes as work when it decides on a pool."""
        return False

    @abstractmethod
    def analyse(self, file: FileContent) -> Iterable[Record]:
        """Yield what this file shows.  Raise :class:`AnalysisError` for a clear per-file error message."""


class AnalysisError(Exception):
    """A problem with one file that the user should see, in words they can act on (e.g. 'invalid TOML: ...')."""


def file_location(file: FileContent | FileRef, start: int | None = None, end: int | None = None) -> Location:
    """A ``Location`` in ``file`` (lines are 1-based, inclusive)."""
    ref = file.ref if isinstance(file, FileContent) else file
    return Location(path=ref.relpath, start_line=start, end_line=end if end is not None else start, root=ref.root)
