"""Durable file writes: every file of evidence or export is written through here.

Write to ``<name>.part`` with restrictive permissions, fsync, rename over the target, fsync the
folder (Electrum ``storage.py``). A crash leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` only if the block ends without an exception."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically and durably."""
    with atomic_writer(path, mode) as fh:
        fh.write(data)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def open_from_disk(path: Path) -> io.FileIO:
    """Open ``path`` to read what the disk itself holds, bypassing the page cache where the system
    allows it (``O_DIRECT`` on Linux): what a read-back after writing must see, so that a USB stick
    that lost or mangled the bytes is caught now. Read it in whole multiples of 4 KiB into
    page-aligned buffers (``mmap``); the last read at the end of the file may be short.

    Where direct reads are not offered (Windows, macOS, tmpfs and some other file systems) the file is
    opened as usual, unbuffered, and the caller should have dropped it from the cache
    (:func:`forget_cached`)."""
    direct = getattr(os, "O_DIRECT", 0)
    if direct:
        try:
            fd = os.open(path, os.O_RDONLY | direct)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
        else:
            return open(fd, "rb", buffering=0)
    return open(path, "rb", buffering=0)


def open_to_disk(path: Path) -> int | None:
    """A second descriptor on the existing file ``path`` whose writes go straight to the disk
    (``O_DIRECT`` on Linux), or ``None`` where the system or the file system does not offer that
    (Windows, macOS, tmpfs): then write through the page cache. Write it only in whole multiples of
    4 KiB at offsets that are multiples of 4 KiB, from page-aligned buffers (``mmap``)."""
    direct = getattr(os, "O_DIRECT", 0)
    if not direct:
        return None
    try:
        return os.open(path, os.O_WRONLY | direct)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        return None


def forget_cached(fd: int, offset: int = 0, length: int = 0) -> None:
    """Ask the system to drop a file range from the page cache (all of it by default).

    Clean pages go at once, so after fsync a later read comes from the disk; dirty pages are not
    dropped but their write-back starts now, without waiting (Linux), which spreads a large write's
    disk work over the time it is written instead of leaving it all to the final fsync. Nothing
    happens where the system does not offer it."""
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
