"""The export's read-back follows the writing: it checks each stretch of the ``.part`` file once that
stretch is synced to the disk and dropped from the page cache, and never reads further.

Real files on the real disk, real threads; the only thing made small is the sync step, so that a
bundle of a few MiB goes through it several times.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from examsite.bundle import writer as writer_module
from examsite.bundle.errors import BundleError
from examsite.bundle.writer import _OnDisk, _Stopped, write_bundle
from examsite.fsutil import open_from_disk, open_to_disk
from tests.support.bundle_factory import Keys, request

STEP = 64 * 1024
PAGE = writer_module._PAGE


class _Reader(threading.Thread):
    """Reads an :class:`_OnDisk` to its end in a thread of its own, keeping what each read returned."""

    def __init__(self, disk: _OnDisk) -> None:
        super().__init__(daemon=True)
        self.disk = disk
        self.buffer = open_buffer()
        self.counts: list[int] = []
        self.data = bytearray()
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            while count := self.disk.readinto(self.buffer):
                self.counts.append(count)
                self.data += self.buffer[:count]
        except BaseException as exc:  # handed to the test
            self.error = exc


def open_buffer() -> memoryview:
    """A page-aligned 1 MiB buffer, as O_DIRECT reads need."""
    import mmap

    return memoryview(mmap.mmap(-1, 1 << 20))


@pytest.fixture
def part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Path]]:
    monkeypatch.setattr(writer_module, "_SYNC_STEP", STEP)
    path = tmp_path / "b.age.part"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    yield fd, path
    os.close(fd)


def _synced(disk: _OnDisk, size: int) -> None:
    """Wait until the sync thread has synced ``size`` bytes (it runs on its own)."""
    with disk._changed:
        assert disk._changed.wait_for(lambda: disk._synced >= size, timeout=30)


def test_the_read_back_reads_only_whole_synced_pages_until_the_end(part: tuple[int, Path]) -> None:
    fd, path = part
    data = os.urandom(STEP + 3 * PAGE + 100)
    with open_from_disk(path) as source:
        disk = _OnDisk(fd, source)
        reader = _Reader(disk)
        os.write(fd, data[: STEP + 3 * PAGE + 100])
        disk.wrote(len(data))
        _synced(disk, len(data))
        reader.join(timeout=0.5)
        # everything is synced but the file is not finished: the read-back stops at the last whole page
        assert reader.is_alive()
        assert bytes(reader.data) == data[: STEP + 3 * PAGE]
        assert all(count % PAGE == 0 for count in reader.counts)
        disk.finish()
        reader.join(timeout=30)
    assert reader.error is None
    assert bytes(reader.data) == data


def test_nothing_is_read_before_it_is_synced(part: tuple[int, Path]) -> None:
    fd, path = part
    with open_from_disk(path) as source:
        disk = _OnDisk(fd, source)
        reader = _Reader(disk)
        os.write(fd, b"x" * (STEP - 1))  # less than a sync step: not synced yet
        disk.wrote(STEP - 1)
        reader.join(timeout=0.5)
        assert reader.is_alive()
        assert reader.data == b""
        disk.stop()
        reader.join(timeout=30)
    assert isinstance(reader.error, _Stopped)


def test_a_failed_sync_stops_the_writing_and_the_read_back(
    part: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fsync's error is reported once (a later fsync may succeed with the data lost): the export
    keeps it and raises it from the next write and from finish."""

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer_module, "_datasync", broken)
    fd, path = part
    with open_from_disk(path) as source:
        disk = _OnDisk(fd, source)
        reader = _Reader(disk)
        os.write(fd, b"x" * STEP)
        disk.wrote(STEP)
        disk._syncer.join(timeout=30)
        with pytest.raises(OSError, match="Input/output error"):
            disk.wrote(STEP + 1)
        with pytest.raises(OSError, match="Input/output error"):
            disk.finish()
        reader.join(timeout=30)
    assert isinstance(reader.error, _Stopped)


Sink = type[writer_module._CountingWriter] | type[writer_module._DirectWriter]


