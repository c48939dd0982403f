"""Reading what the disk holds: examsite.fsutil.open_from_disk and forget_cached, on real files."""

from __future__ import annotations

import fcntl
import mmap
import os
import subprocess
from pathlib import Path

import pytest

from examsite.fsutil import forget_cached, open_from_disk, open_to_disk


def _cached_pages(path: Path) -> int:
    """Pages of ``path`` in the page cache, as util-linux's fincore counts them."""
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "PAGES", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip())


def _direct_supported(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_bytes(b"x")
    try:
        fd = os.open(probe, os.O_RDONLY | os.O_DIRECT)
    except OSError:
        return False
    os.close(fd)
    return True


def test_reads_bypass_the_page_cache_where_the_file_system_allows(tmp_path: Path) -> None:
    data = os.urandom(3 * 4096 * 64 + 1000)  # three full 256 KiB reads, then a short one
    path = tmp_path / "bundle.age"
    path.write_bytes(data)
    buffer = memoryview(mmap.mmap(-1, 4096 * 64))
    parts = []
    with open_from_disk(path) as fh:
        direct = bool(fcntl.fcntl(fh.fileno(), fcntl.F_GETFL) & os.O_DIRECT)
        while count := fh.readinto(buffer):
            parts.append(bytes(buffer[:count]))
    assert b"".join(parts) == data
    assert [len(part) for part in parts][-1] == 1000
    assert direct == _direct_supported(tmp_path)


def test_a_file_system_without_direct_reads_is_read_the_usual_way() -> None:
    """procfs refuses O_DIRECT (EINVAL): the file is opened as usual instead."""
    with open_from_disk(Path("/proc/self/status")) as fh:
        assert not fcntl.fcntl(fh.fileno(), fcntl.F_GETFL) & os.O_DIRECT
        assert b"Name:" in fh.read(4096)


def test_a_system_without_direct_reads_opens_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows and macOS have no os.O_DIRECT."""
    monkeypatch.delattr(os, "O_DIRECT")
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    with open_from_disk(path) as fh:
        assert fh.read() == b"abc"


def test_a_missing_file_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_from_disk(tmp_path / "missing")


def test_forget_cached_drops_a_synced_file_from_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "written"
    with open(path, "wb") as fh:
        fh.write(os.urandom(8 << 20))
        fh.flush()
        os.fsync(fh.fileno())
        assert _cached_pages(path) > 0
        forget_cached(fh.fileno())
    assert _cached_pages(path) == 0


def test_forget_cached_on_dirty_pages_loses_nothing(tmp_path: Path) -> None:
    """Before fsync the pages are dirty: they are written, not dropped, and the data is intact."""
    path = tmp_path / "written"
    data = os.urandom(4 << 20)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        forget_cached(fh.fileno(), 0, len(data))
        os.fsync(fh.fileno())
    assert path.read_bytes() == data


def test_writes_go_straight_to_the_disk_where_the_file_system_allows(tmp_path: Path) -> None:
    path = tmp_path / "bundle.age.part"
    path.write_bytes(b"")
    block = mmap.mmap(-1, 4096 * 4)
    block[:] = os.urandom(len(block))
    fd = open_to_disk(path)
    assert fd is not None
    try:
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT
        assert os.pwrite(fd, block, 0) == len(block)
        os.ftruncate(fd, len(block) - 100)  # the padding of a last block is cut off
    finally:
        os.close(fd)
    assert _cached_pages(path) == 0  # nothing went through the page cache
    assert path.read_bytes() == bytes(block[: len(block) - 100])


def test_a_file_system_without_direct_writes_says_so() -> None:
    """procfs refuses O_DIRECT (EINVAL): the caller writes through the page cache instead."""
    assert open_to_disk(Path("/proc/self/comm")) is None


def test_a_system_without_direct_writes_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "O_DIRECT")
    path = tmp_path / "f"
    path.write_bytes(b"")
    assert open_to_disk(path) is None


def test_a_missing_file_is_an_error_not_a_direct_write_fallback(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_to_disk(tmp_path / "missing")
