"""Scan options shared by the engine and the analysers (plain data, picklable for worker processes)."""

from __future__ import annotations

from msgspec import Struct, field

FAMILIES = ("inventory", "secrets", "models", "data", "iac")
"""Scanner families, as ``--scanners`` names them (Trivy-style)."""

DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024


class ScanOptions(Struct, frozen=True):
    scanners: frozenset[str] = field(default_factory=lambda: frozenset(FAMILIES))
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Files larger than this are not read whole; analysers that stream (model files) still see them."""
    workers: int | None = None
    """Worker processes; ``None`` sizes the pool to the CPUs, 1 runs in this process."""
    hash_models: bool = True
    history: bool = True
    """Scan every blob in the git history of scanned repositories for leaked keys (secrets family)."""
    use_ignore_files: bool = True
    inline_threshold: int = 400
    """Scans of fewer files than this run in-process: a pool costs more than it saves on small trees."""
    sample_rows: int | None = None
    """Scan only the first N rows (records, lines) of each dataset file for personal data; ``None`` reads all."""

    def __post_init__(self) -> None:
        unknown = sorted(self.scanners - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown scanner(s) {', '.join(unknown)}: choose from {', '.join(FAMILIES)}")
        if self.sample_rows is not None and self.sample_rows < 1:
            raise ValueError(f"sample_rows must be at least 1, not {self.sample_rows}")