@pytest.fixture(params=["direct", "page cache"])
def sink(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Sink:
    """How the export writes: straight to the disk (ext4 here), or through the page cache with
    syncs, as where direct writes are not offered (Windows, macOS, some file systems). Steps and
    blocks are made small so that a bundle of a few MiB goes through several of them."""
    monkeypatch.setattr(writer_module, "_SYNC_STEP", 1 << 20)
    monkeypatch.setattr(writer_module, "_WRITE_BACK", 1 << 20)
    monkeypatch.setattr(writer_module, "_DIRECT_BLOCK", 1 << 20)
    if request.param == "direct":
        return writer_module._DirectWriter
    monkeypatch.setattr(writer_module, "open_to_disk", lambda path: None)
    return writer_module._CountingWriter


def _after_each_write(monkeypatch: pytest.MonkeyPatch, sink: Sink, then: Callable[[Any], None]) -> None:
    """Call ``then(writer)`` after every write the encryptor makes into the bundle: a ``write``, or
    the ``commit`` of a chunk sealed straight into the direct writer's block."""
    for name in ("write", "commit"):
        original = getattr(sink, name, None)
        if original is None:
            continue

        def hooked(self: Any, data: Any, original: Callable[[Any, Any], Any] = original) -> Any:
            result = original(self, data)
            then(self)
            return result

        monkeypatch.setattr(sink, name, hooked)


def test_the_export_reads_back_while_it_is_still_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: Sink
) -> None:
    """The writing waits, half-way, until the read-back has checked a first stretch from the disk:
    the read-back runs beside the writing, not after it, and the bundle still round trips."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    read_back = threading.Event()
    waited: list[bool] = []

    def progress(done: int, total: int) -> None:
        if threading.current_thread().name == "bundle-read":
            read_back.set()

    def wait_half_way(writer: Any) -> None:
        if writer.size > 4 << 20 and not waited:
            waited.append(read_back.wait(timeout=30))

    _after_each_write(monkeypatch, sink, wait_half_way)
    written = write_bundle(tmp_path / "b.age", req, progress=progress)
    assert waited == [True]
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
    assert written.size == written.path.stat().st_size  # a direct write's padding is cut off


def test_a_sync_that_fails_during_the_export_is_a_write_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer_module, "open_to_disk", lambda path: None)
    monkeypatch.setattr(writer_module, "_SYNC_STEP", 1 << 20)
    monkeypatch.setattr(writer_module, "_datasync", broken)
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    with pytest.raises(BundleError) as caught:
        write_bundle(tmp_path / "b.age", req)
    assert caught.value.code == "write_failed"
    assert "Input/output error" in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("failing", [1, 3])
def test_a_direct_write_that_fails_is_a_write_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    """The disk refuses a block (full, or the stick pulled out): the last block, or one in the middle
    of the bundle, after which the next write raises it."""
    monkeypatch.setattr(writer_module, "_DIRECT_BLOCK", 1 << 20)
    real = os.pwrite
    calls: list[int] = []

    def pwrite(fd: int, data: memoryview, offset: int) -> int:
        calls.append(offset)
        if len(calls) >= failing:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(writer_module.os, "pwrite", pwrite)
    keys = Keys()
    clip = 3000 if failing == 1 else 3 << 20
    with pytest.raises(BundleError) as caught:
        write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", clip_size=clip))
    assert caught.value.code == "write_failed"
    assert "No space left on device" in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("opening", ["open_from_disk", "open_to_disk"])
def test_a_part_file_that_cannot_be_opened_again_is_a_write_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opening: str
) -> None:
    """If the system refuses to open the ``.part`` file a second time (to read it back, or to write
    it straight to the disk), nothing is written."""

    def refuse(path: Path) -> None:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(writer_module, opening, refuse)
    keys = Keys()
    with pytest.raises(BundleError) as caught:
        write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site"))
    assert caught.value.code == "write_failed"
    assert "Too many open files" in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_read_back_that_fails_stops_the_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: Sink
) -> None:
    """Bytes the disk does not keep show up in the read-back while the bundle is still written; the
    export stops there instead of writing the rest to a medium that is known bad."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    sizes: list[int] = []
    waited: list[bool] = []
    first_read = writer_module._OnDisk.readinto

    def damaged(self: _OnDisk, buffer: bytearray | memoryview) -> int:
        if not self._read:  # once the header is on the disk, the stick returns other bytes for it
            with self._changed:
                self._changed.wait_for(lambda: self._synced >= writer_module._PAGE, timeout=30)
            with open(tmp_path / "b.age.part", "r+b") as fh:
                fh.write(b"AGE")
        return first_read(self, buffer)

    def wait_for_the_read_back(writer: Any) -> None:
        sizes.append(writer.size)
        if writer.size > 4 << 20 and not waited:
            with writer._disk._changed:
                waited.append(writer._disk._changed.wait_for(lambda: writer._disk._stopped, timeout=30))

    monkeypatch.setattr(writer_module._OnDisk, "readinto", damaged)
    _after_each_write(monkeypatch, sink, wait_for_the_read_back)
    with pytest.raises(BundleError) as caught:
        write_bundle(tmp_path / "b.age", req)
    assert caught.value.code == "readback_failed"
    assert "age header" in caught.value.message
    assert waited == [True]
    # one more write found the read-back stopped; the rest of the evidence was never written
    assert sizes[-1] < sum(item.size for item in req.evidence)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_stick_that_overwrites_what_it_already_returned_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: Sink
) -> None:
    """A stick that fakes its capacity writes later blocks over earlier ones. The read-back checked
    the start while it was still intact; once everything is written, the sampled stretches are read
    again and the change is found."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    overwritten: list[bool] = []

    def overwrite_the_start(writer: Any) -> None:
        if writer.size > 4 << 20 and not overwritten:
            deadline = time.monotonic() + 30
            while writer._disk._read < 2 << 20 and time.monotonic() < deadline:
                time.sleep(0.01)  # until the read-back has checked the first stretches
            with open(tmp_path / "b.age.part", "r+b") as fh:  # later data lands on the bundle's start
                fh.seek(4096)
                fh.write(os.urandom(64))
            overwritten.append(writer._disk._read >= 2 << 20)

    _after_each_write(monkeypatch, sink, overwrite_the_start)
    with pytest.raises(BundleError) as caught:
        write_bundle(tmp_path / "b.age", req)
    assert overwritten == [True]
    assert caught.value.code == "readback_failed"
    assert "offset 0" in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


class _Unplugged:
    """A real file that fails with EIO once ``pulled`` is set, as a stick pulled out does."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.pulled = False

    def readinto(self, buffer: memoryview) -> int:
        if self.pulled:
            raise OSError(errno.EIO, "Input/output error")
        return self._fh.readinto(buffer) or 0

    def seek(self, offset: int) -> int:
        return self._fh.seek(offset)

    def fileno(self) -> int:
        return self._fh.fileno()


