"""The ``model_config`` attribute of an HDF5 file, read by h5py in a child process with a time and memory limit.

libhdf5 is C code that a hostile file can crash (a flipped byte has made it segfault) or keep busy forever, and
h5py expands attributes before anything can bound them (2,048 variable-length strings pointing at one 1 MiB heap
object take 4 GiB).  So h5py never runs in the scanning process: a child imports it under an address-space limit,
reads the one attribute (no dataset is read) and prints it as JSON; a crash, a timeout or an exhausted limit is a
clear reason for the file, and the scan goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

TIMEOUT_SECONDS = 30
MEMORY_BYTES = 2 * 1024 * 1024 * 1024
MAX_ATTRIBUTE_BYTES = 64 * 1024 * 1024

_CHILD = r"""
import io, json, sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
except (ImportError, ValueError, OSError):
    pass
try:
    import h5py
except ImportError:
    print(json.dumps({"unavailable": True}))
    sys.exit(0)
path, limit = sys.argv[1], int(sys.argv[3])
try:
    source = open(path, "rb") if path != "-" else io.BytesIO(sys.stdin.buffer.read())
    with h5py.File(source, "r") as h5:
        raw = h5.attrs.get("model_config")
except MemoryError:
    print(json.dumps({"error": "its attributes need more memory than the reader may use"}))
    sys.exit(0)
except Exception as exc:
    print(json.dumps({"error": f"cannot be read: {type(exc).__name__}: {str(exc)[:300]}"}))
    sys.exit(0)
if raw is None:
    print(json.dumps({"absent": True}))
elif not isinstance(raw, (bytes, str)):
    print(json.dumps({"error": f"model_config is not a string ({type(raw).__name__})"}))
elif len(raw) > limit:
    print(json.dumps({"error": f"model_config is larger than {limit // 2**20} MiB"}))
else:
    print(json.dumps({"config": raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw}))
"""


class H5ReaderError(ValueError):
    """The file could not be read: the message says why, fit for a finding."""


class H5Unavailable(RuntimeError):
    """h5py is not installed for this interpreter."""


def read_model_config(path: str | None, data: bytes | None = None) -> str | None:
    """The ``model_config`` text of the HDF5 file at ``path`` (or of ``data``), ``None`` when it has none."""
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, "-I", "-c", _CHILD, path or "-", str(MEMORY_BYTES), str(MAX_ATTRIBUTE_BYTES)]
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, env=environment, check=False
        )
    except subprocess.TimeoutExpired:
        raise H5ReaderError(f"the HDF5 library did not finish reading it in {TIMEOUT_SECONDS} s") from None
    if done.returncode < 0:
        raise H5ReaderError(f"the HDF5 library crashed reading it (signal {-done.returncode})")
    try:
        answer = json.loads(done.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise H5ReaderError(f"the HDF5 reader failed (exit status {done.returncode})") from None
    if answer.get("unavailable"):
        raise H5Unavailable
    if "error" in answer:
        raise H5ReaderError(str(answer["error"]))
    config = answer.get("config")
    return config if isinstance(config, str) else None
