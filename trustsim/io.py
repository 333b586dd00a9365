"""Files in and out: checked reading of user files, atomic writing of results.

Reading (:func:`read_user_text`): every file the program reads from a user (scenario,
experiment, policy, edge list) gets the same checks: a regular file (never a FIFO, device or
socket, which could block or never end), a size limit, UTF-8 (a byte-order mark is accepted),
no NUL bytes.

Writing: a temporary file beside the target, then rename, so a reader never sees a
half-written file: either the old file, or the whole new one. :func:`output_folder` gives a
command a locked results folder whose files appear together when the command succeeds.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustsim.errors import ConfigError, RunError

if TYPE_CHECKING:
    import pandas as pd

MB = 1_000_000


def read_user_text(path: str | Path, what: str, limit: int) -> str:
    """The text of a user's file, after the checks every input file gets.

    Args:
        path: the file.
        what: what the file is, for messages (e.g. "scenario", "edge list (network.path)").
        limit: most bytes accepted.

    Raises:
        ConfigError: naming the file and the problem, never quoting its content.
    """
    p = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such file (the {what}).") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a folder; the {what} must be a file.") from None
    except OSError as e:
        raise ConfigError(f"{p}: cannot read the {what}: {e.strerror}.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{p}: is a folder; the {what} must be a file.")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{p}: is not a regular file (a pipe, device or socket); the {what} must be a file.")
        if info.st_size > limit:
            raise ConfigError(f"{p}: {info.st_size:,} bytes is too large for the {what} (limit {limit // MB} MB).")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit:  # files under /proc report size 0: never trust st_size alone
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise ConfigError(f"{p}: cannot read the {what}: {e.strerror}.") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ConfigError(f"{p}: more than {limit // MB} MB is too large for the {what}.")
    raw = b"".join(chunks)
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as some Windows editors write
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{p}: not UTF-8 text (byte {e.start}); the {what} must be UTF-8.") from None
    if "\x00" in text:
        raise ConfigError(f"{p}: contains NUL bytes; this looks like a binary file, not the {what}.")
    return text


@contextlib.contextmanager
def _translated_os_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except PermissionError as e:
        where = e.filename or path
        raise RunError(f"{where}: permission denied while writing results ({e.strerror}).") from None
    except OSError as e:
        where = e.filename or path
        if e.errno == 28:
            raise RunError(f"{where}: no space left on device while writing results.") from None
        raise RunError(f"{where}: cannot write results: {e.strerror or e}.") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> str:
    """Write `data` to `path` atomically (temp file, fsync, rename) and return its SHA-256.

    `mode` (e.g. 0o600 for a file holding a secret) replaces the permissions a new file gets.
    """
    path = Path(path)
    with _translated_os_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            # mkstemp creates 0600; give results the permissions any new file would get.
            os.fchmod(fd, 0o666 & ~_umask() if mode is None else mode)
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


def atomic_write_text(path: str | Path, text: str, mode: int | None = None) -> str:
    """Write UTF-8 text atomically (`mode` as in :func:`atomic_write_bytes`); returns its SHA-256."""
    return atomic_write_bytes(path, text.encode("utf-8"), mode)


def atomic_write_json(path: str | Path, obj: Any, mode: int | None = None) -> str:
    """Write JSON (indented, sorted keys) atomically (`mode` as in :func:`atomic_write_bytes`); returns its SHA-256."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", mode)


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


STAGING_PREFIX = ".staging-"


@contextlib.contextmanager
def locked_folder(path: str | Path, what: str) -> Iterator[Path]:
    """Create (if needed) and lock a results folder for the block; a second writer is refused.

    A folder this call created is removed again if the block fails, so bad input leaves
    nothing behind. OS errors raised in the block (disk full, permission denied) become a
    :class:`RunError` naming the file.

    Args:
        path: the results folder.
        what: the command, for the message a second writer gets ("run", "compare", ...).
    """
    from trustsim.sweep.lock import LOCK_NAME, folder_lock

    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder}: exists and is a file, not a folder.")
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    with _translated_os_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
    try:
        with folder_lock(folder, what), _translated_os_errors(folder):
            yield folder
    except BaseException:
        if created:  # nothing of ours may stay behind in a folder we made
            with contextlib.suppress(OSError):
                (folder / LOCK_NAME).unlink()
            for made in created:
                with contextlib.suppress(OSError):
                    made.rmdir()  # only if empty
        raise


@contextlib.contextmanager
def output_folder(path: str | Path, what: str) -> Iterator[Path]:
    """A locked results folder whose new files appear together, or not at all.

    Yields a staging folder inside it; write every file there. When the block succeeds, each
    item is moved into place (a rename: atomic per file, replacing an older one), so a crash
    or an error leaves the folder as it was, never half-written. Use it for every command
    that writes a results folder: ``run``, ``compare``, ``optimize``, ``experiment``; and for
    those to come (``calibrate``, the classroom game's saved state) likewise.

    Example::

        with output_folder(out, "run") as staging:
            write_run(staging, result, scenario)
    """
    with locked_folder(path, what) as folder:
        for stale in folder.glob(f"{STAGING_PREFIX}*"):  # left by a killed process
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
        try:
            yield staging
            for item in sorted(staging.iterdir()):
                target = folder / item.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                item.replace(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