def test_a_stick_pulled_out_before_the_second_look_is_caught(part: tuple[int, Path]) -> None:
    fd, path = part
    data = os.urandom(3 * STEP)
    os.write(fd, data)
    with open_from_disk(path) as raw:
        source = _Unplugged(raw)  # type: ignore[arg-type]
        disk = _OnDisk(fd, source)  # type: ignore[arg-type]
        reader = _Reader(disk)
        disk.wrote(len(data))
        disk.finish()
        reader.join(timeout=30)
        assert bytes(reader.data) == data
        disk.recheck()  # the same bytes again: nothing to say
        source.pulled = True
        with pytest.raises(BundleError) as caught:
            disk.recheck()
    assert caught.value.code == "readback_failed"
    assert "offset 0" in caught.value.message


@contextlib.contextmanager
def _refusing_direct_writer(
    part: tuple[int, Path], monkeypatch: pytest.MonkeyPatch, error: int, tried: list[int]
) -> Iterator[writer_module._DirectWriter]:
    """A direct writer over ``part`` in blocks of STEP whose every block the disk refuses with
    ``error`` (the offsets tried are appended to ``tried``)."""
    fd, path = part
    monkeypatch.setattr(writer_module, "_DIRECT_BLOCK", STEP)

    def pwrite(fd: int, data: memoryview, offset: int) -> int:
        tried.append(offset)
        raise OSError(error, os.strerror(error))

    direct = open_to_disk(path)
    assert direct is not None
    with open_from_disk(path) as source:
        disk = _OnDisk(fd, source, direct=True)
        monkeypatch.setattr(writer_module.os, "pwrite", pwrite)
        with writer_module._DirectWriter(direct, disk) as writer:
            yield writer


def test_after_a_failed_direct_write_nothing_more_is_written(
    part: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the disk refused a block, the blocks after it are not written (they would land after a
    hole); the error is raised from the last block's close."""
    tried: list[int] = []
    with _refusing_direct_writer(part, monkeypatch, errno.EIO, tried) as writer:
        writer.write(os.urandom(STEP + 100))  # a whole block goes to the disk thread
        with pytest.raises(OSError, match="Input/output error"):
            writer.close()  # the last block, after the refused one
    assert tried == [0]


def test_the_direct_writer_lends_its_blocks_and_spills_a_chunk_across_their_end(
    part: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The encryptor seals into room the writer lends: a chunk that ends exactly at a block's end
    hands the block to the disk, one that would cross it is sealed apart and copied across."""
    fd, path = part
    monkeypatch.setattr(writer_module, "_DIRECT_BLOCK", STEP)
    data = os.urandom(2 * STEP + 5000)
    direct = open_to_disk(path)
    assert direct is not None
    with open_from_disk(path) as source:
        disk = _OnDisk(fd, source, direct=True)
        reader = _Reader(disk)
        with writer_module._DirectWriter(direct, disk) as writer:
            writer.write(data[: STEP - 1000])
            for start, size in ((STEP - 1000, 1000), (STEP, STEP - 300), (2 * STEP - 300, 5300)):
                room = writer.reserve(size)
                assert len(room) == size
                room[:] = data[start : start + size]
                writer.commit(size)
                assert writer.size == start + size
            writer.close()
        disk.finish()
        reader.join(timeout=30)
    assert reader.error is None
    assert bytes(reader.data) == data
    assert path.read_bytes() == data


def test_after_a_refused_direct_write_the_writer_lends_no_more_room(
    part: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _refusing_direct_writer(part, monkeypatch, errno.ENOSPC, []) as writer:
        writer.write(os.urandom(STEP))  # a whole block goes to the disk thread, which fails
        deadline = time.monotonic() + 30
        while writer._error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        for call in (lambda: writer.reserve(100), lambda: writer.write(b"more")):
            with pytest.raises(OSError, match="No space left"):
                call()
        with pytest.raises(OSError, match="No space left"):
            writer.close()
