"""Atomic, crash-safe writing of results: write to a temporary file beside the target, then rename.

A reader never sees a half-written file: either the old file, or the whole new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.errors import RunError


@contextlib.contextmanager
def _translated_os_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except PermissionError as e:
        raise RunError(f"{path}: permission denied while writing results ({e.strerror}).") from None
    except OSError as e:
        if e.errno == 28:
            raise RunError(f"{path}: no space left on device while writing results.") from None
        raise RunError(f"{path}: cannot write results: {e.strerror or e}.") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> str:
    """Write `data` to `path` atomically (temp file, fsync, rename) and return its SHA-256."""
    path = Path(path)
    with _translated_os_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            # mkstemp creates 0600; give results the permissions any new file would get.
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return hashlib.sha256(data).hexdigest()


def atomic_write_text(path: str | Path, text: str) -> str:
    """Write UTF-8 text atomically; returns its SHA-256."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> str:
    """Write JSON (indented, sorted keys) atomically; returns its SHA-256."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a DataFrame to Parquet bytes (pyarrow, zstd), without the pandas index."""
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", index=False, compression="zstd")
    return buf.getvalue()


def atomic_write_parquet(path: str | Path, frame: pd.DataFrame) -> str:
    """Write a DataFrame as Parquet atomically; returns the file's SHA-256."""
    return atomic_write_bytes(path, parquet_bytes(frame))


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's content (to check a result file against its manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
