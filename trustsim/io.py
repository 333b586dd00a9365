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
import errno
import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustsim.errors import ConfigError, RunError, excerpt

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
        if e.errno == errno.ENAMETOOLONG:
            raise ConfigError(name_too_long(p)) from None
        raise ConfigError(f"{p}: cannot read the {what}: {e.strerror}.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{p}: is a folder; the {what} must be a file.")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{p}: is not a regular file (a pipe, device or socket); the {what} must be a file.")
        if info.st_size > limit:
            raise ConfigError(f"{p}: {info.st_size:,} bytes is too large for the {what} (limit {limit // MB} MB).")
        # The descriptor stays non-blocking: a file that only looks regular (/proc/kmsg, some
        # /proc and /sys entries) and would wait for data is refused, never waited on.
        chunks, size = [], 0
        while size <= limit:  # files under /proc report size 0: never trust st_size alone
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except BlockingIOError:
        raise ConfigError(
            f"{p}: reading would wait for data that may never come (a kernel or device file, not an "
            f"ordinary file); the {what} must be an ordinary file."
        ) from None
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


NAME_MAX = 255
"""Longest file or folder name, in bytes, that common file systems (ext4, APFS, NTFS) hold."""


def name_too_long(path: str | Path) -> str:
    """The message for a path with a part longer than the file system allows (``ENAMETOOLONG``)."""
    parts = Path(path).parts
    long = next((part for part in parts if len(os.fsencode(part)) > NAME_MAX), None)
    if long is None:
        return f"{excerpt(str(path))}: the path is longer than the file system allows; use a shorter one."
    return (
        f"{excerpt(str(path))}: the name {excerpt(long)} is {len(os.fsencode(long)):,} bytes; file and folder "
        f"names hold at most {NAME_MAX} bytes. Use a shorter name."
    )


# --- reading back what trustsim wrote (run and sweep folders) -----------------------------

RESULT_LIMIT = 2_000 * MB
"""Largest result file read back (a run of 50 million customers writes about 1 GB)."""


def read_result_table(
    path: str | Path,
    what: str,
    columns: Iterable[str] = (),
    text_columns: Iterable[str] | None = None,
    rows: bool = True,
) -> pd.DataFrame:
    """A Parquet table of a results folder, read back as input: damage is bad input, never a crash.

    Args:
        path: the file.
        what: what wrote it, for the advice (e.g. "`trustsim run`").
        columns: the columns the reader needs.
        text_columns: columns that may hold text (or categories); every other column must be
            numeric, so a hand-edited or foreign table with text in a measure is refused here.
            None: no column's type is checked.
        rows: whether the table must hold at least one row.

    Raises:
        ConfigError: naming the file and what is wrong with it (missing, not a regular file,
            not Parquet or cut short, a column missing or not numeric, no rows).
    """
    import pandas as pd

    p = Path(path)
    advice = f"run {what} again to write it anew"
    info = _stat_result(p, advice)
    if info.st_size > RESULT_LIMIT:
        raise ConfigError(f"{p}: {info.st_size:,} bytes is more than a result table can be ({advice}).")
    try:
        frame = pd.read_parquet(p)
    except Exception as e:  # pyarrow raises many kinds (ArrowInvalid, OSError, ...) for one thing: damage
        reason = (str(e).splitlines() or [type(e).__name__])[0]
        raise ConfigError(f"{p}: damaged, not a readable Parquet table ({excerpt(reason, 120)}); {advice}.") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"{p}: lacks the column(s) {', '.join(map(repr, missing))}; not a table written by {what} ({advice})."
        )
    texts = set(text_columns) if text_columns is not None else set(frame.columns)
    wrong = [str(c) for c in frame.columns if c not in texts and not _numeric(frame[c])]
    if wrong:
        raise ConfigError(
            f"{p}: column {excerpt(wrong[0])} holds {frame[wrong[0]].dtype} values, not numbers ({advice})."
        )
    if rows and frame.empty:
        raise ConfigError(f"{p}: the table has no rows ({advice}).")
    return frame


def _numeric(column: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def read_result_json(path: str | Path, what: str, kind: str = "", limit: int = 100 * MB) -> dict[str, Any]:
    """A JSON object of a results folder (``run.json``, ``manifest.json``), read back as input.

    Args:
        path: the file.
        what: what wrote it, for the advice (e.g. "`trustsim run`").
        kind: what the file is, for messages ("manifest": "damaged manifest, not valid JSON").
        limit: most bytes accepted.

    Raises:
        ConfigError: naming the file and what is wrong (missing, not a regular file, not
            UTF-8, not JSON, nested too deeply, not an object).
    """
    p = Path(path)
    advice = f"run {what} again to write it anew"
    damaged = f"damaged {kind}".strip()
    _stat_result(p, advice)
    text = read_user_text(p, kind or f"JSON file written by {what}", limit)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ConfigError(f"{p}: {damaged}, not valid JSON ({excerpt(str(e), 120)}); {advice}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: {damaged}: a JSON {type(data).__name__}, expected an object; {advice}.")
    return data


def _stat_result(p: Path, advice: str) -> os.stat_result:
    """The file's status, after refusing a missing file, a folder, a pipe or a device."""
    try:
        info = os.stat(p)
    except FileNotFoundError:
        raise ConfigError(f"{p}: missing; {advice}.") from None
    except OSError as e:
        raise ConfigError(f"{p}: cannot read it ({e.strerror}); {advice}.") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, device or socket)"
        raise ConfigError(f"{p}: is {kind}, not a result file; {advice}.")
    return info


@contextlib.contextmanager
def _translated_os_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except PermissionError as e:
        where = e.filename or path
        raise RunError(f"{where}: permission denied while writing results ({e.strerror}).") from None
    except OSError as e:
        where = e.filename or path
        if e.errno == errno.ENAMETOOLONG:
            raise ConfigError(name_too_long(e.filename or path)) from None
        if e.errno == errno.ENOSPC:
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
    try:
        with _translated_os_errors(folder):
            folder.mkdir(parents=True, exist_ok=True)
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
